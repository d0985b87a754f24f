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
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakenamesrv"
)

// World is one scenario's state: its bubble, cluster and producers. Steps are its methods.
type World struct {
	t       *testing.T
	backend Backend
	bubble  *bubble // nil on a backend with real time
	bt      *testing.T
	cluster Cluster
	stats   *suiteStats

	manager     *client.Manager // one per scenario: producers of two scenarios never share an instance
	producers   map[string]*producerState
	last        *sendOutcome // the last send a step made
	async       *asyncRecord // the callbacks of the last async sends
	env         map[string]*string
	endpoint    *fakenamesrv.AddrEndpoint
	endpointSrv *fakenamesrv.AddrServer
}

// suiteStats adds up the simulated time of every scenario.
type suiteStats struct {
	mu        sync.Mutex
	scenarios int
	simulated time.Duration
}

func (s *suiteStats) add(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scenarios++
	s.simulated += d
}

type worldKey struct{}

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

// sleep lets d pass: virtual time in a bubble, the wall clock otherwise.
func (w *World) sleep(d time.Duration) error {
	return w.in(func() error {
		time.Sleep(d)
		return nil
	})
}

func initializeScenario(t *testing.T, backend Backend, stats *suiteStats) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) {
		w := &World{t: t, backend: backend, stats: stats, manager: client.NewManager(),
			producers: map[string]*producerState{}, env: map[string]*string{}}
		sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
			if backend.Virtual() {
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
			stopErr := w.in(func() error { return w.stopProducers() })
			w.restoreEnv()
			if w.bubble != nil {
				w.bubble.stop()
				stats.add(w.bubble.simulated())
			}
			if stopErr != nil && err == nil {
				return ctx, fmt.Errorf("stopping the scenario's producers: %w", stopErr)
			}
			return ctx, nil
		})
		w.clusterSteps(sc)
		w.timeSteps(sc)
		w.faultSteps(sc)
		w.producerSteps(sc)
		w.sendSteps(sc)
		w.assertSteps(sc)
	}
}
