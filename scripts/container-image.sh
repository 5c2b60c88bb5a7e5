#!/usr/bin/env bash
# Builds sandboxer's container image as an OCI image layout, without a container daemon: a Debian rootfs from Debian
# packages (debootstrap minbase, libvirt0, ca-certificates), the release archive's files in /usr/lib/sandboxer (its own
# trimmed Java runtime included), the three commands in /usr/bin, and the KubeVirt Go tool's entrypoint switch:
# KUBEVIRT_EXECUTOR=true runs sandboxer with the container's arguments (a gc CronJob uses the same image), anything
# else runs gitlab-runner when the image has one. Packed with Debian's umoci; runs as uid 65534.
#   scripts/container-image.sh   -> distribution/target/image (OCI layout, tag VERSION) and distribution/target/
#                                   sandboxer-image-VERSION.oci.tar (the layout as one file, for skopeo/crane/podman)
# Runs scripts/release.sh first when the archive is missing. Needs root (debootstrap, chroot), debootstrap and umoci.
# The Debian rootfs is cached under /var/cache/sandboxer/container-rootfs by a hash of its recipe.
# Not in the image yet: gitlab-runner itself (its Go module cannot be built from the module proxy this project reaches).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
[ "$(id -u)" -eq 0 ] || die "container-image.sh must run as root (debootstrap, chroot)"
for tool in debootstrap umoci; do
  command -v "$tool" >/dev/null || die "container-image.sh needs $tool: apt-get install $tool"
done
target="$root/distribution/target"
version=$(sed -n 's/^version=//p' "$root/adapter-fleeting/target/classes/sandboxer-build.properties" 2>/dev/null || true)
[ -n "$version" ] || die "build sandboxer first: ./mvnw package"
archive="$target/release/sandboxer-$version-linux-amd64.tar.gz"
# A missing archive, or one older than the executable ./mvnw package just made, is (re)made first.
if [ ! -f "$archive" ] || [ "$target/bin/sandboxer" -nt "$archive" ]; then "$root/scripts/release.sh" >/dev/null; fi

suite=bookworm mirror=${SANDBOXER_DEBIAN_MIRROR:-http://deb.debian.org/debian} packages=libvirt0,ca-certificates
cache=${SANDBOXER_CACHE:-/var/cache/sandboxer}/container-rootfs
recipe=$(echo "$suite $mirror $packages 1" | sha256sum | cut -c1-16)
rootfs_tar="$cache/$recipe.tar"
work=$(mktemp -d /var/tmp/sandboxer-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ ! -f "$rootfs_tar" ]; then
  log "debootstrap $suite (minbase, $packages) from $mirror: a few minutes, once"
  debootstrap --variant=minbase --include="$packages" "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  mkdir -p "$cache"
  tar -C "$work/rootfs" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work/rootfs"
fi

layout="$target/image"
rm -rf "$layout"
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci unpack --image "$layout:$version" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
tar -C "$rootfs" -xf "$rootfs_tar"
mkdir -p "$rootfs/usr/lib/sandboxer"
tar -C "$rootfs/usr/lib/sandboxer" --strip-components=1 -xzf "$archive"
for name in sandboxer fleeting-plugin-libvirt fleeting-plugin-kubevirt; do
  ln -sf ../lib/sandboxer/bin/sandboxer "$rootfs/usr/bin/$name"
done
cat > "$rootfs/usr/local/bin/sandboxer-entrypoint" <<'ENTRYPOINT'
#!/bin/sh
# The KubeVirt Go tool's image switch: KUBEVIRT_EXECUTOR=true runs the executor (sandboxer), else gitlab-runner.
if [ "${KUBEVIRT_EXECUTOR:-}" = true ]; then
  exec /usr/bin/sandboxer "$@"
fi
if command -v gitlab-runner >/dev/null 2>&1; then
  exec gitlab-runner "$@"
fi
echo "this image has no gitlab-runner; set KUBEVIRT_EXECUTOR=true to run sandboxer (its gc CronJob does)" >&2
exit 1
ENTRYPOINT
chmod 755 "$rootfs/usr/local/bin/sandboxer-entrypoint"
umoci repack --image "$layout:$version" "$work/bundle"
umoci config --image "$layout:$version" --author "sandboxer" --config.user 65534:65534 --config.workingdir /tmp \
  --config.entrypoint /usr/local/bin/sandboxer-entrypoint --config.env HOME=/tmp \
  --config.label org.opencontainers.image.title=sandboxer --config.label "org.opencontainers.image.version=$version"
umoci gc --layout "$layout"
tar -C "$layout" -cf "$target/sandboxer-image-$version.oci.tar" .
log "made the OCI layout $layout (tag $version) and $target/sandboxer-image-$version.oci.tar"
echo "$layout"
