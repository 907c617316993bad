#!/usr/bin/env bash
# The steps of a CI job that runs VFIO programs under softvfio, unprivileged.
# The GitHub Actions workflow (github-actions.yml), the container recipe
# (Dockerfile) and the project's own test of both (tests/ci_recipe/) call
# this one script, so they cannot drift apart. docs/ci.md explains it.
#
#   steps.sh deps            install the Debian/Ubuntu packages the build needs
#                            (root, or sudo; nothing happens when all are there)
#   steps.sh user NAME       create the unprivileged user NAME if it is missing
#   steps.sh build           build softvfio and its shim from source
#   steps.sh test [FILE...]  compile each FILE.c (any other FILE is run as it
#                            is) and run it under `softvfio run`; the default
#                            is examples/ci/vfio_smoke.c
#
# Environment:
#   SOFTVFIO_SRC       the softvfio checkout (default: the one holding this script)
#   SOFTVFIO_WORK      scratch space: build tree, compiled programs, compiler
#                      cache when $HOME is not writable
#                      (default: ${RUNNER_TEMP:-${TMPDIR:-/tmp}}/softvfio-ci)
#   SOFTVFIO_BUILD     the build tree (default: $SOFTVFIO_WORK/build)
#   SOFTVFIO_BIN       a softvfio command that is already built or installed;
#                      `build` then does nothing and `test` uses it. With the
#                      Debian package installed, SOFTVFIO_BIN=/usr/bin/softvfio.
#   SOFTVFIO_RUN_ARGS  options for `softvfio run`, e.g. "--device edu"
#   SOFTVFIO_CI_USER   when a step runs as root, `build` and `test` switch to
#                      this user first (they refuse to run as root otherwise)
#   CC, CFLAGS         compiler and flags for test programs given as C files
#                      (default: cc -O2 -Wall -Wextra)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
: "${SOFTVFIO_SRC:=$(cd "$here/../.." && pwd)}"
: "${SOFTVFIO_WORK:=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/softvfio-ci}"
: "${SOFTVFIO_BUILD:=$SOFTVFIO_WORK/build}"
export SOFTVFIO_SRC SOFTVFIO_WORK SOFTVFIO_BUILD

say() { printf 'steps.sh %s: %s\n' "$step" "$*" >&2; }
die() { say "$*"; exit 1; }

# Build dependencies only: the tests, benchmarks and fuzzers of softvfio
# itself are not built here (scripts/bootstrap.sh installs their extras).
packages=(cmake ninja-build gcc g++ libc6-dev make ccache pkg-config libfmt-dev nlohmann-json3-dev
          libcli11-dev libtomlplusplus-dev libzydis-dev)

deps() {
	local missing=() p status
	for p in "${packages[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[[ $status == installed ]] || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		say "all build dependencies are installed"
		return
	fi
	local sudo=()
	((EUID == 0)) || sudo=(sudo)
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

user() {
	local name=${1:?usage: steps.sh user NAME}
	if id -u "$name" >/dev/null 2>&1; then
		say "user $name exists"
		return
	fi
	((EUID == 0)) || die "creating user $name needs root"
	useradd --create-home --shell /bin/bash "$name"
	say "created user $name"
}

# Root never builds or runs the program: with SOFTVFIO_CI_USER set, the step
# starts again as that user (same environment, its own HOME), owning the
# scratch space; without it, the step stops.
drop_root() {
	((EUID == 0)) || return 0
	local name=${SOFTVFIO_CI_USER:-}
	[[ -n $name ]] || die "will not run as root: run as an unprivileged user, or set SOFTVFIO_CI_USER"
	id -u "$name" >/dev/null 2>&1 || die "SOFTVFIO_CI_USER=$name: no such user (steps.sh user $name creates it)"
	local uid gid home
	uid=$(id -u "$name")
	gid=$(id -g "$name")
	((uid != 0)) || die "SOFTVFIO_CI_USER=$name is root"
	home=$(getent passwd "$name" | cut -d: -f6)
	mkdir -p "$SOFTVFIO_WORK"
	chown -R "$uid:$gid" "$SOFTVFIO_WORK"
	say "continuing as $name"
	exec setpriv --reuid="$uid" --regid="$gid" --init-groups \
		env HOME="$home" USER="$name" LOGNAME="$name" "$self" "$step" "$@"
}

# ccache keeps its files under $HOME; a user without a writable home (such
# as nobody) keeps them in the scratch space.
cache_dir() {
	if [[ -z ${CCACHE_DIR:-} ]] && ! { [[ -d ${HOME:-} && -w ${HOME:-} ]]; }; then
		export CCACHE_DIR="$SOFTVFIO_WORK/ccache"
	fi
}

build() {
	drop_root "$@"
	if [[ -n ${SOFTVFIO_BIN:-} ]]; then
		[[ -x $SOFTVFIO_BIN ]] || die "SOFTVFIO_BIN=$SOFTVFIO_BIN is not executable"
		say "using the softvfio already built at $SOFTVFIO_BIN"
		return
	fi
	cache_dir
	mkdir -p "$SOFTVFIO_BUILD"
	local start=$SECONDS
	cmake -S "$SOFTVFIO_SRC" -B "$SOFTVFIO_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DSOFTVFIO_BUILD_TESTS=OFF -DSOFTVFIO_BUILD_BENCH=OFF >/dev/null
	cmake --build "$SOFTVFIO_BUILD" --target softvfio softvfio_shim
	say "built $SOFTVFIO_BUILD/src/cli/softvfio in $((SECONDS - start)) s"
}

softvfio_command() {
	if [[ -n ${SOFTVFIO_BIN:-} ]]; then
		echo "$SOFTVFIO_BIN"
	elif [[ -x $SOFTVFIO_BUILD/src/cli/softvfio ]]; then
		echo "$SOFTVFIO_BUILD/src/cli/softvfio"
	elif command -v softvfio >/dev/null; then
		command -v softvfio
	else
		die "no softvfio: run 'steps.sh build', install the package, or set SOFTVFIO_BIN"
	fi
}

test_programs() {
	drop_root "$@"
	local softvfio
	softvfio=$(softvfio_command)
	local files=("$@")
	((${#files[@]})) || files=("$SOFTVFIO_SRC/examples/ci/vfio_smoke.c")
	mkdir -p "$SOFTVFIO_WORK/bin"
	local f program failed=0 run_args=()
	# shellcheck disable=SC2206
	[[ -z ${SOFTVFIO_RUN_ARGS:-} ]] || run_args=($SOFTVFIO_RUN_ARGS)
	for f in "${files[@]}"; do
		if [[ $f == *.c ]]; then
			program="$SOFTVFIO_WORK/bin/$(basename "$f" .c)"
			# shellcheck disable=SC2086
			"${CC:-cc}" ${CFLAGS:--O2 -Wall -Wextra} -o "$program" "$f" || die "$f does not compile"
		else
			program=$(realpath "$f")
		fi
		say "softvfio run ${run_args[*]} -- $program (as $(id -un))"
		local rc=0
		"$softvfio" run "${run_args[@]}" -- "$program" || rc=$?
		if ((rc == 0)); then
			say "$(basename "$program"): passed"
		else
			say "$(basename "$program"): FAILED (exit $rc)"
			failed=1
		fi
	done
	return "$failed"
}

step=${1:-}
shift || true
case $step in
deps) deps "$@" ;;
user) user "$@" ;;
build) build "$@" ;;
test) test_programs "$@" ;;
*)
	step=usage
	die "usage: steps.sh deps | user NAME | build | test [FILE...]"
	;;
esac
