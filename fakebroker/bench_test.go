package fakebroker

import (
	"context"
	"testing"

	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// benchBroker starts a quiet broker on a MemNetwork for the benchmark and returns a client of it.
func benchBroker(b *testing.B, opts ...Option) *remoting.Client {
	mem := remoting.NewMemNetwork()
	br := New(append([]Option{WithLogger(testkit.Quiet), WithListenAddr(brokerAddr), WithListenFunc(mem.Listen)}, opts...)...)
	if err := br.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(br.Crash)
	return remotingtest.NewClient(b, mem.Dial)
}

// BenchmarkSend measures a SEND_MESSAGE_V2 round trip through the fake over a MemNetwork,
// 128-byte bodies, with parallel senders.
func BenchmarkSend(b *testing.B) {
	c := benchBroker(b, WithTopic("T", 8))
	body := make([]byte, 128)
	props := protocol.EncodeProperties(map[string]string{"TAGS": "TagA", "KEYS": "K", "UNIQ_KEY": "0123456789ABCDEF0123456789ABCDEF", "WAIT": "true"})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		h := sendHeader("T", 0, nil)
		h.Properties = props
		hdr := h.V2()
		for q := int32(0); pb.Next(); q = (q + 1) % 8 {
			hdr.QueueID = q
			resp, err := c.Invoke(context.Background(), brokerAddr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, hdr, body))
			if err != nil || resp.Code != remoting.Success {
				b.Fatal(err, resp)
			}
		}
	})
}

// BenchmarkPull measures a push consumer's PULL_MESSAGE round trip (no subscription in the
// request, so the broker reads the group's from its client table) of 32 stored 128-byte
// messages over a MemNetwork.
func BenchmarkPull(b *testing.B) {
	c := benchBroker(b, WithTopic("T", 1))
	invoke := func(req *remoting.Command, want int32) *remoting.Command {
		resp, err := c.Invoke(context.Background(), brokerAddr, req)
		if err != nil || resp.Code != want {
			b.Fatal(err, resp)
		}
		return resp
	}
	hb := protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}}
	invoke(remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()), remoting.Success)
	body := make([]byte, 128)
	for range 32 {
		h := sendHeader("T", 0, nil)
		invoke(protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), body), remoting.Success)
	}
	h := pullHeader("cg", "T", 0, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if resp := invoke(protocol.RequestWithHeader(remoting.CodePullMessage, h, nil), remoting.Success); len(resp.Body) == 0 {
			b.Fatal("no messages")
		}
	}
}
