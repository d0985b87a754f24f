package client

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler is Java's single-threaded ScheduledExecutorService: tasks run one after another on
// one goroutine, each once its time has come; a periodic task keeps a fixed rate. The consumer
// half has several (the pull service's, each consume service's), as Java has one thread each.
//
// Timers of the time package drive it, so that a testing/synctest bubble runs it in virtual
// time; stop ends it at once, dropping what is still pending, and waits for a running task.
type scheduler struct {
	mu      sync.Mutex
	tasks   scheduledTasks
	seq     uint64
	wake    chan struct{} // a task was added that may be due sooner
	stopped bool
	done    chan struct{}
}

type scheduledTask struct {
	at    time.Time
	every time.Duration // 0: once
	seq   uint64        // keeps tasks due at the same instant in the order they were added
	run   func()
}

type scheduledTasks []*scheduledTask

func (h scheduledTasks) Len() int { return len(h) }
func (h scheduledTasks) Less(i, j int) bool {
	if c := h[i].at.Compare(h[j].at); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}
func (h scheduledTasks) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *scheduledTasks) Push(x any)   { *h = append(*h, x.(*scheduledTask)) }
func (h *scheduledTasks) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

// startScheduler starts a scheduler's goroutine.
func startScheduler() *scheduler {
	s := &scheduler{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.loop()
	return s
}

// after runs fn once, d from now; false when the scheduler has stopped (Java logs that it has
// shut down and drops the task).
func (s *scheduler) after(d time.Duration, fn func()) bool {
	return s.add(&scheduledTask{at: time.Now().Add(d), run: fn})
}

// every runs fn first after delay, then every interval from when that run was due.
func (s *scheduler) every(delay, interval time.Duration, fn func()) bool {
	return s.add(&scheduledTask{at: time.Now().Add(delay), every: interval, run: fn})
}

func (s *scheduler) add(t *scheduledTask) bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	s.seq++
	t.seq = s.seq
	heap.Push(&s.tasks, t)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

func (s *scheduler) loop() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return
		}
		var next *scheduledTask
		if len(s.tasks) > 0 && !s.tasks[0].at.After(time.Now()) {
			next = heap.Pop(&s.tasks).(*scheduledTask)
			if next.every > 0 {
				heap.Push(&s.tasks, &scheduledTask{at: next.at.Add(next.every), every: next.every, seq: next.seq, run: next.run})
			}
		}
		wait := time.Duration(-1)
		if next == nil && len(s.tasks) > 0 {
			wait = time.Until(s.tasks[0].at)
		}
		s.mu.Unlock()
		if next != nil {
			next.run()
			continue
		}
		if wait < 0 {
			<-s.wake
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-s.wake:
			// Since Go 1.23 a stopped timer delivers nothing stale; Reset starts it afresh.
			timer.Stop()
		}
	}
}

// stop ends the scheduler: pending tasks are dropped, a running one finishes first. It must not
// be called from a task of its own.
func (s *scheduler) stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		<-s.done
		return
	}
	s.stopped = true
	s.tasks = nil
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.done
}
