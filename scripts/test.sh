#!/usr/bin/env bash
# The README's second command: set up, then build and run every test in every
# preset (default, asan-ubsan, tsan). Pass preset names to run only those.
# In CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
presets=("${@:-default asan-ubsan tsan}")
# shellcheck disable=SC2206
presets=(${presets[*]})
werror=OFF
[[ ${CI:-} == true ]] && werror=ON
jobs=$(nproc)
for p in "${presets[@]}"; do
  echo "=== preset $p ===" >&2
  cmake --preset "$p" -DSOFTVFIO_WERROR=$werror >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  ctest --preset "$p" -j "$jobs"
done
