package fakenamesrv

import (
	"context"
	"encoding/binary"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestUnknownCodesAreNotAnswered(t *testing.T) {
	tests := []struct {
		name string
		code int32
	}{
		{"a code nobody serves", 999},
		{"SEND_MESSAGE_V2, a broker's code", remoting.CodeSendMessageV2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				start := time.Now()
				_, err := remotingtest.InvokeWithin(t, r.client, r.addr, remoting.NewRequest(tt.code, map[string]string{"topic": "T"}, nil), 3*time.Second)
				require.ErrorIs(t, err, remoting.ErrTimeout)
				require.Equal(t, 3*time.Second, time.Since(start))
				e := lastEntry(t, r.ns, tt.code)
				require.False(t, e.Answered)
				require.True(t, r.client.IsConnected(r.addr), "the connection stays")
				// and the server goes on serving it
				require.Equal(t, remoting.TopicNotExist, r.route("T", 407).Code)
			})
		})
	}
}

func TestBinaryHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		b := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
		req := b.registerRequest()
		req.SerializeType = remoting.SerializeRocketMQ
		resp := remotingtest.Invoke(t, b.client, r.addr, req)
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, remoting.SerializeRocketMQ, resp.SerializeType)

		route := protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: "T"}, nil)
		route.SerializeType = remoting.SerializeRocketMQ
		resp = r.invoke(route)
		require.Equal(t, remoting.SerializeRocketMQ, resp.SerializeType)
		require.Equal(t, []string{"broker-a"}, brokerNames(decodeRoute(t, resp)))
	})
}

func TestHostileInputLeavesOtherConnectionsServed(t *testing.T) {
	frame := func(length uint32, rest ...byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, length), rest...)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"a huge length word", frame(0x7fffffff)},
		{"a negative length word", frame(0xffffffff)},
		{"a length too short for a header", frame(2, 0, 0)},
		{"a header length beyond the frame", frame(8, 0, 0, 1, 0, '{', '}', 0, 0)},
		{"a JSON header that is not JSON", frame(9, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o')},
		{"an unknown serialize type", frame(6, 7, 0, 0, 2, '{', '}')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				b := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
				b.register()

				bad, err := r.mem.Dial(context.Background(), "tcp", r.addr)
				require.NoError(t, err)
				defer bad.Close()
				_, err = bad.Write(tt.data)
				require.NoError(t, err)
				_, err = io.ReadAll(bad)
				require.NoError(t, err, "the server closes the bad connection")

				require.Equal(t, []string{"broker-a"}, brokerNames(decodeRoute(t, r.route("T", 407))))
				b.register()
				require.Equal(t, []string{"10.0.0.1:10911"}, onlineAddrs(r.ns))
			})
		})
	}
}

func TestFaultsAndHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.broker("broker-a", "10.0.0.1:10911", 0, "T").register()

		h := r.ns.Faults().Add(fault.Rule{Code: remoting.CodeGetRouteInfoByTopic, Topic: "T", Action: fault.ActionError,
			ResponseCode: remoting.SystemBusy, Remark: "busy", Times: 1})
		resp := r.route("T", 407)
		require.Equal(t, remoting.SystemBusy, resp.Code)
		require.Equal(t, "busy", resp.Remark)
		require.Equal(t, 1, h.Fired())
		require.Equal(t, remoting.Success, r.route("T", 407).Code, "one-shot")

		r.ns.Faults().Add(fault.Rule{Code: remoting.CodeRegisterBroker, Action: fault.ActionDrop})
		b := r.broker("broker-b", "10.0.0.2:10911", 0, "T")
		_, err := remotingtest.InvokeWithin(t, b.client, r.addr, b.registerRequest(), time.Second)
		require.ErrorIs(t, err, remoting.ErrTimeout)
		require.Equal(t, []string{"10.0.0.1:10911"}, onlineAddrs(r.ns), "a dropped registration registers nothing")

		routes := r.ns.History().Requests(remoting.CodeGetRouteInfoByTopic)
		require.Len(t, routes, 2)
		require.Equal(t, "T", routes[0].Topic)
		require.Equal(t, fault.ActionError, routes[0].Fault)
		require.Equal(t, remoting.Success, routes[1].ResponseCode)
		regs := r.ns.History().Requests(remoting.CodeRegisterBroker)
		require.Len(t, regs, 2)
		require.Equal(t, fault.ActionDrop, regs[1].Fault)
		require.False(t, regs[1].Answered)
	})
}

// WithFaultSeed makes a fault with a probability repeatable: the same seed harms the same
// requests of the same sequence, another seed others.
func TestFaultSeed(t *testing.T) {
	harmed := func(seed uint64) []bool {
		var out []bool
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, WithFaultSeed(seed))
			r.ns.Faults().Add(fault.Rule{Code: remoting.CodeGetRouteInfoByTopic, Action: fault.ActionError,
				ResponseCode: remoting.SystemBusy, Probability: 0.5})
			for range 16 {
				out = append(out, r.route("T", 407).Code == remoting.SystemBusy)
			}
		})
		return out
	}
	seven := harmed(7)
	require.Contains(t, seven, true)
	require.Contains(t, seven, false)
	require.Equal(t, seven, harmed(7))
	require.NotEqual(t, seven, harmed(8))
}

// WithHistoryOptions bounds what the history keeps: here the latest 2 requests.
func TestHistoryOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithHistoryOptions(fault.WithMaxEntries(2)))
		for _, topic := range []string{"A", "B", "C"} {
			r.route(topic, 407)
		}
		kept := r.ns.History().Entries()
		require.Len(t, kept, 2)
		require.Equal(t, "B", kept[0].Topic)
		require.Equal(t, "C", kept[1].Topic)
	})
}

func TestOverTCP(t *testing.T) {
	ns := New(WithLogger(testkit.Quiet))
	require.Empty(t, ns.Addr())
	require.NoError(t, ns.Listen("127.0.0.1:0"))
	defer func() { require.NoError(t, ns.Close()) }()
	client := remotingtest.NewClient(t, nil)

	body, err := (&protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{
		TopicConfigTable: map[string]protocol.TopicConfig{"T": protocol.NewTopicConfig("T")},
		DataVersion:      protocol.DataVersion{Timestamp: 1, Counter: 1},
	}}).Encode(false)
	require.NoError(t, err)
	reg := protocol.RequestWithHeader(remoting.CodeRegisterBroker, protocol.RegisterBrokerRequestHeader{
		BrokerName: "broker-a", BrokerAddr: "127.0.0.1:10911", ClusterName: "DefaultCluster", HAServerAddr: "127.0.0.1:10912",
		BodyCRC32: protocol.BodyCRC32(body),
	}, body)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := client.Invoke(ctx, ns.Addr(), reg)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)

	resp, err = client.Invoke(ctx, ns.Addr(), protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: "T"}, nil))
	require.NoError(t, err)
	route, err := protocol.DecodeTopicRouteData(resp.Body)
	require.NoError(t, err)
	require.Equal(t, []protocol.QueueData{{BrokerName: "broker-a", ReadQueueNums: 16, WriteQueueNums: 16, Perm: 6}}, route.QueueDatas)

	// The broker's connection closes: it is removed at once.
	client.CloseConn(ns.Addr())
	require.NoError(t, ns.Await(ctx, func() bool { return len(ns.Brokers()) == 0 }))
}

func TestShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.broker("broker-a", "10.0.0.1:10911", 0, "T").register()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.NoError(t, r.ns.Shutdown(ctx))
		_, err := r.mem.Dial(ctx, "tcp", r.addr)
		require.Error(t, err, "no longer listening")
		// Close after Shutdown, and Start after either, are harmless.
		l, err := r.mem.Listen("namesrv:9877")
		require.NoError(t, err)
		require.ErrorIs(t, r.ns.Start(l), remoting.ErrServerClosed)
	})
}
