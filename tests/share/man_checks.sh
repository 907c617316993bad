#!/usr/bin/env bash
# Checks of the generated man pages against the command they describe.
#   man_checks.sh roff      MANDIR              every page formats without a warning
#   man_checks.sh pages     MANDIR SOFTVFIO     one page per subcommand of --help, no other
#   man_checks.sh options   MANDIR SOFTVFIO     every option --help lists is in its page
#   man_checks.sh sections  MANDIR              the sections every section 1 page has
#   man_checks.sh device    MANDIR PARSER.cc    every key the parser accepts is in softvfio-device(5)
#   man_checks.sh example   MANDIR SOFTVFIO     the example in softvfio-device(5) is a valid device
# Prints each problem; exits 1 if there was one.
set -uo pipefail

mode=$1 man=$2
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

# Option and positional names `softvfio [sub] --help` lists ("-d", "--device", "pid").
help_names() {
  "$@" --help | awk '
    /^(Options|Positionals):/ { section = $1; next }
    /^[^ ]/ { section = "" }
    section == "Options:" && /^  -/ {
      split($1, names, ",")
      for (i in names) { sub(/\{.*$/, "", names[i]); print names[i] }
    }
    section == "Positionals:" && /^  [a-z]/ { print "@" $1 }'
}

pages1() { find "$man/man1" -name '*.1' | sort; }

case $mode in
roff)
  count=0
  for page in $(pages1) "$man/man5/softvfio-device.5"; do
    count=$((count + 1))
    out=$(groff -man -ww -z "$page" 2>&1) || fail "$page: groff failed"
    [[ -z $out ]] || fail "$page: groff warns: $out"
    if command -v man >/dev/null; then
      out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || fail "$page: man failed"
      [[ -z $out ]] || fail "$page: man warns: $out"
    fi
  done
  ((count >= 2)) || fail "no pages in $man"
  ;;
pages)
  softvfio=$3
  [[ -f $man/man1/softvfio.1 ]] || fail "no softvfio.1"
  expected=(softvfio.1)
  for sub in $(help_subcommands "$softvfio"); do
    expected+=("softvfio-$sub.1")
    [[ -s $man/man1/softvfio-$sub.1 ]] || fail "no page for '$sub'"
  done
  ((${#expected[@]} > 5)) || fail "softvfio --help lists only ${#expected[@]} subcommands"
  for page in $(pages1); do
    name=${page##*/}
    [[ " ${expected[*]} " == *" $name "* ]] || fail "$name: no such subcommand in softvfio --help"
  done
  # Each page is linked from softvfio(1).
  for sub in $(help_subcommands "$softvfio"); do
    grep -q "^\.BR softvfio\\\\-$sub (1)" "$man/man1/softvfio.1" || fail "softvfio.1 does not refer to softvfio-$sub(1)"
  done
  ;;
options)
  softvfio=$3
  checked=0
  for sub in '' $(help_subcommands "$softvfio"); do
    page=$man/man1/softvfio${sub:+-$sub}.1
    for name in $(help_names "$softvfio" $sub); do
      checked=$((checked + 1))
      if [[ $name == @* ]]; then
        grep -qF "\\fI${name#@}\\fR" "$page" || fail "${page##*/}: positional ${name#@} not described"
      else
        grep -qF "\\fB${name//-/\\-}\\fR" "$page" || fail "${page##*/}: option $name not described"
      fi
    done
  done
  ((checked > 20)) || fail "only $checked options found in --help: is its format still understood?"
  ;;
sections)
  for page in $(pages1); do
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
      grep -qx "\.SH $section" "$page" || fail "${page##*/}: no $section section"
    done
  done
  grep -q 'SOFTVFIO_SESSION' "$man/man1/softvfio-run.1" || fail "softvfio-run.1: SOFTVFIO_SESSION not described"
  grep -q 'softvfio complete' "$man/man1/softvfio.1" || fail "softvfio.1: the completion command is not described"
  ;;
device)
  parser=$3
  page=$man/man5/softvfio-device.5
  keys=$(grep -o 'key == "[a-z_0-9]*"' "$parser" | sed 's/.*"\(.*\)"/\1/' | sort -u)
  [[ $(wc -w <<<"$keys") -gt 30 ]] || fail "only $(wc -w <<<"$keys") keys found in $parser: is its form still understood?"
  for key in $keys; do
    # As a macro's argument: `.BR key " (type)"`, `", " key`, `.B [[key]]`.
    grep -qE "(^\.BR? |\" )\[{0,2}${key}\]{0,2}( |\"|$)" "$page" || fail "softvfio-device.5: key '$key' is not described"
  done
  ;;
example)
  softvfio=$3
  page=$man/man5/softvfio-device.5
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  awk '/^\.SH EXAMPLES/ { on = 1 } on && /^\.fi/ { exit } on && copy { print } on && /^\.nf/ { copy = 1 }' "$page" \
    | sed 's/\\-/-/g' >"$dir/example.toml"
  grep -q '^vendor_id' "$dir/example.toml" || fail "no example found in softvfio-device.5"
  "$softvfio" info --no-colour --device "$dir/example.toml" >/dev/null || fail "the example of softvfio-device.5 is not a valid device"
  ;;
*) unknown "mode $mode" ;;
esac

finish
