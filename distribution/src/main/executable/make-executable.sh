#!/usr/bin/env bash
# Makes the one-file sandboxer executable: stub-head.sh, the launchers' Java selection (scripts/launcher/
# sandboxer-java.sh), each adapter's JVM options as a function, stub-tail.sh, then the shaded jar. Java reads a jar
# whatever comes before it (a zip is read from its end), and bash stops at stub-tail's exec before the jar's bytes.
#   make-executable.sh OUT JAR JAVA_SH SANDBOXER_OPTIONS FLEETING_OPTIONS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1 jar=$2 java_sh=$3 sandboxer_options=$4 fleeting_options=$5
{
  cat "$here/stub-head.sh"
  grep -v '^#!' "$java_sh"
  for role in sandboxer_options:"$sandboxer_options" fleeting_plugin_options:"$fleeting_options"; do
    printf '%s() {\n  cat <<'"'"'OPTIONS'"'"'\n' "${role%%:*}"
    cat "${role#*:}"
    printf 'OPTIONS\n}\n'
  done
  cat <<'FUNCTION'
embedded_options() { # like jvm_options, from an embedded options list; no AOT cache (it would be made per JDK and file)
  local line
  options=()
  while IFS= read -r line; do [ -n "$line" ] && options+=("$line"); done < <("$1")
  if [ "$java_version" -ge 23 ]; then options+=("--sun-misc-unsafe-memory-access=allow"); fi
  options+=("-XX:TieredStopAtLevel=1" "-XX:+UseSerialGC")
}
FUNCTION
  cat "$here/stub-tail.sh"
  cat "$jar"
} > "$out.tmp"
chmod 755 "$out.tmp"
mv "$out.tmp" "$out"
