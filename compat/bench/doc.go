// Package bench races our producer and push consumer (github.com/rocketsim/rocketsim/client)
// against the official Go client v2.1.2's (github.com/apache/rocketmq-client-go/v2) through the
// same fake broker, with the same settings, in one process, and measures how much memory a
// process of 1,000 producer clients and 16 brokers holds. Everything is in the benchmarks:
// bench_test.go (producers), consume_test.go (consumers: a backlog and a live stream),
// scale_test.go; race.sh and consume-race.sh run the races in alternating rounds and print
// benchstat's comparison.
//
// It is a module of its own so that the root module never depends on the official client and
// the compat module's tests stay free of long benchmarks.
package bench
