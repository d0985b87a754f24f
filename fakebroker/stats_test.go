package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestGetTopicStatsInfo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", nil)
		time.Sleep(time.Second) // a later store time for the queue's last message
		r.send(remoting.CodeSendMessageV2, "T", 0, "m1", nil)
		stored := r.b.Messages("T")

		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetTopicStatsInfo, protocol.GetTopicStatsInfoRequestHeader{Topic: "T"}, nil))
		require.Equal(t, remoting.Success, resp.Code)
		require.Nil(t, resp.ExtFields)
		table, err := protocol.DecodeTopicStatsTable(resp.Body)
		require.NoError(t, err)
		require.Equal(t, map[protocol.MessageQueue]protocol.TopicOffset{
			{Topic: "T", BrokerName: r.b.Name(), QueueID: 0}: {MaxOffset: 2, LastUpdateTimestamp: stored[1].StoreTimestamp},
			{Topic: "T", BrokerName: r.b.Name(), QueueID: 1}: {},
		}, table.OffsetTable)

		resp = r.invoke(protocol.RequestWithHeader(remoting.CodeGetTopicStatsInfo, protocol.GetTopicStatsInfoRequestHeader{Topic: "Nope"}, nil))
		require.Equal(t, remoting.TopicNotExist, resp.Code)
		require.Equal(t, "topic[Nope] not exist", resp.Remark)

		resp = r.invoke(remoting.NewRequest(remoting.CodeGetTopicStatsInfo, map[string]string{}, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
	})
}

func TestGetConsumeStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2), WithTopic("U", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", nil)
		r.send(remoting.CodeSendMessageV2, "T", 0, "m1", nil)
		r.send(remoting.CodeSendMessageV2, "U", 0, "u0", nil)
		stored := r.b.Messages("T")
		commit := func(topic string, queue int32, off int64) {
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
				ConsumerGroup: "cg", Topic: topic, QueueID: queue, CommitOffset: off}, nil))
			require.Equal(t, remoting.Success, resp.Code)
		}
		commit("T", 0, 1)
		stats := func(topic string) map[protocol.MessageQueue]protocol.OffsetWrapper {
			t.Helper()
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetConsumeStats, protocol.GetConsumeStatsRequestHeader{ConsumerGroup: "cg", Topic: topic}, nil))
			require.Equal(t, remoting.Success, resp.Code)
			s, err := protocol.DecodeConsumeStats(resp.Body)
			require.NoError(t, err)
			require.Zero(t, s.ConsumeTps)
			return s.OffsetTable
		}
		mq := func(topic string, q int32) protocol.MessageQueue {
			return protocol.MessageQueue{Topic: topic, BrokerName: r.b.Name(), QueueID: q}
		}
		wantT := map[protocol.MessageQueue]protocol.OffsetWrapper{
			mq("T", 0): {BrokerOffset: 2, ConsumerOffset: 1, LastTimestamp: stored[0].StoreTimestamp},
			mq("T", 1): {},
		}
		require.Equal(t, wantT, stats("T"))
		require.Equal(t, wantT, stats(""), "without a topic: the topics the group has offsets on")
		require.Equal(t, map[protocol.MessageQueue]protocol.OffsetWrapper{mq("U", 0): {BrokerOffset: 1}}, stats("U"))
		require.Empty(t, stats("Nope"))

		noGroup := func(ext map[string]string) string {
			resp := r.invoke(remoting.NewRequest(remoting.CodeGetConsumeStats, ext, nil))
			return resp.Remark
		}
		require.Contains(t, noGroup(nil), "ConsumerOffsetManager.whichTopicByConsumer")
		require.Contains(t, noGroup(map[string]string{"topic": "T"}), "ConcurrentHashMap.get")
		require.Empty(t, noGroup(map[string]string{"topic": "Nope"}), "a topic the broker does not hold is skipped first")

		// Online consumers subscribing to U only: T is left out.
		heartbeat(t, r.newClient(), &protocol.HeartbeatData{ClientID: "c1", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "U")}})
		require.Empty(t, stats("T"))
		require.Len(t, stats("U"), 1)
	})
}

// mqadmin brokerConsumeStats: every group of the table, each with the topics it has offsets on.
func TestGetBrokerConsumeStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2), WithTopic("U", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", nil)
		r.send(remoting.CodeSendMessageV2, "T", 0, "m1", nil)
		r.send(remoting.CodeSendMessageV2, "T", 1, "m2", nil)
		r.send(remoting.CodeSendMessageV2, "U", 0, "u0", nil)
		stored := r.b.Messages("T")
		cg := protocol.NewSubscriptionGroupConfig("cg") // offsets alone do not make a group
		resp := r.invoke(remoting.NewRequest(remoting.CodeUpdateAndCreateSubscriptionGroup, nil, cg.Encode()))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		for _, c := range []struct {
			topic string
			queue int32
			off   int64
		}{{"T", 0, 1}, {"U", 0, 1}} {
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
				ConsumerGroup: "cg", Topic: c.topic, QueueID: c.queue, CommitOffset: c.off}, nil))
			require.Equal(t, remoting.Success, resp.Code)
		}
		byGroup := func(ext map[string]string) (map[string][]*protocol.ConsumeStats, *protocol.ConsumeStatsList) {
			t.Helper()
			resp := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerConsumeStats, ext, nil))
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			l, err := protocol.DecodeConsumeStatsList(resp.Body)
			require.NoError(t, err)
			out := map[string][]*protocol.ConsumeStats{}
			for _, m := range l.ConsumeStatsList {
				require.Len(t, m, 1, "one group per element, as the broker builds it")
				for g, stats := range m {
					out[g] = stats
				}
			}
			return out, l
		}
		mq := func(topic string, q int32) protocol.MessageQueue {
			return protocol.MessageQueue{Topic: topic, BrokerName: r.b.Name(), QueueID: q}
		}
		wantT := &protocol.ConsumeStats{OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{
			mq("T", 0): {BrokerOffset: 2, ConsumerOffset: 1, LastTimestamp: stored[0].StoreTimestamp},
			mq("T", 1): {BrokerOffset: 1},
		}}
		wantU := &protocol.ConsumeStats{OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{
			mq("U", 0): {BrokerOffset: 1, ConsumerOffset: 1, LastTimestamp: r.b.Messages("U")[0].StoreTimestamp},
		}}

		groups, l := byGroup(nil) // no isOrder at all: Java's decoder leaves it false
		require.Equal(t, r.b.Addr(), l.BrokerAddr)
		require.EqualValues(t, 2, l.TotalDiff, "T: 1 left on queue 0 and 1 on queue 1; U: none")
		require.ElementsMatch(t, []*protocol.ConsumeStats{wantT, wantU}, groups["cg"])
		require.Contains(t, groups, "TOOLS_CONSUMER", "every group of the table is listed")
		require.Empty(t, groups["TOOLS_CONSUMER"])

		// Ordered topics only: U becomes one when the name server says so.
		groups, l = byGroup(protocol.GetConsumeStatsInBrokerHeader{IsOrder: true}.ToExt())
		require.Empty(t, groups["cg"])
		require.Zero(t, l.TotalDiff)
		r.b.topics.updateOrder(map[string]string{"U": r.b.Name() + ":1"})
		groups, _ = byGroup(protocol.GetConsumeStatsInBrokerHeader{IsOrder: true}.ToExt())
		require.Equal(t, []*protocol.ConsumeStats{wantU}, groups["cg"])

		// Online consumers subscribing to U only: T is left out.
		heartbeat(t, r.newClient(), &protocol.HeartbeatData{ClientID: "c1", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "U")}})
		groups, l = byGroup(nil)
		require.Equal(t, []*protocol.ConsumeStats{wantU}, groups["cg"])
		require.Zero(t, l.TotalDiff)
	})
}

func TestGetBrokerRuntimeInfo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1))
		info := func() map[string]string {
			t.Helper()
			resp := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerRuntimeInfo, nil, nil))
			require.Equal(t, remoting.Success, resp.Code)
			table, err := protocol.DecodeKVTable(resp.Body)
			require.NoError(t, err)
			return table.Table
		}
		empty := info()
		require.Equal(t, "V4_9_7", empty["brokerVersionDesc"])
		require.Equal(t, "407", empty["brokerVersion"])
		require.Equal(t, "-1", empty["commitLogMinOffset"])
		require.Equal(t, "null", empty["putMessageDistributeTime"])
		require.Equal(t, "1", empty["putMessageTimesTotal"], "Java's divisor is never 0")
		require.Len(t, empty, 48, "the keys a real 4.9.7 broker lists")

		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", nil)
		r.send(remoting.CodeSendMessageV2, "T", 0, "m1", nil)
		time.Sleep(time.Hour + 2*time.Minute + 3*time.Second)
		got := info()
		stored := r.b.Messages("T")
		end := stored[1].CommitLogOffset + int64(stored[1].StoreSize)
		require.Equal(t, "2", got["msgPutTotalTodayNow"])
		require.Equal(t, "2", got["putMessageTimesTotal"])
		require.Equal(t, itoa(int(end)), got["commitLogMaxOffset"])
		require.Equal(t, itoa(int(end)), got["putMessageSizeTotal"])
		require.Equal(t, "0", got["commitLogMinOffset"])
		require.Equal(t, "[ 0 days, 1 hours, 2 minutes, 3 seconds ]", got["runtime"])
		require.Contains(t, got["putMessageDistributeTime"], "[<=0ms]:2 [0~10ms]:0 ")
	})
}
