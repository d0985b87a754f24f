package fakebroker

import (
	"context"
	"testing"

	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// BenchmarkSend measures a SEND_MESSAGE_V2 round trip through the fake over a MemNetwork,
// 128-byte bodies, with parallel senders.
func BenchmarkSend(b *testing.B) {
	mem := remoting.NewMemNetwork()
	br := New(WithLogger(testkit.Quiet), WithListenAddr(brokerAddr), WithListenFunc(mem.Listen), WithTopic("T", 8))
	if err := br.Start(); err != nil {
		b.Fatal(err)
	}
	defer br.Crash()
	c := remotingtest.NewClient(b, mem.Dial)
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
