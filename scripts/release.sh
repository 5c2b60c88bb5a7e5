#!/usr/bin/env bash
# Builds sandboxer's release files for this machine's platform from the one-file executable that `./mvnw package`
# leaves in distribution/target/bin (run that first):
#   distribution/target/release/sandboxer-VERSION-linux-ARCH.tar.gz
#       sandboxer-VERSION/bin/sandboxer, fleeting-plugin-libvirt, fleeting-plugin-kubevirt (links to sandboxer)
#       sandboxer-VERSION/runtime/   a Java runtime trimmed by jlink to the modules sandboxer uses: nothing else needed
#       sandboxer-VERSION/aot/       AOT caches made on that runtime (JDK 25 and newer) by training runs of the file
#       sandboxer-VERSION/libexec/   the native stage client (sandboxer-stage-client), when the build had a Go
#   distribution/target/release/sandboxer_VERSION_DEBARCH.deb
#       /usr/lib/sandboxer/{bin,runtime,aot,libexec}, /usr/bin/{sandboxer,fleeting-plugin-libvirt,fleeting-plugin-kubevirt},
#       the man page (help2man, from --help), bash completion; depends on libvirt0 (the libvirt backend's library)
# Needs a JDK >= 21 (for jlink; scripts/lib.sh picks one like ./run-tests), dpkg-deb and help2man.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
select_jdk
target="$root/distribution/target"
single="$target/bin/sandboxer"
[ -x "$single" ] || die "$single is missing: run ./mvnw package first"
for tool in dpkg-deb help2man; do
  command -v "$tool" >/dev/null || die "release.sh needs $tool: apt-get install ${tool/dpkg-deb/dpkg}"
done
version=$(sed -n 's/^version=//p' "$root/adapter-fleeting/target/classes/sandboxer-build.properties")
[ -n "$version" ] || die "cannot read the version from adapter-fleeting/target/classes/sandboxer-build.properties"
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) die "no release for $(uname -m) yet" ;;
esac
out="$target/release"
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d "$target/.release-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The runtime: the modules the application uses, as jdeps finds them in the shaded jar, plus the crypto providers
# and DNS that are only looked up by name at run time.
jar="$target/sandboxer-distribution-$version-all.jar"
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release 21 --print-module-deps "$jar")
for extra in jdk.crypto.ec jdk.naming.dns jdk.zipfs; do
  if "$JAVA_HOME/bin/java" --list-modules | grep -q "^$extra@"; then modules="$modules,$extra"; fi
done
log "jlink: $modules"
# jlink's release file lacks the JDK's exact build (JAVA_RUNTIME_VERSION), which names the AOT caches below: copied.
runtime_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "$JAVA_HOME/release")
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress zip-6 \
  ${runtime_version:+--release-info "add:JAVA_RUNTIME_VERSION=\"$runtime_version\""} --output "$work/runtime"

# The archive: one executable, two links (the name picks the role), the runtime beside bin/.
dir="$work/sandboxer-$version"
mkdir -p "$dir/bin"
cp "$single" "$dir/bin/sandboxer"
ln -s sandboxer "$dir/bin/fleeting-plugin-libvirt"
ln -s sandboxer "$dir/bin/fleeting-plugin-kubevirt"
cp -a "$work/runtime" "$dir/runtime"
# The native stage client (Go; the build makes it when a Go is installed): `run` and `cleanup` then start no JVM.
if [ -x "$target/libexec/sandboxer-stage-client" ]; then
  mkdir -p "$dir/libexec"
  cp -a "$target/libexec/sandboxer-stage-client" "$dir/libexec/"
else
  log "WARNING: $target/libexec/sandboxer-stage-client is missing (the build found no Go 1.22+): this release's run and cleanup stages start a JVM"
fi
# Every stage starts a JVM: from an AOT cache made for this runtime and this file, it starts in about half the time.
# The JVM accepts the cache wherever the directory is unpacked (it matches the file by name, size and time, which tar
# and dpkg keep), and the launcher uses it only while it is newer than the file.
"$root/scripts/launcher/make-aot-cache" "$dir/bin/sandboxer" >&2
tar -C "$work" --owner=0 --group=0 -czf "$out/sandboxer-$version-linux-$arch.tar.gz" "sandboxer-$version"
log "made $out/sandboxer-$version-linux-$arch.tar.gz"

# The Debian package.
deb="$work/deb"
debversion=${version//-SNAPSHOT/~snapshot}
mkdir -p "$deb/DEBIAN" "$deb/usr/lib/sandboxer/bin" "$deb/usr/bin" "$deb/usr/share/man/man1" \
  "$deb/usr/share/bash-completion/completions" "$deb/usr/share/doc/sandboxer"
cp -a "$dir/bin/sandboxer" "$deb/usr/lib/sandboxer/bin/sandboxer"
cp -a "$dir/runtime" "$deb/usr/lib/sandboxer/runtime"
for part in aot libexec; do
  if [ -d "$dir/$part" ]; then cp -a "$dir/$part" "$deb/usr/lib/sandboxer/$part"; fi
done
for name in sandboxer fleeting-plugin-libvirt fleeting-plugin-kubevirt; do
  ln -s ../lib/sandboxer/bin/sandboxer "$deb/usr/bin/$name"
done
help2man --no-info --name "one fresh virtual machine per GitLab CI job (custom-executor driver)" \
  --version-string "$version" "$deb/usr/bin/sandboxer" | gzip -9n > "$deb/usr/share/man/man1/sandboxer.1.gz"
"$deb/usr/bin/sandboxer" generate-completion > "$deb/usr/share/bash-completion/completions/sandboxer"
cp "$root/README.md" "$deb/usr/share/doc/sandboxer/README.md"
size=$(du -sk "$deb/usr" | cut -f1)
cat > "$deb/DEBIAN/control" <<CONTROL
Package: sandboxer
Version: $debversion
Architecture: $arch
Maintainer: sandboxer developers <sandboxer@example.invalid>
Installed-Size: $size
Depends: libvirt0
Section: devel
Priority: optional
Homepage: https://example.invalid/sandboxer
Description: one fresh, disposable virtual machine per CI job
 GitLab Runner custom-executor driver (sandboxer) and Fleeting plugins
 (fleeting-plugin-libvirt, fleeting-plugin-kubevirt) for libvirt and KubeVirt,
 with their own trimmed Java runtime.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/sandboxer_${debversion}_$arch.deb" >&2
log "made $out/sandboxer_${debversion}_$arch.deb"
ls "$out"
