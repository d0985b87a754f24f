package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// Our client through rocketsim's proxy in front of real RocketMQ 4.9.7: every send path, the VIP
// channel, both header serializations, a pull, the requests the brokers send their clients,
// fault rules and history through the admin API, and a crash as clients see it.

// startProxy puts a proxy in front of c, closed when the test ends.
func startProxy(t *testing.T, c *realrmq.Cluster) *proxy.Proxy {
	t.Helper()
	p, err := proxy.New(c.NameServerAddr(), proxy.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.Start(ctx))
	return p
}

// proxiedProducer is newProducer with the proxy as its name server.
func proxiedProducer(t *testing.T, c *realrmq.Cluster, p *proxy.Proxy, group string, opts ...client.Option) *client.Producer {
	t.Helper()
	return newProducer(t, c, group, append([]client.Option{client.WithNameServers(p.NameServerAddr())}, opts...)...)
}

// proxyAdmin calls the proxy's admin API and decodes the JSON answer generically.
func proxyAdmin(t *testing.T, p *proxy.Proxy, method, path, body string) (int, map[string]any) {
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

func listenerOf(t *testing.T, p *proxy.Proxy, broker string) string {
	t.Helper()
	b, ok := p.Broker(broker)
	require.True(t, ok, broker)
	return b.Addr
}

// vipOf is addr's port minus 2, where a client with the VIP channel on sends.
func vipOf(t *testing.T, addr string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return net.JoinHostPort(host, strconv.Itoa(n-2))
}

func TestProxySendPaths(t *testing.T) {
	c := shared.Cluster(t)
	p := startProxy(t, c)
	topic := unique("ConfProxySend")
	createTopic(t, c, topic, 4)
	sent := 0
	for _, tc := range []struct {
		binary, vip bool
	}{{false, false}, {true, false}, {false, true}, {true, true}} {
		t.Run(fmt.Sprintf("binaryHeader=%v vip=%v", tc.binary, tc.vip), func(t *testing.T) {
			pr := proxiedProducer(t, c, p, unique("ConfProxyPG"), client.WithBinaryHeader(tc.binary), client.WithVIPChannel(tc.vip))
			res, err := pr.Send(t.Context(), client.NewMessage(topic, []byte("sync")))
			require.NoError(t, err)
			require.Equal(t, client.SendOK, res.Status)
			async := make(chan *client.SendResult, 1)
			pr.SendAsync(t.Context(), client.NewMessage(topic, []byte("async")), func(r *client.SendResult, err error) {
				assert.NoError(t, err)
				async <- r
			})
			require.NotNil(t, <-async)
			require.NoError(t, pr.SendOneway(t.Context(), client.NewMessage(topic, []byte("oneway"))))
			batch, err := pr.SendBatch(t.Context(), client.NewMessage(topic, []byte("b1")), client.NewMessage(topic, []byte("b2")))
			require.NoError(t, err)
			require.Equal(t, client.SendOK, batch.Status)
			sent += 5
			msgs := byUniqKey(stored(t, c, topic, sent))
			m, ok := msgs[res.MsgID]
			require.True(t, ok)
			checkStored(t, c, res, m)

			want := remoting.SerializeJSON
			if tc.binary {
				want = remoting.SerializeRocketMQ
			}
			locals := map[string]bool{}
			for _, name := range []string{"broker-a", "broker-b"} {
				h, _ := p.History(name)
				for _, e := range h.Entries() {
					if e.Code == remoting.CodeSendMessageV2 && e.ExtFields["a"] == pr.Group() {
						assert.Equal(t, want, e.SerializeType)
						locals[e.Local] = true
						if !e.Oneway {
							assert.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
						}
					}
				}
			}
			for local := range locals {
				isVIP := local == vipOf(t, listenerOf(t, p, "broker-a")) || local == vipOf(t, listenerOf(t, p, "broker-b"))
				assert.Equal(t, tc.vip, isVIP, "sent to %s", local)
			}
		})
	}

	t.Run("pull", func(t *testing.T) {
		var bodies []string
		for q := range int32(4) {
			for _, name := range []string{"broker-a", "broker-b"} {
				mq := protocol.MessageQueue{Topic: topic, BrokerName: name, QueueID: q}
				_, err := admin.ReadQueue(t.Context(), shared.Client(), listenerOf(t, p, name), ReaderGroup, mq, 0, -1,
					func(m *protocol.MessageExt) { bodies = append(bodies, string(m.Body)) })
				require.NoError(t, err)
			}
		}
		assert.Len(t, bodies, sent, "every message read back through the proxy")
		h, _ := p.History("broker-a")
		assert.NotEmpty(t, h.Requests(remoting.CodePullMessage))
	})
}

// ReaderGroup is the consumer group of the pulls above.
const ReaderGroup = "rocketsim_conformance_proxy_reader"

func TestProxyFaultsHistoryAndCrash(t *testing.T) {
	c := shared.Cluster(t)
	p := startProxy(t, c)
	topic := unique("ConfProxyFault")
	createTopic(t, c, topic, 2)
	pr := proxiedProducer(t, c, p, unique("ConfProxyFaultPG"), client.WithRetries(0))
	queue := client.MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 0}

	code, v := proxyAdmin(t, p, "POST", "/v1/faults", `{"target":"broker-a","code":310,"action":"error","responseCode":2,"remark":"busy","times":1}`)
	require.Equal(t, http.StatusCreated, code, v)
	_, err := pr.SendToQueue(t.Context(), client.NewMessage(topic, []byte("refused")), queue)
	var be *client.BrokerError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, remoting.SystemBusy, be.Code)
	res, err := pr.SendToQueue(t.Context(), client.NewMessage(topic, []byte("stored")), queue)
	require.NoError(t, err)
	msgs := stored(t, c, topic, 1)
	assert.Equal(t, res.MsgID, msgs[0].UniqKey(), "only the second send reached the broker")

	code, v = proxyAdmin(t, p, "GET", "/v1/history?target=broker-a&code=310", "")
	require.Equal(t, http.StatusOK, code)
	sends := v["requests"].([]any)
	require.Len(t, sends, 2)
	assert.Equal(t, "error", sends[0].(map[string]any)["fault"])
	assert.Equal(t, "", sends[1].(map[string]any)["fault"])
	assert.EqualValues(t, 0, sends[1].(map[string]any)["responseCode"], "the real broker's answer")
	code, v = proxyAdmin(t, p, "GET", "/v1/history?target=namesrv&code=105", "")
	require.Equal(t, http.StatusOK, code)
	assert.NotEmpty(t, v["requests"], "the producer's route queries")

	// A crash as clients see it: the connections through the proxy close, and routes leave
	// the broker out while the real broker runs on.
	conn, err := shared.Client().Conn(t.Context(), listenerOf(t, p, "broker-a"))
	require.NoError(t, err)
	code, v = proxyAdmin(t, p, "POST", "/v1/brokers/broker-a/stop", "")
	require.Equal(t, http.StatusOK, code, v)
	select {
	case <-conn.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the connection through the proxy stayed open")
	}
	rd, ok, err := p.Route(t.Context(), topic)
	require.NoError(t, err)
	require.True(t, ok)
	for _, q := range rd.QueueDatas {
		assert.Equal(t, "broker-b", q.BrokerName)
	}
	direct, ok, err := admin.Route(t.Context(), shared.Client(), c.NameServerAddr(), topic)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Len(t, direct.BrokerDatas, 2, "the real name server still lists both")
	require.Eventually(t, func() bool { return slices.Equal([]string{"broker-b"}, publishBrokers(pr, topic)) },
		10*time.Second, 10*time.Millisecond, "the producer's next route poll drops broker-a")
	res, err = pr.Send(t.Context(), client.NewMessage(topic, []byte("to the survivor")))
	require.NoError(t, err, "the producer goes on with broker-b")
	assert.Equal(t, "broker-b", res.Queue.BrokerName)

	code, v = proxyAdmin(t, p, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code, v)
	rd, ok, err = p.Route(t.Context(), topic)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Len(t, rd.BrokerDatas, 2)
}

// The requests a real broker sends its clients come down through the proxy over the
// connection they heartbeat on: NOTIFY_CONSUMER_IDS_CHANGED (40) when a consumer group changes,
// GET_CONSUMER_RUNNING_INFO (307) when an admin asks, and CHECK_TRANSACTION_STATE (39) for a
// transaction left unknown, whose END_TRANSACTION goes back up.
func TestProxyBrokerRequests(t *testing.T) {
	c := shared.Cluster(t)
	p := startProxy(t, c)
	topic, group := unique("ConfProxyCalls"), unique("ConfProxyCallsCG")
	createTopic(t, c, topic, 2)

	var mu sync.Mutex
	notified := map[string]int{}
	consumer := func(clientID string) {
		rc := remoting.NewClient()
		t.Cleanup(func() { _ = rc.Close() })
		rc.Handle(remoting.CodeNotifyConsumerIDsChanged, func(context.Context, *remoting.Request) *remoting.Command {
			mu.Lock()
			notified[clientID]++
			mu.Unlock()
			return nil
		})
		rc.Handle(remoting.CodeGetConsumerRunningInfo, func(_ context.Context, req *remoting.Request) *remoting.Command {
			resp := remoting.NewResponse(req.Command, remoting.Success, "")
			resp.Body = (&protocol.ConsumerRunningInfo{Properties: map[string]string{"answeredBy": clientID}}).Encode()
			return resp
		})
		hb := &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{{
			GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
			ConsumeFromWhere:    protocol.ConsumeFromFirstOffset,
			SubscriptionDataSet: []protocol.SubscriptionData{{Topic: topic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag}},
		}}}
		resp, err := rc.Invoke(adminCtx(t), listenerOf(t, p, "broker-a"), remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	first := unique("127.0.0.1@first")
	consumer(first)
	consumer(unique("127.0.0.1@second"))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return notified[first] > 0
	}, 10*time.Second, 10*time.Millisecond, "the first consumer heard of the second")

	info, err := admin.ConsumerRunningInfo(adminCtx(t), shared.Client(), brokerAddr(t, c, "broker-a"), group, first, false)
	require.NoError(t, err)
	assert.Equal(t, first, info.Properties["answeredBy"])

	checked := make(chan string, 4)
	l := client.TransactionListenerFuncs{
		Check: func(_ context.Context, msg *client.MessageExt) (client.LocalTransactionState, error) {
			checked <- msg.UniqKey()
			return client.TransactionCommit, nil
		},
	}
	pr := proxiedProducer(t, c, p, unique("ConfProxyTxPG"), client.WithTransactionListener(l))
	res, err := pr.SendInTransaction(t.Context(), client.NewMessage(topic, []byte("unknown")), nil)
	require.NoError(t, err)
	require.Equal(t, client.TransactionUnknown, res.LocalTransactionState)
	select {
	case id := <-checked:
		assert.Equal(t, res.MsgID, id)
	case <-time.After(waitCheck):
		t.Fatal("the broker's check never came through the proxy")
	}
	assert.Equal(t, res.MsgID, stored(t, c, topic, 1)[0].UniqKey(), "committed by the check")
	h, _ := p.History(res.Queue.BrokerName)
	require.Eventually(t, func() bool {
		for _, e := range h.Requests(remoting.CodeEndTransaction) {
			if e.ExtFields["fromTransactionCheck"] == "true" {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "the checker's END_TRANSACTION went up through the proxy")
}
