package fault

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Defaults of a History.
const (
	// DefaultMaxEntries bounds the entries a History keeps, so a long run does not grow
	// without bound; the oldest go first.
	DefaultMaxEntries = 10_000
	// DefaultMaxBody is how many bytes of each request body an entry keeps: enough for a
	// heartbeat or a small message, little enough that a full history stays around 40 MiB.
	DefaultMaxBody = 4 << 10
)

// Entry is one request as the server received it and the answer the client got.
//
// An entry is recorded when the server is done with the request: after its delay, once it is
// answered, dropped, refused or its connection closed. A handler that answers later with
// Request.Respond (long polling, after Request.AnswerLater) is recorded when that answer goes
// out.
type Entry struct {
	Seq     uint64        // 1 for the first entry a History records, then up by one; Reset does not restart it
	Time    time.Time     // when the request's frame was read
	Latency time.Duration // from Time until the answer was handed to the transport (or the request given up)
	Peer    string        // the client's address, "host:port"
	Local   string        // the server's address the request came to: which listener, such as a broker's VIP port
	ConnID  uint64        // the server side's remoting.Conn ID: equal for requests on one connection

	Code          int32
	Language      remoting.LanguageCode
	Version       int32
	Opaque        int32
	Oneway        bool
	SerializeType remoting.SerializeType
	ExtFields     map[string]string // the request header, shared with the request: read it, never change it
	Body          []byte            // the body, or a copy of its first WithMaxBody bytes: read it, never change it
	BodySize      int               // the whole body's length

	// Topic and Groups are what the request is about, read from its header or, for
	// HEART_BEAT, its body: the topic of sends, pulls, route and offset queries; producer and
	// consumer groups of sends, pulls, heartbeats, UNREGISTER_CLIENT and the like.
	Topic  string
	Groups []string

	// Answered says whether an answer the client can read was written. It is false for oneway
	// requests, and for requests dropped, closed on or corrupted.
	Answered bool
	// ResponseCode, Remark and ResponseFields (a copy of the answer's header) describe the
	// answer when Answered; after ActionCorrupt they describe the handler's answer that was
	// replaced by the damaged frame.
	ResponseCode   int32
	Remark         string
	ResponseFields map[string]string

	// Fault is the action of the rule that took the request, or "" when none did.
	Fault Action

	// fields is the request header while it is a list (remoting.Command.Fields, for requests
	// served with HandleInlineList): the history makes ExtFields of it when an entry is first
	// read, so that the requests nobody reads back cost no map.
	fields         []remoting.Field
	responseFields []remoting.Field // the same for an answer's header (a fake broker's send answers)
	// targetLater: Topic and Groups are still to be read from the header
	// (protocol.TargetInHeader).
	targetLater bool
}

// History records the requests a server receives through its Interceptor. It keeps the
// latest entries only (see WithMaxEntries). It is safe for concurrent use.
type History struct {
	maxEntries int
	maxBody    int

	mu      sync.Mutex
	ring    []Entry
	next    int    // where the next entry goes once the ring is full
	seq     uint64 // Seq of the latest entry
	changed chan struct{}
	watched bool // someone waits on changed, so the next entry must close it
}

// HistoryOption configures a History.
type HistoryOption func(*History)

// WithMaxEntries sets how many of the latest entries are kept (n < 1 counts as 1). Default
// DefaultMaxEntries.
func WithMaxEntries(n int) HistoryOption {
	return func(h *History) { h.maxEntries = max(n, 1) }
}

// WithMaxBody sets how many bytes of each request body are kept (n <= 0: none). Default
// DefaultMaxBody.
func WithMaxBody(n int) HistoryOption {
	return func(h *History) { h.maxBody = max(n, 0) }
}

// NewHistory returns an empty history.
func NewHistory(opts ...HistoryOption) *History {
	h := &History{maxEntries: DefaultMaxEntries, maxBody: DefaultMaxBody, changed: make(chan struct{})}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Interceptor returns the interceptor that records requests. Install it outside an
// Injector's (see Install), so that it sees what the faults did.
func (h *History) Interceptor() remoting.Interceptor {
	return func(next remoting.Handler) remoting.Handler {
		return func(ctx context.Context, req *remoting.Request) (resp *remoting.Command) {
			e := h.begin(req)
			nc := &noteContext{Context: ctx}
			n := &nc.n
			defer func() {
				if p := recover(); p != nil {
					// The transport turns a handler's panic into this answer; record it,
					// then let the transport do so.
					e.finish(req, remoting.NewResponse(req.Command, remoting.SystemError, fmt.Sprint(p)), n)
					h.record(e)
					panic(p)
				}
			}()
			resp = next(nc, req)
			if resp == nil && req.WillAnswerLater() {
				h.finishLater(ctx, req, e, n)
				return nil
			}
			e.finish(req, resp, n)
			h.record(e)
			return resp
		}
	}
}

// finishLater completes a long-polling request's entry when the later answer goes out, or
// when the connection closes first. It takes the entry by value: only a request that waits
// moves its entry to the heap, where the closures below keep it (an entry captured by them in
// the interceptor itself was one heap object per request).
//
// ctx is the connection's: the answer takes the close's watch off it, or every held pull of a
// push consumer would stay there, entry and request, for as long as its connection lives.
func (h *History) finishLater(ctx context.Context, req *remoting.Request, e Entry, n *note) {
	var once sync.Once
	finish := func(late *remoting.Command) {
		once.Do(func() { e.finish(req, late, n); h.record(e) })
	}
	stop := context.AfterFunc(ctx, func() { finish(nil) })
	req.OnRespond(func(late *remoting.Command) {
		stop()
		finish(late)
	})
}

// begin takes the request before a handler sees it: the entry holds what the client sent. The
// header map is shared, not copied (requests are read-only for handlers and interceptors, see
// remoting.Request): two map copies per request were a seventh of a loaded fake broker's
// CPU, with the garbage collector's share. So is the body, unless only its start is kept
// (keptBody); the topic and groups are read from the header when the entry is first read.
func (h *History) begin(req *remoting.Request) Entry {
	cmd := req.Command
	var t target
	later := protocol.TargetInHeader(cmd.Code) // the entry keeps the header: found when read
	if !later {
		t = requestTarget(cmd)
	}
	return Entry{
		Time:          req.Received,
		Peer:          req.Conn.RemoteAddr(),
		Local:         req.Conn.LocalAddr(),
		ConnID:        req.Conn.ID(),
		Code:          cmd.Code,
		Language:      cmd.Language,
		Version:       cmd.Version,
		Opaque:        cmd.Opaque,
		Oneway:        cmd.IsOneway(),
		SerializeType: cmd.SerializeType,
		ExtFields:     cmd.ExtFields,
		fields:        cmd.Fields,
		Body:          keptBody(cmd.Body, h.maxBody),
		BodySize:      len(cmd.Body),
		Topic:         t.topic,
		Groups:        t.groups,
		targetLater:   later,
	}
}

// keptBody is what an entry keeps of a request's body. A body kept whole is the request's own
// (a request is read-only, see remoting.Request): it shares a frame with the header, which the
// entry keeps as well, so it pins no more than that frame, and copying it was an allocation
// per request. A body cut to maxBody is copied, so that the entry does not pin the rest of it.
func keptBody(b []byte, maxBody int) []byte {
	switch {
	case len(b) == 0 || maxBody == 0:
		return nil
	case len(b) <= maxBody:
		return b[:len(b):len(b)]
	}
	return append([]byte(nil), b[:maxBody]...)
}

func (e *Entry) finish(req *remoting.Request, resp *remoting.Command, n *note) {
	e.Latency = time.Since(req.Received)
	e.Fault = n.action
	answer := resp
	if n.damaged != nil {
		answer = n.damaged
	}
	e.Answered = resp != nil && !e.Oneway && req.Conn.Alive()
	if answer != nil && !e.Oneway {
		e.ResponseCode = answer.Code
		e.Remark = answer.Remark
		e.ResponseFields = answer.ExtFields // the transport only reads an answer
		if answer.ExtFields == nil {
			e.responseFields = answer.Fields
		}
	}
}

func (h *History) record(e Entry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e.Seq = h.seq
	if len(h.ring) < h.maxEntries {
		h.ring = append(h.ring, e)
	} else {
		h.ring[h.next] = e
		h.next = (h.next + 1) % len(h.ring)
	}
	if h.watched {
		close(h.changed)
		h.changed = make(chan struct{})
		h.watched = false
	}
}

// Entries returns the kept entries, oldest first.
func (h *History) Entries() []Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Entry, len(h.ring))
	for i := range out {
		out[i] = h.at(i)
	}
	return out
}

// Requests returns the kept entries with the given request code, oldest first.
func (h *History) Requests(code int32) []Entry {
	var out []Entry
	for _, e := range h.Entries() {
		if e.Code == code {
			out = append(out, e)
		}
	}
	return out
}

// Reset forgets every entry.
func (h *History) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ring = h.ring[:0]
	h.next = 0
}

// WaitFor returns the first entry that match accepts, looking at the kept entries first,
// oldest first, and then at each new one as it is recorded; it does not poll. It returns an
// error wrapping the cause when ctx ends first. To wait only for requests still to come, match
// on Seq (greater than the latest one seen) or Reset first. match runs without the history's
// lock held, so it may call the History.
func (h *History) WaitFor(ctx context.Context, match func(Entry) bool) (Entry, error) {
	var seen uint64 // entries up to this Seq have been offered to match
	for {
		h.mu.Lock()
		fresh := h.since(seen)
		h.watched = true
		changed := h.changed
		h.mu.Unlock()
		for _, e := range fresh {
			if match(e) {
				return e, nil
			}
			seen = e.Seq
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Entry{}, fmt.Errorf("fault: no matching request recorded: %w", context.Cause(ctx))
		}
	}
}

// since returns the kept entries recorded after seq, oldest first.
func (h *History) since(seq uint64) []Entry {
	n := 0
	for n < len(h.ring) && h.ring[(h.next+len(h.ring)-1-n)%len(h.ring)].Seq > seq {
		n++
	}
	out := make([]Entry, n)
	for i := range n {
		out[i] = h.at(len(h.ring) - n + i)
	}
	return out
}

// at returns the i-th kept entry, oldest first, with its header as a map.
func (h *History) at(i int) Entry {
	e := &h.ring[(h.next+i)%len(h.ring)]
	if e.ExtFields == nil && e.fields != nil {
		e.ExtFields = fieldMap(e.fields)
	}
	if e.ResponseFields == nil && e.responseFields != nil {
		e.ResponseFields = fieldMap(e.responseFields)
	}
	e.fields, e.responseFields = nil, nil
	if e.targetLater {
		t := requestTarget(&remoting.Command{Code: e.Code, ExtFields: e.ExtFields})
		e.Topic, e.Groups, e.targetLater = t.topic, t.groups, false
	}
	return *e
}

func fieldMap(fields []remoting.Field) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		m[f.Key] = f.Value // a repeated key: the last counts, as in a map read
	}
	return m
}
