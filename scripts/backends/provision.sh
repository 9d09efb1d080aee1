#!/usr/bin/env bash
# Builds the real backends the tests and the local stack run -- our Collector distribution
# (from collector/builder-config.yaml with the OpenTelemetry Collector Builder), Prometheus +
# promtool, Alertmanager + amtool -- from source into the cache outside the checkout
# (layout: scripts/backends/paths.mjs; versions: scripts/backends/versions.env).
#
#   scripts/backends/provision.sh            build whatever is missing (idempotent)
#   scripts/backends/provision.sh --check    only report; exit 1 if something is missing
#   scripts/backends/provision.sh otelcol    build one of: otelcol prometheus alertmanager
#
# Needs Go (the modules ask for Go 1.26; an older go with GOTOOLCHAIN=auto, the default,
# downloads that toolchain) and node (any version; scripts/toolchain.sh provides one).
# Every step prints what it builds and how long it took; any failure exits non-zero.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

die() {
  echo "provision: error: $*" >&2
  exit 1
}
say() { echo "provision: $*"; }

command -v node >/dev/null 2>&1 ||
  die "node is not on PATH (run 'source scripts/toolchain.sh' first, or install Node.js)"

if [ "${1:-}" = "--check" ]; then
  node "$here/paths.mjs" --check
  say "all backend binaries are present"
  exit 0
fi

command -v go >/dev/null 2>&1 ||
  die "Go is not installed or not on PATH. Install Go (https://go.dev/dl/, >= 1.21; the modules pull Go 1.26 via GOTOOLCHAIN=auto) and re-run $0"

eval "$(node "$here/paths.mjs" --shell)"
[ -f "$BACKEND_MANIFEST" ] || die "Collector manifest not found: $BACKEND_MANIFEST"

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(otelcol prometheus alertmanager)
for t in "${targets[@]}"; do
  case "$t" in otelcol | prometheus | alertmanager) ;; *) die "unknown target '$t' (otelcol, prometheus, alertmanager)" ;; esac
done

mkdir -p "$BACKEND_CACHE/tmp"
# One provisioning at a time per cache (a person and a test run may start together).
exec 9>"$BACKEND_CACHE/.provision.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || {
    say "another provisioning holds $BACKEND_CACHE/.provision.lock; waiting"
    flock 9
  }
fi

work="$(mktemp -d "$BACKEND_CACHE/tmp/provision.XXXXXX")"
trap 'rm -rf "$work"' EXIT
timings="$BACKEND_CACHE/provision-timings.log"
total_start=$SECONDS
say "cache $BACKEND_CACHE; $(go version)"

record() { # record <what> <seconds>
  say "$1 took ${2}s"
  printf '%s\t%s\t%ss\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$(go env GOVERSION)" >>"$timings"
}

# Installs the finished files of a temporary directory into the cache directory atomically,
# so an interrupted build never leaves a half-written binary where paths.mjs looks.
install_dir() { # install_dir <from-dir> <to-dir>
  local to="$2" tmp="$2.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$(dirname "$to")" && cp -R "$1" "$tmp"
  rm -rf "$to" && mv "$tmp" "$to"
}

version_ldflags() { # version_ldflags <version> <revision>
  local v=github.com/prometheus/common/version
  echo "-s -w -X $v.Version=$1 -X $v.Revision=$2 -X $v.Branch=HEAD -X $v.BuildUser=lorechat-provision -X $v.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
}

build_ocb() {
  [ -x "$BACKEND_OCB" ] && return 0
  say "installing the OpenTelemetry Collector Builder $BACKEND_OCB_VERSION"
  local start=$SECONDS
  GOBIN="$(dirname "$BACKEND_OCB")" go install "go.opentelemetry.io/collector/cmd/builder@$BACKEND_OCB_VERSION" ||
    die "could not install go.opentelemetry.io/collector/cmd/builder@$BACKEND_OCB_VERSION"
  record "ocb $BACKEND_OCB_VERSION install" $((SECONDS - start))
}

build_otelcol() {
  if [ -x "$BACKEND_OTELCOL" ]; then
    say "otelcol: cached ($BACKEND_OTELCOL)"
    return 0
  fi
  build_ocb
  say "otelcol: building lorechat-otelcol from $BACKEND_MANIFEST (key $BACKEND_OTELCOL_KEY)"
  local start=$SECONDS dir="$work/otelcol" log="$work/otelcol/ocb.log"
  mkdir -p "$dir"
  cp "$BACKEND_MANIFEST" "$dir/builder-config.yaml"
  # 1. Generate sources and resolve modules. OCB's `go mod tidy` also resolves the test-only
  #    dependencies of each component; some of those are not served by the module proxy (see
  #    scripts/backends/README.md), so when OCB's tidy fails we re-run it with -e. Step 2 fails
  #    loudly if anything the binary really imports is missing.
  if ! (cd "$dir" && "$BACKEND_OCB" --config builder-config.yaml --skip-compilation) >"$log" 2>&1; then
    local src
    src="$(sed -n 's/.*Sources created.*"path": "\([^"]*\)".*/\1/p' "$log" | tail -1)"
    case "$src" in /*) ;; ?*) src="$dir/$src" ;; esac
    if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
      tail -40 "$log" >&2
      die "otelcol: the builder could not generate sources from $BACKEND_MANIFEST (log above)"
    fi
    say "otelcol: OCB's module resolution failed; retrying with 'go mod tidy -e'. Modules it could not fetch:"
    grep -oE 'reading https://[^ ]+: [0-9]+ [A-Za-z ]+' "$log" | sed 's/^/provision:   /' | sort -u || true
    (cd "$src" && go mod tidy -e) >>"$log" 2>&1 || {
      tail -40 "$log" >&2
      die "otelcol: go mod tidy -e failed in $src"
    }
  fi
  # 2. Compile.
  if ! (cd "$dir" && "$BACKEND_OCB" --config builder-config.yaml --skip-generate --skip-get-modules) >>"$log" 2>&1; then
    grep -v '^go: downloading' "$log" | tail -40 >&2
    grep -oE 'reading https://[^ ]+: [0-9]+ [A-Za-z ]+' "$log" | sort -u | sed 's/^/  not fetchable: /' >&2 || true
    die "otelcol: compiling the Collector failed (log above). A component whose module (or one of its imports) is not served must move to the nearest served version in $BACKEND_MANIFEST."
  fi
  local bin
  bin="$(sed -n 's/.*Compiled.*"binary": "\([^"]*\)".*/\1/p' "$log" | tail -1)"
  case "$bin" in /*) ;; ?*) bin="$dir/$bin" ;; esac
  [ -n "$bin" ] && [ -x "$bin" ] || die "otelcol: the builder reported no binary"
  "$bin" components >/dev/null || die "otelcol: the built binary does not run: $bin"
  mkdir -p "$work/otelcol-out"
  cp "$bin" "$work/otelcol-out/lorechat-otelcol"
  cp "$BACKEND_MANIFEST" "$work/otelcol-out/builder-config.yaml"
  cp "$(dirname "$bin")/go.mod" "$work/otelcol-out/go.mod"
  install_dir "$work/otelcol-out" "$BACKEND_OTELCOL_DIR"
  record "otelcol build (key $BACKEND_OTELCOL_KEY)" $((SECONDS - start))
}

build_prometheus() {
  if [ -x "$BACKEND_PROMETHEUS" ] && [ -x "$BACKEND_PROMTOOL" ]; then
    say "prometheus: cached ($BACKEND_PROMETHEUS_DIR)"
    return 0
  fi
  say "prometheus: building prometheus + promtool $BACKEND_PROMETHEUS_VERSION (module $BACKEND_PROMETHEUS_MODULE_VERSION)"
  local start=$SECONDS out="$work/prometheus-out" mod=github.com/prometheus/prometheus
  mkdir -p "$out"
  # A plain go build: the React UI is not embedded (that is an npm build, `make assets`);
  # the HTTP API, OTLP ingest and promtool are complete.
  GOBIN="$out" go install -trimpath -ldflags "$(version_ldflags "$BACKEND_PROMETHEUS_VERSION" "$BACKEND_PROMETHEUS_MODULE_VERSION")" \
    "$mod/cmd/prometheus@$BACKEND_PROMETHEUS_MODULE_VERSION" "$mod/cmd/promtool@$BACKEND_PROMETHEUS_MODULE_VERSION" ||
    die "prometheus: go install $mod/cmd/{prometheus,promtool}@$BACKEND_PROMETHEUS_MODULE_VERSION failed"
  "$out/prometheus" --version >/dev/null || die "prometheus: the built binary does not run"
  install_dir "$out" "$BACKEND_PROMETHEUS_DIR"
  record "prometheus+promtool $BACKEND_PROMETHEUS_VERSION build" $((SECONDS - start))
}

build_alertmanager() {
  if [ -x "$BACKEND_ALERTMANAGER" ] && [ -x "$BACKEND_AMTOOL" ]; then
    say "alertmanager: cached ($BACKEND_ALERTMANAGER_DIR)"
    return 0
  fi
  say "alertmanager: building alertmanager + amtool $BACKEND_ALERTMANAGER_VERSION"
  local start=$SECONDS mod="github.com/prometheus/alertmanager@v$BACKEND_ALERTMANAGER_VERSION" moddir
  # `go install .../cmd/alertmanager@v...` fails: ui/web.go embeds ui/app/dist, the npm-built
  # web UI, which is not in the module. Build from a copy of the module with a one-page
  # stand-in for the UI; everything else is the released source.
  moddir="$(go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$moddir" ] && [ -d "$moddir" ] || die "alertmanager: could not download module $mod"
  local src="$work/alertmanager-src" out="$work/alertmanager-out"
  cp -R "$moddir" "$src" && chmod -R u+w "$src"
  mkdir -p "$src/ui/app/dist" "$out"
  printf '%s\n' '<!doctype html><title>Alertmanager</title><p>The web UI was not built into this Alertmanager (lorechat-otel scripts/backends/provision.sh). The API is at /api/v2/.</p>' \
    >"$src/ui/app/dist/index.html"
  gzip -9 -n -k "$src/ui/app/dist/index.html"
  (cd "$src" && go build -trimpath -ldflags "$(version_ldflags "$BACKEND_ALERTMANAGER_VERSION" "v$BACKEND_ALERTMANAGER_VERSION")" \
    -o "$out/" ./cmd/alertmanager ./cmd/amtool) ||
    die "alertmanager: go build ./cmd/alertmanager ./cmd/amtool failed in a copy of $mod"
  "$out/alertmanager" --version >/dev/null || die "alertmanager: the built binary does not run"
  install_dir "$out" "$BACKEND_ALERTMANAGER_DIR"
  record "alertmanager+amtool $BACKEND_ALERTMANAGER_VERSION build" $((SECONDS - start))
}

for t in "${targets[@]}"; do "build_$t"; done
[ "$#" -gt 0 ] || node "$here/paths.mjs" --check
say "done in $((SECONDS - total_start))s"
