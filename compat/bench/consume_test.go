package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
)

// The consumer race's settings, the same for both clients and set on both explicitly:
// DefaultMQPushConsumer's defaults (the official client's own differ in the flow control, 1,024
// messages cached per queue), so that a change of either client's defaults cannot change the
// race unseen.
const (
	backlogTopic        = "ConsumeRaceBacklog"
	liveTopic           = "ConsumeRaceLive"
	consumeQueues       = 8
	consumePullBatch    = 32
	consumeBatch        = 1
	consumeGoroutines   = 20
	consumeQueueCache   = 1000 // messages cached per queue before pulls wait (flow control)
	backlogLoadBatch    = 512  // messages per batch send while loading (64 KiB of bodies)
	backlogLoadSenders  = 4
	liveAsyncWindow     = 1024 // sends in flight at once behind the live producer
	liveWarmupSeq       = math.MaxUint64
	consumeStartTimeout = time.Minute
)

// The race's sizes, from the environment so that race scripts and CI can scale them without
// rebuilding: RACE_BACKLOG messages pre-loaded (1,000,000; 20,000 with -short), and
// RACE_LIVE_MESSAGES sent at RACE_LIVE_RATE per second behind a live consumer (30,000 at
// 5,000/s; 2,000 with -short).
func backlogSize() int  { return envInt("RACE_BACKLOG", 1_000_000, 20_000) }
func liveMessages() int { return envInt("RACE_LIVE_MESSAGES", 30_000, 2_000) }
func liveRate() int     { return envInt("RACE_LIVE_RATE", 5_000, 5_000) }

func envInt(name string, full, short int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	if testing.Short() {
		return short
	}
	return full
}

// pushClient starts one push consumer of either client on a topic with the race's settings.
// Each consumed message is handed to onMessage (on a consume goroutine); stop shuts the
// consumer down.
type pushClient func(tb testing.TB, nameServer, topic, group string, fromFirst bool, onMessage func(queue int32, offset int64, body []byte)) (stop func())

func startOursConsumer(tb testing.TB, nameServer, topic, group string, fromFirst bool, onMessage func(int32, int64, []byte)) func() {
	tb.Helper()
	from := client.ConsumeFromLastOffset
	if fromFirst {
		from = client.ConsumeFromFirstOffset
	}
	c, err := client.NewPushConsumer(
		client.WithGroup(group),
		client.WithInstanceName("race_ours_"+group),
		client.WithNameServers(nameServer),
		client.WithManager(client.NewManager()),
		client.WithConsumeFromWhere(from),
		client.WithPullBatchSize(consumePullBatch),
		client.WithConsumeMessageBatchMaxSize(consumeBatch),
		client.WithConsumeGoroutines(consumeGoroutines, consumeGoroutines),
		client.WithPullThresholdForQueue(consumeQueueCache),
		client.WithConcurrentListener(func(_ context.Context, msgs []*client.MessageExt, _ *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			for _, m := range msgs {
				onMessage(m.QueueID, m.QueueOffset, m.Body)
			}
			return client.ConsumeSuccess, nil
		}),
	)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Subscribe(topic, "*"); err != nil {
		tb.Fatal(err)
	}
	if err := c.Start(); err != nil {
		tb.Fatal(err)
	}
	return c.Shutdown
}

func startOfficialConsumer(tb testing.TB, nameServer, topic, group string, fromFirst bool, onMessage func(int32, int64, []byte)) func() {
	tb.Helper()
	from := consumer.ConsumeFromLastOffset
	if fromFirst {
		from = consumer.ConsumeFromFirstOffset
	}
	c, err := rocketmq.NewPushConsumer(
		consumer.WithGroupName(group),
		consumer.WithInstance("race_official_"+group),
		consumer.WithNameServer([]string{nameServer}),
		consumer.WithConsumeFromWhere(from),
		consumer.WithPullBatchSize(consumePullBatch),
		consumer.WithConsumeMessageBatchMaxSize(consumeBatch),
		consumer.WithConsumeGoroutineNums(consumeGoroutines),
		consumer.WithPullThresholdForQueue(consumeQueueCache),
	)
	if err != nil {
		tb.Fatal(err)
	}
	err = c.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			onMessage(int32(m.Queue.QueueId), m.QueueOffset, m.Body)
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Start(); err != nil {
		tb.Fatal(err)
	}
	return func() { _ = c.Shutdown() }
}

var consumers = []struct {
	name  string
	start pushClient
}{
	{"ours", startOursConsumer},
	{"official", startOfficialConsumer},
}

// backlogCluster is the one fake cluster every backlog run of the process reads: loading a
// million messages takes longer than consuming them, so it is loaded once, and each run
// consumes all of it from the first offset in a consumer group of its own. TestMain closes it.
var backlogCluster struct {
	once   sync.Once
	c      *fakecluster.Cluster
	err    error
	counts []int64 // messages per queue
}

func loadedBacklog(b *testing.B) (*fakecluster.Cluster, []int64) {
	b.Helper()
	backlogCluster.once.Do(func() {
		backlogCluster.c, backlogCluster.counts, backlogCluster.err = loadBacklog(backlogSize())
	})
	if backlogCluster.err != nil {
		b.Fatal(backlogCluster.err)
	}
	return backlogCluster.c, backlogCluster.counts
}

// loadBacklog starts a cluster and stores n messages in the backlog topic through our
// producer's batch sends (round robin over the queues).
func loadBacklog(n int) (*fakecluster.Cluster, []int64, error) {
	// The whole backlog stays: a million records pass the broker's default 256 MiB retention,
	// and the race reads from the first offset.
	c, err := fakecluster.New(fakecluster.WithTopic(backlogTopic, consumeQueues),
		fakecluster.WithBrokerOptions(fakebroker.WithStoreLimit(0)))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*fakecluster.Cluster, []int64, error) {
		_ = c.Close()
		return nil, nil, err
	}
	p, err := client.NewProducer(
		client.WithGroup("race_backlog_loader"),
		client.WithInstanceName("race_backlog_loader"),
		client.WithNameServers(c.NameServerAddr()),
		client.WithManager(client.NewManager()),
	)
	if err != nil {
		return fail(err)
	}
	if err := p.Start(); err != nil {
		return fail(err)
	}
	defer p.Shutdown()
	body := raceBodyBytes()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		loadErr error
	)
	for range backlogLoadSenders {
		wg.Go(func() {
			for {
				first := int(next.Add(backlogLoadBatch)) - backlogLoadBatch
				if first >= n {
					return
				}
				msgs := make([]*client.Message, 0, backlogLoadBatch)
				for range min(backlogLoadBatch, n-first) {
					msgs = append(msgs, client.NewMessage(backlogTopic, body))
				}
				if _, err := p.SendBatch(ctx, msgs...); err != nil {
					errOnce.Do(func() { loadErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if loadErr != nil {
		return fail(fmt.Errorf("loading the backlog: %w", loadErr))
	}
	a, _ := c.Broker(fakecluster.BrokerName(0))
	counts := make([]int64, consumeQueues)
	var total int64
	for q := range counts {
		counts[q] = a.MaxOffset(backlogTopic, int32(q))
		total += counts[q]
	}
	if total != int64(n) {
		return fail(fmt.Errorf("the backlog holds %d messages, want %d", total, n))
	}
	return c, counts, nil
}

// closeBacklogCluster closes the backlog cluster, if one was loaded, and forgets it: a later
// backlog run loads a new one.
func closeBacklogCluster() {
	if backlogCluster.c != nil {
		_ = backlogCluster.c.Close()
	}
	backlogCluster.once = sync.Once{}
	backlogCluster.c, backlogCluster.counts, backlogCluster.err = nil, nil, nil
}

func raceBodyBytes() []byte {
	body := make([]byte, raceBody)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	return body
}

// BenchmarkConsumeRace races our push consumer against the official Go client v2.1.2's through
// the same kind of fake broker on loopback TCP (1 name server, 1 broker, topics of 8 queues,
// 128-byte bodies), both with pull batch 32, consume batch 1, 20 consume goroutines and a
// listener that only counts:
//
//   - kind=backlog: RACE_BACKLOG messages (1,000,000; 20,000 with -short) are stored before the
//     clock starts; a consumer in a new group reads them all from the first offset. msgs/s is
//     the distinct messages consumed over the time from the first consumed to the last;
//     start-ms is from Start to the first message (rebalance, offset query, first pull).
//   - kind=live: our producer sends RACE_LIVE_MESSAGES (30,000; 2,000 with -short) at
//     RACE_LIVE_RATE per second (5,000) while the consumer, started first and polling every
//     queue, keeps up. p50-ms and p99-ms are the time from the send call (carried in the body
//     in ns: a message's BornTimestamp has only ms) to the listener; msgs/s is the distinct
//     messages consumed over the time from the first send to the last consumed.
//
// Both report dup-msgs (deliveries beyond the first; 0 expected) and cpu-µs/msg (the whole
// process: consumer, broker and, for live, the producer). Sub-benchmarks are named
// kind=K/client=C for benchstat -col /client; consume-race.sh alternates the clients.
func BenchmarkConsumeRace(b *testing.B) {
	b.Run("kind=backlog", func(b *testing.B) {
		for _, cl := range consumers {
			b.Run("client="+cl.name, func(b *testing.B) { consumeBacklog(b, cl.start) })
		}
		// The live runs measure latency: a collection that marks a million stored messages
		// would be a pause in whichever client's run it fell.
		closeBacklogCluster()
	})
	b.Run("kind=live", func(b *testing.B) {
		for _, cl := range consumers {
			b.Run("client="+cl.name, func(b *testing.B) { consumeLive(b, cl.start) })
		}
	})
}

// tally counts distinct deliveries by queue and offset and closes done once every expected
// message came at least once.
type tally struct {
	seen      [][]atomic.Bool // by queue, then offset
	remaining atomic.Int64
	dups      atomic.Int64
	done      chan struct{}
	first     atomic.Int64 // ns since the epoch of the first delivery
	last      atomic.Int64 // of the delivery that completed the set
}

func newTally(counts []int64) *tally {
	t := &tally{seen: make([][]atomic.Bool, len(counts)), done: make(chan struct{})}
	var total int64
	for q, n := range counts {
		t.seen[q] = make([]atomic.Bool, n)
		total += n
	}
	t.remaining.Store(total)
	return t
}

// mark records one delivery and reports whether it was the message's first.
func (t *tally) mark(queue int32, offset int64, now int64) bool {
	t.first.CompareAndSwap(0, now)
	if int(queue) >= len(t.seen) || offset < 0 || offset >= int64(len(t.seen[queue])) {
		return false // not one of the backlog's messages
	}
	if !t.seen[queue][offset].CompareAndSwap(false, true) {
		t.dups.Add(1)
		return false
	}
	if t.remaining.Add(-1) == 0 {
		t.last.Store(now)
		close(t.done)
	}
	return true
}

func (t *tally) wait(b *testing.B, what string) {
	b.Helper()
	awaitAll(b, what, t.done, &t.remaining)
}

// consumeStall is how long a race waits without a single new message before it fails: a
// consumer that loses messages or stops fails the run instead of hanging it, however large the
// backlog.
const consumeStall = 20 * time.Second

// awaitAll returns once done is closed, and fails the benchmark once remaining has not moved
// for consumeStall.
func awaitAll(b *testing.B, what string, done <-chan struct{}, remaining *atomic.Int64) {
	b.Helper()
	check := time.NewTicker(consumeStall)
	defer check.Stop()
	last := remaining.Load()
	for {
		select {
		case <-done:
			return
		case <-check.C:
			now := remaining.Load()
			if now == last {
				b.Fatalf("%s: %d messages not consumed, none for %v", what, now, consumeStall)
			}
			last = now
		}
	}
}

var groupSeq atomic.Int64

func consumeBacklog(b *testing.B, start pushClient) {
	c, counts := loadedBacklog(b)
	var total, dups int64
	var busy, startup, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		t := newTally(counts)
		group := fmt.Sprintf("race_backlog_cg_%d", groupSeq.Add(1))
		// Each run starts from a collected heap, so that neither client pays for the
		// other's garbage.
		runtime.GC()
		b.StartTimer()
		cpu0 := processCPU()
		t0 := time.Now()
		stop := start(b, c.NameServerAddr(), backlogTopic, group, true, func(q int32, off int64, _ []byte) {
			t.mark(q, off, time.Now().UnixNano())
		})
		t.wait(b, "backlog")
		cpu += processCPU() - cpu0
		b.StopTimer()
		stop()
		b.StartTimer()
		first := time.Unix(0, t.first.Load())
		startup += first.Sub(t0)
		busy += time.Unix(0, t.last.Load()).Sub(first)
		for _, n := range counts {
			total += n
		}
		dups += t.dups.Load()
	}
	b.StopTimer()
	b.ReportMetric(float64(total)/busy.Seconds(), "msgs/s")
	b.ReportMetric(startup.Seconds()*1e3/float64(b.N), "start-ms")
	b.ReportMetric(float64(dups), "dup-msgs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/msg")
}

func consumeLive(b *testing.B, start pushClient) {
	n, rate := liveMessages(), liveRate()
	var (
		lat        []time.Duration
		total      int64
		dups       int64
		busy, cpus time.Duration
	)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		c := fakecluster.Start(b, fakecluster.WithTopic(liveTopic, consumeQueues))
		a, _ := c.Broker(fakecluster.BrokerName(0))
		p := newOurs(b, c.NameServerAddr()).(ours).p
		// The first send fetches the route and dials the broker; its message is the warm-up,
		// which the tally does not expect and the latencies leave out.
		if _, err := p.Send(context.Background(), client.NewMessage(liveTopic, liveBody(liveWarmupSeq, 0))); err != nil {
			b.Fatal(err)
		}
		run := newLiveRun(n)
		group := fmt.Sprintf("race_live_cg_%d", groupSeq.Add(1))
		stop := start(b, c.NameServerAddr(), liveTopic, group, false, run.consumed)
		// Every queue's pull is held by the broker: the consumer has its queues and waits.
		awaitPolling(b, a)
		runtime.GC()
		b.StartTimer()
		cpu0 := processCPU()
		t0 := time.Now()
		run.produce(b, p, rate)
		run.wait(b, "live")
		cpus += processCPU() - cpu0
		busy += time.Unix(0, run.last.Load()).Sub(t0)
		b.StopTimer()
		stop()
		total += int64(n)
		dups += run.dups.Load()
		lat = append(lat, run.lat...)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(total)/busy.Seconds(), "msgs/s")
	b.ReportMetric(quantile(lat, 0.50).Seconds()*1e3, "p50-ms")
	b.ReportMetric(quantile(lat, 0.99).Seconds()*1e3, "p99-ms")
	b.ReportMetric(float64(dups), "dup-msgs")
	b.ReportMetric(float64(cpus.Microseconds())/float64(total), "cpu-µs/msg")
}

func awaitPolling(b *testing.B, a *fakebroker.Broker) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), consumeStartTimeout)
	defer cancel()
	if err := a.AwaitHeldPulls(ctx, consumeQueues); err != nil {
		b.Fatalf("the consumer is not polling all %d queues: %v (held pulls: %d)", consumeQueues, err, a.HeldPulls())
	}
}

// liveBody is a live message's body: the send time (ns since the epoch) and its sequence
// number, padded to raceBody bytes.
func liveBody(seq uint64, sentNanos int64) []byte {
	body := raceBodyBytes()
	binary.BigEndian.PutUint64(body[0:8], uint64(sentNanos))
	binary.BigEndian.PutUint64(body[8:16], seq)
	return body
}

// liveRun is one live race: n messages by sequence number, each latency written once, by the
// delivery that saw the message first.
type liveRun struct {
	seen      []atomic.Bool
	lat       []time.Duration
	remaining atomic.Int64
	dups      atomic.Int64
	last      atomic.Int64
	done      chan struct{}
}

func newLiveRun(n int) *liveRun {
	r := &liveRun{seen: make([]atomic.Bool, n), lat: make([]time.Duration, n), done: make(chan struct{})}
	r.remaining.Store(int64(n))
	return r
}

func (r *liveRun) consumed(_ int32, _ int64, body []byte) {
	now := time.Now().UnixNano()
	if len(body) < 16 {
		return
	}
	seq := binary.BigEndian.Uint64(body[8:16])
	if seq >= uint64(len(r.seen)) {
		return // the warm-up
	}
	if !r.seen[seq].CompareAndSwap(false, true) {
		r.dups.Add(1)
		return
	}
	r.lat[seq] = time.Duration(now - int64(binary.BigEndian.Uint64(body[0:8])))
	if r.remaining.Add(-1) == 0 {
		r.last.Store(now)
		close(r.done)
	}
}

func (r *liveRun) wait(b *testing.B, what string) {
	b.Helper()
	awaitAll(b, what, r.done, &r.remaining)
}

// produce sends every message of the run at rate per second, asynchronously (at most
// liveAsyncWindow in flight, so that a slow answer does not slow the sending): each
// millisecond it sends what the rate owes by then.
func (r *liveRun) produce(b *testing.B, p *client.Producer, rate int) {
	b.Helper()
	var (
		inflight sync.WaitGroup
		window   = make(chan struct{}, liveAsyncWindow)
		failures atomic.Int64
		firstErr atomic.Value
	)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	n := len(r.seen)
	for sent := 0; sent < n; {
		due := min(n, int(time.Since(start).Seconds()*float64(rate))+1)
		for ; sent < due; sent++ {
			window <- struct{}{}
			inflight.Add(1)
			msg := client.NewMessage(liveTopic, liveBody(uint64(sent), time.Now().UnixNano()))
			p.SendAsync(context.Background(), msg, func(_ *client.SendResult, err error) {
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				<-window
				inflight.Done()
			})
		}
		if sent < n {
			<-tick.C
		}
	}
	inflight.Wait()
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d of %d live sends failed, first: %v", f, n, firstErr.Load())
	}
}
