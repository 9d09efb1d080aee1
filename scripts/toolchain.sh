#!/usr/bin/env bash
# Provides Node.js 24 LTS from the npm registry's `node` package, cached outside the
# checkout, for machines whose system Node is older than OpenTelemetry JS needs (>= 22.15).
#
#   source scripts/toolchain.sh     # puts Node 24 first on PATH in this shell
#   scripts/toolchain.sh --print    # prints the bin directory
#
# LORECHAT_CACHE_DIR overrides the cache root (default: $XDG_CACHE_HOME/lorechat-otel or
# ~/.cache/lorechat-otel). A Node >= 24 already first on PATH is used as it is.
# Strict mode only when executed: sourcing must not change the caller's shell options.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; fi

LORECHAT_NODE_VERSION="${LORECHAT_NODE_VERSION:-24.21.0}"
_lorechat_cache="${LORECHAT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lorechat-otel}"
_lorechat_node_prefix="$_lorechat_cache/node-$LORECHAT_NODE_VERSION"
_lorechat_node_bin="$_lorechat_node_prefix/node_modules/.bin"

_lorechat_have_node24() {
  command -v node >/dev/null 2>&1 || return 1
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || return 1
  [ "$major" -ge 24 ]
}

_lorechat_ensure_node() {
  if [ -x "$_lorechat_node_bin/node" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || {
    echo "toolchain: npm is needed to fetch Node $LORECHAT_NODE_VERSION (install any Node.js with npm first)" >&2
    return 1
  }
  echo "toolchain: installing Node $LORECHAT_NODE_VERSION from the npm registry into $_lorechat_node_prefix" >&2
  mkdir -p "$_lorechat_node_prefix"
  local tmp="$_lorechat_node_prefix.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error "node@$LORECHAT_NODE_VERSION" >&2
  "$tmp/node_modules/.bin/node" --version >/dev/null
  rm -rf "$_lorechat_node_prefix" && mv "$tmp" "$_lorechat_node_prefix"
}

if ! _lorechat_have_node24 || [ "${LORECHAT_FORCE_CACHED_NODE:-}" = 1 ]; then
  _lorechat_ensure_node || { echo "toolchain: could not provide Node $LORECHAT_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  case ":$PATH:" in *":$_lorechat_node_bin:"*) ;; *) export PATH="$_lorechat_node_bin:$PATH" ;; esac
fi

if [ "${1:-}" = "--print" ]; then dirname "$(command -v node)"; fi
