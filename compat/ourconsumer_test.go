package compat

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
)

// TestOurPushConsumerFedByPeers: rocketsim's own push consumer (client.NewPushConsumer) gets
// what the official Go producer (v2.1.2) and the Java 4.9.7 producer sent through the fakes,
// each message once, as sent: the producer's message id (UNIQ_KEY) and the broker's offset id,
// body (inflated when compressed), tags, keys and user properties. The Java producer's run
// covers its every send path (sync, async, oneway, batch, to a queue, by selector, compressed),
// the official one sync sends, every fifth compressed.
func TestOurPushConsumerFedByPeers(t *testing.T) {
	peer := requireJavaPeer(t)
	t.Parallel()
	c := startCluster(t)
	fake := backend.NewFake(c)
	ourPushConsumerFedByPeers(t, peer, c.NameServerAddr(), topic, func(want int) []*protocol.MessageExt {
		awaitCond(t, c, "every send stored", func() bool { return len(c.Messages(topic)) == want })
		ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
		defer cancel()
		stored, err := backend.Messages(ctx, fake, topic)
		require.NoError(t, err)
		return stored
	})
}

// TestOurPushConsumerFedByPeersOnRealServers is the same against real RocketMQ 4.9.7: both
// producers and our consumer talk to the real name server and brokers.
func TestOurPushConsumerFedByPeersOnRealServers(t *testing.T) {
	peer := requireJavaPeer(t)
	rc := realCluster.Cluster(t)
	topicName := uniqueName(t, "OurConsumerReal")
	realTopic(t, rc, topicName)
	ourPushConsumerFedByPeers(t, peer, rc.NameServerAddr(), topicName, func(want int) []*protocol.MessageExt {
		return realMessages(t, rc, topicName, want)
	})
}

// ourPushConsumerFedByPeers runs both producers into topic through the name server at nsAddr
// while our push consumer consumes it; stored waits until the brokers hold want messages of
// topic and returns them as they read back.
func ourPushConsumerFedByPeers(t *testing.T, peer *javaPeer, nsAddr, topic string, stored func(want int) []*protocol.MessageExt) {
	var (
		mu   sync.Mutex
		got  = map[string][]*client.MessageExt{} // by UNIQ_KEY
		wake = make(chan struct{}, 1)
	)
	pc, err := client.NewPushConsumer(
		client.WithGroup(uniqueName(t, "ocg")),
		client.WithNameServers(nsAddr),
		client.WithManager(client.NewManager()),
		client.WithInstanceName(uniqueName(t, "oci")),
		client.WithConsumeFromWhere(client.ConsumeFromFirstOffset),
		client.WithLogger(slog.New(slog.DiscardHandler)),
		client.WithConcurrentListener(func(_ context.Context, msgs []*client.MessageExt, _ *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			mu.Lock()
			for _, m := range msgs {
				got[m.ClientMsgID()] = append(got[m.ClientMsgID()], m)
			}
			mu.Unlock()
			select {
			case wake <- struct{}{}:
			default:
			}
			return client.ConsumeSuccess, nil
		}),
	)
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, "*"))

	// Half of the official producer's messages wait in the queues, the rest and the Java
	// producer's arrive while the consumer runs (answering its held pulls).
	p := newProducerAt(t, nsAddr)
	official := sent{}
	sendMixed(t, p, topic, 0, 10, official)
	require.NoError(t, pc.Start())
	t.Cleanup(pc.Shutdown)
	sendMixed(t, p, topic, 10, 10, official)
	java := peer.run(t, nil, nsAddr, "producer", topic, uniqueName(t, "jpg"), fmt.Sprint(javaPerOp))
	all := stored(len(official) + javaSends)

	deadline := time.After(waitDeadline)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(all) {
			break
		}
		select {
		case <-wake:
		case <-deadline:
			require.Failf(t, "timed out", "our push consumer got %d of %d messages", n, len(all))
		}
	}
	pc.Shutdown()

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, len(all), "nothing but what was stored")
	fromJava := 0
	for _, m := range all {
		ds := got[m.ClientMsgID()]
		require.Len(t, ds, 1, "%s (%v) delivered %d times", m.ClientMsgID(), m.Keys(), len(ds))
		d := ds[0]
		requireConsumedAsStored(t, topic, m, d)
		if w, ok := official[m.ClientMsgID()]; ok {
			require.Equal(t, w.Body, d.Body)
			require.Equal(t, w.GetTags(), d.Tags())
			require.Equal(t, w.GetKeys(), strings.Join(d.Keys(), " "))
			require.Equal(t, w.GetProperty("user-a"), d.Property("user-a"))
			require.Equal(t, w.GetProperty("user_b"), d.Property("user_b"))
			continue
		}
		// The Java peer's message i of op: body "{op} body {i}", tag, keys and properties from i.
		fromJava++
		op, _, ok := strings.Cut(string(d.Body), " body ")
		require.True(t, ok, "not a message of the peer: %q", d.Body[:min(len(d.Body), 40)])
		i := keyIndex(t, m.Keys())
		require.Equal(t, javaBody(op, i), d.Body)
		require.Equal(t, fmt.Sprintf("tag%d", i%3), d.Tags())
		require.Equal(t, []string{fmt.Sprintf("k%d", i), fmt.Sprintf("order-%d", i)}, d.Keys())
		require.Equal(t, fmt.Sprintf("va-%d", i), d.Property("user-a"))
		require.Equal(t, "value with spaces", d.Property("user_b"))
	}
	require.Equal(t, javaSends, fromJava)
	// Every id the Java client reported (a batch's comma-joined) is one our consumer got.
	for _, l := range java.lines {
		if l.MsgID == "" {
			continue
		}
		for id := range strings.SplitSeq(l.MsgID, ",") {
			require.Contains(t, got, id, "java %s %d", l.Op, l.I)
		}
	}
}

// requireConsumedAsStored checks what our consumer got against the message as the broker
// stored it and an admin pull reads it back.
func requireConsumedAsStored(t *testing.T, topic string, m, d *protocol.MessageExt) {
	t.Helper()
	require.Equal(t, m.ClientMsgID(), d.ClientMsgID(), "the producer's id (UNIQ_KEY)")
	require.Equal(t, m.UniqKey(), d.UniqKey())
	require.Equal(t, m.MsgID, d.MsgID, "the broker's offset id")
	require.Equal(t, topic, d.Topic)
	require.Equal(t, m.BrokerName, d.BrokerName)
	require.Equal(t, m.QueueID, d.QueueID)
	require.Equal(t, m.QueueOffset, d.QueueOffset)
	require.Equal(t, m.SysFlag, d.SysFlag)
	body, err := m.UncompressedBody(64 << 20)
	require.NoError(t, err)
	require.Equal(t, body, d.Body, "body, inflated")
	require.Equal(t, m.Tags(), d.Tags())
	require.Equal(t, m.Keys(), d.Keys())
	for k, v := range m.Properties {
		require.Equal(t, v, d.Property(k), "property %s", k)
	}
	require.Zero(t, d.ReconsumeTimes)
}
