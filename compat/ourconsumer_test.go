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

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
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

	var (
		mu   sync.Mutex
		got  = map[string][]*client.MessageExt{} // by UNIQ_KEY
		wake = make(chan struct{}, 1)
	)
	pc, err := client.NewPushConsumer(
		client.WithGroup(uniqueName(t, "ocg")),
		client.WithNameServers(c.NameServerAddr()),
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
	p := newProducer(t, c)
	official := sent{}
	sendMixed(t, p, 0, 10, official)
	require.NoError(t, pc.Start())
	t.Cleanup(pc.Shutdown)
	sendMixed(t, p, 10, 10, official)
	java := peer.run(t, nil, c.NameServerAddr(), "producer", topic, uniqueName(t, "jpg"), fmt.Sprint(javaPerOp))
	awaitCond(t, c, "every send stored", func() bool { return len(c.Messages(topic)) == len(official)+javaSends })
	stored := c.Messages(topic)

	deadline := time.After(waitDeadline)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(stored) {
			break
		}
		select {
		case <-wake:
		case <-deadline:
			require.Failf(t, "timed out", "our push consumer got %d of %d messages", n, len(stored))
		}
	}
	pc.Shutdown()

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, len(stored), "nothing but what was stored")
	fromJava := 0
	for _, m := range stored {
		ds := got[m.MsgID]
		require.Len(t, ds, 1, "%s (%v) delivered %d times", m.MsgID, m.Keys, len(ds))
		d := ds[0]
		requireConsumedAsStored(t, m, d)
		if w, ok := official[m.MsgID]; ok {
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
		i := indexOf(t, m)
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

// requireConsumedAsStored checks what our consumer got against the broker's stored message.
func requireConsumedAsStored(t *testing.T, m fakebroker.Message, d *client.MessageExt) {
	t.Helper()
	require.Equal(t, m.MsgID, d.ClientMsgID(), "the producer's id (UNIQ_KEY)")
	require.Equal(t, m.MsgID, d.UniqKey())
	require.Equal(t, m.OffsetMsgID, d.MsgID, "the broker's offset id")
	require.Equal(t, topic, d.Topic)
	require.Equal(t, m.Broker, d.BrokerName)
	require.Equal(t, m.QueueID, d.QueueID)
	require.Equal(t, m.QueueOffset, d.QueueOffset)
	require.Equal(t, m.SysFlag, d.SysFlag)
	require.Equal(t, m.Body, d.Body, "body, inflated")
	require.Equal(t, m.Tags, d.Tags())
	require.Equal(t, m.Keys, d.Keys())
	for k, v := range m.Properties {
		require.Equal(t, v, d.Property(k), "property %s", k)
	}
	require.Zero(t, d.ReconsumeTimes)
}
