package remoting

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// router holds the per-code handlers and interceptors of an endpoint. Every request reads
// them, so they live in one immutable table behind an atomic pointer: a request takes no lock
// (it took three read locks before: inline check, chain, dispatch), and Handle, Use and their
// kin, which run at start-up, copy the table under mu and swap it.
type router struct {
	mu            sync.Mutex // serialises writers; readers load table
	table         atomic.Pointer[routes]
	ignoreUnknown bool
}

// routes is one version of a router's table; it is never changed once published.
type routes struct {
	handlers     map[int32]Handler
	fallback     Handler // for codes without a handler of their own; nil: Java's generic answer
	interceptors []Interceptor
	chain        Handler // the interceptors around this table's dispatch

	// Requests served on the read goroutine (see Server.HandleInline): the codes, each with
	// its condition (nil: always), and the conditions of the interceptors (UseInline).
	// blocking is set by an interceptor added with use, which may block: then none are.
	inline       map[int32]func(*Command) bool
	inlineGuards []func(*Command) bool
	blocking     bool

	// lists are the inline codes whose handlers read the header as a list (HandleInlineList).
	lists map[int32]bool
}

func newRouter(ignoreUnknown bool) *router {
	r := &router{ignoreUnknown: ignoreUnknown}
	r.table.Store(r.build(&routes{handlers: make(map[int32]Handler)}))
	return r
}

// update publishes a copy of the table changed by f (which may replace its maps and slices
// but must not write into the old ones).
func (r *router) update(f func(t *routes)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := *r.table.Load()
	t.handlers = maps.Clone(t.handlers)
	t.inline = maps.Clone(t.inline)
	t.lists = maps.Clone(t.lists)
	f(&t)
	r.table.Store(r.build(&t))
}

// build wraps t's dispatch in t's interceptors.
func (r *router) build(t *routes) *routes {
	h := Handler(func(ctx context.Context, req *Request) *Command { return r.dispatch(t, ctx, req) })
	for i := len(t.interceptors) - 1; i >= 0; i-- {
		h = t.interceptors[i](h)
	}
	t.chain = h
	return t
}

func (r *router) handle(code int32, h Handler) {
	r.update(func(t *routes) { t.set(code, h) })
}

// set makes h code's ordinary handler (nil: none) and reports whether there is one now.
func (t *routes) set(code int32, h Handler) bool {
	delete(t.inline, code)
	delete(t.lists, code)
	if h == nil {
		delete(t.handlers, code)
		return false
	}
	t.handlers[code] = h
	return true
}

// handleInline is handle for a handler that never blocks when when (nil: always) says so;
// with list, it reads the header as a list too (HandleInlineList).
func (r *router) handleInline(code int32, h Handler, when func(*Command) bool, list bool) {
	r.update(func(t *routes) {
		if !t.set(code, h) {
			return
		}
		if t.inline == nil {
			t.inline = make(map[int32]func(*Command) bool)
		}
		t.inline[code] = when
		if list {
			if t.lists == nil {
				t.lists = make(map[int32]bool)
			}
			t.lists[code] = true
		}
	})
}

// inlineFor reports whether cmd may be served on the read goroutine: its code's handler and
// every interceptor said they do not block it. A request that is not, or whose handler reads
// the map, gets its map now (see Command.Header): only HandleInlineList's conditions and
// UseInline's see a header as a list.
func (r *router) inlineFor(cmd *Command) bool {
	t := r.table.Load()
	if !t.lists[cmd.Code] {
		cmd.Header()
	}
	when, ok := t.inline[cmd.Code]
	if !ok || t.blocking || when != nil && !when(cmd) {
		cmd.Header()
		return false
	}
	for _, g := range t.inlineGuards {
		if !g(cmd) {
			cmd.Header()
			return false
		}
	}
	return true
}

func (r *router) handleDefault(h Handler) {
	r.update(func(t *routes) { t.fallback = h })
}

func (r *router) use(ics ...Interceptor) {
	r.update(func(t *routes) {
		t.blocking = t.blocking || len(ics) > 0
		t.interceptors = append(slices.Clip(t.interceptors), ics...)
	})
}

// useInline is use for interceptors that do not block a request allow (nil: any) reports true
// for.
func (r *router) useInline(allow func(*Command) bool, ics ...Interceptor) {
	r.update(func(t *routes) {
		if allow != nil && len(ics) > 0 {
			t.inlineGuards = append(slices.Clip(t.inlineGuards), allow)
		}
		t.interceptors = append(slices.Clip(t.interceptors), ics...)
	})
}

func (r *router) serve(ctx context.Context, req *Request) *Command {
	return r.table.Load().chain(ctx, req)
}

func (r *router) dispatch(t *routes, ctx context.Context, req *Request) *Command {
	h := t.handlers[req.Command.Code]
	if h == nil {
		h = t.fallback
	}
	if h != nil {
		return h(ctx, req)
	}
	if r.ignoreUnknown {
		return nil
	}
	// Java's exact remark, leading space included: peers match on it. Java writes this answer
	// as created, in JSON, whatever the request's serialize type.
	resp := NewResponse(req.Command, RequestCodeNotSupported,
		fmt.Sprintf(" request type %d not supported", req.Command.Code))
	resp.SerializeType = SerializeJSON
	return resp
}
