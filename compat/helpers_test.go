package compat

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
)

type cluster = *fakecluster.Cluster

// topic is the topic every cluster of these tests carries: 4 queues on each broker.
const (
	topic        = "CompatTopic"
	topicQueues  = 4
	waitDeadline = 30 * time.Second
)

// startCluster starts a name server and two brokers on loopback, torn down with tb.
func startCluster(tb testing.TB) cluster {
	tb.Helper()
	return fakecluster.Start(tb, fakecluster.WithBrokers(2), fakecluster.WithTopic(topic, topicQueues),
		fakecluster.WithAutoCreateTopic(true))
}

// brokerOf returns c's broker of that name; the test fails when there is none.
func brokerOf(tb testing.TB, c cluster, name string) *fakebroker.Broker {
	tb.Helper()
	b, ok := c.Broker(name)
	require.True(tb, ok, "no broker %s", name)
	return b
}

var nameSeq atomic.Int64

var illegal = regexp.MustCompile(`[^a-zA-Z0-9_-]`)

// uniqueName is a group or instance name of its own for every client a test builds: the
// official client keys its process-wide client table by IP@InstanceName and refuses a second
// producer or consumer of one group in one client.
func uniqueName(tb testing.TB, kind string) string {
	return fmt.Sprintf("%s_%s_%d", kind, illegal.ReplaceAllString(tb.Name(), "_"), nameSeq.Add(1))
}

// officialProducer is a started official producer with the names it was given.
type officialProducer struct {
	rocketmq.Producer
	instance string // the client id is LocalIP@instance
	group    string
}

// newProducer starts an official producer against c with an instance and group of its own
// (options given later win), shut down with tb.
func newProducer(tb testing.TB, c cluster, opts ...producer.Option) officialProducer {
	tb.Helper()
	return newProducerAt(tb, c.NameServerAddr(), opts...)
}

// newProducerAt is newProducer for the name server at nsAddr, fake or real.
func newProducerAt(tb testing.TB, nsAddr string, opts ...producer.Option) officialProducer {
	tb.Helper()
	op := officialProducer{instance: uniqueName(tb, "pi"), group: uniqueName(tb, "pg")}
	all := append([]producer.Option{
		producer.WithNameServer([]string{nsAddr}),
		producer.WithGroupName(op.group),
		producer.WithInstanceName(op.instance),
	}, opts...)
	p, err := rocketmq.NewProducer(all...)
	require.NoError(tb, err)
	require.NoError(tb, p.Start())
	tb.Cleanup(func() { _ = p.Shutdown() })
	op.Producer = p
	return op
}

// awaitWarm waits for the producer's first heartbeat on every broker. That heartbeat comes from
// the client's periodic loop 1 s after the client started, after its first route refresh
// (10 ms): once seen, those loops sleep for 30 s. A consumer built on the same instance then
// starts on a quiet client, away from two data races of v2.1.2 between those loops and the
// consumer's first rebalance (rmqClient.UpdateTopicRouteInfo clones the SubscriptionData
// whose SubVersion pushConsumer.messageQueueChanged writes, without a lock).
func (op officialProducer) awaitWarm(tb testing.TB, c cluster) {
	tb.Helper()
	awaitCond(tb, c, "producer heartbeats", func() bool { return registeredOnEveryBroker(c, op.instance, op.group, false) })
}

// newPushConsumer builds (does not start) an official push consumer reading topic from the
// first offset.
func newPushConsumer(tb testing.TB, c cluster, group, instance string) rocketmq.PushConsumer {
	tb.Helper()
	pc, err := rocketmq.NewPushConsumer(
		consumer.WithNameServer([]string{c.NameServerAddr()}),
		consumer.WithGroupName(group),
		consumer.WithInstance(instance),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	)
	require.NoError(tb, err)
	return pc
}

// awaitCond returns once cond holds. Every state change of a fake broker that the tests look at
// (a stored message, a committed offset, a heartbeat) ends with an entry in that broker's
// History, so cond is checked now and after each new entry on any broker: no polling.
func awaitCond(tb testing.TB, c cluster, what string, cond func() bool) {
	tb.Helper()
	awaitCondExplained(tb, c, what, cond, func() string { return "" })
}

// awaitCondExplained is awaitCond whose timeout adds explain's text to the failure.
func awaitCondExplained(tb testing.TB, c cluster, what string, cond func() bool, explain func() string) {
	tb.Helper()
	if cond() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	var once sync.Once
	done := make(chan struct{})
	for _, b := range c.Brokers() {
		go func() {
			if _, err := b.History().WaitFor(ctx, func(fault.Entry) bool { return cond() }); err == nil {
				once.Do(func() { close(done) })
			}
		}()
	}
	select {
	case <-done:
	case <-ctx.Done():
		require.Failf(tb, "timed out", "waiting for %s\n%s", what, explain())
	}
}

// byMsgID indexes stored messages by the producer's unique id.
func byMsgID(msgs []fakebroker.Message) map[string]fakebroker.Message {
	out := make(map[string]fakebroker.Message, len(msgs))
	for _, m := range msgs {
		out[m.MsgID] = m
	}
	return out
}

// msgWith is a message to topic with a tag, two keys and two user properties.
func msgWith(i int, body []byte) *primitive.Message {
	m := primitive.NewMessage(topic, body)
	m.WithTag(fmt.Sprintf("tag%d", i%3))
	m.WithKeys([]string{fmt.Sprintf("k%d", i), fmt.Sprintf("order-%d", i)})
	m.WithProperty("user-a", fmt.Sprintf("va-%d", i))
	m.WithProperty("user_b", "value with spaces")
	return m
}
