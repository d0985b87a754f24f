package fakebroker

// view.go serves 33 VIEW_MESSAGE_BY_ID, as Java's QueryMessageProcessor.viewMessageById and
// DefaultMessageStore.selectOneMessageByOffset (4.9.7): the header's offset is a commit-log
// offset (the one an offset message id carries, which is how the admin tools and
// MQAdmin.viewMessage use it).
//
//   - Found: SUCCESS, no extFields and no remark, the one stored record as the body (the same
//     encoding a pull returns; Java writes it straight from the page cache).
//   - Not found: 1 SYSTEM_ERROR "can not find message by the offset, N", no extFields.
//   - No offset: Java's reflective decoder leaves it null and the unboxing throws (SYSTEM_ERROR
//     with Java 17's NullPointerException text).
//
// Known difference: the fake finds a message only at the offset where its record starts; Java
// reads whatever lies at an offset inside the commit log (a record's middle gives garbage).

import (
	"context"
	"strconv"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const frameQueryProcessor = "org.apache.rocketmq.broker.processor.QueryMessageProcessor."

var viewNeedOffset = unboxed("ViewMessageRequestHeader", "offset", protocol.FieldOffset, "Long",
	frameQueryProcessor+"viewMessageById(QueryMessageProcessor.java:135)")

func (b *Broker) viewHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeViewMessageByID, b.handleViewMessage}}
}

func (b *Broker) handleViewMessage(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, err := protocol.DecodeViewMessageRequestHeader(cmd.ExtFields)
	if resp := headerFailure(cmd, err, false); resp != nil {
		return resp
	}
	if resp := check(cmd, viewNeedOffset); resp != nil {
		return resp
	}
	sm, ok := b.store.lookup(h.Offset)
	if !ok {
		return answer(cmd, remoting.SystemError, "can not find message by the offset, "+strconv.FormatInt(h.Offset, 10))
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = sm.raw
	return resp
}

// lookup is CommitLog.getMessage at a record's start: the message stored at a commit-log
// offset, while its segment is kept.
func (s *store) lookup(phys int64) (*storedMessage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	raw, ok := s.recordLocked(phys)
	if !ok {
		return nil, false
	}
	sm := storedAt(raw, phys)
	return &sm, true
}
