#!/usr/bin/env bash
# load-vs-real.sh: the same `sim load` run (sync, 64 senders, 128-byte bodies) against a real
# RocketMQ 4.9.7 cluster (1 name server + 1 broker, JVMs from Maven Central) and against the
# fake one (`sim serve`, a separate process like the JVMs), one after the other on this machine.
# Prints one -json summary line per target. Needs Java 17 and Maven for the real cluster.
#
#   scripts/load-vs-real.sh              # 10 s per target
#   DURATION=30s scripts/load-vs-real.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
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

# run_against NAME COMMAND...: start a cluster command, read its ready line, load it, stop it.
run_against() {
  local name=$1; shift
  "$@" >"$tmp/$name.ready" 2>"$tmp/$name.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do
    [ -s "$tmp/$name.ready" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; return 1; }
    sleep 0.1
  done
  local ns
  ns=$(sed -n 's/.*"namesrv":"\([^"]*\)".*/\1/p' "$tmp/$name.ready")
  printf '%-5s ' "$name"
  "$tmp/sim" load -namesrv "$ns" -mode sync -concurrency "$CONCURRENCY" -size 128 \
    -duration "$DURATION" -json 2>"$tmp/$name.load.log" | tail -1
  kill -INT "$pid"
  wait "$pid" || true
}

run_against real "$tmp/sim" real -brokers 1
run_against fake "$tmp/sim" serve -namesrv 127.0.0.1:0 -brokers 1
