// Package feed keeps the watchers of one kind of change and hands each change to all of them:
// the shape the admin API's event sources share (broker state changes, fault rule changes).
package feed

import "sync"

// Feed is a set of watchers of values of type T. The zero value is ready; it is safe for
// concurrent use.
type Feed[T any] struct {
	mu   sync.Mutex
	next int
	subs map[int]func(T)
}

// Watch calls fn with every value published from now until stop is called. fn runs on the
// publisher's goroutine and must not block.
func (f *Feed[T]) Watch(fn func(T)) (stop func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[int]func(T){}
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

// Publish hands each of vs, in order, to every watcher.
func (f *Feed[T]) Publish(vs ...T) {
	f.mu.Lock()
	fns := make([]func(T), 0, len(f.subs))
	for _, fn := range f.subs {
		fns = append(fns, fn)
	}
	f.mu.Unlock()
	// Outside the lock, so that a watcher may stop itself or watch again.
	for _, v := range vs {
		for _, fn := range fns {
			fn(v)
		}
	}
}
