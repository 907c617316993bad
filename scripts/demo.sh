#!/usr/bin/env bash
# The README's first command: set up, build, and run softvfio on the built-in
# default device. Extra arguments go to the softvfio command (default: demo).
#
# A first build takes minutes, so on a terminal the build shows Ninja's own
# one-line progress ([n/N] ...) and an up-to-date tree costs one line;
# otherwise (a pipe, a CI log) it stays quiet, and the build's output is shown
# only when it fails, so an error is never swallowed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

log=$(mktemp "${TMPDIR:-/tmp}/softvfio-demo-build.XXXXXX")
trap 'rm -f "$log"' EXIT

# Runs "$@" with its output in $log; prints the log and fails if it fails.
quietly() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "demo.sh: '$*' failed" >&2
    exit 1
  fi
}

quietly cmake --preset default
if [[ -t 1 ]]; then
  echo "demo.sh: building softvfio (a first build takes a few minutes)" >&2
  # Ninja rewrites its status line in place when stdout is a terminal.
  cmake --build --preset default --target softvfio
else
  quietly cmake --build --preset default --target softvfio
fi
rm -f "$log"
trap - EXIT
exec build/default/src/cli/softvfio "${@:-demo}"
