#!/usr/bin/env bash
# Builds it-tests' Go peers of the Fleeting plugin from src/test/go/fleetingharness, a Go module whose go.mod/go.sum
# pin GitLab's fleeting library (module mode, through the Go module proxy; nothing upstream is copied here):
#   host                   drives a plugin with fleeting.RunPlugin and fleeting's SSH connector, as GitLab Runner does
#   descriptor             writes the FileDescriptorProto the fleeting module registers for proto.InstanceGroup
#   fleeting-plugin-dummy  fleeting's own reference plugin, a second peer that proves the host right
# The binaries are cached under $SANDBOXER_CACHE (/var/cache/sandboxer) by a hash of the module's files and the Go
# version, with the module and build caches beside them, so a second run costs nothing.
#   build-go-peers.sh    -> prints the directory that holds the three binaries
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/src/test/go/fleetingharness"
cache=${SANDBOXER_CACHE:-/var/cache/sandboxer}

. "$here/../scripts/lib.sh"
go=$(find_go 1.26) # the machine's Go: Debian's golang-go (1.19) is too old for the fleeting module
[ -n "$go" ] || die "build-go-peers.sh needs Go 1.26 or newer (set SANDBOXER_GO); found: $(command -v go || echo none)"

hash=$( (cd "$src" && cat go.mod go.sum $(find . -name '*.go' | sort); "$go" env GOVERSION) | sha256sum | cut -c1-16)
out="$cache/go-peers/$hash"
if [ -x "$out/host" ] && [ -x "$out/descriptor" ] && [ -x "$out/fleeting-plugin-dummy" ]; then
  echo "$out"
  exit 0
fi

export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$cache/go-peers"
cd "$src"
if ! "$go" mod download >&2; then
  echo "build-go-peers.sh: the Go module proxy ($("$go" env GOPROXY)) did not serve a module pinned in $src/go.mod: see the line above" >&2
  exit 1
fi
tmp=$(mktemp -d "$cache/go-peers/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "==> building the Go Fleeting peers (fleeting $("$go" list -m -f '{{.Version}}' gitlab.com/gitlab-org/fleeting/fleeting)) with $("$go" env GOVERSION)" >&2
"$go" build -trimpath -o "$tmp/" ./host ./descriptor >&2
"$go" build -trimpath -o "$tmp/fleeting-plugin-dummy" gitlab.com/gitlab-org/fleeting/fleeting/plugin/fleeting-plugin-dummy/cmd/fleeting-plugin-dummy >&2
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "$out"
