package client

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// benchRig runs a cluster on a MemNetwork in real time: benchmarks measure wall time.
func benchRig(b *testing.B, opts ...fakecluster.Option) (*fakecluster.Cluster, *remoting.MemNetwork) {
	mem := remoting.NewMemNetwork()
	c := fakecluster.Start(b, append([]fakecluster.Option{fakecluster.WithMemNetwork(mem), fakecluster.WithTopic("T", 4)}, opts...)...)
	return c, mem
}

func benchProducer(b *testing.B, c *fakecluster.Cluster, mem *remoting.MemNetwork, opts ...Option) *Producer {
	p, err := NewProducer(append([]Option{WithGroup("pg"), WithNameServers(c.NameServerAddr()), WithDialer(mem.Dial),
		WithManager(NewManager()), WithClientIP(testIP)}, opts...)...)
	require.NoError(b, err)
	require.NoError(b, p.Start())
	b.Cleanup(p.Shutdown)
	return p
}

// BenchmarkSendSync is one sync send round trip against the fake broker.
func BenchmarkSendSync(b *testing.B) {
	c, mem := benchRig(b)
	p := benchProducer(b, c, mem)
	body := make([]byte, 256)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Send(ctx, NewMessage("T", body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimeoutLateness reports how late a timeout surfaces after its deadline, for sync and
// async sends to a broker that never answers.
func BenchmarkTimeoutLateness(b *testing.B) {
	const timeout = 20 * time.Millisecond
	for _, mode := range []string{"sync", "async"} {
		b.Run(mode, func(b *testing.B) {
			c, mem := benchRig(b)
			brokerOf(b, c, "broker-a").Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDrop})
			p := benchProducer(b, c, mem, WithSendTimeout(timeout), WithRetries(0), WithAsyncRetries(0))
			ctx := context.Background()
			late := make([]time.Duration, 0, b.N)
			var mu sync.Mutex
			for b.Loop() {
				start := time.Now()
				switch mode {
				case "sync":
					_, _ = p.Send(ctx, NewMessage("T", []byte("x")))
					late = append(late, time.Since(start)-timeout)
				case "async":
					done := make(chan struct{})
					p.SendAsync(ctx, NewMessage("T", []byte("x")), func(*SendResult, error) {
						mu.Lock()
						late = append(late, time.Since(start)-timeout)
						mu.Unlock()
						close(done)
					})
					<-done
				}
			}
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(late)
			if len(late) > 0 {
				b.ReportMetric(float64(late[len(late)/2].Microseconds()), "p50-late-µs")
				b.ReportMetric(float64(late[len(late)*99/100].Microseconds()), "p99-late-µs")
			}
		})
	}
}

// BenchmarkIdleProducerMemory reports the heap an idle started producer holds, with its
// instance, connections and task goroutine.
func BenchmarkIdleProducerMemory(b *testing.B) {
	c, mem := benchRig(b)
	const n = 20
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		ps := make([]*Producer, n)
		for i := range ps {
			p, err := NewProducer(WithGroup("pg"), WithNameServers(c.NameServerAddr()), WithDialer(mem.Dial),
				WithManager(NewManager()), WithClientIP(testIP))
			require.NoError(b, err)
			require.NoError(b, p.Start())
			if _, err := p.Send(context.Background(), NewMessage("T", []byte("x"))); err != nil {
				b.Fatal(err)
			}
			ps[i] = p
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/producer")
		for _, p := range ps {
			p.Shutdown()
		}
	}
}
