package fakebroker

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func deleteTopicReq(topic string) *remoting.Command {
	return protocol.RequestWithHeader(remoting.CodeDeleteTopicInBroker, protocol.DeleteTopicRequestHeader{Topic: topic}, nil)
}

func TestDeleteTopicInBrokerAnswers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []Option
		req        *remoting.Command
		wantCode   int32
		wantRemark string
	}{
		{"deleted", nil, deleteTopicReq("Gone"), remoting.Success, ""},
		{"unknown topic", nil, deleteTopicReq("Never"), remoting.Success, ""},
		{"light message queue", nil, deleteTopicReq("%LMQ%q1"), remoting.Success, ""},
		{"illegal name", nil, deleteTopicReq("bad/name"), remoting.SystemError,
			"The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"},
		{"system topic", nil, deleteTopicReq("SCHEDULE_TOPIC_XXXX"), remoting.SystemError,
			"The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic."},
		{"the cluster's topic", nil, deleteTopicReq("DefaultCluster"), remoting.SystemError,
			"The topic[DefaultCluster] is conflict with system topic."},
		{"no extFields: a blank topic", nil, remoting.NewRequest(remoting.CodeDeleteTopicInBroker, nil, nil),
			remoting.SystemError, "The specified topic is blank."},
		{"slave", []Option{WithBrokerID(1)}, deleteTopicReq("Gone"), remoting.SystemError,
			"Can't modify topic or subscription group from slave broker, please execute it from master broker."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, append([]Option{WithTopic("Gone", 2)}, tc.opts...)...)
				resp := r.invoke(tc.req)
				require.Equal(t, tc.wantCode, resp.Code)
				require.Equal(t, tc.wantRemark, resp.Remark)
				require.Nil(t, resp.ExtFields, "createResponseCommand(null): no extFields")
				_, kept := r.b.Topic("Gone")
				require.Equal(t, tc.name != "deleted", kept)
			})
		})
	}
}

func TestDeleteTopicInBrokerDropsConsumeQueues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("Gone", 2), WithTopic("Stays", 2))
		r.send(remoting.CodeSendMessageV2, "Gone", 0, "a", nil)
		r.send(remoting.CodeSendMessageV2, "Gone", 0, "b", nil)
		r.send(remoting.CodeSendMessageV2, "Stays", 1, "c", nil)
		synctest.Wait()
		registrations := len(r.ns.registrations())
		version := r.b.topics.dataVersion()

		resp := r.invoke(deleteTopicReq("Gone"))
		require.Equal(t, remoting.Success, resp.Code)
		synctest.Wait()
		require.Len(t, r.ns.registrations(), registrations, "the broker does not register: mqadmin tells the name servers")
		require.Equal(t, version.Counter+1, r.b.topics.dataVersion().Counter)

		maxOffset := func(topic string, queue int32) int64 {
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetMaxOffset,
				protocol.GetMaxOffsetRequestHeader{Topic: topic, QueueID: queue}, nil))
			h, err := protocol.DecodeOffsetResponseHeader(resp.ExtFields)
			require.NoError(t, err)
			return h.Offset
		}
		require.Zero(t, maxOffset("Gone", 0), "the consume queue is gone")
		require.EqualValues(t, 1, maxOffset("Stays", 1), "other topics keep theirs")
		require.Len(t, r.b.Messages("Gone"), 2, "the commit log keeps the messages")

		pull := protocol.PullMessageRequestHeader{ConsumerGroup: "cg", Topic: "Gone", MaxMsgNums: 32,
			SysFlag: protocol.PullSysFlagSubscription, Subscription: "*", ExpressionType: protocol.ExpressionTypeTag}
		require.Equal(t, remoting.TopicNotExist, r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, pull, nil)).Code)

		// Created again, the topic's queues start from offset 0.
		r.b.CreateTopic(t.Context(), protocol.NewTopicConfig("Gone"))
		require.Zero(t, r.send(remoting.CodeSendMessageV2, "Gone", 0, "again", nil).QueueOffset)
		resp = r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, pull, nil))
		require.Equal(t, remoting.Success, resp.Code)
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, "again", string(msgs[0].Body))

		// A second delete moves nothing: the topic was not there.
		r.b.DeleteTopic(t.Context(), "Gone")
		version = r.b.topics.dataVersion()
		require.Equal(t, remoting.Success, r.invoke(deleteTopicReq("Gone")).Code)
		require.Equal(t, version, r.b.topics.dataVersion())
	})
}
