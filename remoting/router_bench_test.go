package remoting

import (
	"context"
	"testing"
)

// BenchmarkRouterInline is what the router costs a request served inline: the inline check,
// then the chain of two interceptors and the dispatch, from all cores at once.
func BenchmarkRouterInline(b *testing.B) {
	r := newRouter(false)
	resp := &Command{}
	r.handleInline(CodeSendMessageV2, func(context.Context, *Request) *Command { return resp }, func(*Command) bool { return true }, false)
	pass := func(next Handler) Handler {
		return func(ctx context.Context, req *Request) *Command { return next(ctx, req) }
	}
	r.useInline(func(*Command) bool { return true }, pass, pass)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		req := &Request{Command: &Command{Code: CodeSendMessageV2}}
		for pb.Next() {
			if !r.inlineFor(req.Command) || r.serve(ctx, req) != resp {
				b.Fatal("not served inline")
			}
		}
	})
}
