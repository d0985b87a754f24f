// Package scenarios runs the Gherkin features in ../features with godog: the project's
// behaviour book, checked through what a user can observe (the servers' history and state, the
// client's snapshots, errors). `go test ./scenarios/` runs every feature against the in-process
// fakes, each scenario in its own testing/synctest bubble so that minutes of heartbeats and
// broker expiry pass in microseconds.
package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/remoting"
)

// World is one scenario's state: its bubble, cluster and producers. Steps are its methods.
type World struct {
	t       *testing.T
	backend Backend
	bubble  *bubble // nil on a backend with real time
	bt      *testing.T
	cluster backend.Cluster
	stats   *suiteStats

	manager      *client.Manager // one per scenario: producers of two scenarios never share an instance
	producers    map[string]*producerState
	consumers    map[string]*consumerState
	consumed     consumeBook  // every delivery to the scenario's consumers
	offsetDir    string       // where broadcasting consumers keep their offsets
	last         *sendOutcome // the last send a step made
	sent         []string     // the message ids (UNIQ_KEY) of the sends "sends N messages" made, oldest first
	async        *asyncRecord // the callbacks of the last async sends
	tx           txBook       // the scenario's transactions and what their checkers were asked
	req          *requestOutcome
	env          map[string]*string
	endpoint     *fakenamesrv.AddrEndpoint
	endpointSrv  *fakenamesrv.AddrServer
	endpointText string              // what the endpoint serves
	endpointDial remoting.DialFunc   // reaches the endpoint on TCP; nil on an in-memory network
	notedNS      map[string][]string // producer -> its name-server list when it was noted
	// tcp is set for a scenario tagged @tcp on a virtual backend: it runs without a bubble, on
	// a cluster over loopback TCP, in real time.
	tcp bool
}

// suiteStats adds up the simulated time of every scenario, and counts scenarios and features
// by outcome.
type suiteStats struct {
	mu        sync.Mutex
	simulated time.Duration
	passed    int
	failed    []string
	features  map[string]bool // feature file -> every scenario passed
}

// result records how a scenario ended.
func (s *suiteStats) result(sc *godog.Scenario, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.features == nil {
		s.features = map[string]bool{}
	}
	ok, seen := s.features[sc.Uri]
	s.features[sc.Uri] = (ok || !seen) && err == nil
	if err == nil {
		s.passed++
	} else {
		s.failed = append(s.failed, sc.Uri+": "+sc.Name)
	}
}

// ran counts the scenarios that ended, passed or not.
func (s *suiteStats) ran() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passed + len(s.failed)
}

func (s *suiteStats) failedScenarios() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failed)
}

// summary says how many features and scenarios passed.
func (s *suiteStats) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	features := 0
	for _, ok := range s.features {
		if ok {
			features++
		}
	}
	return fmt.Sprintf("%d/%d features and %d/%d scenarios passed", features, len(s.features),
		s.passed, s.passed+len(s.failed))
}

func (s *suiteStats) add(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.simulated += d
}

type worldKey struct{}

// hasTag reports whether the scenario carries tag, its own or its feature's.
func hasTag(s *godog.Scenario, tag string) bool {
	for _, t := range s.Tags {
		if t.Name == tag {
			return true
		}
	}
	return false
}

// in runs f where the scenario's servers and clients live: inside the bubble on a virtual
// backend, directly otherwise.
func (w *World) in(f func() error) error {
	if w.bubble == nil {
		return f()
	}
	return w.bubble.run(f)
}

// ctx returns a context for server and client calls made by a step.
func (w *World) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// sleep lets d pass: virtual time in a bubble, the wall clock otherwise (scaled by a backend
// that says so).
func (w *World) sleep(d time.Duration) error {
	d = w.scale(d)
	return w.in(func() error {
		time.Sleep(d)
		return nil
	})
}

// scale turns a duration a feature names (a wait, a fault's delay, a timeout) into the one the
// backend uses, so that every number of a feature keeps its meaning on a backend with scaled
// wall time.
func (w *World) scale(d time.Duration) time.Duration {
	if s, ok := w.cluster.(timeScaler); ok {
		return s.Scale(d)
	}
	return d
}

// tookAbout reports whether a measured duration is the one a feature names: exactly in
// virtual time; on the wall clock, from the scaled duration to the backend's slack over it.
func (w *World) tookAbout(got, want time.Duration) bool {
	s, ok := w.cluster.(timeScaler)
	if !ok {
		return got == want
	}
	want = s.Scale(want)
	return got >= want && got <= want+s.Slack()
}

// Optional hooks a backend's Cluster may have; the fakes have none.
type (
	// topicNamer maps a feature's topic to the name used on the servers and in messages (the
	// real backend gives every scenario topics of its own on a shared cluster).
	topicNamer interface{ TopicName(topic string) string }
	// producerTuner adds options to every producer of the scenario (shorter intervals on a
	// backend with scaled wall time) and learns its group.
	producerTuner interface {
		ProducerOptions(group string) []client.Option
	}
	// timeScaler turns a feature's duration into wall time, and says how much later than
	// that a measured duration may end.
	timeScaler interface {
		Scale(d time.Duration) time.Duration
		Slack() time.Duration
	}
	// proxied is a cluster the clients reach through a proxy: the servers behind it see the
	// proxy's connections, not the clients'.
	proxied interface{ Proxied() }
	// scenarioEnder restores a shared cluster when a scenario ends.
	scenarioEnder interface {
		EndScenario(ctx context.Context) error
	}
)

// topic returns the name the servers and the client use for a feature's topic.
func (w *World) topic(name string) string {
	if n, ok := w.cluster.(topicNamer); ok {
		return n.TopicName(name)
	}
	return name
}

func initializeScenario(t *testing.T, backend Backend, stats *suiteStats) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) {
		w := &World{t: t, backend: backend, stats: stats, manager: client.NewManager(),
			producers: map[string]*producerState{}, env: map[string]*string{}}
		sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
			w.tcp = backend.Virtual() && hasTag(s, tagTCP)
			if backend.Virtual() && !w.tcp {
				w.bubble = startBubble(t, func(bt *testing.T) { w.bt = bt })
				if w.bt == nil {
					return ctx, errors.New("the scenario's bubble failed to start")
				}
			} else {
				w.bt = t
			}
			return context.WithValue(ctx, worldKey{}, w), nil
		})
		sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
			if w.req != nil {
				// A request still waiting ends at its deadline; the bubble's time stops when
				// its last step has run, so the wait happens here.
				_, _ = w.waitRequest()
			}
			stopErr := w.in(func() error { return errors.Join(w.stopConsumers(), w.stopProducers()) })
			if w.tcp && w.cluster != nil {
				// Not in a bubble: nothing else stops this cluster before the suite ends.
				stopErr = errors.Join(stopErr, w.cluster.Close())
			}
			w.restoreEnv()
			if e, ok := w.cluster.(scenarioEnder); ok {
				ectx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				stopErr = errors.Join(stopErr, e.EndScenario(ectx))
				cancel()
			}
			stats.result(s, err)
			if w.bubble != nil {
				w.bubble.stop()
				stats.add(w.bubble.simulated())
			}
			if stopErr != nil && err == nil {
				return ctx, fmt.Errorf("ending the scenario: %w", stopErr)
			}
			return ctx, nil
		})
		register(sc, w.steps())
	}
}
