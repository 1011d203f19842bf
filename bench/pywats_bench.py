#!/usr/bin/env python3
"""pyWATS baseline for the report benchmarks in crates/wats-report/benches/report.rs.

Measures, on this machine and in this run, the two workloads our Rust figures are
compared against, using pyWATS (pip package ``pywats-api==0.6.0rc1``) the way a
pyWATS user would:

* ``parse_export``: WSJF text (a ``str`` already in memory) -> ``UUTReport``::

      UUTReport.model_validate_json(text)

  This is pyWATS's pydantic v2 model. (pyWATS's own ``get_wsjf`` does
  ``UUTReport.model_validate(dict)`` on the already-decoded HTTP body; from text,
  ``model_validate_json`` is the one-call equivalent and is pydantic's fast path.)

* ``build_serialize_10k``: build a UUT report of 100 sequences x 100 numeric steps
  (value, unit "V", GELE 0.9..1.1) with pyWATS's factory methods and serialize it to
  a WSJF string::

      set_import_mode(ImportMode.Active)          # what api.report.import_mode = Active does
      report = UUTReport(pn=..., sn=..., rev=..., process_code=..., station_name=...,
                         location=..., purpose=..., start=...)
      report.info = UUTInfo(operator=...)
      root = report.get_root_sequence_call()
      seq = root.add_sequence_call(name="Sequence s")
      seq.add_numeric_step(name="Step i", value=v, unit="V", comp_op=CompOp.GELE,
                           low_limit=0.9, high_limit=1.1)
      convert_to_wsjf(report)   # == report.model_dump_json(by_alias=True, exclude_none=True)

  ``convert_to_wsjf`` is pyWATS's WSJF writer (pywats.queue.formats, used for the
  offline queue). Active import mode makes ``add_numeric_step`` compute each step's
  status from its limits, as the Rust builder does. Names and values mirror
  ``build_10k`` in the Rust bench.

Model quirk (parse): the sample export parses without an exception, but pyWATS 0.6.0rc1
does not fully type one subtree: the "Graphs" SequenceCall holds two ``WATS_XYGMNLT``
steps whose chart has ``"xUnit": null`` / ``"yUnit": null``, which pyWATS's Chart model
rejects, so pydantic's step union falls back to ``UnknownStep`` for that sequence and
keeps its children as raw dicts. That is pyWATS's intended fallback (UnknownStep exists
for it), so we time exactly that; it slightly favours pyWATS (less model building).

Output: one JSON object on stdout, medians in milliseconds:
    {"pywats_version": "...", "parse_export_ms": x, "build_serialize_10k_ms": y}
Diagnostics go to stderr. Set up the interpreter with bench/setup-pywats.sh.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pywats
from pywats.domains.report import ImportMode
from pywats.domains.report.import_mode import set_import_mode
from pywats.domains.report.report_models import CompOp, UUTInfo, UUTReport
from pywats.queue.formats import convert_to_wsjf

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_sample() -> Path:
    # Same lookup as the Rust bench: $WATS_SAMPLES, else ../shared/samples beside the repo.
    samples = os.environ.get("WATS_SAMPLES")
    base = Path(samples) if samples else REPO_ROOT.parent / "shared" / "samples"
    return base / "wats" / "uut-wsjf-export.json"


def parse_export(text: str) -> UUTReport:
    return UUTReport.model_validate_json(text)


# Fixed start time so every run builds the same report (the Rust bench's builder
# does the same amount of work regardless of the clock).
START = datetime(2026, 1, 30, 12, 0, 0, tzinfo=timezone.utc)


def build_serialize_10k() -> str:
    report = UUTReport(
        pn="BENCH-PN",
        sn="BENCH-SN-1",
        rev="A",
        process_code=10,
        station_name="bench-station",
        location="lab",
        purpose="Benchmark",
        start=START,
    )
    report.info = UUTInfo(operator="bench")
    root = report.get_root_sequence_call()
    for s in range(100):
        seq = root.add_sequence_call(name=f"Sequence {s}")
        for i in range(100):
            seq.add_numeric_step(
                name=f"Step {i}",
                value=1.0 + i * 1e-3,
                unit="V",
                comp_op=CompOp.GELE,
                low_limit=0.9,
                high_limit=1.1,
            )
    return convert_to_wsjf(report)


def median_ms(fn, arg, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn(*arg)
    samples = []
    for _ in range(runs):
        # Collect garbage outside the timed region so one run does not pay for the
        # previous run's cycles; GC stays enabled inside it, as for a real user.
        gc.collect()
        t0 = time.perf_counter()
        fn(*arg)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3


def sanity_check(text: str) -> None:
    report = parse_export(text)
    assert report.pn and report.sn, "export did not parse into a UUT report"
    out = json.loads(build_serialize_10k())
    seqs = out["root"]["steps"]
    assert len(seqs) == 100, len(seqs)
    steps = [st for seq in seqs for st in seq["steps"]]
    assert len(steps) == 10_000, len(steps)
    meas = steps[-1]["numericMeas"][0]
    assert meas["compOp"] == "GELE" and meas["unit"] == "V", meas
    assert meas["lowLimit"] == 0.9 and meas["highLimit"] == 1.1, meas
    assert all(st["status"] == "P" for st in steps)
    assert out["result"] == "P", out["result"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sample", type=Path, default=default_sample(),
                    help="WSJF export to parse (default: %(default)s)")
    ap.add_argument("--parse-runs", type=int, default=300)
    ap.add_argument("--build-runs", type=int, default=15)
    ap.add_argument("--parse-warmup", type=int, default=20)
    ap.add_argument("--build-warmup", type=int, default=2)
    args = ap.parse_args()

    text = args.sample.read_text(encoding="utf-8")
    set_import_mode(ImportMode.Active)
    sanity_check(text)

    parse_ms = median_ms(parse_export, (text,), args.parse_runs, args.parse_warmup)
    build_ms = median_ms(build_serialize_10k, (), args.build_runs, args.build_warmup)

    print(f"sample={args.sample} parse_runs={args.parse_runs} "
          f"build_runs={args.build_runs} python={sys.version.split()[0]}", file=sys.stderr)
    print(json.dumps({
        "pywats_version": pywats.__version__,
        "parse_export_ms": round(parse_ms, 3),
        "build_serialize_10k_ms": round(build_ms, 3),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
