"""Prints compare-converters.sh's side-by-side table from the merged runs in the environment:
PY_JSON/RUST_JSON (one worker), PY_PAR/RUST_PAR (WORKERS workers, may be empty), CHECKED
(our WSJF check of each pyWATS report, by dump file name) and FLOOR (what reading the files and
tokenizing XML cost alone)."""
import json
import os

py = json.loads(os.environ["PY_JSON"])
rust = {(r["converter"], r["sample"]): r for r in json.loads(os.environ["RUST_JSON"])}
py_par = {(r["converter"], r["sample"]): r for r in json.loads(os.environ["PY_PAR"])}
rust_par = {(r["converter"], r["sample"]): r for r in json.loads(os.environ["RUST_PAR"])}
floor = {(r["converter"], r["sample"]): r for r in json.loads(os.environ.get("FLOOR") or "[]")}
checked = {c["file"]: c.get("error") for c in json.loads(os.environ["CHECKED"])}
workers = os.environ.get("WORKERS", "1")


def ms(row):
    return f'{row["ms"]:.3f}' if row and "ms" in row else ""


def verdict(problems):
    """A check's verdict: "valid", or "invalid: " and its first complaint."""
    if problems is None:
        return "valid"
    return "invalid: " + problems.splitlines()[0].strip()[:50]


print(f"\nBest of {os.environ.get('ROUNDS', '3')} alternating rounds per side.")
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
    kb = p["bytes"] / 1024
    mbs = f'{r["bytes"] / 1e6 / (r["ms"] / 1e3):.1f}' if r else ""
    if "error" in p:
        theirs, ratio, report = "fails", "—", p["error"].splitlines()[0][:70]
    else:
        theirs = ms(p)
        ratio = f'{p["ms"] / r["ms"]:.0f}x' if r else ""
        if p.get("dump") in checked:
            report = verdict(checked[p["dump"]])
        else:
            report = "invalid: " + p["dump_error"] if "dump_error" in p else "not checked"
    ours = verdict(r.get("invalid")) if r else ""
    f = floor.get(key)
    # The speed-up a converter would reach if converting cost nothing beyond reading the
    # files (and tokenizing, for XML).
    least = f and f["read_ms"] + (f.get("tokenize_ms") or 0)
    ceiling = f'{p["ms"] / least:.0f}x' if least and "ms" in p else ""
    line = f'| {p["converter"]} | {p["sample"].split("/")[-1]} | {kb:.1f} | {theirs} | {ms(r) or "missing"} | {mbs} | {ratio} | {ceiling} | {report} | {ours} |'
    if par:
        pp, rp = py_par.get(key), rust_par.get(key)
        # pyWATS's threads contend for the GIL: compare with its faster of one and N threads.
        best = min((x["ms"] for x in (p, pp) if x and "ms" in x), default=None)
        par_ratio = f"{best / rp['ms']:.0f}x" if best and rp else "—"
        line += f" {ms(pp) or '—'} | {ms(rp)} | {par_ratio} |"
    print(line)
for key, r in rust.items():
    if key not in seen:
        mbs = r["bytes"] / 1e6 / (r["ms"] / 1e3)
        line = f'| {r["converter"]} | {r["sample"].split("/")[-1]} | {r["bytes"]/1024:.1f} | (no pyWATS converter) | {ms(r)} | {mbs:.1f} | | | | {verdict(r.get("invalid"))} |'
        if par:
            line += f" | {ms(rust_par.get(key))} | |"
        print(line)
if par:
    print(f"\nWith {workers} workers the speed-up compares against pyWATS's faster of 1 and {workers} threads.")
print("Ceiling: pyWATS's time over what reading the files (and tokenizing XML) costs alone, the")
print("speed-up that converting at no cost beyond that would give (`convert -- --floor`).")
print("Reports: the first pyWATS report, as its station submits it, and ours, checked as our station")
print("checks a report before queueing it (the WATS server's import rules).")
