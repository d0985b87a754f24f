package conformance

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// Our consumers against real RocketMQ 4.9.7, fed by our producer: what arrives, how a group's
// members share the queues, ordered consumption under the brokers' locks, a retry coming back
// from the broker, and a lite pull consumer resuming from its committed offsets.

// consumeWithin bounds every wait for consumption: generous, since the JVM brokers share two
// cores with the other tests; a healthy run takes a second or two.
const consumeWithin = 30 * time.Second

// consumerOptions are the tests' consumer settings: an instance of its own (two members of one
// group must be two client ids to the broker), a group with no offset starting at the first
// message, and rebalance and offset writes every second instead of Java's 20 s and 5 s.
func consumerOptions(c *realrmq.Cluster, group string, opts ...client.Option) []client.Option {
	base := []client.Option{
		client.WithGroup(group),
		client.WithNameServers(c.NameServerAddr()),
		client.WithManager(client.NewManager()),
		client.WithInstanceName(unique("ConfInst")),
		client.WithPollNameServerInterval(pollInterval),
		client.WithHeartbeatInterval(time.Second),
		client.WithRebalanceInterval(time.Second),
		client.WithPersistConsumerOffsetInterval(time.Second, time.Second),
		client.WithConsumeFromWhere(client.ConsumeFromFirstOffset),
		client.WithLogger(slog.New(slog.DiscardHandler)),
	}
	return append(base, opts...)
}

// startPush starts a push consumer of group subscribed to topic with expr, shut down when the
// test ends.
func startPush(t *testing.T, c *realrmq.Cluster, group, topic, expr string, opts ...client.Option) *client.PushConsumer {
	t.Helper()
	pc, err := client.NewPushConsumer(consumerOptions(c, group, opts...)...)
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, expr))
	require.NoError(t, pc.Start())
	t.Cleanup(pc.Shutdown)
	return pc
}

// received collects what listeners were given, and wakes a waiter at each arrival.
type received struct {
	mu   sync.Mutex
	msgs []*client.MessageExt
	by   []string // the client id of the consumer each message went to
	wake chan struct{}
}

func newReceived() *received { return &received{wake: make(chan struct{}, 1)} }

func (r *received) add(who string, msgs []*client.MessageExt) {
	r.mu.Lock()
	r.msgs = append(r.msgs, msgs...)
	for range msgs {
		r.by = append(r.by, who)
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *received) snapshot() ([]*client.MessageExt, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs), slices.Clone(r.by)
}

// waitCount waits, on arrivals, until n messages were received, and returns them.
func (r *received) waitCount(t *testing.T, n int) []*client.MessageExt {
	t.Helper()
	deadline := time.NewTimer(consumeWithin)
	defer deadline.Stop()
	for {
		msgs, _ := r.snapshot()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-r.wake:
		case <-deadline.C:
			t.Fatalf("received %d of %d messages within %v", len(msgs), n, consumeWithin)
		}
	}
}

// concurrentInto is a listener that records every batch into r.
func concurrentInto(r *received, who func() string) client.Option {
	return client.WithConcurrentListener(func(_ context.Context, msgs []*client.MessageExt, _ *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
		r.add(who(), msgs)
		return client.ConsumeSuccess, nil
	})
}

// consumedOffsets is the sum of a push consumer's consumed offsets in topic's queues.
func consumedOffsets(pc *client.PushConsumer, topic string) int64 {
	var sum int64
	for mq, off := range pc.Consumption().Offsets {
		if mq.Topic == topic {
			sum += off
		}
	}
	return sum
}

// topicQueues are topic's queues on the named brokers, queues each.
func topicQueues(topic string, queues int, brokers ...string) []client.MessageQueue {
	var out []client.MessageQueue
	for _, b := range brokers {
		for q := range queues {
			out = append(out, client.MessageQueue{Topic: topic, BrokerName: b, QueueID: q})
		}
	}
	return out
}

// heldQueues are the queues of topic the consumer consumes now, sorted.
func heldQueues(pc *client.PushConsumer, topic string) []client.MessageQueue {
	var out []client.MessageQueue
	for mq := range pc.Consumption().Queues {
		if mq.Topic == topic {
			out = append(out, mq)
		}
	}
	slices.SortFunc(out, compareQueues)
	return out
}

func compareQueues(a, b client.MessageQueue) int {
	if a.BrokerName != b.BrokerName {
		if a.BrokerName < b.BrokerName {
			return -1
		}
		return 1
	}
	return a.QueueID - b.QueueID
}

func TestConsumerPushClustering(t *testing.T) {
	c := shared.Cluster(t)
	p := newProducer(t, c, unique("ConfPushPG"))
	tags := []string{"A", "B", "C"}
	for _, tc := range []struct {
		expr string
		tags []string
	}{
		{"*", []string{"A", "B", "C"}},
		{"A || B", []string{"A", "B"}},
		{"C", []string{"C"}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			topic := unique("ConfPush")
			createTopic(t, c, topic, 2) // on both brokers: 4 queues
			queues := topicQueues(topic, 2, "broker-a", "broker-b")
			r := newReceived()
			pc := startPush(t, c, unique("ConfPushCG"), topic, tc.expr, concurrentInto(r, func() string { return "" }))

			const n = 24
			want := map[string]string{} // key -> body, of the messages the expression selects
			tagOf := map[string]string{}
			send := func(key, tag, body string, mq *client.MessageQueue) {
				msg := client.NewMessage(topic, []byte(body))
				msg.SetTags(tag)
				msg.SetKeys(key)
				var res *client.SendResult
				var err error
				if mq == nil {
					res, err = p.Send(t.Context(), msg)
				} else {
					res, err = p.SendToQueue(t.Context(), msg, *mq)
				}
				require.NoError(t, err)
				require.Equal(t, client.SendOK, res.Status)
				tagOf[key] = tag
				if slices.Contains(tc.tags, tag) {
					want[key] = body
				}
			}
			for i := range n {
				send(fmt.Sprintf("key-%d", i), tags[i%len(tags)], fmt.Sprintf("push %d", i), nil)
			}
			// A last selected message in every queue: once the consumer has consumed it, it has
			// gone past every message before it, those the broker filtered out included.
			for i, mq := range queues {
				send(fmt.Sprintf("last-%d", i), tc.tags[0], fmt.Sprintf("last of %d", i), &mq)
			}

			r.waitCount(t, len(want))
			require.Eventually(t, func() bool { return consumedOffsets(pc, topic) == int64(n+len(queues)) }, consumeWithin, 20*time.Millisecond,
				"the consumer's offsets reach the queues' ends")

			msgs, _ := r.snapshot()
			got := map[string]string{}
			for _, m := range msgs {
				require.Len(t, m.Keys(), 1)
				key := m.Keys()[0]
				_, twice := got[key]
				require.False(t, twice, "%s arrived twice", key)
				got[key] = string(m.Body)
				assert.Equal(t, topic, m.Topic)
				assert.Equal(t, tagOf[key], m.Tags(), key)
				assert.Zero(t, m.ReconsumeTimes, key)
			}
			require.Equal(t, want, got, "every message of the expression with its body, each once, and no other")
		})
	}
}

func TestConsumerGroupSplitsQueues(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfSplit")
	createTopic(t, c, topic, 4) // on both brokers: 8 queues
	all := topicQueues(topic, 4, "broker-a", "broker-b")
	group := unique("ConfSplitCG")
	r := newReceived()

	var first, second *client.PushConsumer
	first = startPush(t, c, group, topic, "*", concurrentInto(r, func() string { return first.ClientID() }))
	require.Eventually(t, func() bool { return slices.Equal(all, heldQueues(first, topic)) }, consumeWithin, 20*time.Millisecond,
		"a lone member holds every queue")

	second = startPush(t, c, group, topic, "*", concurrentInto(r, func() string { return second.ClientID() }))
	require.NotEqual(t, first.ClientID(), second.ClientID())
	// The broker tells the first member (NOTIFY_CONSUMER_IDS_CHANGED) and both rebalance:
	// averagely, four queues each, none held by both.
	require.Eventually(t, func() bool {
		a, b := heldQueues(first, topic), heldQueues(second, topic)
		union := slices.SortedFunc(slices.Values(append(slices.Clone(a), b...)), compareQueues)
		return len(a) == 4 && len(b) == 4 && slices.Equal(all, union)
	}, consumeWithin, 20*time.Millisecond, "the two members split the queues")
	conns, err := admin.ConsumerConnections(adminCtx(t), shared.Client(), brokerAddr(t, c, "broker-a"), group)
	require.NoError(t, err)
	var ids []string
	for _, conn := range conns.ConnectionSet {
		ids = append(ids, conn.ClientID)
	}
	require.ElementsMatch(t, []string{first.ClientID(), second.ClientID()}, ids, "the broker knows both members")

	p := newProducer(t, c, unique("ConfSplitPG"))
	const n = 40
	sentBy := map[string]client.MessageQueue{}
	for i := range n {
		res, err := p.Send(t.Context(), client.NewMessage(topic, fmt.Appendf(nil, "split %d", i)))
		require.NoError(t, err)
		sentBy[res.MsgID] = res.Queue
	}
	msgs := r.waitCount(t, n)
	_, by := r.snapshot()
	owner := map[client.MessageQueue]string{}
	for _, mq := range heldQueues(first, topic) {
		owner[mq] = first.ClientID()
	}
	for _, mq := range heldQueues(second, topic) {
		owner[mq] = second.ClientID()
	}
	got := map[string]int{}
	for i, m := range msgs {
		got[m.UniqKey()]++
		mq, ok := sentBy[m.UniqKey()]
		require.True(t, ok, "a message we sent")
		assert.Equal(t, owner[mq], by[i], "%v is consumed by the member that holds it", mq)
	}
	require.Len(t, got, n, "every message arrived")
	for id, times := range got {
		assert.Equal(t, 1, times, "%s arrived once", id)
	}
	consumers := map[string]bool{}
	for _, who := range by {
		consumers[who] = true
	}
	assert.Len(t, consumers, 2, "both members consumed")
}

func TestConsumerOrderly(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfOrder")
	createTopic(t, c, topic, 4, "broker-a")
	group := unique("ConfOrderCG")

	queue3 := client.MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 3}
	// Two orders, each to a queue of its own by a selector, and a third by queue, sent before
	// the consumer starts so that its pulls bring many messages of a queue at once.
	p := newProducer(t, c, unique("ConfOrderPG"))
	const perOrder = 15
	want := map[client.MessageQueue][]string{}
	for i := range perOrder {
		for id := range 2 {
			body := fmt.Sprintf("order %d step %d", id, i)
			res, err := p.SendWithSelector(t.Context(), client.NewMessage(topic, []byte(body)),
				func(queues []client.MessageQueue, _ *client.Message) (client.MessageQueue, error) {
					return queues[id%len(queues)], nil
				})
			require.NoError(t, err)
			want[res.Queue] = append(want[res.Queue], body)
		}
		body := fmt.Sprintf("order 3 step %d", i)
		res, err := p.SendToQueue(t.Context(), client.NewMessage(topic, []byte(body)), queue3)
		require.NoError(t, err)
		require.Equal(t, queue3, res.Queue)
		want[res.Queue] = append(want[res.Queue], body)
	}
	require.Len(t, want, 3, "three queues")

	type got struct {
		mq   client.MessageQueue
		body string
	}
	var mu sync.Mutex
	var consumed []got
	busy := map[client.MessageQueue]bool{} // a queue whose batch is in the listener now
	started := map[client.MessageQueue]bool{}
	overlaps, unfilled := 0, 0
	var consumer atomic.Pointer[client.PushConsumer]
	// pulledAll waits until the consumer has pulled every message of mq into its cache.
	pulledAll := func(mq client.MessageQueue) bool {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if pc := consumer.Load(); pc != nil && pc.Consumption().Queues[mq].CachedMsgMaxOffset == perOrder-1 {
				return true
			}
			time.Sleep(5 * time.Millisecond)
		}
		return false
	}
	r := newReceived()
	// Small pulls: a queue's messages come in several pulls, each handing the queue to the
	// consume goroutines again. The first batch of a queue is held in the listener until every
	// pull has come: the later batches must still wait for it, and come in order.
	pc := startPush(t, c, group, topic, "*", client.WithPullBatchSize(4), client.WithOrderlyListener(
		func(_ context.Context, msgs []*client.MessageExt, oc *client.ConsumeOrderlyContext) (client.ConsumeOrderlyStatus, error) {
			mq := oc.MessageQueue
			mu.Lock()
			if busy[mq] {
				overlaps++
			}
			busy[mq] = true
			first := !started[mq]
			started[mq] = true
			for _, m := range msgs {
				consumed = append(consumed, got{mq, string(m.Body)})
			}
			mu.Unlock()
			if first && !pulledAll(mq) {
				mu.Lock()
				unfilled++
				mu.Unlock()
			}
			mu.Lock()
			busy[mq] = false
			mu.Unlock()
			r.add("", msgs)
			return client.ConsumeOrderlySuccess, nil
		}))
	consumer.Store(pc)

	r.waitCount(t, 3*perOrder)
	mu.Lock()
	gotByQueue := map[client.MessageQueue][]string{}
	for _, g := range consumed {
		gotByQueue[g.mq] = append(gotByQueue[g.mq], g.body)
	}
	overlapped, notPulled := overlaps, unfilled
	mu.Unlock()
	require.Equal(t, want, gotByQueue, "each queue's messages in the order they were sent, each once")
	require.Zero(t, overlapped, "batches of one queue in the listener at once")
	require.Zero(t, notPulled, "queues whose messages were not all pulled while their first batch was consumed")

	all := topicQueues(topic, 4, "broker-a")
	require.Eventually(t, func() bool {
		q := pc.Consumption().Queues
		for _, mq := range all {
			if info, ok := q[mq]; !ok || !info.Locked {
				return false
			}
		}
		return true
	}, consumeWithin, 20*time.Millisecond, "the consumer holds every queue, locked")

	// The broker holds the locks for our client id: it renews them for it, and gives none of
	// them to another client of the group.
	var mqs []protocol.MessageQueue
	for _, mq := range all {
		mqs = append(mqs, protocol.MessageQueue{Topic: mq.Topic, BrokerName: mq.BrokerName, QueueID: int32(mq.QueueID)})
	}
	lock := func(clientID string) []protocol.MessageQueue {
		body := &protocol.LockBatchRequestBody{ConsumerGroup: group, ClientID: clientID, MQSet: mqs}
		resp, err := shared.Client().Invoke(adminCtx(t), brokerAddr(t, c, "broker-a"), remoting.NewRequest(remoting.CodeLockBatchMQ, nil, body.Encode()))
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		locked, err := protocol.DecodeLockBatchResponseBody(resp.Body)
		require.NoError(t, err)
		return locked.LockOKMQSet
	}
	assert.Empty(t, lock(unique("127.0.0.1@intruder")), "another client gets none of the locked queues")
	assert.ElementsMatch(t, mqs, lock(pc.ClientID()), "the holder's locks are renewed")
}

func TestConsumerRetryFromBroker(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfRetry")
	createTopic(t, c, topic, 2)
	group := unique("ConfRetryCG")

	type delivery struct {
		at    time.Time
		queue client.MessageQueue
		msg   *client.MessageExt
	}
	deliveries := make(chan delivery, 16)
	startPush(t, c, group, topic, "*", client.WithConcurrentListener(
		func(_ context.Context, msgs []*client.MessageExt, cc *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			for _, m := range msgs {
				deliveries <- delivery{time.Now(), cc.MessageQueue, m}
			}
			if msgs[0].ReconsumeTimes == 0 {
				cc.DelayLevelWhenNextConsume = 1 // the broker's first level: 1 s in 4.9.7's default messageDelayLevel
				return client.ReconsumeLater, nil
			}
			return client.ConsumeSuccess, nil
		}))

	p := newProducer(t, c, unique("ConfRetryPG"))
	msg := client.NewMessage(topic, []byte("fail once"))
	msg.SetTags("TagR")
	msg.SetKeys("retry-key")
	res, err := p.Send(t.Context(), msg)
	require.NoError(t, err)

	next := func() delivery {
		t.Helper()
		select {
		case d := <-deliveries:
			return d
		case <-time.After(consumeWithin):
			t.Fatalf("no delivery within %v", consumeWithin)
			return delivery{}
		}
	}
	first := next()
	require.Equal(t, res.MsgID, first.msg.UniqKey())
	require.Zero(t, first.msg.ReconsumeTimes)

	again := next()
	m := again.msg
	assert.Equal(t, res.MsgID, m.UniqKey(), "the same message")
	assert.Equal(t, int32(1), m.ReconsumeTimes)
	assert.Equal(t, topic, m.Topic, "the listener sees the topic it was sent to")
	assert.Equal(t, "fail once", string(m.Body))
	assert.Equal(t, "TagR", m.Tags())
	assert.Equal(t, []string{"retry-key"}, m.Keys())
	assert.Equal(t, topic, m.Properties[protocol.PropertyRetryTopic], "the broker keeps the original topic")
	assert.Equal(t, topic, first.queue.Topic)
	assert.Equal(t, "%RETRY%"+group, again.queue.Topic, "it came back through the group's retry queue")
	// Level 1, not the level the broker picks when the client leaves it (3 + reconsume times:
	// 10 s); the margin above 1 s is the %RETRY% route reaching the consumer.
	waited := again.at.Sub(first.at)
	t.Logf("came back after %v", waited)
	assert.GreaterOrEqual(t, waited, 900*time.Millisecond, "not before delay level 1 (1 s, less the store's rounding)")
	assert.Less(t, waited, 8*time.Second, "well before level 3's 10 s")
}

func TestConsumerLitePullResumesAfterCommit(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfLite")
	createTopic(t, c, topic, 2, "broker-a")
	queues := topicQueues(topic, 2, "broker-a")
	group := unique("ConfLiteCG")
	p := newProducer(t, c, unique("ConfLitePG"))
	send := func(prefix string, perQueue int) map[string]bool {
		out := map[string]bool{}
		for i := range perQueue {
			for _, mq := range queues {
				body := fmt.Sprintf("%s q%d #%d", prefix, mq.QueueID, i)
				_, err := p.SendToQueue(t.Context(), client.NewMessage(topic, []byte(body)), mq)
				require.NoError(t, err)
				out[body] = true
			}
		}
		return out
	}
	newLite := func() *client.LitePullConsumer {
		// Offsets reach the broker only when the test says: CommitOffsets and Shutdown.
		lc, err := client.NewLitePullConsumer(consumerOptions(c, group, client.WithAutoCommit(false),
			client.WithPollTimeout(time.Second), client.WithPersistConsumerOffsetInterval(time.Hour, time.Hour))...)
		require.NoError(t, err)
		require.NoError(t, lc.Subscribe(topic, "*"))
		require.NoError(t, lc.Start())
		t.Cleanup(lc.Shutdown)
		return lc
	}
	poll := func(lc *client.LitePullConsumer, want map[string]bool) {
		t.Helper()
		got := map[string]bool{}
		deadline := time.Now().Add(consumeWithin)
		for len(got) < len(want) {
			require.True(t, time.Now().Before(deadline), "polled %d of %d messages", len(got), len(want))
			msgs, err := lc.Poll(t.Context())
			require.NoError(t, err)
			for _, m := range msgs {
				body := string(m.Body)
				require.True(t, want[body], "a message of this round: %q", body)
				require.False(t, got[body], "polled twice: %q", body)
				got[body] = true
			}
		}
	}

	ctx := adminCtx(t)
	brokerOffsets := func() map[int32]int64 {
		stats, err := admin.ConsumeStats(ctx, shared.Client(), brokerAddr(t, c, "broker-a"), group, topic)
		require.NoError(t, err)
		out := map[int32]int64{}
		for mq, o := range stats.OffsetTable {
			out[mq.QueueID] = o.ConsumerOffset
		}
		return out
	}
	// waitBrokerOffsets waits for the broker to apply offsets written oneway (as Java writes
	// them): it does so on a thread pool of its own, after answering requests that came later.
	waitBrokerOffsets := func(want map[int32]int64, what string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; {
			got := brokerOffsets()
			if maps.Equal(want, got) || time.Now().After(deadline) {
				require.Equal(t, want, got, what)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	before := send("before", 3)
	lc := newLite()
	poll(lc, before)
	// A 4.9.7 broker loses offsets when a group's first writes for a topic come together: two
	// threads of its pool each create the topic@group table (ConsumerOffsetManager.commitOffset
	// checks, then puts), the last one wins. So the first write is one queue's, alone.
	q0 := queues[0]
	require.NoError(t, lc.CommitOffsets(ctx, map[client.MessageQueue]int64{q0: 3}, true))
	waitBrokerOffsets(map[int32]int64{0: 3, 1: 0}, "the broker holds queue 0's offset")
	lc.Commit()
	lc.Shutdown() // writes the committed offsets to the broker
	waitBrokerOffsets(map[int32]int64{0: 3, 1: 3}, "the broker holds the committed offsets")

	// A restart resumes after them: each queue's new messages come with none of the old
	// before them.
	after := send("after", 2)
	poll(newLite(), after)
}
