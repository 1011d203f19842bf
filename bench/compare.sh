#!/usr/bin/env bash
# Runs the report-model benchmarks of wats-report and the same work in pyWATS 0.6, on this
# machine, in one run, and prints the figures side by side with the speed-up.
#
#   bench/compare.sh            # from the repository root
#
# Needs PyPI access the first time (pyWATS is installed into a cached virtualenv).
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${WATS_SAMPLES:-$(cd ../shared/samples && pwd)}"

python="$(bench/setup-pywats.sh | tail -n 1)"
echo "== pyWATS" >&2
py_json="$("$python" bench/pywats_bench.py --sample "$samples/wats/uut-wsjf-export.json")"
echo "$py_json" >&2

echo "== wats-report (criterion)" >&2
rust_out="$(WATS_SAMPLES="$samples" cargo bench -q -p wats-report --bench report -- --output-format bencher 2>/dev/null | grep '^test ')"
echo "$rust_out" >&2

PY_JSON="$py_json" RUST_OUT="$rust_out" python3 - <<'PY'
import json, os, re
py = json.loads(os.environ["PY_JSON"])
rust = {}
for line in os.environ["RUST_OUT"].splitlines():
    m = re.match(r"test (\S+) +\.\.\. bench: +([\d,]+) ns/iter", line)
    if m:
        rust[m.group(1).split("/")[-1]] = int(m.group(2).replace(",", "")) / 1e6
rows = [("parse_export", "parse uut-wsjf-export.json (50 kB)", py["parse_export_ms"]),
        ("build_serialize_10k", "build + serialize 10,000 numeric steps", py["build_serialize_10k_ms"])]
print(f"\npyWATS {py.get('pywats_version', '?')} vs wats-report, same machine, same run\n")
print(f"| work | pyWATS (ms) | wats-report (ms) | speed-up |")
print(f"|---|---:|---:|---:|")
for key, label, p in rows:
    r = rust.get(key)
    if r is None:
        print(f"| {label} | {p:.3f} | missing | |")
    else:
        print(f"| {label} | {p:.3f} | {r:.4f} | {p / r:.0f}x |")
for key in ("parse_export_wsxf", "write_export_wsjf", "write_export_wsxf"):
    if key in rust:
        print(f"| {key} (no pyWATS counterpart) | | {rust[key]:.4f} | |")
PY
