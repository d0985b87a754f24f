package fakebroker

// pull.go serves 11 PULL_MESSAGE with long polling, as Java's PullMessageProcessor,
// PullRequestHoldService and DefaultMessageStore.getMessage (4.9.7):
//
//   - Checks in Java's order: a broker that is not readable (16 "the broker[IP] pulling message
//     is forbidden"); the subscription group (auto-created, else 26 "subscription group [G] does
//     not exist, ...") and its consumeEnable (16 "subscription group no permission, G"); the topic (17 "topic[T] not exist, apply first please! ..."), its read
//     permission (16 "the topic[T] pulling message is forbidden") and the queue id (1
//     "queueId[N] is illegal, topic:[T] topicConfig.readQueueNums:[R] consumer:[/ADDR]"); the
//     subscription: from the request when its sysFlag has the subscription bit, else from the
//     group's heartbeat (24 "the consumer's group info not exist"; 16 "the consumer group[G] can
//     not consume by broadcast way" when the heartbeats say BROADCASTING and the group's
//     consumeBroadcastEnable is off; 24 "the consumer's subscription not exist", 25 when the
//     request's subVersion is newer); a filter that is not
//     TAG is refused (1 "The broker does not support consumer to filter message by SQL92", as
//     enablePropertyFilter is off by default).
//   - The answer's remark is the store's status (FOUND, NO_MESSAGE_IN_QUEUE,
//     OFFSET_OVERFLOW_ONE, ...), its header nextBeginOffset, minOffset, maxOffset and
//     suggestWhichBrokerId 0; codes 0 with the messages in the stored encoding, one after
//     another, 19 PULL_NOT_FOUND, 20 PULL_RETRY_IMMEDIATELY (nothing matched the filter) and
//     21 PULL_OFFSET_MOVED (offset out of range, or 0 != offset in an empty queue).
//   - PULL_NOT_FOUND with the suspend bit is held: the request is answered later, through
//     Request.Respond, when a message that matches its filter arrives in the queue or at its
//     suspendTimeoutMillis, by running the pull again without suspending. (Java checks held
//     pulls every 5 s, so its timeouts come up to 5 s late; here they come on time.)
//   - With the commit-offset bit, the request's commitOffset is stored as the group's offset
//     (on the first run only, as Java).
//   - A PULL_OFFSET_MOVED answer (the first run's or a held pull's) is recorded, before it goes
//     out, as a message in OFFSET_MOVED_EVENT queue 0: an OffsetMovedEvent body (group, queue,
//     offset asked for, nextBeginOffset), TAGS and KEYS the group, DELAY 0, born at and from the
//     broker's address (generateOffsetMovedEvent). Only a master writes it.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const framePull = "org.apache.rocketmq.broker.processor.PullMessageProcessor.processRequest(PullMessageProcessor.java:"

// The numbers processRequest unboxes (commitOffset only when it stores it).
var (
	pullNeedSysFlag      = unboxed("PullMessageRequestHeader", "sysFlag", protocol.FieldSysFlag, "Integer", framePull+"123)")
	pullNeedSuspend      = unboxed("PullMessageRequestHeader", "suspendTimeoutMillis", protocol.FieldSuspendTimeoutMillis, "Long", framePull+"127)")
	pullNeedQueueID      = unboxed("PullMessageRequestHeader", "queueId", protocol.FieldQueueID, "Integer", framePull+"143)")
	pullNeedSubVersion   = unboxed("PullMessageRequestHeader", "subVersion", protocol.FieldSubVersion, "Long", framePull+"198)")
	pullNeedQueueOffset  = unboxed("PullMessageRequestHeader", "queueOffset", protocol.FieldQueueOffset, "Long", "")
	pullNeedMaxMsgNums   = unboxed("PullMessageRequestHeader", "maxMsgNums", protocol.FieldMaxMsgNums, "Integer", "")
	pullNeedCommitOffset = unboxed("PullMessageRequestHeader", "commitOffset", protocol.FieldCommitOffset, "Long", "")
)

func (b *Broker) pullHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodePullMessage, b.handlePull}}
}

func (b *Broker) handlePull(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, err := protocol.DecodePullMessageRequestHeader(cmd.ExtFields)
	if resp := headerFailure(cmd, err, true); resp != nil {
		return resp
	}
	return b.processPull(req, h, true)
}

// processPull is PullMessageProcessor.processRequest; it returns nil when it holds the request.
func (b *Broker) processPull(req *remoting.Request, h protocol.PullMessageRequestHeader, allowSuspend bool) *remoting.Command {
	began := time.Now()
	cmd := req.Command
	if !protocol.IsReadable(b.permission()) {
		return answerWithHeader(cmd, remoting.NoPermission,
			fmt.Sprintf("the broker[%s] pulling message is forbidden", b.brokerIP1()))
	}
	if resp := check(cmd, keyed(protocol.FieldConsumerGroup)); resp != nil {
		return resp
	}
	sg, ok := b.subscriptionGroup(h.ConsumerGroup)
	if !ok {
		return answerWithHeader(cmd, remoting.SubscriptionGroupNotExist,
			fmt.Sprintf("subscription group [%s] does not exist, %s", h.ConsumerGroup, faqSuffix))
	}
	if !sg.ConsumeEnable {
		return answerWithHeader(cmd, remoting.NoPermission, "subscription group no permission, "+h.ConsumerGroup)
	}
	if resp := check(cmd, pullNeedSysFlag); resp != nil {
		return resp
	}
	hasSuspend := h.SysFlag&protocol.PullSysFlagSuspend != 0
	hasCommitOffset := h.SysFlag&protocol.PullSysFlagCommitOffset != 0
	hasSubscription := h.SysFlag&protocol.PullSysFlagSubscription != 0
	var suspendTimeout time.Duration
	if hasSuspend {
		if resp := check(cmd, pullNeedSuspend); resp != nil {
			return resp
		}
		suspendTimeout = time.Duration(h.SuspendTimeoutMillis) * time.Millisecond
	}
	if resp := check(cmd, keyed(protocol.FieldTopic)); resp != nil {
		return resp
	}
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		return answerWithHeader(cmd, remoting.TopicNotExist,
			fmt.Sprintf("topic[%s] not exist, apply first please! %s", h.Topic, faqSuffix))
	}
	if !protocol.IsReadable(tc.Perm) {
		return answerWithHeader(cmd, remoting.NoPermission, "the topic["+h.Topic+"] pulling message is forbidden")
	}
	if resp := check(cmd, pullNeedQueueID); resp != nil {
		return resp
	}
	if h.QueueID < 0 || h.QueueID >= tc.ReadQueueNums {
		return answerWithHeader(cmd, remoting.SystemError, fmt.Sprintf(
			"queueId[%d] is illegal, topic:[%s] topicConfig.readQueueNums:[%d] consumer:[/%s]",
			h.QueueID, h.Topic, tc.ReadQueueNums, remoteAddr(req)))
	}

	var sub protocol.SubscriptionData
	if hasSubscription {
		sub = buildSubscription(h.Topic, h.Subscription, h.ExpressionType)
	} else {
		var model protocol.MessageModel
		var groupOK bool
		sub, model, groupOK, ok = b.clients.subscription(h.ConsumerGroup, h.Topic)
		if !groupOK {
			return answerWithHeader(cmd, remoting.SubscriptionNotExist, "the consumer's group info not exist"+faqSuffix)
		}
		if !sg.ConsumeBroadcastEnable && model == protocol.Broadcasting {
			return answerWithHeader(cmd, remoting.NoPermission,
				"the consumer group["+h.ConsumerGroup+"] can not consume by broadcast way")
		}
		if !ok {
			return answerWithHeader(cmd, remoting.SubscriptionNotExist, "the consumer's subscription not exist"+faqSuffix)
		}
		if resp := check(cmd, pullNeedSubVersion); resp != nil {
			return resp
		}
		if sub.SubVersion < h.SubVersion {
			return answerWithHeader(cmd, remoting.SubscriptionNotLatest, "the consumer's subscription not latest")
		}
	}
	if !isTagType(sub.ExpressionType) {
		return answerWithHeader(cmd, remoting.SystemError,
			"The broker does not support consumer to filter message by "+sub.ExpressionType)
	}
	filter := filterFromSubscription(sub)

	if resp := check(cmd, pullNeedQueueOffset, pullNeedMaxMsgNums); resp != nil {
		return resp
	}
	commit := allowSuspend && hasCommitOffset
	if commit {
		if resp := check(cmd, pullNeedCommitOffset); resp != nil {
			return resp
		}
	}
	res := b.store.get(h.Topic, h.QueueID, h.QueueOffset, h.MaxMsgNums, filter)
	resp := answerWithHeader(cmd, remoting.Success, res.status)
	protocol.SetHeader(resp, protocol.PullMessageResponseHeader{
		SuggestWhichBrokerID: protocol.MasterID,
		NextBeginOffset:      res.nextBeginOffset,
		MinOffset:            res.minOffset,
		MaxOffset:            res.maxOffset,
	})
	switch res.status {
	case statusFound:
		resp.Code = remoting.Success
	case statusNoMatchedMessage:
		resp.Code = remoting.PullRetryImmediately
	case statusNoMessageInQueue:
		resp.Code = remoting.PullNotFound
		if h.QueueOffset != 0 {
			resp.Code = remoting.PullOffsetMoved
		}
	case statusOffsetOverflowOne:
		resp.Code = remoting.PullNotFound
	case statusOffsetOverflowBad, statusOffsetTooSmall:
		resp.Code = remoting.PullOffsetMoved
	}

	switch resp.Code {
	case remoting.Success:
		b.stats.gotMsgs.Add(int64(len(res.msgs)))
		b.countGet(h.ConsumerGroup, h.Topic, res)
		size := 0
		for _, m := range res.msgs {
			size += len(m.raw)
		}
		body := make([]byte, 0, size)
		for _, m := range res.msgs {
			body = append(body, m.raw...)
		}
		resp.Body = body
		b.countGetLatency(h.ConsumerGroup, h.Topic, h.QueueID, time.Since(began))
	case remoting.PullNotFound:
		if allowSuspend && hasSuspend {
			req.AnswerLater()
			b.pulls.hold(b, &heldPull{
				req: req, h: h, filter: filter,
				key: queueKey{h.Topic, h.QueueID}, offset: h.QueueOffset,
			}, suspendTimeout)
			resp = nil
		}
	case remoting.PullOffsetMoved:
		if b.cfg.brokerID == protocol.MasterID {
			b.writeOffsetMovedEvent(h, res.nextBeginOffset)
		}
	}

	if commit {
		b.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	}
	return resp
}

// writeOffsetMovedEvent is generateOffsetMovedEvent: the correction a PULL_OFFSET_MOVED answer
// makes is recorded in OFFSET_MOVED_EVENT queue 0, tagged and keyed by the group, born at and
// from the broker's address.
func (b *Broker) writeOffsetMovedEvent(h protocol.PullMessageRequestHeader, offsetNew int64) {
	ev := &protocol.OffsetMovedEvent{
		ConsumerGroup: h.ConsumerGroup,
		MessageQueue:  protocol.MessageQueue{Topic: h.Topic, BrokerName: b.cfg.name, QueueID: h.QueueID},
		OffsetRequest: h.QueueOffset, OffsetNew: offsetNew,
	}
	m := &protocol.MessageExt{}
	m.Topic, m.QueueID, m.Body = protocol.OffsetMovedEventTopic, 0, ev.Encode()
	m.Properties = map[string]string{
		protocol.PropertyTags: h.ConsumerGroup, protocol.PropertyDelayTimeLevel: "0", protocol.PropertyKeys: h.ConsumerGroup,
	}
	// Java sets the tags, the level and the keys, in that order, then encodes the map.
	m.RawProperties = protocol.EncodeProperties(m.Properties,
		protocol.PropertyTags, protocol.PropertyDelayTimeLevel, protocol.PropertyKeys)
	m.BornTimestamp, m.BornHost = time.Now().UnixMilli(), parseHost(b.Addr())
	if _, err := b.put([]*protocol.MessageExt{m}); err != nil {
		b.log.Warn("fakebroker: offset moved event not written", "group", h.ConsumerGroup, "reason", err)
	}
}

// isTagType is ExpressionType.isTagType: no type or TAG.
func isTagType(t string) bool { return t == "" || t == protocol.ExpressionTypeTag }

// buildSubscription is FilterAPI.build for a request that carries its subscription: "*" or
// nothing subscribes to all, else the tags split at "||" and trimmed.
func buildSubscription(topic, expr, exprType string) protocol.SubscriptionData {
	sd := protocol.SubscriptionData{Topic: topic, SubString: expr, ExpressionType: exprType}
	if !isTagType(exprType) {
		return sd
	}
	if expr == "" || expr == "*" {
		sd.SubString = "*"
		return sd
	}
	for _, tag := range strings.Split(expr, "||") {
		if tag = strings.TrimSpace(tag); tag != "" {
			sd.TagsSet = append(sd.TagsSet, tag)
			sd.CodeSet = append(sd.CodeSet, javamap.HashCode(tag))
		}
	}
	return sd
}

// ---- held pulls (PullRequestHoldService) ----

type heldPull struct {
	req    *remoting.Request
	h      protocol.PullMessageRequestHeader
	filter *messageFilter
	key    queueKey
	offset int64
	timer  *time.Timer
}

type pullHolds struct {
	mu      sync.Mutex
	m       map[queueKey][]*heldPull
	wakes   sync.WaitGroup // answers being computed by timers
	changed changeNotifier // see await.go
}

func newPullHolds() *pullHolds { return &pullHolds{m: map[queueKey][]*heldPull{}} }

// hold suspends hp until a matching message arrives or timeout passes.
func (p *pullHolds) hold(b *Broker, hp *heldPull, timeout time.Duration) {
	p.mu.Lock()
	p.m[hp.key] = append(p.m[hp.key], hp)
	hp.timer = time.AfterFunc(timeout, func() {
		if p.take(hp) {
			p.wakes.Add(1)
			defer p.wakes.Done()
			b.wake(hp)
		}
	})
	p.mu.Unlock()
	p.changed.notify()
	// A message that arrived between the store's answer and now would not wake the pull.
	if b.store.maxOffset(hp.key.topic, hp.key.queue) > hp.offset && p.take(hp) {
		hp.timer.Stop()
		b.wake(hp)
	}
}

// take removes hp; only the caller that removes it answers it.
func (p *pullHolds) take(hp *heldPull) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.changed.notify()
	list := p.m[hp.key]
	i := slices.Index(list, hp)
	if i < 0 {
		return false
	}
	list = slices.Delete(list, i, i+1)
	if len(list) == 0 {
		delete(p.m, hp.key)
	} else {
		p.m[hp.key] = list
	}
	return true
}

// arrived removes and returns the pulls of a queue that the newly stored messages wake: those
// waiting below maxOffset whose filter matches the tags code of one of them.
func (p *pullHolds) arrived(key queueKey, maxOffset int64, stored []storedMessage) []*heldPull {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.changed.notify()
	var woken, kept []*heldPull
	for _, hp := range p.m[key] {
		match := false
		if maxOffset > hp.offset {
			for _, sm := range stored {
				if hp.filter.matchCode(sm.tagsCode) {
					match = true
					break
				}
			}
		}
		if match {
			hp.timer.Stop()
			woken = append(woken, hp)
		} else {
			kept = append(kept, hp)
		}
	}
	if len(kept) == 0 {
		delete(p.m, key)
	} else {
		p.m[key] = kept
	}
	return woken
}

// dropConn forgets the pulls held for a closed connection.
func (p *pullHolds) dropConn(conn uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.changed.notify()
	for key, list := range p.m {
		list = slices.DeleteFunc(list, func(hp *heldPull) bool {
			if hp.req.Conn != nil && hp.req.Conn.ID() == conn {
				hp.timer.Stop()
				return true
			}
			return false
		})
		if len(list) == 0 {
			delete(p.m, key)
		} else {
			p.m[key] = list
		}
	}
}

// dropAll forgets every held pull (the broker stopped) and waits for answers being computed.
func (p *pullHolds) dropAll() {
	p.mu.Lock()
	for _, list := range p.m {
		for _, hp := range list {
			hp.timer.Stop()
		}
	}
	p.m = map[queueKey][]*heldPull{}
	p.mu.Unlock()
	p.changed.notify()
	p.wakes.Wait()
}

func (p *pullHolds) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, list := range p.m {
		n += len(list)
	}
	return n
}

// wake is executeRequestWhenWakeup: the pull runs again, without suspending, and its answer
// goes out through Respond.
func (b *Broker) wake(hp *heldPull) {
	resp := b.processPull(hp.req, hp.h, false)
	if resp == nil {
		return
	}
	// executeRequestWhenWakeup writes the answer as processRequest created it, in JSON, even to
	// a pull that came with a binary header.
	resp.SerializeType = remoting.SerializeJSON
	if err := hp.req.Respond(resp); err != nil {
		b.log.Debug("fakebroker: held pull not answered", "reason", err)
	}
}

// messageArrived is the store's arrival notification (NotifyMessageArrivingListener).
func (b *Broker) messageArrived(topic string, queue int32, maxOffset int64, stored []storedMessage) {
	for _, hp := range b.pulls.arrived(queueKey{topic, queue}, maxOffset, stored) {
		b.wake(hp)
	}
}
