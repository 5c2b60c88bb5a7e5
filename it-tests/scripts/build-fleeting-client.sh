#!/usr/bin/env bash
# Builds it-tests' go-plugin host (src/test/go/fleetingclient) in GOPATH mode from Debian's Go packages only,
# with InstanceGroup stubs generated from the plugin's own fleeting.proto.
#   build-fleeting-client.sh OUT_DIR     -> prints the path of the built binary
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-fleeting-client.sh OUT_DIR}
for tool in go protoc protoc-gen-go; do
  command -v "$tool" >/dev/null || { echo "build-fleeting-client.sh needs $tool: see ./run-tests for the Debian packages" >&2; exit 1; }
done
src="$out/gopath/src/sandboxer/fleetingclient"
rm -rf "$out/gopath"
mkdir -p "$src/fleeting" "$out/gocache"
cp "$here/src/test/go/fleetingclient/main.go" "$src/"
protoc -I "$here/../adapter-fleeting/src/main/proto" -I /usr/include \
  "--go_out=plugins=grpc,paths=source_relative,Mfleeting.proto=sandboxer/fleetingclient/fleeting:$src/fleeting" fleeting.proto
(cd "$out" && GO111MODULE=off GOPATH="$out/gopath:/usr/share/gocode" GOCACHE="$out/gocache" go build -o "$out/fleeting-client" sandboxer/fleetingclient)
echo "$out/fleeting-client"
