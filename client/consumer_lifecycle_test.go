package client

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/fakecluster"
)

// startStopRound starts a concurrent push consumer, an orderly one and a lite pull consumer,
// checks that each consumes one new message, and shuts them all down, checking that nothing is
// left behind: no client instance, no group member in the brokers, no queue lock.
func startStopRound(t *testing.T, c *fakecluster.Cluster, opts []Option, p *Producer, m *Manager, round int, within time.Duration) {
	t.Helper()
	// Groups of the round's own: a consumer's last offsets go to the broker oneway at
	// Shutdown (as Java's), so the next round's consumer of the same group could still read
	// older ones and consume a message twice. A new group starts at offset 0 whatever its
	// ConsumeFromWhere, because a 4.9.7 broker answers 0 for it while the queue's first
	// message is still stored: each consumer gets every round's message.
	group := func(kind string) Option { return WithGroup(fmt.Sprintf("%s-%d", kind, round)) }
	base := append([]Option{WithManager(m), WithConsumeFromWhere(ConsumeFromLastOffset)}, opts...)
	concurrent := newCollector()
	push, err := NewPushConsumer(append(base, group("concurrent"), WithConcurrentListener(concurrent.listener))...)
	require.NoError(t, err)
	require.NoError(t, push.Subscribe("T", "*"))
	ordered := newOrderlyCollector(0)
	orderly, err := NewPushConsumer(append(base, group("orderly"), WithOrderlyListener(ordered.listener))...)
	require.NoError(t, err)
	require.NoError(t, orderly.Subscribe("T", "*"))
	lite, err := NewLitePullConsumer(append(base, group("lite"))...)
	require.NoError(t, err)
	require.NoError(t, lite.Assign([]MessageQueue{queueA0}))

	for _, stop := range []func(){push.Shutdown, orderly.Shutdown, lite.Shutdown} {
		t.Cleanup(stop) // after a failed check; a no-op after the Shutdown below
	}
	require.NoError(t, push.Start())
	require.NoError(t, orderly.Start())
	require.NoError(t, lite.Start())
	deadline := time.Now().Add(within)
	for !(len(topicQueues(push)) == 2 && len(topicQueues(orderly)) == 2) {
		require.True(t, time.Now().Before(deadline), "the push consumers did not take T's queues within %v", within)
		time.Sleep(10 * time.Millisecond)
	}
	body := fmt.Sprintf("round %d", round)
	_, err = p.SendToQueue(background, NewMessage("T", []byte(body)), queueA0)
	require.NoError(t, err)
	var want []string
	for i := range round + 1 {
		want = append(want, fmt.Sprintf("round %d", i))
	}
	require.ElementsMatch(t, want, bodies(concurrent.take(t, round+1, within)))
	var inOrder []string
	for _, d := range ordered.take(t, round+1, within) {
		inOrder = append(inOrder, d.body)
	}
	require.Equal(t, want, inOrder)
	require.Equal(t, want, bodies(pollAll(t, lite, round+1, within)))

	push.Shutdown()
	orderly.Shutdown()
	lite.Shutdown()
	require.Equal(t, []string{p.ClientID()}, m.ClientIDs(), "every consumer's instance stopped with it; the producer's stays")
	b, ok := c.Broker("broker-a")
	require.True(t, ok)
	for _, kind := range []string{"concurrent", "orderly", "lite"} {
		g := fmt.Sprintf("%s-%d", kind, round)
		require.Empty(t, b.ConsumerIDs(g), g)
	}
	require.Empty(t, b.QueueLocks(fmt.Sprintf("orderly-%d", round)), "the orderly consumer gave its locks back")
}

func TestConsumersStartAndStopInALoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakebrokerOneBrokerTwoQueues()...)
		p := r.started()
		opts := []Option{WithNameServers(r.c.NameServerAddr()), WithDialer(r.mem.Dial), WithClientIP(testIP), WithOffsetStoreDir(t.TempDir())}
		for round := range 20 {
			startStopRound(t, r.c, opts, p, r.m, round, time.Minute)
		}
		// synctest.Test fails if any goroutine of the bubble is still there at the end.
	})
}

// The same over loopback TCP and the wall clock, where goleak sees what would leak.
func TestConsumersStartAndStopInALoopOverTCP(t *testing.T) {
	// Registered first, the check runs last: after the cluster has stopped too.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	c := fakecluster.Start(t, fakebrokerOneBrokerTwoQueues()...)
	m := NewManager()
	p, err := NewProducer(WithNameServers(c.NameServerAddr()), WithManager(m), WithGroup("pg"), WithClientIP("127.0.0.1"))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	opts := []Option{WithNameServers(c.NameServerAddr()), WithClientIP("127.0.0.1"), WithOffsetStoreDir(t.TempDir()),
		WithPollTimeout(time.Second)}
	for round := range 3 {
		startStopRound(t, c, opts, p, m, round, 10*time.Second)
	}
	p.Shutdown()
	require.Empty(t, m.ClientIDs())
}
