package fakebroker

// offsets.go serves 14 QUERY_CONSUMER_OFFSET, 15 UPDATE_CONSUMER_OFFSET, 29
// SEARCH_OFFSET_BY_TIMESTAMP, 30 GET_MAX_OFFSET and 31 GET_MIN_OFFSET, as Java's
// ConsumerManageProcessor, AdminBrokerProcessor and ConsumerOffsetManager (4.9.7):
//
//   - Consumer offsets are kept per topic@group and queue. 15 stores the offset as given (a
//     smaller one too) and answers empty extFields; clients usually send it oneway. A pull with
//     the commit-offset flag stores its commitOffset the same way.
//   - 14 answers the stored offset; for a queue never committed it answers 0 when the queue's
//     first message is still in memory (always, in this store), which is what a fresh real
//     broker answers too (its QUERY_NOT_FOUND needs messages already swapped out to disk).
//   - 30 and 31 answer the queue's max (next) and min logical offsets, 0 for a queue that holds
//     nothing, whatever the topic: Java creates the consume queue on demand.
//   - 29 answers the offset of the message stored at the timestamp, else the nearer neighbour
//     (ConsumeQueue.getOffsetInQueueByTime), 0 for an empty queue.
//
// Each answer carries the offset in an OffsetResponseHeader. A request without one of the
// fields Java unboxes or keys a map by is answered SYSTEM_ERROR naming the field.

import (
	"context"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

type offsetKey struct {
	group, topic string
	queue        int32
}

type offsetTable struct {
	mu sync.Mutex
	m  map[offsetKey]int64
}

func newOffsetTable() *offsetTable { return &offsetTable{m: map[offsetKey]int64{}} }

func (t *offsetTable) commit(group, topic string, queue int32, offset int64) {
	t.mu.Lock()
	t.m[offsetKey{group, topic, queue}] = offset
	t.mu.Unlock()
}

func (t *offsetTable) query(group, topic string, queue int32) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	off, ok := t.m[offsetKey{group, topic, queue}]
	return off, ok
}

// removeGroup is ConsumerOffsetManager.removeOffset: the group's offsets on every topic go.
func (t *offsetTable) removeGroup(group string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.m {
		if k.group == group {
			delete(t.m, k)
		}
	}
}

func (b *Broker) offsetHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeQueryConsumerOffset, b.handleQueryConsumerOffset},
		{remoting.CodeUpdateConsumerOffset, b.handleUpdateConsumerOffset},
		{remoting.CodeSearchOffsetByTimestamp, b.handleSearchOffsetByTimestamp},
		{remoting.CodeGetMaxOffset, b.handleGetMaxOffset},
		{remoting.CodeGetMinOffset, b.handleGetMinOffset},
	}
}

const frameAdmin = "org.apache.rocketmq.broker.processor.AdminBrokerProcessor."
const frameConsumerManage = "org.apache.rocketmq.broker.processor.ConsumerManageProcessor."

// The fields each handler cannot go on without, in the order Java meets them.
var (
	queryOffsetNeeds = []need{
		unboxed("QueryConsumerOffsetRequestHeader", "queueId", protocol.FieldQueueID, "Integer",
			frameConsumerManage+"queryConsumerOffset(ConsumerManageProcessor.java:130)"),
		keyed(protocol.FieldTopic),
	}
	updateOffsetNeeds = []need{
		unboxed("UpdateConsumerOffsetRequestHeader", "queueId", protocol.FieldQueueID, "Integer",
			frameConsumerManage+"updateConsumerOffset(ConsumerManageProcessor.java:112)"),
		unboxed("UpdateConsumerOffsetRequestHeader", "commitOffset", protocol.FieldCommitOffset, "Long",
			frameConsumerManage+"updateConsumerOffset(ConsumerManageProcessor.java:112)"),
	}
	searchOffsetNeeds = []need{
		unboxed("SearchOffsetRequestHeader", "queueId", protocol.FieldQueueID, "Integer",
			frameAdmin+"searchOffsetByTimestamp(AdminBrokerProcessor.java:582)"),
		unboxed("SearchOffsetRequestHeader", "timestamp", protocol.FieldTimestamp, "Long",
			frameAdmin+"searchOffsetByTimestamp(AdminBrokerProcessor.java:583)"),
		keyed(protocol.FieldTopic),
	}
	maxOffsetNeeds = []need{
		unboxed("GetMaxOffsetRequestHeader", "queueId", protocol.FieldQueueID, "Integer",
			frameAdmin+"getMaxOffset(AdminBrokerProcessor.java:599)"),
		keyed(protocol.FieldTopic),
	}
	minOffsetNeeds = []need{
		unboxed("GetMinOffsetRequestHeader", "queueId", protocol.FieldQueueID, "Integer",
			frameAdmin+"getMinOffset(AdminBrokerProcessor.java:615)"),
		keyed(protocol.FieldTopic),
	}
)

func offsetAnswer(cmd *remoting.Command, offset int64) *remoting.Command {
	resp := answerWithHeader(cmd, remoting.Success, "")
	protocol.SetHeader(resp, protocol.OffsetResponseHeader{Offset: offset})
	return resp
}

func (b *Broker) handleQueryConsumerOffset(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeQueryConsumerOffsetRequestHeader(cmd.ExtFields)
	if resp := check(cmd, queryOffsetNeeds...); resp != nil {
		return resp
	}
	if off, ok := b.offsets.query(h.ConsumerGroup, h.Topic, h.QueueID); ok && off >= 0 {
		return offsetAnswer(cmd, off)
	}
	// minOffset <= 0 and the first message not swapped out to disk: offset 0. A queue that
	// retention cut has no offset 0 to give: the consumer's ConsumeFromWhere decides.
	if b.store.minOffset(h.Topic, h.QueueID) <= 0 {
		return offsetAnswer(cmd, 0)
	}
	return answerWithHeader(cmd, remoting.QueryNotFound, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first")
}

func (b *Broker) handleUpdateConsumerOffset(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeUpdateConsumerOffsetRequestHeader(cmd.ExtFields)
	if resp := check(cmd, updateOffsetNeeds...); resp != nil {
		return resp
	}
	b.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	return answerWithHeader(cmd, remoting.Success, "")
}

func (b *Broker) handleSearchOffsetByTimestamp(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeSearchOffsetRequestHeader(cmd.ExtFields)
	if resp := check(cmd, searchOffsetNeeds...); resp != nil {
		return resp
	}
	return offsetAnswer(cmd, b.store.offsetByTime(h.Topic, h.QueueID, h.Timestamp))
}

func (b *Broker) handleGetMaxOffset(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetMaxOffsetRequestHeader(cmd.ExtFields)
	if resp := check(cmd, maxOffsetNeeds...); resp != nil {
		return resp
	}
	return offsetAnswer(cmd, b.store.maxOffset(h.Topic, h.QueueID))
}

func (b *Broker) handleGetMinOffset(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetMinOffsetRequestHeader(cmd.ExtFields)
	if resp := check(cmd, minOffsetNeeds...); resp != nil {
		return resp
	}
	return offsetAnswer(cmd, b.store.minOffset(h.Topic, h.QueueID))
}
