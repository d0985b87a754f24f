package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	mathbits "math/bits"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Summary is the "sim load -json" object (design.md §3); its field set is a contract.
type Summary struct {
	Mode           string  `json:"mode"`
	Producers      int     `json:"producers"`
	Concurrency    int     `json:"concurrency"`
	Size           int     `json:"size"`
	Messages       Counts  `json:"messages"`
	ElapsedSeconds float64 `json:"elapsedSeconds"`
	// Throughput is acknowledged messages per second of elapsed time.
	Throughput    float64 `json:"throughput"`
	LatencyMicros Latency `json:"latencyMicros"`
	// IntendedLatencyMicros (runs with a rate) is measured from each request's slot in the
	// rate's schedule rather than from when it went out, so that a stall counts for every
	// message it held back (coordinated omission corrected); LatencyMicros is the service time.
	IntendedLatencyMicros *Latency `json:"intendedLatencyMicros,omitempty"`
	// Consumption is the consuming end (runs with consumers).
	Consumption *Consumption `json:"consumption,omitempty"`
}

// Counts accounts for every message of a run; see the package documentation. Lost and
// Duplicated are -1 when the stores could not be read back.
type Counts struct {
	Sent       int64 `json:"sent"`
	Acked      int64 `json:"acked"`
	Failed     int64 `json:"failed"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	// Dropped counts the run's stored messages that the brokers' retention deleted before the
	// read-back (a queue's min offset past where it ended when the run began). Lost is then
	// what they cannot explain: acknowledged messages not found, less Dropped, when more.
	Dropped int64 `json:"dropped,omitempty"`
}

// Latency is the distribution of acknowledged requests' latencies (one per batch in batch
// mode, the write in oneway mode), in microseconds.
type Latency struct {
	P50  int64 `json:"p50"`
	P90  int64 `json:"p90"`
	P99  int64 `json:"p99"`
	P999 int64 `json:"p999"`
	Max  int64 `json:"max"`
}

// Result is what a run produced: the summary and what the report draws.
type Result struct {
	Summary Summary
	Config  Config // with defaults filled in
	RunID   string
	Topics  []string
	Start   time.Time
	Points  []Point
	Brokers []BrokerTotal // each broker's part of the sends, by name
	Events  []Event
	Windows []Window // the faults in force, from the plan's steps
	Notes   []string
	// StoredNotAcked counts messages stored although their send failed (a timeout after the
	// broker stored it, say): not lost, but worth knowing.
	StoredNotAcked int64
	Checked        bool // whether the stores were read back

	// The whole run's distributions, for the quantiles the summary does not carry
	// (WriteOMBResult): publish latency, and end to end (nil without consumers).
	publishHist, endToEndHist *hdrhistogram.Histogram
}

// Problems lists why the run should not pass, for an exit status a CI job can trust: messages
// lost at either end, plan steps that failed or were not reached, failed sends beyond
// Config.MaxFailed, order violations. Empty means the run passed.
func (r *Result) Problems() []string {
	var out []string
	m := r.Summary.Messages
	if m.Lost > 0 {
		out = append(out, fmt.Sprintf("%d acknowledged message(s) lost: not in any broker's store", m.Lost))
	}
	if c := r.Summary.Consumption; c != nil {
		if c.Lost > 0 {
			out = append(out, fmt.Sprintf("%d acknowledged message(s) lost: never consumed within the drain of %v", c.Lost, r.Config.Drain))
		}
		if c.OrderViolations > 0 {
			out = append(out, fmt.Sprintf("%d message(s) consumed out of order", c.OrderViolations))
		}
	}
	var failed, unreached int
	for _, ev := range r.Events {
		switch {
		case ev.NotReached:
			unreached++
		case ev.Err != "":
			failed++
		}
	}
	if failed > 0 {
		out = append(out, fmt.Sprintf("%d plan step(s) failed", failed))
	}
	if unreached > 0 {
		out = append(out, fmt.Sprintf("%d plan step(s) not reached before the run ended", unreached))
	}
	if limit := r.Config.MaxFailed; limit >= 0 && m.Failed > limit {
		out = append(out, fmt.Sprintf("%d send(s) failed, more than -max-failed %d", m.Failed, limit))
	}
	return out
}

// JSON returns the summary object of the contract.
func (r *Result) JSON() ([]byte, error) { return json.Marshal(r.Summary) }

// lockedWriter serializes progress lines from the ticker and the plan.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// ackSet is a bitmap of the sequence numbers of acknowledged messages: one bit per message,
// so a long run costs megabytes, not a map entry per message. It grows in chunks; set bits
// are written atomically.
type ackSet struct {
	mu     sync.RWMutex
	chunks []*[ackChunkWords]atomic.Uint64
}

const ackChunkWords = 1 << 12 // 262,144 messages per 32 KiB chunk

func (a *ackSet) add(seq int64) {
	word := seq / 64
	c, w := int(word/ackChunkWords), word%ackChunkWords
	a.mu.RLock()
	if c >= len(a.chunks) {
		a.mu.RUnlock()
		a.mu.Lock()
		for c >= len(a.chunks) {
			a.chunks = append(a.chunks, new([ackChunkWords]atomic.Uint64))
		}
		a.mu.Unlock()
		a.mu.RLock()
	}
	a.chunks[c][w].Or(1 << (seq % 64))
	a.mu.RUnlock()
}

// each calls f for every acknowledged sequence number, in order.
func (a *ackSet) each(f func(seq int64)) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	for c, chunk := range a.chunks {
		for w := range chunk {
			bits := chunk[w].Load()
			for bits != 0 {
				b := int64(mathbits.TrailingZeros64(bits))
				f((int64(c)*ackChunkWords+int64(w))*64 + b)
				bits &= bits - 1
			}
		}
	}
}

// limiter paces sends to a rate shared by every sender on a fixed schedule: each request has
// its slot, and after a stall the senders catch up on the slots they missed as fast as they
// can, as the requests of an open system keep arriving while it stalls. The slot is the
// request's intended send time, from which its latency counts (coordinated omission).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration // per message
	next     time.Time
}

// wait blocks until the next slot of n messages and returns it.
func (l *limiter) wait(ctx context.Context, n int) (time.Time, error) {
	if l == nil {
		return time.Time{}, ctx.Err()
	}
	l.mu.Lock()
	if l.next.IsZero() {
		l.next = time.Now()
	}
	at := l.next
	l.next = l.next.Add(time.Duration(n) * l.interval)
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return at, ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return at, nil
	case <-ctx.Done():
		return at, ctx.Err()
	}
}

type runner struct {
	cfg     Config
	runID   string
	prefix  string // runID + "-"
	topics  []string
	body    []byte
	next    atomic.Int64
	sent    atomic.Int64
	acked   ackSet
	nAcked  atomic.Int64 // acknowledgements so far, for the consumers' lag
	lim     *limiter
	coll    *collector
	errs    errorTally
	pending sync.WaitGroup // async callbacks outstanding
}

func (r *runner) key(seq int64) string { return r.prefix + strconv.FormatInt(seq, 10) }

func (r *runner) message(topic string, seq int64) *client.Message {
	m := client.NewMessage(topic, r.body)
	m.SetProperty(KeyProperty, r.key(seq))
	return m
}

func (r *runner) ack(seq int64) {
	r.acked.add(seq)
	r.nAcked.Add(1)
}

// claim reserves up to n sequence numbers; got is 0 when the message count is reached.
func (r *runner) claim(n int) (first int64, got int) {
	first = r.next.Add(int64(n)) - int64(n)
	if r.cfg.Messages > 0 {
		if first >= r.cfg.Messages {
			return 0, 0
		}
		return first, int(min(int64(n), r.cfg.Messages-first))
	}
	return first, n
}

// sender sends until sendCtx ends or the count is reached; name is its SenderProperty in an
// orderly run, whose messages it sends to one queue, chosen by its number.
func (r *runner) sender(sendCtx context.Context, p *client.Producer, st *senderStats, name string, number int) {
	orderly := r.cfg.Consumers > 0 && r.cfg.ConsumerKind == ConsumerOrderly
	pick := func(queues []client.MessageQueue, _ *client.Message) (client.MessageQueue, error) {
		return queues[number%len(queues)], nil
	}
	var sem chan struct{}
	if r.cfg.Mode == ModeAsync {
		sem = make(chan struct{}, r.cfg.InFlight)
	}
	n := 1
	if r.cfg.Mode == ModeBatch {
		n = r.cfg.BatchSize
	}
	bg := context.Background() // sends in flight finish on their own budget
	for sendCtx.Err() == nil {
		intended, err := r.lim.wait(sendCtx, n)
		if err != nil {
			return
		}
		first, got := r.claim(n)
		if got == 0 {
			return
		}
		switch r.cfg.Mode {
		case ModeSync:
			m := r.message(r.topics[first%int64(len(r.topics))], first)
			r.sent.Add(1)
			start := time.Now()
			var res *client.SendResult
			var err error
			if orderly {
				m.SetProperty(SenderProperty, name)
				res, err = p.SendWithSelector(bg, m, pick)
			} else {
				res, err = p.Send(bg, m)
			}
			st.record(intended, time.Since(start), 1, err)
			if err == nil {
				r.ack(first)
				r.coll.brokerCount(res.Queue.BrokerName, 1, 0, 0)
			}
		case ModeOneway:
			m := r.message(r.topics[first%int64(len(r.topics))], first)
			r.sent.Add(1)
			start := time.Now()
			err := p.SendOneway(bg, m)
			st.record(intended, time.Since(start), 1, err)
		case ModeBatch:
			topic := r.topics[(first/int64(n))%int64(len(r.topics))]
			msgs := make([]*client.Message, got)
			for i := range msgs {
				msgs[i] = r.message(topic, first+int64(i))
			}
			r.sent.Add(int64(got))
			start := time.Now()
			res, err := p.SendBatch(bg, msgs...)
			st.record(intended, time.Since(start), got, err)
			if err == nil {
				for i := range got {
					r.ack(first + int64(i))
				}
				r.coll.brokerCount(res.Queue.BrokerName, int64(got), 0, 0)
			}
		case ModeAsync:
			sem <- struct{}{}
			m := r.message(r.topics[first%int64(len(r.topics))], first)
			r.sent.Add(1)
			r.pending.Add(1)
			start := time.Now()
			seq := first
			p.SendAsync(bg, m, func(res *client.SendResult, err error) {
				st.record(intended, time.Since(start), 1, err)
				if err == nil {
					r.ack(seq)
					r.coll.brokerCount(res.Queue.BrokerName, 1, 0, 0)
				}
				<-sem
				r.pending.Done()
			})
		}
	}
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Run carries out a run and accounts for its messages. It returns an error when the run could
// not start (bad configuration, no cluster, producers that would not start); a plan step that
// failed is an Event with Err set, and the run goes on.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := cfg.withDefaults()
	out := &lockedWriter{w: c.Progress}
	c.Progress = out
	res := &Result{Config: c, RunID: newRunID(), Topics: c.topicNames()}
	note := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		res.Notes = append(res.Notes, s)
		fmt.Fprintln(out, "Note: "+s)
	}

	if p := c.Plan; p != nil && c.NameServer != "" && (p.Brokers > 0 || p.BrokerExpiry > 0 || p.MessageDelayLevel != "") {
		note("the plan's brokers, brokerExpiry and messageDelayLevel size the in-process cluster only: the cluster behind -namesrv keeps its own")
	}

	// The cluster: the one place a run tells an in-process cluster from an existing one.
	cluster, err := openCluster(ctx, c)
	if err != nil {
		return nil, err
	}
	defer func() { _ = cluster.Close() }()
	nsAddr, dialer := cluster.NameServerAddr(), cluster.Dialer()
	since, err := prepareTopics(ctx, cluster, res.Topics, c, note)
	if err != nil {
		note("stores will not be read back: %v", err)
	}

	// The producers. Their attempts count for the brokers' parts from the first send on:
	// failed attempts and retries, and in oneway mode, which has no result, what was written.
	coll := &collector{out: out}
	attempt := func(a client.SendAttempt) {
		var acked, failed, retries int64
		switch {
		case a.Err != nil:
			failed = 1
		case c.Mode == ModeOneway:
			acked = 1
		}
		if a.Retry {
			retries = 1
		}
		coll.brokerCount(a.Broker, acked, failed, retries)
	}
	mgr := client.NewManager()
	producers := make([]*client.Producer, 0, c.Producers)
	defer func() {
		for _, p := range producers {
			p.Shutdown()
		}
	}()
	for i := range c.Producers {
		opts := []client.Option{
			client.WithGroup(DefaultGroup),
			client.WithNameServers(nsAddr),
			client.WithManager(mgr),
			client.WithInstanceName(fmt.Sprintf("load-%s-%d", res.RunID, i)),
			client.WithSendAttemptHook(attempt),
		}
		if dialer != nil {
			opts = append(opts, client.WithDialer(dialer))
		}
		if c.SendTimeout > 0 {
			opts = append(opts, client.WithSendTimeout(c.SendTimeout))
		}
		if c.AttemptTimeout > 0 {
			opts = append(opts, client.WithAttemptTimeout(c.AttemptTimeout))
		}
		if c.Retries != 0 {
			n := max(c.Retries, 0)
			opts = append(opts, client.WithRetries(n), client.WithAsyncRetries(n))
		}
		if c.LatencyFault {
			opts = append(opts, client.WithLatencyFaultTolerance(&client.DefaultLatencyTable))
		}
		if c.RoutePollInterval > 0 {
			opts = append(opts, client.WithPollNameServerInterval(c.RoutePollInterval), client.WithHeartbeatInterval(c.RoutePollInterval))
		}
		opts = append(opts, c.ClientOptions...)
		p, err := client.NewProducer(opts...)
		if err != nil {
			return nil, fmt.Errorf("producer %d: %w", i, err)
		}
		if err := p.Start(); err != nil {
			return nil, fmt.Errorf("start producer %d: %w", i, err)
		}
		producers = append(producers, p)
	}

	// Send.
	r := &runner{cfg: c, runID: res.RunID, prefix: res.RunID + "-", topics: res.Topics, body: makeBody(c.Size)}
	if c.Rate > 0 {
		r.lim = &limiter{interval: time.Duration(float64(time.Second) / c.Rate)}
	}

	// The consumers start before the first send, in a group of the run's own.
	var cons *consumerPool
	if c.Consumers > 0 {
		cons = newConsumerPool(r, c, res.RunID, nsAddr, dialer, res.Topics)
		defer cons.close()
		if err := cons.start(); err != nil {
			return nil, err
		}
		if want := routedQueues(ctx, cluster, res.Topics); want > 0 && !cons.waitBalanced(ctx, want, c.BalanceTimeout) {
			note("the consumers had not shared the %d queues among them after %v: sending all the same", want, c.BalanceTimeout)
		}
	}

	start := time.Now()
	res.Start = start
	coll.start, coll.last = start, start
	r.coll = coll
	if cons != nil {
		r.coll.consumption = func() (int64, int64) {
			consumed := cons.distinct.Load()
			acked := r.nAcked.Load()
			if c.Mode == ModeOneway {
				acked = r.sent.Load()
			}
			return consumed, acked - consumed
		}
	}
	sendCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	if c.Messages == 0 {
		var cancel context.CancelFunc
		sendCtx, cancel = context.WithDeadline(sendCtx, start.Add(c.Duration))
		defer cancel()
	}

	// Steps at offset 0 are in force before the first send; the others follow on their own.
	var planDone chan struct{}
	var later []Event
	var marks *planMarks
	var markErr error // read once planDone is closed
	if c.Plan != nil {
		steps := c.Plan.sortedSteps()
		k := 0
		for k < len(steps) && steps[k].At <= 0 {
			k++
		}
		marks = newPlanMarks(c, cluster)
		res.Events = runPlan(sendCtx, c, cluster, cons, steps[:k], res.Topics, start, out, marks)
		planDone = make(chan struct{})
		go func() {
			defer close(planDone)
			later = runPlan(sendCtx, c, cluster, cons, steps[k:], res.Topics, start, out, marks)
			<-sendCtx.Done()
			// Windows the sending outlived end with the run's clearing of the faults, which
			// the timeline shows.
			if err := marks.stop(); err != nil {
				markErr = err
			}
		}()
	}

	var senders sync.WaitGroup
	for i, p := range producers {
		for j := range c.Concurrency {
			st := newSenderStats(&r.errs, r.lim != nil)
			r.coll.add(st)
			name, number := senderName(i, j), i*c.Concurrency+j
			senders.Go(func() { r.sender(sendCtx, p, st, name, number) })
		}
	}
	done := make(chan struct{})
	go func() {
		senders.Wait()
		r.pending.Wait()
		close(done)
	}()
	ticker := time.NewTicker(c.Interval)
	defer ticker.Stop()
	var end time.Time
loop:
	for {
		select {
		case now := <-ticker.C:
			r.coll.tick(now)
		case <-done:
			end = time.Now()
			break loop
		}
	}
	if last := end.Sub(r.coll.last); last >= c.Interval/4 || len(r.coll.points) == 0 {
		r.coll.tick(end)
	}
	stopSending()
	if planDone != nil {
		<-planDone
		res.Events = append(res.Events, later...)
		if markErr != nil {
			note("could not mark the plan's steps on the timeline: %v", markErr)
		}
	}

	// Producers leave before the stores are read, and faults go so that nothing is held.
	for _, p := range producers {
		p.Shutdown()
	}
	producers = nil
	if err := cluster.ClearFaults(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		note("could not clear the faults: %v", err)
	}
	settle := c.Settle
	if settle == 0 {
		settle = c.Plan.maxDelay() + DefaultSettle
	}
	time.Sleep(settle)

	// Account.
	var stored map[int64]int32
	var dropped int64
	if since != nil {
		stored, dropped, err = r.readBack(context.WithoutCancel(ctx), cluster, res.Topics, since)
		if err != nil {
			stored = nil
			note("could not read the stores back, lost and duplicated not checked: %v", err)
		} else {
			res.Checked = true
		}
	}
	res.Summary = r.summarize(c, end.Sub(start), stored, dropped, res)
	if dropped > 0 {
		note("the brokers' retention deleted %d stored message(s) of the run before the read-back (their store limit): "+
			"those were not read, and lost counts only the acknowledged messages not found beyond them", dropped)
	}

	// The consumers get until the drain's end to consume every acknowledged message (in
	// oneway mode, every stored one), the progress lines going on meanwhile.
	if cons != nil {
		expected := r.acked.each
		if c.Mode == ModeOneway {
			expected = func(f func(int64)) {
				for seq, n := range stored {
					if n > 0 {
						f(seq)
					}
				}
			}
		}
		deadline := time.NewTimer(max(c.Drain-time.Since(end), 0))
		missing := cons.missing(expected)
	drain:
		for missing > 0 {
			select {
			case now := <-ticker.C:
				r.coll.tick(now)
				missing = cons.missing(expected)
			case <-deadline.C:
				break drain
			case <-ctx.Done():
				break drain
			}
		}
		deadline.Stop()
		drained := time.Since(end)
		if now := time.Now(); now.Sub(r.coll.last) >= c.Interval/4 {
			r.coll.tick(now)
		}
		cons.close()
		if missing > 0 {
			drained = c.Drain
		}
		res.Summary.Consumption = cons.summary(cons.missing(expected), r.coll.maxLag, drained)
		res.endToEndHist = cons.endToEnd()
	}
	res.Points = r.coll.points
	res.Brokers = r.coll.brokerTotals()
	last := end.Sub(start)
	if n := len(res.Points); n > 0 {
		last = max(last, res.Points[n-1].Offset)
	}
	res.Windows = faultWindows(res.Events, c.PlanSpeed, end.Sub(start), last)
	res.publishHist, _ = r.coll.total()
	if c.Mode == ModeOneway && !res.Checked {
		note("oneway sends get no acknowledgement and the stores were not read: acked is 0")
	}
	for _, l := range r.errs.lines() {
		note("%s", l)
	}
	if res.StoredNotAcked > 0 {
		note("%d message(s) reported failed were stored all the same (a timeout or lost answer after the broker stored them)", res.StoredNotAcked)
	}
	return res, nil
}

// routedQueues counts the read queues of topics in their routes; 0 when a route cannot be read.
func routedQueues(ctx context.Context, cluster backend.Cluster, topics []string) int {
	n := 0
	for _, t := range topics {
		route, ok, err := cluster.Route(ctx, t)
		if err != nil || !ok {
			return 0
		}
		for _, q := range route.QueueDatas {
			n += int(q.ReadQueueNums)
		}
	}
	return n
}

// readBack counts, for every message of the run stored since the run began, how many times
// it was stored, and how many of the run's records retention deleted before it could read
// them: a queue whose min offset is past where it ended before the run is read from its min.
func (r *runner) readBack(ctx context.Context, cluster backend.Cluster, topics []string, since map[string]backend.Offsets) (map[int64]int32, int64, error) {
	stored := make(map[int64]int32)
	var dropped int64
	for _, t := range topics {
		mins, err := cluster.MinOffsets(ctx, t)
		if err != nil {
			return nil, 0, err
		}
		from := maps.Clone(since[t])
		if from == nil {
			from = backend.Offsets{}
		}
		for q, low := range mins {
			if low > from[q] {
				dropped += low - from[q]
				from[q] = low
			}
		}
		err = cluster.ScanMessages(ctx, t, from, func(m *protocol.MessageExt) error {
			if seq, ok := r.parseKey(m.Properties[KeyProperty]); ok {
				stored[seq]++
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return stored, dropped, nil
}

func (r *runner) parseKey(k string) (int64, bool) {
	rest, ok := strings.CutPrefix(k, r.prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	return seq, err == nil
}

func (r *runner) summarize(c Config, elapsed time.Duration, stored map[int64]int32, dropped int64, res *Result) Summary {
	s := Summary{Mode: string(c.Mode), Producers: c.Producers, Concurrency: c.Concurrency, Size: c.Size,
		ElapsedSeconds: elapsed.Seconds()}
	s.Messages.Sent = r.sent.Load()
	var acked int64
	r.acked.each(func(int64) { acked++ })
	if stored == nil {
		s.Messages.Lost, s.Messages.Duplicated = -1, -1
		if c.Mode == ModeOneway {
			acked = 0
		}
	} else {
		var lost, dup, storedAny int64
		for _, n := range stored {
			if n > 0 {
				storedAny++
				dup += int64(n - 1)
			}
		}
		if c.Mode == ModeOneway {
			acked = storedAny
		} else {
			var ackedStored int64
			r.acked.each(func(seq int64) {
				if stored[seq] == 0 {
					lost++
				} else {
					ackedStored++
				}
			})
			res.StoredNotAcked = storedAny - ackedStored
			// Each deleted record held at most one acknowledged message.
			lost = max(0, lost-dropped)
		}
		s.Messages.Lost, s.Messages.Duplicated, s.Messages.Dropped = lost, dup, dropped
	}
	s.Messages.Acked = acked
	s.Messages.Failed = s.Messages.Sent - acked
	if elapsed > 0 {
		s.Throughput = float64(acked) / elapsed.Seconds()
	}
	h, intended := r.coll.total()
	s.LatencyMicros = latencyOf(h)
	if intended != nil {
		l := latencyOf(intended)
		s.IntendedLatencyMicros = &l
	}
	return s
}

func latencyOf(h *hdrhistogram.Histogram) Latency {
	return Latency{P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9), Max: h.Max()}
}

// makeBody returns size bytes of printable, poorly compressible text.
func makeBody(size int) []byte {
	b := make([]byte, size)
	_, _ = rand.Read(b)
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return b
}

// openCluster reaches the cluster of the run: the name server's when one is given, else a
// fake cluster in this process, sized as the configuration and the plan ask.
func openCluster(ctx context.Context, c Config) (backend.Cluster, error) {
	if c.NameServer != "" && c.SimAdmin != "" {
		return backend.NewSimAdmin(c.NameServer, c.SimAdmin, c.SimAdminToken)
	}
	if c.NameServer != "" {
		return backend.NewRemote(c.NameServer), nil
	}
	opts := []fakecluster.Option{fakecluster.WithBrokers(c.Brokers), fakecluster.WithAutoCreateTopic(true)}
	if c.MemNetwork {
		opts = append(opts, fakecluster.WithMemNetwork(remoting.NewMemNetwork()))
	}
	if c.Plan != nil && c.Plan.MessageDelayLevel != "" {
		opts = append(opts, fakecluster.WithBrokerOptions(fakebroker.WithMessageDelayLevel(c.Plan.MessageDelayLevel)))
	}
	if c.Plan != nil && c.Plan.BrokerExpiry > 0 {
		exp := c.scale(c.Plan.BrokerExpiry.D())
		opts = append(opts,
			fakecluster.WithNameServerOptions(fakenamesrv.WithBrokerExpiry(exp), fakenamesrv.WithScanInterval(exp/4, exp/4)),
			fakecluster.WithBrokerOptions(fakebroker.WithRegisterInterval(exp/3)))
	}
	fc, err := fakecluster.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("start the in-process cluster: %w", err)
	}
	if err := fc.Start(ctx); err != nil {
		return nil, fmt.Errorf("start the in-process cluster: %w", err)
	}
	if c.OnCluster != nil {
		if detach := c.OnCluster(fc); detach != nil {
			return detachingCluster{backend.NewFake(fc), detach}, nil
		}
	}
	return backend.NewFake(fc), nil
}

// detachingCluster calls detach (Config.OnCluster's) before the cluster closes.
type detachingCluster struct {
	*backend.Fake
	detach func()
}

func (d detachingCluster) Close() error {
	d.detach()
	return d.Fake.Close()
}

// timelineMarker is a cluster whose timeline a run marks itself (backend.SimAdmin).
type timelineMarker interface {
	Mark(ctx context.Context, label string) error
}

// planMarks puts each plan step on the timelines the run marks (Config.Mark, the cluster's
// admin API), at once or, for a fault window's start and end, when due; stop cancels those
// not yet due.
type planMarks struct {
	marks []func(string) error

	mu      sync.Mutex
	timers  []*time.Timer
	stopped bool
	err     error // the first mark that failed, for a note
}

func newPlanMarks(c Config, cluster backend.Cluster) *planMarks {
	p := &planMarks{}
	if c.Mark != nil {
		p.marks = append(p.marks, func(label string) error { c.Mark(label); return nil })
	}
	if m, ok := cluster.(timelineMarker); ok {
		p.marks = append(p.marks, func(label string) error { return m.Mark(context.Background(), label) })
	}
	return p
}

func (p *planMarks) mark(label string) {
	for _, m := range p.marks {
		if err := m(label); err != nil {
			p.mu.Lock()
			if p.err == nil {
				p.err = err
			}
			p.mu.Unlock()
		}
	}
}

// after marks label in d, unless the run stops first.
func (p *planMarks) after(d time.Duration, label string) {
	if len(p.marks) == 0 {
		return
	}
	if d <= 0 {
		p.mark(label)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.timers = append(p.timers, time.AfterFunc(d, func() { p.mark(label) }))
	}
}

// step marks a step applied: its text, and for a fault rule with a window, when the window
// opens and ends (scaled as the rule was); a window still open at the end of sending is left
// to the run's clearing of the faults, which the timeline shows.
func (p *planMarks) step(s Step, text string, err error, speed float64) {
	if len(p.marks) == 0 {
		return
	}
	if err != nil {
		p.mark(text + ": FAILED: " + err.Error())
		return
	}
	p.mark(text)
	if s.Action != "fault" {
		return
	}
	r := s.Fault.Rule
	from, length := r.From, r.For
	if speed > 0 && speed != 1 {
		from, length = time.Duration(float64(from)/speed), time.Duration(float64(length)/speed)
	}
	if from > 0 {
		p.after(from, "fault window opens: "+text)
	}
	if length > 0 {
		p.after(from+length, "fault window ends: "+text)
	}
}

// stop cancels the marks not yet due and returns the first mark that failed.
func (p *planMarks) stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for _, t := range p.timers {
		t.Stop()
	}
	return p.err
}

// prepareTopics gives every topic of the run a route, creating it on the plan's brokers (every
// broker by default) when it has none, and returns where each of their queues ends before the
// run, from where the stores are read back. A topic that cannot be created is left to the
// brokers' auto-create; an error means the stores cannot be read back.
func prepareTopics(ctx context.Context, cluster backend.Cluster, topics []string, c Config, note func(string, ...any)) (map[string]backend.Offsets, error) {
	var brokers []string
	if c.Plan != nil {
		brokers = c.Plan.TopicBrokers
	}
	since := make(map[string]backend.Offsets, len(topics))
	for _, t := range topics {
		if _, ok, err := cluster.Route(ctx, t); err != nil || !ok {
			if err := cluster.CreateTopic(ctx, t, c.Queues, brokers...); err != nil {
				note("topic %s has no route and could not be created (%v): relying on the brokers' auto-create", t, err)
			}
		}
		off, err := cluster.Offsets(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("offsets of %s: %w", t, err)
		}
		since[t] = off
	}
	return since, nil
}

// runPlan applies steps (sorted) at their offsets from start until sendCtx ends; a step the
// run ended before is an Event that was not reached.
func runPlan(sendCtx context.Context, c Config, cluster backend.Cluster, cons *consumerPool, steps []Step, topics []string, start time.Time, out io.Writer, marks *planMarks) []Event {
	var events []Event
	for _, s := range steps {
		at := c.scale(s.At.D())
		notReached := func() {
			ev := Event{Offset: at, Text: s.describe(c.PlanSpeed), Err: "not reached (the run ended)", NotReached: true, step: s}
			fmt.Fprintf(out, "Plan step +%.2fs: %s: %s\n", at.Seconds(), ev.Text, ev.Err)
			events = append(events, ev)
		}
		if d := time.Until(start.Add(at)); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-sendCtx.Done():
				t.Stop()
				notReached()
				continue
			}
		}
		if sendCtx.Err() != nil {
			notReached()
			continue
		}
		stepCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := applyStep(stepCtx, cluster, cons, s, topics, c.PlanSpeed, c.Queues)
		cancel()
		ev := Event{Offset: time.Since(start), Text: s.describe(c.PlanSpeed), step: s}
		marks.step(s, ev.Text, err, c.PlanSpeed)
		if err != nil {
			ev.Err = err.Error()
			fmt.Fprintf(out, "Plan step +%.2fs: %s: FAILED: %v\n", ev.Offset.Seconds(), ev.Text, err)
		} else {
			fmt.Fprintf(out, "Plan step +%.2fs: %s\n", ev.Offset.Seconds(), ev.Text)
		}
		events = append(events, ev)
	}
	return events
}
