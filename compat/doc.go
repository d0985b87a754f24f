// Package compat checks the official Go client, github.com/apache/rocketmq-client-go/v2 at
// v2.1.2, against rocketsim's fake name server and brokers (fakecluster) over loopback TCP.
//
// It is a nested module so that the official client and its dependencies stay out of the root
// module. Everything lives in _test.go files but internal/echobroker, the raw echo server that
// the benchmarks here and in bench/ measure the official client against; see README.md for what
// is checked and how to run the benchmarks.
package compat
