package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func offsetOf(t *testing.T, resp *remoting.Command) int64 {
	t.Helper()
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	h, err := protocol.DecodeOffsetResponseHeader(resp.ExtFields)
	require.NoError(t, err)
	return h.Offset
}

func TestConsumerOffsets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		query := func(group string, queue int32) int64 {
			return offsetOf(t, r.invoke(protocol.RequestWithHeader(remoting.CodeQueryConsumerOffset,
				protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: "T", QueueID: queue}, nil)))
		}
		update := func(group string, queue int32, offset int64) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
				protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: "T", QueueID: queue, CommitOffset: offset}, nil))
		}
		// Never committed: 0 (the queue's first message is still in memory), not 22.
		require.Equal(t, int64(0), query("cg", 1))
		_, ok := r.b.ConsumerOffset("cg", "T", 1)
		require.False(t, ok)

		resp := update("cg", 1, 7)
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, map[string]string{}, resp.ExtFields)
		require.Equal(t, int64(7), query("cg", 1))
		require.Equal(t, int64(0), query("other", 1))
		// A smaller offset is stored as given.
		update("cg", 1, 3)
		require.Equal(t, int64(3), query("cg", 1))
		off, ok := r.b.ConsumerOffset("cg", "T", 1)
		require.True(t, ok)
		require.Equal(t, int64(3), off)

		// Oneway, as the Go client sends it: stored, no answer.
		req := protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
			protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 2, CommitOffset: 9}, nil)
		require.NoError(t, r.client.InvokeOneway(t.Context(), brokerAddr, req))
		synctest.Wait()
		require.Equal(t, int64(9), query("cg", 2))
	})
}

func TestQueueOffsets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		var stamps []time.Time
		for i := range 3 {
			stamps = append(stamps, time.Now())
			r.send(remoting.CodeSendMessageV2, "T", 0, "m"+itoa(i), nil)
			time.Sleep(10 * time.Second)
		}
		maxOff := func(topic string, q int32) int64 {
			return offsetOf(t, r.invoke(protocol.RequestWithHeader(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: topic, QueueID: q}, nil)))
		}
		minOff := func(topic string, q int32) int64 {
			return offsetOf(t, r.invoke(protocol.RequestWithHeader(remoting.CodeGetMinOffset, protocol.GetMinOffsetRequestHeader{Topic: topic, QueueID: q}, nil)))
		}
		search := func(ts time.Time) int64 {
			return offsetOf(t, r.invoke(protocol.RequestWithHeader(remoting.CodeSearchOffsetByTimestamp,
				protocol.SearchOffsetRequestHeader{Topic: "T", QueueID: 0, Timestamp: ts.UnixMilli()}, nil)))
		}
		require.Equal(t, int64(3), maxOff("T", 0))
		require.Equal(t, int64(0), maxOff("T", 1))
		require.Equal(t, int64(0), maxOff("Unknown", 9)) // Java makes the consume queue on demand
		require.Equal(t, int64(0), minOff("T", 0))
		require.Equal(t, int64(0), minOff("Unknown", 0))

		cases := []struct {
			name string
			at   time.Time
			want int64
		}{
			{"exact", stamps[1], 1},
			{"before everything", stamps[0].Add(-time.Hour), 0},
			{"after everything: the last message", stamps[2].Add(time.Hour), 2},
			{"nearer the earlier", stamps[1].Add(4 * time.Second), 1},
			{"nearer the later", stamps[1].Add(6 * time.Second), 2},
			{"tie goes to the earlier", stamps[1].Add(5 * time.Second), 1},
		}
		for _, tc := range cases {
			require.Equal(t, tc.want, search(tc.at), tc.name)
		}
		empty := offsetOf(t, r.invoke(protocol.RequestWithHeader(remoting.CodeSearchOffsetByTimestamp,
			protocol.SearchOffsetRequestHeader{Topic: "T", QueueID: 3, Timestamp: 1}, nil)))
		require.Equal(t, int64(0), empty)
	})
}

func TestOffsetRequestsMissingFields(t *testing.T) {
	cases := []struct {
		name   string
		code   int32
		ext    map[string]string
		remark string
	}{
		{"query without queueId", remoting.CodeQueryConsumerOffset, map[string]string{"consumerGroup": "cg", "topic": "T"},
			`java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.QueryConsumerOffsetRequestHeader.getQueueId()" is null, ` +
				`org.apache.rocketmq.broker.processor.ConsumerManageProcessor.queryConsumerOffset(ConsumerManageProcessor.java:130)`},
		{"query without topic", remoting.CodeQueryConsumerOffset, map[string]string{"consumerGroup": "cg", "queueId": "0"},
			"java.lang.NullPointerException: the custom field <topic> is null"},
		{"update without commitOffset", remoting.CodeUpdateConsumerOffset, map[string]string{"consumerGroup": "cg", "topic": "T", "queueId": "0"},
			`java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.UpdateConsumerOffsetRequestHeader.getCommitOffset()" is null, ` +
				`org.apache.rocketmq.broker.processor.ConsumerManageProcessor.updateConsumerOffset(ConsumerManageProcessor.java:112)`},
		{"max offset with a bad queueId", remoting.CodeGetMaxOffset, map[string]string{"topic": "T", "queueId": "one"},
			`java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.GetMaxOffsetRequestHeader.getQueueId()" is null, ` +
				`org.apache.rocketmq.broker.processor.AdminBrokerProcessor.getMaxOffset(AdminBrokerProcessor.java:599)`},
		{"min offset without topic", remoting.CodeGetMinOffset, map[string]string{"queueId": "0"},
			"java.lang.NullPointerException: the custom field <topic> is null"},
		{"search without timestamp", remoting.CodeSearchOffsetByTimestamp, map[string]string{"topic": "T", "queueId": "0"},
			`java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.SearchOffsetRequestHeader.getTimestamp()" is null, ` +
				`org.apache.rocketmq.broker.processor.AdminBrokerProcessor.searchOffsetByTimestamp(AdminBrokerProcessor.java:583)`},
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		for _, tc := range cases {
			resp := r.invoke(remoting.NewRequest(tc.code, tc.ext, nil))
			require.Equal(t, remoting.SystemError, resp.Code, tc.name)
			require.Equal(t, tc.remark, resp.Remark, tc.name)
			require.Nil(t, resp.ExtFields, tc.name)
		}
	})
}
