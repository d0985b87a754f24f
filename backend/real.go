package backend

import (
	"context"
	"fmt"
	"time"

	"github.com/rocketsim/rocketsim/realrmq"
)

// Real is a Cluster of real RocketMQ servers that this process started (realrmq): a Remote for
// everything done over the wire, plus the servers' processes for crashes and restarts. Faults,
// silencing and request history stay unsupported: real servers offer none of them.
type Real struct {
	*Remote
	c *realrmq.Cluster
}

var _ Cluster = (*Real)(nil)

// NewReal returns the Cluster view of c. Close closes the view's connections, not c: the
// caller who launched c stops it.
func NewReal(c *realrmq.Cluster) *Real {
	return &Real{Remote: NewRemote(c.NameServerAddr()), c: c}
}

// Brokers lists every broker realrmq started, running or not.
func (r *Real) Brokers() []Broker {
	var out []Broker
	for _, b := range r.c.Brokers() {
		out = append(out, Broker{Name: b.Name, Addr: b.Addr, Running: b.Running})
	}
	return out
}

// Crash kills the broker's JVM (SIGKILL) and returns once the name server has dropped it (at
// once: its connection closed).
func (r *Real) Crash(ctx context.Context, broker string) error {
	if err := r.known(broker); err != nil {
		return err
	}
	if err := r.c.KillBroker(broker); err != nil {
		return err
	}
	for {
		live, err := r.masters(ctx)
		if err == nil {
			if _, listed := live[broker]; !listed {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the name server still lists %s after its crash: %w", broker, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stop stops the broker's JVM with SIGTERM: it unregisters first.
func (r *Real) Stop(_ context.Context, broker string) error {
	if err := r.known(broker); err != nil {
		return err
	}
	return r.c.StopBroker(broker)
}

// Restart starts a crashed or stopped broker again on its store (a running broker is left
// alone) and returns once the name server lists it.
func (r *Real) Restart(ctx context.Context, broker string) error {
	if err := r.known(broker); err != nil {
		return err
	}
	for _, b := range r.c.Brokers() {
		if b.Name == broker && b.Running {
			return nil
		}
	}
	return r.c.StartBroker(ctx, broker)
}

// known reports ErrUnknownBroker for a broker realrmq did not start.
func (r *Real) known(broker string) error {
	if _, ok := r.c.BrokerAddr(broker); !ok {
		return fmt.Errorf("%w %q", ErrUnknownBroker, broker)
	}
	return nil
}
