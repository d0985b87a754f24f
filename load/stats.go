package load

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketsim/rocketsim/client"
)

// Histogram bounds: 1 µs to 10 minutes at 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(10 * time.Minute / time.Microsecond)
	histDigits = 3
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

// senderStats is what one sender (and the async callbacks of its sends) recorded. The progress
// ticker drains the interval part.
type senderStats struct {
	errs     *errorTally
	mu       sync.Mutex
	interval *hdrhistogram.Histogram // latencies of this interval, µs
	total    *hdrhistogram.Histogram
	// With a rate, latencies from each request's intended send time (its slot in the rate's
	// schedule), which a stall cannot hide: nil without a rate.
	intendedInterval *hdrhistogram.Histogram
	intendedTotal    *hdrhistogram.Histogram
	ok               int64 // messages acknowledged (oneway: written) in this interval
	rtSum            int64 // µs, this interval, of the requests counted in reqs
	reqs             int64
	sendFailed       int64 // cumulative, messages
	respFailed       int64 // cumulative, messages
	maxRT            int64 // µs, cumulative
}

func newSenderStats(errs *errorTally, paced bool) *senderStats {
	s := &senderStats{errs: errs, interval: newHist(), total: newHist()}
	if paced {
		s.intendedInterval, s.intendedTotal = newHist(), newHist()
	}
	return s
}

// errorTally counts failed messages by error text, for the notes: the first maxErrorTexts
// texts, then "other".
type errorTally struct {
	mu    sync.Mutex
	n     map[string]int64
	order []string
}

const maxErrorTexts = 8

func (t *errorTally) add(err error, n int) {
	text := err.Error()
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = make(map[string]int64)
	}
	if _, ok := t.n[text]; !ok {
		if len(t.order) >= maxErrorTexts {
			text = "other errors"
		}
		if _, ok := t.n[text]; !ok {
			t.order = append(t.order, text)
		}
	}
	t.n[text] += int64(n)
}

// lines returns "N message(s): text" per error text, in order of first appearance.
func (t *errorTally) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.order))
	for _, text := range t.order {
		out = append(out, fmt.Sprintf("%d message(s) failed with: %s", t.n[text], text))
	}
	return out
}

// record counts one request of n messages that took lat and ended with err; intended is when
// the rate's schedule meant it to be sent (zero without a rate).
func (s *senderStats) record(intended time.Time, lat time.Duration, n int, err error) {
	us := max(lat.Microseconds(), 1)
	var late int64
	if s.intendedTotal != nil && !intended.IsZero() {
		late = max(time.Since(intended).Microseconds(), us)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs.add(err, n)
		var be *client.BrokerError
		if errors.As(err, &be) {
			s.respFailed += int64(n)
		} else {
			s.sendFailed += int64(n)
		}
		return
	}
	_ = s.interval.RecordValue(min(us, histMax))
	_ = s.total.RecordValue(min(us, histMax))
	if late > 0 {
		_ = s.intendedInterval.RecordValue(min(late, histMax))
		_ = s.intendedTotal.RecordValue(min(late, histMax))
	}
	s.ok += int64(n)
	s.rtSum += us
	s.reqs++
	s.maxRT = max(s.maxRT, us)
}

// Point is one sampling interval of a run, for the report.
type Point struct {
	Offset     time.Duration // end of the interval, since the start of sending
	TPS        float64       // messages acknowledged per second
	FailedTPS  float64       // messages failed per second
	AvgMs      float64
	P50Ms      float64
	P75Ms      float64
	P95Ms      float64
	P99Ms      float64
	P999Ms     float64
	P9999Ms    float64
	MaxMs      float64
	SendFailed int64 // cumulative
	RespFailed int64 // cumulative
	// IntendedP99Ms is the interval's p99 from the intended send times (runs with a rate).
	IntendedP99Ms float64
	// ConsumeTPS is first consumptions per second, Lag the messages acknowledged and not yet
	// consumed at the end of the interval (runs with consumers).
	ConsumeTPS float64
	Lag        int64
	// Brokers is each broker's share of the interval, by name, every broker seen so far in
	// the run listed (a crashed one at 0), so that traffic moving between brokers shows.
	Brokers []BrokerPoint
}

// BrokerPoint is one broker's part of an interval, per second.
type BrokerPoint struct {
	Broker    string
	TPS       float64 // messages acknowledged by it (oneway: attempts written to it)
	FailedPS  float64 // attempts at it that failed
	RetriesPS float64 // attempts at it that retried a send whose earlier attempt failed
}

// BrokerTotal is one broker's part of the whole run.
type BrokerTotal struct {
	Broker  string
	Acked   int64 // messages
	Failed  int64 // attempts
	Retries int64 // attempts
}

// brokerTally counts one broker's acknowledged messages and its failed and retry attempts,
// for the interval and the run.
type brokerTally struct {
	acked, failed, retries    int64 // this interval
	tAcked, tFailed, tRetries int64 // the run
}

// collector merges the senders' stats at each tick.
type collector struct {
	mu       sync.Mutex
	senders  []*senderStats
	start    time.Time
	last     time.Time
	lastFail int64
	points   []Point
	out      io.Writer
	// consumption, when the run has consumers, returns how many distinct messages were
	// consumed and how many acknowledged ones are not yet.
	consumption  func() (consumed, lag int64)
	lastConsumed int64
	maxLag       int64

	// The brokers' parts, from the send results and the producers' attempt hooks, which run
	// on many goroutines: a lock of their own, not the tick's.
	bmu     sync.Mutex
	brokers map[string]*brokerTally
}

// brokerCount adds to broker's tally: acked messages, failed attempts, retry attempts.
func (c *collector) brokerCount(broker string, acked, failed, retries int64) {
	if broker == "" {
		return
	}
	c.bmu.Lock()
	defer c.bmu.Unlock()
	if c.brokers == nil {
		c.brokers = make(map[string]*brokerTally)
	}
	b := c.brokers[broker]
	if b == nil {
		b = &brokerTally{}
		c.brokers[broker] = b
	}
	b.acked += acked
	b.failed += failed
	b.retries += retries
	b.tAcked += acked
	b.tFailed += failed
	b.tRetries += retries
}

// brokerInterval drains the brokers' interval counts into rates over secs.
func (c *collector) brokerInterval(secs float64) []BrokerPoint {
	c.bmu.Lock()
	defer c.bmu.Unlock()
	out := make([]BrokerPoint, 0, len(c.brokers))
	for name, b := range c.brokers {
		out = append(out, BrokerPoint{Broker: name, TPS: float64(b.acked) / secs, FailedPS: float64(b.failed) / secs, RetriesPS: float64(b.retries) / secs})
		b.acked, b.failed, b.retries = 0, 0, 0
	}
	slices.SortFunc(out, func(a, b BrokerPoint) int { return strings.Compare(a.Broker, b.Broker) })
	return out
}

// brokerTotals is each broker's part of the run, by name.
func (c *collector) brokerTotals() []BrokerTotal {
	c.bmu.Lock()
	defer c.bmu.Unlock()
	out := make([]BrokerTotal, 0, len(c.brokers))
	for name, b := range c.brokers {
		out = append(out, BrokerTotal{Broker: name, Acked: b.tAcked, Failed: b.tFailed, Retries: b.tRetries})
	}
	slices.SortFunc(out, func(a, b BrokerTotal) int { return strings.Compare(a.Broker, b.Broker) })
	return out
}

func (c *collector) add(s *senderStats) {
	c.mu.Lock()
	c.senders = append(c.senders, s)
	c.mu.Unlock()
}

// tick closes an interval at now, prints the progress line and keeps the point.
func (c *collector) tick(now time.Time) Point {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, hi := newHist(), newHist()
	var ok, rtSum, reqs, sendFailed, respFailed, maxRT int64
	for _, s := range c.senders {
		s.mu.Lock()
		h.Merge(s.interval)
		s.interval.Reset()
		if s.intendedInterval != nil {
			hi.Merge(s.intendedInterval)
			s.intendedInterval.Reset()
		}
		ok += s.ok
		rtSum += s.rtSum
		reqs += s.reqs
		s.ok, s.rtSum, s.reqs = 0, 0, 0
		sendFailed += s.sendFailed
		respFailed += s.respFailed
		maxRT = max(maxRT, s.maxRT)
		s.mu.Unlock()
	}
	secs := now.Sub(c.last).Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	c.last = now
	p := Point{
		Offset:     now.Sub(c.start),
		TPS:        float64(ok) / secs,
		FailedTPS:  float64(sendFailed+respFailed-c.lastFail) / secs,
		P50Ms:      ms(h.ValueAtQuantile(50)),
		P75Ms:      ms(h.ValueAtQuantile(75)),
		P95Ms:      ms(h.ValueAtQuantile(95)),
		P99Ms:      ms(h.ValueAtQuantile(99)),
		P999Ms:     ms(h.ValueAtQuantile(99.9)),
		P9999Ms:    ms(h.ValueAtQuantile(99.99)),
		MaxMs:      ms(h.Max()),
		SendFailed: sendFailed,
		RespFailed: respFailed,
	}
	c.lastFail = sendFailed + respFailed
	if reqs > 0 {
		p.AvgMs = float64(rtSum) / float64(reqs) / 1000
	}
	p.IntendedP99Ms = ms(hi.ValueAtQuantile(99))
	p.Brokers = c.brokerInterval(secs)
	line := ProgressLine(p, maxRT)
	if c.consumption != nil {
		consumed, lag := c.consumption()
		p.ConsumeTPS = float64(consumed-c.lastConsumed) / secs
		p.Lag = max(lag, 0)
		c.lastConsumed = consumed
		c.maxLag = max(c.maxLag, p.Lag)
		line += fmt.Sprintf(" Consume TPS: %d Lag: %d", int64(p.ConsumeTPS+0.5), p.Lag)
	}
	line += BrokerColumns(p.Brokers)
	c.points = append(c.points, p)
	fmt.Fprintln(c.out, line)
	return p
}

// total merges every sender's whole-run histogram, and the intended-time one (nil without a
// rate).
func (c *collector) total() (service, intended *hdrhistogram.Histogram) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := newHist()
	for _, s := range c.senders {
		s.mu.Lock()
		h.Merge(s.total)
		if s.intendedTotal != nil {
			if intended == nil {
				intended = newHist()
			}
			intended.Merge(s.intendedTotal)
		}
		s.mu.Unlock()
	}
	return h, intended
}

func ms(us int64) float64 { return float64(us) / 1000 }

// ProgressLine is one progress line: the Java benchmark tool's columns, its Current Time as
// seconds since the start of sending (as the plan steps and the report count time), then Send
// TPS of the interval, Max RT since the start, Average RT of the interval, Send Failed and
// Response Failed since the start; then the interval's p50, p99 and p99.9 in milliseconds.
func ProgressLine(p Point, maxRTMicros int64) string {
	return fmt.Sprintf("Elapsed(s): %.2f Send TPS: %d Max RT(ms): %d Average RT(ms): %7.3f Send Failed: %d Response Failed: %d p50(ms): %.3f p99(ms): %.3f p99.9(ms): %.3f",
		p.Offset.Seconds(), int64(p.TPS+0.5), (maxRTMicros+999)/1000, p.AvgMs, p.SendFailed, p.RespFailed, p.P50Ms, p.P99Ms, p.P999Ms)
}

// BrokerColumns is the brokers' part of a progress line, " | NAME TPS: n Failed/s: n
// Retries/s: n" per broker, the last columns so that the fixed ones keep their places.
func BrokerColumns(brokers []BrokerPoint) string {
	var b strings.Builder
	for _, bp := range brokers {
		fmt.Fprintf(&b, " | %s TPS: %d Failed/s: %d Retries/s: %d", bp.Broker, int64(bp.TPS+0.5), int64(bp.FailedPS+0.5), int64(bp.RetriesPS+0.5))
	}
	return b.String()
}
