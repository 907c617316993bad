#!/usr/bin/env bash
# Runs every benchmark once and writes the figures: one Google Benchmark
# JSON file per program run, then results.json and results.txt
# (bench_report).
# usage: run.sh BENCH_DIR SOFTVFIO PEER_DATA_DIR OUT_DIR
# BENCH_MIN_TIME (seconds per repetition, default 0.2) and BENCH_REPETITIONS
# (default 5; the report takes the best) trade time for steadiness.
set -euo pipefail
bench=$1 softvfio=$2 peer=$3 out=$4
min_time=${BENCH_MIN_TIME:-0.2}
repetitions=${BENCH_REPETITIONS:-5}
mkdir -p "$out"
rm -f "$out"/*.json "$out"/results.txt
# Not inside a session of the caller's: `softvfio run` would join it, and
# every figure would be another session's.
unset SOFTVFIO_SESSION

gb() { # NAME COMMAND...: a Google Benchmark program, its JSON to NAME.json
  local name=$1; shift
  echo "== $name" >&2
  "$@" --benchmark_min_time="$min_time" --benchmark_repetitions="$repetitions" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json \
    --benchmark_format=console >&2
}

run() { "$softvfio" run -- "$@"; }

gb model "$bench/bench_model"
gb trap "$bench/bench_trap"
gb trap_session "$softvfio" run --device edu -- "$bench/bench_trap_session"
gb shim run "$bench/bench_shim"
gb revoke run "$bench/bench_revoke"
gb fork run "$bench/bench_fork"
# Separate processes: alternated, four rounds, so a slow minute of this
# shared machine hits every side (the report takes each side's best).
for round in "" .2 .3 .4; do
  gb tax_plain$round "$bench/bench_tax"
  gb tax_shim$round run "$bench/bench_tax"
  SOFTVFIO_BENCH_TOUCH=1 gb tax_shim_vfio$round run "$bench/bench_tax"
done
gb startup "$bench/bench_startup"

# Memory figures are counts, not times: each kind once, in a session of
# its own, so no other benchmark's freed memory is reused and hides a cost
# and no other benchmark's objects are copied into a forked child's record.
for kind in Buffer BufferMapping BarMapping Process; do
  echo "== memory $kind" >&2
  run "$bench/bench_memory" --benchmark_filter="^Memory/$kind/" --benchmark_out="$out/memory_$kind.json" \
    --benchmark_out_format=json --benchmark_format=console >&2
done

echo "== peer" >&2
run "$bench/bench_peer_loop" vfio 5f00:00:01.0 Peer/Softvfio >"$out/peer_softvfio.json"
if command -v umockdev-run >/dev/null; then
  umockdev-run --device "$peer/evdev.umockdev" --ioctl "/dev/input/event90=$peer/evdev.ioctl" -- \
    "$bench/bench_peer_loop" evdev /dev/input/event90 Peer/Umockdev >"$out/peer_umockdev.json"
else
  echo "umockdev-run is missing (scripts/bootstrap.sh --with bench): no peer figure" >&2
fi

"$bench/bench_report" "$out" | tee "$out/results.txt"
