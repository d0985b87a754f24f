package fakebroker

// consumequeue.go serves 321 QUERY_CONSUME_QUEUE (mqadmin queryCq), as Java's
// AdminBrokerProcessor.queryConsumeQueue (4.9.7) reads a queue's ConsumeQueue:
//
//   - A queue the store does not have is SYSTEM_ERROR "<queueId>@<topic> is not exist!". As in
//     Java, a queue exists once a message was stored in it or once anything read it (max or min
//     offset, a pull, a search by time: findConsumeQueue creates an empty one), until
//     DELETE_TOPIC_IN_BROKER or CLEAN_UNUSED_TOPIC drops it. Without a topic Java looks null up
//     in a ConcurrentHashMap: SYSTEM_ERROR with Java 17's NullPointerException text. A number
//     that does not parse is left 0, as Java's reflective header decoder leaves it.
//   - Otherwise the answer is SUCCESS. When index is not an entry of the queue (below its min
//     offset, at or past its max: getIndexBuffer finds no buffer), it has the remark "Index
//     <index> of <queueId>@<topic> is not exist!" and no body. Else it keeps the remark
//     createResponseCommand(null) starts with, "not set any response code", and the body is a
//     QueryConsumeQueueResponseBody: the queue's max and min offsets, and at most count entries
//     from index on (none for a count of 0 or less), each the record's commit-log offset, its
//     size and its tags code (the hash code of TAGS, 0 without; in SCHEDULE_TOPIC_XXXX the
//     delivery time, as CommitLog stores it), never further than the end of the 300000-entry
//     consume-queue file holding index. eval is false: the consume-queue extension
//     (enableConsumeQueueExt) is off, as by default.
//   - With a consumer group, the body also carries the group's subscription to the topic and,
//     as filterData, "null" (ConsumerFilterManager holds nothing for a TAG subscription), or,
//     when the group is not online or does not subscribe to the topic, no subscription and
//     filterData "<group>@<topic> is not online!". The fake keeps no SQL92 filter data: Java
//     would print a registered SQL92 expression's ConsumerFilterData there (DIFFERENCES.md).
//   - No answer has extFields (createResponseCommand(null)).

import (
	"context"
	"fmt"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (b *Broker) consumeQueueHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeQueryConsumeQueue, b.handleQueryConsumeQueue}}
}

func (b *Broker) handleQueryConsumeQueue(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if resp := check(cmd, mapLookupKey(protocol.FieldTopic)); resp != nil {
		return resp
	}
	// Java's reflective decoder logs a number it cannot parse and leaves the field 0.
	h, _ := protocol.DecodeQueryConsumeQueueRequestHeader(cmd.ExtFields)
	q := b.store.queryConsumeQueue(h.Topic, h.QueueID, h.Index, h.Count)
	if !q.exists {
		return answer(cmd, remoting.SystemError, fmt.Sprintf("%d@%s is not exist!", h.QueueID, h.Topic))
	}
	body := &protocol.QueryConsumeQueueResponseBody{MaxQueueIndex: q.max, MinQueueIndex: q.min}
	if _, hasGroup := cmd.ExtFields[protocol.FieldConsumerGroup]; hasGroup {
		_, subs, _, online := b.clients.consumerGroup(h.ConsumerGroup)
		if sd, ok := subs[h.Topic]; online && ok {
			body.SubscriptionData = &sd
			body.FilterData = "null" // JSON.toJSONString of the null ConsumerFilterData
		} else {
			body.FilterData = fmt.Sprintf("%s@%s is not online!", h.ConsumerGroup, h.Topic)
		}
	}
	if !q.found {
		return answer(cmd, remoting.Success, fmt.Sprintf("Index %d of %d@%s is not exist!", h.Index, h.QueueID, h.Topic))
	}
	body.QueueData = make([]protocol.ConsumeQueueData, len(q.entries))
	for i, e := range q.entries {
		body.QueueData[i] = protocol.ConsumeQueueData{PhysicOffset: e.phys, PhysicSize: e.size, TagsCode: b.cqTagsCode(h.Topic, h.QueueID, e)}
	}
	// createResponseCommand(null) starts with the remark "not set any response code", which
	// Java overwrites only for a missing index.
	resp := answer(cmd, remoting.Success, remarkNotSet)
	resp.Body = body.Encode()
	return resp
}

// cqTagsCode is the tags code Java's CommitLog puts in a consume-queue entry: the delivery time
// in the schedule topic (computeDeliverTimestamp: store time + the level's delay, or + 1 s for a
// level it does not know), the hash code of the tags elsewhere.
func (b *Broker) cqTagsCode(topic string, queue int32, e cqEntry) int64 {
	if topic != protocol.ScheduleTopic {
		return int64(e.tagsCode)
	}
	if level := int(queue) + 1; level >= 1 && level <= b.delays.maxLevel() {
		return e.storeTimestamp + b.delays.levels[level-1].Milliseconds()
	}
	return e.storeTimestamp + 1000
}
