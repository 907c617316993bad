#!/usr/bin/env bash
# The bash completion, sourced into a bash and asked as bash asks it at a
# <TAB>: COMP_LINE and COMP_POINT, with COMP_WORDS split as bash splits
# them (at blanks and at COMP_WORDBREAKS).
#   bash_completion_checks.sh SCRIPT SOFTVFIO CASE
# Prints each problem; exits 1 if there was one.
set -uo pipefail

script=$1 softvfio=$2 case=$3
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

# shellcheck disable=SC1090
source "$script" || { echo "FAIL: cannot source $script"; exit 1; }

# complete LINE: the replies for a <TAB> at the end of LINE, one a line.
complete_at_end() {
  COMP_LINE=$1
  COMP_POINT=${#1}
  local IFS=$' \t\n'
  # Only what _softvfio needs of bash's own splitting: the word count.
  read -ra COMP_WORDS <<<"$1"
  [[ $1 == *' ' ]] && COMP_WORDS+=('')
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _softvfio
  printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect LINE WANT...: exactly these replies (sorted).
expect() {
  local line=$1
  shift
  local got want
  got=$(complete_at_end "$line")
  want=$(printf '%s\n' "$@" | sort)
  [[ $got == "$want" ]] || fail "'$line<TAB>': got [${got//$'\n'/ }], want [${want//$'\n'/ }]"
}

# includes LINE WANT...: at least these replies.
includes() {
  local line=$1 w
  shift
  local got
  got=$(complete_at_end "$line")
  for w in "$@"; do
    grep -qxF -- "$w" <<<"$got" || fail "'$line<TAB>': '$w' missing from [${got//$'\n'/ }]"
  done
}

# The softvfio typed is the one under test (it answers `complete`).
sv=$softvfio

case $case in
subcommands)
  expect "$sv r" record run
  expect "$sv m" maps
  expect "$sv p" presets
  # Hidden from --help, so not offered either.
  expect "$sv c"
  expect "$sv --ver" --version
  subs=$(help_subcommands "$softvfio")
  # shellcheck disable=SC2086
  expect "$sv " $subs
  ;;
options)
  expect "$sv run --dev" --device
  expect "$sv trace --o" --output
  expect "$sv serve --d" --device --detach
  # Every option `softvfio SUB --help` lists, and no other.
  for sub in $(help_subcommands "$softvfio"); do
    names=$("$softvfio" "$sub" --help | awk '/^Options:/ { on = 1; next } /^[^ ]/ { on = 0 }
      on && /^  -/ { n = split($1, a, ","); for (i = 1; i <= n; i++) { sub(/\{.*$/, "", a[i]); print a[i] } }')
    # shellcheck disable=SC2086
    expect "$sv $sub -" $names
  done
  # After a value, options again.
  includes "$sv run --device edu --pro" --profile
  ;;
presets)
  presets=$("$softvfio" presets | sed 's/ (default)$//')
  [[ -n $presets ]] || fail "softvfio presets lists nothing"
  # shellcheck disable=SC2086
  includes "$sv run --device " $presets
  # shellcheck disable=SC2086
  includes "$sv info -d " $presets
  includes "$sv run --device ed" edu
  # Each one offered is one softvfio takes.
  for p in $(complete_at_end "$sv info --device "); do
    [[ $p == */ ]] && continue
    [[ -d $p || $p == *.toml ]] && continue
    "$softvfio" info --no-colour --device "$p" >/dev/null 2>&1 || fail "offered preset '$p' is refused"
  done
  ;;
profiles)
  got=$(complete_at_end "$sv run --profile ")
  [[ $(wc -l <<<"$got") -ge 4 ]] || fail "profiles: got [${got//$'\n'/ }]"
  grep -qx linux-6.12 <<<"$got" || fail "profiles: no linux-6.12 in [${got//$'\n'/ }]"
  for p in $got; do
    "$softvfio" info --no-colour --profile "$p" >/dev/null 2>&1 || fail "offered profile '$p' is refused"
  done
  expect "$sv info -p linux-6.1" linux-6.12 linux-6.19
  # --opt=value: bash's word starts after the '='.
  expect "$sv info --profile=series-v" series-v2 series-v4
  ;;
access)
  expect "$sv run --access cdev," cdev,group cdev,noiommu cdev,iommufd
  expect "$sv run --access cdev,i" cdev,iommufd
  expect "$sv serve --access gr" group
  expect "$sv run --access group,cdev,iommufd," group,cdev,iommufd,noiommu
  for list in $(complete_at_end "$sv run --access "); do
    "$softvfio" run --access "$list" -- /bin/true >/dev/null 2>&1 || fail "offered access list '$list' is refused"
  done
  ;;
bdfs)
  # Bash's word is what follows the last ':' (a COMP_WORDBREAKS
  # character): the replies are the rest of the address.
  got=$(complete_at_end "$sv run --device edu@5f00:00:0")
  grep -qx 07.0 <<<"$got" || fail "'--device edu@5f00:00:0<TAB>': no 07.0 in [${got//$'\n'/ }]"
  [[ $(wc -l <<<"$got") -eq 15 ]] || fail "'--device edu@5f00:00:0<TAB>': want 15 slots, got [${got//$'\n'/ }]"
  includes "$sv run --device nic@" 5f00:00:01.0 5f00:00:1f.0
  SOFTVFIO_DOMAIN=12 includes "$sv run --device nic@" 0012:00:01.0
  # info's device has no place.
  expect "$sv info --device nic@"
  ;;
program)
  includes "$sv run --device edu -- bas" bash
  includes "$sv trace -o out.txt bas" bash
  # The program's arguments are files, not softvfio's options.
  expect "$sv run -- ls --dev"
  ;;
*) unknown "case $case" ;;
esac

finish
