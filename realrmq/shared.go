package realrmq

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/remoting"
)

// Shared is one real cluster that the tests of a package share: the JVMs take seconds to
// start, so the first test that asks for the cluster launches it and TestMain stops it after
// the last test:
//
//	var shared = realrmq.NewShared("conformance", realrmq.WithBrokers(2))
//
//	func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }
//
//	func TestSend(t *testing.T) {
//		c := shared.Cluster(t) // skipped where real RocketMQ cannot run
//		...
//	}
//
// The cluster works in a temporary folder of its own (WorkDir: the stores, the configuration
// and the JVMs' logs), removed when it stops. A Shared is safe for concurrent use.
type Shared struct {
	name string
	opts []Option

	mu       sync.Mutex // held through the launch: later callers wait for its outcome
	launched bool       // or closed before any launch
	dir      string
	c        *Cluster
	cli      *remoting.Client
	err      error
	elapsed  time.Duration
}

// sharedLaunchTimeout bounds a shared cluster's launch, a first Maven classpath resolution
// included.
const sharedLaunchTimeout = 3 * time.Minute

var errSharedClosed = errors.New("realrmq: the shared cluster was closed before it was launched")

// NewShared describes a shared cluster; nothing starts before Start or Cluster. name prefixes
// its work folder's name; opts go to New after the work folder's WithWorkDir.
func NewShared(name string, opts ...Option) *Shared {
	return &Shared{name: name, opts: opts}
}

// Start starts the cluster the first time it is called, and returns it or why it could not
// start: errors wrapping ErrUnavailable mean this machine cannot run it. It is for callers that
// report errors themselves; tests use Cluster.
func (s *Shared) Start() (*Cluster, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.launched {
		s.launched = true
		s.launch()
	}
	return s.c, s.err
}

func (s *Shared) launch() {
	if s.dir, s.err = os.MkdirTemp("", s.name+"-"); s.err != nil {
		return
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), sharedLaunchTimeout)
	defer cancel()
	c, err := New(append([]Option{WithWorkDir(s.dir)}, s.opts...)...)
	if err == nil {
		err = c.Start(ctx)
	}
	s.elapsed = time.Since(began)
	if s.err = err; err == nil {
		s.c = c
		s.cli = remoting.NewClient(c.cfg.launcherClientOptions()...)
	}
}

// Cluster returns the running cluster, launching it if no test has yet. Where real RocketMQ
// cannot run here, t is skipped, or fails with ROCKETSIM_REQUIRE_REAL=1 (see SkipUnavailable);
// any other launch error fails t.
func (s *Shared) Cluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := s.Start()
	if err != nil {
		SkipUnavailable(t, err)
		t.Fatal(err)
	}
	t.Logf("%v", s) // in every test's log: a failing test names the servers it ran against
	return c
}

// Client is a client for the tests' own requests to the cluster (admin requests, reading
// messages back), closed when the cluster stops. It is nil until the cluster has started.
func (s *Shared) Client() *remoting.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cli
}

// WorkDir is the folder the cluster works in, unless its options name another. It is "" until
// a launch has made it.
func (s *Shared) WorkDir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// String describes the cluster for a test's log; it launches nothing.
func (s *Shared) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.c != nil:
		slaves := ""
		if sl := s.c.Slaves(); len(sl) > 0 {
			slaves = fmt.Sprintf(", slaves %v", sl)
		}
		return fmt.Sprintf("real RocketMQ %s: name server %s, brokers %v%s (started in %v)",
			s.c.Version(), s.c.NameServerAddr(), s.c.Brokers(), slaves, s.elapsed.Round(time.Millisecond))
	case s.launched:
		return fmt.Sprintf("real RocketMQ (shared): not running: %v", s.err)
	default:
		return "real RocketMQ (shared): not launched"
	}
}

// Close stops the cluster, if it was launched, and removes its folder; when failed is set, the
// servers' last log lines go to logf first. A cluster closed before its launch never starts.
// Close may be called more than once.
func (s *Shared) Close(failed bool, logf func(format string, args ...any)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.launched {
		s.launched, s.err = true, errSharedClosed
	}
	var err error
	if s.c != nil {
		if failed {
			logf("real RocketMQ logs (shared cluster):\n%s", s.c.LogTail(40))
		}
		_ = s.cli.Close()
		err = s.c.Close()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
	return err
}

// Run is for TestMain: it runs the tests (m is a *testing.M, or a wrapper of one), then Close,
// with the servers' last log lines on stderr when a test failed. It returns the exit code: 1
// when the cluster did not stop cleanly.
func (s *Shared) Run(m interface{ Run() int }) int {
	code := m.Run()
	stderr := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format, args...) }
	if err := s.Close(code != 0, stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code
}
