"""Times pyWATS 0.6's standard converters (``pywats_client.converters.standard``) on the
sample files, for comparison with ``cargo bench -p wats-convert --bench convert``.

    python pywats_convert_bench.py --samples ../shared/samples [--ms 700] [--threads N]

Prints one JSON array: per converter and sample, ms per file (median), the number of reports,
or the error when pyWATS cannot convert the sample. With ``--threads N``, N threads convert
together, as pyWATS's station runs converters (``asyncio.to_thread`` in a pool), and ms is
wall time per file: the inverse of files/s. With ``--dump DIR``, the first report of each
case is written to DIR as WSJF JSON, the way pyWATS's station submits it (``model_dump`` by
alias, or the dict as it is), so that its validity can be checked. Needs
``pip install "pywats-api[client-headless]==0.6.0rc1" PySide6-Essentials``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import traceback
from pathlib import Path

from pywats_client.converters.context import ConverterContext
from pywats_client.converters.models import ConverterSource
from pywats_client.converters.standard.atml_converter import ATMLConverter
from pywats_client.converters.standard.klippel_converter import KlippelConverter
from pywats_client.converters.standard.spea_converter import SPEAConverter
from pywats_client.converters.standard.teradyne_ict_converter import TeradyneICTConverter
from pywats_client.converters.standard.teradyne_spectrum_ict_converter import (
    TeradyneSpectrumICTConverter,
)
from pywats_client.converters.standard.wats_standard_json_converter import (
    WATSStandardJsonConverter,
)
from pywats_client.converters.standard.wats_standard_xml_converter import (
    WATSStandardXMLConverter,
)
from pywats_client.converters.standard.xjtag_converter import XJTAGConverter

# (our converter name, pyWATS class, sample) — the formats both have.
CASES = [
    ("wsjf", WATSStandardJsonConverter, "wats/uut-wsjf-export.json"),
    ("wsxf", WATSStandardXMLConverter, "wats/uut-wsxf-export.xml"),
    ("atml", ATMLConverter, "atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML"),
    ("atml", ATMLConverter, "atml/ATML 5.00 [2 31 11 PM][5 15 2019].xml"),
    ("teradyne-gr228x", TeradyneICTConverter, "teradyne-gr228x/43420_BIO2.LOG"),
    ("teradyne-spectrum", TeradyneSpectrumICTConverter, "teradyne-spectrum/sample_ict_data.txt"),
    ("spea-3030", SPEAConverter, "spea-3030/testdata_SN9871234012.csv"),
    ("xjtag", XJTAGConverter, "xjtag/1234_14_25_32_10.08.2018_Pass.xjlog"),
    ("klippel", KlippelConverter, "klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt"),
]


def count(result) -> int:
    if result.reports:
        return len(result.reports)
    return 1 if result.report is not None else 0


def throughput(make_once, threads: int, ms: float) -> float:
    """Wall ms per file while `threads` threads each convert in a loop for about `ms`."""
    counts = [0] * threads
    deadline = time.perf_counter() + ms / 1000

    errors = []

    def worker(i: int) -> None:
        try:
            once = make_once()  # a converter instance per thread
            while time.perf_counter() < deadline:
                once()
                counts[i] += 1
        except Exception as e:  # noqa: BLE001 - a dead thread would make the rate look better
            errors.append(f"{type(e).__name__}: {e}")

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {threads} threads failed: {errors[0]}")
    return (time.perf_counter() - started) * 1000 / max(1, sum(counts))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", required=True)
    ap.add_argument("--ms", type=float, default=700.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dump", help="write each case's first report here as JSON")
    args = ap.parse_args()
    rows = []
    for index, (name, cls, rel) in enumerate(CASES):
        path = Path(args.samples) / rel
        row = {"converter": name, "pywats_class": cls.__name__, "sample": rel}
        try:
            row["bytes"] = path.stat().st_size

            def make_once(cls=cls, path=path):
                conv = cls()
                context = ConverterContext()
                return lambda: conv.convert(ConverterSource.from_file(path), context)

            once = make_once()
            first = once()
            if not first.success or count(first) == 0:
                row["error"] = f"{first.status}: {first.error}"
                rows.append(row)
                continue
            row["reports"] = count(first)
            if args.dump:
                report = first.reports[0] if first.reports else first.report
                if hasattr(report, "model_dump"):  # as pyWATS's station submits it
                    report = report.model_dump(by_alias=True, exclude_none=True, mode="json")
                try:
                    text = json.dumps(report)  # as an HTTP client would: no silent str()
                except (TypeError, ValueError) as e:
                    row["dump_error"] = f"not JSON: {e}"
                else:
                    row["dump"] = f"{index:02}-{name}.json"
                    (Path(args.dump) / row["dump"]).write_text(text)
            if args.threads > 1:
                row["ms"] = throughput(make_once, args.threads, args.ms)
                rows.append(row)
                continue
            times = []
            started = time.perf_counter()
            while (time.perf_counter() - started) * 1000 < args.ms or len(times) < 5:
                t = time.perf_counter()
                once()
                times.append(time.perf_counter() - t)
            row["ms"] = statistics.median(times) * 1000
        except Exception as e:  # noqa: BLE001 - report every failure as data
            row["error"] = f"{type(e).__name__}: {e}"
            traceback.print_exc(file=sys.stderr)
        rows.append(row)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
