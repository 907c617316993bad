#!/usr/bin/env bash
# The zsh and fish completions: each loads without an error in its shell
# and completes as bash does.
#   other_shells_checks.sh zsh FILE SOFTVFIO
#   other_shells_checks.sh fish FILE SOFTVFIO
set -uo pipefail

shell=$1 file=$2
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

case $shell in
zsh)
  zsh -n "$file" || fail "zsh cannot parse $file"
  out=$(zsh -f -c 'autoload -Uz compinit && compinit -u -D && source "$1" && (( $+functions[_softvfio] ))' zsh "$file" 2>&1) ||
    fail "zsh cannot load $file: $out"
  [[ -z $out ]] || fail "zsh complains loading $file: $out"
  # Completing needs the command's name on PATH, as installed.
  bin=$(mktemp -d)
  trap 'rm -rf "$bin"' EXIT
  ln -s "$3" "$bin/softvfio"
  zsh -f "$(dirname "$0")/zsh_completion_checks.zsh" "$(dirname "$file")" "$bin" || fail "zsh completes wrongly"
  ;;
fish)
  softvfio=$3
  # fish completes what it is given after `complete -C`; the command is
  # named softvfio there, so the script's `softvfio complete` calls need it
  # on PATH.
  bin=$(mktemp -d)
  trap 'rm -rf "$bin"' EXIT
  ln -s "$softvfio" "$bin/softvfio"
  ask() { PATH=$bin:$PATH fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$file" "$1" 2>&1 | cut -f1; }
  got=$(ask 'softvfio ru')
  [[ $got == run ]] || fail "'softvfio ru': got [$got]"
  grep -qx -- --device <<<"$(ask 'softvfio run --dev')" || fail "'softvfio run --dev': no --device"
  grep -qx edu <<<"$(ask 'softvfio run --device ')" || fail "'softvfio run --device ': no edu"
  grep -qx linux-6.12 <<<"$(ask 'softvfio info --profile ')" || fail "'softvfio info --profile ': no linux-6.12"
  grep -qx cdev,iommufd <<<"$(ask 'softvfio run --access cdev,')" || fail "'softvfio run --access cdev,': no cdev,iommufd"
  grep -qx edu@5f00:00:07.0 <<<"$(ask 'softvfio run --device edu@')" || fail "'softvfio run --device edu@': no 5f00:00:07.0"
  ;;
*) unknown "shell $shell" ;;
esac

finish
