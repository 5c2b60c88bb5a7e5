#!/usr/bin/env bash
# Builds the native stage client (the standard library only: no download) into OUT, for the build's launcher and the
# release; with --test runs its Go tests instead (the build's test phase). Without a Go 1.22 or newer it does nothing
# and says so: `run` and `cleanup` then take the JVM path, as they always can.
#   build.sh OUT
#   build.sh --test
set -euo pipefail
out=${1:?usage: build.sh OUT | build.sh --test}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../../../scripts/lib.sh"
go=$(find_go 1.22)
[ "$out" = --test ] || rm -f "$out"
if [ -z "$go" ]; then
  echo "[stage-client] WARNING: no Go 1.22 or newer (SANDBOXER_GO, /usr/local/go/bin/go, go on PATH): no native stage client; run and cleanup stages start a JVM" >&2
  exit 0
fi
cd "$here"
# Go needs a build cache; a build environment without HOME (some CI runners) would otherwise fail here.
export GOCACHE=${GOCACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/go-build}
export CGO_ENABLED=0 GOTOOLCHAIN=local
if [ "$out" = --test ]; then
  "$go" vet .
  exec "$go" test -count=1 .
fi
mkdir -p "$(dirname "$out")"
# Static and without build paths: the same file runs in the release archive, the .deb and the image.
"$go" build -trimpath -ldflags='-s -w' -o "$out" .
