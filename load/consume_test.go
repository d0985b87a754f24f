package load

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
)

func TestConsumersConsumeEveryAckedMessage(t *testing.T) {
	for _, kind := range []ConsumerKind{ConsumerPush, ConsumerLitePull, ConsumerOrderly} {
		t.Run(string(kind), func(t *testing.T) {
			progress := newSyncBuffer()
			// The drain is a bound, not a wait: an orderly queue handed from the first member to
			// the second waits for the first to unlock it (Java retries the unlock 20 s later
			// while the queue is consuming) or for the broker's lock to expire, as in Java, so 10 s
			// was too short on a busy machine.
			res := run(t, Config{Mode: ModeSync, Messages: 400, Concurrency: 4, Consumers: 2, ConsumerKind: kind,
				Drain: time.Minute, Progress: progress})
			require.Equal(t, Counts{Sent: 400, Acked: 400}, res.Summary.Messages)
			c := res.Summary.Consumption
			require.NotNil(t, c)
			t.Logf("%+v", *c)
			require.Equal(t, int64(400), c.Consumed)
			require.Zero(t, c.Lost)
			require.Empty(t, res.Problems())
		})
	}
}

// Failed deliveries come back from the retry topic: redelivered, consumed once, none lost.
func TestFailedDeliveriesAreRedelivered(t *testing.T) {
	// The retry topic exists once the group's first heartbeat reaches the broker; a consumer
	// whose first route poll (10 ms after start) came before that learns its route at the next
	// poll, as Java's does. On a busy machine that is the common case, so the poll is 1 s here,
	// not 30 s beyond the drain.
	plan := &Plan{Name: "retry", Brokers: 1, RoutePollInterval: Duration(time.Second),
		MessageDelayLevel: "1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s"}
	res := run(t, Config{Mode: ModeSync, Messages: 200, Concurrency: 2, Consumers: 1, ConsumeFailRate: 0.2, Plan: plan,
		Drain: 15 * time.Second})
	c := res.Summary.Consumption
	require.NotNil(t, c)
	require.Equal(t, int64(200), c.Consumed)
	require.Zero(t, c.Lost)
	require.Positive(t, c.Redelivered, "about a fifth of the deliveries failed and came back: %+v", *c)
	require.Equal(t, c.Deliveries, c.Consumed+c.Duplicated)
	require.Empty(t, res.Problems())
}

// A consumption is classified by what happened since the message's previous one.
func TestDuplicateReasons(t *testing.T) {
	r := &runner{prefix: "run-"}
	p := newConsumerPool(r, Config{Consumers: 2, ConsumerKind: ConsumerPush}, "run", "", nil, nil)
	first, second := &member{num: 0}, &member{num: 1}
	for _, m := range []*member{first, second} {
		p.lives = append(p.lives, m)
		m.life = uint32(len(p.lives))
	}
	msg := func(seq int, reconsumed int32) []*client.MessageExt {
		m := &client.MessageExt{ReconsumeTimes: reconsumed, BornTimestamp: time.Now().UnixMilli()}
		m.Properties = map[string]string{KeyProperty: r.key(int64(seq))}
		return []*client.MessageExt{m}
	}
	ctx := context.Background()
	require.True(t, p.consume(ctx, first, msg(1, 0)))
	require.True(t, p.consume(ctx, second, msg(1, 0)), "its queue moved to a running member")
	require.True(t, p.consume(ctx, second, msg(1, 1)), "a retry of it")
	require.True(t, p.consume(ctx, first, msg(2, 0)))
	first.ended.Store(true)
	require.False(t, p.consume(ctx, first, msg(3, 0)), "a killed process consumes nothing")
	require.True(t, p.consume(ctx, second, msg(2, 0)), "its consumer is gone")
	p.consume(ctx, second, []*client.MessageExt{{}}) // another run's message: not counted
	s := p.summary(0, 0, 0)
	require.Equal(t, Duplicates{Retry: 1, Rebalance: 1, Restart: 1}, s.DuplicatedBy)
	require.Equal(t, int64(3), s.Duplicated)
	require.Equal(t, int64(2), s.Consumed)
	require.Equal(t, int64(5), s.Deliveries)
	require.Equal(t, int64(1), s.Redelivered)
	require.Positive(t, s.EndToEndMicros.Max)
}

// In an orderly run, a first consumption after a later message of the same sender and queue
// is an order violation; a repeat of an earlier message is a duplicate, not a violation.
func TestOrderViolations(t *testing.T) {
	r := &runner{prefix: "run-"}
	p := newConsumerPool(r, Config{Consumers: 1, ConsumerKind: ConsumerOrderly}, "run", "", nil, nil)
	m := &member{num: 0, life: 1}
	p.lives = append(p.lives, m)
	deliver := func(seq int, queue int32, sender string) {
		msg := &client.MessageExt{QueueID: queue, BrokerName: "broker-a"}
		msg.Properties = map[string]string{KeyProperty: r.key(int64(seq)), SenderProperty: sender}
		require.True(t, p.consume(context.Background(), m, []*client.MessageExt{msg}))
	}
	deliver(1, 0, "0.0")
	deliver(5, 0, "0.0")
	deliver(3, 0, "0.0") // after 5: out of order
	deliver(5, 0, "0.0") // again: a duplicate
	deliver(2, 0, "0.1") // another sender
	deliver(4, 1, "0.0") // another queue
	s := p.summary(0, 0, 0)
	require.Equal(t, int64(1), s.OrderViolations)
	require.Equal(t, int64(1), s.Duplicated)
}

// With a rate, a stall counts for every message it held back: one send held 300 ms delays the
// ~300 messages scheduled behind it, which the service time of each does not show.
func TestIntendedLatencyCountsTheStall(t *testing.T) {
	plan := &Plan{Name: "stall", Brokers: 1, Steps: []Step{{Action: "fault", Sends: true, Fault: &fakecluster.FaultRequest{
		Target: "broker-a", Rule: fault.Rule{Action: fault.ActionDelay, Delay: 300 * time.Millisecond, Times: 1}}}}}
	res := run(t, Config{Mode: ModeSync, Messages: 1000, Rate: 1000, Concurrency: 1, Plan: plan})
	s := res.Summary
	require.NotNil(t, s.IntendedLatencyMicros)
	require.GreaterOrEqual(t, s.IntendedLatencyMicros.P99, int64(250_000), "%+v", *s.IntendedLatencyMicros)
	require.GreaterOrEqual(t, s.LatencyMicros.Max, int64(300_000), "the held send itself")
	require.Less(t, s.LatencyMicros.P99, s.IntendedLatencyMicros.P99)

	res = run(t, Config{Mode: ModeSync, Messages: 50, Concurrency: 1})
	require.Nil(t, res.Summary.IntendedLatencyMicros, "no rate, no schedule")
}

// A killed consumer persists nothing: what it consumed after its last committed offset comes
// again to its next life, counted as restart duplicates; a consumer removed cleanly persists
// its offsets, and its next life consumes nothing twice.
func TestKilledConsumerRedeliversRemovedDoesNot(t *testing.T) {
	for _, tc := range []struct {
		stop       string
		duplicates bool
	}{{"kill-consumer", true}, {"remove-consumer", false}} {
		t.Run(tc.stop, func(t *testing.T) {
			plan := &Plan{Name: tc.stop, Brokers: 1, Steps: []Step{
				{At: Duration(500 * time.Millisecond), Action: tc.stop},
				{At: Duration(700 * time.Millisecond), Action: "restart-consumer"},
			}}
			progress := newSyncBuffer()
			res := run(t, Config{Plan: plan, Duration: 1200 * time.Millisecond, Rate: 300, Concurrency: 1, Consumers: 1,
				Drain: 10 * time.Second, Progress: progress})
			require.Empty(t, res.Problems(), progress.String())
			c := res.Summary.Consumption
			require.NotNil(t, c)
			require.Zero(t, c.Lost)
			require.Equal(t, res.Summary.Messages.Acked, c.Consumed)
			if tc.duplicates {
				require.Positive(t, c.DuplicatedBy.Restart, "%+v", *c)
			} else {
				require.Zero(t, c.Duplicated, "%+v", *c)
			}
		})
	}
}

// A slow consumer falls behind: the lag rises while the producer outpaces it and is 0 once
// the drain has consumed everything.
func TestSlowConsumerLags(t *testing.T) {
	// The consumer's 20 goroutines at 200 ms a message take 100 msg/s, so a lag of 50 needs the
	// producer only above ~130 msg/s (at 50 ms a message, 400 msg/s, a -race run on a loaded
	// machine sent no faster than it consumed: a peak lag of 44 failed CI once).
	res := run(t, Config{Messages: 300, Concurrency: 2, Consumers: 1, ConsumeTime: 200 * time.Millisecond, Drain: 20 * time.Second})
	c := res.Summary.Consumption
	require.NotNil(t, c)
	require.Zero(t, c.Lost)
	require.GreaterOrEqual(t, c.MaxLag, int64(50), "%+v", *c)
	// 300 messages take the consumer 3 s; sending them takes a fraction of that.
	require.GreaterOrEqual(t, c.DrainSeconds, 0.5, "%+v", *c)
	last := res.Points[len(res.Points)-1]
	require.Zero(t, last.Lag)
	var peak int64
	for _, p := range res.Points {
		peak = max(peak, p.Lag)
	}
	require.Equal(t, c.MaxLag, peak)
}

// Against any name server the consumers reach the brokers over TCP and account the same way;
// another run's messages on the same topic are consumed and ignored.
func TestExternalNameServerConsumers(t *testing.T) {
	c := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithAutoCreateTopic(false))
	for _, kind := range []ConsumerKind{ConsumerLitePull, ConsumerPush} {
		res := run(t, Config{NameServer: c.NameServerAddr(), Topic: "LoadExternalConsumed", Messages: 200, Concurrency: 2,
			Consumers: 2, ConsumerKind: kind, Drain: 10 * time.Second})
		require.True(t, res.Checked, res.Notes)
		cons := res.Summary.Consumption
		require.NotNil(t, cons)
		require.Equal(t, int64(200), cons.Consumed, "%s: %+v", kind, *cons)
		require.Zero(t, cons.Lost)
		require.Empty(t, res.Problems())
	}
}
