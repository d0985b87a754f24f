package compat

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/compat/internal/echobroker"
	"github.com/rocketsim/rocketsim/fakecluster"
)

const (
	benchTopic   = "BenchTopic"
	benchQueues  = 8
	benchSenders = 64
	benchBody    = 128
)

// BenchmarkOfficialClientSync64 measures sync sends through one fake broker over loopback:
// the official Go client v2.1.2, 64 goroutines sending at once through one producer, 128-byte
// bodies. It reports msgs/s and the p50/p99 latency of SendSync.
func BenchmarkOfficialClientSync64(b *testing.B) {
	c := fakecluster.Start(b, fakecluster.WithTopic(benchTopic, benchQueues))
	runSync64(b, c)
}

// BenchmarkOfficialClientSync64Echo is the same load against a raw loopback echo server that
// answers every frame with a canned SEND_MESSAGE success, with no broker behind it: the
// machine's and the client's limit, to put the fake broker's figure in proportion. The name
// server is the fake's; its route names the echo server as the broker (an address rewrite).
func BenchmarkOfficialClientSync64Echo(b *testing.B) {
	c := fakecluster.Start(b, fakecluster.WithTopic(benchTopic, benchQueues))
	echo := echobroker.Start(b)
	c.NameServer().SetAddrRewrite(brokerOf(b, c, fakecluster.BrokerName(0)).Addr(), echo)
	runSync64(b, c)
}

func runSync64(b *testing.B, c cluster) {
	p := newProducer(b, c)
	body := make([]byte, benchBody)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	// The first send fetches the route and dials the broker.
	_, err := p.SendSync(context.Background(), primitive.NewMessage(benchTopic, body))
	require.NoError(b, err)

	var (
		next      atomic.Int64
		failures  atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
		latencies = make([][]time.Duration, benchSenders)
	)
	b.ResetTimer()
	start := time.Now()
	for w := range benchSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, b.N/benchSenders+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				_, err := p.SendSync(context.Background(), primitive.NewMessage(benchTopic, body))
				lat = append(lat, time.Since(t0))
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
			latencies[w] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d sends failed, first: %v", n, b.N, firstErr.Load())
	}

	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(quantile(all, 0.50).Seconds()*1e3, "p50-ms")
	b.ReportMetric(quantile(all, 0.99).Seconds()*1e3, "p99-ms")
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// TestEchoAnswersOfficialClient keeps the echo benchmark's plumbing honest: the official client
// routed to the echo server gets a SEND_OK with the canned ids, and the fake broker gets nothing.
func TestEchoAnswersOfficialClient(t *testing.T) {
	c := fakecluster.Start(t, fakecluster.WithTopic(benchTopic, benchQueues))
	echo := echobroker.Start(t)
	c.NameServer().SetAddrRewrite(brokerOf(t, c, fakecluster.BrokerName(0)).Addr(), echo)
	p := newProducer(t, c)
	r, err := p.SendSync(context.Background(), primitive.NewMessage(benchTopic, []byte("to the echo")))
	require.NoError(t, err)
	require.Equal(t, primitive.SendOK, r.Status)
	require.Equal(t, "7F00000100002A9F0000000000000000", r.OffsetMsgID)
	require.NotEmpty(t, r.MsgID)
	require.Empty(t, c.Messages(benchTopic))
}
