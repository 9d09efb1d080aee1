#!/usr/bin/env bash
# One command to start the local pipeline for a person, one to stop it (no Docker needed):
#
#   scripts/backends/stack.sh up       Collector, Prometheus, Alertmanager on 127.0.0.1; prints URLs
#   scripts/backends/stack.sh status
#   scripts/backends/stack.sh down     stops them and deletes the stack's data
#
# The binaries come from scripts/backends/provision.sh (run it once first; `up` says so if
# something is missing). Implementation: scripts/backends/stack.mjs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../toolchain.sh
source "$here/../toolchain.sh"
exec node "$here/stack.mjs" "$@"
