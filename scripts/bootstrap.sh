#!/usr/bin/env bash
# Installs the Debian packages softvfio needs, and nothing when all are present
# (one dpkg-query call, well under a second). Used by scripts/demo.sh and
# scripts/test.sh. Extra package groups: --with conformance,fuzz,bench,package,third-party
set -euo pipefail

base=(cmake ninja-build g++ ccache pkg-config libgtest-dev libgmock-dev libbenchmark-dev
      libfmt-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libzydis-dev groff-base)
declare -A groups=(
  [fuzz]="clang libclang-rt-14-dev"
  [conformance]="qemu-system-x86 busybox-static cpio xz-utils gzip"
  [bench]="umockdev"
  [package]="dpkg-dev file lintian"
  # the programs tests/third_party runs under softvfio (lspci, python3, QEMU),
  # and what packs the guest QEMU boots there (as conformance's)
  [third-party]="pciutils python3 qemu-system-x86 busybox-static cpio xz-utils gzip"
)

wanted=("${base[@]}")
if [[ ${1:-} == --with && -n ${2:-} ]]; then
  IFS=, read -ra extra <<<"$2"
  for g in "${extra[@]}"; do
    # shellcheck disable=SC2206
    wanted+=(${groups[$g]:?unknown package group $g})
  done
fi

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
sudo=()
((EUID == 0)) || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
