package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// queryCq sends QUERY_CONSUME_QUEUE as mqadmin queryCq does.
func (r *rig) queryCq(h protocol.QueryConsumeQueueRequestHeader) *remoting.Command {
	r.t.Helper()
	return r.invoke(protocol.RequestWithHeader(remoting.CodeQueryConsumeQueue, h, nil))
}

// maxOffset sends GET_MAX_OFFSET and returns the offset.
func (r *rig) maxOffset(topic string, queue int32) int64 {
	r.t.Helper()
	resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: topic, QueueID: queue}, nil))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	h, err := protocol.DecodeOffsetResponseHeader(resp.ExtFields)
	require.NoError(r.t, err)
	return h.Offset
}

func TestQueryConsumeQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", map[string]string{protocol.PropertyTags: "TagA"})
		r.send(remoting.CodeSendMessageV2, "T", 0, "m1", nil)
		r.send(remoting.CodeSendMessageV2, "T", 0, "m2", map[string]string{protocol.PropertyTags: "TagB"})
		stored := r.b.store.messages("T")
		require.Len(t, stored, 3)
		entry := func(i int, tagsCode int64) protocol.ConsumeQueueData {
			return protocol.ConsumeQueueData{PhysicOffset: stored[i].commitLogOffset, PhysicSize: int32(len(stored[i].raw)), TagsCode: tagsCode}
		}
		tagA, tagB := int64(javamap.HashCode("TagA")), int64(javamap.HashCode("TagB"))
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		// Java's findConsumeQueue makes an empty consume queue for any read of a queue.
		require.Zero(t, r.maxOffset("T", 1))

		notOnline := "cg2@T is not online!"
		sub := consumerData("cg", "T").SubscriptionDataSet[0]
		sub.TagsSet = []string{} // the broker writes the empty set its heartbeat gave
		for _, tc := range []struct {
			name   string
			req    *remoting.Command // nil: h
			h      protocol.QueryConsumeQueueRequestHeader
			code   int32
			remark string
			want   *protocol.QueryConsumeQueueResponseBody // nil: no body
		}{
			{name: "from the first", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Count: 10},
				code: remoting.Success, want: &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: 3,
					QueueData: []protocol.ConsumeQueueData{entry(0, tagA), entry(1, 0), entry(2, tagB)}}},
			{name: "count bounds the entries", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: 1, Count: 1},
				code: remoting.Success, want: &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: 3,
					QueueData: []protocol.ConsumeQueueData{entry(1, 0)}}},
			{name: "count 0", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: 2},
				code: remoting.Success, want: &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: 3, QueueData: []protocol.ConsumeQueueData{}}},
			{name: "an online group", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: 2, Count: 5, ConsumerGroup: "cg"},
				code: remoting.Success, want: &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: 3, SubscriptionData: &sub,
					FilterData: "null", QueueData: []protocol.ConsumeQueueData{entry(2, tagB)}}},
			{name: "a group not online", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: 2, Count: 5, ConsumerGroup: "cg2"},
				code: remoting.Success, want: &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: 3, FilterData: notOnline,
					QueueData: []protocol.ConsumeQueueData{entry(2, tagB)}}},
			{name: "index at the max", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: 3, Count: 10},
				code: remoting.Success, remark: "Index 3 of 0@T is not exist!"},
			{name: "negative index", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", Index: -1, Count: 10},
				code: remoting.Success, remark: "Index -1 of 0@T is not exist!"},
			{name: "a queue only read", h: protocol.QueryConsumeQueueRequestHeader{Topic: "T", QueueID: 1, Count: 10},
				code: remoting.Success, remark: "Index 0 of 1@T is not exist!"},
			{name: "a queue nobody used", h: protocol.QueryConsumeQueueRequestHeader{Topic: "U", QueueID: 3, Count: 10},
				code: remoting.SystemError, remark: "3@U is not exist!"},
			{name: "unparsable numbers are 0", req: remoting.NewRequest(remoting.CodeQueryConsumeQueue,
				map[string]string{"topic": "T", "queueId": "x", "index": "y", "count": "1"}, nil),
				code: remoting.Success, want: &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: 3,
					QueueData: []protocol.ConsumeQueueData{entry(0, tagA)}}},
			{name: "without topic", req: remoting.NewRequest(remoting.CodeQueryConsumeQueue, nil, nil),
				code: remoting.SystemError, remark: mapLookupKey(protocol.FieldTopic).remark},
		} {
			// t.Run may not be called inside the bubble: each case names itself.
			req := tc.req
			if req == nil {
				req = protocol.RequestWithHeader(remoting.CodeQueryConsumeQueue, tc.h, nil)
			}
			resp := r.invoke(req)
			require.Equal(t, tc.code, resp.Code, "%s: %s", tc.name, resp.Remark)
			if tc.want != nil {
				tc.remark = remarkNotSet // Java's createResponseCommand(null) default, never overwritten
			}
			require.Equal(t, tc.remark, resp.Remark, tc.name)
			require.Nil(t, resp.ExtFields, "%s: Java answers without extFields", tc.name)
			if tc.want == nil {
				require.Empty(t, resp.Body, tc.name)
				continue
			}
			got, err := protocol.DecodeQueryConsumeQueueResponseBody(resp.Body)
			require.NoError(t, err, tc.name)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s: body (-want +got):\n%s", tc.name, d)
			}
		}
	})
}

// In SCHEDULE_TOPIC_XXXX an entry's tags code is the message's delivery time.
func TestQueryConsumeQueueOfDelayLevel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "later", map[string]string{"DELAY": "2", protocol.PropertyTags: "TagA"}) // 5 s
		delayed := r.b.DelayedMessages()
		require.Len(t, delayed, 1)
		resp := r.queryCq(protocol.QueryConsumeQueueRequestHeader{Topic: protocol.ScheduleTopic, QueueID: 1, Count: 1})
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		got, err := protocol.DecodeQueryConsumeQueueResponseBody(resp.Body)
		require.NoError(t, err)
		require.Len(t, got.QueueData, 1)
		require.Equal(t, delayed[0].DeliverAt.UnixMilli(), got.QueueData[0].TagsCode)
		require.Equal(t, time.Now().Add(5*time.Second).UnixMilli(), got.QueueData[0].TagsCode)
	})
}
