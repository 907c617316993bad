#!/usr/bin/env bash
# Replays the container recipe (examples/ci/Dockerfile) on this machine,
# without Docker: every examples/ci/steps.sh call in its RUN and CMD lines,
# in order, as root before its USER line and as an unprivileged user after
# it, against this checkout. Then the GitHub Actions workflow's own calls
# are checked against the same script, and its last step (`test`, run as
# root with SOFTVFIO_CI_USER) is run too, so the privilege drop the
# workflow relies on is exercised.
#
#   ci_recipe_test.sh [--source DIR] [--softvfio PATH]
#
# --softvfio: reuse this built softvfio (CTest passes the build tree's), so
# the replay costs seconds; without it the `build` step builds softvfio
# from scratch into a temporary directory (ccache in
# /var/tmp/softvfio-ci-ccache-<user>, kept between runs).
#
# The unprivileged user: the caller when not root; as root, `nobody` (or
# $SOFTVFIO_CI_TEST_USER), which needs no account to be created here.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
softvfio=
while (($#)); do
	case $1 in
	--source) src=$(cd "$2" && pwd); shift 2 ;;
	--softvfio) softvfio=$(realpath "$2"); shift 2 ;;
	*) echo "usage: $0 [--source DIR] [--softvfio PATH]" >&2; exit 2 ;;
	esac
done
dockerfile=$src/examples/ci/Dockerfile
workflow=$src/examples/ci/github-actions.yml
steps=$src/examples/ci/steps.sh
start=$SECONDS

fail() { echo "ci_recipe: FAIL: $*" >&2; exit 1; }
note() { echo "ci_recipe: $*" >&2; }

if ((EUID == 0)); then
	user=${SOFTVFIO_CI_TEST_USER:-nobody}
else
	user=$(id -un)
fi
id -u "$user" >/dev/null 2>&1 || fail "no user $user"
((EUID != 0 || $(id -u "$user") != 0)) || fail "the unprivileged user is root"

work=$(mktemp -d "${TMPDIR:-/tmp}/softvfio-ci-recipe.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
chmod 755 "$work"

# The environment a step sees: this checkout, scratch space in $work, and
# the built softvfio when one was given.
step_env=(SOFTVFIO_SRC="$src" SOFTVFIO_WORK="$work/scratch" PATH="$PATH" CFLAGS="-O2 -Wall -Wextra -Werror")
[[ -z $softvfio ]] || step_env+=(SOFTVFIO_BIN="$softvfio")
if [[ -z $softvfio ]]; then
	cache=/var/tmp/softvfio-ci-ccache-$user
	mkdir -p "$cache"
	((EUID != 0)) || chown "$user" "$cache"
	step_env+=(CCACHE_DIR="$cache")
fi

# One steps.sh call, as root or as the unprivileged user, from the checkout
# (the Dockerfile's WORKDIR holds the checkout).
run_step() {
	local as=$1
	shift
	note "step '$*' as $as"
	local cmd=(env -i "${step_env[@]}" HOME="$work/home" bash "$steps" "$@")
	if [[ $as == root || $as == "$(id -un)" ]]; then
		(cd "$src" && "${cmd[@]}")
	else
		mkdir -p "$work/scratch" "$work/home"
		chown "$user" "$work/scratch" "$work/home"
		(cd "$src" && setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups "${cmd[@]}")
	fi
}

# --- the Dockerfile: its instructions, continuation lines joined ---
[[ -f $dockerfile ]] || fail "$dockerfile is missing"
mapfile -t instructions < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | grep -Ev '^\s*(#|$)')
docker_user=root
image_user=
replayed=()
for line in "${instructions[@]}"; do
	read -r keyword rest <<<"$line"
	case ${keyword^^} in
	USER) docker_user=${rest%%:*} ;;
	RUN | CMD)
		# Exec form ["a", "b"] becomes a shell line.
		if [[ $rest == \[* ]]; then
			rest=$(sed -e 's/^\[//; s/\]$//; s/"\s*,\s*"/ /g; s/"//g' <<<"$rest")
		fi
		# Each steps.sh call in the line: the words after it, up to && ; or |.
		while [[ $rest == *steps.sh* ]]; do
			rest=${rest#*steps.sh}
			call=${rest%%[;&|]*}
			read -ra words <<<"$call"
			((${#words[@]})) || fail "a bare steps.sh call in: $line"
			# The image's user is replaced by the one this machine has.
			if [[ ${words[0]} == user ]]; then
				image_user=${words[1]:-}
				words=(user "$user")
			fi
			as=root
			[[ $docker_user == root ]] || as=$user
			[[ $docker_user == root || $docker_user == "$image_user" ]] ||
				fail "USER $docker_user is not the user steps.sh created ($image_user)"
			run_step "$as" "${words[@]}" || fail "Dockerfile step '${words[*]}' as $as"
			replayed+=("${words[0]}")
		done
		;;
	esac
done
for needed in deps user build test; do
	[[ " ${replayed[*]} " == *" $needed "* ]] || fail "the Dockerfile never calls 'steps.sh $needed'"
done
[[ $docker_user != root ]] || fail "the Dockerfile never leaves root (no USER line)"
note "Dockerfile replayed: ${replayed[*]}"

# --- the workflow: the same steps, and the root-to-user switch ---
[[ -f $workflow ]] || fail "$workflow is missing"
wf_steps=$(grep -oE 'steps\.sh +[a-z]+' "$workflow" | awk '{print $2}' | tr '\n' ' ')
for needed in deps user build test; do
	[[ " $wf_steps " == *" $needed "* ]] || fail "the workflow never calls 'steps.sh $needed'"
done
grep -qE '^\s*SOFTVFIO_CI_USER:' "$workflow" || fail "the workflow does not set SOFTVFIO_CI_USER"
if ((EUID == 0)); then
	step_env+=(SOFTVFIO_CI_USER="$user")
	chown -R "$user" "$work/scratch"
	run_step root test || fail "the workflow's test step (root, SOFTVFIO_CI_USER=$user)"
	# Root alone is refused.
	if (cd "$src" && env -i SOFTVFIO_SRC="$src" SOFTVFIO_WORK="$work/scratch" PATH="$PATH" bash "$steps" test \
		>/dev/null 2>&1); then
		fail "steps.sh test ran as root without SOFTVFIO_CI_USER"
	fi
fi
note "PASS in $((SECONDS - start)) s"
