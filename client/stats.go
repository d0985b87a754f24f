package client

import (
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// consumerStats is Java's ConsumerStatsManager: per topic and group, pull and consume response
// times and throughput, for GET_CONSUMER_RUNNING_INFO. Java samples cumulative counters every
// 10 s and reports the last minute (and hour); here each item adds into 10 s buckets of the
// last hour and a report sums the buckets that fall in the window, the current one included.
// Every consumed message adds to two items from many consume goroutines: the items sit in a
// sync.Map and each has its own lock, so that they do not queue on one.
type consumerStats struct {
	items sync.Map // statsKey -> *statsItem
}

type statsKind int

const (
	statsPullRT statsKind = iota
	statsPullTPS
	statsConsumeRT
	statsConsumeOKTPS
	statsConsumeFailedTPS
)

type statsKey struct {
	kind  statsKind
	topic string
	group string
}

const (
	statsBucket  = 10 * time.Second
	statsBuckets = int(time.Hour / statsBucket)
)

// statsItem is a ring of buckets, each the sum and count of what was added in its 10 s.
type statsItem struct {
	mu    sync.Mutex
	slot  [statsBuckets]int64 // the bucket number each slot holds
	sum   [statsBuckets]int64
	times [statsBuckets]int64
}

func newConsumerStats() *consumerStats { return &consumerStats{} }

func (s *consumerStats) add(kind statsKind, group, topic string, value int64) {
	now := time.Now().UnixNano() / int64(statsBucket)
	k := statsKey{kind, topic, group}
	v, ok := s.items.Load(k)
	if !ok {
		v, _ = s.items.LoadOrStore(k, &statsItem{})
	}
	it := v.(*statsItem)
	it.mu.Lock()
	defer it.mu.Unlock()
	i := int(now % int64(statsBuckets))
	if it.slot[i] != now {
		it.slot[i], it.sum[i], it.times[i] = now, 0, 0
	}
	it.sum[i] += value
	it.times[i]++
}

// window sums what was added in the last span.
func (s *consumerStats) window(kind statsKind, group, topic string, span time.Duration) (sum, times int64) {
	now := time.Now().UnixNano() / int64(statsBucket)
	oldest := now - int64(span/statsBucket) + 1
	v, ok := s.items.Load(statsKey{kind, topic, group})
	if !ok {
		return 0, 0
	}
	it := v.(*statsItem)
	it.mu.Lock()
	defer it.mu.Unlock()
	for i := range statsBuckets {
		if it.slot[i] >= oldest && it.slot[i] <= now {
			sum += it.sum[i]
			times += it.times[i]
		}
	}
	return sum, times
}

func (s *consumerStats) incPullRT(group, topic string, rt time.Duration) {
	s.add(statsPullRT, group, topic, rt.Milliseconds())
}
func (s *consumerStats) incPullTPS(group, topic string, n int) {
	s.add(statsPullTPS, group, topic, int64(n))
}
func (s *consumerStats) incConsumeRT(group, topic string, rt time.Duration) {
	s.add(statsConsumeRT, group, topic, rt.Milliseconds())
}
func (s *consumerStats) incConsumeOKTPS(group, topic string, n int) {
	s.add(statsConsumeOKTPS, group, topic, int64(n))
}
func (s *consumerStats) incConsumeFailedTPS(group, topic string, n int) {
	s.add(statsConsumeFailedTPS, group, topic, int64(n))
}

// consumeStatus is consumeStatus: averages and rates of the last minute, the consume response
// time of the last hour when the minute had none, and the failed messages of the last hour.
func (s *consumerStats) consumeStatus(group, topic string) protocol.ConsumeStatus {
	avg := func(kind statsKind, span time.Duration) float64 {
		sum, times := s.window(kind, group, topic, span)
		if times == 0 {
			return 0
		}
		return float64(sum) / float64(times)
	}
	tps := func(kind statsKind) float64 {
		sum, _ := s.window(kind, group, topic, time.Minute)
		return float64(sum) / time.Minute.Seconds()
	}
	cs := protocol.ConsumeStatus{
		PullRT: avg(statsPullRT, time.Minute), PullTPS: tps(statsPullTPS),
		ConsumeRT: avg(statsConsumeRT, time.Minute), ConsumeOKTPS: tps(statsConsumeOKTPS),
		ConsumeFailedTPS: tps(statsConsumeFailedTPS),
	}
	if sum, _ := s.window(statsConsumeRT, group, topic, time.Minute); sum == 0 {
		cs.ConsumeRT = avg(statsConsumeRT, time.Hour)
	}
	cs.ConsumeFailedMsgs, _ = s.window(statsConsumeFailedTPS, group, topic, time.Hour)
	return cs
}
