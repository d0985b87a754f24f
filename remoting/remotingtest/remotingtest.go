// Package remotingtest is the rig that the tests of remoting's users share: servers and
// clients on a remoting.MemNetwork (or on loopback TCP) that log nothing and are closed when
// the test ends, requests sent with a deadline, stub handlers. Like net/http/httptest it
// imports remoting and is imported only by tests; remoting's own tests cannot import it and
// use the parts that need nothing of ours from internal/testkit instead.
//
// Everything here may be created inside a testing/synctest bubble: with a MemNetwork no
// goroutine it starts waits on anything outside the bubble.
package remotingtest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/remoting"
)

// Timeout bounds Invoke. It is longer than anything a fake holds a request for (a broker
// holds a consumer's pull for the 20 s the consumer asks), and in a bubble it costs nothing.
const Timeout = 30 * time.Second

// Listen listens on addr of mem, or on the loopback network when mem is nil ("127.0.0.1:0"
// picks a free port). The listener is closed when the test ends, if nothing closed it first.
func Listen(tb testing.TB, mem *remoting.MemNetwork, addr string) net.Listener {
	tb.Helper()
	listen := func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
	if mem != nil {
		listen = mem.Listen
	}
	l, err := listen(addr)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = l.Close() })
	return l
}

// Serve starts s on addr of mem (loopback TCP when mem is nil) and closes it when the test
// ends. It returns the address s listens on.
func Serve(tb testing.TB, mem *remoting.MemNetwork, addr string, s testkit.Service) string {
	tb.Helper()
	return testkit.Serve(tb, s, Listen(tb, mem, addr))
}

// NewServer returns a server that logs nothing unless opts give it a logger.
func NewServer(opts ...remoting.ServerOption) *remoting.Server {
	return remoting.NewServer(append([]remoting.ServerOption{remoting.WithLogger(testkit.Quiet)}, opts...)...)
}

// NewClient returns a client that dials with dial (the real network when nil, e.g. a
// MemNetwork's Dial) and logs nothing unless opts give it a logger. It is closed when the test
// ends.
func NewClient(tb testing.TB, dial remoting.DialFunc, opts ...remoting.ClientOption) *remoting.Client {
	base := []remoting.ClientOption{remoting.WithLogger(testkit.Quiet)}
	if dial != nil {
		base = append(base, remoting.WithDialer(dial))
	}
	c := remoting.NewClient(append(base, opts...)...)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Invoke sends req to addr over c and requires an answer within Timeout. The answer's code is
// the caller's to check.
func Invoke(tb testing.TB, c *remoting.Client, addr string, req *remoting.Command) *remoting.Command {
	tb.Helper()
	resp, err := InvokeWithin(tb, c, addr, req, Timeout)
	require.NoError(tb, err)
	return resp
}

// InvokeWithin sends req to addr over c with a deadline d from now, for the tests that expect
// the request to fail or to time out.
func InvokeWithin(tb testing.TB, c *remoting.Client, addr string, req *remoting.Command, d time.Duration) (*remoting.Command, error) {
	ctx, cancel := context.WithTimeout(tb.Context(), d)
	defer cancel()
	return c.Invoke(ctx, addr, req)
}

// Succeed is a handler that answers SUCCESS, with no header fields and no body.
func Succeed(_ context.Context, req *remoting.Request) *remoting.Command {
	return remoting.NewResponse(req.Command, remoting.Success, "")
}
