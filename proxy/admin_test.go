package proxy_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
)

// A fault added through the proxy's admin API hits what clients send through it, before the
// broker sees it; the history shows what the proxy received and what became of it.
func TestFaultsAndHistoryThroughTheAdminAPI(t *testing.T) {
	fc, p := cluster(t)
	h := p.AdminHandler()

	code, v := adminCall(t, h, "GET", "/v1/cluster", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, map[string]any{"name": "namesrv", "addr": p.NameServerAddr(), "online": true}, v["namesrv"])
	require.Equal(t, "DefaultCluster", v["cluster"])
	require.Equal(t, []any{
		map[string]any{"name": "broker-a", "addr": proxied(t, p, "broker-a").Addr, "online": true},
		map[string]any{"name": "broker-b", "addr": proxied(t, p, "broker-b").Addr, "online": true},
	}, v["brokers"])

	code, v = adminCall(t, h, "POST", "/v1/faults", `{"target":"broker-a","code":310,"action":"error","responseCode":2,"remark":"busy","times":1}`)
	require.Equal(t, http.StatusCreated, code, v)
	pr := producer(t, p, client.WithRetries(0))
	queue := client.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}
	_, err := pr.SendToQueue(ctx(t), client.NewMessage("T", []byte("refused")), queue)
	var be *client.BrokerError
	require.ErrorAs(t, err, &be)
	require.Equal(t, remoting.SystemBusy, be.Code)
	require.Equal(t, "busy", be.Remark)
	_, err = pr.SendToQueue(ctx(t), client.NewMessage("T", []byte("stored")), queue)
	require.NoError(t, err)
	require.Len(t, fc.Messages("T"), 1)
	require.Len(t, brokerOf(t, fc, "broker-a").History().Requests(remoting.CodeSendMessageV2), 1, "the refused send never reached the broker")

	code, v = adminCall(t, h, "GET", "/v1/history?target=broker-a&code=310", "")
	require.Equal(t, http.StatusOK, code)
	sends := v["requests"].([]any)
	require.Len(t, sends, 2)
	require.Equal(t, "error", sends[0].(map[string]any)["fault"])
	require.EqualValues(t, remoting.SystemBusy, sends[0].(map[string]any)["responseCode"])
	require.Equal(t, "", sends[1].(map[string]any)["fault"])
	require.EqualValues(t, remoting.Success, sends[1].(map[string]any)["responseCode"])
	require.Equal(t, proxied(t, p, "broker-a").Addr, sends[1].(map[string]any)["local"])

	// The name server's own rules and history, on a topic only this test asks for: the
	// producer's route polls would hit a rule for T too, even after its Shutdown, when one was
	// on its way (a slow -race run saw 2 hits, and 3 before the producer was shut down first).
	pr.Shutdown()
	code, _ = adminCall(t, h, "POST", "/v1/faults", `{"target":"namesrv","code":105,"topic":"Probe","action":"error","responseCode":1}`)
	require.Equal(t, http.StatusCreated, code)
	resp := routeVia(t, rawClient(t), p.NameServerAddr(), "Probe", 407, remoting.SerializeJSON)
	require.Equal(t, remoting.SystemError, resp.Code)
	require.Equal(t, remoting.Success, routeVia(t, rawClient(t), p.NameServerAddr(), "T", 407, remoting.SerializeJSON).Code,
		"a rule for one topic leaves the others alone")
	code, v = adminCall(t, h, "GET", "/v1/faults", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, []any{map[string]any{"target": "namesrv", "code": 105.0, "topic": "Probe", "action": "error", "responseCode": 1.0, "hits": 1.0}}, v["faults"])
	code, _ = adminCall(t, h, "DELETE", "/v1/faults", "")
	require.Equal(t, http.StatusNoContent, code)
	require.Equal(t, remoting.Success, routeVia(t, rawClient(t), p.NameServerAddr(), "T", 407, remoting.SerializeJSON).Code)
	code, v = adminCall(t, h, "GET", "/v1/history?target=namesrv&code=105", "")
	require.Equal(t, http.StatusOK, code)
	require.NotEmpty(t, v["requests"])

	code, v = adminCall(t, h, "POST", "/v1/faults", `{"target":"broker-x","action":"drop"}`)
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, v["error"], "broker-x")
	code, _ = adminCall(t, h, "GET", "/v1/topics/T/messages", "")
	require.Equal(t, http.StatusNotFound, code, "what only the fakes know is not served")

	// The list of calls says what the proxy serves: the shared calls and its black hole.
	code, v = adminCall(t, h, "GET", "/v1", "")
	require.Equal(t, http.StatusOK, code)
	var calls []string
	for _, c := range v["calls"].([]any) {
		calls = append(calls, c.(map[string]any)["method"].(string)+" "+c.(map[string]any)["path"].(string))
	}
	require.Contains(t, calls, "GET /v1/events")
	require.Contains(t, calls, "GET /v1/history")
	require.NotContains(t, calls, "GET /v1/topics")
	require.Contains(t, calls, "POST /v1/brokers/{name}/blackhole")
	code, v = adminCall(t, h, "GET", "/v1/history?target=broker-a&code=310&limit=1", "")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, v["requests"], 1)
	require.Equal(t, "", v["requests"].([]any)[0].(map[string]any)["fault"], "the newest send only")
}

// A close rule closes the client's connection and, with it, the proxy's connection to the
// broker: the broker sees the client go as it would without the proxy.
func TestCloseRuleClosesBothEnds(t *testing.T) {
	fc, p := cluster(t)
	pr := producer(t, p, client.WithRetries(0), client.WithHeartbeatInterval(50*time.Millisecond))
	queue := client.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}
	_, err := pr.SendToQueue(ctx(t), client.NewMessage("T", []byte("first")), queue)
	require.NoError(t, err)
	a := brokerOf(t, fc, "broker-a")
	require.Eventually(t, func() bool { return len(a.Clients()) == 1 }, timeout, time.Millisecond, "the producer heartbeats broker-a")

	viaProxy := proxied(t, p, "broker-a").Addr
	require.Contains(t, pr.Snapshot().Connections, viaProxy)

	p.ClearFaults()
	inj, _ := p.Faults("broker-a")
	// Once: a rule left in force would close the connection of the send below too, at the next
	// heartbeat (every 50 ms here), and fail it.
	closeOnce := proxyRule(remoting.CodeHeartBeat, fault.ActionClose)
	closeOnce.Times = 1
	inj.Add(closeOnce)
	require.Eventually(t, func() bool { return len(a.Clients()) == 0 }, timeout, time.Millisecond,
		"the broker saw the connection close when the proxy closed the client's")
	// The broker can hear of the close before the client has read it; a send in that moment
	// goes out on the dead connection and fails with no retry. Wait for the client too.
	require.Eventually(t, func() bool {
		return !slices.Contains(pr.Snapshot().Connections, viaProxy)
	}, timeout, time.Millisecond, "the client read the proxy's close")
	_, err = pr.SendToQueue(ctx(t), client.NewMessage("T", []byte("second")), queue)
	require.NoError(t, err, "a new connection, through the proxy again")
}

// The requests a broker sends its clients come down through the proxy, over the connection the
// client heartbeats on: NOTIFY_CONSUMER_IDS_CHANGED (40, oneway) when the group changes, and
// GET_CONSUMER_RUNNING_INFO (307, two-way) when an admin asks the broker, whose answer goes
// back up. A rule that names 40 on the proxy acts on the broker's notifications.
func TestBrokerRequestsReachTheClient(t *testing.T) {
	fc, p := cluster(t)
	first := newConsumer(t, p, "c1", "cg")
	newConsumer(t, p, "c2", "cg")
	require.Eventually(t, func() bool { return first.notified() >= 1 }, timeout, time.Millisecond,
		"c1 heard of c2 joining")

	code, v := adminCall(t, fc.AdminHandler(), "GET", "/v1/clients/c1/running-info?group=cg", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"consumerGroup": "cg", "answeredBy": "c1"}, v["properties"])

	inj, _ := p.Faults("broker-a")
	dropped := inj.Add(proxyRule(remoting.CodeNotifyConsumerIDsChanged, fault.ActionDrop))
	before := first.notified()
	newConsumer(t, p, "c3", "cg")
	require.Eventually(t, func() bool { return dropped.Fired() == 3 }, timeout, time.Millisecond,
		"the broker told c1, c2 and c3, and the rule took each")
	require.Equal(t, before, first.notified())
}

// consumer heartbeats into a group through the proxy's broker-a listener and answers what the
// broker asks it.
type consumer struct {
	mu       sync.Mutex
	notifies int
}

func (c *consumer) notified() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.notifies
}

func newConsumer(t *testing.T, p *proxy.Proxy, clientID, group string) *consumer {
	t.Helper()
	c := &consumer{}
	rc := rawClient(t)
	rc.Handle(remoting.CodeNotifyConsumerIDsChanged, func(_ context.Context, req *remoting.Request) *remoting.Command {
		c.mu.Lock()
		c.notifies++
		c.mu.Unlock()
		return nil
	})
	rc.Handle(remoting.CodeGetConsumerRunningInfo, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.ConsumerRunningInfo{Properties: map[string]string{"consumerGroup": group, "answeredBy": clientID}}).Encode()
		return resp
	})
	hb := &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere:    protocol.ConsumeFromLastOffset,
		SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "T", SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag}},
	}}}
	resp, err := rc.Invoke(ctx(t), proxied(t, p, "broker-a").Addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	return c
}

// A crash through the admin API is what clients of the broker see of a crash: the connections
// through the proxy close, its listeners refuse, the name server's answers leave it out (a topic
// only it had is TOPIC_NOT_EXIST), while the broker behind runs on; start brings it back on the
// same address.
func TestCrashAsClientsSeeIt(t *testing.T) {
	fc, p := cluster(t, fakecluster.WithTopicOn("OnlyA", 2, "broker-a"))
	h := p.AdminHandler()
	a := proxied(t, p, "broker-a")
	c := rawClient(t)
	conn, err := c.Conn(ctx(t), a.Addr)
	require.NoError(t, err)
	resp, err := conn.Invoke(ctx(t), remoting.NewRequest(remoting.CodeHeartBeat, nil, (&protocol.HeartbeatData{ClientID: "x"}).Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)

	code, v := adminCall(t, h, "POST", "/v1/brokers/broker-a/stop", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"name": "broker-a", "addr": a.Addr, "online": false}, v["brokers"].([]any)[0])
	select {
	case <-conn.Done():
	case <-time.After(timeout):
		t.Fatal("the client's connection through the proxy stayed open")
	}
	_, err = net.DialTimeout("tcp", a.Addr, time.Second)
	require.Error(t, err, "the listener is closed")
	vip, _ := vipOf(a.Addr)
	_, err = net.DialTimeout("tcp", vip, time.Second)
	require.Error(t, err, "so is its VIP listener")
	require.True(t, brokerOf(t, fc, "broker-a").Running(), "the broker behind runs on")

	rd := decodeRoute(t, routeVia(t, c, p.NameServerAddr(), "T", 407, remoting.SerializeJSON))
	require.Equal(t, map[string]string{"broker-b": proxied(t, p, "broker-b").Addr}, masters(rd))
	for _, q := range rd.QueueDatas {
		require.Equal(t, "broker-b", q.BrokerName)
	}
	only := routeVia(t, c, p.NameServerAddr(), "OnlyA", 407, remoting.SerializeJSON)
	require.Equal(t, remoting.TopicNotExist, only.Code)
	require.Equal(t, protocol.TopicNotExistRemark("OnlyA"), only.Remark)
	_, ok, err := p.Route(ctx(t), "OnlyA")
	require.NoError(t, err)
	require.False(t, ok)
	ci, err := c.Invoke(ctx(t), p.NameServerAddr(), remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
	require.NoError(t, err)
	info, err := protocol.DecodeClusterInfo(ci.Body)
	require.NoError(t, err)
	require.Equal(t, []string{"broker-b"}, info.ClusterAddrTable["DefaultCluster"])
	_, listed := info.BrokerAddrTable["broker-a"]
	require.False(t, listed)

	code, v = adminCall(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, true, v["brokers"].([]any)[0].(map[string]any)["online"])
	rd = decodeRoute(t, routeVia(t, c, p.NameServerAddr(), "OnlyA", 407, remoting.SerializeJSON))
	require.Equal(t, map[string]string{"broker-a": a.Addr}, masters(rd), "back on the same address")
	pr := producer(t, p)
	_, err = pr.Send(ctx(t), client.NewMessage("OnlyA", []byte("back")))
	require.NoError(t, err)
	require.NoError(t, p.StartBroker(ctx(t), "broker-a"), "starting a running broker does nothing")

	// A clean stop looks the same to clients.
	require.NoError(t, p.StopBroker(ctx(t), "broker-a"))
	require.False(t, proxied(t, p, "broker-a").Running)
	require.Equal(t, remoting.TopicNotExist, routeVia(t, c, p.NameServerAddr(), "OnlyA", 407, remoting.SerializeJSON).Code)
	require.NoError(t, p.StartBroker(ctx(t), "broker-a"))

	for _, err := range []error{p.CrashBroker("broker-x"), p.StopBroker(ctx(t), "broker-x"), p.StartBroker(ctx(t), "broker-x")} {
		require.ErrorIs(t, err, proxy.ErrUnknownBroker)
	}
}

// When the broker behind closes a connection (here: it crashed), the proxy closes the client's;
// a new connection finds nothing behind the proxy's listener and is closed too.
func TestUpstreamCloseClosesTheClientsConnection(t *testing.T) {
	fc, p := cluster(t)
	a := proxied(t, p, "broker-a")
	c := rawClient(t)
	conn, err := c.Conn(ctx(t), a.Addr)
	require.NoError(t, err)
	_, err = conn.Invoke(ctx(t), remoting.NewRequest(remoting.CodeHeartBeat, nil, (&protocol.HeartbeatData{ClientID: "x"}).Encode()))
	require.NoError(t, err)
	require.NoError(t, fc.CrashBroker("broker-a"))
	select {
	case <-conn.Done():
	case <-time.After(timeout):
		t.Fatal("the client's connection through the proxy stayed open")
	}
	_, err = c.Invoke(ctx(t), a.Addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
	require.ErrorIs(t, err, remoting.ErrConnectionClosed)
}

func TestStartAndNewErrors(t *testing.T) {
	_, err := proxy.New("no port")
	require.Error(t, err)
	_, err = proxy.New("127.0.0.1:9876", proxy.WithListenAddr("nowhere"))
	require.Error(t, err)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	require.NoError(t, l.Close())
	p, err := proxy.New(dead)
	require.NoError(t, err)
	err = p.Start(ctx(t))
	require.ErrorContains(t, err, "asking the upstream name server")
	_, err = net.DialTimeout("tcp", p.NameServerAddr(), time.Second)
	require.Error(t, err, "a failed start closes what it opened")
	require.Error(t, p.Start(ctx(t)), "a proxy starts once")

	fc := fakecluster.Start(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	p, err = proxy.New(fc.NameServerAddr(), proxy.WithListenAddr(busy.Addr().String()))
	require.NoError(t, err)
	require.Error(t, p.Start(ctx(t)))
	require.NoError(t, p.Close())
}

func proxyRule(code int32, action fault.Action) fault.Rule {
	return fault.Rule{Code: code, Action: action}
}
