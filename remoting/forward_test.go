package remoting

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A proxy reads a request on one connection and forwards it on another: the peer behind it
// sees the opaque, flag, header encoding, language and version the client wrote, and the
// answer comes back with that opaque; a oneway request stays oneway and gets no answer.
func TestForwardKeepsTheRequestAsItIs(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		seen := make(chan *Command, 2)
		backend, backendAddr := startServer(t, nw)
		backend.HandleDefault(func(_ context.Context, req *Request) *Command {
			seen <- req.Command
			resp := NewResponse(req.Command, Success, "from behind")
			resp.ExtFields = map[string]string{"echo": req.Command.Ext("k")}
			return resp
		})
		upstream := newClient(t, nw)
		front, frontAddr := startServer(t, nw)
		// The handler hands its outcome to the test, which checks it before it ends: asserting in
		// the handler's goroutine raced the test's end, whose cleanup cancels the handler's
		// context while a oneway forward still waits for its flush.
		forwarded := make(chan error, 2)
		front.HandleDefault(func(ctx context.Context, req *Request) *Command {
			conn, err := upstream.Conn(ctx, backendAddr)
			if err != nil {
				forwarded <- err
				return nil
			}
			resp, err := conn.Forward(ctx, req.Command)
			forwarded <- err
			return resp
		})

		c := newClient(t, nw)
		conn, err := c.Conn(timeoutCtx(t, 5*time.Second), frontAddr)
		require.NoError(t, err)
		req := NewRequest(CodeSendMessageV2, map[string]string{"k": "v"}, []byte("body"))
		req.SerializeType = SerializeRocketMQ
		req.Language = LanguageGo
		req.Version = 317
		resp, err := conn.Invoke(timeoutCtx(t, 5*time.Second), req)
		require.NoError(t, err)
		require.NoError(t, <-forwarded)
		got := <-seen
		require.Equal(t, req.Opaque, got.Opaque, "the opaque the client chose")
		require.Equal(t, int32(0), got.Flag)
		require.Equal(t, SerializeRocketMQ, got.SerializeType)
		require.Equal(t, LanguageGo, got.Language)
		require.Equal(t, int32(317), got.Version)
		require.Equal(t, "body", string(got.Body))
		require.Equal(t, "from behind", resp.Remark)
		require.Equal(t, "v", resp.Ext("echo"))
		require.Equal(t, SerializeRocketMQ, resp.SerializeType)

		oneway := NewRequest(CodeEndTransaction, nil, nil)
		require.NoError(t, conn.InvokeOneway(timeoutCtx(t, 5*time.Second), oneway))
		require.NoError(t, <-forwarded)
		got = <-seen
		require.Equal(t, oneway.Opaque, got.Opaque)
		require.Equal(t, FlagOneway, got.Flag)
	})
}

// Two forwarded requests with one opaque cannot wait at once on one connection: the second
// would take the first one's answer.
func TestForwardRefusesAnOpaqueAlreadyWaiting(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		held := newStash(1)
		srv, addr := startServer(t, nw)
		srv.HandleDefault(held.handle)
		c := newClient(t, nw)
		conn, err := c.Conn(timeoutCtx(t, 5*time.Second), addr)
		require.NoError(t, err)

		first := NewRequest(CodePullMessage, nil, nil)
		first.Opaque = 7
		done := make(chan error, 1)
		go func() {
			_, err := conn.Forward(timeoutCtx(t, 5*time.Second), first)
			done <- err
		}()
		r := <-held.arrived
		second := NewRequest(CodePullMessage, nil, nil)
		second.Opaque = 7
		_, err = conn.Forward(timeoutCtx(t, 5*time.Second), second)
		require.ErrorContains(t, err, "opaque 7 is already waiting")

		require.NoError(t, r.Respond(NewResponse(r.Command, Success, "")))
		require.NoError(t, <-done)
	})
}

// A client's default handler serves what a server sends it with codes nobody registered.
func TestClientDefaultHandler(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		conns := make(chan *Conn, 1)
		srv.Handle(CodeHeartBeat, func(ctx context.Context, req *Request) *Command {
			conns <- req.Conn
			return echo(ctx, req)
		})
		c := newClient(t, nw)
		c.HandleDefault(func(_ context.Context, req *Request) *Command {
			return NewResponse(req.Command, Success, "default got "+itoa(int(req.Command.Code)))
		})
		_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err)
		back := <-conns
		resp, err := back.Invoke(timeoutCtx(t, 5*time.Second), request(CodeNotifyConsumerIDsChanged, ""))
		require.NoError(t, err)
		require.Equal(t, "default got 40", resp.Remark)

		c.HandleDefault(nil)
		resp, err = back.Invoke(timeoutCtx(t, 5*time.Second), request(CodeNotifyConsumerIDsChanged, ""))
		require.NoError(t, err)
		require.Equal(t, RequestCodeNotSupported, resp.Code)
	})
}
