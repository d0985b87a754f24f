package compat

// The Java 4.9.7 client through rocketsim's proxy, in front of the fakes and in front of real
// RocketMQ 4.9.7: the peer's scenarios with the proxy as their name server.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// vipFlag turns the Java client's VIP channel on (ClientConfig.vipChannelEnabled): it sends to
// the port it was told minus 2.
const vipFlag = "-Dcom.rocketmq.sendMessageWithVIPChannel=true"

// realTopic creates a topic of topicQueues queues on every real broker.
func realTopic(t *testing.T, rc *realrmq.Cluster, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	tc := protocol.NewTopicConfig(name)
	tc.ReadQueueNums, tc.WriteQueueNums = topicQueues, topicQueues
	require.NoError(t, rc.CreateTopicConfig(ctx, tc))
}

// realMessages waits until the real brokers hold want messages of topic and returns them.
func realMessages(t *testing.T, rc *realrmq.Cluster, topic string, want int) []*protocol.MessageExt {
	t.Helper()
	var brokers []admin.Broker
	for _, b := range rc.Brokers() {
		brokers = append(brokers, admin.Broker{Name: b.Name, Addr: b.Addr})
	}
	var msgs []*protocol.MessageExt
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		msgs, err = admin.TopicMessages(ctx, realCluster.Client(), "", brokers, topic)
		return err == nil && len(msgs) == want
	}, waitDeadline, 20*time.Millisecond, "%d messages of %s on the real brokers (have %d)", want, topic, len(msgs))
	return msgs
}

// vipListeners are the VIP ports of the proxy's broker listeners.
func vipListeners(t *testing.T, p *proxy.Proxy) []string {
	t.Helper()
	var out []string
	for _, b := range p.Brokers() {
		host, port, err := net.SplitHostPort(b.Addr)
		require.NoError(t, err)
		n, err := strconv.Atoi(port)
		require.NoError(t, err)
		out = append(out, net.JoinHostPort(host, strconv.Itoa(n-2)))
	}
	return out
}

// Every send path of the Java client through the proxy, in both header serializations and over
// the VIP channel, with a delay rule added through the admin API holding two of its sends.
func TestJavaThroughTheProxy(t *testing.T) {
	peer := requireJavaPeer(t)
	for _, tc := range []struct {
		name  string
		real  bool
		flags []string
		st    remoting.SerializeType
		vip   bool
	}{
		{"fakes/JSON", false, nil, remoting.SerializeJSON, false},
		{"fakes/ROCKETMQ", false, []string{"-Drocketmq.serialize.type=ROCKETMQ"}, remoting.SerializeRocketMQ, false},
		{"real/JSON+VIP", true, []string{vipFlag}, remoting.SerializeJSON, true},
		{"real/ROCKETMQ", true, []string{"-Drocketmq.serialize.type=ROCKETMQ"}, remoting.SerializeRocketMQ, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p *proxy.Proxy
			var fc cluster
			var rc *realrmq.Cluster
			topicName := topic
			if tc.real {
				rc = realCluster.Cluster(t)
				topicName = uniqueName(t, "JavaProxy")
				realTopic(t, rc, topicName)
				p = proxyFor(t, rc.NameServerAddr())
			} else {
				fc = startCluster(t)
				p = proxyFor(t, fc.NameServerAddr())
			}
			code, v := adminCall(t, p, "POST", "/v1/faults", `{"target":"broker-a","code":310,"action":"delay","delayMs":100,"times":2}`)
			require.Equal(t, http.StatusCreated, code, v)
			group := uniqueName(t, "jpg")
			run := peer.run(t, tc.flags, p.NameServerAddr(), "producer", topicName, group, fmt.Sprint(javaPerOp))
			require.Empty(t, run.clientComplaints(t), "the Java client's log: no WARN or ERROR")

			ids := map[string]bool{}
			for _, l := range run.lines {
				if l.MsgID != "" && l.Op != "batch" {
					ids[l.MsgID] = true
				}
			}
			var storedIDs []string
			if tc.real {
				for _, m := range realMessages(t, rc, topicName, javaSends) {
					storedIDs = append(storedIDs, m.UniqKey())
				}
			} else {
				awaitCond(t, fc, "every java send stored", func() bool { return len(fc.Messages(topicName)) == javaSends })
				for _, m := range fc.Messages(topicName) {
					storedIDs = append(storedIDs, m.MsgID)
				}
			}
			for id := range ids {
				require.Contains(t, storedIDs, id, "a result the brokers stored")
			}

			sends := proxiedRequests(p, remoting.CodeSendMessageV2)
			require.Len(t, sends, javaSends-javaPerOp, "every single send passed the proxy")
			delayed := 0
			for _, e := range sends {
				require.Equal(t, remoting.LanguageJava, e.Language)
				require.Equal(t, tc.st, e.SerializeType)
				require.Equal(t, group, e.ExtFields["a"])
				require.Equal(t, tc.vip, slices.Contains(vipListeners(t, p), e.Local), "sent to %s", e.Local)
				if e.Fault == fault.ActionDelay {
					delayed++
					require.GreaterOrEqual(t, e.Latency, 100*time.Millisecond)
				}
				if !e.Oneway {
					require.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
				}
			}
			require.Equal(t, 2, delayed)
			unregisters := proxiedRequests(p, remoting.CodeUnregisterClient)
			require.NotEmpty(t, unregisters, "the shutdown unregistered through the proxy")
		})
	}
}

// The Java push consumer and the transactional producer through the proxy: the consumer gets
// everything and hears of its group's changes (40) through the proxy; the brokers' checks (39)
// reach the producer's checker and its END_TRANSACTION goes back up.
func TestJavaConsumerAndTransactionsThroughTheProxy(t *testing.T) {
	peer := requireJavaPeer(t)
	t.Run("fakes", func(t *testing.T) {
		c := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic(topic, topicQueues),
			fakecluster.WithBrokerOptions(fakebroker.WithTransactionCheckInterval(time.Second),
				fakebroker.WithTransactionTimeout(time.Second)))
		p := proxyFor(t, c.NameServerAddr())
		inj, _ := p.Faults("broker-a")
		notified := inj.Add(fault.Rule{Code: remoting.CodeNotifyConsumerIDsChanged, Action: fault.ActionDelay, Delay: time.Millisecond})

		first := peer.run(t, nil, p.NameServerAddr(), "producer", topic, uniqueName(t, "jpg"), fmt.Sprint(javaPerOp))
		require.Empty(t, first.clientComplaints(t))
		awaitCond(t, c, "every java send stored", func() bool { return len(c.Messages(topic)) == javaSends })
		group := uniqueName(t, "jcg")
		consumer := peer.run(t, nil, p.NameServerAddr(), "consumer", topic, group, fmt.Sprint(javaSends))
		require.Empty(t, consumer.clientComplaints(t, consumerStartNoise(group)...))
		received := map[string]bool{}
		for _, l := range linesOf(consumer.lines, "received") {
			received[l.MsgID] = true
		}
		for _, m := range c.Messages(topic) {
			require.True(t, received[m.MsgID], "stored %s delivered through the proxy", m.MsgID)
		}
		require.Positive(t, notified.Fired(), "broker-a's NOTIFY_CONSUMER_IDS_CHANGED came down through the proxy")

		txTopic := "JavaProxyTx"
		require.NoError(t, c.CreateTopic(context.Background(), txTopic, topicQueues))
		requireJavaTransactions(t, peer, p, txTopic, func(n int) int {
			awaitCond(t, c, "every committed message stored", func() bool { return len(c.Messages(txTopic)) == n })
			return len(c.Messages(txTopic))
		})
	})
	t.Run("real", func(t *testing.T) {
		rc := realCluster.Cluster(t)
		p := proxyFor(t, rc.NameServerAddr())
		txTopic := uniqueName(t, "JavaProxyTx")
		realTopic(t, rc, txTopic)
		requireJavaTransactions(t, peer, p, txTopic, func(n int) int { return len(realMessages(t, rc, txTopic, n)) })
	})
}

// requireJavaTransactions runs the peer's transaction scenario through p: of 9 messages the
// local transaction commits 3, rolls back 3 and leaves 3 unknown for the broker's check, whose
// answer commits them. storedAfter waits for n committed messages and says how many there are.
func requireJavaTransactions(t *testing.T, peer *javaPeer, p *proxy.Proxy, txTopic string, storedAfter func(n int) int) {
	t.Helper()
	const n = 9
	run := peer.run(t, nil, p.NameServerAddr(), "transaction", txTopic, uniqueName(t, "jtx"), fmt.Sprint(n))
	require.Empty(t, run.clientComplaints(t), "the Java client's log: no WARN or ERROR")
	var checked []int
	for _, l := range linesOf(run.lines, "check") {
		checked = append(checked, l.I)
	}
	slices.Sort(checked)
	require.Equal(t, []int{2, 5, 8}, slices.Compact(checked), "the brokers' checks reached the checker through the proxy")
	require.Equal(t, 6, storedAfter(6))
	var fromCheck int
	for _, e := range proxiedRequests(p, remoting.CodeEndTransaction) {
		if e.ExtFields[protocol.FieldFromTransactionCheck] == "true" {
			fromCheck++
		}
	}
	require.GreaterOrEqual(t, fromCheck, 3, "the checker's END_TRANSACTION went up through the proxy")
}
