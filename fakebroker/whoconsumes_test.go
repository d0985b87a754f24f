package fakebroker

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestQueryTopicConsumeByWho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1), WithTopic("U", 1))
		who := func(topic string) []string {
			t.Helper()
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeQueryTopicConsumeByWho, protocol.QueryTopicConsumeByWhoRequestHeader{Topic: topic}, nil))
			require.Equal(t, remoting.Success, resp.Code)
			require.Nil(t, resp.ExtFields)
			g, err := protocol.DecodeGroupList(resp.Body)
			require.NoError(t, err)
			return g.Groups
		}
		require.Empty(t, who("T"))
		heartbeat(t, r.newClient(), &protocol.HeartbeatData{ClientID: "c1", ConsumerDataSet: []protocol.ConsumerData{consumerData("online", "T")}})
		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
			ConsumerGroup: "committed", Topic: "T", QueueID: 0, CommitOffset: 0}, nil))
		require.Equal(t, remoting.Success, resp.Code)
		require.ElementsMatch(t, []string{"online", "committed"}, who("T"))
		require.Empty(t, who("U"))
	})
}

func TestCleanExpiredConsumeQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", nil)
		resp := r.invoke(remoting.NewRequest(remoting.CodeCleanExpiredConsumeQueue, nil, nil))
		require.Equal(t, remoting.Success, resp.Code)
		require.Empty(t, resp.Remark)
		require.Nil(t, resp.ExtFields)
		require.Len(t, r.b.Messages("T"), 1)
	})
}
