package compat

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// rowsOf returns the client-table rows of the client whose id ends in "@"+instance.
func rowsOf(c cluster, instance string) []fakebroker.ClientInfo {
	var out []fakebroker.ClientInfo
	for _, ci := range c.Clients() {
		if strings.HasSuffix(ci.ClientID, "@"+instance) {
			out = append(out, ci)
		}
	}
	return out
}

// registeredOnEveryBroker reports whether the client has a row, with group in its producer or
// consumer groups, on every broker.
func registeredOnEveryBroker(c cluster, instance, group string, asConsumer bool) bool {
	on := map[string]bool{}
	for _, ci := range rowsOf(c, instance) {
		groups := ci.ProducerGroups
		if asConsumer {
			groups = ci.ConsumerGroups
		}
		for _, g := range groups {
			if g == group {
				on[ci.Broker] = true
			}
		}
	}
	return len(on) == len(c.Brokers())
}

// TestShutdownSeenByBrokers: a producer and a push consumer heartbeat to both brokers, and once
// shut down they leave both brokers' client tables.
//
// rocketmq-client-go v2.1.2 sends no UNREGISTER_CLIENT (35) at all: Producer.Shutdown and
// PushConsumer.Shutdown only drop the group from the client's own tables
// (rmqClient.UnregisterProducer/UnregisterConsumer) and the last user closes the broker
// connections (remotingClient.ShutDown). Java's client sends 35 to every broker. The brokers
// therefore learn of the shutdown from the closed connections, which they handle as Java's
// ClientHousekeepingService.doChannelCloseEvent does: the connection leaves every group.
//
// The brokers here do not push NOTIFY_CONSUMER_IDS_CHANGED (40), which a real broker sends when
// the consumer joins: v2.1.2 answers it with a rebalance on a goroutine of its own, and that
// rebalance's QUERY_CONSUMER_OFFSET goes through rmqClient.InvokeSync, which reads
// rmqClient.close, a plain bool that rmqClient.Shutdown writes: a data race in the client that
// `go test -race` reports whenever Shutdown comes while that rebalance runs. Without the push,
// the only rebalance is Start's, and the test waits for it to end (a held pull on every queue).
func TestShutdownSeenByBrokers(t *testing.T) {
	t.Parallel()
	c := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic(topic, topicQueues),
		fakecluster.WithBrokerOptions(fakebroker.WithNotifyConsumerIDsChanged(false)))

	t.Run("producer", func(t *testing.T) {
		p := newProducer(t, c)
		instance := p.instance
		// The producer's first heartbeat goes out 1 s after Start (v2.1.2 sends none at Start),
		// to brokers it knows routes for: send once so that it knows both.
		for range 2 {
			_, err := p.SendSync(context.Background(), primitive.NewMessage(topic, []byte("hello")))
			require.NoError(t, err)
		}
		p.awaitWarm(t, c)
		for _, ci := range rowsOf(c, instance) {
			require.Equal(t, "GO", ci.Language)
		}

		require.NoError(t, p.Shutdown())
		awaitGone(t, c, instance)
		requireNoUnregister(t, c)
	})

	t.Run("push consumer", func(t *testing.T) {
		// A producer on the same client instance first (see awaitWarm); the client closes its
		// connections when its last user shuts down.
		p := newProducer(t, c)
		_, err := p.SendSync(context.Background(), primitive.NewMessage(topic, []byte("hello")))
		require.NoError(t, err)
		p.awaitWarm(t, c)
		group, instance := uniqueName(t, "cg"), p.instance
		pc := newPushConsumer(t, c, group, instance)
		require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}, func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			return consumer.ConsumeSuccess, nil
		}))
		require.NoError(t, pc.Start()) // Start heartbeats at once, to every broker of the route
		t.Cleanup(func() { _ = pc.Shutdown() })
		require.True(t, registeredOnEveryBroker(c, instance, group, true), "consumer in both client tables after Start")
		for _, b := range c.Brokers() {
			require.Len(t, b.ConsumerIDs(group), 1)
		}
		// Start's rebalance queries each queue's offset, then starts pulling it; the pulls of
		// empty queues are held by the brokers (long polling). A held pull leaves no History
		// entry until it is answered, so this polls.
		require.Eventually(t, func() bool {
			for _, b := range c.Brokers() {
				if b.HeldPulls() != topicQueues {
					return false
				}
			}
			return true
		}, waitDeadline, 5*time.Millisecond, "a held pull on every queue")
		require.NoError(t, pc.Shutdown())
		for _, b := range c.Brokers() {
			require.Len(t, b.ConsumerIDs(group), 1, "the client's connections stay open while its producer runs")
		}
		require.NoError(t, p.Shutdown())
		awaitGone(t, c, instance)
		for _, b := range c.Brokers() {
			require.Empty(t, b.ConsumerIDs(group))
		}
		requireNoUnregister(t, c)
	})
}

// awaitGone waits for the client to leave every broker's client table. A closed connection
// leaves no History entry on the broker, so there is no event to wait on: this polls.
func awaitGone(t *testing.T, c cluster, instance string) {
	t.Helper()
	require.Eventually(t, func() bool { return len(rowsOf(c, instance)) == 0 }, waitDeadline, 5*time.Millisecond,
		"client %s still in the brokers' client tables after Shutdown", instance)
}

func requireNoUnregister(t *testing.T, c cluster) {
	t.Helper()
	for _, b := range c.Brokers() {
		require.Empty(t, b.History().Requests(remoting.CodeUnregisterClient),
			"rocketmq-client-go v2.1.2 never sends UNREGISTER_CLIENT; if it does now, assert on it")
	}
}
