package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// sent is what a test sent, by the producer's message id.
type sent map[string]*primitive.Message

// sendMixed sends n messages built by msgWith to topic, numbered from first; every fifth has a body over
// the compression threshold, so consumers also get compressed messages back.
func sendMixed(t *testing.T, p officialProducer, topic string, first, n int, into sent) {
	t.Helper()
	for i := first; i < first+n; i++ {
		body := fmt.Appendf(nil, "consume body %d", i)
		if i%5 == 0 {
			body = bytes.Repeat(fmt.Appendf(nil, "big %d;", i), 1200)
		}
		m := msgWith(i, body)
		m.Topic = topic
		r, err := p.SendSync(context.Background(), m)
		require.NoError(t, err)
		into[r.MsgID] = m
	}
}

// requireDelivered checks a consumed message against the one sent with its id.
func requireDelivered(t *testing.T, want *primitive.Message, got *primitive.MessageExt) {
	t.Helper()
	require.Equal(t, topic, got.Topic)
	require.Equal(t, want.Body, got.Body, "body (inflated by the client when compressed)")
	require.Equal(t, want.GetTags(), got.GetTags())
	require.Equal(t, want.GetKeys(), got.GetKeys())
	require.Equal(t, want.GetProperty("user-a"), got.GetProperty("user-a"))
	require.Equal(t, want.GetProperty("user_b"), got.GetProperty("user_b"))
	require.Equal(t, len(want.Body) >= 4096, got.SysFlag&protocol.SysFlagCompressed != 0, "compressed bit")
}

// awaitOffsetsCommitted waits until group's committed offset of every queue of topic on every
// broker is the queue's max offset, i.e. everything consumed was committed to the broker.
func awaitOffsetsCommitted(t *testing.T, c cluster, group string) {
	t.Helper()
	awaitCond(t, c, "committed offsets of "+group, func() bool {
		for _, b := range c.Brokers() {
			for q := range int32(topicQueues) {
				off, ok := b.ConsumerOffset(group, topic, q)
				if !ok || off != b.MaxOffset(topic, q) {
					return false
				}
			}
		}
		return true
	})
}

// TestPushConsumerReceivesEverything: messages sent before and after a push consumer starts all
// reach it, exactly once, with their properties and bodies; its offsets reach the brokers.
//
// Exactly once, not at least once: with one consumer in the group, every queue stays with it
// (no rebalance moves a queue), and the listener always answers ConsumeSuccess, so v2.1.2 has
// no reason to deliver a message twice (it redelivers only on ConsumeRetryLater, via
// CONSUMER_SEND_MSG_BACK, or when a queue changes owner before its offset was committed).
func TestPushConsumerReceivesEverything(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	p := newProducer(t, c)
	want := sent{}
	sendMixed(t, p, topic, 0, 20, want)
	p.awaitWarm(t, c)

	group := uniqueName(t, "cg")
	pc := newPushConsumer(t, c, group, p.instance)
	var (
		mu       sync.Mutex
		got      = map[string][]*primitive.MessageExt{}
		total    int
		complete = make(chan struct{})
		expected = 40
	)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			got[m.MsgId] = append(got[m.MsgId], m)
			total++
		}
		if total == expected {
			close(complete)
		}
		return consumer.ConsumeSuccess, nil
	}))
	require.NoError(t, pc.Start())
	shutdownOnce := sync.OnceFunc(func() { require.NoError(t, pc.Shutdown()) })
	t.Cleanup(shutdownOnce)

	sendMixed(t, p, topic, 20, 20, want)
	select {
	case <-complete:
	case <-time.After(waitDeadline):
		mu.Lock()
		defer mu.Unlock()
		require.Failf(t, "timed out", "push consumer got %d of %d messages", total, expected)
	}

	mu.Lock()
	require.Len(t, got, len(want))
	for id, ms := range got {
		require.Len(t, ms, 1, "message %s delivered %d times", id, len(ms))
		w, ok := want[id]
		require.True(t, ok, "unexpected message %s", id)
		requireDelivered(t, w, ms[0])
	}
	mu.Unlock()

	// The client commits with UPDATE_CONSUMER_OFFSET (15) from its persist loop (first run
	// 10 s after its start, then every 5 s) and on Shutdown; either way the broker must end
	// up with every queue's max offset.
	awaitOffsetsCommitted(t, c, group)
	shutdownOnce()
	for _, b := range c.Brokers() {
		require.NotEmpty(t, b.History().Requests(remoting.CodeUpdateConsumerOffset))
	}
}

// TestPullConsumerCommitsOffsets: the v2.1.2 pull consumer (Poll/ACK) gets every message, and
// PersistOffset commits its acknowledged offsets to the brokers.
func TestPullConsumerCommitsOffsets(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	p := newProducer(t, c)
	want := sent{}
	sendMixed(t, p, topic, 0, 24, want)
	p.awaitWarm(t, c)

	group := uniqueName(t, "cg")
	pc, err := rocketmq.NewPullConsumer(
		consumer.WithNameServer([]string{c.NameServerAddr()}),
		consumer.WithGroupName(group),
		consumer.WithInstance(p.instance),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	)
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}))
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Shutdown() })

	got := map[string]*primitive.MessageExt{}
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	for len(got) < len(want) {
		cr, err := pc.Poll(ctx, time.Second)
		if errors.Is(err, consumer.ErrNoNewMsg) {
			require.NoError(t, ctx.Err(), "pull consumer got %d of %d messages", len(got), len(want))
			continue
		}
		require.NoError(t, err)
		for _, m := range cr.GetMsgList() {
			_, dup := got[m.MsgId]
			require.False(t, dup, "message %s polled twice", m.MsgId)
			got[m.MsgId] = m
		}
		pc.ACK(ctx, cr, consumer.ConsumeSuccess)
	}
	for id, m := range got {
		w, ok := want[id]
		require.True(t, ok, "unexpected message %s", id)
		requireDelivered(t, w, m)
	}

	require.NoError(t, pc.PersistOffset(ctx, topic))
	awaitOffsetsCommitted(t, c, group)
}
