package compat

// The official Go client through rocketsim's proxy (package proxy), in front of the fakes and in
// front of real RocketMQ 4.9.7: the client uses the proxy as its name server, so every request
// it sends passes the proxy's fault rules and history, and what the brokers send it comes down
// through the proxy.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// realCluster is the real 4.9.7 cluster the proxy tests put the proxy in front of: two brokers
// that create topics on demand and check half messages every second, launched by the first test
// that asks for it and stopped after the last (TestMain).
var realCluster = realrmq.NewShared("compat-proxy",
	realrmq.WithBrokers(2),
	realrmq.WithAutoCreateTopic(true),
	realrmq.WithTransactionCheckInterval(time.Second),
	realrmq.WithTransactionTimeout(time.Second))

// proxyFor puts a proxy in front of the name server at upstream, closed with tb.
func proxyFor(tb testing.TB, upstream string) *proxy.Proxy {
	tb.Helper()
	p, err := proxy.New(upstream)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	require.NoError(tb, p.Start(ctx))
	return p
}

// adminCall calls the proxy's admin API as a test in another language would.
func adminCall(t *testing.T, p *proxy.Proxy, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	p.AdminHandler().ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	raw, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	var v map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &v), string(raw))
	}
	return rec.Code, v
}

// proxiedRequests returns what the proxy's listeners of every broker received with code.
func proxiedRequests(p *proxy.Proxy, code int32) []fault.Entry {
	var out []fault.Entry
	for _, b := range p.Brokers() {
		if b.ID != 0 {
			continue
		}
		h, _ := p.History(b.Name)
		out = append(out, h.Requests(code)...)
	}
	return out
}

// sendEveryWay sends n messages each as SendSync, SendAsync and SendOneWay, and one batch of n,
// and returns the results of the sync and async sends and of the batch.
func sendEveryWay(t *testing.T, p rocketmq.Producer, topic string, n int) []*primitive.SendResult {
	t.Helper()
	var results []*primitive.SendResult
	for i := range n {
		r, err := p.SendSync(context.Background(), msgTo(topic, i, "sync"))
		require.NoError(t, err)
		results = append(results, r)
	}
	async := make(chan *primitive.SendResult, n)
	for i := range n {
		require.NoError(t, p.SendAsync(context.Background(), func(_ context.Context, r *primitive.SendResult, err error) {
			require.NoError(t, err)
			async <- r
		}, msgTo(topic, i, "async")))
	}
	for range n {
		results = append(results, <-async)
	}
	for i := range n {
		require.NoError(t, p.SendOneWay(context.Background(), msgTo(topic, i, "oneway")))
	}
	var batch []*primitive.Message
	for i := range n {
		batch = append(batch, msgTo(topic, i, "batch"))
	}
	r, err := p.SendSync(context.Background(), batch...)
	require.NoError(t, err)
	return append(results, r)
}

// msgTo is msgWith(i, "<kind> body <i>") to topic.
func msgTo(topic string, i int, kind string) *primitive.Message {
	m := msgWith(i, fmt.Appendf(nil, "%s body %d", kind, i))
	m.Topic = topic
	return m
}

// In front of the fakes: every send path and a push consumer through the proxy, a fault added
// through the admin API hitting a send (the client retries it), the history showing what the
// client sent, the broker's NOTIFY_CONSUMER_IDS_CHANGED coming down to the consumer, and a
// crash closing the client's connections.
func TestOfficialClientThroughTheProxy(t *testing.T) {
	c := startCluster(t)
	p := proxyFor(t, c.NameServerAddr())
	code, v := adminCall(t, p, "POST", "/v1/faults", `{"target":"broker-a","code":10,"action":"error","responseCode":1,"times":1}`)
	require.Equal(t, http.StatusCreated, code, v)
	pr := newProducer(t, c, producer.WithNameServer([]string{p.NameServerAddr()}))
	const n = 8
	results := sendEveryWay(t, pr, topic, n)
	awaitCond(t, c, "every send stored", func() bool { return len(c.Messages(topic)) == 4*n })
	stored := byMsgID(c.Messages(topic))
	for _, r := range results[:2*n] {
		m, ok := stored[r.MsgID]
		require.True(t, ok, "result %s stored", r.MsgID)
		requireResultMatches(t, r, m)
	}

	sends := proxiedRequests(p, remoting.CodeSendMessage)
	require.Len(t, sends, 3*n+1, "sync, async and oneway singles, one of them sent twice")
	var refused int
	for _, e := range sends {
		require.Equal(t, remoting.LanguageGo, e.Language)
		if e.Fault == fault.ActionError {
			refused++
			require.Equal(t, remoting.SystemError, e.ResponseCode)
		}
	}
	require.Equal(t, 1, refused, "the rule took one send; the client sent it again")
	require.Len(t, proxiedRequests(p, remoting.CodeSendBatchMessage), 1)
	nsHistory, _ := p.History(proxy.NameServerTarget)
	routes := nsHistory.Requests(remoting.CodeGetRouteInfoByTopic)
	require.NotEmpty(t, routes)
	require.Equal(t, int32(317), routes[0].Version, "the official client's version, answered with bare keys")

	// A push consumer through the proxy: the broker tells it of its group's change (40) down
	// the connection it heartbeats on, and it gets every message.
	inj, _ := p.Faults("broker-a")
	notified := inj.Add(fault.Rule{Code: remoting.CodeNotifyConsumerIDsChanged, Action: fault.ActionDelay, Delay: time.Millisecond})
	group := uniqueName(t, "pcg")
	pc, err := rocketmq.NewPushConsumer(consumer.WithNameServer([]string{p.NameServerAddr()}), consumer.WithGroupName(group),
		consumer.WithInstance(pr.instance), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	require.NoError(t, err)
	got := make(chan string, 4*n)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			got <- m.MsgId
		}
		return consumer.ConsumeSuccess, nil
	}))
	pr.awaitWarm(t, c)
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Shutdown() })
	seen := map[string]bool{}
	for len(seen) < 4*n {
		select {
		case id := <-got:
			seen[id] = true
		case <-time.After(waitDeadline):
			t.Fatalf("the consumer got %d of %d messages through the proxy", len(seen), 4*n)
		}
	}
	require.Eventually(t, func() bool { return notified.Fired() > 0 }, waitDeadline, 5*time.Millisecond,
		"broker-a's NOTIFY_CONSUMER_IDS_CHANGED came down through the proxy")

	// A crash through the admin API closes the client's connections through the proxy, and
	// with them the proxy's to the broker: the broker drops the client.
	a := brokerOf(t, c, "broker-a")
	require.NotEmpty(t, a.Clients())
	code, v = adminCall(t, p, "POST", "/v1/brokers/broker-a/stop", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Eventually(t, func() bool { return len(a.Clients()) == 0 }, waitDeadline, 5*time.Millisecond,
		"broker-a's connections from the clients closed")
	require.True(t, a.Running(), "the broker behind runs on")
}

// In front of real 4.9.7: every send path, a fault through the admin API and the history.
func TestOfficialClientThroughTheProxyToRealServers(t *testing.T) {
	rc := realCluster.Cluster(t)
	p := proxyFor(t, rc.NameServerAddr())
	topicName := uniqueName(t, "ProxyOfficial")
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	tc := protocol.NewTopicConfig(topicName)
	tc.ReadQueueNums, tc.WriteQueueNums = topicQueues, topicQueues
	require.NoError(t, rc.CreateTopicConfig(ctx, tc))
	code, v := adminCall(t, p, "POST", "/v1/faults", `{"target":"broker-b","code":10,"action":"error","responseCode":1,"times":1}`)
	require.Equal(t, http.StatusCreated, code, v)

	op := officialProducer{instance: uniqueName(t, "pi"), group: uniqueName(t, "pg")}
	pr, err := rocketmq.NewProducer(producer.WithNameServer([]string{p.NameServerAddr()}),
		producer.WithGroupName(op.group), producer.WithInstanceName(op.instance))
	require.NoError(t, err)
	require.NoError(t, pr.Start())
	t.Cleanup(func() { _ = pr.Shutdown() })
	const n = 6
	results := sendEveryWay(t, pr, topicName, n)

	var brokers []admin.Broker
	for _, b := range rc.Brokers() {
		brokers = append(brokers, admin.Broker{Name: b.Name, Addr: b.Addr})
	}
	var msgs []*protocol.MessageExt
	require.Eventually(t, func() bool {
		msgs, err = admin.TopicMessages(ctx, realCluster.Client(), "", brokers, topicName)
		return err == nil && len(msgs) == 4*n
	}, waitDeadline, 20*time.Millisecond, "every send stored on the real brokers")
	byKey := map[string]*protocol.MessageExt{}
	for _, m := range msgs {
		byKey[m.UniqKey()] = m
	}
	for _, r := range results[:2*n] {
		m, ok := byKey[r.MsgID]
		require.True(t, ok, "result %s stored", r.MsgID)
		require.Equal(t, r.OffsetMsgID, m.MsgID)
		require.Equal(t, r.MessageQueue.BrokerName, m.BrokerName)
		require.Equal(t, r.QueueOffset, m.QueueOffset)
	}
	code, v = adminCall(t, p, "GET", "/v1/history?target=broker-b&code=10", "")
	require.Equal(t, http.StatusOK, code)
	var refused int
	for _, e := range v["requests"].([]any) {
		if e.(map[string]any)["fault"] == "error" {
			refused++
		}
	}
	require.Equal(t, 1, refused, "the rule took one send to broker-b")
}
