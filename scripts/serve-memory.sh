#!/usr/bin/env bash
# serve-memory.sh: `sim serve` under a long `sim load` of 1 KiB messages (sync, 64 senders),
# with the resident memory of the serve process (VmRSS) every INTERVAL. With the store's
# retention (-store-limit, 256 MiB per broker by default) the RSS levels off once the limit
# is reached, however many messages go through. The load's read-back then notes that the
# stores cannot be read from where the run began (the oldest messages were dropped).
#
#   scripts/serve-memory.sh                          # 3 minutes
#   DURATION=15m STORE_LIMIT=64MiB scripts/serve-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-180s}
INTERVAL=${INTERVAL:-10}
STORE_LIMIT=${STORE_LIMIT:-256MiB}
tmp=$(mktemp -d)
serve=""
cleanup() {
  [ -n "$serve" ] && kill -INT "$serve" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/sim" ./cmd/sim
"$tmp/sim" serve -namesrv 127.0.0.1:0 -brokers 1 -store-limit "$STORE_LIMIT" -log-level warn >"$tmp/ready" 2>"$tmp/serve.log" &
serve=$!
for _ in $(seq 1 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
ns=$(sed -n 's/.*"namesrv":"\([^"]*\)".*/\1/p' "$tmp/ready")
"$tmp/sim" load -namesrv "$ns" -mode sync -concurrency 64 -size 1024 -duration "$DURATION" -json >"$tmp/load.json" 2>"$tmp/load.log" &
load=$!
start=$(date +%s)
echo "seconds  serve-RSS-MiB"
while kill -0 "$load" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$serve/status")
  printf '%7d  %13.0f\n' $(($(date +%s) - start)) "$(echo "$rss / 1024" | bc -l)"
  sleep "$INTERVAL"
done
wait "$load" || true
tail -1 "$tmp/load.json" | sed -n 's/.*"acked":\([0-9]*\).*/acknowledged messages: \1/p'
grep -i "note" "$tmp/load.log" | head -3 || true
