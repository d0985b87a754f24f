package client

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// readOffsetType is Java's ReadOffsetType.
type readOffsetType int

const (
	readFromMemory readOffsetType = iota
	readFromStore
	memoryFirstThenStore
)

// offsetStore is Java's OffsetStore: the consumer's offset of each queue it consumes, kept in
// memory and persisted to the broker (clustering) or a local file (broadcasting).
type offsetStore interface {
	load() error
	// updateOffset sets the queue's offset; with increaseOnly, only a higher one.
	updateOffset(mq MessageQueue, offset int64, increaseOnly bool)
	// readOffset returns the offset, -1 when there is none, -2 when the broker could not be
	// asked (a remote store's READ_FROM_STORE).
	readOffset(ctx context.Context, mq MessageQueue, t readOffsetType) int64
	persistAll(ctx context.Context, mqs []MessageQueue)
	persist(ctx context.Context, mq MessageQueue)
	removeOffset(mq MessageQueue)
	cloneOffsetTable(topic string) map[MessageQueue]int64
	updateConsumeOffsetToBroker(ctx context.Context, mq MessageQueue, offset int64, oneway bool) error
}

// offsetTable is the in-memory half both stores share.
type offsetTable struct {
	mu      sync.Mutex
	offsets map[MessageQueue]int64
}

func (t *offsetTable) update(mq MessageQueue, offset int64, increaseOnly bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.offsets == nil {
		t.offsets = make(map[MessageQueue]int64)
	}
	old, ok := t.offsets[mq]
	if ok && increaseOnly && offset <= old {
		return
	}
	t.offsets[mq] = offset
}

func (t *offsetTable) get(mq MessageQueue) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	off, ok := t.offsets[mq]
	return off, ok
}

func (t *offsetTable) remove(mq MessageQueue) {
	t.mu.Lock()
	delete(t.offsets, mq)
	t.mu.Unlock()
}

func (t *offsetTable) clone(topic string) map[MessageQueue]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[MessageQueue]int64, len(t.offsets))
	for mq, off := range t.offsets {
		if topic == "" || mq.Topic == topic {
			out[mq] = off
		}
	}
	return out
}

// remoteOffsetStore is Java's RemoteBrokerOffsetStore: offsets live in the broker
// (QUERY_CONSUMER_OFFSET, UPDATE_CONSUMER_OFFSET), the memory table holding what has been
// consumed since.
type remoteOffsetStore struct {
	inst  *instance
	group string
	table offsetTable
}

func newRemoteOffsetStore(inst *instance, group string) *remoteOffsetStore {
	return &remoteOffsetStore{inst: inst, group: group}
}

func (s *remoteOffsetStore) load() error { return nil }

func (s *remoteOffsetStore) updateOffset(mq MessageQueue, offset int64, increaseOnly bool) {
	s.table.update(mq, offset, increaseOnly)
}

func (s *remoteOffsetStore) readOffset(ctx context.Context, mq MessageQueue, t readOffsetType) int64 {
	if t != readFromStore {
		if off, ok := s.table.get(mq); ok {
			return off
		}
		if t == readFromMemory {
			return -1
		}
	}
	off, err := s.fetchConsumeOffsetFromBroker(ctx, mq)
	var be *BrokerError
	switch {
	case errors.As(err, &be):
		// No offset in the broker (QUERY_NOT_FOUND) or any other answer code.
		return -1
	case err != nil:
		s.inst.cfg.logger.Warn("fetchConsumeOffsetFromBroker exception, "+mq.javaString(), "err", err)
		return -2
	}
	s.updateOffset(mq, off, false)
	return off
}

// persistAll writes the offsets of mqs and forgets those of every other queue.
func (s *remoteOffsetStore) persistAll(ctx context.Context, mqs []MessageQueue) {
	if len(mqs) == 0 {
		return
	}
	table := s.table.clone("")
	var unused []MessageQueue
	for _, mq := range sortedQueues(slices.Collect(maps.Keys(table))) {
		if !slices.Contains(mqs, mq) {
			unused = append(unused, mq)
			continue
		}
		// Each offset is read as it is written, as Java reads its AtomicLong: a fix of a moved
		// offset (or a removal) made since the loop began must not be overwritten with the
		// value from before it.
		off, ok := s.table.get(mq)
		if !ok {
			continue
		}
		if err := s.updateConsumeOffsetToBroker(ctx, mq, off, true); err != nil {
			s.inst.cfg.logger.Error("updateConsumeOffsetToBroker exception, "+mq.javaString(), "err", err)
		}
	}
	for _, mq := range unused {
		s.table.remove(mq)
		s.inst.cfg.logger.Info("remove unused mq, " + mq.javaString() + ", " + s.group)
	}
}

func (s *remoteOffsetStore) persist(ctx context.Context, mq MessageQueue) {
	off, ok := s.table.get(mq)
	if !ok {
		return
	}
	if err := s.updateConsumeOffsetToBroker(ctx, mq, off, true); err != nil {
		s.inst.cfg.logger.Error("updateConsumeOffsetToBroker exception, "+mq.javaString(), "err", err)
	}
}

func (s *remoteOffsetStore) removeOffset(mq MessageQueue) { s.table.remove(mq) }

func (s *remoteOffsetStore) cloneOffsetTable(topic string) map[MessageQueue]int64 {
	return s.table.clone(topic)
}

// brokerOf finds the queue's master, the route fetched once when the broker is not known, and
// then any of its addresses.
func (s *remoteOffsetStore) brokerOf(ctx context.Context, mq MessageQueue) (string, error) {
	fb, ok := s.inst.subscribeAddr(mq.BrokerName, protocol.MasterID, true)
	if !ok {
		_, _ = s.inst.updateRoute(ctx, mq.Topic, nil)
		fb, ok = s.inst.subscribeAddr(mq.BrokerName, protocol.MasterID, false)
	}
	if !ok {
		return "", clientError(-1, "The broker["+mq.BrokerName+"] not exist", nil)
	}
	return s.inst.withVIP(fb.addr), nil
}

// updateConsumeOffsetToBroker sends UPDATE_CONSUMER_OFFSET; persisting uses oneway, as Java's.
func (s *remoteOffsetStore) updateConsumeOffsetToBroker(ctx context.Context, mq MessageQueue, offset int64, oneway bool) error {
	addr, err := s.brokerOf(ctx, mq)
	if err != nil {
		return err
	}
	req := s.inst.request(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
		ConsumerGroup: s.group, Topic: mq.Topic, QueueID: int32(mq.QueueID), CommitOffset: offset, BrokerName: mq.BrokerName,
	}, nil)
	if oneway {
		ctx, cancel := context.WithTimeout(ctx, offsetRequestTimeout)
		defer cancel()
		return transportError(addr, s.inst.rc.InvokeOneway(ctx, addr, req))
	}
	_, err = s.inst.invokeBroker(ctx, addr, req, offsetRequestTimeout)
	return err
}

func (s *remoteOffsetStore) fetchConsumeOffsetFromBroker(ctx context.Context, mq MessageQueue) (int64, error) {
	addr, err := s.brokerOf(ctx, mq)
	if err != nil {
		return 0, err
	}
	resp, err := s.inst.invokeBroker(ctx, addr, s.inst.request(remoting.CodeQueryConsumerOffset, protocol.QueryConsumerOffsetRequestHeader{
		ConsumerGroup: s.group, Topic: mq.Topic, QueueID: int32(mq.QueueID), BrokerName: mq.BrokerName,
	}, nil), offsetRequestTimeout)
	if err != nil {
		return 0, err
	}
	h, err := protocol.DecodeOffsetResponseHeader(resp.ExtFields)
	if err != nil {
		return 0, err
	}
	return h.Offset, nil
}

// localOffsetStore is Java's LocalFileOffsetStore: a broadcasting consumer's offsets, in
// dir/clientID/group/offsets.json, the previous file kept as offsets.json.bak.
type localOffsetStore struct {
	inst  *instance
	group string
	path  string
	table offsetTable
	file  sync.Mutex // one writer of the file at a time
}

func newLocalOffsetStore(inst *instance, dir, group string) *localOffsetStore {
	return &localOffsetStore{inst: inst, group: group, path: filepath.Join(dir, inst.id, group, "offsets.json")}
}

// load reads the file, or its backup when the file is missing, empty or unreadable. Only a
// backup that cannot be read either fails, with Java's text.
func (s *localOffsetStore) load() error {
	w, err := s.readLocalOffset()
	if err != nil {
		return err
	}
	if w != nil {
		for mq, off := range w.OffsetTable {
			s.table.update(fromProto(mq), off, false)
		}
	}
	return nil
}

func (s *localOffsetStore) readLocalOffset() (*protocol.OffsetSerializeWrapper, error) {
	if data, err := os.ReadFile(s.path); err == nil && len(data) > 0 {
		if w, err := protocol.DecodeOffsetSerializeWrapper(data); err == nil {
			return w, nil
		}
		s.inst.cfg.logger.Warn("readLocalOffset Exception, and try to correct", "path", s.path)
	}
	data, err := os.ReadFile(s.path + ".bak")
	if err != nil || len(data) == 0 {
		return nil, nil
	}
	w, err := protocol.DecodeOffsetSerializeWrapper(data)
	if err != nil {
		return nil, clientError(-1, suggestFAQ("readLocalOffset Exception, maybe fastjson version too low"), err)
	}
	return w, nil
}

func (s *localOffsetStore) updateOffset(mq MessageQueue, offset int64, increaseOnly bool) {
	s.table.update(mq, offset, increaseOnly)
}

func (s *localOffsetStore) readOffset(_ context.Context, mq MessageQueue, t readOffsetType) int64 {
	if t != readFromStore {
		if off, ok := s.table.get(mq); ok {
			return off
		}
		if t == readFromMemory {
			return -1
		}
	}
	w, err := s.readLocalOffset()
	if err != nil || w == nil {
		return -1
	}
	off, ok := w.OffsetTable[mq.proto()]
	if !ok {
		return -1
	}
	s.updateOffset(mq, off, false)
	return off
}

// persistAll writes the offsets of mqs, and only those, to the file as MixAll.string2File
// does: a temporary file first, the old one copied to .bak, then the rename.
func (s *localOffsetStore) persistAll(_ context.Context, mqs []MessageQueue) {
	if len(mqs) == 0 {
		return
	}
	w := &protocol.OffsetSerializeWrapper{OffsetTable: map[protocol.MessageQueue]int64{}}
	for mq, off := range s.table.clone("") {
		if slices.Contains(mqs, mq) {
			w.OffsetTable[mq.proto()] = off
		}
	}
	s.file.Lock()
	defer s.file.Unlock()
	if err := writeFileSafely(s.path, w.Encode()); err != nil {
		s.inst.cfg.logger.Error("persistAll consumer offset Exception, "+s.path, "err", err)
	}
}

func writeFileSafely(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if prev, err := os.ReadFile(path); err == nil {
		if err := os.WriteFile(path+".bak", prev, 0o644); err != nil {
			return err
		}
	}
	return os.Rename(tmp, path)
}

// persist, removeOffset and updateConsumeOffsetToBroker do nothing for a local store, as in Java.
func (s *localOffsetStore) persist(context.Context, MessageQueue) {}
func (s *localOffsetStore) removeOffset(MessageQueue)             {}
func (s *localOffsetStore) updateConsumeOffsetToBroker(context.Context, MessageQueue, int64, bool) error {
	return nil
}

func (s *localOffsetStore) cloneOffsetTable(topic string) map[MessageQueue]int64 {
	return s.table.clone(topic)
}
