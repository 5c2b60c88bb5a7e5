#!/usr/bin/env bash
# Builds the native stage client (the standard library only: no download) into OUT, for the build's launcher and the
# release. Without a Go 1.22 or newer it makes nothing and says so: `run` then takes the JVM path, as it always can.
#   build.sh OUT
set -euo pipefail
out=${1:?usage: build.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../../../scripts/lib.sh"
go=$(find_go 1.22)
rm -f "$out"
if [ -z "$go" ]; then
  echo "[stage-client] WARNING: no Go 1.22 or newer (SANDBOXER_GO, /usr/local/go/bin/go, go on PATH): no native stage client; run stages start a JVM" >&2
  exit 0
fi
mkdir -p "$(dirname "$out")"
cd "$here"
# Go needs a build cache; a build environment without HOME (some CI runners) would otherwise fail here.
export GOCACHE=${GOCACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/go-build}
# Static and without build paths: the same file runs in the release archive, the .deb and the image.
CGO_ENABLED=0 GOTOOLCHAIN=local "$go" build -trimpath -ldflags='-s -w' -o "$out" .
