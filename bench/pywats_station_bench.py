"""pyWATS's way of doing the station's job, for comparison with `wats-client`.

pyWATS 0.6's own station service cannot run this (its converter pipeline is not wired to its
queue; see ../shared/reference/client-service.md), so the baseline is the straightforward
script a pyWATS user writes: for each WSJF file in a folder, parse it with pyWATS's model
(``UUTReport.model_validate_json``), submit it with the sync API (``submit_report``) and move
the file to Done — sequentially, as pyWATS's sync client does.

    python pywats_station_bench.py --folder DIR --url URL --user U --password P

Prints one JSON line: files, seconds, files_per_s, cpu_seconds.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import sys
import time
from pathlib import Path

from pywats import pyWATS
from pywats import __version__ as PYWATS_VERSION
from pywats.domains.report.report_models import UUTReport


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folder", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    args = ap.parse_args()
    token = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    api = pyWATS(base_url=args.url, token=token)
    folder = Path(args.folder)
    done = folder / "Done"
    done.mkdir(exist_ok=True)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    started = time.perf_counter()
    cpu0 = time.process_time()
    for path in files:
        report = UUTReport.model_validate_json(path.read_text())
        if api.report.submit_report(report) is None:
            print(f"{path}: submit failed", file=sys.stderr)
            return 1
        path.rename(done / path.name)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "pywats_version": PYWATS_VERSION,
        "files": len(files),
        "seconds": seconds,
        "files_per_s": len(files) / seconds if seconds else 0.0,
        "cpu_seconds": time.process_time() - cpu0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
