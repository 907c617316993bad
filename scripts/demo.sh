#!/usr/bin/env bash
# The README's first command: set up, build, and run softvfio on the built-in
# default device. Extra arguments go to the softvfio command (default: demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default --target softvfio >/dev/null
exec build/default/src/cli/softvfio "${@:-demo}"
