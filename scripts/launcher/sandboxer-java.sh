# Sourced by sandboxer's launchers (sandboxer, fleeting-plugin-*), installed next to their jars in lib/. It picks
# the Java runtime and the JVM options; every stage of a job starts a JVM, so this costs no process of its own.
#   select_java       sets java=, java_version= (feature number) and java_release= (the JDK's `release` file):
#                     $SANDBOXER_JAVA, $JAVA_HOME, the java on PATH, then the newest under /usr/lib/jvm; 21 or newer.
#                     The version comes from the JDK's `release` file (no JVM start, ~70 ms saved per candidate); a
#                     JDK without one is asked once.
#   jvm_options NAME  sets options=(...): lib/sandboxer-jvm-options.txt, C1 and Serial GC (a stage lives for seconds
#                     and a plugin idles: startup and footprint matter, peak throughput does not), and the AOT cache
#                     lib/aot/NAME-<JDK runtime version>.aot when it was made for this very JDK (JDK 25 and newer).
#   stage_client CLIENT ARGS...  `run` and `cleanup` exec the native stage client, when there is one (see below).
# Bash builtins only on the common path: a job starts 6-7 JVMs through this, and the external readlink, dirname, sed,
# ls and sort it once ran cost ~20 ms per start. The one process left is readlink for a java that is a symlink
# (/usr/bin/java through Debian's alternatives).

java_release_of() { # java_release_of JAVA: sets release= to the release file of the JDK that binary belongs to
  local bin=$1
  if [ -L "$bin" ]; then
    bin=$(readlink -f "$bin") || return 1
  fi
  case $bin in
    */bin/java) release=${bin%/bin/java}/release ;;
    *) return 1 ;;
  esac
}

release_value() { # release_value FILE KEY: sets value= to KEY's unquoted value in a JDK release file
  local line
  value=""
  [ -r "$1" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      "$2="*) value=${line#"$2="}; value=${value#\"}; value=${value%\"}; return 0 ;;
    esac
  done < "$1"
  return 1
}

java_feature() { # java_feature JAVA: sets feature= (0 when unknown) and release= (empty when it has none)
  local value=""
  feature=0
  java_release_of "$1" || release=""
  if [ -n "$release" ] && release_value "$release" JAVA_VERSION; then
    feature=${value%%[!0-9]*}
  else
    release=""
    # Guarded: the launchers run under `set -e -o pipefail`, and a broken candidate must only be passed over.
    value=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1) || value=""
    feature=${value%%[!0-9]*}
  fi
  feature=${feature:-0}
}

select_java() {
  local candidate feature release best="" best_feature=0 best_release="" dir
  java="" java_version="" java_release=""
  local -a path_dirs
  IFS=: read -r -a path_dirs <<< "${PATH:-}"
  local on_path=""
  for dir in "${path_dirs[@]}"; do
    if [ -n "$dir" ] && [ -x "$dir/java" ] && [ ! -d "$dir/java" ]; then on_path=$dir/java; break; fi
  done
  for candidate in "${SANDBOXER_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$on_path"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    java_feature "$candidate"
    if [ "$feature" -ge 21 ] 2>/dev/null; then java=$candidate java_version=$feature java_release=$release; return 0; fi
  done
  # The newest under /usr/lib/jvm: the highest feature version (the first in name order among equals).
  for candidate in /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] || continue
    java_feature "$candidate"
    if [ "$feature" -gt "$best_feature" ] 2>/dev/null; then best=$candidate best_feature=$feature best_release=$release; fi
  done
  if [ "$best_feature" -ge 21 ]; then java=$best java_version=$best_feature java_release=$best_release; return 0; fi
  return 1
}

# The AOT cache's name for this JDK: the cache is only valid for the JDK that made it (and the jars it was made
# from: make-aot-cache removes old ones whenever it runs, and the build runs it whenever it copies new jars).
aot_cache_path() { # aot_cache_path LIB NAME: sets cache=
  local value
  [ -n "$java_release" ] && release_value "$java_release" JAVA_RUNTIME_VERSION && [ -n "$value" ] || return 1
  cache=$1/aot/$2-${value//[^A-Za-z0-9._-]/_}.aot
}

# aot_options DIR NAME FILE...: adds the AOT cache DIR/aot/NAME-<JDK runtime version>.aot to options= when this JDK
# (25 and newer) can use it and the cache is newer than every FILE it was made from (the jars, or the one-file
# executable): a file replaced after the cache was made (a rebuild, an upgrade by hand) voids it, whatever the JVM's
# own check thinks (a stale cache once served an old class: JDK-8377932). In make-aot-cache's training run
# (SANDBOXER_AOT_CACHE_OUTPUT) it asks the JVM to write one instead.
aot_options() {
  local dir=$1 name=$2 cache file
  shift 2
  if [ -n "${SANDBOXER_AOT_CACHE_OUTPUT:-}" ]; then
    options+=("-XX:AOTCacheOutput=$SANDBOXER_AOT_CACHE_OUTPUT")
    return 0
  fi
  [ "$java_version" -ge 25 ] && [ -z "${SANDBOXER_NO_AOT:-}" ] && aot_cache_path "$dir" "$name" && [ -r "$cache" ] || return 0
  for file in "$@"; do
    [ "$cache" -nt "$file" ] || return 0
  done
  # A cache the JVM finds unusable is ignored; its complaint is silenced so `config` keeps stderr empty.
  options+=("-XX:AOTCache=$cache" "-Xlog:aot=off" "-Xlog:cds=off")
}

# The JVM options every launcher adds to its own list (options=): C1 and Serial GC.
base_options() {
  if [ "$java_version" -ge 23 ]; then options+=("--sun-misc-unsafe-memory-access=allow"); fi
  options+=("-XX:TieredStopAtLevel=1" "-XX:+UseSerialGC")
}

# The job's connection agent lives as long as its job, one per running job: a small heap that gives memory back and
# the plugin's footprint flags. Without them an agent held ~190 MiB once a job's output had passed through it (the
# JVM's default heap sizing, for a 24 GiB machine); with them ~105 MiB, most of it the JVM's own.
agent_options() {
  options+=("-Xms8m" "-Xmx256m" "-XX:MaxNewSize=4m" "-XX:MinHeapFreeRatio=10" "-XX:MaxHeapFreeRatio=25" "-Xss512k"
    "-XX:ReservedCodeCacheSize=32m")
  if [ "$java_version" -ge 22 ]; then options+=("-XX:TrimNativeHeapInterval=10000"); fi
}

# stage_client CLIENT ARGS...: for a `run` or `cleanup` stage, replaces the launcher by the native stage client CLIENT
# when the build made one (it needs Go). The client hands the script, or the deletion, to the job's connection agent
# without a JVM (~0.15 s less per stage) and starts the launcher ($self) again, with SANDBOXER_NO_STAGE_CLIENT=1, for
# whatever it does not handle itself (no agent, an unusual command line). Returns when it does not apply, and when the client cannot be started
# here (built for another architecture, on a noexec mount): that must cost the job the JVM's start, not the job.
stage_client() {
  local client=$1 errexit=
  shift
  case ${1:-} in run | cleanup) ;; *) return 0 ;; esac
  if [ -z "${SANDBOXER_NO_STAGE_CLIENT:-}" ] && [ -x "$client" ]; then
    export SANDBOXER_LAUNCHER="$self"
    # A failed exec ends a non-interactive bash unless execfail is set, and under errexit even then.
    case $- in *e*) errexit=1 ;; esac
    shopt -s execfail
    set +e
    exec "$client" "$@"
    shopt -u execfail
    [ -z "$errexit" ] || set -e
    unset SANDBOXER_LAUNCHER
    echo "sandboxer: warning: the native stage client $client could not be started; this stage runs through the JVM" >&2
  fi
}

jvm_options() { # jvm_options LIB NAME: a build directory's launcher, its jars in LIB and its caches in LIB/aot
  local line
  options=()
  while IFS= read -r line; do [ -n "$line" ] && options+=("$line"); done < "$1/sandboxer-jvm-options.txt"
  base_options
  aot_options "$1" "$2" "$1"/*.jar
}
