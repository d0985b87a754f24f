package remoting

import (
	"context"
	"fmt"
	"sync"
)

// router holds the per-code handlers and interceptors of an endpoint.
type router struct {
	mu            sync.RWMutex
	handlers      map[int32]Handler
	fallback      Handler // for codes without a handler of their own; nil: Java's generic answer
	interceptors  []Interceptor
	chain         Handler
	ignoreUnknown bool

	// Requests served on the read goroutine (see Server.HandleInline): the codes, each with
	// its condition (nil: always), and the conditions of the interceptors (UseInline).
	// blocking is set by an interceptor added with use, which may block: then none are.
	inline       map[int32]func(*Command) bool
	inlineGuards []func(*Command) bool
	blocking     bool
}

func newRouter(ignoreUnknown bool) *router {
	r := &router{handlers: make(map[int32]Handler), ignoreUnknown: ignoreUnknown}
	r.chain = r.dispatch
	return r
}

func (r *router) handle(code int32, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.inline, code)
	if h == nil {
		delete(r.handlers, code)
		return
	}
	r.handlers[code] = h
}

// handleInline is handle for a handler that never blocks when when (nil: always) says so.
func (r *router) handleInline(code int32, h Handler, when func(*Command) bool) {
	r.handle(code, h)
	if h == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inline == nil {
		r.inline = make(map[int32]func(*Command) bool)
	}
	r.inline[code] = when
}

// inlineFor reports whether cmd may be served on the read goroutine: its code's handler and
// every interceptor said they do not block it.
func (r *router) inlineFor(cmd *Command) bool {
	r.mu.RLock()
	when, ok := r.inline[cmd.Code]
	ok = ok && !r.blocking
	guards := r.inlineGuards
	r.mu.RUnlock()
	if !ok || when != nil && !when(cmd) {
		return false
	}
	for _, g := range guards {
		if !g(cmd) {
			return false
		}
	}
	return true
}

func (r *router) handleDefault(h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = h
}

func (r *router) use(ics ...Interceptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocking = r.blocking || len(ics) > 0
	r.addLocked(ics)
}

// useInline is use for interceptors that do not block a request allow (nil: any) reports true
// for.
func (r *router) useInline(allow func(*Command) bool, ics ...Interceptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if allow != nil && len(ics) > 0 {
		// A new slice: inlineFor reads the old one outside the lock.
		r.inlineGuards = append(r.inlineGuards[:len(r.inlineGuards):len(r.inlineGuards)], allow)
	}
	r.addLocked(ics)
}

func (r *router) addLocked(ics []Interceptor) {
	r.interceptors = append(r.interceptors, ics...)
	h := Handler(r.dispatch)
	for i := len(r.interceptors) - 1; i >= 0; i-- {
		h = r.interceptors[i](h)
	}
	r.chain = h
}

func (r *router) serve(ctx context.Context, req *Request) *Command {
	r.mu.RLock()
	h := r.chain
	r.mu.RUnlock()
	return h(ctx, req)
}

func (r *router) dispatch(ctx context.Context, req *Request) *Command {
	r.mu.RLock()
	h := r.handlers[req.Command.Code]
	if h == nil {
		h = r.fallback
	}
	r.mu.RUnlock()
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
