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
bench() { WATS_SAMPLES="$samples" cargo bench -q -p wats-convert --bench convert -- "$@" 2>/dev/null | tail -n 1; }
py_runs=() rust_runs=() py_par=() rust_par=()
for round in $(seq "$rounds"); do
  echo "== round $round: pyWATS converters" >&2
  # The reports are the same every round: written out once, for the check below.
  dump_args=()
  if [ "$round" = 1 ]; then dump_args=(--dump "$dump"); fi
  py_runs+=("$("$venv/bin/python" bench/pywats_convert_bench.py --samples "$samples" "${dump_args[@]}" 2>/dev/null)")
  echo "== round $round: wats-convert" >&2
  # --direct: the table shows the named converter only, so detection is not timed.
  rust_runs+=("$(bench --json --direct)")
done
if [ "$workers" -gt 1 ]; then
  for round in $(seq "$rounds"); do
    echo "== round $round, $workers workers: pyWATS converters" >&2
    py_par+=("$("$venv/bin/python" bench/pywats_convert_bench.py --samples "$samples" --threads "$workers" 2>/dev/null)")
    echo "== round $round, $workers workers: wats-convert" >&2
    rust_par+=("$(bench --json --direct --threads "$workers")")
  done
fi
# What no converter avoids (reading the files, tokenizing XML): the ceiling of any speed-up.
floor="$(WATS_BENCH_MS=300 bench --json --floor)"
# Is what pyWATS produced a valid report? Checked as our station checks WSJF before queueing.
checked="$(bench --check-wsjf "$dump")"
fastest() { if [ "$#" -gt 0 ]; then printf '%s\n' "$@" | python3 bench/fastest-round.py; else echo '[]'; fi; }

ROUNDS="$rounds" WORKERS="$workers" CHECKED="$checked" FLOOR="$floor" \
PY_JSON="$(fastest "${py_runs[@]}")" RUST_JSON="$(fastest "${rust_runs[@]}")" \
PY_PAR="$(fastest "${py_par[@]}")" RUST_PAR="$(fastest "${rust_par[@]}")" \
  python3 bench/compare-table.py
