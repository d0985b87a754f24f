package fakebroker

// locks.go serves 41 LOCK_BATCH_MQ and 42 UNLOCK_BATCH_MQ, which orderly consumers send to own
// the queues they consume, as Java's AdminBrokerProcessor.lockBatchMQ and unlockBatchMQ and the
// RebalanceLockManager they call (4.9.7):
//
//   - A lock is per (consumer group, queue) and held by a client id. Locking a queue nobody
//     holds, or holds with a lock older than the expiry (rebalanceLockMaxLiveTime, 60 s, Java's
//     -Drocketmq.broker.rebalance.lockMaxLiveTime; WithRebalanceLockExpiry), takes it; locking a
//     queue the client holds renews it; a queue another client holds stays theirs. The answer
//     is SUCCESS, without remark or extFields, with a LockBatchResponseBody listing the queues
//     the client now holds, in the order of the HashSet Java collects them in.
//   - Unlocking drops the client's own locks among the queues named, and leaves the others'.
//     The answer is SUCCESS without a body.
//   - Nothing else touches a lock: not a consumer leaving its group, not its connection
//     closing. A lock lapses only by its age, and is taken over only by a lock request. The
//     locks live in memory: a broker started again holds none.
//   - A request without a body is Java's NullPointerException from decoding it; queues with a
//     group missing from the body, the NullPointerException of the ConcurrentHashMap looked up.

import (
	"context"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// DefaultRebalanceLockExpiry is RebalanceLockManager.REBALANCE_LOCK_MAX_LIVE_TIME.
const DefaultRebalanceLockExpiry = 60 * time.Second

type queueLock struct {
	clientID   string
	lastUpdate time.Time
}

type rebalanceLocks struct {
	mu     sync.Mutex
	expiry time.Duration
	m      map[string]map[protocol.MessageQueue]*queueLock
}

func newRebalanceLocks(expiry time.Duration) *rebalanceLocks {
	return &rebalanceLocks{expiry: expiry, m: map[string]map[protocol.MessageQueue]*queueLock{}}
}

// expired is LockEntry.isExpired: strictly older than the expiry.
func (l *rebalanceLocks) expired(e *queueLock, now time.Time) bool {
	return now.Sub(e.lastUpdate) > l.expiry
}

// tryLockBatch is RebalanceLockManager.tryLockBatch: it returns the queues the client holds
// afterwards, in the order given.
func (l *rebalanceLocks) tryLockBatch(group string, mqs []protocol.MessageQueue, clientID string, now time.Time) []protocol.MessageQueue {
	l.mu.Lock()
	defer l.mu.Unlock()
	table := l.m[group]
	if table == nil {
		table = map[protocol.MessageQueue]*queueLock{}
		l.m[group] = table
	}
	var locked []protocol.MessageQueue
	for _, mq := range mqs {
		e := table[mq]
		switch {
		case e == nil:
			table[mq] = &queueLock{clientID: clientID, lastUpdate: now}
		case e.clientID == clientID || l.expired(e, now):
			// Renewed, or taken over from a holder whose lock lapsed.
			e.clientID, e.lastUpdate = clientID, now
		default:
			continue
		}
		locked = append(locked, mq)
	}
	return locked
}

// unlockBatch is RebalanceLockManager.unlockBatch.
func (l *rebalanceLocks) unlockBatch(group string, mqs []protocol.MessageQueue, clientID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	table := l.m[group]
	for _, mq := range mqs {
		if e := table[mq]; e != nil && e.clientID == clientID {
			delete(table, mq)
		}
	}
}

// clear forgets every lock: a broker that starts again holds none.
func (l *rebalanceLocks) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m = map[string]map[protocol.MessageQueue]*queueLock{}
}

// holders returns the client holding each queue of the group whose lock has not lapsed.
func (l *rebalanceLocks) holders(group string, now time.Time) map[protocol.MessageQueue]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[protocol.MessageQueue]string{}
	for mq, e := range l.m[group] {
		if !l.expired(e, now) {
			out[mq] = e.clientID
		}
	}
	return out
}

func (b *Broker) lockHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeLockBatchMQ, b.handleLockBatch},
		{remoting.CodeUnlockBatchMQ, b.handleUnlockBatch},
	}
}

func (b *Broker) handleLockBatch(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if len(cmd.Body) == 0 {
		return answer(cmd, remoting.SystemError, nullBodyRemark)
	}
	body, err := protocol.DecodeLockBatchRequestBody(cmd.Body)
	if err != nil {
		return answer(cmd, remoting.SystemError, "com.alibaba.fastjson.JSONException: "+err.Error())
	}
	mqs := distinctQueues(body.MQSet)
	if len(mqs) > 0 && body.ConsumerGroup == "" {
		return answer(cmd, remoting.SystemError, mapLookupKey("").remark)
	}
	locked := b.locks.tryLockBatch(body.ConsumerGroup, mqs, body.ClientID, time.Now())
	resp := answer(cmd, remoting.Success, "")
	// Java collects them in new HashSet<>(mqSet.size()).
	resp.Body = (&protocol.LockBatchResponseBody{LockOKMQSet: protocol.MessageQueueHashOrder(locked, len(mqs))}).Encode()
	return resp
}

func (b *Broker) handleUnlockBatch(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if len(cmd.Body) == 0 {
		return answer(cmd, remoting.SystemError, nullBodyRemark)
	}
	body, err := protocol.DecodeUnlockBatchRequestBody(cmd.Body)
	if err != nil {
		return answer(cmd, remoting.SystemError, "com.alibaba.fastjson.JSONException: "+err.Error())
	}
	b.locks.unlockBatch(body.ConsumerGroup, distinctQueues(body.MQSet), body.ClientID)
	return answer(cmd, remoting.Success, "")
}

// distinctQueues is what the HashSet Java decodes mqSet into keeps: each queue once, in Java's
// iteration order.
func distinctQueues(mqs []protocol.MessageQueue) []protocol.MessageQueue {
	seen := make(map[protocol.MessageQueue]bool, len(mqs))
	out := make([]protocol.MessageQueue, 0, len(mqs))
	for _, mq := range mqs {
		if !seen[mq] {
			seen[mq] = true
			out = append(out, mq)
		}
	}
	return protocol.MessageQueueHashOrder(out, 16)
}

// QueueLocks returns who holds each queue of a consumer group now (LOCK_BATCH_MQ's locks that
// have not lapsed), by queue.
func (b *Broker) QueueLocks(group string) map[protocol.MessageQueue]string {
	return b.locks.holders(group, time.Now())
}
