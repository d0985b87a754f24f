#!/usr/bin/env bash
# consume-race.sh: our push consumer against the official Go client v2.1.2's through the same
# fake broker (BenchmarkConsumeRace), in alternating rounds, then benchstat's comparison.
#
#   compat/bench/consume-race.sh                           # 3 rounds, 1,000,000-message backlog
#   ROUNDS=5 RACE_BACKLOG=200000 compat/bench/consume-race.sh
#   BENCH='ConsumeRace/kind=live' RACE_LIVE_RATE=10000 compat/bench/consume-race.sh
#
# As race.sh: the test binary is built once and run ROUNDS times, so the clients alternate
# (ours, official, ours, ...) and drift in the machine's load hits both alike. Each sub-benchmark
# runs once per round (-test.benchtime 1x): a backlog run consumes the whole backlog, a live
# run the whole live stream. The backlog is loaded once per round (per process), before any
# clock starts, and both clients read the same stored messages, each in a new consumer group.
# RACE_BACKLOG, RACE_LIVE_MESSAGES and RACE_LIVE_RATE size the runs (see consume_test.go).
# Raw results go to $OUT (default: a temporary file), benchstat's table to stdout.
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-3}
BENCH=${BENCH:-ConsumeRace}
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OUT=${OUT:-$tmp/consume-race.txt}
: >"$OUT"

go test -c -o "$tmp/bench.test" .
{
  echo "# $(go version), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), GOMAXPROCS=${GOMAXPROCS:-default}"
  echo "# RACE_BACKLOG=${RACE_BACKLOG:-default} RACE_LIVE_MESSAGES=${RACE_LIVE_MESSAGES:-default} RACE_LIVE_RATE=${RACE_LIVE_RATE:-default}"
} | tee -a "$OUT" >&2
for i in $(seq "$ROUNDS"); do
  echo "# round $i/$ROUNDS, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$tmp/bench.test" -test.run '^$' -test.bench "$BENCH" -test.benchtime 1x -test.count 1 | tee -a "$OUT" >&2
done
go run "$BENCHSTAT" -col /client "$OUT"
