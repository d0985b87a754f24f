package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// settings are the soak's knobs, from the environment so that CI runs a short smoke and README's
// figures come from the long run with the same code.
type settings struct {
	quiet, hostile time.Duration // the two phases, one after the other, on one `sim serve`
	peers          int           // hostile connections at once
	rate           int           // good messages per second
	kinds          []peerKind    // the ways the peers misbehave, spread evenly
}

func settingsFromEnv(t *testing.T) settings {
	s := settings{quiet: 5 * time.Second, hostile: 15 * time.Second, peers: 200, rate: 200}
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
	return s
}

// TestHostileSoak runs `sim serve` as its own process, sends and consumes at a steady rate
// through a quiet phase and then a hostile one (peers sending junk, holding half-open
// connections, trickling a frame, announcing 2 GiB frames, flooding requests they never read),
// and checks that nothing acknowledged is lost. It logs the figures README quotes: the good
// sends' latency in each phase, the server's resident memory over time, and what became of
// the hostile connections.
func TestHostileSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the soak runs sim serve for about 20 s of wall time; run go test ./soak/ without -short")
	}
	cfg := settingsFromEnv(t)
	srv := startServe(t)
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

	quietCPU := startCPU(t, srv.pid)
	send(&quietLat, cfg.quiet)
	quietCPU.stop()
	rssMu.Lock()
	hostileFrom := len(rssSamples)
	rssMu.Unlock()

	hostileCtx, stopHostile := context.WithCancel(ctx)
	targets := []string{srv.ready.NameSrv}
	for _, b := range srv.ready.Brokers {
		targets = append(targets, b.Addr)
	}
	h := startHostile(hostileCtx, targets, cfg.peers, cfg.kinds)
	hostileCPU := startCPU(t, srv.pid)
	send(&hostileLat, cfg.hostile)
	hostileCPU.stop()
	stopHostile()
	h.wait()

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
	fmt.Fprintf(&b, "hostile soak: %d peers for %v after %v quiet, %d msg/s, `sim serve` with 2 brokers\n", cfg.peers, cfg.hostile, cfg.quiet, cfg.rate)
	fmt.Fprintf(&b, "  acknowledged %d, failed sends %d, lost %d, consumed twice or more %d\n", want, failed.Load(), lost, duplicated)
	fmt.Fprintf(&b, "  send latency quiet   p50 %v p99 %v (n=%d)\n", q.p50, q.p99, q.n)
	fmt.Fprintf(&b, "  send latency hostile p50 %v p99 %v (n=%d), p99 ratio %.2f\n", hq.p50, hq.p99, hq.n, float64(hq.p99)/float64(max(q.p99, 1)))
	fmt.Fprintf(&b, "  server RSS: %s\n", rssSummary(rssSamples, hostileFrom))
	fmt.Fprintf(&b, "  CPU, share of one core: sim serve quiet %s, hostile %s; this test process (clients and peers) quiet %s, hostile %s\n",
		quietCPU.server, hostileCPU.server, quietCPU.test, hostileCPU.test)
	for k := range peerKinds {
		fmt.Fprintf(&b, "  %-13s connections %6d, closed by the server %6d\n", peerKindNames[k], h.stats.dials[k].Load(), h.stats.closedByServer[k].Load())
	}
	fmt.Fprintf(&b, "  dial failures %d, hostile bytes sent %d MiB\n", h.stats.dialFailures.Load(), h.stats.bytesSent.Load()>>20)
	t.Log(b.String())

	require.Zero(t, lost, "acknowledged messages no consumer got")
	require.Positive(t, hq.n, "good sends went through while the peers were at it")
	require.NoError(t, srv.alive(), "sim serve survived")
}

const soakTopic = "Soak"

type sample struct {
	at  time.Time
	kib int64
}

// rssSummary gives the RSS at the end of the quiet phase, then at each fifth of the hostile
// phase, and the most it reached.
func rssSummary(s []sample, hostileFrom int) string {
	if len(s) == 0 || hostileFrom >= len(s) {
		return "no samples"
	}
	mib := func(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }
	parts := []string{"quiet end " + mib(s[max(hostileFrom-1, 0)].kib)}
	h := s[hostileFrom:]
	for i := 1; i <= 5; i++ {
		parts = append(parts, fmt.Sprintf("%d/5 %s", i, mib(h[min(len(h)*i/5, len(h)-1)].kib)))
	}
	peak := slices.MaxFunc(s, func(a, b sample) int { return int(a.kib - b.kib) })
	return strings.Join(parts, ", ") + ", max " + mib(peak.kib)
}

// phaseCPU measures the CPU time `sim serve` and this test process take during a phase, so
// that the report tells the server's cost of the peers from the peers' own (both share the
// machine's cores with the good client).
type phaseCPU struct {
	pid            int
	begin          time.Time
	server0, test0 time.Duration
	server, test   string // shares of one core, once stopped
}

func startCPU(t *testing.T, pid int) *phaseCPU {
	p := &phaseCPU{pid: pid, begin: time.Now(), server: "?", test: "?"}
	var err1, err2 error
	p.server0, err1 = cpuTime(pid)
	p.test0, err2 = cpuTime(os.Getpid())
	if err1 != nil || err2 != nil {
		t.Logf("no CPU times: %v %v", err1, err2)
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
	ready struct {
		NameSrv string `json:"namesrv"`
		Brokers []struct {
			Name string `json:"name"`
			Addr string `json:"addr"`
		} `json:"brokers"`
	}
}

// startServe builds cmd/sim and starts `sim serve` on free loopback ports with two brokers and
// the soak topic; it is stopped when the test ends.
func startServe(t *testing.T) *serve {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sim")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/sim").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	s := &serve{done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "-namesrv", "127.0.0.1:0", "-brokers", "2", "-topics", soakTopic+":4", "-log-level", "error")
	stdout, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	s.cmd.Stderr = os.Stderr
	require.NoError(t, s.cmd.Start())
	s.pid = s.cmd.Process.Pid
	go func() { s.done <- s.cmd.Wait() }()
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
