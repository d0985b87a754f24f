package client

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyTable maps a send's latency to how long its broker is kept out of queue selection:
// the duration of the highest threshold the latency reaches. Java: MQFaultStrategy's
// latencyMax and notAvailableDuration arrays.
type LatencyTable struct {
	Thresholds []time.Duration
	Penalties  []time.Duration
}

// DefaultLatencyTable is Java 4.9.7's table: 550 ms of latency benches a broker for 30 s, and
// an isolated broker (any failed send) for 10 minutes.
var DefaultLatencyTable = LatencyTable{
	Thresholds: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 550 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 15 * time.Second},
	Penalties:  []time.Duration{0, 0, 30 * time.Second, 60 * time.Second, 120 * time.Second, 180 * time.Second, 600 * time.Second},
}

// isolationLatency is the latency Java books for a failed send (isolation = true).
const isolationLatency = 30 * time.Second

func (t LatencyTable) penalty(latency time.Duration) time.Duration {
	for i := min(len(t.Thresholds), len(t.Penalties)) - 1; i >= 0; i-- {
		if latency >= t.Thresholds[i] {
			return t.Penalties[i]
		}
	}
	return 0
}

// faultItem is what the producer remembers about one broker's last send.
type faultItem struct {
	broker         string
	latency        time.Duration
	availableAfter time.Time
}

func (f faultItem) available(now time.Time) bool { return !now.Before(f.availableAfter) }

// latencyFaults is Java's LatencyFaultToleranceImpl: brokers whose last send was slow or
// failed are avoided until their penalty has passed.
type latencyFaults struct {
	table LatencyTable
	mu    sync.Mutex
	items map[string]faultItem
	worst atomic.Uint32
}

func newLatencyFaults(table LatencyTable) *latencyFaults {
	return &latencyFaults{table: table, items: make(map[string]faultItem)}
}

// record books a send to broker that took latency; isolate marks a failed send.
func (l *latencyFaults) record(broker string, latency time.Duration, isolate bool) {
	if isolate {
		latency = isolationLatency
	}
	l.mu.Lock()
	l.items[broker] = faultItem{broker: broker, latency: latency, availableAfter: time.Now().Add(l.table.penalty(latency))}
	l.mu.Unlock()
}

func (l *latencyFaults) isAvailable(broker string) bool {
	l.mu.Lock()
	item, ok := l.items[broker]
	l.mu.Unlock()
	return !ok || item.available(time.Now())
}

func (l *latencyFaults) remove(broker string) {
	l.mu.Lock()
	delete(l.items, broker)
	l.mu.Unlock()
}

// pickOneAtLeast returns the broker least bad to try when none is available: sorted
// available first, then by latency, then by when they recover, and chosen in turn among the
// better half. "" when nothing is known.
func (l *latencyFaults) pickOneAtLeast() string {
	now := time.Now()
	l.mu.Lock()
	items := make([]faultItem, 0, len(l.items))
	for _, it := range l.items {
		items = append(items, it)
	}
	l.mu.Unlock()
	if len(items) == 0 {
		return ""
	}
	rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	slices.SortStableFunc(items, func(a, b faultItem) int {
		if aa, ba := a.available(now), b.available(now); aa != ba {
			if aa {
				return -1
			}
			return 1
		}
		if a.latency != b.latency {
			return cmp.Compare(a.latency, b.latency)
		}
		return a.availableAfter.Compare(b.availableAfter)
	})
	half := len(items) / 2
	if half <= 0 {
		return items[0].broker
	}
	return items[int(l.worst.Add(1)%uint32(half))].broker
}
