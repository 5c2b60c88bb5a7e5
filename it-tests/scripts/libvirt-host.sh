#!/usr/bin/env bash
# Prepares this machine as a libvirt hypervisor for sandboxer's end-to-end tests and the main-job demo.
# Idempotent: running it again changes nothing that is already right.
#
#   libvirt-host.sh IMAGE_DIR [URI [NETWORK]]
#
# On this machine's libvirtd (the default, qemu:///system):
# - starts virtlogd and libvirtd when no service manager runs them (and gives /dev/kvm udev's mode);
# - an isolated network "sandboxer" (bridge virbr-sbx, 10.231.77.0/24, DHCP, no <forward>: guests cannot
#   leave the host);
# - a dir pool "sandboxer" at /var/lib/sandboxer/pool holding the base volume "debian-12.qcow2" from IMAGE_DIR;
# - kernel and initrd for direct boot under /var/lib/sandboxer/boot (readable by QEMU).
# On another host's libvirtd (a URI naming a host, e.g. qemu+ssh://root@hv1/system): NETWORK must name an existing
# network whose guests this machine can reach (an isolated one is only reachable from that host); the pool is
# defined there if missing, and the base image, kernel and initrd are uploaded once as pool volumes named by the
# image's cache key. Nothing on the remote host is started or changed besides the pool and its volumes.
# Prints shell assignments (POOL=, NETWORK=, BASE_VOLUME=, KERNEL=, INITRD=, URI=) for the caller.
set -euo pipefail
IMAGE_DIR=${1:?usage: libvirt-host.sh IMAGE_DIR [URI [NETWORK]]}
URI=${2:-qemu:///system}
NETWORK=${3:-sandboxer}
POOL=sandboxer
POOL_DIR=/var/lib/sandboxer/pool
BOOT_DIR=/var/lib/sandboxer/boot
BASE_VOLUME=debian-12.qcow2
log() { printf '[libvirt-host] %s\n' "$*" >&2; }

if [[ $URI =~ ^[a-z0-9+]+://[^/]+/ ]]; then # a host in the URI: another machine's libvirtd
  command -v virsh >/dev/null || { echo "virsh is missing: apt-get install libvirt-clients" >&2; exit 1; }
  virsh -c "$URI" version >/dev/null || { echo "cannot connect to $URI (see virsh's message above)" >&2; exit 1; }
  [ -n "${3:-}" ] && virsh -c "$URI" net-info "$NETWORK" >/dev/null 2>&1 || {
    echo "on $URI, pass a network that exists there and whose guests this machine can reach (bridged or routed), e.g. --network br0-net" >&2; exit 1; }
  if ! virsh -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
    log "defining pool $POOL at $POOL_DIR on $URI"
    virsh -c "$URI" pool-define-as "$POOL" dir --target "$POOL_DIR" >/dev/null
    virsh -c "$URI" pool-build "$POOL" >/dev/null
  fi
  [ "$(virsh -c "$URI" pool-info "$POOL" | awk '/^State:/ {print $2}')" = "running" ] || virsh -c "$URI" pool-start "$POOL" >/dev/null
  key=$(basename "$IMAGE_DIR")
  upload() { # upload FILE VOLUME FORMAT: once per image cache key
    if ! virsh -c "$URI" vol-info --pool "$POOL" "$2" >/dev/null 2>&1; then
      log "uploading $(basename "$1") to $URI as $2"
      virsh -c "$URI" vol-create-as "$POOL" "$2" "$(stat -c %s "$1")" --format "$3" >/dev/null
      virsh -c "$URI" vol-upload --pool "$POOL" "$2" "$1" || { virsh -c "$URI" vol-delete --pool "$POOL" "$2" >/dev/null 2>&1; exit 1; }
    fi
  }
  upload "$IMAGE_DIR/base.qcow2" "debian-12-$key.qcow2" qcow2
  upload "$IMAGE_DIR/vmlinuz" "debian-12-$key.vmlinuz" raw
  upload "$IMAGE_DIR/initrd.img" "debian-12-$key.initrd" raw
  cat <<VARS
URI=$URI
NETWORK=$NETWORK
POOL=$POOL
POOL_DIR=$(virsh -c "$URI" pool-dumpxml "$POOL" | sed -n 's|.*<path>\(.*\)</path>.*|\1|p' | head -1)
BASE_VOLUME=debian-12-$key.qcow2
KERNEL=$(virsh -c "$URI" vol-path --pool "$POOL" "debian-12-$key.vmlinuz")
INITRD=$(virsh -c "$URI" vol-path --pool "$POOL" "debian-12-$key.initrd")
VARS
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "libvirt-host.sh must run as root (it starts libvirtd and defines a network)" >&2; exit 1; }
command -v libvirtd >/dev/null || { echo "libvirtd is missing: apt-get install libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 dnsmasq-base" >&2; exit 1; }

"$(dirname "$0")/start-libvirtd.sh"
for _ in $(seq 1 100); do
  virsh -c "$URI" version >/dev/null 2>&1 && break
  sleep 0.1
done
virsh -c "$URI" version >/dev/null 2>&1 || { echo "libvirtd does not answer on $URI" >&2; exit 1; }

if [ "$NETWORK" != sandboxer ] && ! virsh -c "$URI" net-info "$NETWORK" >/dev/null 2>&1; then
  echo "there is no network $NETWORK on $URI (virsh net-list --all shows the defined ones); leave it out to use sandboxer's isolated network" >&2
  exit 1
fi
if ! virsh -c "$URI" net-info "$NETWORK" >/dev/null 2>&1; then
  log "defining isolated network $NETWORK"
  xml=$(mktemp)
  cat > "$xml" <<XML
<network>
  <name>$NETWORK</name>
  <bridge name='virbr-sbx'/>
  <ip address='10.231.77.1' netmask='255.255.255.0'>
    <dhcp><range start='10.231.77.10' end='10.231.77.250'/></dhcp>
  </ip>
</network>
XML
  virsh -c "$URI" net-define "$xml" >/dev/null
  rm -f "$xml"
fi
if [ "$(virsh -c "$URI" net-info "$NETWORK" | awk '/^Active:/ {print $2}')" != "yes" ]; then
  log "starting network $NETWORK"
  virsh -c "$URI" net-start "$NETWORK" >/dev/null
fi

mkdir -p "$POOL_DIR" "$BOOT_DIR"
if ! virsh -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
  log "defining pool $POOL at $POOL_DIR"
  xml=$(mktemp)
  printf "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" "$POOL" "$POOL_DIR" > "$xml"
  virsh -c "$URI" pool-define "$xml" >/dev/null
  rm -f "$xml"
fi
if [ "$(virsh -c "$URI" pool-info "$POOL" | awk '/^State:/ {print $2}')" != "running" ]; then
  virsh -c "$URI" pool-start "$POOL" >/dev/null
fi

if ! cmp -s "$IMAGE_DIR/base.qcow2" "$POOL_DIR/$BASE_VOLUME"; then
  log "copying the base image into the pool"
  cp "$IMAGE_DIR/base.qcow2" "$POOL_DIR/$BASE_VOLUME.tmp"
  mv "$POOL_DIR/$BASE_VOLUME.tmp" "$POOL_DIR/$BASE_VOLUME"
fi
virsh -c "$URI" pool-refresh "$POOL" >/dev/null
install -m 0644 "$IMAGE_DIR/vmlinuz" "$BOOT_DIR/vmlinuz"
install -m 0644 "$IMAGE_DIR/initrd.img" "$BOOT_DIR/initrd.img"

cat <<VARS
URI=$URI
NETWORK=$NETWORK
POOL=$POOL
POOL_DIR=$POOL_DIR
BASE_VOLUME=$BASE_VOLUME
KERNEL=$BOOT_DIR/vmlinuz
INITRD=$BOOT_DIR/initrd.img
VARS
