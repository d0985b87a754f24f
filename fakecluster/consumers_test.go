package fakecluster_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// consumer heartbeats into group over a client of its own on every broker named, and answers
// what a broker asks it as a Java consumer does.
func consumer(t *testing.T, cl *fakecluster.Cluster, clientID, group, topic string, brokers ...string) {
	t.Helper()
	c := newClient(t, cl)
	c.c.Handle(remoting.CodeGetConsumerStatusFromClient, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.GetConsumerStatusBody{MessageQueueTable: map[protocol.MessageQueue]int64{
			{Topic: topic, BrokerName: "broker-a", QueueID: 0}: 3}}).Encode()
		return resp
	})
	c.c.Handle(remoting.CodeGetConsumerRunningInfo, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.ConsumerRunningInfo{
			Properties:      map[string]string{"consumerGroup": group},
			SubscriptionSet: []protocol.SubscriptionData{{Topic: topic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag}},
			MQTable: map[protocol.MessageQueue]protocol.ProcessQueueInfo{
				{Topic: topic, BrokerName: "broker-a", QueueID: 0}: {CommitOffset: 3, Locked: true}},
			StatusTable: map[string]protocol.ConsumeStatus{topic: {PullRT: 1.5}},
		}).Encode()
		return resp
	})
	c.c.Handle(remoting.CodeConsumeMessageDirectly, func(_ context.Context, req *remoting.Request) *remoting.Command {
		msgs, _ := protocol.DecodeStoredMessages(req.Command.Body)
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		result := &protocol.ConsumeMessageDirectlyResult{AutoCommit: true, ConsumeResult: protocol.CMResultSuccess}
		if len(msgs) == 1 {
			result.Remark = string(msgs[0].Body)
		}
		resp.Body = result.Encode()
		return resp
	})
	hb := &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere:    protocol.ConsumeFromLastOffset,
		SubscriptionDataSet: []protocol.SubscriptionData{{Topic: topic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag}},
	}}}
	for _, name := range brokers {
		resp, err := c.invoke(brokerOf(t, cl, name).Addr(), remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code)
	}
}

func TestAdminSubscriptionGroups(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2))
	h := cl.AdminHandler()
	code, v := admin(t, h, "POST", "/v1/groups", `{"groupName":"cg","retryMaxTimes":3,"brokers":["broker-b"]}`)
	require.Equal(t, http.StatusCreated, code, v)
	got, ok := brokerOf(t, cl, "broker-b").SubscriptionGroup("cg")
	require.True(t, ok)
	want := protocol.NewSubscriptionGroupConfig("cg")
	want.RetryMaxTimes = 3
	require.Equal(t, want, got, "the fields left out keep Java's defaults")
	_, ok = brokerOf(t, cl, "broker-a").SubscriptionGroup("cg")
	require.False(t, ok)

	code, v = admin(t, h, "GET", "/v1/groups", "")
	require.Equal(t, http.StatusOK, code)
	var rows []map[string]any
	for _, g := range v["groups"].([]any) {
		if row := g.(map[string]any); row["groupName"] == "cg" {
			rows = append(rows, row)
		}
	}
	require.Equal(t, []map[string]any{{
		"broker": "broker-b", "groupName": "cg", "consumeEnable": true, "consumeFromMinEnable": true,
		"consumeBroadcastEnable": true, "retryQueueNums": 1.0, "retryMaxTimes": 3.0, "brokerId": 0.0,
		"whichBrokerWhenConsumeSlowly": 1.0, "notifyConsumerIdsChangedEnable": true,
	}}, rows)

	code, _ = admin(t, h, "DELETE", "/v1/groups/cg?broker=broker-b", "")
	require.Equal(t, http.StatusNoContent, code)
	_, ok = brokerOf(t, cl, "broker-b").SubscriptionGroup("cg")
	require.False(t, ok)
	code, _ = admin(t, h, "POST", "/v1/groups", `{"retryMaxTimes":3}`)
	require.Equal(t, http.StatusBadRequest, code, "a group needs a name")
	code, _ = admin(t, h, "POST", "/v1/groups", `{"groupName":"cg","brokers":["broker-z"]}`)
	require.Equal(t, http.StatusNotFound, code)
}

func TestAdminConsumerCalls(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("Orders", 1))
	h := cl.AdminHandler()
	a := brokerOf(t, cl, "broker-a")
	c := newClient(t, cl)
	c.send(a.Addr(), "Orders", 0, "first", nil)
	c.send(a.Addr(), "Orders", 0, "second", nil)
	consumer(t, cl, "c1", "cg", "Orders", "broker-a")

	code, v := admin(t, h, "POST", "/v1/groups/cg/reset-offset", `{"topic":"Orders","timestamp":-1}`)
	require.Equal(t, http.StatusConflict, code, "no committed offsets")
	require.Equal(t, "1", v["code"])
	require.Equal(t, "THe consumer group <cg> not exist", v["remark"])
	resp, err := c.invoke(a.Addr(), protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
		protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "Orders", QueueID: 0, CommitOffset: 1}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	code, v = admin(t, h, "POST", "/v1/groups/cg/reset-offset", `{"topic":"Orders","timestamp":-1,"force":true}`)
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, []any{map[string]any{"broker": "broker-a", "topic": "Orders", "queueId": 0.0, "offset": 2.0}}, v["offsets"])
	code, _ = admin(t, h, "POST", "/v1/groups/cg/reset-offset", `{"topic":"Nowhere","timestamp":-1}`)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = admin(t, h, "POST", "/v1/groups/cg/reset-offset", `{"topic":"Orders"}`)
	require.Equal(t, http.StatusBadRequest, code)

	code, v = admin(t, h, "GET", "/v1/groups/cg/status?topic=Orders", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, []any{map[string]any{"clientId": "c1", "broker": "broker-a", "topic": "Orders", "queueId": 0.0, "offset": 3.0}}, v["consumers"])

	code, v = admin(t, h, "GET", "/v1/clients/c1/running-info?group=cg", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"consumerGroup": "cg"}, v["properties"])
	queue := v["mqTable"].([]any)[0].(map[string]any)
	require.Equal(t, "Orders", queue["topic"])
	require.Equal(t, 3.0, queue["commitOffset"])
	require.Equal(t, true, queue["locked"])
	require.Equal(t, 1.5, v["statusTable"].(map[string]any)["Orders"].(map[string]any)["pullRT"])
	require.Equal(t, "Orders", v["subscriptionSet"].([]any)[0].(map[string]any)["topic"])
	code, _ = admin(t, h, "GET", "/v1/clients/c9/running-info?group=cg", "")
	require.Equal(t, http.StatusNotFound, code)

	msgID := cl.Messages("Orders")[1].OffsetMsgID
	code, v = admin(t, h, "POST", "/v1/clients/c1/consume-directly", `{"group":"cg","msgId":"`+msgID+`"}`)
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"order": false, "autoCommit": true, "consumeResult": "CR_SUCCESS", "remark": "second", "spentTimeMills": 0.0}, v)
	code, v = admin(t, h, "POST", "/v1/clients/c9/consume-directly", `{"group":"cg","msgId":"`+msgID+`"}`)
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, "The Consumer <cg> <c9> not online", v["remark"])

	lock := &protocol.LockBatchRequestBody{ConsumerGroup: "cg", ClientID: "c1",
		MQSet: []protocol.MessageQueue{{Topic: "Orders", BrokerName: "broker-a", QueueID: 0}}}
	resp, err = c.invoke(a.Addr(), remoting.NewRequest(remoting.CodeLockBatchMQ, nil, lock.Encode()))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	code, v = admin(t, h, "GET", "/v1/groups/cg/locks", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, []any{map[string]any{"broker": "broker-a", "topic": "Orders", "queueId": 0.0, "clientId": "c1"}}, v["locks"])
}
