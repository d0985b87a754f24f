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
}

func newRouter(ignoreUnknown bool) *router {
	r := &router{handlers: make(map[int32]Handler), ignoreUnknown: ignoreUnknown}
	r.chain = r.dispatch
	return r
}

func (r *router) handle(code int32, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h == nil {
		delete(r.handlers, code)
		return
	}
	r.handlers[code] = h
}

func (r *router) handleDefault(h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = h
}

func (r *router) use(ics ...Interceptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
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
