package scenarios

import (
	"testing"
	"testing/synctest"
	"time"
)

// A bubble runs one scenario's servers and clients inside a testing/synctest bubble, so that
// "130 seconds pass" is a time.Sleep that returns at once (design.md §5). Godog calls steps on
// its own goroutine; each step hands its work to the bubble's loop and waits for it. Between
// steps the loop waits on a channel made outside the bubble, so virtual time stands still
// while godog works.
type bubble struct {
	work chan job
	done chan struct{}
	// started and ended are virtual times read inside the bubble: their difference is the
	// scenario's simulated time.
	started, ended time.Time
}

// startBubble starts the loop in a new bubble whose testing.T is a child of t; setup runs
// first inside the bubble (it may register t.Cleanup functions, which run inside the bubble when
// the scenario ends).
func startBubble(t *testing.T, setup func(*testing.T)) *bubble {
	b := &bubble{work: make(chan job), done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(b.done)
		synctest.Test(t, func(bt *testing.T) {
			b.started = time.Now()
			setup(bt)
			close(ready)
			for st := range b.work {
				err := st.f()
				// Let everything the step set moving (answers, callbacks, registrations) settle
				// before godog looks at the result.
				synctest.Wait()
				st.result <- err
			}
			b.ended = time.Now()
		})
	}()
	select {
	case <-ready:
	case <-b.done:
	}
	return b
}

// job is one piece of a godog step's work, and where its error goes once the bubble settled.
type job struct {
	f      func() error
	result chan error
}

// run runs f inside the bubble and returns its error once the bubble has settled.
func (b *bubble) run(f func() error) error {
	st := job{f: f, result: make(chan error, 1)}
	select {
	case b.work <- st:
	case <-b.done:
		return errBubbleGone
	}
	return <-st.result
}

// stop ends the loop; the bubble's cleanups run and the bubble waits for every goroutine in it
// to exit (a leaked goroutine fails the test as a deadlock).
func (b *bubble) stop() {
	close(b.work)
	<-b.done
}

// simulated returns how much virtual time the scenario spent.
func (b *bubble) simulated() time.Duration { return b.ended.Sub(b.started) }
