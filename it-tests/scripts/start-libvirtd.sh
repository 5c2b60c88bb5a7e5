#!/usr/bin/env bash
# Starts virtlogd and libvirtd on this machine when no service manager runs them (libvirt-host.sh runs it, and the
# tests' libvirtd restart). Idempotent: a daemon that runs already is left alone. As root.
set -euo pipefail
log() { printf '[libvirt-host] %s\n' "$*" >&2; }

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
  # libvirtd's destroy returns once QEMU is reaped. libvirt daemonizes QEMU, so its parent becomes the nearest
  # subreaper, else pid 1. A service manager reaps at once; a container's or a VM sandbox's pid 1 may not (here it
  # took ~2 s per destroy). Under `tini -s` libvirtd's QEMUs are tini's to reap, as under systemd.
  if [ "$(ps -o comm= -p 1)" != systemd ] && command -v tini >/dev/null; then
    log "starting libvirtd (under tini, which reaps its QEMU processes)"
    setsid tini -s -- libvirtd </dev/null >>/var/log/sandboxer-libvirtd.log 2>&1 &
  else
    log "starting libvirtd"
    libvirtd -d
  fi
fi
