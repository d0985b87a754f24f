package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
)

const (
	scaleClients = 1000
	scaleBrokers = 16
	// scaleExtraBrokers is how many more brokers each client connects to in the second step.
	// Client and brokers share the process, so every connection costs two descriptors: 1,000
	// clients with a name-server connection and 4 broker connections each hold 10,000 of the
	// 20,000 this machine allows a process (ulimit -n, hard limit too).
	scaleExtraBrokers = 3
	scaleTopic        = "ScaleTopic"
)

// usage is what the process holds after two collections.
type usage struct {
	heap, stack uint64 // bytes: HeapInuse, StackInuse
	goroutines  int
}

func measure() usage {
	var ms runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return usage{heap: ms.HeapInuse, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

func (u usage) minus(v usage) (heap, stack, goroutines float64) {
	return float64(u.heap) - float64(v.heap), float64(u.stack) - float64(v.stack), float64(u.goroutines - v.goroutines)
}

// BenchmarkScale holds 1,000 of our producers, each in a client instance of its own (distinct
// instance names), and a fake cluster of 16 brokers in one process, over loopback TCP, and
// reports what they cost:
//
//   - per idle client: a started producer that has sent one message, so it holds its client
//     instance, its name-server connection and one broker connection, and is otherwise idle;
//   - per connection: what one more broker connection adds (each client then sends one
//     message to each of 3 more brokers).
//
// Both ends of every connection are in this process (the broker's and the name server's side
// included), so the per-connection figures are client end + broker end. Heap is HeapInuse after
// two collections; stack is StackInuse (goroutine stacks, not in the heap figure). With -short:
// 100 clients.
func BenchmarkScale(b *testing.B) {
	n := scaleClients
	if testing.Short() {
		n = 100
	}
	for b.Loop() {
		c := fakecluster.Start(b, fakecluster.WithBrokers(scaleBrokers), fakecluster.WithTopic(scaleTopic, 1))
		base := measure()

		m := client.NewManager()
		ps := make([]*client.Producer, n)
		parallel(n, func(i int) error {
			p, err := client.NewProducer(
				client.WithGroup(fmt.Sprintf("scale_pg_%d", i)),
				client.WithInstanceName(fmt.Sprintf("scale_%d", i)),
				client.WithNameServers(c.NameServerAddr()),
				client.WithManager(m),
			)
			if err != nil {
				return err
			}
			if err := p.Start(); err != nil {
				return err
			}
			ps[i] = p
			_, err = p.SendToQueue(context.Background(), client.NewMessage(scaleTopic, []byte("x")), queueOn(i))
			return err
		}, b)
		idle := measure()

		parallel(n, func(i int) error {
			for k := 1; k <= scaleExtraBrokers; k++ {
				if _, err := ps[i].SendToQueue(context.Background(), client.NewMessage(scaleTopic, []byte("x")), queueOn(i+k)); err != nil {
					return err
				}
			}
			return nil
		}, b)
		connected := measure()

		if got := len(m.ClientIDs()); got != n {
			b.Fatalf("%d client instances, want %d", got, n)
		}
		heap, stack, gs := idle.minus(base)
		b.ReportMetric(heap/float64(n), "heap-B/client")
		b.ReportMetric(stack/float64(n), "stack-B/client")
		b.ReportMetric(gs/float64(n), "goroutines/client")
		conns := float64(n * scaleExtraBrokers)
		heap, stack, gs = connected.minus(idle)
		b.ReportMetric(heap/conns, "heap-B/conn")
		b.ReportMetric(stack/conns, "stack-B/conn")
		b.ReportMetric(gs/conns, "goroutines/conn")
		b.ReportMetric(float64(connected.heap+connected.stack)/(1<<20), "total-MiB")

		parallel(n, func(i int) error { ps[i].Shutdown(); return nil }, b)
		_ = c.Close()
	}
}

// queueOn is the one queue of the topic on the (i mod 16)-th broker.
func queueOn(i int) client.MessageQueue {
	return client.MessageQueue{Topic: scaleTopic, BrokerName: fakecluster.BrokerName(i % scaleBrokers), QueueID: 0}
}

// parallel runs f(0..n-1) on 16 goroutines and fails tb on the first error.
func parallel(n int, f func(i int) error, tb testing.TB) {
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		mu    sync.Mutex
		first error
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("client %d: %w (cause: %v)", i, err, rootCause(err))
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		tb.Fatal(first)
	}
}

// rootCause is the innermost error of err's chain: the client's errors name the failed step,
// the cause says why.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
