// Package bench races our producer (github.com/rocketsim/rocketsim/client) against the official
// Go client v2.1.2 (github.com/apache/rocketmq-client-go/v2) through the same fake broker, with
// the same settings, in one process, and measures how much memory a process of 1,000 producer
// clients and 16 brokers holds. Everything is in the benchmarks of bench_test.go; race.sh runs
// the race in alternating rounds and prints benchstat's comparison.
//
// It is a module of its own so that the root module never depends on the official client and
// the compat module's tests stay free of long benchmarks.
package bench
