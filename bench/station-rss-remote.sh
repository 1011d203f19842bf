#!/bin/bash
# RSS of a station in remote mode (sending to a separate wats-server process): idle, peak
# during a burst of 25 sample files from ../shared/samples, then every 5 s after it.
#   cargo build --release -p wats-client -p wats-server
#   bench/station-rss-remote.sh target/release/wats-client target/release/wats-server
SAMPLES=$(cd "$(dirname "$0")/../../shared/samples" && pwd)
B=${1:?usage: $0 path/to/wats-client path/to/wats-server}; S=${2:?usage: $0 path/to/wats-client path/to/wats-server}; D=$(mktemp -d)
WATS_SERVER_ADMIN=u:p $S serve --listen 127.0.0.1:18999 --data $D/srv > $D/srv.log 2>&1 &
SPID=$!
export WATS_CLIENT_CONFIG_DIR=$D/cfg; mkdir -p $D/cfg/default $D/in
TOKEN=$(printf 'u:p' | base64)
cat > $D/cfg/default/config.json <<JSON
{"service_address":"http://127.0.0.1:18999","api_token":"$TOKEN","station_name":"ST","control_address":"127.0.0.1:0","settle_seconds":0.2,
 "converters":[{"name":"drop","converter":"auto","watch_folder":"$D/in","file_patterns":["*"]}]}
JSON
$B start --no-banner > $D/out.log 2>&1 &
PID=$!
sleep 5
rss() { awk '/VmRSS/{print int($2/1024)}' /proc/$PID/status; }
echo "idle: $(rss) MB"
i=0
while IFS= read -r -d '' f; do i=$((i+1)); cp "$f" "$D/in/$i-$(basename "$f" | tr ' ' '_')"; done < <(find "$SAMPLES" -type f ! -name "*.md" -print0 | head -z -n 25)
peak=0; for k in $(seq 1 20); do r=$(rss); [ $r -gt $peak ] && peak=$r; sleep 0.5; done
echo "peak during the burst of $i files: $peak MB"
for k in 1 2 3 4; do sleep 5; echo -n "+$((k*5)) s: $(rss) MB; "; done; echo
$B stop >/dev/null; wait $PID; kill $SPID; rm -rf $D
