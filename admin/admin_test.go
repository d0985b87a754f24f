package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/admin/admintest"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Every admin call, against a fake cluster on loopback: the fakes serve them all (28,
// GET_BROKER_RUNTIME_INFO, included: fakebroker/stats.go). conformance/admin_test.go runs the same
// calls against real 4.9.7; stub_test.go's stand-in answers what no sane broker does, for the
// package's defences.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// brokerOf returns cl's broker of that name; the test fails when there is none.
func brokerOf(t *testing.T, cl *fakecluster.Cluster, name string) *fakebroker.Broker {
	t.Helper()
	b, ok := cl.Broker(name)
	require.True(t, ok, "no broker %s", name)
	return b
}

func newClient(t *testing.T) *remoting.Client {
	cli := remoting.NewClient(remoting.WithConnectTimeout(time.Second))
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// send stores one message with SEND_MESSAGE_V2 and returns its queue offset.
func send(t *testing.T, cli *remoting.Client, addr, topic string, queue int32, body string) int64 {
	t.Helper()
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queue, BornTimestamp: time.Now().UnixMilli(),
	}
	resp, err := cli.Invoke(ctxFor(t), addr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte(body)))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	rh, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
	require.NoError(t, err)
	return rh.QueueOffset
}

func routedBrokers(rd *protocol.TopicRouteData) []string {
	var names []string
	for _, q := range rd.QueueDatas {
		names = append(names, q.BrokerName)
	}
	slices.Sort(names)
	return names
}

func TestTopics(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithCluster("C1"))
	cli, ctx, ns := newClient(t), ctxFor(t), cl.NameServerAddr()
	a, b := brokerOf(t, cl, "broker-a").Addr(), brokerOf(t, cl, "broker-b").Addr()

	info, err := admin.ClusterInfo(ctx, cli, ns)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, info.ClusterAddrTable["C1"])
	bd := info.BrokerAddrTable["broker-b"]
	addr, ok := bd.MasterAddr()
	require.True(t, ok)
	require.Equal(t, b, addr)

	_, ok, err = admin.Route(ctx, cli, ns, "Fresh")
	require.NoError(t, err, "no route is not an error")
	require.False(t, ok)

	tc := protocol.NewTopicConfig("Fresh")
	tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm, tc.TopicFilterType = 2, 3, protocol.PermRead, ""
	for _, addr := range []string{a, b} {
		require.NoError(t, admin.CreateTopic(ctx, cli, addr, tc))
	}
	rd, ok, err := admin.Route(ctx, cli, ns, "Fresh")
	require.NoError(t, err)
	require.True(t, ok, "the broker registers before it answers")
	require.Equal(t, []string{"broker-a", "broker-b"}, routedBrokers(rd))
	inC1, err := admin.TopicsInCluster(ctx, cli, ns, "C1")
	require.NoError(t, err)
	require.Contains(t, inC1, "Fresh")
	none, err := admin.TopicsInCluster(ctx, cli, ns, "Nope")
	require.NoError(t, err)
	require.Empty(t, none)
	require.Equal(t, protocol.QueueData{BrokerName: "broker-a", ReadQueueNums: 2, WriteQueueNums: 3, Perm: protocol.PermRead},
		rd.QueueDatas[slices.IndexFunc(rd.QueueDatas, func(q protocol.QueueData) bool { return q.BrokerName == "broker-a" })])
	got, _ := brokerOf(t, cl, "broker-a").Topic("Fresh")
	require.Equal(t, protocol.SingleTag, got.TopicFilterType, "an empty filter type is sent as SINGLE_TAG")

	var se *admin.ServerError
	err = admin.CreateTopic(ctx, cli, a, protocol.NewTopicConfig("TBW102"))
	require.ErrorAs(t, err, &se)
	require.Equal(t, remoting.SystemError, se.Code)
	require.Equal(t, "The topic[TBW102] is conflict with system topic.", se.Remark)
	require.Equal(t, a, se.Addr)
	require.Equal(t, "create topic TBW102", se.Op)

	// The broker forgets the topic but does not register: the name server still routes it.
	require.NoError(t, admin.DeleteTopicInBroker(ctx, cli, b, "Fresh"))
	_, kept := brokerOf(t, cl, "broker-b").Topic("Fresh")
	require.False(t, kept)
	rd, _, err = admin.Route(ctx, cli, ns, "Fresh")
	require.NoError(t, err)
	require.Equal(t, []string{"broker-a", "broker-b"}, routedBrokers(rd))
	require.NoError(t, admin.DeleteTopicInBroker(ctx, cli, b, "Fresh"), "an unknown topic is no error")

	// Only the named cluster's brokers lose the topic on the name server.
	require.NoError(t, admin.DeleteTopicInNameServer(ctx, cli, ns, "Fresh", "OtherCluster"))
	_, ok, _ = admin.Route(ctx, cli, ns, "Fresh")
	require.True(t, ok)
	require.NoError(t, admin.DeleteTopicInNameServer(ctx, cli, ns, "Fresh", "C1"))
	_, ok, err = admin.Route(ctx, cli, ns, "Fresh")
	require.NoError(t, err)
	require.False(t, ok)

	// As mqadmin deleteTopic: every master, then the name server for the cluster.
	require.NoError(t, admin.CreateTopic(ctx, cli, a, protocol.NewTopicConfig("Twice")))
	require.NoError(t, admin.DeleteTopic(ctx, cli, []string{ns}, "C1", []string{a, b}, "Twice"))
	_, ok, _ = admin.Route(ctx, cli, ns, "Twice")
	require.False(t, ok)
	_, kept = brokerOf(t, cl, "broker-a").Topic("Twice")
	require.False(t, kept)
	err = admin.DeleteTopic(ctx, cli, []string{ns}, "C1", []string{a}, "SCHEDULE_TOPIC_XXXX")
	require.ErrorAs(t, err, &se)
	require.Equal(t, "delete topic SCHEDULE_TOPIC_XXXX in broker", se.Op)
}

func TestOffsetsAndPulls(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("T", 2))
	cli, ctx := newClient(t), ctxFor(t)
	a := brokerOf(t, cl, "broker-a").Addr()
	mq := protocol.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 1}
	for _, body := range admintest.Bodies() {
		send(t, cli, a, "T", 1, body)
	}
	admintest.RequireQueueReads(t, ctx, cli, a, mq)
	maxOff, err := admin.MaxOffset(ctx, cli, a, protocol.MessageQueue{Topic: "Nobody"})
	require.NoError(t, err, "a queue the broker does not know is at 0")
	require.Zero(t, maxOff)

	se := admintest.RequirePullRefusals(t, ctx, cli, a, "Nobody", "T")
	require.Contains(t, se.Error(), "admin: pull T/2 at 0 at "+a+": code 1 SYSTEM_ERROR: queueId[2] is illegal")
}

func TestTopicMessages(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(3), fakecluster.WithTopicOn("T", 2, "broker-a", "broker-b"))
	cli, ctx := newClient(t), ctxFor(t)
	brokers := []admin.Broker{
		{Name: "broker-b", Addr: brokerOf(t, cl, "broker-b").Addr()},
		{Name: "broker-a", Addr: brokerOf(t, cl, "broker-a").Addr()},
		{Name: "broker-c", Addr: brokerOf(t, cl, "broker-c").Addr()}, // does not hold T
	}
	for _, m := range []struct {
		broker string
		queue  int32
		body   string
	}{{"broker-a", 1, "a1"}, {"broker-a", 0, "a0"}, {"broker-b", 1, "b1"}, {"broker-a", 1, "a1'"}} {
		send(t, cli, brokerOf(t, cl, m.broker).Addr(), "T", m.queue, m.body)
	}
	msgs, err := admin.TopicMessages(ctx, cli, "", brokers, "T")
	require.NoError(t, err)
	var got []string
	for _, m := range msgs {
		got = append(got, fmt.Sprintf("%s/%d/%d %s", m.BrokerName, m.QueueID, m.QueueOffset, m.Body))
	}
	require.Equal(t, []string{"broker-b/1/0 b1", "broker-a/0/0 a0", "broker-a/1/0 a1", "broker-a/1/1 a1'"}, got)

	// An unreachable broker is an error, not an empty store.
	_, err = admin.TopicMessages(ctx, cli, "", append(brokers, admin.Broker{Name: "gone", Addr: deadAddr(t)}), "T")
	require.Error(t, err)
	var se *admin.ServerError
	require.False(t, errors.As(err, &se), "no server answered: %v", err)
}

func TestKVConfig(t *testing.T) {
	cl := fakecluster.Start(t)
	cli, ctx, ns := newClient(t), ctxFor(t), cl.NameServerAddr()

	_, ok, err := admin.KVConfig(ctx, cli, ns, "ADMIN_NS", "k")
	require.NoError(t, err)
	require.False(t, ok)
	list, err := admin.KVList(ctx, cli, ns, "ADMIN_NS")
	require.NoError(t, err)
	require.Empty(t, list)

	require.NoError(t, admin.PutKVConfig(ctx, cli, ns, "ADMIN_NS", "k", "v"))
	require.NoError(t, admin.PutKVConfig(ctx, cli, ns, "ADMIN_NS", "k2", ""))
	v, ok, err := admin.KVConfig(ctx, cli, ns, "ADMIN_NS", "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v", v)
	v, ok, err = admin.KVConfig(ctx, cli, ns, "ADMIN_NS", "k2")
	require.NoError(t, err)
	require.True(t, ok, "an empty value is a value")
	require.Empty(t, v)
	list, err = admin.KVList(ctx, cli, ns, "ADMIN_NS")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k": "v", "k2": ""}, list)

	require.NoError(t, admin.DeleteKVConfig(ctx, cli, ns, "ADMIN_NS", "k"))
	require.NoError(t, admin.DeleteKVConfig(ctx, cli, ns, "ADMIN_NS", "never"))
	_, ok, err = admin.KVConfig(ctx, cli, ns, "ADMIN_NS", "k")
	require.NoError(t, err)
	require.False(t, ok)
	list, err = admin.KVList(ctx, cli, ns, "ADMIN_NS")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k2": ""}, list)
}

func TestConnections(t *testing.T) {
	cl := fakecluster.Start(t)
	cli, ctx := newClient(t), ctxFor(t)
	b := brokerOf(t, cl, "broker-a")
	a := b.Addr()

	// Clients are heartbeats naming their groups, each over a connection of its own.
	heartbeat := func(hb *protocol.HeartbeatData, lang remoting.LanguageCode, version int32) protocol.Connection {
		c := newClient(t)
		req := remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
		req.Language, req.Version = lang, version
		resp, err := c.Invoke(ctx, a, req)
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		conn, err := c.Conn(ctx, a)
		require.NoError(t, err)
		return protocol.Connection{ClientID: hb.ClientID, ClientAddr: conn.LocalAddr(), Language: lang.String(), Version: version}
	}
	producer := func(id string) *protocol.HeartbeatData {
		return &protocol.HeartbeatData{ClientID: id, ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}}
	}
	second := heartbeat(producer("192.0.2.2@2"), remoting.LanguageGo, 317)
	first := heartbeat(producer("192.0.2.2@1"), remoting.LanguageJava, 413)

	conns, err := admin.ProducerConnections(ctx, cli, a, "pg")
	require.NoError(t, err)
	require.Equal(t, []protocol.Connection{first, second}, conns, "sorted by client id")
	conns, err = admin.ProducerConnections(ctx, cli, a, "nobody")
	require.NoError(t, err, "a group nobody is in has no connections")
	require.Empty(t, conns)
	b.Faults().Add(fault.Rule{Code: remoting.CodeGetProducerConnectionList, Group: "broken", Action: fault.ActionError,
		Remark: "java.lang.NullPointerException"})
	_, err = admin.ProducerConnections(ctx, cli, a, "broken")
	var se *admin.ServerError
	require.ErrorAs(t, err, &se, "any other SYSTEM_ERROR is an error")
	require.Equal(t, "producer connections of broken", se.Op)

	sub := protocol.SubscriptionData{Topic: "T", SubString: "TagA", TagsSet: []string{"TagA"}, CodeSet: []int32{2598919},
		SubVersion: 7, ExpressionType: protocol.ExpressionTypeTag}
	consumer := heartbeat(&protocol.HeartbeatData{ClientID: "c1", ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "cg", ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere: protocol.ConsumeFromLastOffset, SubscriptionDataSet: []protocol.SubscriptionData{sub},
	}}}, remoting.LanguageJava, 413)
	cc, err := admin.ConsumerConnections(ctx, cli, a, "cg")
	require.NoError(t, err)
	require.Equal(t, &protocol.ConsumerConnection{
		ConnectionSet:     []protocol.Connection{consumer},
		SubscriptionTable: map[string]protocol.SubscriptionData{"T": sub},
		ConsumeType:       protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere: protocol.ConsumeFromLastOffset,
	}, cc)
	cc, err = admin.ConsumerConnections(ctx, cli, a, "offline")
	require.NoError(t, err)
	require.Empty(t, cc.ConnectionSet)
	require.Empty(t, cc.SubscriptionTable)
}

// conformance/admin_test.go runs the same calls against a real broker.
func TestBrokerConfig(t *testing.T) {
	cl := fakecluster.Start(t)
	cli, ctx, ns := newClient(t), ctxFor(t), cl.NameServerAddr()
	a := brokerOf(t, cl, "broker-a").Addr()

	config, version, err := admin.BrokerConfig(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, "broker-a", config["brokerName"])
	require.Equal(t, ns, config["namesrvAddr"])
	require.Equal(t, "6", config["brokerPermission"])
	require.Greater(t, len(config), 100, "every setting of the broker's config objects")
	require.Positive(t, version.Timestamp)

	// What parses is taken (text that needs escapes included), an unknown name is not.
	settings := map[string]string{"defaultQueryMaxNum": "33", "messageStorePlugIn": ` C:\plug in`, "x y": " z"}
	require.NoError(t, admin.UpdateBrokerConfig(ctx, cli, a, settings))
	updated, newVersion, err := admin.BrokerConfig(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, "33", updated["defaultQueryMaxNum"])
	require.Equal(t, ` C:\plug in`, updated["messageStorePlugIn"])
	require.NotContains(t, updated, "x y")
	require.Equal(t, version.Counter+1, newVersion.Counter)
	require.NoError(t, admin.UpdateBrokerConfig(ctx, cli, a, map[string]string{"defaultQueryMaxNum": "many"}))
	updated, _, err = admin.BrokerConfig(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, "33", updated["defaultQueryMaxNum"], "a value that does not parse is not taken")

	// Taking the broker's writes away: the route shows it as soon as the call returns.
	require.NoError(t, admin.UpdateBrokerConfig(ctx, cli, a, map[string]string{"brokerPermission": "4"}))
	rd, ok, err := admin.Route(ctx, cli, ns, protocol.AutoCreateTopicKey)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, protocol.PermRead, rd.QueueDatas[0].Perm)
	require.Equal(t, protocol.PermRead, brokerOf(t, cl, "broker-a").Permission())
}

// What mqadmin producer, queryCq, cleanUnusedTopic and deleteExpiredCommitLog ask a broker.
func TestProducersAndStoreMaintenance(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("T", 2))
	cli, ctx := newClient(t), ctxFor(t)
	a := brokerOf(t, cl, "broker-a").Addr()

	table, err := admin.ProducerTable(ctx, cli, a)
	require.NoError(t, err)
	require.Empty(t, table)
	hb := &protocol.HeartbeatData{ClientID: "192.0.2.2@1", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}}
	resp, err := cli.Invoke(ctx, a, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	table, err = admin.ProducerTable(ctx, cli, a)
	require.NoError(t, err)
	require.Len(t, table["pg"], 1)
	require.Equal(t, "192.0.2.2@1", table["pg"][0].ClientID)
	require.Equal(t, "JAVA", table["pg"][0].Language)

	send(t, cli, a, "T", 0, "m0")
	send(t, cli, a, "T", 0, "m1")
	cq, err := admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: "T", Count: 10})
	require.NoError(t, err)
	require.EqualValues(t, 2, cq.MaxQueueIndex)
	require.Len(t, cq.QueueData, 2)
	require.Less(t, cq.QueueData[0].PhysicOffset, cq.QueueData[1].PhysicOffset)
	_, err = admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: 2, Count: 10})
	require.ErrorIs(t, err, admin.ErrNoConsumeQueueEntry)
	_, err = admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: "Nope", Count: 10})
	var se *admin.ServerError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "0@Nope is not exist!", se.Remark)

	require.NoError(t, admin.CleanUnusedTopics(ctx, cli, a))
	require.NoError(t, admin.DeleteExpiredCommitLog(ctx, cli, a))
	cq, err = admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: "T", Count: 10})
	require.NoError(t, err)
	require.Len(t, cq.QueueData, 2, "T is in the topic table: its queue stays")
}

// What mqadmin brokerStatus, topicStatus, consumerProgress and the message queries read.
func TestBrokerStats(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("T", 2))
	cli, ctx := newClient(t), ctxFor(t)
	a := brokerOf(t, cl, "broker-a").Addr()
	send(t, cli, a, "T", 0, "m0")
	send(t, cli, a, "T", 0, "m1")

	info, err := admin.BrokerRuntimeInfo(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, "V4_9_7", info["brokerVersionDesc"])
	require.Equal(t, "2", info["msgPutTotalTodayNow"])

	stats, err := admin.TopicStats(ctx, cli, a, "T")
	require.NoError(t, err)
	q0 := protocol.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}
	require.Len(t, stats, 2)
	require.EqualValues(t, 2, stats[q0].MaxOffset)
	require.Positive(t, stats[q0].LastUpdateTimestamp)
	_, err = admin.TopicStats(ctx, cli, a, "Nope")
	require.ErrorIs(t, err, admin.ErrTopicNotExist)

	resp, err := cli.Invoke(ctx, a, protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
		protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 0, CommitOffset: 1}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	cs, err := admin.ConsumeStats(ctx, cli, a, "cg", "")
	require.NoError(t, err)
	require.Len(t, cs.OffsetTable, 2)
	require.EqualValues(t, 2, cs.OffsetTable[q0].BrokerOffset)
	require.EqualValues(t, 1, cs.OffsetTable[q0].ConsumerOffset)
	require.Positive(t, cs.OffsetTable[q0].LastTimestamp, "the store time of the message the group consumed last")

	require.NoError(t, admin.UpdateSubscriptionGroup(ctx, cli, a, protocol.NewSubscriptionGroupConfig("cg")))
	all, err := admin.BrokerConsumeStats(ctx, cli, a, false)
	require.NoError(t, err)
	require.Equal(t, a, all.BrokerAddr)
	require.EqualValues(t, 1, all.TotalDiff, "cg has one of T's two messages left")
	var ofCG []*protocol.ConsumeStats
	for _, m := range all.ConsumeStatsList {
		ofCG = append(ofCG, m["cg"]...)
	}
	require.Equal(t, []*protocol.ConsumeStats{cs}, ofCG, "T has as many read as write queues: 208's answer")

	groups, err := admin.TopicConsumers(ctx, cli, a, "T")
	require.NoError(t, err)
	require.Equal(t, []string{"cg"}, groups)

	require.NoError(t, admin.CleanExpiredConsumeQueues(ctx, cli, a))

	// mqadmin statsAll: counted at once, sampled later (fakebroker's tests follow the windows).
	data, err := admin.BrokerStatsData(ctx, cli, a, protocol.StatsTopicPutNums, "T")
	require.NoError(t, err)
	require.NotNil(t, data)
	_, err = admin.BrokerStatsData(ctx, cli, a, protocol.StatsTopicPutNums, "Nope")
	require.ErrorContains(t, err, "The stats <TOPIC_PUT_NUMS> <Nope> not exist")
}

// What mqadmin getNamesrvConfig, updateNamesrvConfig, wipeWritePerm and addWritePerm do.
func TestNameServerAdmin(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("T", 2))
	cli, ctx, ns := newClient(t), ctxFor(t), cl.NameServerAddr()

	config, err := admin.NamesrvConfig(ctx, cli, ns)
	require.NoError(t, err)
	require.Equal(t, "center", config["productEnvName"])
	require.NoError(t, admin.UpdateNamesrvConfig(ctx, cli, ns, map[string]string{"productEnvName": "test"}))
	config, err = admin.NamesrvConfig(ctx, cli, ns)
	require.NoError(t, err)
	require.Equal(t, "test", config["productEnvName"])
	var se *admin.ServerError
	require.ErrorAs(t, admin.UpdateNamesrvConfig(ctx, cli, ns, map[string]string{"kvConfigPath": "/x"}), &se)
	require.Equal(t, remoting.NoPermission, se.Code)

	n, err := admin.WipeWritePerm(ctx, cli, ns, "broker-a")
	require.NoError(t, err)
	require.Positive(t, n)
	rd, _, err := admin.Route(ctx, cli, ns, "T")
	require.NoError(t, err)
	require.Equal(t, protocol.PermRead, rd.QueueDatas[0].Perm)
	m, err := admin.AddWritePerm(ctx, cli, ns, "broker-a")
	require.NoError(t, err)
	require.Equal(t, n, m)
	rd, _, err = admin.Route(ctx, cli, ns, "T")
	require.NoError(t, err)
	require.Equal(t, protocol.PermRead|protocol.PermWrite, rd.QueueDatas[0].Perm)
}

func TestUnreachable(t *testing.T) {
	cli, ctx := newClient(t), ctxFor(t)
	addr := deadAddr(t)
	_, _, err := admin.Route(ctx, cli, addr, "T")
	require.Error(t, err)
	require.Contains(t, err.Error(), "admin: route of T at "+addr)
	var se *admin.ServerError
	require.False(t, errors.As(err, &se))
	require.ErrorContains(t, admin.DeleteTopicInBroker(ctx, cli, addr, "T"), "delete topic T in broker")
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestSubscriptionGroups(t *testing.T) {
	cl := fakecluster.Start(t)
	cli, ctx := newClient(t), ctxFor(t)
	a := brokerOf(t, cl, "broker-a").Addr()

	start, err := admin.SubscriptionGroups(ctx, cli, a)
	require.NoError(t, err)
	require.Contains(t, start.SubscriptionGroupTable, "TOOLS_CONSUMER")
	c := protocol.NewSubscriptionGroupConfig("cg")
	c.RetryMaxTimes, c.ConsumeBroadcastEnable = 3, false
	require.NoError(t, admin.UpdateSubscriptionGroup(ctx, cli, a, c))
	wr, err := admin.SubscriptionGroups(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, c, wr.SubscriptionGroupTable["cg"])
	require.Equal(t, start.DataVersion.Counter+1, wr.DataVersion.Counter)

	require.NoError(t, admin.DeleteSubscriptionGroup(ctx, cli, a, "cg", true))
	require.NoError(t, admin.DeleteSubscriptionGroup(ctx, cli, a, "cg", false), "a group not there is no error")
	wr, err = admin.SubscriptionGroups(ctx, cli, a)
	require.NoError(t, err)
	require.NotContains(t, wr.SubscriptionGroupTable, "cg")

	var se *admin.ServerError
	require.ErrorAs(t, admin.UpdateSubscriptionGroup(ctx, cli, a, protocol.SubscriptionGroupConfig{}), &se, "a config needs a group name")
	require.Equal(t, remoting.SystemError, se.Code)
}

// consumerOf heartbeats a client into group cg on broker addr and answers what the broker asks
// it as a Java consumer would.
func consumerOf(t *testing.T, ctx context.Context, addr, clientID string) {
	c := newClient(t)
	c.Handle(remoting.CodeGetConsumerStatusFromClient, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.GetConsumerStatusBody{MessageQueueTable: map[protocol.MessageQueue]int64{
			{Topic: "T", BrokerName: "broker-a", QueueID: 0}: 1}}).Encode()
		return resp
	})
	c.Handle(remoting.CodeGetConsumerRunningInfo, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.ConsumerRunningInfo{Properties: map[string]string{"consumerGroup": "cg"},
			StatusTable: map[string]protocol.ConsumeStatus{"T": {ConsumeOKTPS: 2.5}}}).Encode()
		return resp
	})
	c.Handle(remoting.CodeConsumeMessageDirectly, func(_ context.Context, req *remoting.Request) *remoting.Command {
		msgs, err := protocol.DecodeStoredMessages(req.Command.Body)
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		result := &protocol.ConsumeMessageDirectlyResult{AutoCommit: true, ConsumeResult: protocol.CMResultSuccess}
		if err != nil || len(msgs) != 1 {
			result.ConsumeResult = protocol.CMResultThrowException
		} else {
			result.Remark = string(msgs[0].Body)
		}
		resp.Body = result.Encode()
		return resp
	})
	hb := &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "cg", ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere:    protocol.ConsumeFromLastOffset,
		SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "T", SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag}},
	}}}
	resp, err := c.Invoke(ctx, addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
}

func TestConsumerCalls(t *testing.T) {
	cl := fakecluster.Start(t)
	cli, ctx := newClient(t), ctxFor(t)
	b := brokerOf(t, cl, "broker-a")
	a := b.Addr()
	require.NoError(t, cl.CreateTopic(ctx, "T", 1, "broker-a"))
	send(t, cli, a, "T", 0, "one")
	send(t, cli, a, "T", 0, "two")
	q0 := protocol.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}

	var se *admin.ServerError
	_, err := admin.ResetOffset(ctx, cli, a, "T", "cg", admin.ResetOffsetTimestampEnd, false)
	require.ErrorAs(t, err, &se, "no committed offsets")
	resp, err := cli.Invoke(ctx, a, protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
		protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 0, CommitOffset: 1}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	_, err = admin.ResetOffset(ctx, cli, a, "T", "cg", admin.ResetOffsetTimestampEnd, false)
	require.ErrorAs(t, err, &se)
	require.Equal(t, remoting.ConsumerNotOnline, se.Code)

	consumerOf(t, ctx, a, "c1")
	offsets, err := admin.ResetOffset(ctx, cli, a, "T", "cg", admin.ResetOffsetTimestampEnd, true)
	require.NoError(t, err)
	require.Equal(t, map[protocol.MessageQueue]int64{q0: 2}, offsets)

	status, err := admin.ConsumerStatus(ctx, cli, a, "T", "cg", "")
	require.NoError(t, err)
	require.Equal(t, map[string]map[protocol.MessageQueue]int64{"c1": {q0: 1}}, status)

	info, err := admin.ConsumerRunningInfo(ctx, cli, a, "cg", "c1", false)
	require.NoError(t, err)
	require.Equal(t, "cg", info.Properties["consumerGroup"])
	require.Equal(t, 2.5, info.StatusTable["T"].ConsumeOKTPS)
	_, err = admin.ConsumerRunningInfo(ctx, cli, a, "cg", "c9", false)
	require.ErrorAs(t, err, &se)
	require.Equal(t, "The Consumer <cg> <c9> not online", se.Remark)

	msgs, err := admin.TopicMessages(ctx, cli, "", []admin.Broker{{Name: "broker-a", Addr: a}}, "T")
	require.NoError(t, err)
	result, err := admin.ConsumeMessageDirectly(ctx, cli, a, "cg", "c1", msgs[1].MsgID)
	require.NoError(t, err)
	require.Equal(t, &protocol.ConsumeMessageDirectlyResult{AutoCommit: true, ConsumeResult: protocol.CMResultSuccess, Remark: "two"}, result)
}

// What each answer means to errors.Is, as 4.9.7 and 5.x word them.
func TestServerErrorMeanings(t *testing.T) {
	illegal := "queueId[4] is illegal, topic:[T] topicConfig.readQueueNums:[4] consumer:[/127.0.0.1:1]"
	for _, tc := range []struct {
		name     string
		err      *admin.ServerError
		illegal  bool
		notExist bool
	}{
		{"4.9.7 illegal queue", &admin.ServerError{Code: remoting.SystemError, Remark: illegal}, true, false},
		{"5.x illegal queue", &admin.ServerError{Code: remoting.InvalidParameter, Remark: illegal}, true, false},
		{"another system error", &admin.ServerError{Code: remoting.SystemError, Remark: "store not ok"}, false, false},
		{"topic not exist", &admin.ServerError{Code: remoting.TopicNotExist, Remark: "topic[T] not exist"}, false, true},
	} {
		assert.Equal(t, tc.illegal, errors.Is(tc.err, admin.ErrIllegalQueue), tc.name)
		assert.Equal(t, tc.notExist, errors.Is(tc.err, admin.ErrTopicNotExist), tc.name)
	}
}
