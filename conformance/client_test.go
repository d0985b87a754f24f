package conformance

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
)

// Our producer against real RocketMQ 4.9.7: every send path, checked by reading back what the
// brokers stored (PULL_MESSAGE) and comparing it with what was sent and what the send result
// said.

var seq atomic.Int64

// unique returns a topic or group name no other test of this run uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixMilli()%1_000_000, seq.Add(1))
}

// pollInterval is the route refresh of the tests' producers: short, so that a route change is
// seen within a second.
const pollInterval = 500 * time.Millisecond

func newProducer(t *testing.T, c *realrmq.Cluster, group string, opts ...client.Option) *client.Producer {
	t.Helper()
	base := []client.Option{
		client.WithGroup(group),
		client.WithNameServers(c.NameServerAddr()),
		client.WithManager(client.NewManager()),
		client.WithPollNameServerInterval(pollInterval),
		client.WithHeartbeatInterval(time.Second),
		client.WithLogger(slog.New(slog.DiscardHandler)),
	}
	p, err := client.NewProducer(append(base, opts...)...)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(p.Shutdown)
	return p
}

// createTopic creates topic with queues read and write queues on the named brokers (every
// broker when none is named).
func createTopic(t *testing.T, c *realrmq.Cluster, topic string, queues int32, on ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tc := protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums = queues, queues
	require.NoError(t, c.CreateTopicConfig(ctx, tc, on...))
}

// stored waits until the brokers hold want messages of topic (a 4.9.7 broker indexes a stored
// message for pulls a moment after it answered the send) and returns them.
func stored(t *testing.T, c *realrmq.Cluster, topic string, want int) []*protocol.MessageExt {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		msgs, err := admin.TopicMessages(ctx, c.Client(), "", brokers(c), topic)
		cancel()
		require.NoError(t, err)
		if len(msgs) >= want || time.Now().After(deadline) {
			require.Len(t, msgs, want, "messages of %s", topic)
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func byUniqKey(msgs []*protocol.MessageExt) map[string]*protocol.MessageExt {
	out := map[string]*protocol.MessageExt{}
	for _, m := range msgs {
		out[m.UniqKey()] = m
	}
	return out
}

// checkStored compares a stored message with the send result that reported it.
func checkStored(t *testing.T, c *realrmq.Cluster, res *client.SendResult, m *protocol.MessageExt) {
	t.Helper()
	assert.Equal(t, res.MsgID, m.UniqKey(), "msgId is the UNIQ_KEY")
	assert.Equal(t, res.OffsetMsgID, m.MsgID, "offsetMsgId is the stored offset id")
	assert.Equal(t, res.Queue.BrokerName, m.BrokerName)
	assert.Equal(t, res.Queue.QueueID, int(m.QueueID))
	assert.Equal(t, res.QueueOffset, m.QueueOffset)
	host, off, err := protocol.DecodeOffsetMsgID(res.OffsetMsgID)
	require.NoError(t, err)
	addr, _ := c.BrokerAddr(m.BrokerName)
	assert.Equal(t, addr, host.String(), "offsetMsgId names the broker's store host")
	assert.Equal(t, m.CommitLogOffset, off)
}

func TestStartAndSyncSend(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfSync")
	createTopic(t, c, topic, 4)
	for _, binary := range []bool{false, true} {
		t.Run(fmt.Sprintf("binaryHeader=%v", binary), func(t *testing.T) {
			p := newProducer(t, c, unique("ConfSyncPG"), client.WithBinaryHeader(binary))
			require.Equal(t, client.StateRunning, p.State())
			before := len(stored(t, c, topic, countOf(t, c, topic)))

			msg := client.NewMessage(topic, []byte("hello real rocketmq"))
			msg.SetTags("TagA")
			msg.SetKeys("k1", "k2")
			require.NoError(t, msg.PutUserProperty("color", "red"))
			res, err := p.Send(t.Context(), msg)
			require.NoError(t, err)
			assert.Equal(t, client.SendOK, res.Status)
			assert.Equal(t, topic, res.Queue.Topic)
			assert.NotEmpty(t, res.MsgID)
			assert.NotEmpty(t, res.OffsetMsgID)
			assert.Equal(t, client.DefaultRegionID, res.RegionID)

			msgs := stored(t, c, topic, before+1)
			m := byUniqKey(msgs)[res.MsgID]
			require.NotNil(t, m, "the stored message with the result's msgId")
			checkStored(t, c, res, m)
			assert.Equal(t, "TagA", m.Tags())
			assert.Equal(t, []string{"k1", "k2"}, m.Keys())
			assert.Equal(t, "red", m.Properties["color"])
			assert.Equal(t, c.ClusterName(), m.Properties[protocol.PropertyCluster], "the broker adds CLUSTER")
			_, wait := m.Properties[protocol.PropertyWaitStoreMsgOK]
			assert.False(t, wait, "the broker drops WAIT")
			assert.Equal(t, "hello real rocketmq", string(m.Body))
			assert.Zero(t, m.SysFlag&protocol.SysFlagCompressed)
		})
	}
}

// countOf is how many messages of topic are stored now.
func countOf(t *testing.T, c *realrmq.Cluster, topic string) int {
	t.Helper()
	msgs, err := admin.TopicMessages(t.Context(), shared.Client(), "", brokers(c), topic)
	require.NoError(t, err)
	return len(msgs)
}

func TestCompressedSend(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfZip")
	createTopic(t, c, topic, 4)
	p := newProducer(t, c, unique("ConfZipPG"))
	body := bytes.Repeat([]byte("rocketsim "), 820)[:8192]
	res, err := p.Send(t.Context(), client.NewMessage(topic, body))
	require.NoError(t, err)
	require.Equal(t, client.SendOK, res.Status)

	m := stored(t, c, topic, 1)[0]
	checkStored(t, c, res, m)
	require.NotZero(t, m.SysFlag&protocol.SysFlagCompressed, "stored compressed")
	assert.Less(t, len(m.Body), len(body))
	inflated, err := m.UncompressedBody(1 << 20)
	require.NoError(t, err)
	assert.Equal(t, body, inflated)
}

func TestAsyncSend(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfAsync")
	createTopic(t, c, topic, 4)
	p := newProducer(t, c, unique("ConfAsyncPG"))

	const n = 10
	var mu sync.Mutex
	results := make([]*client.SendResult, n)
	calls := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		p.SendAsync(t.Context(), client.NewMessage(topic, fmt.Appendf(nil, "async %d", i)), func(r *client.SendResult, err error) {
			mu.Lock()
			defer mu.Unlock()
			calls[i]++
			assert.NoError(t, err)
			results[i] = r
			wg.Done()
		})
	}
	wg.Wait()
	msgs := byUniqKey(stored(t, c, topic, n))
	mu.Lock()
	defer mu.Unlock()
	for i, r := range results {
		assert.Equal(t, 1, calls[i])
		require.NotNil(t, r)
		assert.Equal(t, client.SendOK, r.Status)
		m := msgs[r.MsgID]
		require.NotNil(t, m, "async send %d", i)
		checkStored(t, c, r, m)
		assert.Equal(t, fmt.Sprintf("async %d", i), string(m.Body))
	}
}

func TestOnewaySend(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfOneway")
	createTopic(t, c, topic, 4)
	p := newProducer(t, c, unique("ConfOnewayPG"))
	for i := range 5 {
		require.NoError(t, p.SendOneway(t.Context(), client.NewMessage(topic, fmt.Appendf(nil, "oneway %d", i))))
	}
	var bodies []string
	for _, m := range stored(t, c, topic, 5) {
		bodies = append(bodies, string(m.Body))
		assert.NotEmpty(t, m.UniqKey())
	}
	slices.Sort(bodies)
	assert.Equal(t, []string{"oneway 0", "oneway 1", "oneway 2", "oneway 3", "oneway 4"}, bodies)
}

func TestBatchSend(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfBatch")
	createTopic(t, c, topic, 4)
	p := newProducer(t, c, unique("ConfBatchPG"))
	var msgs []*client.Message
	for i := range 3 {
		m := client.NewMessage(topic, fmt.Appendf(nil, "batch %d", i))
		m.SetTags(fmt.Sprintf("T%d", i))
		msgs = append(msgs, m)
	}
	res, err := p.SendBatch(t.Context(), msgs...)
	require.NoError(t, err)
	require.Equal(t, client.SendOK, res.Status)
	ids := strings.Split(res.MsgID, ",")
	offIDs := strings.Split(res.OffsetMsgID, ",")
	require.Len(t, ids, 3)
	require.Len(t, offIDs, 3)

	got := stored(t, c, topic, 3)
	for i, m := range got {
		assert.Equal(t, res.Queue.BrokerName, m.BrokerName, "one broker")
		assert.Equal(t, res.Queue.QueueID, int(m.QueueID), "one queue")
		assert.Equal(t, res.QueueOffset+int64(i), m.QueueOffset, "consecutive offsets from the result's")
		assert.Equal(t, ids[i], m.UniqKey())
		assert.Equal(t, offIDs[i], m.MsgID)
		assert.Equal(t, fmt.Sprintf("T%d", i), m.Tags())
		assert.Equal(t, fmt.Sprintf("batch %d", i), string(m.Body))
	}
}

func TestRouteChangeWithinOnePoll(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfRoute")
	createTopic(t, c, topic, 4, "broker-a")
	p := newProducer(t, c, unique("ConfRoutePG"))
	_, err := p.Send(t.Context(), client.NewMessage(topic, []byte("first")))
	require.NoError(t, err)
	require.Equal(t, []string{"broker-a"}, publishBrokers(p, topic))

	createTopic(t, c, topic, 4, "broker-b")
	changed := time.Now()
	require.Eventually(t, func() bool { return len(publishBrokers(p, topic)) == 2 }, 2*pollInterval+time.Second, 20*time.Millisecond,
		"the producer routes %s to both brokers within one poll", topic)
	t.Logf("route change seen after %v (poll every %v)", time.Since(changed).Round(time.Millisecond), pollInterval)
	assert.Len(t, p.PublishInfo()[topic], 8)

	for range 8 {
		_, err := p.Send(t.Context(), client.NewMessage(topic, []byte("spread")))
		require.NoError(t, err)
	}
	perBroker := map[string]int{}
	for _, m := range stored(t, c, topic, 9) {
		perBroker[m.BrokerName]++
	}
	assert.Positive(t, perBroker["broker-b"], "broker-b got sends: %v", perBroker)
}

func publishBrokers(p *client.Producer, topic string) []string {
	var names []string
	for _, q := range p.PublishInfo()[topic] {
		if !slices.Contains(names, q.BrokerName) {
			names = append(names, q.BrokerName)
		}
	}
	slices.Sort(names)
	return names
}

func TestShutdownUnregisters(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfBye")
	createTopic(t, c, topic, 4)
	group := unique("ConfByePG")
	p := newProducer(t, c, group)
	_, err := p.Send(t.Context(), client.NewMessage(topic, []byte("hi")))
	require.NoError(t, err)

	// The first heartbeat goes 1 s after start, then every second (WithHeartbeatInterval).
	for _, b := range brokers(c) {
		require.Eventually(t, func() bool {
			conns, err := admin.ProducerConnections(t.Context(), shared.Client(), b.Addr, group)
			return err == nil && len(conns) == 1 && conns[0].ClientID == p.ClientID()
		}, 5*time.Second, 50*time.Millisecond, "%s lists %s in group %s", b.Name, p.ClientID(), group)
		conns, _ := admin.ProducerConnections(t.Context(), shared.Client(), b.Addr, group)
		t.Logf("%s: %+v", b.Name, conns[0])
	}

	p.Shutdown()
	for _, b := range brokers(c) {
		conns, err := admin.ProducerConnections(t.Context(), shared.Client(), b.Addr, group)
		require.NoError(t, err)
		assert.Empty(t, conns, "%s still lists group %s after shutdown", b.Name, group)
	}
}

// Two producers of one client instance share its connections: when one shuts down, its group
// leaves every broker's producer table while the other group still lists the same client on
// the same connection. Only UNREGISTER_CLIENT does that (a closed connection would take both
// groups), so this shows our producer sends it and the real broker honours it.
func TestShutdownUnregistersOneGroupOfASharedInstance(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfShared")
	createTopic(t, c, topic, 4)
	m := client.NewManager()
	g1, g2 := unique("ConfSharedPG1"), unique("ConfSharedPG2")
	instance := unique("shared")
	p1 := newProducer(t, c, g1, client.WithManager(m), client.WithInstanceName(instance))
	p2 := newProducer(t, c, g2, client.WithManager(m), client.WithInstanceName(instance))
	require.Equal(t, p1.ClientID(), p2.ClientID(), "one client instance")
	_, err := p1.Send(t.Context(), client.NewMessage(topic, []byte("hi")))
	require.NoError(t, err)

	listed := func(addr, group string) []protocol.Connection {
		conns, err := admin.ProducerConnections(t.Context(), shared.Client(), addr, group)
		require.NoError(t, err)
		return conns
	}
	for _, b := range brokers(c) {
		require.Eventually(t, func() bool { return len(listed(b.Addr, g1)) == 1 && len(listed(b.Addr, g2)) == 1 },
			5*time.Second, 50*time.Millisecond, "%s lists both groups", b.Name)
	}
	p1.Shutdown()
	for _, b := range brokers(c) {
		assert.Empty(t, listed(b.Addr, g1), "%s still lists %s", b.Name, g1)
		conns := listed(b.Addr, g2)
		if assert.Len(t, conns, 1, "%s lists %s", b.Name, g2) {
			assert.Equal(t, p2.ClientID(), conns[0].ClientID)
		}
	}
	p2.Shutdown()
	for _, b := range brokers(c) {
		assert.Empty(t, listed(b.Addr, g2), "%s still lists %s", b.Name, g2)
	}
}
