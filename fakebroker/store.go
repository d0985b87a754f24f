package fakebroker

// store.go is the in-memory message store, after Java's DefaultMessageStore, CommitLog and
// ConsumeQueue (4.9.7). No request codes.
//
//   - Every message gets the next logical offset of its queue and the next commit-log physical
//     offset; the physical offset grows by the size of the stored record, so offset message
//     ids (store host + physical offset, MessageDecoder.createMessageId) advance as on a real
//     broker, and the ids of a batch are consecutive records.
//   - Each message is kept in the stored encoding (protocol.AppendStoredMessage) that PULL_MESSAGE
//     returns as is, with its store timestamp and the store host, in segments of the commit log
//     (MappedFile): one growing byte slice each, records back to back. Queues, topics and the
//     key index hold fixed-size entries pointing into them, not objects per message.
//   - Retention (WithStoreLimit): when a new segment would pass the limit, the oldest segments
//     are dropped whole, in commit-log order across all queues, as CleanCommitLogService
//     deletes the oldest files. Every queue's min offset moves to its first record still held
//     (at once; Java's CleanConsumeQueueService corrects it within its next 10 s run), and the
//     index entries go with their segment (IndexService.deleteExpiredFile). Unlike Java, a
//     segment is dropped for size only, never for age (fileReservedTime), and offsets run on
//     across segments where Java's jump to the next file's start.
//   - Deleting a topic and CLEAN_UNUSED_TOPIC (dropQueues) forget consume queues, as Java's
//     cleanUnusedTopic, not messages.
//   - A queue exists once a message was stored in it or a read asked for it (max or min offset,
//     getMessage, search by time), as Java's findConsumeQueue creates an empty consume queue for
//     any read; QUERY_CONSUME_QUEUE (queryConsumeQueue) tells the two apart from a queue nobody
//     used. Introspection (offsets) reads without creating.
//   - getMessage follows DefaultMessageStore.getMessage: the statuses NO_MESSAGE_IN_QUEUE,
//     OFFSET_TOO_SMALL, OFFSET_OVERFLOW_ONE, OFFSET_OVERFLOW_BADLY, NO_MATCHED_MESSAGE and FOUND,
//     the same nextBeginOffset, tag filtering by tags hash code against the subscription's code
//     set (ExpressionMessageFilter.isMatchedByConsumeQueue), and the in-memory transfer limits
//     of isTheBatchFull: maxMsgNums, 32 messages, 256 KiB.
//   - getOffsetInQueueByTime is ConsumeQueue's binary search: the exact store time, else the
//     nearer of its neighbours (the earlier on a tie).

import (
	"encoding/binary"
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

// storedMessage is one record of the commit log as the store hands it out: the stored encoding
// (a slice of the segment that holds it, never written again) and the few numbers the callers
// need. The store itself keeps no storedMessage: it keeps the records' bytes in segments and
// fixed-size entries in its indexes, so that a record costs its encoding and a few dozen bytes,
// and the garbage collector scans no pointer per message.
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

// segment is one file of the commit log (Java's MappedFile): records one after the other from
// the commit-log offset base. Retention drops whole segments, oldest first, as the broker
// deletes whole files.
type segment struct {
	base   int64    // the commit-log offset of buf[0]
	buf    []byte   // the records; grows up to the segment size
	starts []uint32 // where each record begins in buf, ascending
	index  segmentIndex
}

func (g *segment) end() int64 { return g.base + int64(len(g.buf)) }

// record is the record starting at commit-log offset phys, which the segment holds.
func (g *segment) record(phys int64) []byte {
	at := int(phys - g.base)
	size := int(binary.BigEndian.Uint32(g.buf[at:]))
	return g.buf[at : at+size : at+size]
}

// segmentGrowthLimit is how far the first segment grows by doubling before it takes its whole
// size.
const segmentGrowthLimit = 1 << 20

// cqEntry is a consume queue's entry (ConsumeQueue's 20-byte unit, plus the store time that
// Java reads from the commit log when it searches by time).
type cqEntry struct {
	phys           int64
	storeTimestamp int64
	size           int32
	tagsCode       int32
}

// consumeQueue is one queue's entries from its min offset on.
type consumeQueue struct {
	min     int64 // the queue offset of entries[0]
	entries []cqEntry
}

func (q *consumeQueue) max() int64 { return q.min + int64(len(q.entries)) }

// topicLog is a topic's records in commit-log order, by commit-log offset: what Messages reads,
// which outlives the consume queues a deleted topic loses.
type topicLog struct{ phys []int64 }

type store struct {
	mu          sync.RWMutex
	limit       int64 // bytes of records kept; 0 keeps every record
	segmentSize int
	phys        int64 // the commit log's next physical offset
	segments    []*segment
	queues      map[queueKey]*consumeQueue
	// touched are the queues without entries a read asked for: Java's findConsumeQueue creates
	// an empty consume queue for any read (max, min offset, pull, search by time), which
	// QUERY_CONSUME_QUEUE and CLEAN_UNUSED_TOPIC then see. Written only on reads of a queue
	// that has no entries, so a read of a queue that has them costs nothing more.
	touched   sync.Map // queueKey -> struct{}
	topics    map[string]*topicLog
	puts      int64 // records ever stored
	indexLast struct{ storeTimestamp, phys int64 }
}

func newStore(limit int64, segmentSize int) *store {
	if segmentSize <= 0 {
		segmentSize = DefaultStoreSegmentSize
	}
	if limit > 0 && int64(segmentSize) > limit {
		segmentSize = int(limit)
	}
	return &store{limit: limit, segmentSize: segmentSize, queues: map[queueKey]*consumeQueue{}, topics: map[string]*topicLog{}}
}

// putResult is what a put tells the sender.
type putResult struct {
	firstOffset int64
	maxOffset   int64           // of the queue after the put
	stored      []storedMessage // in the order given; each message given has its MsgID set
}

// put stores msgs, in order, at the end of one queue. Each message's Topic, QueueID, Body,
// Flag, Properties, SysFlag, hosts, timestamps and ReconsumeTimes must be set; put assigns the
// offsets and ids. An error leaves the store unchanged.
func (s *store) put(storeHost netip.AddrPort, msgs []*protocol.MessageExt) (putResult, error) {
	if len(msgs) == 0 {
		return putResult{}, nil
	}
	// What can fail is checked before anything is written, so that a batch goes in whole or
	// not at all.
	var one [1]int // a single send, the common case, needs no allocation for its size
	sizes := one[:]
	if len(msgs) > 1 {
		sizes = make([]int, len(msgs))
	}
	for i, m := range msgs {
		m.StoreHost = storeHost
		size, err := protocol.StoredMessageSize(m)
		if err != nil {
			return putResult{}, err
		}
		sizes[i] = size
		if m.BodyCRC == 0 {
			m.BodyCRC = protocol.BodyCRC32(m.Body)
		}
	}
	key := queueKey{msgs[0].Topic, msgs[0].QueueID}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[key]
	if q == nil {
		q = &consumeQueue{}
		s.queues[key] = q
	}
	tl := s.topics[key.topic]
	if tl == nil {
		tl = &topicLog{}
		s.topics[key.topic] = tl
	}
	res := putResult{firstOffset: q.max(), stored: make([]storedMessage, len(msgs))}
	for i, m := range msgs {
		g := s.segmentFor(sizes[i])
		phys := s.phys
		m.QueueOffset = q.max()
		m.CommitLogOffset = phys
		at := len(g.buf)
		buf, err := protocol.AppendStoredMessage(g.buf, m)
		if err != nil {
			// StoredMessageSize said it fits: an encoder that disagrees is a bug here.
			panic("fakebroker: a checked message does not encode: " + err.Error())
		}
		g.buf = buf
		raw := g.buf[at:len(g.buf):len(g.buf)]
		g.starts = append(g.starts, uint32(at))
		m.StoreSize = int32(len(raw))
		m.MsgID = protocol.CreateOffsetMsgID(storeHost, phys)
		sm := storedMessage{
			raw:             raw,
			queueOffset:     m.QueueOffset,
			commitLogOffset: phys,
			storeTimestamp:  m.StoreTimestamp,
			tagsCode:        tagsCode(m.Tags()),
			delayLevel:      int32(m.DelayLevel()),
		}
		res.stored[i] = sm
		q.entries = append(q.entries, cqEntry{phys: phys, storeTimestamp: sm.storeTimestamp, size: int32(len(raw)), tagsCode: sm.tagsCode})
		tl.phys = append(tl.phys, phys)
		s.indexLocked(g, m, phys)
		s.phys += int64(len(raw))
		s.puts++
	}
	res.maxOffset = q.max()
	return res, nil
}

// segmentFor is the segment the next record, of size bytes, goes into: the last one while the
// record fits there, else a new one, for which the oldest segments make room (a record never
// spans two segments, as Java's never spans two files).
func (s *store) segmentFor(size int) *segment {
	if n := len(s.segments); n > 0 {
		g := s.segments[n-1]
		if len(g.buf)+size <= s.segmentSize || len(g.buf) == 0 {
			if cap(g.buf)-len(g.buf) < size {
				// Grown by hand: doubling while small, so that a broker in a unit test keeps
				// kilobytes, then to the whole segment at once, so that a busy broker does not
				// copy its first segment a dozen times (fresh memory costs RSS only once written).
				grownCap := max(2*cap(g.buf), len(g.buf)+size, 4096)
				if grownCap > segmentGrowthLimit {
					grownCap = s.segmentSize
				}
				grown := make([]byte, len(g.buf), max(min(grownCap, s.segmentSize), len(g.buf)+size))
				copy(grown, g.buf)
				g.buf = grown
			}
			return g
		}
	}
	s.retainLocked(int64(s.segmentSize))
	// The first segment starts small and grows, so that a broker in a unit test holds kilobytes;
	// once one is full, the store is in for a long run and each new one is a single allocation.
	initial := min(max(size, 4096), max(s.segmentSize, size))
	if s.phys > 0 {
		initial = max(s.segmentSize, size)
	}
	g := &segment{base: s.phys, buf: make([]byte, 0, initial)}
	if n := len(s.segments); n > 0 && s.phys > 0 {
		// A full segment's index is about the size of the last one: made that size at once,
		// its table does not grow (and relink itself) a dozen times while the segment fills.
		g.index.slots = make([]int32, len(s.segments[n-1].index.slots))
		g.index.entries = make([]indexEntry, 0, len(s.segments[n-1].index.entries))
	}
	s.segments = append(s.segments, g)
	return g
}

// retainLocked drops the oldest segments until room bytes more fit the limit, as the broker's
// CleanCommitLogService deletes the oldest files; the consume queues' min offsets, the topics'
// logs and the index lose what they held, as CleanConsumeQueueService and
// IndexService.deleteExpiredFile correct them. Records still handed out (a pull being
// written) keep their bytes until they are done with.
func (s *store) retainLocked(room int64) {
	if s.limit <= 0 {
		return
	}
	held := int64(0)
	for _, g := range s.segments {
		held += int64(max(len(g.buf), s.segmentSize))
	}
	dropTo := 0
	for dropTo < len(s.segments) && held+room > s.limit {
		g := s.segments[dropTo]
		held -= int64(max(len(g.buf), s.segmentSize))
		dropTo++
	}
	if dropTo == 0 {
		return
	}
	clear(s.segments[:dropTo])
	s.segments = s.segments[dropTo:]
	minPhys := s.phys
	if len(s.segments) > 0 {
		minPhys = s.segments[0].base
	}
	for _, q := range s.queues {
		n, _ := slices.BinarySearchFunc(q.entries, minPhys, func(e cqEntry, phys int64) int { return cmpInt64(e.phys, phys) })
		q.min += int64(n)
		q.entries = shrink(q.entries[n:])
	}
	for t, tl := range s.topics {
		n, _ := slices.BinarySearch(tl.phys, minPhys)
		tl.phys = shrink(tl.phys[n:])
		if len(tl.phys) == 0 {
			delete(s.topics, t)
		}
	}
}

// shrink copies a slice whose front was cut when it uses a small part of its array, so that an
// idle queue does not keep the array of everything it ever held.
func shrink[E any](v []E) []E {
	if len(v) < cap(v)/4 {
		return slices.Clone(v)
	}
	return v
}

// minPhysLocked is the commit log's min offset: where its oldest kept record starts.
func (s *store) minPhysLocked() int64 {
	if len(s.segments) == 0 {
		return s.phys
	}
	return s.segments[0].base
}

// segmentAtLocked is the segment holding commit-log offset phys.
func (s *store) segmentAtLocked(phys int64) (*segment, bool) {
	i, found := slices.BinarySearchFunc(s.segments, phys, func(g *segment, phys int64) int { return cmpInt64(g.base, phys) })
	if !found {
		i--
	}
	if i < 0 || phys >= s.segments[i].end() {
		return nil, false
	}
	return s.segments[i], true
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
	if q := s.queues[queueKey{topic, queue}]; q != nil {
		return q.max()
	}
	s.touch(topic, queue)
	return 0
}

// offsets are a queue's min and max offsets, for introspection: unlike the reads a request
// makes, it does not touch a queue that has no entries.
func (s *store) offsets(topic string, queue int32) (minOff, maxOff int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if q := s.queues[queueKey{topic, queue}]; q != nil {
		return q.min, q.max()
	}
	return 0, 0
}

// touch remembers that a read asked for a queue that has no entries (see store.touched).
func (s *store) touch(topic string, queue int32) {
	k := queueKey{topic, queue}
	if _, ok := s.touched.Load(k); !ok {
		s.touched.Store(k, struct{}{})
	}
}

// minOffset is ConsumeQueue.getMinOffsetInQueue: the first queue offset whose record the commit
// log still holds (the max offset when it holds none of the queue's).
func (s *store) minOffset(topic string, queue int32) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if q := s.queues[queueKey{topic, queue}]; q != nil {
		return q.min
	}
	s.touch(topic, queue)
	return 0
}

// dropQueues forgets the consume queue of every topic keep refuses, as
// DefaultMessageStore.cleanUnusedTopic: its offsets start again from 0 and pulls find nothing
// there, while the commit log (messages, lookups by offset) keeps every record. It returns the
// topics whose queues it dropped, each once.
func (s *store) dropQueues(keep func(topic string) bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped []string
	for k := range s.queues {
		if !keep(k.topic) {
			delete(s.queues, k)
			if !slices.Contains(dropped, k.topic) {
				dropped = append(dropped, k.topic)
			}
		}
	}
	s.touched.Range(func(key, _ any) bool {
		if k := key.(queueKey); !keep(k.topic) {
			s.touched.Delete(k)
			if !slices.Contains(dropped, k.topic) {
				dropped = append(dropped, k.topic)
			}
		}
		return true
	})
	return dropped
}

// cqEntriesPerFile is how many entries a consume-queue file holds (mappedFileSizeConsumeQueue,
// 300000 units of 20 bytes): Java reads entries from one file at a time.
const cqEntriesPerFile = 300000

// cqQuery is what QUERY_CONSUME_QUEUE reads of a queue.
type cqQuery struct {
	exists   bool // Java's getConsumeQueue finds it: it has entries, or a read made it
	min, max int64
	// found: the index is one of the queue's entries (getIndexBuffer finds a buffer); entries
	// are then at most count of them from there, up to the end of the file holding it.
	found   bool
	entries []cqEntry
}

// queryConsumeQueue is getConsumeQueue and getIndexBuffer(index) as AdminBrokerProcessor's
// queryConsumeQueue reads them.
func (s *store) queryConsumeQueue(topic string, queue int32, index int64, count int32) cqQuery {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := queueKey{topic, queue}
	q := s.queues[k]
	if q == nil {
		_, ok := s.touched.Load(k)
		return cqQuery{exists: ok}
	}
	r := cqQuery{exists: true, min: q.min, max: q.max()}
	if index < r.min || index >= r.max {
		return r
	}
	r.found = true
	end := min(r.max, (index/cqEntriesPerFile+1)*cqEntriesPerFile)
	n := min(end-index, int64(max(count, 0)))
	r.entries = slices.Clone(q.entries[index-q.min : index-q.min+n])
	return r
}

// recordLocked is the record at commit-log offset phys, where a record starts.
func (s *store) recordLocked(phys int64) ([]byte, bool) {
	g, ok := s.segmentAtLocked(phys)
	if !ok {
		return nil, false
	}
	if _, found := slices.BinarySearch(g.starts, uint32(phys-g.base)); !found {
		return nil, false
	}
	return g.record(phys), true
}

// storedAt materializes the record at commit-log offset phys.
func storedAt(raw []byte, phys int64) storedMessage {
	sm := storedMessage{raw: raw, commitLogOffset: phys}
	m := sm.message()
	sm.queueOffset, sm.storeTimestamp = m.QueueOffset, m.StoreTimestamp
	sm.tagsCode, sm.delayLevel = tagsCode(m.Tags()), int32(m.DelayLevel())
	return sm
}

// messages are the records of topic the commit log holds, in commit-log order. Only raw and
// commitLogOffset are set: every caller decodes the record, so the store does not decode it
// first (a load run's read-back goes through millions of them).
func (s *store) messages(topic string) []*storedMessage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tl := s.topics[topic]
	if tl == nil {
		return nil
	}
	out := make([]*storedMessage, len(tl.phys))
	records := make([]storedMessage, len(tl.phys)) // one allocation, not one per message
	for i, phys := range tl.phys {
		g, _ := s.segmentAtLocked(phys)
		records[i] = storedMessage{raw: g.record(phys), commitLogOffset: phys}
		out[i] = &records[i]
	}
	return out
}

func (s *store) topicsWithMessages() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.topics))
	for t := range s.topics {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

type getResult struct {
	status          string
	msgs            []storedMessage
	nextBeginOffset int64
	minOffset       int64
	maxOffset       int64
}

// get is DefaultMessageStore.getMessage for a master with every message in memory.
func (s *store) get(topic string, queue int32, offset int64, maxMsgNums int32, filter *messageFilter) getResult {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[queueKey{topic, queue}]
	if q == nil {
		s.touch(topic, queue)
		q = &consumeQueue{}
	}
	r := getResult{minOffset: q.min, maxOffset: q.max(), nextBeginOffset: offset}
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
			e := q.entries[offset+i-q.min]
			if batchFull(int(e.size), maxMsgNums, bytes, len(r.msgs)) {
				break
			}
			if !filter.matchCode(e.tagsCode) {
				continue
			}
			g, _ := s.segmentAtLocked(e.phys)
			r.msgs = append(r.msgs, storedMessage{
				raw: g.record(e.phys), queueOffset: offset + i, commitLogOffset: e.phys,
				storeTimestamp: e.storeTimestamp, tagsCode: e.tagsCode,
			})
			bytes += int(e.size)
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
	cq := s.queues[queueKey{topic, queue}]
	if cq == nil {
		s.touch(topic, queue)
		return 0
	}
	if len(cq.entries) == 0 {
		return 0
	}
	q := cq.entries
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
		return cq.min + int64(target)
	case leftValue == -1:
		return cq.min + int64(right)
	case rightValue == -1:
		return cq.min + int64(left)
	case abs(timestamp-leftValue) > abs(timestamp-rightValue):
		return cq.min + int64(right)
	default:
		return cq.min + int64(left)
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
