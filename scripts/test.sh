#!/usr/bin/env bash
# The README's second command: set up, then build and run every test in every
# preset (default, asan-ubsan, tsan, and fuzz: the libFuzzer targets, a few
# seconds each over their seed corpora), then the Debian packages from the
# default preset's build. Pass preset names to run only those.
# In CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("${@:-default asan-ubsan tsan fuzz}")
# shellcheck disable=SC2206
presets=(${presets[*]})
groups=conformance,third-party
[[ " ${presets[*]} " == *" fuzz "* ]] && groups+=,fuzz
[[ " ${presets[*]} " == *" default "* ]] && groups+=,package
scripts/bootstrap.sh --with "$groups"
werror=OFF
[[ ${CI:-} == true ]] && werror=ON
jobs=$(nproc)
for p in "${presets[@]}"; do
  echo "=== preset $p ===" >&2
  cmake --preset "$p" -DSOFTVFIO_WERROR=$werror >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  # the conformance comparison runs once, below
  ctest --preset "$p" -j "$jobs" -LE '^conformance$'
done
# Conformance against a real 6.12 kernel in QEMU (docs/conformance.md), once,
# on the first plain preset; it skips itself where QEMU cannot run.
for p in "${presets[@]}"; do
  if [[ $p == default ]]; then
    echo "=== conformance ===" >&2
    ctest --preset default -L '^conformance$'
    break
  fi
done
# The Debian packages built from the default preset, installed, used from
# /usr and purged again (scripts/package-test.sh, docs/packaging.md).
if [[ " ${presets[*]} " == *" default "* ]]; then
  echo "=== package ===" >&2
  scripts/package-test.sh build/default
fi
