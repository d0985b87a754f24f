package client

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
)

// rebalancer is Java's RebalanceImpl: the consumer's subscriptions, the queues each subscribed
// topic has (topicSubscribeInfoTable, from the routes), and the queues this member consumes with
// their process queues (processQueueTable). doRebalance recomputes the last from the first two
// and the group's members; what it adds and drops goes through the consumer kind's hooks
// (RebalancePushImpl, RebalanceLitePullImpl).
type rebalancer struct {
	group    string
	model    MessageModel
	strategy AllocateStrategy
	inst     *instance
	hooks    rebalanceHooks

	// turn lets one rebalance round run at a time (the service's and a resume's) and, holding
	// closed, lets Shutdown wait for the round under way. A channel, not a mutex: Shutdown waiting
	// on it is durably blocked, so virtual time moves on for the round it waits for.
	turn   chan struct{}
	closed bool // under turn: the consumer is shutting down; no round starts any more

	mu            sync.Mutex
	subs          map[string]*protocol.SubscriptionData // subscriptionInner
	subscribeInfo map[string][]MessageQueue             // topicSubscribeInfoTable
	pqs           map[MessageQueue]*processQueue        // processQueueTable
}

// rebalanceHooks is what RebalancePushImpl and RebalanceLitePullImpl add to RebalanceImpl.
type rebalanceHooks interface {
	messageQueueChanged(ctx context.Context, topic string, mqAll, mqDivided []MessageQueue)
	removeUnnecessaryMessageQueue(ctx context.Context, mq MessageQueue, pq *processQueue) bool
	consumeType() protocol.ConsumeType
	removeDirtyOffset(mq MessageQueue)
	computePullFromWhere(ctx context.Context, mq MessageQueue) (int64, error)
	dispatchPullRequests(reqs []*pullRequest)
}

func newRebalancer(group string, model MessageModel, strategy AllocateStrategy, hooks rebalanceHooks) *rebalancer {
	return &rebalancer{
		group: group, model: model, strategy: strategy, hooks: hooks,
		subs: make(map[string]*protocol.SubscriptionData), subscribeInfo: make(map[string][]MessageQueue),
		pqs: make(map[MessageQueue]*processQueue), turn: make(chan struct{}, 1),
	}
}

func (rb *rebalancer) putSubscription(sd protocol.SubscriptionData) {
	rb.mu.Lock()
	rb.subs[sd.Topic] = &sd
	rb.mu.Unlock()
}

func (rb *rebalancer) removeSubscription(topic string) {
	rb.mu.Lock()
	delete(rb.subs, topic)
	rb.mu.Unlock()
}

// subscription returns a copy of topic's subscription.
func (rb *rebalancer) subscription(topic string) (protocol.SubscriptionData, bool) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	sd, ok := rb.subs[topic]
	if !ok {
		return protocol.SubscriptionData{}, false
	}
	return cloneSubscription(sd), true
}

// subscriptions returns copies of every subscription, by topic.
func (rb *rebalancer) subscriptions() []protocol.SubscriptionData {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	out := make([]protocol.SubscriptionData, 0, len(rb.subs))
	for _, t := range slices.Sorted(maps.Keys(rb.subs)) {
		out = append(out, cloneSubscription(rb.subs[t]))
	}
	return out
}

func (rb *rebalancer) topics() []string {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	return slices.Sorted(maps.Keys(rb.subs))
}

// setSubVersion is what messageQueueChanged does to tell the broker of a new allocation.
func (rb *rebalancer) setSubVersion(topic string, v int64) {
	rb.mu.Lock()
	if sd, ok := rb.subs[topic]; ok {
		sd.SubVersion = v
	}
	rb.mu.Unlock()
}

// updateSubscribeInfo is updateTopicSubscribeInfo: the topic's readable queues, kept only for a
// subscribed topic.
func (rb *rebalancer) updateSubscribeInfo(topic string, mqs []MessageQueue) {
	rb.mu.Lock()
	if _, ok := rb.subs[topic]; ok {
		rb.subscribeInfo[topic] = slices.Clone(mqs)
	}
	rb.mu.Unlock()
}

// needsSubscribeInfo is isSubscribeTopicNeedUpdate.
func (rb *rebalancer) needsSubscribeInfo(topic string) bool {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if _, ok := rb.subs[topic]; !ok {
		return false
	}
	_, known := rb.subscribeInfo[topic]
	return !known
}

func (rb *rebalancer) topicQueues(topic string) ([]MessageQueue, bool) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	mqs, ok := rb.subscribeInfo[topic]
	return slices.Clone(mqs), ok
}

func (rb *rebalancer) processQueue(mq MessageQueue) (*processQueue, bool) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	pq, ok := rb.pqs[mq]
	return pq, ok
}

// processQueues returns the queues this member consumes, sorted, with their process queues.
func (rb *rebalancer) processQueues() ([]MessageQueue, map[MessageQueue]*processQueue) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	return sortedQueues(slices.Collect(maps.Keys(rb.pqs))), maps.Clone(rb.pqs)
}

// removeProcessQueue is removeProcessQueue: the queue is dropped at once (a corrected offset).
func (rb *rebalancer) removeProcessQueue(ctx context.Context, mq MessageQueue) {
	rb.mu.Lock()
	pq, ok := rb.pqs[mq]
	delete(rb.pqs, mq)
	rb.mu.Unlock()
	if ok {
		pq.setDropped()
		rb.hooks.removeUnnecessaryMessageQueue(ctx, mq, pq)
	}
}

// close waits for the round under way, if any, and lets no other start: a round that shutdown
// does not wait for could lock and add a queue after the consumer unlocked and dropped all of
// its own, and the broker would keep that lock for the group until it expires.
func (rb *rebalancer) close() {
	rb.turn <- struct{}{}
	rb.closed = true
	unlock(rb.turn)
}

// destroy drops every queue (the consumer shuts down).
func (rb *rebalancer) destroy() {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for mq, pq := range rb.pqs {
		pq.setDropped()
		delete(rb.pqs, mq)
	}
}

// doRebalance is doRebalance: each subscribed topic in turn, then the queues of topics no
// longer subscribed are dropped.
func (rb *rebalancer) doRebalance(ctx context.Context, orderly bool) {
	rb.turn <- struct{}{}
	defer unlock(rb.turn)
	if rb.closed {
		return
	}
	for _, topic := range rb.topics() {
		if ctx.Err() != nil {
			return
		}
		rb.rebalanceByTopic(ctx, topic, orderly)
	}
	rb.truncateMessageQueueNotMyTopic()
}

func (rb *rebalancer) logger() *slog.Logger { return rb.inst.cfg.logger }

func (rb *rebalancer) rebalanceByTopic(ctx context.Context, topic string, orderly bool) {
	retry := strings.HasPrefix(topic, retryTopicPrefix)
	mqSet, ok := rb.topicQueues(topic)
	if rb.model == Broadcasting {
		if !ok {
			rb.logger().Warn("doRebalance, " + rb.group + ", but the topic[" + topic + "] not exist.")
			return
		}
		changed, reqs := rb.updateProcessQueueTable(ctx, topic, mqSet, orderly)
		if changed {
			rb.hooks.messageQueueChanged(ctx, topic, mqSet, mqSet)
		}
		rb.hooks.dispatchPullRequests(reqs)
		return
	}
	cidAll, err := rb.inst.findConsumerIDList(ctx, topic, rb.group)
	if !ok && !retry {
		rb.logger().Warn("doRebalance, " + rb.group + ", but the topic[" + topic + "] not exist.")
	}
	if err != nil {
		rb.logger().Warn("doRebalance, "+rb.group+" "+topic+", get consumer id list failed", "err", err)
	}
	if !ok || err != nil {
		return
	}
	mqAll := sortedQueues(mqSet)
	slices.Sort(cidAll)
	allocated, err := rb.strategy.Allocate(rb.group, rb.inst.id, mqAll, cidAll)
	if err != nil {
		rb.logger().Error("AllocateMessageQueueStrategy.allocate Exception. allocateMessageQueueStrategyName="+rb.strategy.Name(), "err", err)
		return
	}
	divided := sortedQueues(uniqueQueues(allocated))
	changed, reqs := rb.updateProcessQueueTable(ctx, topic, divided, orderly)
	if changed {
		rb.logger().Info("rebalanced result changed", "strategy", rb.strategy.Name(), "group", rb.group, "topic", topic,
			"clientId", rb.inst.id, "mqAllSize", len(mqSet), "cidAllSize", len(cidAll), "rebalanceResultSize", len(divided))
		rb.hooks.messageQueueChanged(ctx, topic, mqSet, divided)
	}
	rb.hooks.dispatchPullRequests(reqs)
}

// truncateMessageQueueNotMyTopic drops the queues of topics the consumer no longer subscribes.
func (rb *rebalancer) truncateMessageQueueNotMyTopic() {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for mq, pq := range rb.pqs {
		if _, ok := rb.subs[mq.Topic]; !ok {
			delete(rb.pqs, mq)
			pq.setDropped()
			rb.inst.cfg.logger.Info("doRebalance, "+rb.group+", truncateMessageQueueNotMyTopic remove unnecessary mq", "mq", mq)
		}
	}
}

// updateProcessQueueTable is updateProcessQueueTableInRebalance: the topic's queues that are no
// longer this member's are dropped (their offsets persisted first, by the hook), as are those no
// pull has touched for too long (push consumers); new ones get a process queue, their starting
// offset, a broker lock first when orderly, and a pull request. It reports whether anything
// changed.
//
// It returns the pull requests of the queues it added rather than dispatching them: a push
// consumer's messageQueueChanged gives the topic's subscription a new version and sends it to
// the brokers in a heartbeat, and every pull carries the version it reads then. Java 4.9.7
// dispatches first, so a new queue's first pull can reach the broker before that heartbeat;
// the broker answers SUBSCRIPTION_NOT_LATEST and the queue waits the pull exception delay
// (1 s by default, as in Java) before its first message. The caller dispatches after
// messageQueueChanged.
func (rb *rebalancer) updateProcessQueueTable(ctx context.Context, topic string, mqSet []MessageQueue, orderly bool) (bool, []*pullRequest) {
	changed := false
	rb.mu.Lock()
	var current []MessageQueue
	for mq := range rb.pqs {
		if mq.Topic == topic {
			current = append(current, mq)
		}
	}
	rb.mu.Unlock()
	for _, mq := range sortedQueues(current) {
		pq, ok := rb.processQueue(mq)
		if !ok {
			continue
		}
		remove := false
		switch {
		case !slices.Contains(mqSet, mq):
			pq.setDropped()
			remove = rb.hooks.removeUnnecessaryMessageQueue(ctx, mq, pq)
			if remove {
				rb.logger().Info("doRebalance, "+rb.group+", remove unnecessary mq", "mq", mq)
			}
		case rb.hooks.consumeType() == protocol.ConsumePassively && pq.isPullExpired(rb.inst.cfg.pullExpiry):
			pq.setDropped()
			remove = rb.hooks.removeUnnecessaryMessageQueue(ctx, mq, pq)
			if remove {
				rb.logger().Error("[BUG]doRebalance, "+rb.group+", remove unnecessary mq, because pull is pause, so try to fixed it", "mq", mq)
			}
		}
		if remove {
			rb.mu.Lock()
			if rb.pqs[mq] == pq {
				delete(rb.pqs, mq)
			}
			rb.mu.Unlock()
			changed = true
		}
	}
	var reqs []*pullRequest
	for _, mq := range mqSet {
		if _, ok := rb.processQueue(mq); ok {
			continue
		}
		if orderly && !rb.lock(ctx, mq) {
			rb.logger().Warn("doRebalance, "+rb.group+", add a new mq failed, because lock failed", "mq", mq)
			continue
		}
		rb.hooks.removeDirtyOffset(mq)
		pq := newProcessQueue()
		pq.locked.Store(true)
		next, err := rb.hooks.computePullFromWhere(ctx, mq)
		if err != nil {
			rb.logger().Info("doRebalance, "+rb.group+", compute offset failed", "mq", mq, "err", err)
			continue
		}
		if next < 0 {
			rb.logger().Warn("doRebalance, "+rb.group+", add new mq failed", "mq", mq)
			continue
		}
		rb.mu.Lock()
		_, exists := rb.pqs[mq]
		if !exists {
			rb.pqs[mq] = pq
		}
		rb.mu.Unlock()
		if exists {
			rb.logger().Info("doRebalance, "+rb.group+", mq already exists", "mq", mq)
			continue
		}
		rb.logger().Info("doRebalance, "+rb.group+", add a new mq", "mq", mq)
		reqs = append(reqs, &pullRequest{group: rb.group, mq: mq, pq: pq, nextOffset: next})
		changed = true
	}
	return changed, reqs
}

// lock is lock: LOCK_BATCH_MQ for one queue on its broker's master; every queue the broker
// says is locked is marked so, and the answer is whether mq is among them.
func (rb *rebalancer) lock(ctx context.Context, mq MessageQueue) bool {
	addr, ok := rb.inst.subscribeAddr(mq.BrokerName, protocol.MasterID, true)
	if !ok {
		return false
	}
	locked, err := rb.inst.lockBatch(ctx, addr.addr, rb.group, []MessageQueue{mq})
	if err != nil {
		rb.logger().Error("lockBatchMQ exception, "+mq.javaString(), "err", err)
		return false
	}
	for _, l := range locked {
		if pq, ok := rb.processQueue(l); ok {
			pq.markLocked()
		}
	}
	lockOK := slices.Contains(locked, mq)
	if lockOK {
		rb.logger().Info("the message queue lock OK, "+rb.group, "mq", mq)
	} else {
		rb.logger().Info("the message queue lock Failed, "+rb.group, "mq", mq)
	}
	return lockOK
}

// byBroker groups the consumed queues by broker (buildProcessQueueTableByBrokerName).
func (rb *rebalancer) byBroker() map[string][]MessageQueue {
	mqs, _ := rb.processQueues()
	out := map[string][]MessageQueue{}
	for _, mq := range mqs {
		out[mq.BrokerName] = append(out[mq.BrokerName], mq)
	}
	return out
}

// lockAll is lockAll: every consumed queue's lock is taken or renewed, broker by broker; a
// queue the broker did not lock for this member is marked unlocked.
func (rb *rebalancer) lockAll(ctx context.Context) {
	groups := rb.byBroker()
	for _, broker := range slices.Sorted(maps.Keys(groups)) {
		mqs := groups[broker]
		addr, ok := rb.inst.subscribeAddr(broker, protocol.MasterID, true)
		if !ok {
			continue
		}
		locked, err := rb.inst.lockBatch(ctx, addr.addr, rb.group, mqs)
		if err != nil {
			rb.logger().Error("lockBatchMQ exception", "mqs", mqs, "err", err)
			continue
		}
		for _, mq := range locked {
			if pq, ok := rb.processQueue(mq); ok {
				if !pq.isLocked() {
					rb.logger().Info("the message queue locked OK, Group: "+rb.group, "mq", mq)
				}
				pq.markLocked()
			}
		}
		for _, mq := range mqs {
			if !slices.Contains(locked, mq) {
				if pq, ok := rb.processQueue(mq); ok {
					pq.locked.Store(false)
					rb.logger().Warn("the message queue locked Failed, Group: "+rb.group, "mq", mq)
				}
			}
		}
	}
}

// unlock is unlock: UNLOCK_BATCH_MQ for one queue, oneway or not.
func (rb *rebalancer) unlock(ctx context.Context, mq MessageQueue, oneway bool) {
	addr, ok := rb.inst.subscribeAddr(mq.BrokerName, protocol.MasterID, true)
	if !ok {
		return
	}
	if err := rb.inst.unlockBatch(ctx, addr.addr, rb.group, []MessageQueue{mq}, oneway); err != nil {
		rb.logger().Error("unlockBatchMQ exception, "+mq.javaString(), "err", err)
		return
	}
	rb.logger().Warn("unlock messageQueue. group:"+rb.group+", clientId:"+rb.inst.id, "mq", mq)
}

// unlockAll is unlockAll: every consumed queue is unlocked, broker by broker.
func (rb *rebalancer) unlockAll(ctx context.Context, oneway bool) {
	groups := rb.byBroker()
	for _, broker := range slices.Sorted(maps.Keys(groups)) {
		mqs := groups[broker]
		addr, ok := rb.inst.subscribeAddr(broker, protocol.MasterID, true)
		if !ok {
			continue
		}
		if err := rb.inst.unlockBatch(ctx, addr.addr, rb.group, mqs, oneway); err != nil {
			rb.logger().Error("unlockBatchMQ exception", "mqs", mqs, "err", err)
			continue
		}
		for _, mq := range mqs {
			if pq, ok := rb.processQueue(mq); ok {
				pq.locked.Store(false)
				rb.logger().Info("the message queue unlock OK, Group: "+rb.group, "mq", mq)
			}
		}
	}
}

// sortedQueues sorts mqs as Java's MessageQueue.compareTo: topic, broker, queue id.
func sortedQueues(mqs []MessageQueue) []MessageQueue {
	out := slices.Clone(mqs)
	slices.SortFunc(out, compareQueues)
	return out
}

func compareQueues(a, b MessageQueue) int {
	return protocol.CompareMessageQueues(a.proto(), b.proto())
}

func uniqueQueues(mqs []MessageQueue) []MessageQueue {
	seen := make(map[MessageQueue]bool, len(mqs))
	out := make([]MessageQueue, 0, len(mqs))
	for _, mq := range mqs {
		if !seen[mq] {
			seen[mq] = true
			out = append(out, mq)
		}
	}
	return out
}

// proto is the queue as the protocol package names it.
func (mq MessageQueue) proto() protocol.MessageQueue {
	return protocol.MessageQueue{Topic: mq.Topic, BrokerName: mq.BrokerName, QueueID: int32(mq.QueueID)}
}

func fromProto(mq protocol.MessageQueue) MessageQueue {
	return MessageQueue{Topic: mq.Topic, BrokerName: mq.BrokerName, QueueID: int(mq.QueueID)}
}
