// Package officialleaks names the goroutines rocketmq-client-go v2.1.2 leaves behind after
// every client and consumer is shut down, for goleak in the compat modules' TestMains: the
// compat tests and the benchmarks of compat/bench run the same official client.
package officialleaks

import "go.uber.org/goleak"

// Options are goleak options that ignore the official client's known leftovers. Each is named
// by the function it runs, not by its top frame (time.Sleep), so that any other goroutine
// blocked in time.Sleep is still reported.
func Options() []goleak.Option {
	return []goleak.Option{
		// internal/client.go rmqClient.Start: three of its periodic loops sleep before their
		// first run (name-server refresh 10 s, heartbeat 1 s, offset persist 10 s) with a plain
		// time.Sleep and look at the done channel only afterwards, so each outlives Shutdown by
		// up to its initial delay (then runs once more on the closed client and returns).
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).Start.func1.1"),
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).Start.func1.3"),
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).Start.func1.4"),
		// consumer/statistics.go statsItemSet.init: every consumer's StatsManager starts three
		// print loops per stats set that time.Sleep until the next minute, hour and month
		// before they first look at the closed channel ShutDownStat closes.
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*statsItemSet).init.func4"),
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*statsItemSet).init.func5"),
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*statsItemSet).init.func6"),
		// consumer/push_consumer.go pushConsumer.Start: the cleanExpiredMsg loop first sleeps
		// ConsumeTimeout (15 min by default) before it looks at done.
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).Start.func1.2"),
		// A pull in flight at Shutdown (held by the broker: long polling) waits out its 30 s
		// context: remotingClient.ShutDown empties the response table without failing the
		// waiters, and the reader goroutine that would have delivered the answer is gone.
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*defaultPullConsumer).pullMessage"),
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).pullMessage"),
		// internal/request_response_future.go: a package-level go-cache (request/reply
		// futures) started at init, whose janitor runs for the life of the process.
		goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
	}
}
