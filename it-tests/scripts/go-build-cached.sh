# Sourced by it-tests' Go build scripts: builds binaries from a Go module under src/test/go (module mode through the
# Go module proxy, go.mod/go.sum pin every dependency) once, cached under $SANDBOXER_CACHE (/var/cache/sandboxer) by a
# hash of the module's files and the Go version, with the module and build caches beside them.
#
# go_build_cached KIND SRC BUILD_FUNCTION BINARY... : prints the cache directory holding every BINARY; when one is
# missing, runs BUILD_FUNCTION with $go set and the output directory as its argument, then moves it into place.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

go_build_cached() {
  local kind=$1 src=$2 build=$3 cache=${SANDBOXER_CACHE:-/var/cache/sandboxer} hash out tmp binary complete=yes
  shift 3
  go=$(find_go 1.26) # the machine's Go: Debian's golang-go (1.19) is too old for these modules
  [ -n "$go" ] || die "building it-tests' $kind needs Go 1.26 or newer (set SANDBOXER_GO); found: $(command -v go || echo none)"
  hash=$( (cd "$src" && cat go.mod go.sum $(find . -name '*.go' | sort); "$go" env GOVERSION) | sha256sum | cut -c1-16)
  out="$cache/$kind/$hash"
  for binary in "$@"; do [ -x "$out/$binary" ] || complete=no; done
  if [ "$complete" = yes ]; then
    echo "$out"
    return 0
  fi
  export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
  mkdir -p "$cache/$kind"
  cd "$src"
  if ! "$go" mod download >&2; then
    die "the Go module proxy ($("$go" env GOPROXY)) did not serve a module pinned in $src/go.mod: see the line above"
  fi
  tmp=$(mktemp -d "$cache/$kind/.build-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  "$build" "$tmp" >&2
  rm -rf "$out"
  mv "$tmp" "$out"
  trap - EXIT
  echo "$out"
}
