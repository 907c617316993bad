# What the checks of tests/share have in common (sourced): a problem is
# printed and counted, so one run shows them all, and the exit status
# says whether there was one.
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# The subcommands `softvfio --help` lists ($1: the softvfio).
help_subcommands() {
  "$1" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'
}

# An unknown mode or case: a usage error, not a failed check.
unknown() {
  echo "unknown $1" >&2
  exit 2
}

finish() {
  if ((failures)); then
    echo "$failures problem(s)"
    exit 1
  fi
  echo "ok"
}
