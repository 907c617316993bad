#!/usr/bin/env bash
# Conformance against a real Linux 6.12 kernel, alone: boots the pinned
# Debian kernel in QEMU (TCG), runs the suite there and under `softvfio run`,
# and prints the comparison as a table (docs/conformance.md).
#
#   scripts/conformance.sh [--differences]
#
# --differences  print only the rows that are not plain matches
# Env: BUILD_DIR (default build/default, configured from the default preset).
# Exit status: 0 no unexplained difference, 1 otherwise, 77 cannot run here.
set -euo pipefail
cd "$(dirname "$0")/.."
all=--all
for a in "$@"; do
  case $a in
    --differences) all= ;;
    *) echo "usage: scripts/conformance.sh [--differences]" >&2; exit 2 ;;
  esac
done
scripts/bootstrap.sh --with conformance
build=${BUILD_DIR:-build/default}
[[ -f $build/CMakeCache.txt ]] || cmake --preset default -B "$build" >/dev/null
cmake --build "$build" -j "$(nproc)" --target softvfio softvfio_shim conformance-suite conformance-suite-static \
  conformance-compare
exec conformance/harness.sh $all --softvfio "$build/src/cli/softvfio" --suite "$build/conformance/conformance-suite" \
  --suite-static "$build/conformance/conformance-suite-static" --compare "$build/conformance/conformance-compare" \
  --work "$build/conformance/run"
