#!/bin/bash
# RSS of a local-mode station (its embedded server in the same process): idle, peak during a
# burst of 25 sample files from ../shared/samples, then every 5 s after it.
#   cargo build --release -p wats-client && bench/station-rss.sh target/release/wats-client
SAMPLES=$(cd "$(dirname "$0")/../../shared/samples" && pwd)
B=${1:?usage: $0 path/to/wats-client}; D=$(mktemp -d); export WATS_CLIENT_CONFIG_DIR=$D/cfg
$B start --no-banner > $D/out.log 2>&1 &
PID=$!
sleep 5
rss() { awk '/VmRSS/{print int($2/1024)}' /proc/$PID/status; }
echo "idle: $(rss) MB"
INBOX=$D/cfg/default/data/inbox
i=0
while IFS= read -r -d '' f; do i=$((i+1)); cp "$f" "$INBOX/$i-$(basename "$f" | tr ' ' '_')"; done < <(find "$SAMPLES" -type f ! -name "*.md" -print0 | head -z -n 25)
peak=0; for k in $(seq 1 20); do r=$(rss); [ $r -gt $peak ] && peak=$r; sleep 0.5; done
echo "peak during the burst of $i files: $peak MB"
for k in 1 2 3 4; do sleep 5; echo -n "+$((k*5)) s: $(rss) MB; "; done; echo
$B stop >/dev/null; wait $PID; rm -rf $D
