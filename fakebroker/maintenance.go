package fakebroker

// maintenance.go serves the store's maintenance requests, as Java's AdminBrokerProcessor
// (4.9.7) and the DefaultMessageStore calls behind them. Each answers code 0 without remark,
// extFields or body, whatever the request's header says:
//
//   - 306 CLEAN_EXPIRED_CONSUMEQUEUE (mqadmin cleanExpiredCQ), cleanExpiredConsumeQueue: the
//     store drops the consume queues whose messages have all left the commit log. The fake
//     keeps every message (retention moves min offsets at once), so there is never anything to
//     drop.
//   - 316 CLEAN_UNUSED_TOPIC (mqadmin cleanUnusedTopic), cleanUnusedTopic: the store destroys
//     the consume queues of every topic the topic table does not hold, except
//     SCHEDULE_TOPIC_XXXX, RMQ_SYS_TRANS_OP_HALF_TOPIC and LMQ topics, and forgets their
//     statistics when autoDeleteUnusedStats is on. Such queues exist after a topic was deleted
//     and a delayed message fell due to it, or for RMQ_SYS_TRANS_HALF_TOPIC, which holds half
//     messages before the transaction check first creates its config. The queues' offsets start
//     again from 0; the commit log keeps the records. DELETE_TOPIC_IN_BROKER does the same
//     after removing its topic.
//   - 329 DELETE_EXPIRED_COMMITLOG (mqadmin deleteExpiredCommitLog),
//     executeDeleteFilesManually: Java only asks CleanCommitLogService to delete expired files
//     on its next 20 runs, even when none is expired. The fake has no files and keeps records
//     until its size bound (WithStoreLimit), so nothing changes (DIFFERENCES.md).

import (
	"context"
	"slices"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (b *Broker) maintenanceHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeCleanExpiredConsumeQueue, b.handleCleanExpiredConsumeQueue},
		{remoting.CodeCleanUnusedTopic, b.handleCleanUnusedTopic},
		{remoting.CodeDeleteExpiredCommitLog, b.handleDeleteExpiredCommitLog},
	}
}

func (b *Broker) handleCleanExpiredConsumeQueue(_ context.Context, req *remoting.Request) *remoting.Command {
	return answer(req.Command, remoting.Success, "")
}

func (b *Broker) handleCleanUnusedTopic(_ context.Context, req *remoting.Request) *remoting.Command {
	b.cleanUnusedTopics()
	return answer(req.Command, remoting.Success, "")
}

func (b *Broker) handleDeleteExpiredCommitLog(_ context.Context, req *remoting.Request) *remoting.Command {
	return answer(req.Command, remoting.Success, "")
}

// cleanUnusedTopics is DefaultMessageStore.cleanUnusedTopic with the topic table's names: it
// drops the consume queues of the topics the table does not hold (but the schedule topic, the
// transaction op topic and LMQ topics) and returns those topics, sorted.
func (b *Broker) cleanUnusedTopics() []string {
	held := b.topics.names()
	dropped := b.store.dropQueues(func(t string) bool {
		return held[t] || t == protocol.ScheduleTopic || t == protocol.TransOpHalfTopic || protocol.IsLMQ(t)
	})
	slices.Sort(dropped)
	for _, t := range dropped {
		b.forgetTopicStats(t)
	}
	return dropped
}
