#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/fuzz-long.sh's argument handling, through --dry-run (which prints
# the libFuzzer and merge commands and runs nothing).
set -uo pipefail
script=$1
fails=0

expect() {   # expect <status> <grep pattern or ""> -- args...
  local want=$1 pattern=$2; shift 3
  local out status
  out=$("$script" "$@" 2>&1); status=$?
  if [[ $status != "$want" ]]; then
    echo "FAIL: fuzz-long.sh $* exited $status, expected $want"; echo "$out"; fails=$((fails + 1)); return
  fi
  if [[ -n $pattern ]] && ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: fuzz-long.sh $*: no line matches '$pattern'"; echo "$out"; fails=$((fails + 1)); return
  fi
  echo "ok: fuzz-long.sh $*"
}

expect 0 "usage: scripts/fuzz-long.sh" -- --help
expect 2 "usage:" --
expect 2 "bad DURATION" -- --dry-run soon
expect 2 "bad DURATION" -- --dry-run 0
expect 2 "bad DURATION" -- --dry-run xm
expect 2 "bad DURATION" -- --dry-run 5d
expect 2 "one DURATION only" -- --dry-run 10 20
expect 2 "unknown option --bogus" -- --bogus 10
expect 2 "--only needs a value" -- 10 --only
expect 2 "unknown fuzzer 'fuzz_nope'" -- --dry-run --only fuzz_nope 10
expect 2 "bad --parallel" -- --dry-run --parallel x 10
# Durations in seconds, minutes and hours.
expect 0 "fuzz_mmap -max_total_time=45 " -- --dry-run --only fuzz_mmap 45
expect 0 "-max_total_time=120 " -- --dry-run --only fuzz_mmap 2m
expect 0 "-max_total_time=7200 " -- --dry-run --only fuzz_mmap 2h
expect 0 "-max_total_time=9 " -- --dry-run --only fuzz_mmap 9s
# Every fuzzer by default, each with its merge back into the corpus.
out=$("$script" --dry-run --corpus /c --work /w 1)
for f in fuzz_device_ioctl fuzz_config fuzz_region_rw fuzz_mmap fuzz_access_paths fuzz_description \
         fuzz_sequence fuzz_session; do
  grep -q -- "$f -max_total_time=1 .* /w/$f/corpus .*tests/fuzz/corpus/$f .*tests/fuzz/regressions/$f /c/$f" <<<"$out" ||
    { echo "FAIL: no run of $f in: $out"; fails=$((fails + 1)); }
  grep -q -- "$f -merge=1 /c/$f /w/$f/corpus" <<<"$out" ||
    { echo "FAIL: no merge of $f"; fails=$((fails + 1)); }
done
# libFuzzer options after --, the session fuzzer's own, the build tree.
expect 0 "-max_len=64" -- --dry-run --only fuzz_sequence 5 -- -max_len=64
expect 0 "-detect_leaks=0" -- --dry-run --only fuzz_session 5
expect 0 "^/b/tests/fuzz/fuzz_config " -- --dry-run --build /b --only fuzz_config 5
# The measuring mode: seeds only, a fixed seed, no merge.
expect 0 "fuzz_config -seed=1 -max_total_time=20 " -- --measure --dry-run --only fuzz_config 20
out=$("$script" --measure --dry-run --only fuzz_config 20)
grep -q -- "-merge=1" <<<"$out" && { echo "FAIL: --measure merges"; fails=$((fails + 1)); }
expect 2 "no fuzzers in" -- --measure --build /nonexistent 1
# A build tree without fuzzers is an error, not a silent no-op.
expect 2 "no fuzzers in" -- --build /nonexistent --work /tmp/fuzz-long-args-test.$$ 1
rm -rf /tmp/fuzz-long-args-test.$$

# A real run on a stand-in fuzzer that "crashes" (writes an artifact and
# fails) and merges: the crash is collected, the status is 1, the merge
# is asked for the persistent corpus.
tmp=$(mktemp -d)
mkdir -p "$tmp/build/tests/fuzz"
cat >"$tmp/build/tests/fuzz/fuzz_config" <<'FAKE'
#!/usr/bin/env bash
for a in "$@"; do
  case "$a" in
    -merge=1) echo "merge $*" >>"$(dirname "$0")/calls"; exit 0 ;;
    -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;;
  esac
done
echo "run $*" >>"$(dirname "$0")/calls"
echo boom >"${prefix}crash-0123"
echo "stat::average_exec_per_sec: 42"
exit 1
FAKE
chmod +x "$tmp/build/tests/fuzz/fuzz_config"
out=$("$script" --build "$tmp/build" --work "$tmp/work" --corpus "$tmp/corpus" --only fuzz_config 1 2>&1); status=$?
if [[ $status != 1 || ! -f $tmp/work/crashes/fuzz_config/crash-0123 ]] || ! grep -q "42 exec/s, 1 artifact" <<<"$out" ||
   ! grep -q -- "-merge=1 $tmp/corpus/fuzz_config $tmp/work/fuzz_config/corpus" "$tmp/build/tests/fuzz/calls"; then
  echo "FAIL: a crashing run (status $status):"; echo "$out"; cat "$tmp/build/tests/fuzz/calls"; fails=$((fails + 1))
else
  echo "ok: a crash is collected and the merge runs"
fi
rm -rf "$tmp"

((fails == 0)) && echo "all passed"
exit $((fails != 0))
