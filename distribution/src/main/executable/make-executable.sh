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
  # Each adapter's JVM options as a function that sets options=(...): no process to read them at every start.
  for role in sandboxer_options:"$sandboxer_options" fleeting_plugin_options:"$fleeting_options"; do
    printf '%s() {\n  options=(' "${role%%:*}"
    while IFS= read -r line; do [ -n "$line" ] && printf ' %q' "$line"; done < "${role#*:}"
    printf ' )\n}\n'
  done
  cat <<'FUNCTION'
embedded_options() { # embedded_options OPTIONS_FUNCTION CACHE_NAME: like jvm_options, with the caches in ../aot
  "$1"
  base_options
  aot_options "${self%/*/*}" "$2" "$self"
}
FUNCTION
  cat "$here/stub-tail.sh"
  cat "$jar"
} > "$out.tmp"
chmod 755 "$out.tmp"
mv "$out.tmp" "$out"
