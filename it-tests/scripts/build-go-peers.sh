#!/usr/bin/env bash
# Builds it-tests' Go peers of the Fleeting plugin from src/test/go/fleetingharness, a Go module whose go.mod/go.sum
# pin GitLab's fleeting library (module mode, through the Go module proxy; nothing upstream is copied here):
#   host                   drives a plugin with fleeting.RunPlugin and fleeting's SSH connector, as GitLab Runner does
#   descriptor             writes the FileDescriptorProto the fleeting module registers for proto.InstanceGroup
#   fleeting-plugin-dummy  fleeting's own reference plugin, a second peer that proves the host right
# Cached by go-build-cached.sh, so a second run costs nothing.
#   build-go-peers.sh    -> prints the directory that holds the three binaries
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/go-build-cached.sh"

build() {
  log "building the Go Fleeting peers (fleeting $("$go" list -m -f '{{.Version}}' gitlab.com/gitlab-org/fleeting/fleeting)) with $("$go" env GOVERSION)"
  "$go" build -trimpath -o "$1/" ./host ./descriptor
  "$go" build -trimpath -o "$1/fleeting-plugin-dummy" gitlab.com/gitlab-org/fleeting/fleeting/plugin/fleeting-plugin-dummy/cmd/fleeting-plugin-dummy
}
go_build_cached go-peers "$here/src/test/go/fleetingharness" build host descriptor fleeting-plugin-dummy
