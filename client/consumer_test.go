package client

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// consumerOptions are what every test consumer needs to reach the rig.
func (r *rig) consumerOptions(opts ...Option) []Option {
	return append([]Option{
		WithNameServers(r.c.NameServerAddr()), WithDialer(r.mem.Dial), WithManager(r.m),
		WithClientIP(testIP), WithGroup("cg"), WithOffsetStoreDir(r.t.TempDir()),
	}, opts...)
}

// pushConsumer returns a push consumer subscribed to topics ("*"), shut down when the test ends.
func (r *rig) pushConsumer(topics []string, opts ...Option) *PushConsumer {
	r.t.Helper()
	c, err := NewPushConsumer(r.consumerOptions(opts...)...)
	require.NoError(r.t, err)
	for _, topic := range topics {
		require.NoError(r.t, c.Subscribe(topic, "*"))
	}
	r.t.Cleanup(c.Shutdown)
	return c
}

// collector is a concurrent listener that hands every message it gets to a channel.
type collector struct {
	ch chan *MessageExt
}

func newCollector() *collector { return &collector{ch: make(chan *MessageExt, 10000)} }

func (k *collector) listener(_ context.Context, msgs []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
	for _, m := range msgs {
		k.ch <- m
	}
	return ConsumeSuccess, nil
}

// take waits (in virtual time) for n messages; the test fails after within without them.
func (k *collector) take(t *testing.T, n int, within time.Duration) []*MessageExt {
	t.Helper()
	return takeFrom(t, k.ch, n, within)
}

// none checks that nothing more arrives within d.
func (k *collector) none(t *testing.T, d time.Duration) {
	t.Helper()
	noneFrom(t, k.ch, d, func(m *MessageExt) string {
		return fmt.Sprintf("message %s at offset %d of %s", m.Body, m.QueueOffset, m.BrokerName)
	})
}

// takeFrom waits (in virtual time) for n values from ch; the test fails after within without them.
func takeFrom[T any](t *testing.T, ch <-chan T, n int, within time.Duration) []T {
	t.Helper()
	deadline := time.After(within)
	var out []T
	for len(out) < n {
		select {
		case v := <-ch:
			out = append(out, v)
		case <-deadline:
			t.Fatalf("got %d of %d within %v", len(out), n, within)
		}
	}
	return out
}

// noneFrom checks that ch gives nothing within d; describe names what came instead.
func noneFrom[T any](t *testing.T, ch <-chan T, d time.Duration, describe func(T) string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s", describe(v))
	case <-time.After(d):
	}
}

func bodies(msgs []*MessageExt) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Body))
	}
	return out
}

func TestPushConsumerConsumesWhatWasSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		var sent []string
		for i := range 20 {
			body := "m" + string(rune('a'+i))
			send(t, p, "T", body)
			sent = append(sent, body)
		}
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		got := k.take(t, 20, time.Minute)
		require.ElementsMatch(t, sent, bodies(got))
		k.none(t, 10*time.Second)
	})
}

// sendN sends n messages "<prefix>0".."<prefix>n-1" to topic and returns their bodies.
func sendN(t *testing.T, p *Producer, topic, prefix string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		body := fmt.Sprintf("%s%d", prefix, i)
		send(t, p, topic, body)
		out = append(out, body)
	}
	return out
}

func TestPushConsumerStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener))
		require.Equal(t, StateCreateJust, c.State())
		require.Equal(t, "", c.ClientID())
		require.NoError(t, c.Start())
		require.Equal(t, StateRunning, c.State())
		err := c.Start()
		require.EqualError(t, err, "The PushConsumer service state not OK, maybe started once, RUNNING"+seeFAQ)
		require.ErrorIs(t, err, ErrNotRunning)
		c.Shutdown()
		require.Equal(t, StateShutdownAlready, c.State())
		require.EqualError(t, c.Start(), "The PushConsumer service state not OK, maybe started once, SHUTDOWN_ALREADY"+seeFAQ)
		c.Shutdown() // a no-op
		require.Empty(t, r.m.ClientIDs())
	})
}

func TestPushConsumerFailedStartIsFinal(t *testing.T) {
	const moreInfo = "\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/"
	listener := WithConcurrentListener(newCollector().listener)
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"default group", []Option{WithGroup(DefaultConsumerGroup), listener}, "consumerGroup can not equal DEFAULT_CONSUMER, please specify another one." + seeFAQ},
		{"blank group", []Option{WithGroup(" "), listener}, "the specified group is blank" + moreInfo},
		{"no listener", nil, "messageListener is null" + seeFAQ},
		{"consumeThreadMin", []Option{listener, WithConsumeGoroutines(0, 20)}, "consumeThreadMin Out of range [1, 1000]" + seeFAQ},
		{"consumeThreadMax", []Option{listener, WithConsumeGoroutines(20, 1001)}, "consumeThreadMax Out of range [1, 1000]" + seeFAQ},
		{"min over max", []Option{listener, WithConsumeGoroutines(30, 20)}, "consumeThreadMin (30) is larger than consumeThreadMax (20)" + moreInfo},
		{"span", []Option{listener, WithConsumeConcurrentlyMaxSpan(65536)}, "consumeConcurrentlyMaxSpan Out of range [1, 65535]" + seeFAQ},
		{"queue threshold", []Option{listener, WithPullThresholdForQueue(0)}, "pullThresholdForQueue Out of range [1, 65535]" + seeFAQ},
		{"topic threshold", []Option{listener, WithPullThresholdForTopic(0)}, "pullThresholdForTopic Out of range [1, 6553500]" + seeFAQ},
		{"queue size", []Option{listener, WithPullThresholdSizeForQueue(1025)}, "pullThresholdSizeForQueue Out of range [1, 1024]" + seeFAQ},
		{"topic size", []Option{listener, WithPullThresholdSizeForTopic(102401)}, "pullThresholdSizeForTopic Out of range [1, 102400]" + seeFAQ},
		{"interval", []Option{listener, WithPullInterval(66 * time.Second)}, "pullInterval Out of range [0, 65535]" + seeFAQ},
		{"consume batch", []Option{listener, WithConsumeMessageBatchMaxSize(1025)}, "consumeMessageBatchMaxSize Out of range [1, 1024]" + seeFAQ},
		{"pull batch", []Option{listener, WithPullBatchSize(0)}, "pullBatchSize Out of range [1, 1024]" + seeFAQ},
		{"model", []Option{listener, WithMessageModel("SIDEWAYS")}, "messageModel is null" + seeFAQ},
		{"strategy", []Option{listener, WithAllocateStrategy(nil)}, "allocateMessageQueueStrategy is null" + seeFAQ},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				c := r.pushConsumer(nil, tc.opts...)
				err := c.Start()
				require.EqualError(t, err, tc.want)
				var ce *ClientError
				require.ErrorAs(t, err, &ce)
				require.Equal(t, -1, ce.Code)
				require.Equal(t, StateStartFailed, c.State())
				require.EqualError(t, c.Start(), "The PushConsumer service state not OK, maybe started once, START_FAILED"+seeFAQ)
				require.Empty(t, r.m.ClientIDs(), "no instance was made")
			})
		})
	}
}

func TestConsumerGroupIsRegisteredLikeAProducerGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		shared := WithInstanceName("shared")
		listener := WithConcurrentListener(newCollector().listener)
		p := r.started(shared)
		c1 := r.pushConsumer([]string{"T"}, shared, listener)
		require.NoError(t, c1.Start())
		require.Equal(t, p.ClientID(), c1.ClientID(), "a producer and a consumer with one client id share the instance")
		require.Equal(t, []string{p.ClientID()}, r.m.ClientIDs())

		c2 := r.pushConsumer([]string{"T"}, shared, listener)
		err := c2.Start()
		require.EqualError(t, err, "The consumer group[cg] has been created before, specify another name please."+seeFAQ)
		require.ErrorIs(t, err, ErrGroupExists)
		require.Equal(t, StateCreateJust, c2.State(), "only the duplicate group goes back to CREATE_JUST")
		c2.SetGroup("cg2")
		require.NoError(t, c2.Start())
		require.Equal(t, []string{"cg", "cg2"}, p.Snapshot().ConsumerGroups)

		// The heartbeat carries the producer and both consumer groups, to slaves as well.
		time.Sleep(firstHeartbeat)
		synctest.Wait()
		for _, row := range r.c.ClientRows() {
			require.Equal(t, p.ClientID(), row.ClientID)
			require.Equal(t, []string{"cg", "cg2"}, row.ConsumerGroups, row.Broker)
			require.Contains(t, row.ProducerGroups, "pg", row.Broker)
		}

		// The instance lives until its last user leaves.
		p.Shutdown()
		c1.Shutdown()
		require.Equal(t, []string{c2.ClientID()}, r.m.ClientIDs())
		c2.Shutdown()
		require.Empty(t, r.m.ClientIDs())
	})
}

func TestHeartbeatCarriesConsumerData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, append(fakecluster2Brokers(), fakecluster.WithSlaves(true))...)
		c := r.pushConsumer(nil, WithConcurrentListener(newCollector().listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Subscribe("T", "TagA || TagB"))
		require.NoError(t, c.Start())
		synctest.Wait()

		beats := r.broker("broker-a").History().Requests(remoting.CodeHeartBeat)
		require.NotEmpty(t, beats, "Start sends a round of heartbeats")
		hb, err := protocol.DecodeHeartbeatData(beats[len(beats)-1].Body)
		require.NoError(t, err)
		require.Equal(t, c.ClientID(), hb.ClientID)
		require.Len(t, hb.ConsumerDataSet, 1)
		cd := hb.ConsumerDataSet[0]
		require.Equal(t, "cg", cd.GroupName)
		require.Equal(t, protocol.ConsumePassively, cd.ConsumeType)
		require.Equal(t, protocol.Clustering, cd.MessageModel)
		require.Equal(t, protocol.ConsumeFromFirstOffset, cd.ConsumeFromWhere)
		subs := map[string]protocol.SubscriptionData{}
		for _, sd := range cd.SubscriptionDataSet {
			subs[sd.Topic] = sd
		}
		require.Equal(t, []string{"TagA", "TagB"}, subs["T"].TagsSet)
		require.Equal(t, []int32{2598919, 2598920}, subs["T"].CodeSet, "Java's String.hashCode of each tag")
		require.Equal(t, "TagA || TagB", subs["T"].SubString)
		require.Equal(t, "*", subs["%RETRY%cg"].SubString, "a clustering consumer also consumes its retry topic")
		require.Equal(t, []string{InnerProducerGroup}, producerGroups(hb))

		require.NotEmpty(t, r.slave("broker-a").History().Requests(remoting.CodeHeartBeat),
			"a client with consumers heartbeats to slaves too, which serve its pulls")
		require.Contains(t, r.broker("broker-b").Subscriptions("cg"), "T")
	})
}

func producerGroups(hb *protocol.HeartbeatData) []string {
	var out []string
	for _, p := range hb.ProducerDataSet {
		out = append(out, p.GroupName)
	}
	return out
}

func TestShutdownUnregistersTheConsumerGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(newCollector().listener))
		require.NoError(t, c.Start())
		synctest.Wait()
		require.NotEmpty(t, r.broker("broker-a").ConsumerIDs("cg"))
		c.Shutdown()
		synctest.Wait()
		for _, b := range []string{"broker-a", "broker-b"} {
			var groups []string
			for _, e := range r.broker(b).History().Requests(remoting.CodeUnregisterClient) {
				groups = append(groups, e.ExtFields["consumerGroup"]+"/"+e.ExtFields["producerGroup"])
			}
			require.Equal(t, []string{"cg/", "/" + InnerProducerGroup}, groups, b)
			require.Empty(t, r.broker(b).ConsumerIDs("cg"), b)
		}
		require.Empty(t, r.c.Clients(), "connections closed")
	})
}

func TestTagExpressionFiltersMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		for _, tag := range []string{"A", "B", "C", "", "A"} {
			m := NewMessage("T", []byte("tag-"+tag))
			if tag != "" {
				m.SetTags(tag)
			}
			_, err := p.Send(background, m)
			require.NoError(t, err)
		}
		k := newCollector()
		c := r.pushConsumer(nil, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Subscribe("T", "A || B"))
		require.NoError(t, c.Start())
		require.ElementsMatch(t, []string{"tag-A", "tag-B", "tag-A"}, bodies(k.take(t, 3, time.Minute)))
		k.none(t, 30*time.Second)
	})
}

func TestConsumeBatchesAndGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithBrokers(1), fakecluster.WithTopic("T", 1))
		p := r.started()
		sendN(t, p, "T", "m", 40)
		var running, most atomic.Int32
		var mu sync.Mutex
		var sizes []int
		release := make(chan struct{})
		listener := func(_ context.Context, msgs []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			<-release
			running.Add(-1)
			mu.Lock()
			sizes = append(sizes, len(msgs))
			mu.Unlock()
			return ConsumeSuccess, nil
		}
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
			WithConsumeMessageBatchMaxSize(4), WithConsumeGoroutines(3, 10), WithPullBatchSize(16))
		require.NoError(t, c.Start())
		time.Sleep(5 * time.Second)
		synctest.Wait()
		require.Equal(t, int32(3), most.Load(), "consumeThreadMin workers; max never comes into play over an unbounded queue")
		close(release)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		total := 0
		for _, n := range sizes {
			require.LessOrEqual(t, n, 4)
			total += n
		}
		require.Equal(t, 40, total)
		for _, e := range r.broker("broker-a").History().Requests(remoting.CodePullMessage) {
			if e.Topic == "T" {
				require.Equal(t, "16", e.ExtFields["maxMsgNums"])
			}
		}
	})
}

// A new member's first pull of each queue carries the subscription version its rebalance just
// set, so the heartbeat with that version must reach the broker first: otherwise the broker
// answers SUBSCRIPTION_NOT_LATEST and the queue's messages wait a second (the pull exception
// delay) after the others', or, when that heartbeat was skipped because another round was
// running, until the next periodic heartbeat. Over TCP the first race was lost for one queue in
// most runs; here the brokers take 100 ms over each heartbeat, so that a pull sent before its
// heartbeat's answer always arrives first and the rebalance that the broker's
// NOTIFY_CONSUMER_IDS_CHANGED starts meets Start's heartbeat round still running.
func TestPushConsumerFirstPullsFollowTheirSubscriptionVersion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		sent := sendN(t, p, "T", "m", 40)
		brokers := []string{fakecluster.BrokerName(0), fakecluster.BrokerName(1)}
		for _, b := range brokers {
			r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeHeartBeat, Action: fault.ActionDelay, Delay: 100 * time.Millisecond})
		}
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		got := k.take(t, len(sent), DefaultPullExceptionDelay/2)
		require.ElementsMatch(t, sent, bodies(got))
		for _, b := range brokers {
			for _, e := range r.broker(b).History().Requests(remoting.CodePullMessage) {
				require.NotEqual(t, remoting.SubscriptionNotLatest, e.ResponseCode, "a pull of %s queue %s on %s", e.Topic, e.ExtFields["queueId"], b)
			}
		}
	})
}
