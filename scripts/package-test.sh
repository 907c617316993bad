#!/usr/bin/env bash
# Builds the Debian packages from a build directory and uses them the way a
# user gets them (docs/packaging.md): lintian, install, `softvfio demo` and
# `softvfio run` from /usr, the client library through pkg-config and
# find_package, and after dpkg --purge none of their files may be left.
# As root (CI) the packages go into this machine's dpkg database and are
# purged again whatever happens; otherwise they are unpacked with
# dpkg-deb -x into a scratch root and used from there (no purge to check);
# PACKAGE_TEST_UNPACK=1 asks for that as root too.
#   scripts/package-test.sh [BUILD_DIR]   (default: build/default; the tools
#   come with scripts/bootstrap.sh --with package)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$src/build/default}")
pkgs=(softvfio-dev softvfio) # removal order: -dev depends on softvfio
scratch=$(mktemp -d)
installed=false
step() { echo "=== package-test: $*" >&2; }
fail() {
  echo "package-test: $*" >&2
  exit 1
}
purge() { dpkg --purge "${pkgs[@]}" >/dev/null 2>&1; }
cleanup() {
  if $installed; then purge || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

step "building and packaging $build"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[[ $prefix == /usr ]] || echo "package-test: $build is configured for $prefix, not /usr: the libraries" \
  "go to /usr/lib, not Debian's multiarch directory (docs/packaging.md)" >&2
# install() needs every target built; a no-op after scripts/test.sh's build.
cmake --build "$build" >"$scratch/build.log" || {
  cat "$scratch/build.log" >&2
  fail "the build failed"
}
out=$build/packages
rm -f "$out"/*.deb
(cd "$build" && cpack -G DEB -B "$out" >"$scratch/cpack.log") || {
  cat "$scratch/cpack.log" >&2
  fail "cpack failed"
}
debs=("$out"/softvfio_*.deb "$out"/softvfio-dev_*.deb)
version=$(dpkg-deb -f "${debs[0]}" Version)
version=${version%-*} # the upstream part, as pkg-config reports it

step "lintian"
lintian --fail-on error "${debs[@]}"

if ((EUID == 0)) && [[ ${PACKAGE_TEST_UNPACK:-0} != 1 ]]; then
  step "installing with dpkg"
  purge || true # an interrupted earlier run may have left them installed
  for deb in "${debs[@]}"; do
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\.||' -e 's|/$||'
  done | while read -r f; do
    # dpkg would overwrite a stray file, and the purge would then remove it.
    [[ -n $f && ! -d $f && -e $f ]] && fail "$f exists already and is not from the packages"
    true
  done
  installed=true
  # What docs/packaging.md tells users to run; the dependencies come from
  # Debian's archive (already present here: they are the build's).
  apt-get install -y --no-install-recommends "${debs[@]}" >"$scratch/apt.log" 2>&1 || {
    cat "$scratch/apt.log" >&2
    fail "apt-get install failed"
  }
  root=
  dpkg -L "${pkgs[@]}" | sort -u >"$scratch/files"
else
  step "unpacking into $scratch/root instead of installing (not root, or PACKAGE_TEST_UNPACK=1)"
  for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$scratch/root"; done
  root=$scratch/root
  (cd "$root" && find . ! -type d | sed 's|^\.||') >"$scratch/files"
  export PKG_CONFIG_PATH
  PKG_CONFIG_PATH=$(dirname "$(grep '/softvfio-client\.pc$' "$scratch/files")")
  PKG_CONFIG_PATH=$root$PKG_CONFIG_PATH
fi
bin=$root/usr/bin/softvfio
shim=$root$(grep '/libsoftvfio-shim\.so$' "$scratch/files")
[[ -x $bin && -f $shim ]] || fail "no $bin or no shim in the packages"
if readelf -d "$bin" "$shim" | grep -E 'RPATH|RUNPATH'; then fail "installed ELF files carry a run path"; fi

step "softvfio demo"
"$bin" demo >"$scratch/demo.log" || {
  cat "$scratch/demo.log" >&2
  fail "softvfio demo failed"
}

step "man pages and completion"
mandir=$root/usr/share/man
for page in 1:softvfio 1:softvfio-run 5:softvfio-device; do
  f=$mandir/man${page%%:*}/${page#*:}.${page%%:*}.gz
  grep -qxF "${f#"$root"}" "$scratch/files" || fail "no man page ${page#*:}(${page%%:*}) in the packages"
  # man reads it as a user would (the installed path when installed).
  if [[ -z $root ]]; then
    [[ $(man -w "${page%%:*}" "${page#*:}") == "$f" ]] || fail "man -w ${page#*:} does not find $f"
  fi
  MANWIDTH=80 man -l "$f" 2>"$scratch/man.err" | grep -q "${page#*:}" || fail "man cannot render $f"
  [[ ! -s $scratch/man.err ]] || fail "man warns on $f: $(cat "$scratch/man.err")"
done
completion=$root/usr/share/bash-completion/completions/softvfio
[[ -f $completion ]] || fail "no bash completion in the packages"
offered=$(PATH=$(dirname "$bin"):$PATH bash -c '
  source "$1"
  COMP_WORDS=(softvfio run --device "")
  COMP_CWORD=3
  COMP_LINE="softvfio run --device "
  COMP_POINT=${#COMP_LINE}
  complete -p softvfio | grep -q . || exit 1
  fn=$(complete -p softvfio | sed -n "s/.*-F \([^ ]*\).*/\1/p")
  "$fn" softvfio "" --device
  printf "%s\n" "${COMPREPLY[@]}"' _ "$completion")
grep -qx edu <<<"$offered" || fail "the installed completion offers no preset after --device (got: $offered)"

step "consumer through pkg-config"
pcdir=$(pkg-config --variable=pcfiledir softvfio-client)
grep -qxF "${pcdir#"$root"}/softvfio-client.pc" "$scratch/files" || fail "pkg-config found $pcdir, not the package's"
[[ $(pkg-config --modversion softvfio-client) == "$version" ]] || fail "pkg-config version is not $version"
consumer=$src/tests/package/consumer
# The .pc file sets no -std=: the language level is the consumer's choice,
# C++20 or later. A C++23 build checks the headers are not tied to C++20.
grep -q -- '-std=' <(pkg-config --cflags softvfio-client) && fail "softvfio-client.pc forces a -std= flag"
# shellcheck disable=SC2046 # the flags are words
g++ -std=c++20 -o "$scratch/consumer-pc" "$consumer/main.cc" $(pkg-config --cflags --libs softvfio-client)
# shellcheck disable=SC2046
g++ -std=c++23 -fsyntax-only "$consumer/main.cc" $(pkg-config --cflags softvfio-client)
"$scratch/consumer-pc"

step "consumer through find_package"
cmake -S "$consumer" -B "$scratch/cmake" -G Ninja ${root:+"-DCMAKE_PREFIX_PATH=$root/usr"} >/dev/null
found=$(sed -n 's/^softvfio_DIR:PATH=//p' "$scratch/cmake/CMakeCache.txt")
grep -q "^${found#"$root"}/" "$scratch/files" || fail "find_package found $found, not the package's"
cmake --build "$scratch/cmake" >/dev/null
"$scratch/cmake/consumer"

step "softvfio run with the installed shim"
preload=$("$bin" run -- printenv LD_PRELOAD)
[[ $preload == *"$shim"* ]] || fail "softvfio run preloaded '$preload', not $shim"
"$bin" run -- "$scratch/cmake/consumer" --device

if [[ -z $root ]]; then
  step "purging"
  purge
  installed=false
  for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ -z $status || $status == not-installed ]] || fail "$p is still $status after the purge"
  done
  # Shared directories (/usr/bin, ...) stay; the packages' own go with them.
  while read -r f; do
    if [[ -d $f && ! -L $f ]]; then
      [[ $f != *softvfio* ]] || fail "$f is left after the purge"
    elif [[ -e $f || -L $f ]]; then
      fail "$f is left after the purge"
    fi
  done <"$scratch/files"
fi
step "passed: ${debs[*]##*/}"
