package conformance

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/admin/admintest"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// Every admin call against real RocketMQ 4.9.7 (the fakes serve them all too, admin/admin_test.go):
// what the real servers answer is what the admin package must read.

func adminCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func brokerAddr(t *testing.T, c *realrmq.Cluster, name string) string {
	t.Helper()
	addr, ok := c.BrokerAddr(name)
	require.True(t, ok, name)
	return addr
}

// sendTo stores a message in one queue with SEND_MESSAGE_V2.
func sendTo(t *testing.T, addr, topic string, queue int32, body string) {
	t.Helper()
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: "conf_admin_pg", Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queue, BornTimestamp: time.Now().UnixMilli(),
	}
	resp, err := shared.Client().Invoke(adminCtx(t), addr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte(body)))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
}

// awaitMaxOffset waits until the queue's consume queue holds want messages: a 4.9.7 broker
// dispatches a stored message a moment after it answered the send.
func awaitMaxOffset(t *testing.T, addr string, mq protocol.MessageQueue, want int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		off, err := admin.MaxOffset(adminCtx(t), shared.Client(), addr, mq)
		return err == nil && off == want
	}, 5*time.Second, 20*time.Millisecond, "max offset of %v reaches %d", mq, want)
}

func TestAdminClusterInfoAndTopics(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli, ns := adminCtx(t), shared.Client(), c.NameServerAddr()
	a, b := brokerAddr(t, c, "broker-a"), brokerAddr(t, c, "broker-b")

	info, err := admin.ClusterInfo(ctx, cli, ns)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, info.ClusterAddrTable[c.ClusterName()])
	for name, addr := range map[string]string{"broker-a": a, "broker-b": b} {
		bd := info.BrokerAddrTable[name]
		master, ok := bd.MasterAddr()
		require.True(t, ok)
		require.Equal(t, addr, master)
	}

	topic := unique("ConfAdminTopic")
	_, ok, err := admin.Route(ctx, cli, ns, topic)
	require.NoError(t, err, "an unknown topic is no error")
	require.False(t, ok)

	tc := protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm, tc.TopicSysFlag = 3, 5, protocol.PermRead|protocol.PermWrite, protocol.TopicSysFlagUnit
	require.NoError(t, admin.CreateTopic(ctx, cli, a, tc))
	require.NoError(t, admin.CreateTopic(ctx, cli, b, tc))
	rd, ok, err := admin.Route(ctx, cli, ns, topic)
	require.NoError(t, err)
	require.True(t, ok, "the broker registers the topic before it answers")
	require.ElementsMatch(t, []protocol.QueueData{
		{BrokerName: "broker-a", ReadQueueNums: 3, WriteQueueNums: 5, Perm: 6, TopicSysFlag: protocol.TopicSysFlagUnit},
		{BrokerName: "broker-b", ReadQueueNums: 3, WriteQueueNums: 5, Perm: 6, TopicSysFlag: protocol.TopicSysFlagUnit},
	}, rd.QueueDatas)

	var se *admin.ServerError
	err = admin.CreateTopic(ctx, cli, a, protocol.NewTopicConfig("TBW102"))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, remoting.SystemError, se.Code)
	assert.Equal(t, "The topic[TBW102] is conflict with system topic.", se.Remark)

	// Half of mqadmin deleteTopic: broker-b forgets the topic and its queues but does not
	// register, so the name server still routes it there.
	sendTo(t, b, topic, 0, "before delete")
	mqB := protocol.MessageQueue{Topic: topic, BrokerName: "broker-b", QueueID: 0}
	awaitMaxOffset(t, b, mqB, 1)
	require.NoError(t, admin.DeleteTopicInBroker(ctx, cli, b, topic))
	rd, _, err = admin.Route(ctx, cli, ns, topic)
	require.NoError(t, err)
	require.Len(t, rd.QueueDatas, 2)
	off, err := admin.MaxOffset(ctx, cli, b, mqB)
	require.NoError(t, err)
	require.Zero(t, off, "the consume queue went with the topic")
	_, err = admin.Pull(ctx, cli, b, "", mqB, 0)
	require.ErrorIs(t, err, admin.ErrTopicNotExist)
	require.NoError(t, admin.DeleteTopicInBroker(ctx, cli, b, topic), "deleting it again is no error")
	err = admin.DeleteTopicInBroker(ctx, cli, b, protocol.ScheduleTopic)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic.", se.Remark)

	// The other half: the name server drops the cluster's queues of the topic.
	require.NoError(t, admin.DeleteTopicInNameServer(ctx, cli, ns, topic, "NoSuchCluster"))
	_, ok, _ = admin.Route(ctx, cli, ns, topic)
	require.True(t, ok, "another cluster's delete leaves the topic")
	require.NoError(t, admin.DeleteTopicInNameServer(ctx, cli, ns, topic, c.ClusterName()))
	_, ok, err = admin.Route(ctx, cli, ns, topic)
	require.NoError(t, err)
	require.False(t, ok)

	// Both halves at once, as mqadmin deleteTopic.
	both := unique("ConfAdminDelete")
	require.NoError(t, admin.CreateTopic(ctx, cli, a, protocol.NewTopicConfig(both)))
	require.NoError(t, admin.CreateTopic(ctx, cli, b, protocol.NewTopicConfig(both)))
	require.NoError(t, admin.DeleteTopic(ctx, cli, []string{ns}, c.ClusterName(), []string{a, b}, both))
	_, ok, err = admin.Route(ctx, cli, ns, both)
	require.NoError(t, err)
	require.False(t, ok)
	for _, addr := range []string{a, b} {
		_, err = admin.Pull(ctx, cli, addr, "", protocol.MessageQueue{Topic: both}, 0)
		require.ErrorIs(t, err, admin.ErrTopicNotExist)
	}
}

func TestAdminOffsetsAndPulls(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli := adminCtx(t), shared.Client()
	a, b := brokerAddr(t, c, "broker-a"), brokerAddr(t, c, "broker-b")
	topic := unique("ConfAdminPull")
	createTopic(t, c, topic, 2)
	for _, body := range admintest.Bodies() {
		sendTo(t, a, topic, 1, body)
	}
	sendTo(t, b, topic, 0, "b0")
	mq := protocol.MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 1}
	awaitMaxOffset(t, a, mq, admintest.QueueMessages)
	awaitMaxOffset(t, b, protocol.MessageQueue{Topic: topic, BrokerName: "broker-b"}, 1)

	admintest.RequireQueueReads(t, ctx, cli, a, mq)
	off, err := admin.MaxOffset(ctx, cli, a, protocol.MessageQueue{Topic: unique("ConfAdminNone")})
	require.NoError(t, err, "a 4.9.7 broker answers 0 for a topic it does not know")
	require.Zero(t, off)

	msgs, err := admin.TopicMessages(ctx, cli, "", brokers(c), topic)
	require.NoError(t, err)
	require.Len(t, msgs, 41)
	require.Equal(t, "0", string(msgs[0].Body), "broker-a first, as given")
	require.Equal(t, "b0", string(msgs[40].Body))
	require.Equal(t, "broker-b", msgs[40].BrokerName)

	// The error paths: an unknown topic, a queue id the topic does not have, no server.
	admintest.RequirePullRefusals(t, ctx, cli, a, unique("ConfAdminNone"), topic)
	_, err = admin.TopicMessages(ctx, cli, "", append(brokers(c), admin.Broker{Name: "gone", Addr: deadAddr(t)}), topic)
	require.Error(t, err)
	var se *admin.ServerError
	require.False(t, errors.As(err, &se), "no server answered: %v", err)
}

func TestAdminConnections(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli := adminCtx(t), shared.Client()
	a := brokerAddr(t, c, "broker-a")
	topic := unique("ConfAdminConn")
	createTopic(t, c, topic, 2)

	pg := unique("ConfAdminPG")
	p := newProducer(t, c, pg)
	require.Eventually(t, func() bool {
		conns, err := admin.ProducerConnections(ctx, cli, a, pg)
		return err == nil && len(conns) == 1
	}, 5*time.Second, 50*time.Millisecond, "the producer's heartbeat reaches broker-a")
	conns, err := admin.ProducerConnections(ctx, cli, a, pg)
	require.NoError(t, err)
	assert.Equal(t, p.ClientID(), conns[0].ClientID)
	assert.NotEmpty(t, conns[0].ClientAddr)
	assert.NotEmpty(t, conns[0].Language)
	assert.Positive(t, conns[0].Version)
	conns, err = admin.ProducerConnections(ctx, cli, a, unique("ConfAdminNobody"))
	require.NoError(t, err, `"the producer group[G] not exist" is an empty list`)
	require.Empty(t, conns)

	// A consumer is a heartbeat naming its group, over a connection of its own.
	consumer := remoting.NewClient()
	t.Cleanup(func() { _ = consumer.Close() })
	cg, clientID := unique("ConfAdminCG"), unique("127.0.0.1@conf")
	hb := &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: cg, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere: protocol.ConsumeFromFirstOffset,
		SubscriptionDataSet: []protocol.SubscriptionData{{
			Topic: topic, SubString: "TagA || TagB", TagsSet: []string{"TagA", "TagB"}, CodeSet: []int32{2598919, 2598920},
			SubVersion: 1_700_000_000_000, ExpressionType: protocol.ExpressionTypeTag,
		}},
	}}}
	resp, err := consumer.Invoke(ctx, a, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	cc, err := admin.ConsumerConnections(ctx, cli, a, cg)
	require.NoError(t, err)
	require.Len(t, cc.ConnectionSet, 1)
	assert.Equal(t, clientID, cc.ConnectionSet[0].ClientID)
	assert.Equal(t, protocol.ConsumePassively, cc.ConsumeType)
	assert.Equal(t, protocol.Clustering, cc.MessageModel)
	assert.Equal(t, protocol.ConsumeFromFirstOffset, cc.ConsumeFromWhere)
	assert.Equal(t, hb.ConsumerDataSet[0].SubscriptionDataSet[0], cc.SubscriptionTable[topic])
	cc, err = admin.ConsumerConnections(ctx, cli, a, unique("ConfAdminNobody"))
	require.NoError(t, err, "CONSUMER_NOT_ONLINE is no connection")
	require.Empty(t, cc.ConnectionSet)

	// One connection, one subscription: nothing is in Java's arbitrary order, so protocol
	// writes the very bytes the broker wrote.
	for _, tc := range []struct {
		req    *remoting.Command
		encode func([]byte) ([]byte, error)
	}{
		{protocol.RequestWithHeader(remoting.CodeGetProducerConnectionList, protocol.GetProducerConnectionListRequestHeader{ProducerGroup: pg}, nil),
			func(b []byte) ([]byte, error) {
				pc, err := protocol.DecodeProducerConnection(b)
				if err != nil {
					return nil, err
				}
				return pc.Encode(), nil
			}},
		{protocol.RequestWithHeader(remoting.CodeGetConsumerConnectionList, protocol.GetConsumerConnectionListRequestHeader{ConsumerGroup: cg}, nil),
			func(b []byte) ([]byte, error) {
				cc, err := protocol.DecodeConsumerConnection(b)
				if err != nil {
					return nil, err
				}
				return cc.Encode(), nil
			}},
	} {
		resp, err := cli.Invoke(ctx, a, tc.req)
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		again, err := tc.encode(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, string(resp.Body), string(again))
	}
}

// What mqadmin producer, queryCq, cleanUnusedTopic and deleteExpiredCommitLog ask a real broker.
func TestAdminProducersAndStoreMaintenance(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli := adminCtx(t), shared.Client()
	a := brokerAddr(t, c, "broker-a")
	topic := unique("ConfAdminCq")
	createTopic(t, c, topic, 2)

	pg := unique("ConfAdminTablePG")
	p := newProducer(t, c, pg)
	require.Eventually(t, func() bool {
		table, err := admin.ProducerTable(ctx, cli, a)
		return err == nil && len(table[pg]) == 1
	}, 5*time.Second, 50*time.Millisecond, "the producer's heartbeat reaches broker-a")
	table, err := admin.ProducerTable(ctx, cli, a)
	require.NoError(t, err)
	assert.Equal(t, p.ClientID(), table[pg][0].ClientID)
	assert.Regexp(t, `^/.+:\d+$`, table[pg][0].RemoteIP, "Netty's remoteAddress().toString()")
	assert.Positive(t, table[pg][0].LastUpdateTimestamp)

	sendTo(t, a, topic, 1, "m0")
	sendTo(t, a, topic, 1, "m1")
	awaitMaxOffset(t, a, protocol.MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 1}, 2)
	cq, err := admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: topic, QueueID: 1, Count: 10})
	require.NoError(t, err)
	require.EqualValues(t, 2, cq.MaxQueueIndex)
	require.Len(t, cq.QueueData, 2)
	require.Less(t, cq.QueueData[0].PhysicOffset, cq.QueueData[1].PhysicOffset)
	_, err = admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: topic, QueueID: 1, Index: 2, Count: 10})
	require.ErrorIs(t, err, admin.ErrNoConsumeQueueEntry)
	none := unique("ConfAdminNoCq")
	_, err = admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: none, Count: 10})
	var se *admin.ServerError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "0@"+none+" is not exist!", se.Remark)

	require.NoError(t, admin.CleanUnusedTopics(ctx, cli, a))
	require.NoError(t, admin.DeleteExpiredCommitLog(ctx, cli, a))
	cq, err = admin.QueryConsumeQueue(ctx, cli, a, protocol.QueryConsumeQueueRequestHeader{Topic: topic, QueueID: 1, Count: 10})
	require.NoError(t, err)
	require.Len(t, cq.QueueData, 2, "the topic is in the table: its queue stays")
}

func TestAdminBrokerConfigAndRuntimeInfo(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli := adminCtx(t), shared.Client()
	a := brokerAddr(t, c, "broker-a")

	config, version, err := admin.BrokerConfig(ctx, cli, a)
	require.NoError(t, err)
	assert.Equal(t, "broker-a", config["brokerName"])
	assert.Equal(t, c.ClusterName(), config["brokerClusterName"])
	assert.Equal(t, c.NameServerAddr(), config["namesrvAddr"])
	assert.Greater(t, len(config), 100, "every setting of the broker's config objects")
	assert.Positive(t, version.Timestamp)

	// A setting the broker has reads back changed, with a new version; an unknown name and a
	// value that does not parse change nothing.
	const key = "defaultQueryMaxNum"
	was := config[key]
	require.NotEmpty(t, was)
	t.Cleanup(func() { _ = admin.UpdateBrokerConfig(context.Background(), cli, a, map[string]string{key: was}) })
	require.NoError(t, admin.UpdateBrokerConfig(ctx, cli, a, map[string]string{key: "33", "rocketsimNoSuchSetting": "1"}))
	updated, newVersion, err := admin.BrokerConfig(ctx, cli, a)
	require.NoError(t, err)
	assert.Equal(t, "33", updated[key])
	assert.NotContains(t, updated, "rocketsimNoSuchSetting")
	assert.Greater(t, newVersion.Counter, version.Counter)
	require.NoError(t, admin.UpdateBrokerConfig(ctx, cli, a, map[string]string{key: "many"}))
	updated, _, err = admin.BrokerConfig(ctx, cli, a)
	require.NoError(t, err)
	assert.Equal(t, "33", updated[key], "a value that does not parse is not taken")

	info, err := admin.BrokerRuntimeInfo(ctx, cli, a)
	require.NoError(t, err)
	assert.Equal(t, "V4_9_7", info["brokerVersionDesc"])
	for _, k := range []string{
		"brokerVersion", "msgPutTotalYesterdayMorning", "msgPutTotalTodayMorning", "msgPutTotalTodayNow",
		"msgGetTotalYesterdayMorning", "msgGetTotalTodayMorning", "msgGetTotalTodayNow",
		"sendThreadPoolQueueSize", "sendThreadPoolQueueCapacity", "pullThreadPoolQueueSize",
		"pullThreadPoolQueueCapacity", "queryThreadPoolQueueSize", "queryThreadPoolQueueCapacity",
		"EndTransactionQueueSize", "EndTransactionThreadPoolQueueCapacity", "dispatchBehindBytes",
		"pageCacheLockTimeMills", "earliestMessageTimeStamp", "startAcceptSendRequestTimeStamp",
		"remainHowManyDataToFlush", "commitLogDirCapacity", "commitLogMaxOffset", "commitLogMinOffset",
	} {
		assert.Contains(t, info, k)
	}
}

func TestAdminKVConfig(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli, ns := adminCtx(t), shared.Client(), c.NameServerAddr()
	namespace := unique("CONF_ADMIN_NS")

	_, ok, err := admin.KVConfig(ctx, cli, ns, namespace, "k")
	require.NoError(t, err)
	require.False(t, ok)
	list, err := admin.KVList(ctx, cli, ns, namespace)
	require.NoError(t, err, "a namespace the name server never had is empty")
	require.Empty(t, list)

	require.NoError(t, admin.PutKVConfig(ctx, cli, ns, namespace, "k", "v"))
	require.NoError(t, admin.PutKVConfig(ctx, cli, ns, namespace, "k2", "broker-a:4;broker-b:4"))
	v, ok, err := admin.KVConfig(ctx, cli, ns, namespace, "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v", v)
	list, err = admin.KVList(ctx, cli, ns, namespace)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k": "v", "k2": "broker-a:4;broker-b:4"}, list)

	require.NoError(t, admin.DeleteKVConfig(ctx, cli, ns, namespace, "k"))
	require.NoError(t, admin.DeleteKVConfig(ctx, cli, ns, namespace, "k"), "deleting it again is no error")
	_, ok, err = admin.KVConfig(ctx, cli, ns, namespace, "k")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, admin.DeleteKVConfig(ctx, cli, ns, namespace, "k2"))
	list, err = admin.KVList(ctx, cli, ns, namespace)
	require.NoError(t, err)
	require.Empty(t, list, "an emptied namespace")
}

func TestAdminUnreachable(t *testing.T) {
	shared.Cluster(t)
	ctx, addr := adminCtx(t), deadAddr(t)
	var se *admin.ServerError
	for name, call := range map[string]func() error{
		"cluster info": func() error { _, err := admin.ClusterInfo(ctx, shared.Client(), addr); return err },
		"route":        func() error { _, _, err := admin.Route(ctx, shared.Client(), addr, "T"); return err },
		"max offset": func() error {
			_, err := admin.MaxOffset(ctx, shared.Client(), addr, protocol.MessageQueue{Topic: "T"})
			return err
		},
		"broker config": func() error {
			_, _, err := admin.BrokerConfig(ctx, shared.Client(), addr)
			return err
		},
	} {
		err := call()
		require.Error(t, err, name)
		require.False(t, errors.As(err, &se), "%s: %v", name, err)
		require.Contains(t, err.Error(), " at "+addr+": ", name)
	}
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestAdminSubscriptionGroups(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli := adminCtx(t), shared.Client()
	a := brokerAddr(t, c, "broker-a")
	group := unique("ConfAdminSG")

	cfg := protocol.NewSubscriptionGroupConfig(group)
	cfg.RetryQueueNums, cfg.RetryMaxTimes, cfg.ConsumeEnable = 2, 3, false
	require.NoError(t, admin.UpdateSubscriptionGroup(ctx, cli, a, cfg))
	wr, err := admin.SubscriptionGroups(ctx, cli, a)
	require.NoError(t, err)
	assert.Equal(t, cfg, wr.SubscriptionGroupTable[group])
	assert.Contains(t, wr.SubscriptionGroupTable, "TOOLS_CONSUMER")
	require.NoError(t, admin.DeleteSubscriptionGroup(ctx, cli, a, group, true))
	wr, err = admin.SubscriptionGroups(ctx, cli, a)
	require.NoError(t, err)
	assert.NotContains(t, wr.SubscriptionGroupTable, group)
}

// The requests a broker answers by asking a consumer: the consumer here is a client that
// heartbeats and answers as a Java consumer does.
func TestAdminConsumerCalls(t *testing.T) {
	c := shared.Cluster(t)
	ctx, cli := adminCtx(t), shared.Client()
	a := brokerAddr(t, c, "broker-a")
	topic, group, clientID := unique("ConfAdminCalls"), unique("ConfAdminCallsCG"), unique("127.0.0.1@calls")
	createTopic(t, c, topic, 1, "broker-a")
	sendTo(t, a, topic, 0, "one")
	q0 := protocol.MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 0}
	awaitMaxOffset(t, a, q0, 1)

	consumer := remoting.NewClient()
	t.Cleanup(func() { _ = consumer.Close() })
	reset := make(chan *remoting.Command, 1)
	consumer.Handle(remoting.CodeResetConsumerClientOffset, func(_ context.Context, req *remoting.Request) *remoting.Command {
		reset <- req.Command
		return nil
	})
	consumer.Handle(remoting.CodeGetConsumerStatusFromClient, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.GetConsumerStatusBody{MessageQueueTable: map[protocol.MessageQueue]int64{q0: 1}}).Encode()
		return resp
	})
	consumer.Handle(remoting.CodeGetConsumerRunningInfo, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.ConsumerRunningInfo{Properties: map[string]string{"consumerGroup": group}}).Encode()
		return resp
	})
	consumer.Handle(remoting.CodeConsumeMessageDirectly, func(_ context.Context, req *remoting.Request) *remoting.Command {
		msgs, err := protocol.DecodeStoredMessages(req.Command.Body)
		result := &protocol.ConsumeMessageDirectlyResult{AutoCommit: true, ConsumeResult: protocol.CMResultSuccess}
		if err == nil && len(msgs) == 1 {
			result.Remark = string(msgs[0].Body)
		}
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = result.Encode()
		return resp
	})
	hb := &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere:    protocol.ConsumeFromFirstOffset,
		SubscriptionDataSet: []protocol.SubscriptionData{{Topic: topic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag}},
	}}}
	resp, err := consumer.Invoke(ctx, a, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	resp, err = cli.Invoke(ctx, a, protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
		protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: 0, CommitOffset: 0}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	offsets, err := admin.ResetOffset(ctx, cli, a, topic, group, admin.ResetOffsetTimestampEnd, true)
	require.NoError(t, err)
	assert.Equal(t, map[protocol.MessageQueue]int64{q0: 1}, offsets)
	select {
	case got := <-reset:
		body, err := protocol.DecodeResetOffsetBody(got.Body)
		require.NoError(t, err)
		assert.Equal(t, offsets, body.OffsetTable)
	case <-ctx.Done():
		t.Fatal("the consumer was not told to reset")
	}

	status, err := admin.ConsumerStatus(ctx, cli, a, topic, group, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]map[protocol.MessageQueue]int64{clientID: {q0: 1}}, status)
	info, err := admin.ConsumerRunningInfo(ctx, cli, a, group, clientID, false)
	require.NoError(t, err)
	assert.Equal(t, group, info.Properties["consumerGroup"])
	msgs, err := admin.TopicMessages(ctx, cli, "", []admin.Broker{{Name: "broker-a", Addr: a}}, topic)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	result, err := admin.ConsumeMessageDirectly(ctx, cli, a, group, clientID, msgs[0].MsgID)
	require.NoError(t, err)
	assert.Equal(t, "one", result.Remark)

	var se *admin.ServerError
	_, err = admin.ConsumerRunningInfo(ctx, cli, a, group, unique("127.0.0.1@nobody"), false)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, remoting.SystemError, se.Code)
	_, err = admin.ResetOffset(ctx, cli, a, topic, unique("ConfAdminOffline"), admin.ResetOffsetTimestampEnd, false)
	require.ErrorAs(t, err, &se)
}
