package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/client"
)

func TestMain(m *testing.M) {
	if plan := os.Getenv(peerProcessEnv); plan != "" {
		os.Exit(runPeerProcess(plan, os.Stdin, os.Stdout))
	}
	goleak.VerifyTestMain(m)
}

// settings are the soak's knobs, from the environment so that CI runs a short smoke and README's
// figures come from the long run with the same code.
type settings struct {
	quiet, hostile time.Duration // the two phases, one after the other, on one `sim serve`
	peers          int           // hostile connections at once
	rate           int           // good messages per second
	kinds          []peerKind    // the ways the peers misbehave, spread evenly
	// storeLimit, storeSegment and history are `sim serve`'s bounds on what the good traffic
	// leaves behind (-store-limit, -store-segment, -history): small enough that both fill
	// during the quiet phase, so that the hostile phase's memory is read against a plateau
	// and not against the store and history still filling.
	storeLimit, storeSegment string
	history                  int
	// maxRSSGrowth, when set, fails the soak if the server's RSS in the hostile phase goes
	// more than this many bytes over the most it had in the quiet phase.
	maxRSSGrowth int64
}

func settingsFromEnv(t *testing.T) settings {
	s := settings{quiet: 5 * time.Second, hostile: 15 * time.Second, peers: 200, rate: 200,
		storeLimit: "1MiB", storeSegment: "256KiB", history: 1000}
	for k := range peerKinds {
		s.kinds = append(s.kinds, k)
	}
	if v := os.Getenv("ROCKETSIM_SOAK_KINDS"); v != "" {
		s.kinds = nil
		for name := range strings.SplitSeq(v, ",") {
			k := slices.Index(peerKindNames[:], strings.TrimSpace(name))
			require.GreaterOrEqual(t, k, 0, "ROCKETSIM_SOAK_KINDS: %q is none of %v", name, peerKindNames)
			s.kinds = append(s.kinds, peerKind(k))
		}
	}
	dur := func(name string, into *time.Duration) {
		if v := os.Getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			require.NoError(t, err, name)
			*into = d
		}
	}
	num := func(name string, into *int) {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			require.NoError(t, err, name)
			*into = n
		}
	}
	dur("ROCKETSIM_SOAK_QUIET", &s.quiet)
	dur("ROCKETSIM_SOAK_HOSTILE", &s.hostile)
	num("ROCKETSIM_SOAK_PEERS", &s.peers)
	num("ROCKETSIM_SOAK_RATE", &s.rate)
	num("ROCKETSIM_SOAK_HISTORY", &s.history)
	if v := os.Getenv("ROCKETSIM_SOAK_STORE_LIMIT"); v != "" {
		s.storeLimit = v
	}
	if v := os.Getenv("ROCKETSIM_SOAK_STORE_SEGMENT"); v != "" {
		s.storeSegment = v
	}
	if v := os.Getenv("ROCKETSIM_SOAK_MAX_RSS_GROWTH"); v != "" {
		n, err := parseBytes(v)
		require.NoError(t, err, "ROCKETSIM_SOAK_MAX_RSS_GROWTH")
		s.maxRSSGrowth = n
	}
	return s
}

// parseBytes reads a size as 64MiB, 512KiB or a number of bytes.
func parseBytes(v string) (int64, error) {
	scale := int64(1)
	for suffix, sc := range map[string]int64{"GiB": 1 << 30, "MiB": 1 << 20, "KiB": 1 << 10} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			v, scale = n, sc
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q: want bytes, as 64MiB", v)
	}
	return n * scale, nil
}

// TestHostileSoak runs `sim serve` as its own process, sends and consumes at a steady rate
// through a quiet phase and then a hostile one (peers sending junk, holding half-open
// connections, trickling a frame, announcing 2 GiB frames, flooding requests they never read),
// and checks that nothing acknowledged is lost. The peers run in a process of their own (this
// test binary again, see startPeers), as they would on another machine, so that the good
// client's latency is not the peers' own cost in the same scheduler and collector. It logs the
// figures README quotes: the good sends' latency in each phase, the server's resident memory
// and live heap in each phase, each process's CPU, and what became of the hostile connections.
func TestHostileSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the soak runs sim serve for about 20 s of wall time; run go test ./soak/ without -short")
	}
	cfg := settingsFromEnv(t)
	srv := startServe(t, cfg)
	ctx := t.Context()

	var rssSamples []sample
	var rssMu sync.Mutex
	samplerCtx, stopSampler := context.WithCancel(ctx)
	var samplerDone sync.WaitGroup
	samplerDone.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if kib, err := rssKiB(srv.pid); err == nil {
				rssMu.Lock()
				rssSamples = append(rssSamples, sample{at: time.Now(), kib: kib})
				rssMu.Unlock()
			}
			select {
			case <-samplerCtx.Done():
				return
			case <-tick.C:
			}
		}
	})

	acked := map[string]bool{}
	var ackedMu sync.Mutex
	consumed := map[string]int{}
	var consumedMu sync.Mutex
	// waiting is nil while messages are being sent; then the acknowledged ones not consumed
	// yet, and allIn closes when the last of them comes.
	var waiting map[string]bool
	allIn := make(chan struct{})

	c, err := client.NewPushConsumer(client.WithGroup("soak-consumers"), client.WithNameServers(srv.ready.NameSrv),
		client.WithConsumeFromWhere(client.ConsumeFromFirstOffset),
		client.WithConcurrentListener(func(_ context.Context, msgs []*client.MessageExt, _ *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			consumedMu.Lock()
			for _, m := range msgs {
				id := m.ClientMsgID()
				consumed[id]++
				if waiting[id] {
					delete(waiting, id)
					if len(waiting) == 0 {
						close(allIn)
					}
				}
			}
			consumedMu.Unlock()
			return client.ConsumeSuccess, nil
		}))
	require.NoError(t, err)
	require.NoError(t, c.Subscribe(soakTopic, "*"))
	require.NoError(t, c.Start())
	defer c.Shutdown()

	p, err := client.NewProducer(client.WithGroup("soak-producers"), client.WithNameServers(srv.ready.NameSrv))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()

	var quietLat, hostileLat latencies
	var failed atomic.Int64
	send := func(phase *latencies, d time.Duration) {
		tick := time.NewTicker(time.Second / time.Duration(cfg.rate))
		defer tick.Stop()
		end := time.After(d)
		var wg sync.WaitGroup
		defer wg.Wait()
		for {
			select {
			case <-end:
				return
			case <-tick.C:
			}
			wg.Go(func() {
				begin := time.Now()
				res, err := p.Send(ctx, client.NewMessage(soakTopic, []byte("soak")))
				if err != nil {
					failed.Add(1)
					return
				}
				phase.add(time.Since(begin))
				ackedMu.Lock()
				acked[res.MsgID] = true
				ackedMu.Unlock()
			})
		}
	}

	quietStart := time.Now()
	quietCPU := startCPU(t, srv.pid, 0)
	send(&quietLat, cfg.quiet)
	quietCPU.stop()
	rssMu.Lock()
	hostileFrom := len(rssSamples)
	rssMu.Unlock()
	heapQuiet := srv.gcs.mark()

	targets := []string{srv.ready.NameSrv}
	for _, b := range srv.ready.Brokers {
		targets = append(targets, b.Addr)
	}
	peers := startPeers(t, targets, cfg.peers, cfg.kinds)
	hostileStart := time.Now()
	hostileCPU := startCPU(t, srv.pid, peers.pid)
	send(&hostileLat, cfg.hostile)
	hostileCPU.stop()
	hostileEnd := time.Now()
	rssMu.Lock()
	hostileTo := len(rssSamples)
	rssMu.Unlock()
	heapHostile := srv.gcs.mark()
	h := peers.stop(t)

	ackedMu.Lock()
	defer ackedMu.Unlock()
	want := len(acked)
	consumedMu.Lock()
	waiting = map[string]bool{}
	for id := range acked {
		if consumed[id] == 0 {
			waiting[id] = true
		}
	}
	if len(waiting) == 0 {
		close(allIn)
	}
	consumedMu.Unlock()
	// Consumers catch up with the backlog the hostile phase slowed down; what a minute more
	// does not bring is lost.
	select {
	case <-allIn:
	case <-time.After(time.Minute):
	}
	stopSampler()
	samplerDone.Wait()

	consumedMu.Lock()
	var lost, duplicated int
	for id := range acked {
		switch n := consumed[id]; {
		case n == 0:
			lost++
		case n > 1:
			duplicated++
		}
	}
	consumedMu.Unlock()

	q, hq := quietLat.percentiles(), hostileLat.percentiles()
	var b strings.Builder
	fmt.Fprintf(&b, "hostile soak: %d peers for %v after %v quiet, %d msg/s, `sim serve` with 2 brokers, -store-limit %s -store-segment %s -history %d\n",
		cfg.peers, cfg.hostile, cfg.quiet, cfg.rate, cfg.storeLimit, cfg.storeSegment, cfg.history)
	fmt.Fprintf(&b, "  acknowledged %d, failed sends %d, lost %d, consumed twice or more %d\n", want, failed.Load(), lost, duplicated)
	fmt.Fprintf(&b, "  send latency quiet   p50 %v p99 %v (n=%d)\n", q.p50, q.p99, q.n)
	fmt.Fprintf(&b, "  send latency hostile p50 %v p99 %v (n=%d), p99 ratio %.2f\n", hq.p50, hq.p99, hq.n, float64(hq.p99)/float64(max(q.p99, 1)))
	mem := summarizeRSS(rssSamples, hostileFrom, hostileTo)
	fmt.Fprintf(&b, "  server RSS: %s\n", mem)
	fmt.Fprintf(&b, "  server live heap after each GC: %s\n", srv.gcs.summary(heapQuiet, heapHostile))
	fmt.Fprintf(&b, "  server GC, share of wall time in collections (sweep termination, mark, mark termination): quiet %s, hostile %s\n",
		srv.gcs.inGC(0, heapQuiet, hostileStart.Sub(quietStart)), srv.gcs.inGC(heapQuiet, heapHostile, hostileEnd.Sub(hostileStart)))
	if cfg.hostile >= 2*time.Minute {
		rssMu.Lock()
		fmt.Fprintf(&b, "  each minute of the hostile phase, RSS and live heap (MiB): %s\n", timeline(rssSamples, &srv.gcs, hostileStart, hostileEnd, time.Minute))
		rssMu.Unlock()
	}
	fmt.Fprintf(&b, "  CPU, share of one core: sim serve quiet %s, hostile %s; this test process (the good producer and consumer) quiet %s, hostile %s; the peers' process, hostile %s\n",
		quietCPU.server, hostileCPU.server, quietCPU.test, hostileCPU.test, hostileCPU.peers)
	for k := range peerKinds {
		fmt.Fprintf(&b, "  %-13s connections %6d, closed by the server %6d\n", peerKindNames[k], h.Dials[k], h.ClosedByServer[k])
	}
	fmt.Fprintf(&b, "  dial failures %d, hostile bytes sent %d MiB\n", h.DialFailures, h.BytesSent>>20)
	t.Log(b.String())

	require.Zero(t, lost, "acknowledged messages no consumer got")
	require.Positive(t, hq.n, "good sends went through while the peers were at it")
	var dials int64
	for _, n := range h.Dials {
		dials += n
	}
	require.GreaterOrEqual(t, dials, int64(cfg.peers), "every peer connected at least once (the peers' process ran)")
	require.NoError(t, srv.alive(), "sim serve survived")
	if cfg.maxRSSGrowth > 0 {
		require.True(t, mem.ok, "RSS samples in both phases")
		require.LessOrEqual(t, mem.hostileMax-mem.quietMax, cfg.maxRSSGrowth>>10,
			"ROCKETSIM_SOAK_MAX_RSS_GROWTH: the hostile phase's RSS (KiB) over the quiet phase's most")
	}
}

const soakTopic = "Soak"

type sample struct {
	at  time.Time
	kib int64
}

// rssFigures are the server's RSS (KiB) in the two phases: the quiet phase's end and most,
// the hostile phase's most and end, with a sample at each fifth of it.
type rssFigures struct {
	ok                  bool
	quietEnd, quietMax  int64
	hostileMax, hostEnd int64
	fifths              [5]int64
}

// summarizeRSS reads the samples of the quiet phase (up to hostileFrom) and of the hostile
// one (up to hostileTo; those after are the consumers' catch-up).
func summarizeRSS(s []sample, hostileFrom, hostileTo int) rssFigures {
	hostileTo = min(hostileTo, len(s))
	if hostileFrom < 1 || hostileFrom >= hostileTo {
		return rssFigures{}
	}
	most := func(s []sample) int64 {
		return slices.MaxFunc(s, func(a, b sample) int { return int(a.kib - b.kib) }).kib
	}
	q, h := s[:hostileFrom], s[hostileFrom:hostileTo]
	f := rssFigures{ok: true, quietEnd: q[len(q)-1].kib, quietMax: most(q), hostileMax: most(h), hostEnd: h[len(h)-1].kib}
	for i := range f.fifths {
		f.fifths[i] = h[min(len(h)*(i+1)/5, len(h)-1)].kib
	}
	return f
}

func (f rssFigures) String() string {
	if !f.ok {
		return "no samples"
	}
	mib := func(kib int64) string { return fmt.Sprintf("%.0f", float64(kib)/1024) }
	var fifths []string
	for _, v := range f.fifths {
		fifths = append(fifths, mib(v))
	}
	return fmt.Sprintf("quiet end %s MiB (most %s); hostile most %s, end %s MiB, growth over the quiet most %+.1f MiB; at each fifth of the hostile phase %s MiB",
		mib(f.quietEnd), mib(f.quietMax), mib(f.hostileMax), mib(f.hostEnd), float64(f.hostileMax-f.quietMax)/1024, strings.Join(fifths, ", "))
}

// phaseCPU measures the CPU time `sim serve`, this test process (the good client) and the
// peers' process take during a phase, so that the report tells the server's cost of the peers
// from the peers' own (all share the machine's cores).
type phaseCPU struct {
	pid, peersPid         int // peersPid 0: no peers' process in this phase
	begin                 time.Time
	server0, test0, peer0 time.Duration
	server, test, peers   string // shares of one core, once stopped
}

func startCPU(t *testing.T, pid, peersPid int) *phaseCPU {
	p := &phaseCPU{pid: pid, peersPid: peersPid, begin: time.Now(), server: "?", test: "?", peers: "-"}
	var err1, err2, err3 error
	p.server0, err1 = cpuTime(pid)
	p.test0, err2 = cpuTime(os.Getpid())
	if peersPid != 0 {
		p.peer0, err3 = cpuTime(peersPid)
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Logf("no CPU times: %v", err)
	}
	return p
}

func (p *phaseCPU) stop() {
	wall := time.Since(p.begin)
	share := func(pid int, from time.Duration) string {
		to, err := cpuTime(pid)
		if err != nil || wall <= 0 {
			return "?"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(to-from)/float64(wall))
	}
	p.server, p.test = share(p.pid, p.server0), share(os.Getpid(), p.test0)
	if p.peersPid != 0 {
		p.peers = share(p.peersPid, p.peer0)
	}
}

// cpuTime is a process's user and system time so far, from /proc (clock ticks of 10 ms).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: the fields are counted after it.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// latencies collects the durations of one phase's good sends.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

type percentiles struct {
	n        int
	p50, p99 time.Duration
}

func (l *latencies) percentiles() percentiles {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return percentiles{}
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(int(q*float64(len(s))), len(s)-1)] }
	return percentiles{n: len(s), p50: at(0.50), p99: at(0.99)}
}

// serve is a `sim serve` process.
type serve struct {
	pid   int
	cmd   *exec.Cmd
	done  chan error
	gcs   gcLog
	ready struct {
		NameSrv string `json:"namesrv"`
		Brokers []struct {
			Name string `json:"name"`
			Addr string `json:"addr"`
		} `json:"brokers"`
	}
}

// startServe builds cmd/sim and starts `sim serve` on free loopback ports with two brokers,
// the soak topic and cfg's bounds, with the runtime's GC trace on (see gcLog); it is stopped
// when the test ends.
func startServe(t *testing.T, cfg settings) *serve {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sim")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/sim").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	s := &serve{done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "-namesrv", "127.0.0.1:0", "-brokers", "2", "-topics", soakTopic+":4", "-log-level", "error",
		"-store-limit", cfg.storeLimit, "-store-segment", cfg.storeSegment, "-history", strconv.Itoa(cfg.history))
	if path := os.Getenv("ROCKETSIM_SOAK_CPUPROFILE"); path != "" {
		// The server's CPU profile of the whole run, to find what the peers cost it.
		s.cmd.Args = append(s.cmd.Args, "-cpuprofile", path)
	}
	s.cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	stdout, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	s.pid = s.cmd.Process.Pid
	traced := make(chan struct{})
	go func() {
		defer close(traced)
		s.gcs.read(stderr, os.Stderr)
	}()
	// Wait reads the pipes' end only after they are drained, so the trace goes first.
	go func() {
		<-traced
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "sim serve's ready line")
	require.NoError(t, json.Unmarshal([]byte(line), &s.ready), "ready line %q", line)
	return s
}

// alive says whether the process is still running.
func (s *serve) alive() error {
	select {
	case err := <-s.done:
		s.done <- err
		return fmt.Errorf("sim serve exited: %v", err)
	default:
		return nil
	}
}

// gcLog is the live heap `sim serve` had after each collection, from its GODEBUG=gctrace=1
// lines ("gc 7 @1.2s 1%: ... 12->13->6 MB, 14 MB goal, ..."): the third figure is the heap
// marked live, what the process holds once its garbage is gone, which RSS hides behind the
// collector's headroom and memory not yet returned to the OS.
type gcLog struct {
	mu   sync.Mutex
	live []int64         // MiB, one per collection
	at   []time.Time     // when each collection's line came
	took []time.Duration // each collection's wall time: its two pauses and its concurrent mark
}

var (
	gcLine  = regexp.MustCompile(`^gc \d+ @.* (\d+)->(\d+)->(\d+) MB`)
	gcClock = regexp.MustCompile(`: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock`)
)

// read takes the trace lines from r until it ends and passes every other line to rest.
func (g *gcLog) read(r io.Reader, rest io.Writer) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := gcLine.FindStringSubmatch(sc.Text())
		if m == nil {
			fmt.Fprintln(rest, sc.Text())
			continue
		}
		n, _ := strconv.ParseInt(m[3], 10, 64)
		var took time.Duration
		if c := gcClock.FindStringSubmatch(sc.Text()); c != nil {
			for _, ms := range c[1:] {
				f, _ := strconv.ParseFloat(ms, 64)
				took += time.Duration(f * float64(time.Millisecond))
			}
		}
		g.mu.Lock()
		g.live = append(g.live, n)
		g.at = append(g.at, time.Now())
		g.took = append(g.took, took)
		g.mu.Unlock()
	}
}

// mark is how many collections there have been, to tell the phases apart.
func (g *gcLog) mark() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.live)
}

// summary gives the live heap at the quiet phase's last collection (before quietEnd) and the
// most and the last of the hostile phase's (up to hostileEnd).
func (g *gcLog) summary(quietEnd, hostileEnd int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if quietEnd < 1 || hostileEnd <= quietEnd {
		return fmt.Sprintf("too few collections (%d, %d)", quietEnd, hostileEnd)
	}
	h := g.live[quietEnd:hostileEnd]
	var fifths []string
	for i := 1; i <= 5; i++ {
		fifths = append(fifths, strconv.FormatInt(h[min(len(h)*i/5, len(h)-1)], 10))
	}
	return fmt.Sprintf("quiet end %d MiB (most %d, %d collections); hostile most %d, end %d MiB (%d collections; at each fifth of them %s MiB)",
		g.live[quietEnd-1], slices.Max(g.live[:quietEnd]), quietEnd, slices.Max(h), h[len(h)-1], len(h), strings.Join(fifths, ", "))
}

// inGC is the share of wall that the collections from..to took (while a collection marks, it
// takes a quarter of the CPU and makes allocating goroutines help), and their longest.
func (g *gcLog) inGC(from, to int, wall time.Duration) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if from >= to || to > len(g.took) || wall <= 0 {
		return "no collections"
	}
	var sum time.Duration
	for _, d := range g.took[from:to] {
		sum += d
	}
	return fmt.Sprintf("%.2f%% (%d collections, longest %v)", 100*float64(sum)/float64(wall), to-from, slices.Max(g.took[from:to]).Round(10*time.Microsecond))
}

// liveAt is the live heap after the last collection before t (-1: none yet).
func (g *gcLog) liveAt(t time.Time) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	i, _ := slices.BinarySearchFunc(g.at, t, func(a, t time.Time) int { return a.Compare(t) })
	if i == 0 {
		return -1
	}
	return g.live[i-1]
}

// timeline gives the server's RSS and live heap at each step from begin to end: the RSS
// sample nearest before each point and the live heap of the last collection before it.
func timeline(rss []sample, g *gcLog, begin, end time.Time, step time.Duration) string {
	var out []string
	for at := begin.Add(step); !at.After(end.Add(time.Second)); at = at.Add(step) {
		i, _ := slices.BinarySearchFunc(rss, at, func(s sample, t time.Time) int { return s.at.Compare(t) })
		if i == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%v: %.0f/%d", at.Sub(begin).Round(time.Second), float64(rss[i-1].kib)/1024, g.liveAt(at)))
	}
	return strings.Join(out, ", ")
}
