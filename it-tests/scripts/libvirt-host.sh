#!/usr/bin/env bash
# Prepares this machine as a libvirt hypervisor for sandboxer's end-to-end tests and the main-job demo.
# Idempotent: running it again changes nothing that is already right.
#
#   libvirt-host.sh IMAGE_DIR
#
# - starts virtlogd and libvirtd when no service manager runs them (and gives /dev/kvm udev's mode);
# - an isolated network "sandboxer" (bridge virbr-sbx, 10.231.77.0/24, DHCP, no <forward>: guests cannot
#   leave the host);
# - a dir pool "sandboxer" at /var/lib/sandboxer/pool holding the base volume "debian-12.qcow2" from IMAGE_DIR;
# - kernel and initrd for direct boot under /var/lib/sandboxer/boot (readable by QEMU).
# Prints shell assignments (POOL=, NETWORK=, BASE_VOLUME=, KERNEL=, INITRD=, URI=) for the caller.
set -euo pipefail
IMAGE_DIR=${1:?usage: libvirt-host.sh IMAGE_DIR}
URI=qemu:///system
NETWORK=sandboxer
POOL=sandboxer
POOL_DIR=/var/lib/sandboxer/pool
BOOT_DIR=/var/lib/sandboxer/boot
BASE_VOLUME=debian-12.qcow2
log() { printf '[libvirt-host] %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || { echo "libvirt-host.sh must run as root (it starts libvirtd and defines a network)" >&2; exit 1; }
command -v libvirtd >/dev/null || { echo "libvirtd is missing: apt-get install libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 dnsmasq-base" >&2; exit 1; }

# Without udev, /dev/kvm can stay root-only. libvirt then sees "KVM usable" differ between its QEMU probe and
# later checks and re-probes QEMU on every call (a define took over a minute). Give it the mode udev gives it.
if [ -c /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c '%G %a' /dev/kvm)" != "kvm 660" ]; then
  log "setting /dev/kvm to root:kvm 0660, as udev would"
  chgrp kvm /dev/kvm && chmod 660 /dev/kvm
fi

if ! pgrep -x virtlogd >/dev/null; then
  log "starting virtlogd"
  virtlogd -d
fi
if ! pgrep -x libvirtd >/dev/null; then
  log "starting libvirtd"
  libvirtd -d
fi
for _ in $(seq 1 100); do
  virsh -c "$URI" version >/dev/null 2>&1 && break
  sleep 0.1
done
virsh -c "$URI" version >/dev/null 2>&1 || { echo "libvirtd does not answer on $URI" >&2; exit 1; }

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
