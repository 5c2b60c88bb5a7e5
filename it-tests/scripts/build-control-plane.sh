#!/usr/bin/env bash
# Builds a real Kubernetes control plane for it-tests from src/test/go/controlplane, a Go module whose go.mod/go.sum
# pin one Kubernetes release and the etcd it is built with (module mode, through the Go module proxy; nothing upstream
# is copied here):
#   kube-apiserver            the real API server (RBAC, CRDs with structural schemas, resourceVersions, admission)
#   kube-controller-manager   for its garbage collector (ownerReferences: a Secret goes when its VMI goes)
#   etcd                      the API server's store (Debian's etcd-server 3.4 is older than this release supports)
# Cached by go-build-cached.sh: the first build takes 7-10 minutes on 2 cores, later runs nothing.
#   build-control-plane.sh    -> prints the directory that holds the three binaries
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/go-build-cached.sh"

build() {
  log "building a Kubernetes control plane (kubernetes $("$go" list -m -f '{{.Version}}' k8s.io/kubernetes), etcd $("$go" list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)) with $("$go" env GOVERSION): 7-10 minutes the first time"
  "$go" build -trimpath -ldflags=-s -o "$1/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  "$go" build -trimpath -ldflags=-s -o "$1/etcd" go.etcd.io/etcd/server/v3
}
go_build_cached control-plane "$here/src/test/go/controlplane" build kube-apiserver kube-controller-manager etcd
