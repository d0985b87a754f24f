package client

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultAsyncSenderQueueSize is the capacity of the queue of Java's defaultAsyncSenderExecutor
// (a LinkedBlockingQueue of 50,000). Its workers default to runtime.NumCPU(), Java's
// availableProcessors.
const DefaultAsyncSenderQueueSize = 50000

// ErrAsyncSenderRejected matches (errors.Is) the error of an async send the executor refused:
// its queue was full, or the producer had shut down. It stands for Java's
// RejectedExecutionException, the cause of the "executor rejected " MQClientException.
var ErrAsyncSenderRejected = errors.New("client: the async sender executor rejected the send")

func asyncRejectedError() error { return clientError(-1, "executor rejected ", ErrAsyncSenderRejected) }

// asyncSend is one queued SendAsync or SendBatchAsync. It is a value, not a closure, so that
// queueing a send allocates nothing of its own.
type asyncSend struct {
	p     *Producer
	ctx   context.Context
	out   *outgoing
	start time.Time // when the caller handed it over: the time queued counts against its budget
	cb    func(*SendResult, error)
}

func runAsyncSend(s asyncSend) { s.p.sendAsync(s.ctx, s.out, s.start, s.cb) }

// asyncExecutor is Java's defaultAsyncSenderExecutor, a ThreadPoolExecutor with as many core as
// maximum threads over a bounded LinkedBlockingQueue.
type asyncExecutor = executor[asyncSend]

func newAsyncExecutor(workers, capacity int) *asyncExecutor {
	return newExecutor(workers, workers, capacity, runAsyncSend)
}

// executor is Java's ThreadPoolExecutor over a bounded LinkedBlockingQueue with the default
// abort policy: while fewer than core workers run, a task starts a new one; then tasks wait in
// the queue; a task that finds the queue full starts one of the workers between core and max,
// and is rejected when there are max already. Core workers stay until shutdown, which lets them
// finish the queue (Java's ExecutorService.shutdown) and rejects what comes after. A worker
// beyond core leaves as soon as it finds the queue empty; Java keeps it for its keep-alive time
// (60 s for the transaction check executor), which only changes how many goroutines wait idle.
//
// Tasks are values, not closures, so that queueing one allocates nothing of its own.
type executor[T any] struct {
	run func(T)

	mu       sync.Mutex
	ready    sync.Cond // signalled when a task is queued or the executor shuts down
	queue    taskQueue[T]
	capacity int
	core     int
	max      int
	workers  int // running
	idle     int // waiting on ready
	closed   bool
	// terminated is closed once the executor is shut down and its last worker has left.
	terminated chan struct{}
}

func newExecutor[T any](core, maxWorkers, capacity int, run func(T)) *executor[T] {
	core = max(core, 1)
	e := &executor[T]{run: run, core: core, max: max(maxWorkers, core), capacity: max(capacity, 1), terminated: make(chan struct{})}
	e.ready.L = &e.mu
	return e
}

// submit runs t on a worker, now or once the queue reaches it; false means rejected.
func (e *executor[T]) submit(t T) bool {
	e.mu.Lock()
	switch {
	case e.closed:
		e.mu.Unlock()
		return false
	case e.workers < e.core:
		e.workers++
		e.mu.Unlock()
		go e.work(t, true)
		return true
	case e.queue.len() < e.capacity:
		e.queue.push(t)
		if e.idle > 0 {
			e.ready.Signal()
		}
		e.mu.Unlock()
		return true
	case e.workers < e.max:
		e.workers++
		e.mu.Unlock()
		go e.work(t, false)
		return true
	}
	e.mu.Unlock()
	return false
}

func (e *executor[T]) work(t T, core bool) {
	for ok := true; ok; t, ok = e.take(core) {
		e.run(t)
	}
}

// take waits for the next queued task; false once the executor is shut down and the queue is
// empty, or at once for a worker beyond core that finds it empty.
func (e *executor[T]) take(core bool) (T, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.queue.len() == 0 {
		if e.closed || !core {
			e.workers--
			e.checkTerminatedLocked()
			var zero T
			return zero, false
		}
		e.idle++
		e.ready.Wait()
		e.idle--
	}
	return e.queue.pop(), true
}

// shutdown is ExecutorService.shutdown: tasks already queued still run, new ones are
// rejected. It does not wait for them (Java's producer does not either), so that a task, which
// runs on a worker, can shut its producer down.
func (e *executor[T]) shutdown() {
	e.mu.Lock()
	e.closed = true
	e.ready.Broadcast()
	e.checkTerminatedLocked()
	e.mu.Unlock()
}

func (e *executor[T]) checkTerminatedLocked() {
	if e.closed && e.workers == 0 {
		select {
		case <-e.terminated:
		default:
			close(e.terminated)
		}
	}
}

// drop is the queue half of ExecutorService.shutdownNow: the tasks not started yet are
// forgotten.
func (e *executor[T]) drop() {
	e.mu.Lock()
	for e.queue.len() > 0 {
		e.queue.pop()
	}
	e.mu.Unlock()
}

// awaitTermination is awaitTermination: whether the executor, shut down, finished every task
// within d (below 0: however long it takes; 0: already).
func (e *executor[T]) awaitTermination(d time.Duration) bool {
	if d < 0 {
		<-e.terminated
		return true
	}
	select {
	case <-e.terminated:
		return true
	default:
	}
	if d == 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-e.terminated:
		return true
	case <-t.C:
		return false
	}
}

// taskQueue is a FIFO ring that grows as tasks wait and lets its memory go once drained, so
// that an idle producer does not keep the room a burst needed.
type taskQueue[T any] struct {
	buf        []T
	head, size int
}

// keptRoom is the ring size an empty queue keeps rather than giving back.
const keptRoom = 256

func (q *taskQueue[T]) len() int { return q.size }

func (q *taskQueue[T]) push(t T) {
	if q.size == len(q.buf) {
		grown := make([]T, max(2*len(q.buf), 16))
		n := copy(grown, q.buf[q.head:])
		copy(grown[n:], q.buf[:q.head])
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = t
	q.size++
}

func (q *taskQueue[T]) pop() T {
	t := q.buf[q.head]
	var zero T
	q.buf[q.head] = zero // let the task's message go
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	if q.size == 0 {
		q.head = 0
		if len(q.buf) > keptRoom {
			q.buf = nil
		}
	}
	return t
}
