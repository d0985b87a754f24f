package client

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
)

// asyncRecorder counts the callbacks of async sends and keeps the last error and when each
// callback ran.
type asyncRecorder struct {
	calls atomic.Int32
	errs  chan error
	at    chan time.Time
}

func newAsyncRecorder(n int) *asyncRecorder {
	return &asyncRecorder{errs: make(chan error, n), at: make(chan time.Time, n)}
}

func (a *asyncRecorder) callback(_ *SendResult, err error) {
	a.calls.Add(1)
	a.errs <- err
	a.at <- time.Now()
}

// holdWorker occupies the producer's only async worker until release is closed: a send that
// fails its checks calls back on the worker, as Java calls onException on its executor thread.
func holdWorker(t *testing.T, p *Producer, release <-chan struct{}) {
	t.Helper()
	held := make(chan struct{})
	p.SendAsync(background, NewMessage("T", nil), func(_ *SendResult, err error) {
		require.Error(t, err)
		close(held)
		<-release
	})
	<-held
}

func (p *Producer) asyncWorkers() int {
	e := p.async.Load()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.workers
}

// Java's executor has a bounded queue; a send that finds it full is rejected at once with
// "executor rejected ", which Java throws from send and we hand to cb before SendAsync returns.
func TestAsyncSendRejectedWhenExecutorQueueIsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started(WithAsyncSenderExecutor(1, 2))
		send(t, p, "T", "warm the route")
		release := make(chan struct{})
		holdWorker(t, p, release)

		queued := newAsyncRecorder(2)
		for range 2 {
			p.SendAsync(background, NewMessage("T", []byte("x")), queued.callback)
		}
		synctest.Wait()
		require.Zero(t, queued.calls.Load(), "queued behind the busy worker, not sent on goroutines of their own")

		var rejected error
		returned := false
		p.SendAsync(background, NewMessage("T", []byte("x")), func(_ *SendResult, err error) {
			require.False(t, returned, "the rejection reaches cb before SendAsync returns")
			rejected = err
		})
		returned = true
		require.EqualError(t, rejected, "executor rejected "+faqMoreInfo)
		require.ErrorIs(t, rejected, ErrAsyncSenderRejected)
		var ce *ClientError
		require.ErrorAs(t, rejected, &ce)
		require.Equal(t, -1, ce.Code)

		close(release)
		synctest.Wait()
		require.Equal(t, int32(2), queued.calls.Load())
		for range 2 {
			require.NoError(t, <-queued.errs)
		}
		require.Len(t, r.c.Messages("T"), 3)
		require.Equal(t, 1, p.asyncWorkers())
	})
}

// Java measures an async send's budget from the call, so the time it waits for a worker is
// spent: a send still queued at its deadline fails with "DEFAULT ASYNC send call timeout".
func TestAsyncSendTimeQueuedCountsAgainstBudget(t *testing.T) {
	const held = 2 * time.Second
	tests := []struct {
		name    string
		timeout time.Duration
		wantErr string
	}{
		{name: "budget spent in the queue", timeout: time.Second, wantErr: "DEFAULT ASYNC send call timeout"},
		{name: "budget left after the queue", timeout: 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithTopic("T", 4))
				p := r.started(WithAsyncSenderExecutor(1, 10), WithSendTimeout(tc.timeout))
				send(t, p, "T", "warm the route")
				release := make(chan struct{})
				holdWorker(t, p, release)

				rec := newAsyncRecorder(1)
				start := time.Now()
				p.SendAsync(background, NewMessage("T", []byte("x")), rec.callback)
				time.Sleep(held)
				close(release)
				synctest.Wait()
				require.Equal(t, int32(1), rec.calls.Load())
				err := <-rec.errs
				require.Equal(t, held, (<-rec.at).Sub(start), "run when the worker came free")
				if tc.wantErr == "" {
					require.NoError(t, err)
					return
				}
				require.EqualError(t, err, tc.wantErr)
				require.ErrorIs(t, err, context.DeadlineExceeded)
			})
		})
	}
}

// Java's producer shuts its executor down without waiting: sends already queued still run
// (and, the producer being stopped by then, fail its state check), sends after are rejected.
func TestShutdownLetsQueuedAsyncSendsRunAndRejectsNewOnes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started(WithAsyncSenderExecutor(1, 10))
		send(t, p, "T", "warm the route")
		release := make(chan struct{})
		holdWorker(t, p, release)
		queued := newAsyncRecorder(3)
		for range 3 {
			p.SendAsync(background, NewMessage("T", []byte("x")), queued.callback)
		}

		p.Shutdown() // does not wait for the worker its callback holds
		require.Equal(t, StateShutdownAlready, p.State())
		var after error
		p.SendAsync(background, NewMessage("T", []byte("x")), func(_ *SendResult, err error) { after = err })
		require.ErrorIs(t, after, ErrAsyncSenderRejected, "rejected at once, as Java's shut-down executor does")

		close(release)
		synctest.Wait()
		require.Equal(t, int32(3), queued.calls.Load())
		for range 3 {
			err := <-queued.errs
			require.ErrorIs(t, err, ErrNotRunning)
			require.EqualError(t, err, "The producer service state not OK, SHUTDOWN_ALREADY"+seeFAQ)
		}
		require.Zero(t, p.asyncWorkers(), "the worker left once the queue was done")
		require.Len(t, r.c.Messages("T"), 1)
	})
}

func TestAsyncSenderExecutorOption(t *testing.T) {
	tests := []struct {
		name                    string
		opts                    []Option
		wantWorkers, wantQueued int
	}{
		{"Java's defaults", nil, runtime.NumCPU(), 50000},
		{"set", []Option{WithAsyncSenderExecutor(3, 7)}, 3, 7},
		{"below 1 means the default", []Option{WithAsyncSenderExecutor(0, -1)}, runtime.NumCPU(), DefaultAsyncSenderQueueSize},
	}
	for _, tc := range tests {
		p, err := NewProducer(append([]Option{WithManager(NewManager())}, tc.opts...)...)
		require.NoError(t, err)
		require.Equal(t, tc.wantWorkers, p.cfg.asyncWorkers, tc.name)
		require.Equal(t, tc.wantQueued, p.cfg.asyncQueue, tc.name)
	}
}

// The queue hands sends out in order across the ring's wrap and growth, and gives a burst's
// room back once drained.
func TestSendQueueIsFIFO(t *testing.T) {
	var q taskQueue[asyncSend]
	next, want := 0, 0
	push := func(n int) {
		for range n {
			q.push(asyncSend{out: &outgoing{uniq: string(rune('0' + next%64))}})
			next++
		}
	}
	pop := func(n int) {
		for range n {
			require.Equal(t, string(rune('0'+want%64)), q.pop().out.uniq)
			want++
		}
	}
	push(10)
	pop(7)
	push(20) // wraps, then grows
	pop(23)
	require.Equal(t, 0, q.len())
	push(keptRoom + 1)
	pop(keptRoom + 1)
	require.Nil(t, q.buf, "a drained burst's room is given back")
}
