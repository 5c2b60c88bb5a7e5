#!/usr/bin/env bash
# sandboxer as one file: this launcher with the whole application (a jar) appended. Run as `sandboxer` it is the
# custom-executor driver; run as (or linked to) `fleeting-plugin-libvirt` / `fleeting-plugin-kubevirt` it is the
# Fleeting plugin for that backend. Needs a Java runtime 21 or newer: $SANDBOXER_JAVA, a runtime/ next to bin/ (the
# release archive's), $JAVA_HOME, the java on PATH, or the newest under /usr/lib/jvm. In a release (the archive, the
# .deb, the image) it starts from the AOT caches in aot/ beside bin/, made for that runtime by scripts/release.sh.
set -euo pipefail
self=$(readlink -f "$0")
name=${0##*/}
