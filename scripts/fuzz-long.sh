#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Long fuzzing runs (docs/fuzzing.md, "Long runs"): every fuzzer (or those
# named with --only) runs for DURATION on a corpus merged from the seeds
# (tests/fuzz/corpus/<fuzzer>), the regression inputs
# (tests/fuzz/regressions/<fuzzer>) and the persistent corpus of earlier
# long runs (--corpus); afterwards what the run found is merged back into
# the persistent corpus with -merge=1, and every crash-*, leak-*, timeout-*
# and oom-* file is collected under <work>/crashes/<fuzzer>/.
#
# Exit status: 0 when no fuzzer left an artifact, 1 when some did, 2 on a
# usage error.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/fuzz-long.sh [options] DURATION [-- libFuzzer options...]

DURATION   how long each fuzzer runs: N (seconds), Ns, Nm or Nh

options:
  --build DIR     the fuzz build tree (default: build/fuzz; built if missing)
  --work DIR      this run's scratch directory (default: build/fuzz-long/run-<UTC time>)
  --corpus DIR    the persistent corpus merged back into (default: build/fuzz-long/corpus)
  --only LIST     comma-separated fuzzers, e.g. fuzz_sequence,fuzz_mmap (default: all)
  --parallel N    fuzzers running at once (default: the number of CPUs)
  --measure       measure instead: each fuzzer for DURATION from its seeds only
                  (-seed=1, a throwaway corpus, no merge), one at a time, and
                  print libFuzzer's final exec/s, the CPU seconds it used and
                  the load average (docs/fuzzing.md, "Speed")
  --dry-run       print what would run, run nothing
  -h, --help      this text

Crashes are collected under <work>/crashes/<fuzzer>/. To keep one as a
regression input (replayed by `ctest --preset fuzz`):
  cp <work>/crashes/<fuzzer>/crash-<sha1> tests/fuzz/regressions/<fuzzer>/<what_it_was>
EOF
}

die() { echo "fuzz-long.sh: $*" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all=(fuzz_device_ioctl fuzz_config fuzz_region_rw fuzz_mmap fuzz_access_paths fuzz_description
     fuzz_sequence fuzz_session)
build=$root/build/fuzz
work=""
corpus=$root/build/fuzz-long/corpus
only=""
parallel=$(nproc 2>/dev/null || echo 1)
dry=0
measure=0
duration=""
extra=()

while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --build|--work|--corpus|--only|--parallel)
      (($# >= 2)) || die "$1 needs a value"
      case "$1" in
        --build) build=$2 ;;
        --work) work=$2 ;;
        --corpus) corpus=$2 ;;
        --only) only=$2 ;;
        --parallel) parallel=$2 ;;
      esac
      shift 2 ;;
    --dry-run) dry=1; shift ;;
    --measure) measure=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z $duration ]] || die "one DURATION only (got '$duration' and '$1')"
       duration=$1; shift ;;
  esac
done

[[ -n $duration ]] || { usage >&2; exit 2; }
[[ $duration =~ ^([0-9]+)([smh]?)$ ]] || die "bad DURATION '$duration' (N, Ns, Nm or Nh)"
case "${BASH_REMATCH[2]}" in
  m) seconds=$((10#${BASH_REMATCH[1]} * 60)) ;;
  h) seconds=$((10#${BASH_REMATCH[1]} * 3600)) ;;
  *) seconds=$((10#${BASH_REMATCH[1]})) ;;
esac
((seconds > 0)) || die "bad DURATION '$duration' (N, Ns, Nm or Nh)"
[[ $parallel =~ ^[0-9]+$ ]] && ((parallel > 0)) || die "bad --parallel '$parallel'"

fuzzers=("${all[@]}")
if [[ -n $only ]]; then
  IFS=, read -r -a fuzzers <<<"$only"
  for f in "${fuzzers[@]}"; do
    [[ " ${all[*]} " == *" $f "* ]] || die "unknown fuzzer '$f' (one of: ${all[*]})"
  done
fi
[[ -n $work ]] || work=$root/build/fuzz-long/run-$(date -u +%Y%m%dT%H%M%SZ)

# Per-target extras: the session fuzzer's per-input leak detection costs
# most of its time and its own checks cover what the session keeps.
target_flags() {
  case "$1" in
    fuzz_session) echo "-detect_leaks=0" ;;
  esac
}

run_one() {
  local f=$1 bin=$build/tests/fuzz/$1 w=$work/$1
  local -a flags
  read -r -a flags <<<"$(target_flags "$f")"
  local -a seeds=("$root/tests/fuzz/corpus/$f" "$root/tests/fuzz/regressions/$f" "$corpus/$f")
  if ((dry)); then
    echo "$bin -max_total_time=$seconds -timeout=30 -rss_limit_mb=4096 -print_final_stats=1" \
         "-artifact_prefix=$w/artifacts/ ${flags[*]} ${extra[*]} $w/corpus ${seeds[*]}"
    echo "$bin -merge=1 $corpus/$f $w/corpus"
    return 0
  fi
  mkdir -p "$w/corpus" "$w/artifacts" "$corpus/$f" "$work/crashes"
  local existing=()
  for s in "${seeds[@]}"; do [[ -d $s ]] && existing+=("$s"); done
  # A crash ends libFuzzer's run early: that is a result, not a failure
  # of this script.
  "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$w/artifacts/" "${flags[@]}" "${extra[@]}" "$w/corpus" "${existing[@]}" \
    >"$w/fuzz.log" 2>&1 || true
  "$bin" -merge=1 "$corpus/$f" "$w/corpus" >"$w/merge.log" 2>&1 || true
  local found=("$w"/artifacts/{crash,leak,timeout,oom}-*)
  local n=0
  for a in "${found[@]}"; do
    [[ -e $a ]] || continue
    mkdir -p "$work/crashes/$f"
    cp "$a" "$work/crashes/$f/"
    n=$((n + 1))
  done
  local rate
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$w/fuzz.log" | awk '{print $2}' || true)
  echo "$f: ${rate:-?} exec/s, $n artifact(s), log $w/fuzz.log"
}

# One fuzzer at a time, from its seeds only, so that runs compare.
measure_one() {
  local f=$1 bin=$build/tests/fuzz/$1 w
  if ((dry)); then
    echo "$bin -seed=1 -max_total_time=$seconds -timeout=10 -rss_limit_mb=4096 -print_final_stats=1" \
         "-artifact_prefix=<tmp>/ ${extra[*]} <tmp>/corpus $root/tests/fuzz/corpus/$f"
    return 0
  fi
  w=$(mktemp -d)
  mkdir -p "$w/corpus"
  # The log stays out of the corpus directories: libFuzzer re-reads them
  # every second (-reload).
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f "%U %S" -o "$w/time")
  "${timer[@]}" "$bin" -seed=1 -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$w/" "${extra[@]}" \
    "$w/corpus" "$root/tests/fuzz/corpus/$f" >"$w/log" 2>&1 || true
  local rate runs cpu
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$w/log" | awk '{print $2}' | head -n1)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$w/log" | awk '{print $2}' | head -n1)
  cpu=$(awk '{printf "%.1f", $1 + $2}' "$w/time" 2>/dev/null || echo "?")
  # Inputs per CPU second: what the fuzzer would do on an idle core; the
  # wall-clock figure depends on what else the machine runs.
  local per_cpu="?"
  [[ $cpu != "?" && ${runs:-0} -gt 0 ]] && per_cpu=$(awk -v r="$runs" -v c="$cpu" 'BEGIN {printf "%d", r / (c > 0 ? c : 1)}')
  printf '%-20s %6s exec/s  %8s inputs  %6s CPU s  %6s inputs/CPU s  load %s\n' "$f" "${rate:-?}" \
    "${runs:-?}" "$cpu" "$per_cpu" "$(cut -d' ' -f1 /proc/loadavg)"
  compgen -G "$w/crash-*" >/dev/null && echo "  (crashed: $(ls "$w"/crash-*))"
  rm -rf "$w"
}

if ((measure)); then
  [[ $dry == 1 || -x $build/tests/fuzz/${fuzzers[0]} ]] || die "no fuzzers in $build (build them with the fuzz preset)"
  for f in "${fuzzers[@]}"; do measure_one "$f"; done
  exit 0
fi

if ((!dry)); then
  if [[ ! -x $build/tests/fuzz/${fuzzers[0]} ]]; then
    if [[ $build == "$root/build/fuzz" ]]; then
      (cd "$root" && cmake --preset fuzz >/dev/null && cmake --build --preset fuzz)
    else
      die "no fuzzers in $build (build them with the fuzz preset)"
    fi
  fi
  mkdir -p "$work"
  echo "fuzz-long: ${#fuzzers[@]} fuzzer(s), ${seconds}s each, $parallel at a time; work $work; corpus $corpus"
fi

running=0
for f in "${fuzzers[@]}"; do
  if ((dry)); then
    run_one "$f"
    continue
  fi
  run_one "$f" &
  running=$((running + 1))
  if ((running >= parallel)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

((dry)) && exit 0
if compgen -G "$work/crashes/*/*" >/dev/null; then
  echo "fuzz-long: artifacts collected:"
  find "$work/crashes" -type f | sort
  exit 1
fi
echo "fuzz-long: no crash"
