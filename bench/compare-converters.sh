#!/usr/bin/env bash
# Converter throughput: pyWATS 0.6's standard converters and wats-convert on the same sample
# files, on this machine, in one run; prints a side-by-side table with the speed-up.
#
#   bench/compare-converters.sh            # from the repository root
#   ROUNDS=5 bench/compare-converters.sh   # more alternating rounds (default 3)
#
# Needs PyPI access the first time: pyWATS's client converters are installed into a cached
# virtualenv (PYWATS_CLIENT_VENV, default ~/.cache/wats-bench/pywats-client-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${WATS_SAMPLES:-$(cd ../shared/samples && pwd)}"
venv="${PYWATS_CLIENT_VENV:-$HOME/.cache/wats-bench/pywats-client-venv}"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pywats-api[client-headless]==0.6.0rc1" PySide6-Essentials >&2
fi

# This VM's speed drifts with its host's load by up to 30% from one minute to the next: the two
# sides run alternately, ROUNDS times (default 3), and each keeps its fastest round per sample.
# Then the same with one worker per core (WORKERS, default nproc): pyWATS's station converts in
# threads (`asyncio.to_thread`), ours in a pool of blocking workers, one per core.
rounds="${ROUNDS:-3}"
workers="${WORKERS:-$(nproc)}"
dump="$(mktemp -d)"
trap 'rm -rf "$dump"' EXIT
# Built once, before any round is timed; a build error shows here.
echo "== building the wats-convert bench" >&2
WATS_SAMPLES="$samples" cargo bench -q -p wats-convert --bench convert --no-run >&2
# Each step logs its stderr to a file shown when it fails: a failure stops the comparison
# with what went wrong rather than silently.
run() {
  local what="$1" log="$dump/log"
  shift
  if ! "$@" 2>"$log"; then
    echo "error: $what failed:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
bench() { WATS_SAMPLES="$samples" cargo bench -q -p wats-convert --bench convert -- "$@"; }
py_runs=() rust_runs=() py_par=() rust_par=()
for round in $(seq "$rounds"); do
  echo "== round $round: pyWATS converters" >&2
  # The reports are the same every round: written out once, for the check below.
  dump_args=()
  if [ "$round" = 1 ]; then dump_args=(--dump "$dump"); fi
  py_runs+=("$(run "pyWATS, round $round" "$venv/bin/python" bench/pywats_convert_bench.py --samples "$samples" "${dump_args[@]}")")
  echo "== round $round: wats-convert" >&2
  # --direct: the table shows the named converter only, so detection is not timed.
  rust_runs+=("$(run "wats-convert, round $round" bench --json --direct)")
done
if [ "$workers" -gt 1 ]; then
  for round in $(seq "$rounds"); do
    echo "== round $round, $workers workers: pyWATS converters" >&2
    py_par+=("$(run "pyWATS, $workers threads, round $round" "$venv/bin/python" bench/pywats_convert_bench.py --samples "$samples" --threads "$workers")")
    echo "== round $round, $workers workers: wats-convert" >&2
    rust_par+=("$(run "wats-convert, $workers workers, round $round" bench --json --direct --threads "$workers")")
  done
fi
# What no converter avoids (reading the files, tokenizing XML): the ceiling of any speed-up.
floor="$(WATS_BENCH_MS=300 run "the floor" bench --json --floor)"
# Is what pyWATS produced a valid report? Checked as our station checks WSJF before queueing.
checked="$(run "the check of pyWATS's reports" bench --check-wsjf "$dump")"
fastest() {
  if [ "$#" -gt 0 ]; then printf '%s\n' "$@" | run "merging the rounds" python3 bench/fastest-round.py; else echo '[]'; fi
}
py_json="$(fastest "${py_runs[@]}")"
rust_json="$(fastest "${rust_runs[@]}")"
py_par_json="$(fastest "${py_par[@]}")"
rust_par_json="$(fastest "${rust_par[@]}")"

ROUNDS="$rounds" WORKERS="$workers" CHECKED="$checked" FLOOR="$floor" \
PY_JSON="$py_json" RUST_JSON="$rust_json" PY_PAR="$py_par_json" RUST_PAR="$rust_par_json" \
  python3 bench/compare-table.py
