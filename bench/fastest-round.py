"""Merges several runs of a converter benchmark (one JSON array per line on stdin) into one
array that keeps, per converter and sample, the row with the smallest `ms`, with the fields
only other rounds recorded. A case that failed in some rounds keeps its fastest time, its
error and `failed_rounds`; one that failed in all has no `ms`. Used by compare-converters.sh
to tame the host's speed drift."""
import json
import sys

best = {}
order = []
for number, line in enumerate(sys.stdin, 1):
    line = line.strip()
    if not line:
        continue
    try:
        rows = json.loads(line)
    except json.JSONDecodeError as e:
        sys.exit(f"fastest-round.py: round {number} is not a JSON array ({e}): {line[:200]}")
    for row in rows:
        key = (row["converter"], row["sample"])
        row["failed_rounds"] = int("error" in row)
        if key not in best:
            order.append(key)
            best[key] = row
            continue
        failed = best[key]["failed_rounds"] + row["failed_rounds"]
        if "ms" in row and ("ms" not in best[key] or row["ms"] < best[key]["ms"]):
            # Keep what only another round recorded (pyWATS's reports are written out once).
            best[key] = {**best[key], **row}
        else:
            best[key] = {**row, **best[key]}
        best[key]["failed_rounds"] = failed
print(json.dumps([best[k] for k in order]))
