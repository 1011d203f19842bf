"""Merges several runs of a converter benchmark (one JSON array per line on stdin) into one
array that keeps, per converter and sample, the row with the smallest `ms` (errors kept as
they are), with the fields only other rounds recorded. Used by compare-converters.sh to tame
the host's speed drift."""
import json
import sys

best = {}
order = []
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    for row in json.loads(line):
        key = (row["converter"], row["sample"])
        if key not in best:
            order.append(key)
            best[key] = row
        elif "ms" in row and ("ms" not in best[key] or row["ms"] < best[key]["ms"]):
            # Keep what only another round recorded (pyWATS's reports are written out once).
            best[key] = {**best[key], **row}
        else:
            best[key] = {**row, **best[key]}
print(json.dumps([best[k] for k in order]))
