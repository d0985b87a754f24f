package fakebroker

// query.go serves 12 QUERY_MESSAGE (mqadmin queryMsgByKey, queryMsgByUniqueKey, queryMsgById
// for a unique id) from an index like the broker's IndexService (4.9.7:
// QueryMessageProcessor.queryMessage, DefaultMessageStore.queryMessage, IndexService,
// IndexFile):
//
//   - Every stored message but a transaction rollback is indexed under topic#UNIQ_KEY (when it
//     has one) and topic#K for each non-empty K of its KEYS split at blanks.
//   - A query walks the key's entries newest first, keeps those whose index time lies within
//     [beginTimestamp, endTimestamp], at most min(maxNum, maxMsgsNumBatch) of them (with the
//     _UNIQUE_KEY_QUERY=true flag maxNum is the broker's defaultQueryMaxNum), and answers them
//     in commit-log order: code 0, the stored records one after the other as the body (what a
//     pull returns), no remark. None: 22 QUERY_NOT_FOUND "can not find message, maybe time
//     range not correct".
//   - Either answer carries QueryMessageResponseHeader: when something was found, the store
//     time and commit-log offset of the last message indexed; else 0 and 0 (Java sets them only
//     once the index found entries).
//   - The index keeps times in whole seconds after its first message's store time, as an index
//     file does; a message matches a range by that time.
//
// Java matches an entry by the key's hash code only, so two keys with the same hash find each
// other's messages; the fake compares keys. A request missing a field is not modelled.

import (
	"context"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const remarkQueryNotFound = "can not find message, maybe time range not correct"

// segmentIndex is one index file of the store's IndexService, kept with the commit-log segment
// whose records it indexes and dropped with it (IndexService.deleteExpiredFile): its slots hold
// the newest entry of the keys whose hash falls in them, and each entry links to the previous
// one of its slot, as IndexFile's hash slots and linked entries do. No key is kept: a query
// skips entries of another hash and reads each candidate's record to compare its keys.
type segmentIndex struct {
	beginTime int64 // the first indexed message's store time: the index's time base
	// slots is a power-of-two table (not a map: a map lookup per stored message was a
	// fortieth of a loaded broker's CPU, most of it cache misses in a map of 100,000 keys);
	// each holds its newest entry + 1, 0 for none. It doubles when it has fewer slots than
	// entries, so chains stay a slot or two long.
	slots   []int32
	entries []indexEntry
}

type indexEntry struct {
	phys      int64
	timeDiff  int32  // whole seconds after beginTime
	prevEntry int32  // the slot's previous entry, -1 for none
	hash      uint32 // the key's hash, low half: the slot when the table grows, a cheap first check
}

// minIndexSlots is the first index's table: a broker in a unit test indexes a handful of keys.
const minIndexSlots = 64

// add links entry e under hash h.
func (ix *segmentIndex) add(h uint64, e indexEntry) {
	if len(ix.entries) >= len(ix.slots) {
		ix.grow(max(2*len(ix.slots), minIndexSlots))
	}
	slot := uint32(h) & uint32(len(ix.slots)-1)
	e.hash = uint32(h)
	e.prevEntry = ix.slots[slot] - 1
	ix.slots[slot] = int32(len(ix.entries)) + 1
	ix.entries = append(ix.entries, e)
}

// grow makes the table n slots (a power of two) and relinks every entry, oldest first, so
// that each chain still runs from its newest entry back.
func (ix *segmentIndex) grow(n int) {
	ix.slots = make([]int32, n)
	mask := uint32(n - 1)
	for i := range ix.entries {
		slot := ix.entries[i].hash & mask
		ix.entries[i].prevEntry = ix.slots[slot] - 1
		ix.slots[slot] = int32(i) + 1
	}
}

// newest returns the newest entry of h's slot, -1 for none.
func (ix *segmentIndex) newest(h uint64) int32 {
	if len(ix.slots) == 0 {
		return -1
	}
	return ix.slots[uint32(h)&uint32(len(ix.slots)-1)] - 1
}

// indexKeyHash is the slot of topic#key: the two strings' hashes (maphash, the runtime's
// AES-based hash: a send indexes its 32-character UNIQ_KEY and its KEYS, which a byte-at-a-time
// FNV-1a took 1% of a loaded broker's CPU to hash), combined so that neither cancels the other.
func indexKeyHash(topic, key string) uint64 {
	return maphash.String(indexSeed, key) ^ maphash.String(indexSeed, topic)*0x9E3779B97F4A7C15
}

// indexSeed seeds indexKeyHash for the life of the process: the index lives in memory only.
var indexSeed = maphash.MakeSeed()

// indexLocked is IndexService.buildIndex for one stored message in segment g; s.mu is held.
func (s *store) indexLocked(g *segment, m *protocol.MessageExt, phys int64) {
	if m.SysFlag&protocol.SysFlagTransactionRollback == protocol.SysFlagTransactionRollback {
		return
	}
	ix := &g.index
	if len(ix.entries) == 0 {
		ix.beginTime = m.StoreTimestamp
	}
	add := func(key string) {
		ix.add(indexKeyHash(m.Topic, key), indexEntry{phys: phys, timeDiff: int32((m.StoreTimestamp - ix.beginTime) / 1000)})
	}
	if uniq := m.Properties[protocol.PropertyUniqClientMessageID]; uniq != "" {
		add(uniq)
	}
	for k := range strings.SplitSeq(m.Properties[protocol.PropertyKeys], " ") {
		if k != "" {
			add(k)
		}
	}
	s.indexLast.storeTimestamp, s.indexLast.phys = m.StoreTimestamp, phys
}

// query is DefaultMessageStore.queryMessage: the matching messages in commit-log order and the
// index's last update. The index of a dropped segment went with it, so a message retention
// dropped is not found, as on a broker whose files were deleted.
func (s *store) query(topic, key string, maxNum int, begin, end int64) (found []storedMessage, lastTime, lastPhys int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := indexKeyHash(topic, key)
	for gi := len(s.segments) - 1; gi >= 0 && len(found) < maxNum; gi-- {
		g := s.segments[gi]
		ix := &g.index
		for e := ix.newest(h); e >= 0 && len(found) < maxNum; {
			entry := ix.entries[e]
			e = entry.prevEntry
			if entry.hash != uint32(h) {
				continue // another key's, in the same slot
			}
			at := ix.beginTime + int64(entry.timeDiff)*1000
			if at < begin || at > end {
				continue
			}
			sm := storedAt(g.record(entry.phys), entry.phys)
			if m := sm.message(); m.Topic == topic && hasKey(m, key) {
				found = append(found, sm)
			}
		}
	}
	slices.SortFunc(found, func(a, b storedMessage) int { return cmpInt64(a.commitLogOffset, b.commitLogOffset) })
	if len(found) > 0 {
		lastTime, lastPhys = s.indexLast.storeTimestamp, s.indexLast.phys
	}
	return found, lastTime, lastPhys
}

// hasKey reports whether m was indexed under key: its unique key or one of its keys.
func hasKey(m *protocol.MessageExt, key string) bool {
	if m.Properties[protocol.PropertyUniqClientMessageID] == key {
		return true
	}
	for k := range strings.SplitSeq(m.Properties[protocol.PropertyKeys], " ") {
		if k == key {
			return true
		}
	}
	return false
}

func (b *Broker) queryHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeQueryMessage, b.handleQueryMessage}}
}

func (b *Broker) handleQueryMessage(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeQueryMessageRequestHeader(cmd.ExtFields)
	config, _ := b.brokerConfig()
	setting := func(name string, fallback int) int {
		if n, err := strconv.Atoi(config[name]); err == nil {
			return n
		}
		return fallback
	}
	maxNum := int(h.MaxNum)
	if cmd.ExtFields[protocol.FieldUniqueKeyQuery] == "true" {
		maxNum = setting("defaultQueryMaxNum", 32)
	}
	maxNum = min(maxNum, setting("maxMsgsNumBatch", 64))
	found, lastTime, lastPhys := b.store.query(h.Topic, h.Key, maxNum, h.BeginTimestamp, h.EndTimestamp)
	code, remark := remoting.Success, ""
	if len(found) == 0 {
		code, remark = remoting.QueryNotFound, remarkQueryNotFound
	}
	resp := answerWithHeader(cmd, code, remark)
	protocol.SetHeader(resp, protocol.QueryMessageResponseHeader{IndexLastUpdateTimestamp: lastTime, IndexLastUpdatePhyoffset: lastPhys})
	for _, sm := range found {
		resp.Body = append(resp.Body, sm.raw...)
	}
	return resp
}
