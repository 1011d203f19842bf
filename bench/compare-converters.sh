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
rounds="${ROUNDS:-3}"
py_runs=()
rust_runs=()
for round in $(seq "$rounds"); do
  echo "== round $round: pyWATS converters" >&2
  py_runs+=("$("$venv/bin/python" bench/pywats_convert_bench.py --samples "$samples" 2>/dev/null)")
  echo "== round $round: wats-convert" >&2
  rust_runs+=("$(WATS_SAMPLES="$samples" cargo bench -q -p wats-convert --bench convert -- --json 2>/dev/null | tail -n 1)")
done
py_json="$(printf '%s\n' "${py_runs[@]}" | python3 bench/fastest-round.py)"
rust_json="$(printf '%s\n' "${rust_runs[@]}" | python3 bench/fastest-round.py)"

ROUNDS="$rounds" PY_JSON="$py_json" RUST_JSON="$rust_json" python3 - <<'PY'
import json, os
py = json.loads(os.environ["PY_JSON"])
rust = {(r["converter"], r["sample"]): r for r in json.loads(os.environ["RUST_JSON"])}
print(f"\nBest of {os.environ.get('ROUNDS', '3')} alternating rounds per side.")
print("\n| converter | sample | KB | pyWATS ms/file | wats-convert ms/file | MB/s | speed-up |")
print("|---|---|---:|---:|---:|---:|---:|")
seen = set()
for p in py:
    key = (p["converter"], p["sample"])
    seen.add(key)
    r = rust.get(key)
    kb = p["bytes"] / 1024
    ours = f'{r["ms"]:.3f}' if r else "missing"
    mbs = f'{r["bytes"] / 1e6 / (r["ms"] / 1e3):.1f}' if r else ""
    if "error" in p:
        theirs, ratio = "fails: " + p["error"].splitlines()[0][:60], "—"
    else:
        theirs = f'{p["ms"]:.3f}'
        ratio = f'{p["ms"] / r["ms"]:.0f}x' if r else ""
    print(f'| {p["converter"]} | {p["sample"].split("/")[-1]} | {kb:.1f} | {theirs} | {ours} | {mbs} | {ratio} |')
for key, r in rust.items():
    if key not in seen:
        print(f'| {r["converter"]} | {r["sample"].split("/")[-1]} | {r["bytes"]/1024:.1f} | (no pyWATS converter) | {r["ms"]:.3f} | {r["bytes"] / 1e6 / (r["ms"] / 1e3):.1f} | |')
PY
