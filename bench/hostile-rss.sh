#!/bin/sh
# Memory of the largest reports: RSS of a release wats-server (SQLite) storing one report of
# about 59 MB, then four at once, then fetching four at once, and what it keeps afterwards
# (docs/server.md).
#
#   bench/hostile-rss.sh            # STEPS=330000 numeric steps ≈ 59 MB of WSJF
#   STEPS=100000 BUDGET_MIB=128 bench/hostile-rss.sh
#
# Needs python3 and curl. Prints peak RSS (VmHWM, reset between phases) and RSS after.
set -eu
STEPS=${STEPS:-330000}
BUDGET_MIB=${BUDGET_MIB:-64}
PORT=${PORT:-18089}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p wats-server --bin wats-server
bin=$target/release/wats-server
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

python3 - "$STEPS" "$dir" <<'EOF'
import json, sys, uuid
steps, out = int(sys.argv[1]), sys.argv[2]
children = [
    {"id": i + 2, "group": "M", "stepType": "ET_NLT", "name": f"Step {i}", "status": "P",
     "numericMeas": [{"compOp": "GELE", "status": "P", "unit": "V", "value": 5.01,
                      "lowLimit": 4.5, "highLimit": 5.5}]}
    for i in range(steps)
]
for n in range(5):
    report = {
        "type": "T", "id": str(uuid.uuid4()), "pn": "PN-BIG", "sn": f"SN-BIG-{n}", "rev": "A",
        "processCode": 10, "result": "P", "machineName": "ST1", "location": "Lab",
        "purpose": "Test", "start": "2026-01-30T22:01:41+01:00", "uut": {"user": "op"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                 "status": "P", "steps": children},
    }
    with open(f"{out}/r{n}.json", "w") as f:
        json.dump(report, f, separators=(",", ":"))
    with open(f"{out}/id{n}", "w") as f:
        f.write(report["id"])
EOF
size=$(stat -c %s "$dir/r0.json")
echo "report: $STEPS steps, $((size / 1000000)) MB"

WATS_SERVER_ADMIN=u:p "$bin" serve --listen 127.0.0.1:$PORT --data "$dir/data" \
  --body-budget-mib "$BUDGET_MIB" >/dev/null 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:$PORT/health/live >/dev/null; do sleep 0.2; done

mib() { awk -v k="$1" '$1 == k":" { printf "%d", $2 / 1024 }' /proc/$pid/status; }
reset_peak() { echo 5 > /proc/$pid/clear_refs; }
post() {
  curl -s -o /dev/null -w "%{http_code} %{time_total}s\n" -u u:p \
    -H 'content-type: application/json' --data-binary @"$dir/r$1.json" \
    http://127.0.0.1:$PORT/api/Report/WSJF
}

echo "idle: RSS $(mib VmRSS) MiB"
reset_peak
echo "one report: $(post 0)"
sleep 2
echo "one report: peak $(mib VmHWM) MiB, after $(mib VmRSS) MiB"
reset_peak
start=$(date +%s.%N)
posts=
for n in 1 2 3 4; do post $n & posts="$posts $!"; done
for p in $posts; do wait "$p"; done
echo "four at once: $(echo "$(date +%s.%N) - $start" | bc) s"
sleep 2
echo "four at once: peak $(mib VmHWM) MiB, after $(mib VmRSS) MiB (body budget $BUDGET_MIB MiB)"
reset_peak
start=$(date +%s.%N)
gets=
for n in 1 2 3 4; do
  curl -s -o /dev/null -u u:p "http://127.0.0.1:$PORT/api/Report/Wsjf/$(cat "$dir/id$n")" &
  gets="$gets $!"
done
for p in $gets; do wait "$p"; done
echo "four fetched at once: $(echo "$(date +%s.%N) - $start" | bc) s"
sleep 2
echo "four fetched at once: peak $(mib VmHWM) MiB, after $(mib VmRSS) MiB"
