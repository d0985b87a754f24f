package fakebroker

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// retentionBody is a body of 1000 bytes, so that three records fill a 4 KiB segment.
func retentionBody(i int) string {
	return fmt.Sprintf("m%02d", i) + strings.Repeat(".", 997)
}

// fillRetentionRig sends m00..m19 to T: m00..m09 to queue 0, then queues 1 and 0 in turn. With
// 4 KiB segments (three records each) and a 12 KiB limit, the broker keeps the last three
// segments: m12..m19.
func fillRetentionRig(t *testing.T, opts ...Option) (*rig, int64) {
	t.Helper()
	r := pullRig(t, append([]Option{WithStoreSegmentSize(4096), WithStoreLimit(3 * 4096)}, opts...)...)
	var firstPhys int64
	for i := range 20 {
		queue := int32(0)
		if i >= 10 && i%2 == 1 {
			queue = 1
		}
		r.send(remoting.CodeSendMessageV2, "T", queue, retentionBody(i),
			map[string]string{"KEYS": "K" + itoa(i), "UNIQ_KEY": "U" + itoa(i)})
		if i == 0 {
			firstPhys = r.b.Messages("T")[0].CommitLogOffset
		}
	}
	return r, firstPhys
}

func storedNames(msgs []Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Body[:3]))
	}
	return out
}

func TestRetentionDropsOldestSegments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, _ := fillRetentionRig(t)
		want := []string{"m12", "m13", "m14", "m15", "m16", "m17", "m18", "m19"}
		require.Equal(t, want, storedNames(r.b.Messages("T")), "the oldest records go first, whatever their queue")

		// Queue 0 held m00..m10 at 0..10 and keeps m12 (11) on; queue 1 keeps all but m11.
		offsets := func(code int32, q int32) int64 {
			var req *remoting.Command
			if code == remoting.CodeGetMinOffset {
				req = protocol.RequestWithHeader(code, protocol.GetMinOffsetRequestHeader{Topic: "T", QueueID: q}, nil)
			} else {
				req = protocol.RequestWithHeader(code, protocol.GetMaxOffsetRequestHeader{Topic: "T", QueueID: q}, nil)
			}
			return offsetOf(t, r.invoke(req))
		}
		require.Equal(t, []int64{11, 15, 1, 5}, []int64{
			offsets(remoting.CodeGetMinOffset, 0), offsets(remoting.CodeGetMaxOffset, 0),
			offsets(remoting.CodeGetMinOffset, 1), offsets(remoting.CodeGetMaxOffset, 1),
		})

		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetTopicStatsInfo, protocol.GetTopicStatsInfoRequestHeader{Topic: "T"}, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		stats, err := protocol.DecodeTopicStatsTable(resp.Body)
		require.NoError(t, err)
		q0 := stats.OffsetTable[protocol.MessageQueue{Topic: "T", BrokerName: r.b.Name(), QueueID: 0}]
		require.Equal(t, [2]int64{11, 15}, [2]int64{q0.MinOffset, q0.MaxOffset}, "mqadmin topicStatus")
		// A group with no offset is told that none was found, where a queue with all its
		// messages answers 0.
		resp = r.invoke(protocol.RequestWithHeader(remoting.CodeQueryConsumerOffset, protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: "new", Topic: "T", QueueID: 0}, nil))
		require.Equal(t, remoting.QueryNotFound, resp.Code)
		require.Equal(t, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first", resp.Remark)
		require.Empty(t, resp.ExtFields)

		require.Equal(t, strconv.FormatInt(r.b.Messages("T")[0].CommitLogOffset, 10),
			r.b.runtimeInfo(time.Now())["commitLogMinOffset"], "the commit log starts at the oldest record kept")
	})
}

func TestRetentionPullBelowMinOffsetIsMoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, _ := fillRetentionRig(t)

		// PullMessageProcessor answers OFFSET_TOO_SMALL with PULL_OFFSET_MOVED and the min offset
		// as nextBeginOffset, and records the correction.
		resp := r.pull(pullHeader("cg", "T", 0, 3))
		require.Equal(t, remoting.PullOffsetMoved, resp.Code)
		require.Equal(t, "OFFSET_TOO_SMALL", resp.Remark)
		require.Equal(t, protocol.PullMessageResponseHeader{NextBeginOffset: 11, MinOffset: 11, MaxOffset: 15}, pullAnswer(t, resp))
		events := r.b.StoredMessages(protocol.OffsetMovedEventTopic)
		require.Len(t, events, 1)
		ev, err := protocol.DecodeOffsetMovedEvent(events[0].Body)
		require.NoError(t, err)
		require.Equal(t, [2]int64{3, 11}, [2]int64{ev.OffsetRequest, ev.OffsetNew})

		// From the min offset on, what is kept is found.
		resp = r.pull(pullHeader("cg", "T", 0, 11))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, protocol.PullMessageResponseHeader{NextBeginOffset: 15, MinOffset: 11, MaxOffset: 15}, pullAnswer(t, resp))
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		var got []string
		for _, m := range msgs {
			got = append(got, string(m.Body[:3]))
		}
		require.Equal(t, []string{"m12", "m14", "m16", "m18"}, got)
		require.Equal(t, int64(11), msgs[0].QueueOffset)
	})
}

func TestRetentionLookupsOfDroppedMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, firstPhys := fillRetentionRig(t)

		// VIEW_MESSAGE_BY_ID: selectOneMessageByOffset finds no file for a deleted offset.
		resp := r.invoke(remoting.NewRequest(remoting.CodeViewMessageByID, protocol.ViewMessageRequestHeader{Offset: firstPhys}.ToExt(), nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "can not find message by the offset, "+strconv.FormatInt(firstPhys, 10), resp.Remark)
		kept := r.b.Messages("T")[0]
		resp = r.invoke(remoting.NewRequest(remoting.CodeViewMessageByID, protocol.ViewMessageRequestHeader{Offset: kept.CommitLogOffset}.ToExt(), nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)

		// QUERY_MESSAGE: the index files of deleted commit-log files are deleted with them.
		query := func(key string) (*remoting.Command, []string) {
			ext := protocol.QueryMessageRequestHeader{Topic: "T", Key: key, MaxNum: 32, EndTimestamp: time.Now().UnixMilli()}.ToExt()
			resp := r.invoke(remoting.NewRequest(remoting.CodeQueryMessage, ext, nil))
			msgs, err := protocol.DecodeStoredMessages(resp.Body)
			require.NoError(t, err)
			var got []string
			for _, m := range msgs {
				got = append(got, string(m.Body[:3]))
			}
			return resp, got
		}
		for _, key := range []string{"K0", "U0", "K11", "U11"} {
			resp, _ := query(key)
			require.Equal(t, remoting.QueryNotFound, resp.Code, key)
			require.Equal(t, remarkQueryNotFound, resp.Remark)
		}
		for key, want := range map[string]string{"K12": "m12", "U19": "m19"} {
			resp, got := query(key)
			require.Equal(t, remoting.Success, resp.Code, key)
			require.Equal(t, []string{want}, got)
		}
	})
}

func TestStoreLimitZeroKeepsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, _ := fillRetentionRig(t, WithStoreLimit(0))
		names := storedNames(r.b.Messages("T"))
		require.Len(t, names, 20)
		require.Equal(t, "m00", names[0])
		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetMinOffset, protocol.GetMinOffsetRequestHeader{Topic: "T", QueueID: 0}, nil))
		require.Zero(t, offsetOf(t, resp))
	})
}

// TestStoreMemoryPerMessage bounds what the store keeps beside each record: the consume-queue,
// topic and index entries of a message with a unique key and a key. It was ~300 B, measured the
// same way, when every message was an object of its own with a map entry per key.
func TestStoreMemoryPerMessage(t *testing.T) {
	const n = 20000
	s := newStore(0, DefaultStoreSegmentSize)
	host := parseHost(brokerAddr)
	body := []byte(strings.Repeat("x", 1024))
	before := heapInUse()
	for i := range n {
		m := &protocol.MessageExt{}
		m.Topic, m.QueueID, m.Body = "T", int32(i%8), body
		m.Properties = map[string]string{"UNIQ_KEY": fmt.Sprintf("U%08d", i), "KEYS": fmt.Sprintf("K%08d", i)}
		m.BornHost, m.StoreTimestamp = host, int64(1_700_000_000_000+i)
		_, err := s.put(host, []*protocol.MessageExt{m})
		require.NoError(t, err)
	}
	// The segments are whole allocations, the last one partly filled: what they hold is the
	// records' bytes, and the rest is the store's bookkeeping.
	segments := int64(0)
	for _, g := range s.segments {
		segments += int64(cap(g.buf))
	}
	perMessage := float64(heapInUse()-before-segments) / n
	t.Logf("heap beside the records: %.0f B per message (record %d B, segments %d B)", perMessage, s.phys/n, segments)
	require.Less(t, perMessage, 200.0, "bytes per message beside its record")
	require.Len(t, s.messages("T"), n) // keeps s alive until measured
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
