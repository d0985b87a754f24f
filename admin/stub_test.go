package admin_test

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// stubBroker answers what no sane broker answers, for the admin package's defences.
type stubBroker struct {
	addr string
}

func startStubBroker(t *testing.T) *stubBroker {
	t.Helper()
	sb := &stubBroker{}
	srv := remoting.NewServer()
	respond := func(req *remoting.Request, code int32, remark string, body []byte) *remoting.Command {
		resp := remoting.NewResponse(req.Command, code, remark)
		resp.Body = body
		return resp
	}
	// A pull answer that does not move the offset on, which no sane broker gives.
	srv.Handle(remoting.CodePullMessage, func(_ context.Context, req *remoting.Request) *remoting.Command {
		h, err := protocol.DecodePullMessageRequestHeader(req.Command.ExtFields)
		require.NoError(t, err)
		resp := respond(req, remoting.PullRetryImmediately, "NO_MATCHED_MESSAGE", nil)
		protocol.SetHeader(resp, protocol.PullMessageResponseHeader{NextBeginOffset: h.QueueOffset, MaxOffset: 10})
		return resp
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.Start(l))
	t.Cleanup(func() { _ = srv.Close() })
	sb.addr = l.Addr().String()
	return sb
}

func TestReadQueueNeedsProgress(t *testing.T) {
	sb := startStubBroker(t)
	cli, ctx := newClient(t), ctxFor(t)
	mq := protocol.MessageQueue{Topic: "T"}
	for _, to := range []int64{10, -1} {
		next, err := admin.ReadQueue(ctx, cli, sb.addr, "", mq, 3, to, func(*protocol.MessageExt) { t.Fatal("no message") })
		require.ErrorIs(t, err, admin.ErrNoProgress)
		require.EqualValues(t, 3, next)
	}
}
