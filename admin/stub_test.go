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

// stubBroker answers the admin requests the fakes do not serve yet as AdminBrokerProcessor
// does in 4.9.7 (conformance/admin_test.go checks the same calls against a real broker).
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
	srv.Handle(remoting.CodeGetProducerConnectionList, func(_ context.Context, req *remoting.Request) *remoting.Command {
		h, err := protocol.DecodeGetProducerConnectionListRequestHeader(req.Command.ExtFields)
		require.NoError(t, err)
		switch h.ProducerGroup {
		case "pg":
			return respond(req, remoting.Success, "", (&protocol.ProducerConnection{ConnectionSet: []protocol.Connection{
				{ClientID: "192.0.2.2@2", ClientAddr: "127.0.0.1:2", Language: "GO", Version: 317},
				{ClientID: "192.0.2.2@1", ClientAddr: "127.0.0.1:1", Language: "JAVA", Version: 413},
			}}).Encode())
		case "broken":
			return respond(req, remoting.SystemError, "java.lang.NullPointerException", nil)
		}
		return respond(req, remoting.SystemError, "the producer group["+h.ProducerGroup+"] not exist", nil)
	})
	srv.Handle(remoting.CodeGetConsumerConnectionList, func(_ context.Context, req *remoting.Request) *remoting.Command {
		h, err := protocol.DecodeGetConsumerConnectionListRequestHeader(req.Command.ExtFields)
		require.NoError(t, err)
		if h.ConsumerGroup != "cg" {
			return respond(req, remoting.ConsumerNotOnline, "the consumer group["+h.ConsumerGroup+"] not online", nil)
		}
		return respond(req, remoting.Success, "", (&protocol.ConsumerConnection{
			ConnectionSet: []protocol.Connection{{ClientID: "c1", ClientAddr: "127.0.0.1:3", Language: "JAVA", Version: 413}},
			ConsumeType:   protocol.ConsumePassively, MessageModel: protocol.Clustering,
			ConsumeFromWhere: protocol.ConsumeFromLastOffset,
			SubscriptionTable: map[string]protocol.SubscriptionData{
				"T": {Topic: "T", SubString: "*", ExpressionType: protocol.ExpressionTypeTag, SubVersion: 7},
			},
		}).Encode())
	})
	srv.Handle(remoting.CodeGetBrokerRuntimeInfo, func(_ context.Context, req *remoting.Request) *remoting.Command {
		return respond(req, remoting.Success, "", (&protocol.KVTable{Table: map[string]string{
			"brokerVersionDesc": "V4_9_7", "brokerVersion": "413", "msgPutTotalTodayNow": "0",
		}}).Encode())
	})
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

func TestConnections(t *testing.T) {
	sb := startStubBroker(t)
	cli, ctx := newClient(t), ctxFor(t)

	conns, err := admin.ProducerConnections(ctx, cli, sb.addr, "pg")
	require.NoError(t, err)
	require.Equal(t, []protocol.Connection{
		{ClientID: "192.0.2.2@1", ClientAddr: "127.0.0.1:1", Language: "JAVA", Version: 413},
		{ClientID: "192.0.2.2@2", ClientAddr: "127.0.0.1:2", Language: "GO", Version: 317},
	}, conns, "sorted by client id")
	conns, err = admin.ProducerConnections(ctx, cli, sb.addr, "nobody")
	require.NoError(t, err, "a group nobody is in has no connections")
	require.Empty(t, conns)
	_, err = admin.ProducerConnections(ctx, cli, sb.addr, "broken")
	var se *admin.ServerError
	require.ErrorAs(t, err, &se, "any other SYSTEM_ERROR is an error")
	require.Equal(t, "producer connections of broken", se.Op)

	cc, err := admin.ConsumerConnections(ctx, cli, sb.addr, "cg")
	require.NoError(t, err)
	require.Equal(t, protocol.ConsumePassively, cc.ConsumeType)
	require.Equal(t, "c1", cc.ConnectionSet[0].ClientID)
	require.Equal(t, "*", cc.SubscriptionTable["T"].SubString)
	cc, err = admin.ConsumerConnections(ctx, cli, sb.addr, "offline")
	require.NoError(t, err)
	require.Empty(t, cc.ConnectionSet)
	require.Empty(t, cc.SubscriptionTable)
}

func TestBrokerRuntimeInfo(t *testing.T) {
	sb := startStubBroker(t)
	cli, ctx := newClient(t), ctxFor(t)

	info, err := admin.BrokerRuntimeInfo(ctx, cli, sb.addr)
	require.NoError(t, err)
	require.Equal(t, "413", info["brokerVersion"])
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
