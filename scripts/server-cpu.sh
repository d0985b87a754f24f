#!/usr/bin/env bash
# server-cpu.sh: CPU per acknowledged sync send in the server processes alone, the fake broker
# (`sim serve`) against real RocketMQ 4.9.7 (`sim real`: a name server and a broker JVM), in
# one run on this machine, with the same client: `sim load -namesrv` with 64 senders and
# 128-byte bodies. For each target it reads utime+stime (/proc/PID/stat) of the server
# processes (sim serve; the JVMs under sim real) before the load and after its sends ended
# (the load's -settle pause, before it reads the stores back), and divides by the sends
# acknowledged. Needs Java 17 and Maven for the real cluster.
#
#   scripts/server-cpu.sh                    # 20 s per target
#   DURATION=30s ROUNDS=3 scripts/server-cpu.sh
#   SIM=/path/to/other/sim scripts/server-cpu.sh   # the fake of another build, same load
#   TARGETS=fake scripts/server-cpu.sh              # the fake alone (no Java needed)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
CONCURRENCY=${CONCURRENCY:-64}
ROUNDS=${ROUNDS:-1}
TARGETS=${TARGETS:-real fake}
SETTLE=6 # seconds between the last send and the read-back; CPU is read in its middle
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/sim" ./cmd/sim
SERVE_SIM=${SIM:-$tmp/sim}
hz=$(getconf CLK_TCK)

# tree PID: the process and its descendants.
tree() {
  echo "$1"
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$child"; done
}

# ticks PID: utime+stime of the process tree, in clock ticks (fields 14 and 15 of stat, counted
# after the command name, which may hold blanks).
ticks() {
  local total=0 p rest
  for p in $(tree "$1"); do
    rest=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# measure NAME COMMAND...: start a cluster command, read its ready line, load it, stop it.
measure() {
  local name=$1; shift
  "$@" >"$tmp/$name.ready" 2>"$tmp/$name.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 900); do
    [ -s "$tmp/$name.ready" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; return 1; }
    sleep 0.1
  done
  local ns secs before after acked
  ns=$(sed -n 's/.*"namesrv":"\([^"]*\)".*/\1/p' "$tmp/$name.ready")
  secs=$(awk -v d="$DURATION" 'BEGIN { sub(/s$/, "", d); print d }')
  before=$(ticks "$pid")
  "$tmp/sim" load -namesrv "$ns" -mode sync -concurrency "$CONCURRENCY" -size 128 \
    -duration "$DURATION" -settle "${SETTLE}s" -json >"$tmp/$name.json" 2>"$tmp/$name.load.log" &
  local load=$!
  sleep "$(awk -v s="$secs" -v w="$SETTLE" 'BEGIN { print s + w / 2 }')"
  after=$(ticks "$pid")
  [ "$after" -gt "$before" ] || echo "$name: no CPU counted for PID $pid (ticks $before, then $after)" >&2
  # A real broker under this load may refuse a few sends (its flow control); the load then
  # exits non-zero, but what it acknowledged is still what the CPU is divided by.
  wait "$load" || echo "$name: the load failed some sends: $(grep '^sim load:' "$tmp/$name.load.log")" >&2
  acked=$(tail -1 "$tmp/$name.json" | sed -n 's/.*"acked":\([0-9]*\).*/\1/p')
  awk -v n="$name" -v t=$((after - before)) -v hz="$hz" -v a="$acked" -v d="$secs" 'BEGIN {
    printf "%-5s acked %d (%.0f msg/s), server CPU %.2f s, %.2f us per acknowledged send\n", n, a, a / d, t / hz, t / hz * 1e6 / a
  }' | tee -a "$tmp/results"
  kill -INT "$pid"
  wait "$pid" || true
}

for _ in $(seq 1 "$ROUNDS"); do
  for target in $TARGETS; do
    case $target in
    real) measure real "$tmp/sim" real -brokers 1 ;;
    fake) measure fake "$SERVE_SIM" serve -namesrv 127.0.0.1:0 -brokers 1 -log-level warn ;;
    *) echo "unknown target $target (want real or fake)" >&2; exit 2 ;;
    esac
  done
done
awk '/^real/ { r += $(NF-4); nr++ } /^fake/ { f += $(NF-4); nf++ }
  END { if (nr && nf) printf "real / fake: %.2fx (CPU per acknowledged send, %d round(s))\n", (r / nr) / (f / nf), nr }' "$tmp/results"
