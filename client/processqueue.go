package client

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// offsetMap is the part of Java's TreeMap<Long, MessageExt> a process queue uses: messages by
// queue offset, iterated in offset order. Pulls append in offset order and consumption mostly
// removes from the front, so a sorted slice of keys beside a map is cheap for both.
type offsetMap struct {
	keys []int64
	msgs map[int64]*MessageExt
}

func (m *offsetMap) len() int { return len(m.keys) }

// put stores msg at its offset and reports whether the offset was new.
func (m *offsetMap) put(msg *MessageExt) bool {
	if m.msgs == nil {
		m.msgs = make(map[int64]*MessageExt)
	}
	off := msg.QueueOffset
	_, had := m.msgs[off]
	m.msgs[off] = msg
	if had {
		return false
	}
	if n := len(m.keys); n == 0 || m.keys[n-1] < off {
		m.keys = append(m.keys, off)
		return true
	}
	i, _ := slices.BinarySearch(m.keys, off)
	m.keys = slices.Insert(m.keys, i, off)
	return true
}

// remove drops the message at off, returning it.
func (m *offsetMap) remove(off int64) (*MessageExt, bool) {
	msg, ok := m.msgs[off]
	if !ok {
		return nil, false
	}
	delete(m.msgs, off)
	if m.keys[0] == off {
		m.keys = m.keys[1:]
	} else {
		i, _ := slices.BinarySearch(m.keys, off)
		m.keys = slices.Delete(m.keys, i, i+1)
	}
	if len(m.keys) == 0 {
		m.keys = nil // let a drained queue's room go
	}
	return msg, true
}

func (m *offsetMap) first() int64 { return m.keys[0] }
func (m *offsetMap) last() int64  { return m.keys[len(m.keys)-1] }

func (m *offsetMap) clear() {
	m.keys, m.msgs = nil, nil
}

// processQueue is Java's ProcessQueue: the messages pulled from one queue and not consumed yet,
// with the queue's flow-control counters, its lock state (orderly consumers) and whether it is
// still this consumer's (dropped).
type processQueue struct {
	mu        sync.RWMutex // Java's treeMapLock
	msgs      offsetMap    // msgTreeMap
	consuming offsetMap    // consumingMsgOrderlyTreeMap: an orderly batch being consumed
	// consumeStart is when each message's consumption started (Java keeps it in the message's
	// CONSUME_START_TIME property), read by the expired-message scan.
	consumeStart   map[int64]time.Time
	queueOffsetMax int64
	consumingNow   bool // Java's consuming: an orderly consume request is on its way

	msgCount atomic.Int64
	msgSize  atomic.Int64
	dropped  atomic.Bool
	locked   atomic.Bool
	// Times in Unix nanoseconds.
	lastPull       atomic.Int64
	lastConsume    atomic.Int64
	lastLock       atomic.Int64
	msgAccCnt      atomic.Int64
	tryUnlockTimes atomic.Int64

	// consumeLock is held while an orderly listener runs, so that rebalance does not unlock
	// the queue in the middle of a batch (tryLock with a timeout, as Java's ReentrantLock).
	consumeLock chan struct{}
}

func newProcessQueue() *processQueue {
	now := time.Now().UnixNano()
	pq := &processQueue{consumeLock: make(chan struct{}, 1), consumeStart: make(map[int64]time.Time)}
	pq.lastPull.Store(now)
	pq.lastConsume.Store(now)
	pq.lastLock.Store(now)
	return pq
}

func (pq *processQueue) isDropped() bool { return pq.dropped.Load() }
func (pq *processQueue) setDropped()     { pq.dropped.Store(true) }
func (pq *processQueue) isLocked() bool  { return pq.locked.Load() }

// isLockExpired is isLockExpired: the broker lock was last renewed longer ago than expiry.
func (pq *processQueue) isLockExpired(expiry time.Duration) bool {
	return time.Since(time.Unix(0, pq.lastLock.Load())) > expiry
}

// isPullExpired is isPullExpired: nothing was pulled for longer than expiry.
func (pq *processQueue) isPullExpired(expiry time.Duration) bool {
	return time.Since(time.Unix(0, pq.lastPull.Load())) > expiry
}

func (pq *processQueue) markLocked() {
	pq.locked.Store(true)
	pq.lastLock.Store(time.Now().UnixNano())
}

// putMessage is putMessage: it stores a pull's messages and reports whether a consume request
// should be dispatched (orderly consumption: none is on its way yet).
func (pq *processQueue) putMessage(msgs []*MessageExt) bool {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	valid := 0
	for _, m := range msgs {
		if pq.msgs.put(m) {
			valid++
			pq.queueOffsetMax = m.QueueOffset
			pq.msgSize.Add(int64(len(m.Body)))
		}
	}
	pq.msgCount.Add(int64(valid))
	dispatch := false
	if pq.msgs.len() > 0 && !pq.consumingNow {
		dispatch, pq.consumingNow = true, true
	}
	if n := len(msgs); n > 0 {
		last := msgs[n-1]
		if v, ok := last.Properties[protocol.PropertyMaxOffset]; ok {
			if max, err := strconv.ParseInt(v, 10, 64); err == nil {
				if acc := max - last.QueueOffset; acc > 0 {
					pq.msgAccCnt.Store(acc)
				}
			}
		}
	}
	return dispatch
}

// maxSpan is getMaxSpan: the distance between the first and the last cached offset.
func (pq *processQueue) maxSpan() int64 {
	pq.mu.RLock()
	defer pq.mu.RUnlock()
	if pq.msgs.len() == 0 {
		return 0
	}
	return pq.msgs.last() - pq.msgs.first()
}

// cachedRange is the first and last cached offset, for flow-control logs.
func (pq *processQueue) cachedRange() (int64, int64) {
	pq.mu.RLock()
	defer pq.mu.RUnlock()
	if pq.msgs.len() == 0 {
		return 0, 0
	}
	return pq.msgs.first(), pq.msgs.last()
}

// removeMessage is removeMessage: it drops consumed messages and returns the offset the
// queue's consumption has reached (the first message still cached, or one past the highest
// pulled), or -1 when nothing was cached.
func (pq *processQueue) removeMessage(msgs []*MessageExt) int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	pq.lastConsume.Store(time.Now().UnixNano())
	if pq.msgs.len() == 0 {
		return -1
	}
	result := pq.queueOffsetMax + 1
	removed := 0
	for _, m := range msgs {
		if prev, ok := pq.msgs.remove(m.QueueOffset); ok {
			removed++
			pq.msgSize.Add(-int64(len(prev.Body)))
			delete(pq.consumeStart, m.QueueOffset)
		}
	}
	pq.msgCount.Add(-int64(removed))
	if pq.msgs.len() > 0 {
		result = pq.msgs.first()
	}
	return result
}

// markConsumeStart records when the consumption of msgs began (Java's CONSUME_START_TIME).
func (pq *processQueue) markConsumeStart(msgs []*MessageExt, now time.Time) {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	for _, m := range msgs {
		if _, ok := pq.msgs.msgs[m.QueueOffset]; ok {
			pq.consumeStart[m.QueueOffset] = now
		}
	}
}

// expiredFirst returns the first cached message when its consumption started longer than
// timeout ago: what cleanExpiredMsg sends back.
func (pq *processQueue) expiredFirst(timeout time.Duration) (*MessageExt, bool) {
	pq.mu.RLock()
	defer pq.mu.RUnlock()
	if pq.msgs.len() == 0 {
		return nil, false
	}
	first := pq.msgs.first()
	start, ok := pq.consumeStart[first]
	if !ok || time.Since(start) <= timeout {
		return nil, false
	}
	return pq.msgs.msgs[first], true
}

// removeIfFirst drops msg when it is still the first cached message.
func (pq *processQueue) removeIfFirst(msg *MessageExt) {
	pq.mu.RLock()
	first := pq.msgs.len() > 0 && pq.msgs.first() == msg.QueueOffset
	pq.mu.RUnlock()
	if first {
		pq.removeMessage([]*MessageExt{msg})
	}
}

// takeMessages is takeMessages: up to n messages from the front move to the batch being
// consumed (orderly). An empty result ends the queue's consuming turn.
func (pq *processQueue) takeMessages(n int) []*MessageExt {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	pq.lastConsume.Store(time.Now().UnixNano())
	var out []*MessageExt
	for range n {
		if pq.msgs.len() == 0 {
			break
		}
		m, _ := pq.msgs.remove(pq.msgs.first())
		out = append(out, m)
		pq.consuming.put(m)
	}
	if len(out) == 0 {
		pq.consumingNow = false
	}
	return out
}

// commit is commit: the batch being consumed is done; it returns the offset after it, or -1.
func (pq *processQueue) commit() int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	if pq.consuming.len() == 0 {
		return -1
	}
	last := pq.consuming.last()
	pq.msgCount.Add(-int64(pq.consuming.len()))
	for _, m := range pq.consuming.msgs {
		pq.msgSize.Add(-int64(len(m.Body)))
	}
	pq.consuming.clear()
	return last + 1
}

// rollback is rollback: the batch being consumed goes back to the cache.
func (pq *processQueue) rollback() {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	for _, m := range pq.consuming.msgs {
		pq.msgs.put(m)
	}
	pq.consuming.clear()
}

// makeMessageToConsumeAgain is makeMessageToConsumeAgain: msgs leave the batch and go back to
// the cache, to be taken again.
func (pq *processQueue) makeMessageToConsumeAgain(msgs []*MessageExt) {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	for _, m := range msgs {
		pq.consuming.remove(m.QueueOffset)
		pq.msgs.put(m)
	}
}

// hasTempMessage reports whether messages are cached.
func (pq *processQueue) hasTempMessage() bool {
	pq.mu.RLock()
	defer pq.mu.RUnlock()
	return pq.msgs.len() > 0
}

// clear is clear: everything cached is forgotten (a reset offset, a seek).
func (pq *processQueue) clear() {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	pq.msgs.clear()
	pq.consuming.clear()
	clear(pq.consumeStart)
	pq.msgCount.Store(0)
	pq.msgSize.Store(0)
	pq.queueOffsetMax = 0
}

// info is fillProcessQueueInfo.
func (pq *processQueue) info(commitOffset int64) protocol.ProcessQueueInfo {
	pq.mu.RLock()
	defer pq.mu.RUnlock()
	in := protocol.ProcessQueueInfo{
		CommitOffset:         commitOffset,
		Locked:               pq.locked.Load(),
		TryUnlockTimes:       pq.tryUnlockTimes.Load(),
		LastLockTimestamp:    pq.lastLock.Load() / int64(time.Millisecond),
		Droped:               pq.dropped.Load(),
		LastPullTimestamp:    pq.lastPull.Load() / int64(time.Millisecond),
		LastConsumeTimestamp: pq.lastConsume.Load() / int64(time.Millisecond),
	}
	if pq.msgs.len() > 0 {
		in.CachedMsgMinOffset, in.CachedMsgMaxOffset = pq.msgs.first(), pq.msgs.last()
		in.CachedMsgCount = int32(pq.msgs.len())
		in.CachedMsgSizeInMiB = int32(pq.msgSize.Load() / (1 << 20))
	}
	if pq.consuming.len() > 0 {
		in.TransactionMsgMinOffset, in.TransactionMsgMaxOffset = pq.consuming.first(), pq.consuming.last()
		in.TransactionMsgCount = int32(pq.consuming.len())
	}
	return in
}
