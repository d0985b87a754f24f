package remoting

import (
	"context"
	"sync"
	"testing"
)

// benchRequest looks like a SEND_MESSAGE_V2 of a small message: a dozen header fields and a
// 256-byte body.
func benchRequest() *Command {
	return NewRequest(CodeSendMessageV2, map[string]string{
		"a": "ProducerGroup", "b": "BenchTopic", "c": "TBW102", "d": "4", "e": "1",
		"f": "0", "g": "1700000000000", "h": "0", "i": "UNIQ_KEY\x01C0A8000100002A9F0000000000000001\x02WAIT\x01true",
		"j": "0", "k": "false", "m": "false",
	}, make([]byte, 256))
}

func benchServerHandler(_ context.Context, req *Request) *Command {
	resp := NewResponse(req.Command, Success, "")
	resp.ExtFields = map[string]string{
		"msgId": "C0A8000100002A9F0000000000000001", "queueId": "1", "queueOffset": "42",
		"transactionId": "C0A8000100002A9F0000000000000001",
	}
	return resp
}

func BenchmarkRoundTrip(b *testing.B) {
	for _, mk := range []func() testNet{tcpNet, memNet} {
		nw := mk()
		b.Run(nw.name, func(b *testing.B) {
			srv := NewServer()
			l := nw.listen(b)
			if err := srv.Start(l); err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			srv.Handle(CodeSendMessageV2, benchServerHandler)
			addr := l.Addr().String()
			c := NewClient(WithDialer(nw.dial))
			defer c.Close()
			if _, err := c.Invoke(context.Background(), addr, benchRequest()); err != nil {
				b.Fatal(err)
			}

			b.Run("sync-sequential", func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					if _, err := c.Invoke(ctx, addr, benchRequest()); err != nil {
						b.Fatal(err)
					}
				}
				reportRate(b)
			})
			b.Run("sync-parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(32) // many callers per CPU, as a loaded producer has
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					for pb.Next() {
						if _, err := c.Invoke(ctx, addr, benchRequest()); err != nil {
							b.Error(err)
							return
						}
					}
				})
				reportRate(b)
			})
			b.Run("async", func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				var wg sync.WaitGroup
				for b.Loop() {
					wg.Add(1)
					c.InvokeAsync(ctx, addr, benchRequest(), func(_ *Command, err error) {
						if err != nil {
							b.Error(err)
						}
						wg.Done()
					})
				}
				wg.Wait()
				reportRate(b)
			})
		})
	}
}

func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "roundtrips/s")
	}
}
