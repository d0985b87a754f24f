package fakebroker

// store.go is the in-memory message store, after Java's DefaultMessageStore, CommitLog and
// ConsumeQueue (4.9.7). No request codes.
//
//   - Every message gets the next logical offset of its queue (from 0) and the next
//     commit-log physical offset; the physical offset grows by the size of the stored record,
//     so offset message ids (store host + physical offset, MessageDecoder.createMessageId)
//     advance as on a real broker, and the ids of a batch are consecutive records.
//   - Each message is kept in the stored encoding (protocol.AppendStoredMessage) that PULL_MESSAGE
//     returns as is, with its store timestamp and the store host.
//   - No message is ever deleted: the minimum offset of every queue is 0. Deleting a topic
//     (dropQueues) forgets its consume queues, as Java's cleanUnusedTopic, not its messages.
//   - getMessage follows DefaultMessageStore.getMessage: the statuses NO_MESSAGE_IN_QUEUE,
//     OFFSET_TOO_SMALL, OFFSET_OVERFLOW_ONE, OFFSET_OVERFLOW_BADLY, NO_MATCHED_MESSAGE and FOUND,
//     the same nextBeginOffset, tag filtering by tags hash code against the subscription's code
//     set (ExpressionMessageFilter.isMatchedByConsumeQueue), and the in-memory transfer limits
//     of isTheBatchFull: maxMsgNums, 32 messages, 256 KiB.
//   - getOffsetInQueueByTime is ConsumeQueue's binary search: the exact store time, else the
//     nearer of its neighbours (the earlier on a tie).

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
)

// Transfer limits of MessageStoreConfig (messages in memory).
const (
	maxTransferBytesInMemory = 256 * 1024
	maxTransferCountInMemory = 32
	// cqStoreUnitSize is a consume-queue entry's size; getMessage scans at most
	// max(16000, maxMsgNums*20) bytes of entries.
	cqStoreUnitSize = 20
)

// GetMessageStatus names, which a pull answer carries as its remark.
const (
	statusFound             = "FOUND"
	statusNoMatchedMessage  = "NO_MATCHED_MESSAGE"
	statusNoMessageInQueue  = "NO_MESSAGE_IN_QUEUE"
	statusOffsetOverflowOne = "OFFSET_OVERFLOW_ONE"
	statusOffsetOverflowBad = "OFFSET_OVERFLOW_BADLY"
	statusOffsetTooSmall    = "OFFSET_TOO_SMALL"
)

// storedMessage is one record of the commit log. It keeps the stored encoding and the few
// numbers the indexes search by; the message itself is read back from the encoding when asked
// for (message). A load run keeps millions of these: a decoded message per record (a
// properties map, strings, hosts) made the garbage collector scan all of them on every cycle,
// a fifth of a loaded broker's CPU; an encoding is a single pointer to bytes it never scans.
type storedMessage struct {
	raw             []byte // the stored encoding, as pulls return it
	queueOffset     int64
	commitLogOffset int64
	storeTimestamp  int64 // ms
	tagsCode        int32 // Java's tagsCode: the hash code of TAGS, 0 without tags
	delayLevel      int32 // DELAY, 0 without
}

// message decodes the record. Its body aliases the record, which nobody changes.
func (sm *storedMessage) message() *protocol.MessageExt {
	msgs, err := protocol.DecodeStoredMessages(sm.raw)
	if err != nil || len(msgs) != 1 {
		// The store wrote the record itself: a record it cannot read back is a bug here.
		panic(fmt.Sprintf("fakebroker: stored record at %d does not decode: %v", sm.commitLogOffset, err))
	}
	return msgs[0]
}

type queueKey struct {
	topic string
	queue int32
}

type store struct {
	mu      sync.RWMutex
	phys    int64 // the commit log's next physical offset
	queues  map[queueKey][]*storedMessage
	byTopic map[string][]*storedMessage // in commit-log order
	log     []*storedMessage            // every record in commit-log order (see lookup)
}

func newStore() *store {
	return &store{queues: map[queueKey][]*storedMessage{}, byTopic: map[string][]*storedMessage{}}
}

// putResult is what a put tells the sender.
type putResult struct {
	firstOffset int64
	maxOffset   int64            // of the queue after the put
	stored      []*storedMessage // in the order given; each message given has its MsgID set
}

// put stores msgs, in order, at the end of one queue. Each message's Topic, QueueID, Body,
// Flag, Properties, SysFlag, hosts, timestamps and ReconsumeTimes must be set; put assigns the
// offsets and ids. An error leaves the store unchanged.
func (s *store) put(storeHost netip.AddrPort, msgs []*protocol.MessageExt) (putResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(msgs) == 0 {
		return putResult{}, nil
	}
	key := queueKey{msgs[0].Topic, msgs[0].QueueID}
	q := s.queues[key]
	phys := s.phys
	stored := make([]*storedMessage, 0, len(msgs))
	res := putResult{firstOffset: int64(len(q))}
	for i, m := range msgs {
		m.QueueOffset = int64(len(q) + i)
		m.CommitLogOffset = phys
		m.StoreHost = storeHost
		raw, err := protocol.EncodeStoredMessage(m)
		if err != nil {
			return putResult{}, err
		}
		m.StoreSize = int32(len(raw))
		m.MsgID = protocol.CreateOffsetMsgID(storeHost, phys)
		if m.BodyCRC == 0 {
			m.BodyCRC = protocol.BodyCRC32(m.Body)
		}
		sm := &storedMessage{
			raw:             raw,
			queueOffset:     m.QueueOffset,
			commitLogOffset: phys,
			storeTimestamp:  m.StoreTimestamp,
			tagsCode:        tagsCode(m.Tags()),
			delayLevel:      int32(m.DelayLevel()),
		}
		stored = append(stored, sm)
		phys += int64(len(raw))
	}
	s.phys = phys
	res.stored = stored
	s.queues[key] = append(q, stored...)
	s.byTopic[key.topic] = append(s.byTopic[key.topic], stored...)
	s.log = append(s.log, stored...)
	res.maxOffset = int64(len(s.queues[key]))
	return res, nil
}

// tagsCode is MessageExtBrokerInner.tagsString2tagsCode: the Java hash code of the tags.
func tagsCode(tags string) int32 {
	if tags == "" {
		return 0
	}
	return javamap.HashCode(tags)
}

func (s *store) maxOffset(topic string, queue int32) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(len(s.queues[queueKey{topic, queue}]))
}

// minOffset is always 0: the fake keeps every message.
func (s *store) minOffset(string, int32) int64 { return 0 }

// dropQueues forgets the consume queue of every topic keep refuses, as
// DefaultMessageStore.cleanUnusedTopic: its offsets start again from 0 and pulls find nothing
// there, while the commit log (messages, lookups by offset) keeps every record.
func (s *store) dropQueues(keep func(topic string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.queues {
		if !keep(k.topic) {
			delete(s.queues, k)
		}
	}
}

func (s *store) messages(topic string) []*storedMessage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.byTopic[topic])
}

func (s *store) topicsWithMessages() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.byTopic))
	for t := range s.byTopic {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

type getResult struct {
	status          string
	msgs            []*storedMessage
	nextBeginOffset int64
	minOffset       int64
	maxOffset       int64
}

// get is DefaultMessageStore.getMessage for a master with every message in memory.
func (s *store) get(topic string, queue int32, offset int64, maxMsgNums int32, filter *messageFilter) getResult {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[queueKey{topic, queue}]
	r := getResult{minOffset: 0, maxOffset: int64(len(q)), nextBeginOffset: offset}
	switch {
	case r.maxOffset == 0:
		r.status, r.nextBeginOffset = statusNoMessageInQueue, 0
	case offset < r.minOffset:
		r.status, r.nextBeginOffset = statusOffsetTooSmall, r.minOffset
	case offset == r.maxOffset:
		r.status = statusOffsetOverflowOne
	case offset > r.maxOffset:
		r.status, r.nextBeginOffset = statusOffsetOverflowBad, r.maxOffset
	default:
		r.status = statusNoMatchedMessage
		limit := int64(max(16000, int(maxMsgNums)*cqStoreUnitSize) / cqStoreUnitSize)
		bytes := 0
		i := int64(0)
		for ; i < limit && offset+i < r.maxOffset; i++ {
			m := q[offset+i]
			if batchFull(len(m.raw), maxMsgNums, bytes, len(r.msgs)) {
				break
			}
			if !filter.matchCode(m.tagsCode) {
				continue
			}
			r.msgs = append(r.msgs, m)
			bytes += len(m.raw)
			r.status = statusFound
		}
		r.nextBeginOffset = offset + i
	}
	return r
}

// batchFull is DefaultMessageStore.isTheBatchFull for messages in memory.
func batchFull(size int, maxMsgNums int32, bufferTotal, messageTotal int) bool {
	if bufferTotal == 0 || messageTotal == 0 {
		return false
	}
	if int(maxMsgNums) <= messageTotal {
		return true
	}
	if bufferTotal+size > maxTransferBytesInMemory {
		return true
	}
	return messageTotal > maxTransferCountInMemory-1
}

// offsetByTime is ConsumeQueue.getOffsetInQueueByTime.
func (s *store) offsetByTime(topic string, queue int32, timestamp int64) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[queueKey{topic, queue}]
	if len(q) == 0 {
		return 0
	}
	low, high := 0, len(q)-1
	target, left, right := -1, -1, -1
	leftValue, rightValue := int64(-1), int64(-1)
	for high >= low {
		mid := (low + high) / 2
		st := q[mid].storeTimestamp
		switch {
		case st == timestamp:
			target = mid
		case st > timestamp:
			high, right, rightValue = mid-1, mid, st
			continue
		default:
			low, left, leftValue = mid+1, mid, st
			continue
		}
		break
	}
	switch {
	case target != -1:
		return int64(target)
	case leftValue == -1:
		return int64(right)
	case rightValue == -1:
		return int64(left)
	case abs(timestamp-leftValue) > abs(timestamp-rightValue):
		return int64(right)
	default:
		return int64(left)
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// messageFilter is Java's ExpressionMessageFilter for TAG subscriptions: everything matches
// "*" (or no subscription); otherwise a message's tags hash code must be in the code set.
type messageFilter struct {
	all   bool
	codes map[int32]bool
}

func (f *messageFilter) matchCode(code int32) bool {
	return f == nil || f.all || f.codes[code]
}

// filterFromSubscription builds the filter of a heartbeat's subscription.
func filterFromSubscription(sd protocol.SubscriptionData) *messageFilter {
	if sd.ClassFilterMode || sd.SubString == "*" || sd.SubString == "" {
		return &messageFilter{all: true}
	}
	f := &messageFilter{codes: map[int32]bool{}}
	for _, c := range sd.CodeSet {
		f.codes[c] = true
	}
	if len(sd.CodeSet) == 0 {
		for _, t := range sd.TagsSet {
			f.codes[javamap.HashCode(t)] = true
		}
	}
	return f
}
