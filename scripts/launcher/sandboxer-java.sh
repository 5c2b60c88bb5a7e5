# Sourced by sandboxer's launchers (sandboxer, fleeting-plugin-*), installed next to their jars in lib/. It picks
# the Java runtime and the JVM options; every stage of a job starts a JVM, so this costs no process of its own.
#   select_java       sets java= and java_version= (feature number): $SANDBOXER_JAVA, $JAVA_HOME, the java on PATH,
#                     then the newest under /usr/lib/jvm; 21 or newer. The version comes from the JDK's `release`
#                     file (no JVM start, ~70 ms saved per candidate); a JDK without one is asked once.
#   jvm_options NAME  sets options=(...): lib/sandboxer-jvm-options.txt, C1 and Serial GC (a stage lives for seconds
#                     and a plugin idles: startup and footprint matter, peak throughput does not), and the AOT cache
#                     lib/aot/NAME-<JDK runtime version>.aot when it was made for this very JDK (JDK 25 and newer).

java_release_file() { # the release file of the JDK a java binary belongs to
  local bin
  bin=$(readlink -f "$1") || return 1
  printf '%s/release' "$(dirname "$(dirname "$bin")")"
}

java_feature() {
  local release v
  release=$(java_release_file "$1")
  if [ -r "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*"$/\1/p' "$release")
  fi
  if [ -z "${v:-}" ]; then
    v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1)
  fi
  printf '%s' "${v:-0}"
}

select_java() {
  local candidate v jvms=()
  java="" java_version=""
  # Newest first under /usr/lib/jvm (version sort of the directory names).
  while IFS= read -r candidate; do jvms+=("$candidate"); done < <(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV)
  for candidate in "${SANDBOXER_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)" "${jvms[@]}"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    v=$(java_feature "$candidate")
    if [ "$v" -ge 21 ] 2>/dev/null; then java=$candidate; java_version=$v; return 0; fi
  done
  return 1
}

# The AOT cache's name for this JDK: the cache is only valid for the JDK that made it (and the jars it was made
# from: make-aot-cache removes old ones whenever it runs, and the build runs it whenever it copies new jars).
aot_cache_path() { # aot_cache_path LIB NAME
  local runtime
  runtime=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "$(java_release_file "$java")" 2>/dev/null)
  [ -n "$runtime" ] || return 1
  printf '%s/aot/%s-%s.aot' "$1" "$2" "${runtime//[^A-Za-z0-9._-]/_}"
}

# Whether the cache exists and is newer than every jar: a jar replaced after the cache was made (a rebuild, an
# upgrade by hand) voids it, whatever the JVM's own check thinks (a stale cache once served an old class: JDK-8377932).
aot_cache_current() { # aot_cache_current LIB CACHE
  local jar
  [ -r "$2" ] || return 1
  for jar in "$1"/*.jar; do
    [ "$2" -nt "$jar" ] || return 1
  done
}

jvm_options() { # jvm_options LIB NAME
  local line cache
  options=()
  while IFS= read -r line; do [ -n "$line" ] && options+=("$line"); done < "$1/sandboxer-jvm-options.txt"
  if [ "$java_version" -ge 23 ]; then options+=("--sun-misc-unsafe-memory-access=allow"); fi
  options+=("-XX:TieredStopAtLevel=1" "-XX:+UseSerialGC")
  if [ -n "${SANDBOXER_AOT_CACHE_OUTPUT:-}" ]; then # make-aot-cache's training run
    options+=("-XX:AOTCacheOutput=$SANDBOXER_AOT_CACHE_OUTPUT")
  elif [ "$java_version" -ge 25 ] && [ -z "${SANDBOXER_NO_AOT:-}" ] && cache=$(aot_cache_path "$1" "$2") && aot_cache_current "$1" "$cache"; then
    # A cache the JVM finds unusable is ignored; its complaint is silenced so `config` keeps stderr empty.
    options+=("-XX:AOTCache=$cache" "-Xlog:aot=off" "-Xlog:cds=off")
  fi
}
