package remoting

import (
	"context"
	"sync"
	"time"
)

// Handler serves one inbound request. It returns the answer, or nil for no answer at all (the
// peer then times out), or nil after arranging to answer later with Request.Respond. The
// transport sets the answer's opaque and response flag, so a handler must return a Command of
// its own, not one shared with other requests; the answer goes out in its own SerializeType,
// which NewResponse copies from the request. Answers to oneway requests are discarded. ctx ends
// when the connection closes.
type Handler func(ctx context.Context, req *Request) *Command

// Interceptor wraps every request (unknown codes included), outermost first in the order given
// to Use. It may inspect or replace the request and the answer, delay, answer nil to suppress
// the answer, or close the connection through req.Conn. It is called again, to wrap the new
// table's dispatch, each time a handler or interceptor is added or removed, so it must not
// keep state per call.
type Interceptor func(next Handler) Handler

// Request is an inbound request together with the connection it arrived on.
//
// Its Command is decoded for this request alone but read-only for handlers and interceptors,
// the bytes of its body included: one that wants another header or body replaces the Command
// (a copy with the changes, in new memory), so that what the peer sent stays as it was for
// the interceptors around it (a history shares the header and the body instead of copying
// them).
type Request struct {
	Command  *Command
	Conn     *Conn
	Received time.Time // when its frame was read

	mu        sync.Mutex
	later     bool
	answered  *Command
	lateHooks []func(*Command)
}

// AnswerLater tells the interceptors that the handler returns nil but will answer through
// Respond (long polling), so that history and faults wait for that answer instead of taking
// the nil for "no answer". Call it before the handler returns.
func (r *Request) AnswerLater() {
	r.mu.Lock()
	r.later = true
	r.mu.Unlock()
}

// WillAnswerLater reports whether the handler called AnswerLater.
func (r *Request) WillAnswerLater() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.later
}

// OnRespond registers f to see the answer given through Respond; if it was given already, f
// runs at once. Interceptors use it to observe answers that do not pass back through them.
func (r *Request) OnRespond(f func(*Command)) {
	r.mu.Lock()
	answered := r.answered
	if answered == nil {
		r.lateHooks = append(r.lateHooks, f)
	}
	r.mu.Unlock()
	if answered != nil {
		f(answered)
	}
}

// Respond sends resp as the answer to this request, for handlers that returned nil and answer
// later (long polling, fault injection with its own timing). The answer of a oneway request is
// discarded.
func (r *Request) Respond(resp *Command) error {
	r.mu.Lock()
	r.answered = resp
	hooks := r.lateHooks
	r.lateHooks = nil
	r.mu.Unlock()
	for _, f := range hooks {
		f(resp)
	}
	if r.Command.IsOneway() {
		return nil
	}
	return r.Conn.respond(r.Command, resp)
}
