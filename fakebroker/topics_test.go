package fakebroker

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func createTopicReq(topic string, queues, perm int32) *remoting.Command {
	return protocol.RequestWithHeader(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
		Topic: topic, DefaultTopic: "TBW102", ReadQueueNums: queues, WriteQueueNums: queues, Perm: perm,
		TopicFilterType: protocol.SingleTag,
	}, nil)
}

func TestUpdateAndCreateTopic(t *testing.T) {
	cases := []struct {
		name       string
		req        func() *remoting.Command
		wantCode   int32
		wantRemark string
	}{
		{"created", func() *remoting.Command { return createTopicReq("Orders", 8, 6) }, remoting.Success, "not set any response code"},
		{"illegal name", func() *remoting.Command { return createTopicReq("bad/name", 8, 6) }, remoting.SystemError,
			"The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"},
		{"system topic", func() *remoting.Command { return createTopicReq("TBW102", 8, 6) }, remoting.SystemError,
			"The topic[TBW102] is conflict with system topic."},
		{"the cluster's topic is a system topic", func() *remoting.Command { return createTopicReq("DefaultCluster", 8, 6) },
			remoting.SystemError, "The topic[DefaultCluster] is conflict with system topic."},
		{"the broker's topic is a system topic", func() *remoting.Command { return createTopicReq("broker-a", 8, 6) },
			remoting.SystemError, "The topic[broker-a] is conflict with system topic."},
		{"rmq_sys_ prefix", func() *remoting.Command { return createTopicReq("rmq_sys_x", 8, 6) }, remoting.SystemError,
			"The topic[rmq_sys_x] is conflict with system topic."},
		{"bad filter type", func() *remoting.Command {
			req := createTopicReq("Orders", 8, 6)
			req.ExtFields["topicFilterType"] = "XX"
			return req
		}, remoting.SystemError, "org.apache.rocketmq.remoting.exception.RemotingCommandException: topicFilterType = [XX] value invalid, " +
			"org.apache.rocketmq.common.protocol.header.CreateTopicRequestHeader.checkFields(CreateTopicRequestHeader.java:50)"},
		{"perm missing", func() *remoting.Command {
			req := createTopicReq("Orders", 8, 6)
			delete(req.ExtFields, "perm")
			return req
		}, remoting.SystemError, `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of ` +
			`"org.apache.rocketmq.common.protocol.header.CreateTopicRequestHeader.getPerm()" is null, ` +
			`org.apache.rocketmq.broker.processor.AdminBrokerProcessor.updateAndCreateTopic(AdminBrokerProcessor.java:273)`},
		{"no extFields at all: no checkFields, a blank topic", func() *remoting.Command {
			return remoting.NewRequest(remoting.CodeUpdateAndCreateTopic, nil, nil)
		}, remoting.SystemError, "The specified topic is blank."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.ns.await(t, remoting.CodeRegisterBroker, 1)
				before := r.b.DataVersion()
				resp := r.invoke(tc.req())
				require.Equal(t, tc.wantCode, resp.Code, resp.Remark)
				require.Equal(t, tc.wantRemark, resp.Remark)
				require.Nil(t, resp.ExtFields)
				synctest.Wait()
				if tc.wantCode != remoting.Success {
					_, ok := r.b.Topic("Orders")
					require.False(t, ok)
					require.Len(t, r.ns.registrations(), 1)
					return
				}
				topic, ok := r.b.Topic("Orders")
				require.True(t, ok)
				require.Equal(t, protocol.TopicConfig{TopicName: "Orders", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 6,
					TopicFilterType: protocol.SingleTag}, topic)
				// Registered two-way with that one topic and the new data version.
				e := r.ns.await(t, remoting.CodeRegisterBroker, 2)
				require.False(t, e.Oneway)
				body := regBody(t, e)
				require.Equal(t, map[string]protocol.TopicConfig{"Orders": topic}, body.TopicConfigSerializeWrapper.TopicConfigTable)
				require.Equal(t, before.Counter+1, body.TopicConfigSerializeWrapper.DataVersion.Counter)
				require.Equal(t, r.b.DataVersion(), body.TopicConfigSerializeWrapper.DataVersion)
			})
		})
	}
}

// With a real (fake) name server, creating a topic changes its route at once, as on a real
// cluster, and the broker's periodic registrations keep it; a crash removes the broker.
func TestCreateTopicChangesTheRoute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		ns := fakenamesrv.New(fakenamesrv.WithLogger(testkit.Quiet))
		remotingtest.Serve(t, mem, nsAddr, ns)
		b := New(baseOptions(mem, nsAddr)...)
		require.NoError(t, b.Start())
		defer b.Crash()

		route, ok := ns.Route("TBW102")
		require.True(t, ok)
		require.Equal(t, brokerAddr, route.BrokerDatas[0].BrokerAddrs[0])
		_, ok = ns.Route("Orders")
		require.False(t, ok)

		client := remotingtest.NewClient(t, mem.Dial)
		resp := invokeOn(t, client, createTopicReq("Orders", 2, 6))
		require.Equal(t, remoting.Success, resp.Code)
		route, ok = ns.Route("Orders")
		require.True(t, ok)
		require.Equal(t, int32(2), route.QueueDatas[0].WriteQueueNums)

		// Auto-creation shows up too (oneway registration).
		resp = invokeOn(t, client, sendReq(t, remoting.CodeSendMessageV2, sendHeader("Auto", 0, nil), []byte("x")))
		require.Equal(t, remoting.Success, resp.Code)
		synctest.Wait()
		route, ok = ns.Route("Auto")
		require.True(t, ok)
		require.Equal(t, int32(4), route.QueueDatas[0].WriteQueueNums)

		// Five minutes of periodic registrations keep the broker alive on the name server.
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		require.Len(t, ns.Brokers(), 1)
		require.True(t, ns.Brokers()[0].Online)

		// A crash closes the broker's connection: the name server drops it at once.
		b.Crash()
		synctest.Wait()
		_, ok = ns.Route("Orders")
		require.False(t, ok)

		// Restarted on the same address, with its topics.
		require.NoError(t, b.Start())
		synctest.Wait()
		route, ok = ns.Route("Orders")
		require.True(t, ok)
		require.Equal(t, brokerAddr, route.BrokerDatas[0].BrokerAddrs[0])
	})
}

// Silenced, the broker expires on the name server after 120 s while it keeps serving.
func TestSilencedBrokerExpiresOnTheNameServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		ns := fakenamesrv.New(fakenamesrv.WithLogger(testkit.Quiet))
		remotingtest.Serve(t, mem, nsAddr, ns)
		// The name-server connection must outlive 120 s of silence.
		b := New(append(baseOptions(mem, nsAddr), WithNameServerClientOptions(remoting.WithIdleTimeout(0)))...)
		require.NoError(t, b.Start())
		defer b.Crash()
		b.Silence(true)
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		_, ok := ns.Route("TBW102")
		require.False(t, ok)
		b.Silence(false)
		b.RegisterNow(context.Background())
		_, ok = ns.Route("TBW102")
		require.True(t, ok)
	})
}

func TestDeleteTopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("Gone", 2))
		r.send(remoting.CodeSendMessageV2, "Gone", 0, "x", nil)
		require.True(t, r.b.DeleteTopic(context.Background(), "Gone"))
		require.False(t, r.b.DeleteTopic(context.Background(), "Gone"))
		_, ok := r.b.Topic("Gone")
		require.False(t, ok)
		require.Len(t, r.b.Messages("Gone"), 1, "the commit log keeps the messages")
		e := r.ns.await(t, remoting.CodeRegisterBroker, 2)
		require.NotContains(t, regBody(t, e).TopicConfigSerializeWrapper.TopicConfigTable, "Gone")
	})
}

func TestTransactionCheckCreatesTheHalfTopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTransactionCheckInterval(time.Minute))
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		time.Sleep(59 * time.Second)
		synctest.Wait()
		_, ok := r.b.Topic("RMQ_SYS_TRANS_HALF_TOPIC")
		require.False(t, ok)
		time.Sleep(time.Second)
		synctest.Wait()
		tc, ok := r.b.Topic("RMQ_SYS_TRANS_HALF_TOPIC")
		require.True(t, ok)
		require.Equal(t, int32(1), tc.WriteQueueNums)
		var oneway []string
		for _, reg := range r.b.Registrations() {
			if reg.Oneway {
				oneway = append(oneway, reg.Reason)
			}
		}
		require.Equal(t, []string{"transaction-check"}, oneway)
		require.True(t, strings.Contains(strings.Join(r.b.Registrations()[len(r.b.Registrations())-1].Topics, ","), "RMQ_SYS_TRANS_HALF_TOPIC"))
	})
}

func TestGetAllTopicConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("Orders", 4))
		resp := r.invoke(remoting.NewRequest(remoting.CodeGetAllTopicConfig, nil, nil))
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, map[string]string{}, resp.ExtFields)
		wr, err := protocol.DecodeTopicConfigSerializeWrapper(resp.Body)
		require.NoError(t, err)
		require.Equal(t, r.b.DataVersion(), wr.DataVersion)
		require.Len(t, wr.TopicConfigTable, len(r.b.Topics()))
		require.EqualValues(t, 4, wr.TopicConfigTable["Orders"].WriteQueueNums)
		require.Contains(t, wr.TopicConfigTable, protocol.AutoCreateTopicKey)
	})
}
