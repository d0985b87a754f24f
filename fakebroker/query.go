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
	"slices"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const remarkQueryNotFound = "can not find message, maybe time range not correct"

// segmentIndex is one index file of the store's IndexService, kept with the commit-log segment
// whose records it indexes and dropped with it (IndexService.deleteExpiredFile): its slots map
// a key's hash to the newest entry, and each entry links to the previous one of its slot, as
// IndexFile's hash slots and linked entries do. No key is kept: a query reads each candidate's
// record and compares its keys.
type segmentIndex struct {
	beginTime int64 // the first indexed message's store time: the index's time base
	slots     map[uint64]int32
	entries   []indexEntry
}

type indexEntry struct {
	phys      int64
	timeDiff  int32 // whole seconds after beginTime
	prevEntry int32 // the slot's previous entry, -1 for none
}

// indexKeyHash is the slot of topic#key (FNV-1a, 64 bits).
func indexKeyHash(topic, key string) uint64 {
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	add(topic)
	add("#")
	add(key)
	return h
}

// indexLocked is IndexService.buildIndex for one stored message in segment g; s.mu is held.
func (s *store) indexLocked(g *segment, m *protocol.MessageExt, phys int64) {
	if m.SysFlag&protocol.SysFlagTransactionRollback == protocol.SysFlagTransactionRollback {
		return
	}
	ix := &g.index
	if len(ix.entries) == 0 {
		if ix.slots == nil {
			ix.slots = map[uint64]int32{}
		}
		ix.beginTime = m.StoreTimestamp
	}
	add := func(key string) {
		h := indexKeyHash(m.Topic, key)
		prev, ok := ix.slots[h]
		if !ok {
			prev = -1
		}
		ix.slots[h] = int32(len(ix.entries))
		ix.entries = append(ix.entries, indexEntry{phys: phys, timeDiff: int32((m.StoreTimestamp - ix.beginTime) / 1000), prevEntry: prev})
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
		e, ok := ix.slots[h]
		for ok && e >= 0 && len(found) < maxNum {
			entry := ix.entries[e]
			e = entry.prevEntry
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
