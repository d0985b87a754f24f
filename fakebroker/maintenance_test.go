package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// requireBareSuccess requires code 0 without remark, extFields or body, as
// AdminBrokerProcessor's maintenance requests answer.
func requireBareSuccess(t *testing.T, resp *remoting.Command) {
	t.Helper()
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	require.Empty(t, resp.Remark)
	require.Nil(t, resp.ExtFields)
	require.Empty(t, resp.Body)
}

// CLEAN_UNUSED_TOPIC drops the consume queues of every topic the topic table does not hold,
// but the schedule and transaction op topics: here a deleted topic a delayed message fell due
// to, a topic that was only read, and the half topic before the transaction check created its
// config. Topics the table holds keep their queues, and the commit log every record.
func TestCleanUnusedTopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1), WithTopic("Keep", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "later", map[string]string{"DELAY": "1"}) // 1 s
		r.send(remoting.CodeSendMessageV2, "Keep", 0, "kept", nil)
		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeDeleteTopicInBroker, protocol.DeleteTopicRequestHeader{Topic: "T"}, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		r.sendHalf(r.client, halfHeader("Keep", 0, "U1", nil))
		require.Zero(t, r.maxOffset("Ghost", 0)) // a read makes an empty queue, as findConsumeQueue

		before := map[queueKey]int64{
			{"T", 0}: 1, {"Ghost", 0}: 0, {"Keep", 0}: 1, {protocol.ScheduleTopic, 0}: 1,
			{protocol.TransHalfTopic, 0}: 1,
		}
		for k, want := range before {
			require.Equal(t, want, r.maxOffset(k.topic, k.queue), "%s before", k.topic)
		}
		cq := r.queryCq(protocol.QueryConsumeQueueRequestHeader{Topic: "Ghost", Count: 1})
		require.Equal(t, "Index 0 of 0@Ghost is not exist!", cq.Remark)

		requireBareSuccess(t, r.invoke(remoting.NewRequest(remoting.CodeCleanUnusedTopic, nil, nil)))

		for _, topic := range []string{"T", "Ghost", protocol.TransHalfTopic} {
			cq := r.queryCq(protocol.QueryConsumeQueueRequestHeader{Topic: topic, Count: 1})
			require.Equal(t, remoting.SystemError, cq.Code, topic)
			require.Equal(t, "0@"+topic+" is not exist!", cq.Remark)
		}
		after := map[queueKey]int64{
			{"T", 0}: 0, {"Ghost", 0}: 0, {"Keep", 0}: 1, {protocol.ScheduleTopic, 0}: 1,
			{protocol.TransHalfTopic, 0}: 0,
		}
		for k, want := range after {
			require.Equal(t, want, r.maxOffset(k.topic, k.queue), "%s after", k.topic)
		}
		require.Len(t, r.b.Messages("T"), 1, "the commit log keeps the record")
		// A send creates the topic again, its queue from offset 0.
		require.Zero(t, r.send(remoting.CodeSendMessageV2, "T", 0, "again", nil).QueueOffset)
	})
}

// DELETE_EXPIRED_COMMITLOG only asks Java's CleanCommitLogService to delete expired files; the
// fake has none, and keeps every record.
func TestDeleteExpiredCommitLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", nil)
		for _, req := range []*remoting.Command{
			remoting.NewRequest(remoting.CodeDeleteExpiredCommitLog, nil, nil),
			remoting.NewRequest(remoting.CodeDeleteExpiredCommitLog, map[string]string{"x": "y"}, []byte("ignored")),
		} {
			requireBareSuccess(t, r.invoke(req))
		}
		require.Len(t, r.b.Messages("T"), 1)
		require.Equal(t, int64(1), r.maxOffset("T", 0))
	})
}

// GET_SYSTEM_TOPIC_LIST_FROM_BROKER lists TopicValidator's system topic set in its HashSet's
// order (worked out by hand from String.hashCode for a table of 16), TBW102 included even when
// the broker does not auto-create topics.
func TestGetSystemTopicList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithName("broker-a"), WithAutoCreateTopic(false))
		resp := r.invoke(remoting.NewRequest(remoting.CodeGetSystemTopicListFromBroker, nil, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Empty(t, resp.Remark)
		require.Nil(t, resp.ExtFields)
		require.Equal(t, `{"topicList":["SCHEDULE_TOPIC_XXXX","RMQ_SYS_TRANS_HALF_TOPIC","RMQ_SYS_TRACE_TOPIC",`+
			`"DefaultCluster_REPLY_TOPIC","RMQ_SYS_TRANS_OP_HALF_TOPIC","BenchmarkTest","TRANS_CHECK_MAX_TIME_TOPIC",`+
			`"OFFSET_MOVED_EVENT","TBW102","broker-a","SELF_TEST_TOPIC","DefaultCluster"]}`, string(resp.Body))
	})
}
