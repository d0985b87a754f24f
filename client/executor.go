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

// asyncExecutor is Java's defaultAsyncSenderExecutor, a ThreadPoolExecutor with as many core as
// maximum threads over a bounded LinkedBlockingQueue, with the default abort policy: while fewer
// than max workers run, a send starts a new one; then sends wait in the queue; a send that
// finds the queue full is rejected. Like core threads, workers stay until shutdown, which
// lets them finish the queue (Java's ExecutorService.shutdown) and rejects what comes after.
type asyncExecutor struct {
	mu       sync.Mutex
	ready    sync.Cond // signalled when a send is queued or the executor shuts down
	queue    sendQueue
	capacity int
	max      int
	workers  int // running
	idle     int // waiting on ready
	closed   bool
}

func newAsyncExecutor(workers, capacity int) *asyncExecutor {
	e := &asyncExecutor{max: max(workers, 1), capacity: max(capacity, 1)}
	e.ready.L = &e.mu
	return e
}

// submit runs s on a worker, now or once the queue reaches it; false means rejected.
func (e *asyncExecutor) submit(s asyncSend) bool {
	e.mu.Lock()
	switch {
	case e.closed:
		e.mu.Unlock()
		return false
	case e.workers < e.max:
		e.workers++
		e.mu.Unlock()
		go e.work(s)
		return true
	case e.queue.len() >= e.capacity:
		e.mu.Unlock()
		return false
	}
	e.queue.push(s)
	if e.idle > 0 {
		e.ready.Signal()
	}
	e.mu.Unlock()
	return true
}

func (e *asyncExecutor) work(s asyncSend) {
	for ok := true; ok; s, ok = e.take() {
		s.p.sendAsync(s.ctx, s.out, s.start, s.cb)
	}
}

// take waits for the next queued send; false once the executor is shut down and the queue
// is empty.
func (e *asyncExecutor) take() (asyncSend, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.queue.len() == 0 {
		if e.closed {
			e.workers--
			return asyncSend{}, false
		}
		e.idle++
		e.ready.Wait()
		e.idle--
	}
	return e.queue.pop(), true
}

// shutdown is ExecutorService.shutdown: sends already queued still run, new ones are
// rejected. It does not wait for them (Java's producer does not either), so that a callback,
// which may run on a worker, can shut its producer down.
func (e *asyncExecutor) shutdown() {
	e.mu.Lock()
	e.closed = true
	e.ready.Broadcast()
	e.mu.Unlock()
}

// sendQueue is a FIFO ring that grows as sends wait and lets its memory go once drained, so
// that an idle producer does not keep the room a burst needed.
type sendQueue struct {
	buf        []asyncSend
	head, size int
}

// keptRoom is the ring size an empty queue keeps rather than giving back.
const keptRoom = 256

func (q *sendQueue) len() int { return q.size }

func (q *sendQueue) push(s asyncSend) {
	if q.size == len(q.buf) {
		grown := make([]asyncSend, max(2*len(q.buf), 16))
		n := copy(grown, q.buf[q.head:])
		copy(grown[n:], q.buf[:q.head])
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = s
	q.size++
}

func (q *sendQueue) pop() asyncSend {
	s := q.buf[q.head]
	q.buf[q.head] = asyncSend{} // let the message go
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	if q.size == 0 {
		q.head = 0
		if len(q.buf) > keptRoom {
			q.buf = nil
		}
	}
	return s
}
