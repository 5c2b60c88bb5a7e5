#!/usr/bin/env bash
# Builds a small Debian 12 guest image from Debian packages only, for sandboxer's end-to-end tests and the
# main-job demo: an unpartitioned ext4 root in qcow2 plus kernel and initrd for direct kernel boot.
#
#   guest-image.sh [CACHE_DIR]      (default /var/cache/sandboxer/guest-image)
#
# Prints the directory holding base.qcow2, vmlinuz and initrd.img. The result is cached under CACHE_DIR by
# the hash of this script: a second run is instant. Needs root (debootstrap, chroot) and the packages
# debootstrap, e2fsprogs and qemu-utils.
#
# The guest has openssh-server, cloud-init (NoCloud only), qemu-guest-agent, sudo, dbus and python3, and a
# first-boot unit, sandboxer-ignition-lite, that applies the users, files and hostname of an Ignition config
# found in QEMU fw_cfg (opt/org.flatcar-linux/config or opt/com.coreos/config). Flatcar and Fedora CoreOS run
# real Ignition; this lets a plain Debian guest prove that sandboxer's Ignition bytes arrive and work.
set -euo pipefail

CACHE_DIR=${1:-/var/cache/sandboxer/guest-image}
SUITE=${GUEST_SUITE:-bookworm}
MIRROR=${GUEST_MIRROR:-http://deb.debian.org/debian}
SIZE=${GUEST_ROOT_SIZE:-3G}
SELF_HASH=$( (cat "$0"; echo "$SUITE $MIRROR $SIZE") | sha256sum | cut -c1-16)
OUT="$CACHE_DIR/$SELF_HASH"

log() { printf '[guest-image] %s\n' "$*" >&2; }

if [ -f "$OUT/base.qcow2" ] && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.img" ]; then
  log "cached image $OUT"
  echo "$OUT"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "guest-image.sh must run as root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap mke2fs qemu-img; do
  command -v "$tool" >/dev/null || { echo "guest-image.sh needs $tool: apt-get install debootstrap e2fsprogs qemu-utils" >&2; exit 1; }
done

WORK=$(mktemp -d /var/tmp/sandboxer-guest.XXXXXX)
ROOTFS="$WORK/rootfs"
cleanup() {
  umount "$ROOTFS/proc" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
start=$(date +%s)

log "debootstrap $SUITE (minbase + kernel) from $MIRROR"
debootstrap --variant=minbase \
  --include=linux-image-cloud-amd64,initramfs-tools,systemd-sysv,udev,kmod,iproute2,ifupdown,isc-dhcp-client,netbase,e2fsprogs,ca-certificates \
  "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }

log "installing openssh-server, cloud-init, qemu-guest-agent, sudo, locales, dbus, python3 in the chroot"
printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"
chmod +x "$ROOTFS/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOTFS/proc"
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  openssh-server cloud-init qemu-guest-agent sudo less locales dbus python3 >"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }
umount "$ROOTFS/proc"
rm -f "$ROOTFS/usr/sbin/policy-rc.d"

log "configuring"
echo '/dev/vda / ext4 defaults,errors=remount-ro 0 1' > "$ROOTFS/etc/fstab"
echo 'debian-guest' > "$ROOTFS/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 debian-guest\n' > "$ROOTFS/etc/hosts"
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' > "$ROOTFS/etc/network/interfaces"
# Without a NoCloud seed (Ignition guests), bring the first NIC up by DHCP anyway.
mkdir -p "$ROOTFS/etc/network/interfaces.d"
printf 'allow-hotplug ens2\niface ens2 inet dhcp\nallow-hotplug enp1s0\niface enp1s0 inet dhcp\n' > "$ROOTFS/etc/network/interfaces.d/10-first-nic"
echo 'datasource_list: [ NoCloud, None ]' > "$ROOTFS/etc/cloud/cloud.cfg.d/90-datasources.cfg"
sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' "$ROOTFS/etc/locale.gen"
chroot "$ROOTFS" locale-gen >/dev/null
chroot "$ROOTFS" systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1
rm -f "$ROOTFS"/etc/ssh/ssh_host_*

cat > "$ROOTFS/usr/local/sbin/sandboxer-ignition-lite" <<'PY'
#!/usr/bin/python3
"""Applies the users, files and hostname of an Ignition config from QEMU fw_cfg (test images only)."""
import base64, json, os, pathlib, pwd, subprocess, urllib.parse
KEYS = ["opt/org.flatcar-linux/config", "opt/com.coreos/config"]
raw = next((pathlib.Path("/sys/firmware/qemu_fw_cfg/by_name", k, "raw") for k in KEYS
            if pathlib.Path("/sys/firmware/qemu_fw_cfg/by_name", k, "raw").exists()), None)
if raw is None:
    raise SystemExit(0)
config = json.loads(raw.read_bytes())
for f in config.get("storage", {}).get("files", []):
    source = f.get("contents", {}).get("source", "")
    header, _, data = source.partition(",")
    content = base64.b64decode(data) if header.endswith(";base64") else urllib.parse.unquote_to_bytes(data)
    path = pathlib.Path(f["path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.chmod(path, f.get("mode", 0o644))
for user in config.get("passwd", {}).get("users", []):
    name = user["name"]
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", user.get("shell", "/bin/bash"), name], check=True)
    if user.get("passwordHash"):
        subprocess.run(["usermod", "--password", user["passwordHash"], name], check=True)
    for group in user.get("groups", []):
        subprocess.run(["usermod", "--append", "--groups", group, name], check=False)
    keys = user.get("sshAuthorizedKeys", [])
    if keys:
        home = pathlib.Path(pwd.getpwnam(name).pw_dir)
        ssh = home / ".ssh"
        ssh.mkdir(mode=0o700, exist_ok=True)
        (ssh / "authorized_keys").write_text("\n".join(keys) + "\n")
        os.chmod(ssh / "authorized_keys", 0o600)
        subprocess.run(["chown", "-R", f"{name}:", str(ssh)], check=True)
hostname = pathlib.Path("/etc/hostname")
if hostname.exists():
    subprocess.run(["hostname", hostname.read_text().strip()], check=False)
PY
chmod 755 "$ROOTFS/usr/local/sbin/sandboxer-ignition-lite"
cat > "$ROOTFS/etc/systemd/system/sandboxer-ignition-lite.service" <<'UNIT'
[Unit]
Description=Apply an Ignition config from QEMU fw_cfg (sandboxer test image)
DefaultDependencies=no
After=local-fs.target systemd-modules-load.service cloud-init.service
Before=ssh.service
[Service]
Type=oneshot
ExecStartPre=-/sbin/modprobe qemu_fw_cfg
ExecStart=/usr/local/sbin/sandboxer-ignition-lite
RemainAfterExit=yes
[Install]
WantedBy=multi-user.target
UNIT
chroot "$ROOTFS" systemctl enable sandboxer-ignition-lite.service >/dev/null 2>&1
# sshd regenerates missing host keys at start (Ignition guests have no cloud-init to do it).
mkdir -p "$ROOTFS/etc/systemd/system/ssh.service.d"
printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' > "$ROOTFS/etc/systemd/system/ssh.service.d/10-hostkeys.conf"

chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/*
mkdir -p "$WORK/out"
cp -L "$ROOTFS/vmlinuz" "$WORK/out/vmlinuz"
cp -L "$ROOTFS/initrd.img" "$WORK/out/initrd.img"

log "making the ext4 root and the qcow2 image"
mke2fs -q -t ext4 -L root -d "$ROOTFS" "$WORK/root.raw" "$SIZE" >&2
qemu-img convert -c -f raw -O qcow2 "$WORK/root.raw" "$WORK/out/base.qcow2"
rm -f "$WORK/root.raw"

mkdir -p "$CACHE_DIR"
rm -rf "$OUT.partial"
mv "$WORK/out" "$OUT.partial"
mv "$OUT.partial" "$OUT"
log "built $OUT in $(( $(date +%s) - start )) s"
echo "$OUT"
