# SPDX-License-Identifier: MIT
# Shared by the third-party checks: each runs a Debian program under
# `softvfio run` and matches its output. Sourced with $softvfio set.

failures=0

# A sanitized build preloads its runtime into the program with the shim,
# and that runtime then reports the Debian program's own leaks (libudev's
# in lspci) and whatever else it finds in code that is not ours: these
# checks are of what the program sees, and run in the plain build.
if [ -n "${SOFTVFIO_SANITIZE:-}" ]; then
  echo "SKIP: a $SOFTVFIO_SANITIZE build: the sanitizer runtime would judge the Debian program's own code"
  exit 77
fi

# need <program> <Debian package>: skip the test (CTest's code 77) when the
# program is missing, saying which package brings it.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "SKIP: $1 is not installed (Debian package $2: scripts/bootstrap.sh --with third-party)"
  exit 77
}

# need_guest: what the QEMU guests need to be packed (conformance/guest):
# skip without it.
need_guest() {
  need qemu-system-x86_64 qemu-system-x86
  need busybox busybox-static
  need cpio cpio
  need xz xz-utils
  need dpkg-deb dpkg
  # the guest has no C library: busybox must be the static build
  if ldd "$(command -v busybox)" >/dev/null 2>&1; then
    echo "SKIP: busybox is dynamically linked (Debian package busybox-static)"
    exit 77
  fi
}

# run <args of softvfio run...> -- <program...>: its stdout and stderr in $out.
run() {
  out=$("$softvfio" run "$@" 2>&1)
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "FAIL: softvfio run $* exited $status"
    printf '%s\n' "$out" | sed 's/^/  | /'
    failures=$((failures + 1))
  fi
}

# expect <what> <extended regex>: a line of $out matches.
expect() {
  if printf '%s\n' "$out" | grep -qE -- "$2"; then
    echo "PASS: $1"
  else
    echo "FAIL: $1: no line matches '$2' in:"
    printf '%s\n' "$out" | sed 's/^/  | /'
    failures=$((failures + 1))
  fi
}

# refuse <what> <extended regex>: no line of $out matches.
refuse() {
  if printf '%s\n' "$out" | grep -qE -- "$2"; then
    echo "FAIL: $1: a line matches '$2' in:"
    printf '%s\n' "$out" | sed 's/^/  | /'
    failures=$((failures + 1))
  else
    echo "PASS: $1"
  fi
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "RESULT: FAIL $failures"
    exit 1
  fi
  echo "RESULT: PASS"
  exit 0
}
