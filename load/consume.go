package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/remoting"
)

// Consumption is the consuming end of a run's accounting: present in the summary when the run
// had consumers. Every count is of the run's own messages (by KeyProperty).
type Consumption struct {
	Consumers int    `json:"consumers"` // at the start
	Kind      string `json:"kind"`
	// Consumed is how many distinct messages a listener consumed (returned success for).
	Consumed int64 `json:"consumed"`
	// Deliveries is every successful consumption, duplicates included.
	Deliveries int64 `json:"deliveries"`
	// Lost is acknowledged messages (oneway: stored ones) no consumer consumed by the end of
	// the drain.
	Lost int64 `json:"lost"`
	// Duplicated is consumptions beyond the first, summed over messages, by reason.
	Duplicated   int64      `json:"duplicated"`
	DuplicatedBy Duplicates `json:"duplicatedBy"`
	// Redelivered is deliveries that came back after a failed consumption (reconsume times
	// above 0), whether or not an earlier one succeeded.
	Redelivered int64 `json:"redelivered"`
	// OrderViolations (orderly runs) is first consumptions of a message that came after a later
	// message of the same sender on the same queue.
	OrderViolations int64 `json:"orderViolations"`
	// MaxLag is the most messages acknowledged and not yet consumed at a sampling tick.
	MaxLag int64 `json:"maxLag"`
	// DrainSeconds is how long after the last send the consumers took to consume everything,
	// or the drain's limit when something stayed missing.
	DrainSeconds float64 `json:"drainSeconds"`
	// EndToEndMicros is from the message's born timestamp (the producer's clock, milliseconds)
	// to its first consumption.
	EndToEndMicros Latency `json:"endToEndMicros"`
}

// Duplicates says why messages were consumed again: retry (the delivery had reconsume times
// above 0: a failed consumption came back, or a retry overtook a success), restart (the
// consumer that consumed it before had been killed, removed or restarted since) or rebalance
// (its queue moved between running consumers, or came back to the same one).
type Duplicates struct {
	Retry     int64 `json:"retry"`
	Rebalance int64 `json:"rebalance"`
	Restart   int64 `json:"restart"`
}

// consumedSet keeps, per sequence number, how often a message was consumed and by which
// consumer lifecycle last: count in the high 32 bits, lifecycle in the low ones.
type consumedSet struct {
	mu     sync.RWMutex
	chunks []*[consumedChunk]atomic.Uint64
}

const consumedChunk = 1 << 16

// consumerPullExceptionDelay is how soon the run's push consumers pull again after a failed
// pull.
const consumerPullExceptionDelay = 100 * time.Millisecond

// record counts one consumption of seq by life and returns how many there had been before and
// which lifecycle consumed it last.
func (s *consumedSet) record(seq int64, life uint32) (before uint32, lastLife uint32) {
	c, i := int(seq/consumedChunk), seq%consumedChunk
	s.mu.RLock()
	if c >= len(s.chunks) {
		s.mu.RUnlock()
		s.mu.Lock()
		for c >= len(s.chunks) {
			s.chunks = append(s.chunks, new([consumedChunk]atomic.Uint64))
		}
		s.mu.Unlock()
		s.mu.RLock()
	}
	defer s.mu.RUnlock()
	slot := &s.chunks[c][i]
	for {
		old := slot.Load()
		n := uint32(old >> 32)
		if slot.CompareAndSwap(old, uint64(n+1)<<32|uint64(life)) {
			return n, uint32(old)
		}
	}
}

// count returns how often seq was consumed.
func (s *consumedSet) count(seq int64) uint32 {
	c, i := int(seq/consumedChunk), seq%consumedChunk
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c >= len(s.chunks) {
		return 0
	}
	return uint32(s.chunks[c][i].Load() >> 32)
}

// consumerPool runs the consumers of a run, carries out the plan's consumer steps and counts
// what they consumed.
type consumerPool struct {
	r      *runner
	cfg    Config
	group  string
	nsAddr string
	dial   remoting.DialFunc
	topics []string

	mu      sync.Mutex
	members []*member // by consumer number
	lives   []*member // by lifecycle id - 1
	closed  bool

	consumed    consumedSet
	distinct    atomic.Int64
	deliveries  atomic.Int64
	redelivered atomic.Int64
	dupRetry    atomic.Int64
	dupRebal    atomic.Int64
	dupRestart  atomic.Int64
	violations  atomic.Int64

	orderMu   sync.Mutex
	orderLast map[orderKey]int64

	e2eMu sync.Mutex
	e2e   *hdrhistogram.Histogram
}

type orderKey struct {
	broker string
	queue  int32
	sender string
}

// member is one lifecycle of a numbered consumer: a restart is a new member, as a new process
// is.
type member struct {
	num    int
	life   uint32
	kill   *killSwitch
	push   *client.PushConsumer
	pull   *client.LitePullConsumer
	cancel context.CancelFunc
	polled sync.WaitGroup
	ended  atomic.Bool
}

func newConsumerPool(r *runner, c Config, runID, nsAddr string, dial remoting.DialFunc, topics []string) *consumerPool {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return &consumerPool{r: r, cfg: c, group: DefaultGroup + "_consumer_" + runID, nsAddr: nsAddr, dial: dial,
		topics: topics, orderLast: make(map[orderKey]int64), e2e: newHist()}
}

// start starts the run's first consumers.
func (p *consumerPool) start() error {
	for range p.cfg.Consumers {
		if err := p.add(); err != nil {
			return err
		}
	}
	return nil
}

func (p *consumerPool) add() error {
	p.mu.Lock()
	num := len(p.members)
	p.members = append(p.members, nil)
	p.mu.Unlock()
	return p.startMember(num)
}

// startMember starts a new lifecycle of consumer num.
func (p *consumerPool) startMember(num int) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.New("the run's consumers have stopped")
	}
	m := &member{num: num, kill: &killSwitch{dial: p.dial}}
	p.lives = append(p.lives, m)
	m.life = uint32(len(p.lives))
	p.members[num] = m
	p.mu.Unlock()

	opts := []client.Option{
		client.WithGroup(p.group),
		client.WithNameServers(p.nsAddr),
		client.WithManager(client.NewManager()),
		// A restarted process has a new instance name (Java's default is the pid).
		client.WithInstanceName(fmt.Sprintf("%s-c%d-%d", p.group, num, m.life)),
		client.WithDialer(m.kill.dialContext),
		client.WithConsumeFromWhere(client.ConsumeFromFirstOffset),
		// A new member's first pulls race its heartbeat to the other brokers (a broker's notice
		// that the group changed starts the rebalance while the heartbeats are still going
		// out, in Java as here) and fail with SUBSCRIPTION_NOT_LATEST; after Java's delay of
		// 1 s every queue's first messages would wait a second that is the start-up's, not the
		// cluster's.
		client.WithPullExceptionDelay(consumerPullExceptionDelay),
	}
	if p.cfg.RoutePollInterval > 0 {
		// A consumer takes a route's new queues at its next rebalance (Java: every 20 s), so
		// the plan's pace applies to both.
		opts = append(opts, client.WithPollNameServerInterval(p.cfg.RoutePollInterval), client.WithHeartbeatInterval(p.cfg.RoutePollInterval),
			client.WithRebalanceInterval(p.cfg.RoutePollInterval))
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	var err error
	switch p.cfg.ConsumerKind {
	case ConsumerLitePull:
		m.pull, err = client.NewLitePullConsumer(opts...)
		if err == nil {
			err = p.subscribe(m.pull.Subscribe)
		}
		if err == nil {
			err = m.pull.Start()
		}
		if err == nil {
			m.polled.Go(func() { p.poll(ctx, m) })
		}
	case ConsumerOrderly:
		m.push, err = client.NewPushConsumer(append(opts, client.WithOrderlyListener(func(ctx context.Context, msgs []*client.MessageExt, _ *client.ConsumeOrderlyContext) (client.ConsumeOrderlyStatus, error) {
			if !p.consume(ctx, m, msgs) {
				return client.SuspendCurrentQueueAMoment, nil
			}
			return client.ConsumeOrderlySuccess, nil
		}))...)
	default:
		m.push, err = client.NewPushConsumer(append(opts, client.WithConcurrentListener(func(ctx context.Context, msgs []*client.MessageExt, _ *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			if !p.consume(ctx, m, msgs) {
				return client.ReconsumeLater, nil
			}
			return client.ConsumeSuccess, nil
		}))...)
	}
	if m.push != nil && err == nil {
		if err = p.subscribe(m.push.Subscribe); err == nil {
			err = m.push.Start()
		}
	}
	if err != nil {
		p.end(m)
		return fmt.Errorf("consumer %d: %w", num, err)
	}
	return nil
}

func (p *consumerPool) subscribe(sub func(topic, expr string) error) error {
	for _, t := range p.topics {
		if err := sub(t, "*"); err != nil {
			return err
		}
	}
	return nil
}

// balanced reports whether the running consumers hold want queues between them, each queue
// once: the group has rebalanced.
func (p *consumerPool) balanced(want int) bool {
	p.mu.Lock()
	members := append([]*member(nil), p.members...)
	p.mu.Unlock()
	held := make(map[client.MessageQueue]int)
	ours := make(map[string]bool, len(p.topics))
	for _, t := range p.topics {
		ours[t] = true
	}
	for _, m := range members {
		if m == nil || m.ended.Load() {
			continue
		}
		if m.push != nil {
			for q := range m.push.Consumption().Queues {
				if ours[q.Topic] { // not the group's retry topic
					held[q]++
				}
			}
		} else {
			for _, q := range m.pull.Assignment() {
				held[q]++
			}
		}
	}
	for _, n := range held {
		if n != 1 {
			return false
		}
	}
	return len(held) == want
}

// waitBalanced waits, up to timeout, until the group has shared want queues among its
// members, so that the first sends are not measured against consumers still starting.
func (p *consumerPool) waitBalanced(ctx context.Context, want int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	check := time.NewTicker(10 * time.Millisecond)
	defer check.Stop()
	for !p.balanced(want) {
		select {
		case <-check.C:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// poll is a lite pull consumer's application loop.
func (p *consumerPool) poll(ctx context.Context, m *member) {
	for ctx.Err() == nil {
		msgs, err := m.pull.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, client.ErrConsumerNotRunning) {
				return
			}
			continue
		}
		p.consume(ctx, m, msgs)
	}
}

// consume is the listener's work on a batch: it reports false when the batch fails.
func (p *consumerPool) consume(ctx context.Context, m *member, msgs []*client.MessageExt) bool {
	if p.cfg.ConsumeTime > 0 {
		t := time.NewTimer(p.cfg.ConsumeTime * time.Duration(len(msgs)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	if m.ended.Load() {
		// A killed process consumes nothing more, whatever its goroutines still hold.
		return false
	}
	for _, msg := range msgs {
		if msg.ReconsumeTimes > 0 {
			if _, ok := p.r.parseKey(msg.Properties[KeyProperty]); ok {
				p.redelivered.Add(1)
			}
		}
	}
	if p.cfg.ConsumeFailRate > 0 && rand.Float64() < p.cfg.ConsumeFailRate {
		return false
	}
	now := time.Now()
	for _, msg := range msgs {
		seq, ok := p.r.parseKey(msg.Properties[KeyProperty])
		if !ok {
			continue // another run's message
		}
		p.deliveries.Add(1)
		before, last := p.consumed.record(seq, m.life)
		if before == 0 {
			p.distinct.Add(1)
			if msg.BornTimestamp > 0 {
				us := max(now.UnixMicro()-msg.BornTimestamp*1000, 1)
				p.e2eMu.Lock()
				_ = p.e2e.RecordValue(min(us, histMax))
				p.e2eMu.Unlock()
			}
			if p.cfg.ConsumerKind == ConsumerOrderly {
				p.checkOrder(msg, seq)
			}
			continue
		}
		switch {
		case msg.ReconsumeTimes > 0:
			p.dupRetry.Add(1)
		case p.lifeEnded(last):
			p.dupRestart.Add(1)
		default:
			p.dupRebal.Add(1)
		}
	}
	return true
}

// checkOrder counts a first consumption that comes after a later message of its sender on its
// queue: a sender's messages reach their queue in sequence order (sync sends, one at a time).
func (p *consumerPool) checkOrder(msg *client.MessageExt, seq int64) {
	k := orderKey{broker: msg.BrokerName, queue: msg.QueueID, sender: msg.Properties[SenderProperty]}
	p.orderMu.Lock()
	defer p.orderMu.Unlock()
	if last, ok := p.orderLast[k]; ok && seq < last {
		p.violations.Add(1)
		return
	}
	p.orderLast[k] = seq
}

func (p *consumerPool) lifeEnded(life uint32) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if life == 0 || int(life) > len(p.lives) {
		return false
	}
	return p.lives[life-1].ended.Load()
}

// member returns the running lifecycle of consumer num.
func (p *consumerPool) member(num int) (*member, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if num < 0 || num >= len(p.members) {
		return nil, fmt.Errorf("no consumer %d (the run has %d)", num, len(p.members))
	}
	m := p.members[num]
	if m == nil || m.ended.Load() {
		return nil, fmt.Errorf("consumer %d is not running", num)
	}
	return m, nil
}

// apply carries out a consumer step of the plan.
func (p *consumerPool) apply(s Step) error {
	switch s.Action {
	case "add-consumer":
		return p.add()
	case "restart-consumer":
		if m, err := p.member(s.Consumer); err == nil {
			p.shutdown(m, false)
		} else if s.Consumer < 0 || s.Consumer >= p.count() {
			return err
		}
		return p.startMember(s.Consumer)
	}
	m, err := p.member(s.Consumer)
	if err != nil {
		return err
	}
	switch s.Action {
	case "kill-consumer":
		p.shutdown(m, true)
	case "remove-consumer":
		p.shutdown(m, false)
	case "pause-consumer", "resume-consumer":
		pause := s.Action == "pause-consumer"
		switch {
		case m.push != nil && pause:
			m.push.Suspend()
		case m.push != nil:
			m.push.Resume()
		case pause:
			m.pull.Pause(m.pull.Assignment())
		default:
			m.pull.Resume(m.pull.Assignment())
		}
	default:
		return fmt.Errorf("unknown consumer action %q", s.Action)
	}
	return nil
}

func (p *consumerPool) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.members)
}

// shutdown ends a lifecycle: cleanly (offsets persisted, the group left), or as a killed
// process, whose connections drop before anything can be sent.
func (p *consumerPool) shutdown(m *member, kill bool) {
	if kill {
		m.ended.Store(true)
		m.kill.kill()
	}
	p.end(m)
	m.ended.Store(true)
}

func (p *consumerPool) end(m *member) {
	if m.cancel != nil {
		m.cancel()
	}
	if m.push != nil {
		m.push.Shutdown()
	}
	if m.pull != nil {
		m.pull.Shutdown()
	}
	m.polled.Wait()
	m.ended.Store(true)
}

// close shuts every running consumer down cleanly.
func (p *consumerPool) close() {
	p.mu.Lock()
	p.closed = true
	members := append([]*member(nil), p.members...)
	p.mu.Unlock()
	for _, m := range members {
		if m != nil && !m.ended.Load() {
			p.shutdown(m, false)
		}
	}
}

// missing counts the expected messages not consumed yet.
func (p *consumerPool) missing(expected func(func(int64))) int64 {
	var n int64
	expected(func(seq int64) {
		if p.consumed.count(seq) == 0 {
			n++
		}
	})
	return n
}

// endToEnd returns a copy of the end-to-end latencies so far, in microseconds.
func (p *consumerPool) endToEnd() *hdrhistogram.Histogram {
	p.e2eMu.Lock()
	defer p.e2eMu.Unlock()
	return hdrhistogram.Import(p.e2e.Export())
}

func (p *consumerPool) summary(lost int64, maxLag int64, drain time.Duration) *Consumption {
	p.e2eMu.Lock()
	h := p.e2e
	l := Latency{P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9), Max: h.Max()}
	p.e2eMu.Unlock()
	dup := Duplicates{Retry: p.dupRetry.Load(), Rebalance: p.dupRebal.Load(), Restart: p.dupRestart.Load()}
	return &Consumption{
		Consumers: p.cfg.Consumers, Kind: string(p.cfg.ConsumerKind),
		Consumed: p.distinct.Load(), Deliveries: p.deliveries.Load(), Lost: lost,
		Duplicated: dup.Retry + dup.Rebalance + dup.Restart, DuplicatedBy: dup,
		Redelivered: p.redelivered.Load(), OrderViolations: p.violations.Load(),
		MaxLag: maxLag, DrainSeconds: drain.Seconds(), EndToEndMicros: l,
	}
}

// killSwitch is a consumer process's network: kill closes its connections at once and refuses
// new ones, as the death of a process does.
type killSwitch struct {
	dial   remoting.DialFunc
	mu     sync.Mutex
	killed bool
	conns  []net.Conn
}

var errKilled = errors.New("the consumer's process was killed")

func (k *killSwitch) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	k.mu.Lock()
	dead := k.killed
	k.mu.Unlock()
	if dead {
		return nil, errKilled
	}
	c, err := k.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.killed {
		_ = c.Close()
		return nil, errKilled
	}
	k.conns = append(k.conns, c)
	return c, nil
}

func (k *killSwitch) kill() {
	k.mu.Lock()
	k.killed = true
	conns := k.conns
	k.conns = nil
	k.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// senderName is the SenderProperty value of sender s of producer p.
func senderName(p, s int) string { return strconv.Itoa(p) + "." + strconv.Itoa(s) }
