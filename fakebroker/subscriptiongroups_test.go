package fakebroker

import (
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func updateGroupReq(c protocol.SubscriptionGroupConfig) *remoting.Command {
	return remoting.NewRequest(remoting.CodeUpdateAndCreateSubscriptionGroup, nil, c.Encode())
}

func allGroups(t *testing.T, r *rig) *protocol.SubscriptionGroupWrapper {
	t.Helper()
	resp := r.invoke(remoting.NewRequest(remoting.CodeGetAllSubscriptionGroupConfig, nil, nil))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	require.Nil(t, resp.ExtFields)
	wr, err := protocol.DecodeSubscriptionGroupWrapper(resp.Body)
	require.NoError(t, err)
	return wr
}

func TestSubscriptionGroupRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := allGroups(t, r)
		require.Len(t, start.SubscriptionGroupTable, len(systemSubscriptionGroups))
		require.Equal(t, protocol.NewSubscriptionGroupConfig("TOOLS_CONSUMER"), start.SubscriptionGroupTable["TOOLS_CONSUMER"])
		require.Zero(t, start.DataVersion.Counter)

		c := protocol.NewSubscriptionGroupConfig("cg")
		c.RetryQueueNums, c.RetryMaxTimes, c.ConsumeEnable = 3, 2, false
		resp := r.invoke(updateGroupReq(c))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Nil(t, resp.ExtFields)
		require.Empty(t, resp.Remark)
		wr := allGroups(t, r)
		require.Equal(t, c, wr.SubscriptionGroupTable["cg"])
		require.Equal(t, int64(1), wr.DataVersion.Counter)
		got, ok := r.b.SubscriptionGroup("cg")
		require.True(t, ok)
		require.Equal(t, c, got)

		// Fields a body leaves out keep Java's defaults.
		resp = r.invoke(remoting.NewRequest(remoting.CodeUpdateAndCreateSubscriptionGroup, nil, []byte(`{"groupName":"cg","retryMaxTimes":4}`)))
		require.Equal(t, remoting.Success, resp.Code)
		want := protocol.NewSubscriptionGroupConfig("cg")
		want.RetryMaxTimes = 4
		got, _ = r.b.SubscriptionGroup("cg")
		require.Equal(t, want, got)

		for _, tc := range []struct {
			name   string
			body   []byte
			code   int32
			remark string
		}{
			{"no body", nil, remoting.SystemError, nullBodyRemark},
			{"null", []byte("null"), remoting.Success, ""},
			{"no group name", []byte(`{"retryMaxTimes":1}`), remoting.SystemError, groupPutNullKey},
		} {
			resp := r.invoke(remoting.NewRequest(remoting.CodeUpdateAndCreateSubscriptionGroup, nil, tc.body))
			require.Equal(t, tc.code, resp.Code, tc.name)
			require.Equal(t, tc.remark, resp.Remark, tc.name)
		}
		require.Equal(t, int64(2), allGroups(t, r).DataVersion.Counter, "refused updates do not move the version")

		// A pull auto-creates its group, which moves the version too.
		resp = r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
			ConsumerGroup: "auto-cg", Topic: protocol.SelfTestTopic, MaxMsgNums: 1,
			SysFlag: protocol.PullSysFlagSubscription, Subscription: "*",
		}, nil))
		require.Equal(t, remoting.PullNotFound, resp.Code, resp.Remark)
		wr = allGroups(t, r)
		require.Contains(t, wr.SubscriptionGroupTable, "auto-cg")
		require.Equal(t, int64(3), wr.DataVersion.Counter)

		// Deleting, with or without the offsets.
		r.invoke(protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
			ConsumerGroup: "cg", Topic: "T", QueueID: 0, CommitOffset: 5}, nil))
		del := func(group string, removeOffset bool) {
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeDeleteSubscriptionGroup,
				protocol.DeleteSubscriptionGroupRequestHeader{GroupName: group, RemoveOffset: removeOffset}, nil))
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			require.Nil(t, resp.ExtFields)
		}
		del("cg", false)
		_, ok = r.b.SubscriptionGroup("cg")
		require.False(t, ok)
		_, ok = r.b.ConsumerOffset("cg", "T", 0)
		require.True(t, ok, "the offsets stay without removeOffset")
		del("nobody", false)
		require.Equal(t, int64(4), allGroups(t, r).DataVersion.Counter, "deleting a missing group does not move the version")
		r.b.AddSubscriptionGroup("cg")
		del("cg", true)
		_, ok = r.b.ConsumerOffset("cg", "T", 0)
		require.False(t, ok, "removeOffset forgets the group's offsets")

		resp = r.invoke(remoting.NewRequest(remoting.CodeDeleteSubscriptionGroup, map[string]string{}, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, groupRemoveNullKey, resp.Remark)
	})
}

func TestSubscriptionGroupsRefusedOnSlave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithBrokerID(1))
		for _, req := range []*remoting.Command{
			updateGroupReq(protocol.NewSubscriptionGroupConfig("cg")),
			protocol.RequestWithHeader(remoting.CodeDeleteSubscriptionGroup, protocol.DeleteSubscriptionGroupRequestHeader{GroupName: "TOOLS_CONSUMER"}, nil),
		} {
			resp := r.invoke(req)
			require.Equal(t, remoting.SystemError, resp.Code)
			require.Equal(t, remarkSlaveCannotModify, resp.Remark)
		}
		require.Len(t, r.b.SubscriptionGroups(), len(systemSubscriptionGroups))
	})
}

// Without autoCreateSubscriptionGroup only known groups and CID_RMQ_SYS_ ones are served; the
// setting is live, as on a real broker.
func TestAutoCreateSubscriptionGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithAutoCreateSubscriptionGroup(false))
		pull := func(group string) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
				ConsumerGroup: group, Topic: protocol.SelfTestTopic, MaxMsgNums: 1, SysFlag: protocol.PullSysFlagSubscription, Subscription: "*",
			}, nil))
		}
		resp := pull("cg")
		require.Equal(t, remoting.SubscriptionGroupNotExist, resp.Code)
		require.Equal(t, "subscription group [cg] does not exist, "+faqSuffix, resp.Remark)
		require.Equal(t, remoting.PullNotFound, pull("CID_RMQ_SYS_X").Code)
		require.Equal(t, remoting.Success, r.invoke(updateGroupReq(protocol.NewSubscriptionGroupConfig("cg"))).Code)
		require.Equal(t, remoting.PullNotFound, pull("cg").Code)

		require.Equal(t, remoting.SubscriptionGroupNotExist, pull("other").Code)
		require.Equal(t, remoting.Success, r.invoke(updateBrokerConfigReq("autoCreateSubscriptionGroup=true")).Code)
		require.Equal(t, remoting.PullNotFound, pull("other").Code)
		_, ok := r.b.SubscriptionGroup("other")
		require.True(t, ok)
	})
}

// What a group's config changes: pulls (consumeEnable, consumeBroadcastEnable), where retries
// end (retryMaxTimes), the retry topic's size (retryQueueNums) and send-backs without retries.
func TestSubscriptionGroupConfigTakesEffect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.send(remoting.CodeSendMessageV2, "T", 0, "m", nil)
		pull := func(group string) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, pullHeader(group, "T", 0, 0), nil))
		}

		off := protocol.NewSubscriptionGroupConfig("off")
		off.ConsumeEnable = false
		r.b.UpdateSubscriptionGroup(off)
		resp := pull("off")
		require.Equal(t, remoting.NoPermission, resp.Code)
		require.Equal(t, "subscription group no permission, off", resp.Remark)

		noBroadcast := protocol.NewSubscriptionGroupConfig("bc")
		noBroadcast.ConsumeBroadcastEnable = false
		r.b.UpdateSubscriptionGroup(noBroadcast)
		cd := consumerData("bc", "T")
		cd.MessageModel = protocol.Broadcasting
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{cd}})
		resp = pull("bc")
		require.Equal(t, remoting.NoPermission, resp.Code)
		require.Equal(t, "the consumer group[bc] can not consume by broadcast way", resp.Remark)

		three := protocol.NewSubscriptionGroupConfig("three")
		three.RetryQueueNums, three.RetryMaxTimes = 3, 1
		r.b.UpdateSubscriptionGroup(three)
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("three", "T")}})
		tc, ok := r.b.Topic("%RETRY%three")
		require.True(t, ok)
		require.Equal(t, int32(3), tc.ReadQueueNums)

		msg := r.b.StoredMessages("T")[0]
		sendBack := func(group string) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
				Offset: msg.CommitLogOffset, Group: group, OriginTopic: "T",
			}, nil))
		}
		// The first send-back goes to the retry topic; the retried message given back once more
		// has reached retryMaxTimes 1 and goes to the dead-letter topic.
		require.Equal(t, remoting.Success, sendBack("three").Code)
		require.Len(t, r.b.StoredMessages("SCHEDULE_TOPIC_XXXX"), 1)
		retried := r.b.StoredMessages("SCHEDULE_TOPIC_XXXX")[0]
		resp = r.invoke(protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
			Offset: retried.CommitLogOffset, Group: "three", OriginTopic: "T",
		}, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Len(t, r.b.StoredMessages("%DLQ%three"), 1)

		// A send to the retry topic by a consumer falling back to a plain send ends there too.
		h := sendHeader("%RETRY%three", 0, nil)
		h.ReconsumeTimes = new(int32)
		*h.ReconsumeTimes = 1
		r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, []byte("again")))
		require.Len(t, r.b.StoredMessages("%DLQ%three"), 2)

		none := protocol.NewSubscriptionGroupConfig("none")
		none.RetryQueueNums = 0
		r.b.UpdateSubscriptionGroup(none)
		before := len(r.b.StoredMessages("SCHEDULE_TOPIC_XXXX"))
		resp = sendBack("none")
		require.Equal(t, remoting.Success, resp.Code)
		require.Nil(t, resp.ExtFields)
		require.Len(t, r.b.StoredMessages("SCHEDULE_TOPIC_XXXX"), before, "no retries: nothing stored")
		_, ok = r.b.Topic("%RETRY%none")
		require.False(t, ok)

		var names []string
		for _, c := range r.b.SubscriptionGroups() {
			names = append(names, c.GroupName)
		}
		require.Empty(t, cmp.Diff(protocol.SubscriptionGroupOrder(names), names), "listed in the table's order")
	})
}
