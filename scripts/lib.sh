# Shared helpers for sandboxer's scripts: JDK selection and installing missing Debian packages.
# Source it; it defines functions only.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# java_major <java binary> -> prints the feature version (17, 21, 25, ...)
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1
}

# Exports JAVA_HOME for a JDK >= 21: the current one if good enough, else the newest under /usr/lib/jvm.
select_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(java_major "$JAVA_HOME/bin/java")
    if [ "${major:-0}" -ge 21 ]; then log "using JDK $major from JAVA_HOME=$JAVA_HOME"; return; fi
  fi
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 21 ]; then best=$candidate; best_major=$major; fi
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ "${major:-0}" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
  done
  [ "$best_major" -ge 21 ] || die "sandboxer needs a JDK 21 or newer; none found (default java is $(java_major java 2>/dev/null || echo missing)). Install one (e.g. Temurin 21/25) under /usr/lib/jvm or set JAVA_HOME."
  export JAVA_HOME=$best
  log "using JDK $best_major from $JAVA_HOME"
  if [ "$best_major" -ge 24 ]; then
    # Maven 3.9's own libraries (jansi, guava) trip JDK 24+ warnings; allow them so the log stays readable.
    export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
  fi
}

# ensure_packages pkg... : installs the Debian packages that are not installed yet.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]}; install them (as root: apt-get install ${missing[*]}) and run again"
  fi
  log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# find_go MAJOR.MINOR : prints the first Go at least that new (SANDBOXER_GO, /usr/local/go/bin/go, the go on PATH);
# prints nothing when there is none. Debian's golang-go is older than the Go modules the tests build need.
find_go() {
  local want=$1 candidate v
  for candidate in "${SANDBOXER_GO:-}" /usr/local/go/bin/go "$(command -v go 2>/dev/null || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    v=$("$candidate" env GOVERSION 2>/dev/null | sed 's/^go//')
    if [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -1)" = "$want" ]; then echo "$candidate"; return; fi
  done
}

# require_go MAJOR.MINOR : dies unless find_go finds one.
require_go() {
  local go
  go=$(find_go "$1")
  [ -n "$go" ] || die "the tests need Go $1 or newer (the machine's Go, not Debian's golang-go); found: $(command -v go >/dev/null && go env GOVERSION || echo none). Set SANDBOXER_GO to one."
  log "using $("$go" env GOVERSION) from $go"
}
