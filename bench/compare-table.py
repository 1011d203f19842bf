"""Prints compare-converters.sh's side-by-side table from the merged runs in the environment:
PY_JSON/RUST_JSON (one worker), PY_PAR/RUST_PAR (WORKERS workers, may be empty), CHECKED
(our WSJF check of each pyWATS report, by dump file name) and FLOOR (what reading the files and
tokenizing XML cost alone). A row with `error` failed in every round; `failed_rounds` counts
the rounds in which it failed (fastest-round.py)."""
import json
import os


def by_case(name):
    return {(r["converter"], r["sample"]): r for r in json.loads(os.environ.get(name) or "[]")}


py = json.loads(os.environ["PY_JSON"])
rust, py_par, rust_par, floor = (by_case(n) for n in ("RUST_JSON", "PY_PAR", "RUST_PAR", "FLOOR"))
checked = {c["file"]: c.get("error") for c in json.loads(os.environ["CHECKED"])}
workers = os.environ.get("WORKERS", "1")
rounds = os.environ.get("ROUNDS", "3")


def timed(row):
    """A row's time if it has one."""
    return row["ms"] if row and row.get("ms") else None


def ms(row, missing=""):
    """A time cell: the time (and in how many rounds it failed), the error, or `missing`."""
    if not row:
        return missing
    if timed(row) is None:
        return "fails: " + row.get("error", "no time").splitlines()[0][:60]
    failed = row.get("failed_rounds", 0)
    return f'{row["ms"]:.3f}' + (f" (fails in {failed}/{rounds} rounds)" if failed else "")


def ratio(theirs, ours):
    return f"{theirs / ours:.0f}x" if theirs and ours else "—"


def verdict(problems):
    """A check's verdict: "valid", or "invalid: " and its first complaint."""
    if problems is None:
        return "valid"
    return "invalid: " + problems.splitlines()[0].strip()[:50]


def size(*rows):
    """The sample's KB and, from our time, MB/s."""
    n = next((r["bytes"] for r in rows if r and "bytes" in r), None)
    r = rows[-1]
    mbs = f"{n / 1e6 / (r['ms'] / 1e3):.1f}" if n and timed(r) else ""
    return (f"{n / 1024:.1f}" if n else ""), mbs


print(f"\nBest of {rounds} alternating rounds per side.")
par = bool(rust_par)
head = "| converter | sample | KB | pyWATS ms/file | wats-convert ms/file | MB/s | speed-up | ceiling | pyWATS's report | our report |"
rule = "|---|---|---:|---:|---:|---:|---:|---:|---|---|"
if par:
    head += f" pyWATS, {workers} threads | ours, {workers} workers | speed-up, {workers} workers |"
    rule += "---:|---:|---:|"
print("\n" + head + "\n" + rule)
seen = set()
for p in py:
    key = (p["converter"], p["sample"])
    seen.add(key)
    r = rust.get(key)
    kb, mbs = size(p, r)
    if timed(p) is None:
        report = ""
    elif p.get("dump") in checked:
        report = verdict(checked[p["dump"]])
    else:
        report = "invalid: " + p["dump_error"] if "dump_error" in p else "not checked"
    ours = verdict(r.get("invalid")) if timed(r) else ""
    f = floor.get(key)
    # The speed-up a converter would reach if converting cost nothing beyond reading the
    # files (and tokenizing, for XML).
    least = f and f["read_ms"] + (f.get("tokenize_ms") or 0)
    ceiling = ratio(timed(p), least) if least else ""
    line = f'| {p["converter"]} | {p["sample"].split("/")[-1]} | {kb} | {ms(p)} | {ms(r, "missing")} | {mbs} | {ratio(timed(p), timed(r))} | {ceiling} | {report} | {ours} |'
    if par:
        pp, rp = py_par.get(key), rust_par.get(key)
        # pyWATS's threads contend for the GIL: compare with its faster of one and N threads.
        best = min((t for t in (timed(p), timed(pp)) if t), default=None)
        line += f" {ms(pp, '—')} | {ms(rp)} | {ratio(best, timed(rp))} |"
    print(line)
for key, r in rust.items():
    if key not in seen:
        kb, mbs = size(r)
        ours = verdict(r.get("invalid")) if timed(r) else ""
        line = f'| {r["converter"]} | {r["sample"].split("/")[-1]} | {kb} | (no pyWATS converter) | {ms(r)} | {mbs} | | | | {ours} |'
        if par:
            line += f" | {ms(rust_par.get(key))} | |"
        print(line)
if par:
    print(f"\nWith {workers} workers the speed-up compares against pyWATS's faster of 1 and {workers} threads.")
print("Ceiling: pyWATS's time over what reading the files (and tokenizing XML) costs alone, the")
print("speed-up that converting at no cost beyond that would give (`convert -- --floor`).")
print("Reports: pyWATS's first report, as its station submits it, and every report of ours,")
print("checked as our station checks a report before queueing it (the WATS server's import")
print("rules), after giving it an id and a station identity where it has none, as the station does.")
