package remoting

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The request hook sees every request, sync, async and oneway, with its address, and what it
// changes is what the server receives.
func TestRequestHookChangesWhatIsSent(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		received := make(chan *Command, 3)
		srv.Handle(CodeSendMessageV2, func(ctx context.Context, req *Request) *Command {
			received <- req.Command
			return echo(ctx, req)
		})
		var hookedAddrs []string
		c := newClient(t, nw, WithRequestHook(func(to string, req *Command) {
			hookedAddrs = append(hookedAddrs, to)
			req.SetExt("hooked", "yes")
		}))
		ctx := timeoutCtx(t, 5*time.Second)
		_, err := c.Invoke(ctx, addr, NewRequest(CodeSendMessageV2, nil, nil))
		require.NoError(t, err)
		done := make(chan error, 1)
		c.InvokeAsync(ctx, addr, NewRequest(CodeSendMessageV2, map[string]string{"a": "1"}, nil), func(_ *Command, err error) { done <- err })
		require.NoError(t, <-done)
		require.NoError(t, c.InvokeOneway(ctx, addr, &Command{Code: CodeSendMessageV2, Fields: []Field{{Key: "b", Value: "2"}}}))
		for range 3 {
			require.Equal(t, "yes", (<-received).Ext("hooked"))
		}
		require.Equal(t, []string{addr, addr, addr}, hookedAddrs)
	})
}
