package client

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// consumerInner is Java's MQConsumerInner: what the client instance asks of each consumer it
// holds (heartbeats, route updates, rebalance, offset persistence, the broker's questions).
type consumerInner interface {
	groupName() string
	consumeType() protocol.ConsumeType
	heartbeatData() protocol.ConsumerData
	subscribedTopics() []string
	doRebalance(ctx context.Context)
	persistConsumerOffset(ctx context.Context)
	updateTopicSubscribeInfo(topic string, mqs []MessageQueue)
	isSubscribeTopicNeedUpdate(topic string) bool
	runningInfo() *protocol.ConsumerRunningInfo
	offsetTable(topic string) map[MessageQueue]int64
}

func (inst *instance) registerConsumer(group string, c consumerInner) bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if _, ok := inst.consumers[group]; ok {
		return false
	}
	inst.consumers[group] = c
	return true
}

func (inst *instance) consumerCount() int {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return len(inst.consumers)
}

func (inst *instance) selectConsumer(group string) (consumerInner, bool) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	c, ok := inst.consumers[group]
	return c, ok
}

// allConsumers lists the consumers by group.
func (inst *instance) allConsumers() []consumerInner {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	out := make([]consumerInner, 0, len(inst.consumers))
	for _, g := range slices.Sorted(maps.Keys(inst.consumers)) {
		out = append(out, inst.consumers[g])
	}
	return out
}

// releaseConsumer is unregisterConsumer followed by the instance's shutdown, which only stops
// it when no consumer and no producer but the inner one is left.
func (inst *instance) releaseConsumer(group string) {
	inst.mu.Lock()
	delete(inst.consumers, group)
	inst.mu.Unlock()
	inst.unregisterClient("", group)
	inst.m.mu.Lock()
	last := inst.m.releaseLocked(inst)
	inst.m.mu.Unlock()
	if last {
		inst.shutdown()
	}
}

// rebalanceImmediately wakes the rebalance service up (Java's wakeup: a wakeup while it runs
// makes it go round once more).
func (inst *instance) rebalanceImmediately() {
	// Set before the wakeup is queued, so that no snapshot sees it neither queued nor running.
	inst.rebalancing.Store(true)
	select {
	case inst.rebalanceWake <- struct{}{}:
	default:
	}
}

// runRebalance is RebalanceService: wait for the interval or a wakeup, rebalance every
// consumer, again.
func (inst *instance) runRebalance(ctx context.Context) {
	defer inst.tasks.Done()
	t := time.NewTimer(inst.cfg.rebalanceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-inst.rebalanceWake:
		case <-t.C:
		}
		inst.rebalancing.Store(true)
		inst.doRebalance(ctx)
		inst.rebalanceRounds.Add(1)
		inst.rebalancing.Store(len(inst.rebalanceWake) > 0)
		t.Reset(inst.cfg.rebalanceInterval)
	}
}

func (inst *instance) doRebalance(ctx context.Context) {
	for _, c := range inst.allConsumers() {
		if ctx.Err() != nil {
			return
		}
		c.doRebalance(ctx)
	}
}

// persistAllConsumerOffset is the instance's task of that name.
func (inst *instance) persistAllConsumerOffset(ctx context.Context) {
	for _, c := range inst.allConsumers() {
		c.persistConsumerOffset(ctx)
	}
}

// foundBroker is FindBrokerResult.
type foundBroker struct {
	addr    string
	slave   bool
	version int32
}

// subscribeAddr is findBrokerAddressInSubscribe: the address of broker id of the named broker;
// for a slave id, the next id when it is missing; with !onlyThisBroker, any address of the
// broker (the lowest id: Java takes the first of a HashMap<Long, String>, which for a master and
// its slaves is the lowest).
func (inst *instance) subscribeAddr(name string, id int64, onlyThisBroker bool) (foundBroker, bool) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	addrs := inst.brokerAddrs[name]
	if len(addrs) == 0 {
		return foundBroker{}, false
	}
	addr, found := addrs[id]
	slave := id != protocol.MasterID
	if !found && slave {
		addr, found = addrs[id+1]
	}
	if !found && !onlyThisBroker {
		first := slices.Min(slices.Collect(maps.Keys(addrs)))
		addr, slave, found = addrs[first], first != protocol.MasterID, true
	}
	if !found {
		return foundBroker{}, false
	}
	return foundBroker{addr: addr, slave: slave, version: inst.versions[name][addr]}, true
}

// brokerAddrByTopic is findBrokerAddrByTopic: a random broker of the topic's cached route, its
// master when it has one (BrokerData.selectBrokerAddr).
func (inst *instance) brokerAddrByTopic(topic string) string {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	route := inst.routes[topic]
	if route == nil || len(route.BrokerDatas) == 0 {
		return ""
	}
	bd := route.BrokerDatas[rand.IntN(len(route.BrokerDatas))]
	if addr, ok := bd.MasterAddr(); ok {
		return addr
	}
	ids := slices.Collect(maps.Keys(bd.BrokerAddrs))
	if len(ids) == 0 {
		return ""
	}
	return bd.BrokerAddrs[ids[rand.IntN(len(ids))]]
}

// withVIP is MixAll.brokerVIPChannel.
func (inst *instance) withVIP(addr string) string {
	if inst.cfg.vipChannel {
		return vipAddr(addr)
	}
	return addr
}

// invokeBroker sends req to addr within timeout and turns an answer other than SUCCESS into a
// BrokerError (Java's MQBrokerException).
func (inst *instance) invokeBroker(ctx context.Context, addr string, req *remoting.Command, timeout time.Duration) (*remoting.Command, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := inst.rc.Invoke(ctx, addr, req)
	if err != nil {
		return nil, transportError(addr, err)
	}
	if resp.Code != remoting.Success {
		return resp, &BrokerError{Code: resp.Code, Remark: resp.Remark, BrokerAddr: addr}
	}
	return resp, nil
}

// findConsumerIDList is findConsumerIdList: the group's members, as a broker of the topic knows
// them (GET_CONSUMER_LIST_BY_GROUP).
func (inst *instance) findConsumerIDList(ctx context.Context, topic, group string) ([]string, error) {
	addr := inst.brokerAddrByTopic(topic)
	if addr == "" {
		_, _ = inst.updateRoute(ctx, topic, nil)
		addr = inst.brokerAddrByTopic(topic)
	}
	if addr == "" {
		return nil, clientError(-1, "no broker of topic "+topic, nil)
	}
	addr = inst.withVIP(addr)
	resp, err := inst.invokeBroker(ctx, addr, inst.request(remoting.CodeGetConsumerListByGroup,
		protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: group}, nil), inst.cfg.apiTimeout)
	if err != nil {
		return nil, err
	}
	if len(resp.Body) == 0 {
		// Java falls through to the MQBrokerException of a non-SUCCESS answer.
		return nil, &BrokerError{Code: resp.Code, Remark: resp.Remark, BrokerAddr: addr}
	}
	body, err := protocol.DecodeGetConsumerListByGroupResponseBody(resp.Body)
	if err != nil {
		return nil, err
	}
	return body.ConsumerIDList, nil
}

// lockBatch is lockBatchMQ: the queues of mqs the broker locked for this client.
func (inst *instance) lockBatch(ctx context.Context, addr, group string, mqs []MessageQueue) ([]MessageQueue, error) {
	body := &protocol.LockBatchRequestBody{ConsumerGroup: group, ClientID: inst.id}
	for _, mq := range mqs {
		body.MQSet = append(body.MQSet, mq.proto())
	}
	addr = inst.withVIP(addr)
	resp, err := inst.invokeBroker(ctx, addr, inst.request(remoting.CodeLockBatchMQ, nil, body.Encode()), lockBatchTimeout)
	if err != nil {
		return nil, err
	}
	locked, err := protocol.DecodeLockBatchResponseBody(resp.Body)
	if err != nil {
		return nil, err
	}
	out := make([]MessageQueue, 0, len(locked.LockOKMQSet))
	for _, mq := range locked.LockOKMQSet {
		out = append(out, fromProto(mq))
	}
	return out, nil
}

// unlockBatch is unlockBatchMQ: oneway to the broker's own address, or a request to its VIP
// channel, as Java sends each.
func (inst *instance) unlockBatch(ctx context.Context, addr, group string, mqs []MessageQueue, oneway bool) error {
	body := &protocol.UnlockBatchRequestBody{ConsumerGroup: group, ClientID: inst.id}
	for _, mq := range mqs {
		body.MQSet = append(body.MQSet, mq.proto())
	}
	req := inst.request(remoting.CodeUnlockBatchMQ, nil, body.Encode())
	if oneway {
		ctx, cancel := context.WithTimeout(ctx, lockBatchTimeout)
		defer cancel()
		return transportError(addr, inst.rc.InvokeOneway(ctx, addr, req))
	}
	_, err := inst.invokeBroker(ctx, inst.withVIP(addr), req, lockBatchTimeout)
	return err
}

// publishAddr is MQAdminImpl's lookup: the broker's master, the route fetched once when it is
// not known.
func (inst *instance) publishAddr(ctx context.Context, mq MessageQueue) (string, error) {
	addr := inst.masterAddr(mq.BrokerName)
	if addr == "" {
		_, _ = inst.updateRoute(ctx, mq.Topic, nil)
		addr = inst.masterAddr(mq.BrokerName)
	}
	if addr == "" {
		return "", clientError(-1, "The broker["+mq.BrokerName+"] not exist", nil)
	}
	return addr, nil
}

// queueOffsetQuery is one of MQAdminImpl's offset queries: maxOffset (GET_MAX_OFFSET),
// minOffset (GET_MIN_OFFSET) or searchOffset (SEARCH_OFFSET_BY_TIMESTAMP).
func (inst *instance) queueOffsetQuery(ctx context.Context, mq MessageQueue, code int32, h protocol.Header) (int64, error) {
	addr, err := inst.publishAddr(ctx, mq)
	if err != nil {
		return 0, err
	}
	addr = inst.withVIP(addr)
	resp, err := inst.invokeBroker(ctx, addr, inst.request(code, h, nil), inst.cfg.apiTimeout)
	if err == nil {
		var rh protocol.OffsetResponseHeader
		if rh, err = protocol.DecodeOffsetResponseHeader(resp.ExtFields); err == nil {
			return rh.Offset, nil
		}
	}
	return 0, clientError(-1, "Invoke Broker["+addr+"] exception", err)
}

func (inst *instance) maxOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	return inst.queueOffsetQuery(ctx, mq, remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{
		Topic: mq.Topic, QueueID: int32(mq.QueueID), BrokerName: mq.BrokerName,
	})
}

func (inst *instance) minOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	return inst.queueOffsetQuery(ctx, mq, remoting.CodeGetMinOffset, protocol.GetMinOffsetRequestHeader{
		Topic: mq.Topic, QueueID: int32(mq.QueueID), BrokerName: mq.BrokerName,
	})
}

func (inst *instance) searchOffset(ctx context.Context, mq MessageQueue, t time.Time) (int64, error) {
	return inst.queueOffsetQuery(ctx, mq, remoting.CodeSearchOffsetByTimestamp, protocol.SearchOffsetRequestHeader{
		Topic: mq.Topic, QueueID: int32(mq.QueueID), Timestamp: t.UnixMilli(), BrokerName: mq.BrokerName,
	})
}

// subscribeInfo is topicRouteData2TopicSubscribeInfo: every readable queue of the route.
func subscribeInfo(topic string, route *protocol.TopicRouteData) []MessageQueue {
	var out []MessageQueue
	for _, qd := range route.QueueDatas {
		if protocol.IsReadable(qd.Perm) {
			for i := range int(qd.ReadQueueNums) {
				out = append(out, MessageQueue{Topic: topic, BrokerName: qd.BrokerName, QueueID: i})
			}
		}
	}
	return sortedQueues(out)
}

// javaMillis formats a duration as Java's millisecond settings print.
func javaMillis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
