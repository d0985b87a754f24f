package fakebroker

// await.go lets tests and the compat suite wait for the client table and the held pulls to
// change, instead of polling them. No request codes; nothing here changes what clients see.
//
// The client table changes on every heartbeat (which refreshes LastHeartbeat), unregister,
// connection close and expiry; the held pulls change when a pull is suspended, answered (by a
// message or its timeout) or dropped (its connection closed, the broker stopped).

import (
	"context"
	"sync"
)

// changeNotifier wakes every waiter on each change: wait returns a channel that the next
// notify closes. The zero value is ready to use.
type changeNotifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *changeNotifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *changeNotifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// awaitChange returns when ready reports true, checking it at once and after every change
// n notifies; it fails with ctx's error when ctx ends first.
func awaitChange(ctx context.Context, n *changeNotifier, ready func() bool) error {
	for {
		changed := n.wait() // before the check, so that no change is missed
		if ready() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AwaitClients returns when cond accepts the client table (as Clients returns it): at once,
// or after the heartbeat, unregister, connection close or expiry that makes it true. It fails
// when ctx ends first.
func (b *Broker) AwaitClients(ctx context.Context, cond func([]ClientInfo) bool) error {
	return awaitChange(ctx, &b.clients.changed, func() bool { return cond(b.Clients()) })
}

// AwaitHeldPulls returns when exactly n pulls are held (suspended, waiting for messages), e.g.
// 1 once a consumer's long poll arrived, 0 once every held pull was answered or dropped. It
// fails when ctx ends first.
func (b *Broker) AwaitHeldPulls(ctx context.Context, n int) error {
	return awaitChange(ctx, &b.pulls.changed, func() bool { return b.pulls.count() == n })
}
