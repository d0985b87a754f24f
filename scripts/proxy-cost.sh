#!/usr/bin/env bash
# proxy-cost.sh: what `sim proxy` adds to sync sends against real RocketMQ 4.9.7, in one run.
# It starts a real cluster (`sim real -brokers 1`: a name server and a broker as JVMs) and a
# proxy in front of it (`sim proxy`, a separate process like the JVMs, its history and fault
# injector on), then runs the same `sim load` (sync, 128-byte bodies) against the real name
# server and against the proxy's, alternating, ROUNDS times each: once with one sender (the
# latency one send pays) and once with CONCURRENCY senders (throughput). It prints every
# run's -json summary, then per load the medians of both targets and the proxy's share.
# Needs Java 17 and Maven for the real cluster.
#
#   scripts/proxy-cost.sh                         # 10 s per run, 2 rounds
#   DURATION=20s ROUNDS=3 scripts/proxy-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
CONCURRENCY=${CONCURRENCY:-64}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/sim" ./cmd/sim

# start NAME COMMAND...: start a long-running command and print the name server of its ready line.
start() {
  local name=$1; shift
  "$@" >"$tmp/$name.ready" 2>"$tmp/$name.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 1200); do
    [ -s "$tmp/$name.ready" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; return 1; }
    sleep 0.1
  done
  sed -n 's/.*"namesrv":"\([^"]*\)".*/\1/p' "$tmp/$name.ready"
}

real=$(start real "$tmp/sim" real -brokers 1)
proxied=$(start proxy "$tmp/sim" proxy -upstream "$real" -log-level warn)
echo "real name server $real, proxy $proxied" >&2

: >"$tmp/runs"
for senders in 1 "$CONCURRENCY"; do
  for round in $(seq 1 "$ROUNDS"); do
    for target in direct proxy; do
      ns=$real
      [ "$target" = proxy ] && ns=$proxied
      line=$("$tmp/sim" load -namesrv "$ns" -mode sync -concurrency "$senders" -size 128 \
        -duration "$DURATION" -json 2>"$tmp/load.log" | tail -1)
      printf '%s %s %s %s\n' "$senders" "$target" "$round" "$line" | tee -a "$tmp/runs"
    done
  done
done

python3 - "$tmp/runs" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    senders, target, _, summary = line.split(' ', 3)
    s = json.loads(summary)
    assert s['messages']['lost'] == 0 and s['messages']['failed'] == 0, s['messages']
    runs.setdefault((int(senders), target), []).append(s)
print()
print('| senders | target | msg/s | p50 | p99 |')
print('|---|---|---|---|---|')
for senders in sorted({k[0] for k in runs}):
    med = {}
    for target in ('direct', 'proxy'):
        rs = runs[(senders, target)]
        med[target] = (statistics.median(r['throughput'] for r in rs),
                       statistics.median(r['latencyMicros']['p50'] for r in rs),
                       statistics.median(r['latencyMicros']['p99'] for r in rs))
        t, p50, p99 = med[target]
        print(f'| {senders} | {target} | {t:,.0f} | {p50/1000:.2f} ms | {p99/1000:.2f} ms |')
    (td, d50, d99), (tp, p50, p99) = med['direct'], med['proxy']
    print(f'| {senders} | proxy adds | {100*(tp-td)/td:+.0f}% | {(p50-d50)/1000:+.2f} ms | {(p99-d99)/1000:+.2f} ms |')
EOF
