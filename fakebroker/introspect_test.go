package fakebroker

import (
	"net/netip"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestIdentityOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		ns := newStubNS(t, mem, nsAddr)
		b := New(append(baseOptions(mem, nsAddr),
			WithName("broker-b"), WithCluster("C2"), WithListenAddr("broker-b:10911"),
			WithAdvertisedAddr("broker-b.example:10911"), WithHAServerAddr("10.0.0.2:10912"),
			WithRegion("R1"), WithTraceOn(false), WithTopic("T", 2))...)
		require.NoError(t, b.Start())
		defer b.Crash()
		require.Equal(t, "broker-b", b.Name())
		require.Equal(t, "C2", b.Cluster())
		require.Equal(t, "broker-b.example:10911", b.Addr())
		require.Equal(t, "broker-b:10911", b.ListenAddr())

		e := ns.await(t, remoting.CodeRegisterBroker, 1)
		require.Equal(t, "broker-b", e.ExtFields["brokerName"])
		require.Equal(t, "C2", e.ExtFields["clusterName"])
		require.Equal(t, "broker-b.example:10911", e.ExtFields["brokerAddr"])
		require.Equal(t, "10.0.0.2:10912", e.ExtFields["haServerAddr"])
		topics := regBody(t, e).TopicConfigSerializeWrapper.TopicConfigTable
		require.Contains(t, topics, "C2")
		require.Contains(t, topics, "broker-b")
		require.Contains(t, topics, "C2_REPLY_TOPIC")

		resp := remotingtest.Invoke(t, remotingtest.NewClient(t, mem.Dial), "broker-b:10911",
			sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 0, nil), []byte("x")))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, "R1", resp.ExtFields["MSG_REGION"])
		require.Equal(t, "false", resp.ExtFields["TRACE_ON"])
		// A host name is no IP: the store host falls back to 127.0.0.1 with the port.
		m := b.Messages("T")[0]
		require.Equal(t, "127.0.0.1:10911", m.StoreHost)
		require.Equal(t, protocol.CreateOffsetMsgID(netip.MustParseAddrPort("127.0.0.1:10911"), 0), m.OffsetMsgID)
		require.Equal(t, "C2", m.Properties["CLUSTER"])
		require.Equal(t, "broker-b", m.Broker)
	})
}

func TestStoreHostOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithStoreHost(netip.MustParseAddrPort("[2001:db8::1]:10911")), WithTopic("T", 1))
		h := r.send(remoting.CodeSendMessageV2, "T", 0, "v6", nil)
		require.Len(t, h.MsgID, 56)
		m := r.b.Messages("T")[0]
		require.Equal(t, protocol.SysFlagStoreHostV6, m.SysFlag&protocol.SysFlagStoreHostV6)
		// The pull's stored encoding carries the IPv6 store host.
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		resp := r.pull(pullHeader("cg", "T", 0, 0))
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "[2001:db8::1]:10911", msgs[0].StoreHost.String())
		require.Equal(t, h.MsgID, msgs[0].MsgID)
	})
}

func TestIntrospection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2), WithTraceTopic(true))
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		r.send(remoting.CodeSendMessageV2, "T", 1, "x", nil)

		var names []string
		for _, tc := range r.b.Topics() {
			names = append(names, tc.TopicName)
		}
		require.Equal(t, []string{"%RETRY%cg", "BenchmarkTest", "DefaultCluster", "DefaultCluster_REPLY_TOPIC",
			"OFFSET_MOVED_EVENT", "RMQ_SYS_TRACE_TOPIC", "SCHEDULE_TOPIC_XXXX", "SELF_TEST_TOPIC", "T", "TBW102", "broker-a"}, names)
		require.Equal(t, []string{"T"}, r.b.MessageTopics())
		subs := r.b.Subscriptions("cg")
		require.Equal(t, "*", subs["T"].SubString)
		require.Equal(t, protocol.PermRead|protocol.PermWrite, r.b.Permission())
		require.Nil(t, r.b.Subscriptions("nobody"))
		require.Empty(t, r.b.Messages("nobody"))
	})
}

func TestSubscriptionGroupsWithoutAutoCreate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1), WithAutoCreateSubscriptionGroup(false))
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		_, ok := r.b.Topic("%RETRY%cg")
		require.False(t, ok, "no group config, no retry topic")
		resp := r.pull(pullHeader("cg", "T", 0, 0))
		require.Equal(t, remoting.SubscriptionGroupNotExist, resp.Code)
		r.b.AddSubscriptionGroup("cg")
		h := pullHeader("cg", "T", 0, 0)
		h.SysFlag = 0
		resp = r.pull(h)
		require.Equal(t, remoting.PullNotFound, resp.Code)
	})
}
