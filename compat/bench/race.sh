#!/usr/bin/env bash
# race.sh: our producer against the official Go client v2.1.2 through the same fake broker
# (BenchmarkRace), in alternating rounds, then benchstat's comparison of the two clients.
#
#   compat/bench/race.sh                     # 6 rounds of 3 s per sub-benchmark
#   ROUNDS=10 BENCHTIME=2s compat/bench/race.sh
#   BENCH='Race/mode=sync' compat/bench/race.sh
#
# The test binary is built once and run ROUNDS times with -test.count 1, so the clients
# alternate (ours, official, ours, official...) and drift in the machine's load (other jobs on
# a shared 2-core box) hits both alike; go test -count N would instead run each sub-benchmark N
# times in a row. Each run of a sub-benchmark starts its own cluster and producer in this one
# process: client and fake broker share the CPUs (GOMAXPROCS defaults to the core count; set
# GOMAXPROCS to change it for both clients alike).
# Raw results go to $OUT (default: a temporary file), benchstat's table to stdout.
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-6}
BENCHTIME=${BENCHTIME:-3s}
# Anchored, so that the consumer race (BenchmarkConsumeRace, consume-race.sh) is left out.
BENCH=${BENCH:-^BenchmarkRace}
# golang.org/x/perf has no tagged releases: a pinned pseudo-version, fetched once through the
# module proxy (or found in the module cache).
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OUT=${OUT:-$tmp/race.txt}
: >"$OUT"

go test -c -o "$tmp/bench.test" .
{
  echo "# $(go version), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), GOMAXPROCS=${GOMAXPROCS:-default}"
} | tee -a "$OUT" >&2
for i in $(seq "$ROUNDS"); do
  echo "# round $i/$ROUNDS, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$tmp/bench.test" -test.run '^$' -test.bench "$BENCH" -test.benchtime "$BENCHTIME" -test.count 1 | tee -a "$OUT" >&2
done
go run "$BENCHSTAT" -col /client "$OUT"
