package remoting

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// semaphore bounds requests in flight, as Java's Semaphore(permits) does.
type semaphore struct {
	slots   chan struct{}
	waiting atomic.Int32
}

func newSemaphore(n int) *semaphore {
	if n <= 0 {
		n = 1
	}
	return &semaphore{slots: make(chan struct{}, n)}
}

func (s *semaphore) acquire(ctx context.Context, ep *endpoint, op string) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	start := time.Now()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("remoting: %s: tryAcquire semaphore timeout after %v, %d waiting, %d permits: %w: %w",
			op, time.Since(start).Round(time.Microsecond), s.waiting.Load(), cap(s.slots), ErrTooManyRequests, ctx.Err())
	case <-ep.stop:
		return ep.closedErr
	}
}

func (s *semaphore) release() { <-s.slots }
