package backend

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
)

// Proxy is a Cluster behind a rocketsim proxy (package proxy) in front of any cluster, real or
// fake: clients use the proxy as their name server, so that what they send passes the proxy's
// fault rules and is recorded in its history.
//
// What the wire can do goes to the cluster behind, as Remote does it (topics, write
// permission, offsets, messages, client lists), around the proxy: an operator's requests are
// neither harmed by the rules nor recorded. Brokers, Route and what happens to brokers are the
// proxy's view, which is what clients see: Route is the upstream's route with the proxy's
// addresses, and Crash, Stop and Restart take a broker offline and back as its clients see it
// (its listeners and connections closed, left out of the name server's answers), while the
// broker behind runs on, with what it stored. That is a choice, also in front of real servers
// this process started (realrmq): killing a JVM costs seconds to restart and takes the broker
// away from every other test sharing the cluster, while clients observe the same closed
// connections and routes either way. BlackHole is a crash after which the proxy's addresses of
// the broker swallow connection attempts. Silence is not supported: the proxy does not fake a
// name server's expiry.
type Proxy struct {
	*Remote
	p *proxy.Proxy
}

var _ Cluster = (*Proxy)(nil)

// NewProxy returns the Cluster behind a started proxy. Close closes the proxy too, not the
// cluster behind it.
func NewProxy(p *proxy.Proxy, opts ...remoting.ClientOption) *Proxy {
	if d := p.Dialer(); d != nil {
		opts = append([]remoting.ClientOption{remoting.WithDialer(d)}, opts...)
	}
	return &Proxy{Remote: NewRemote(p.Upstream(), opts...), p: p}
}

// TheProxy returns the proxy, for what only it offers (waiting on its history, its admin API).
func (x *Proxy) Proxy() *proxy.Proxy { return x.p }

func (x *Proxy) NameServerAddr() string    { return x.p.NameServerAddr() }
func (x *Proxy) Dialer() remoting.DialFunc { return x.p.Dialer() }

// Close closes the proxy and the connections to the cluster behind it.
func (x *Proxy) Close() error {
	return cmp.Or(x.p.Close(), x.Remote.Close())
}

// Brokers lists the masters the proxy has listeners for, each with the listener's address; one
// is running while its listener is and the upstream name server lists it.
func (x *Proxy) Brokers() []Broker {
	ctx, cancel := x.ctx(context.Background())
	defer cancel()
	_ = x.p.Refresh(ctx) // listeners for brokers that came since
	live, _ := x.masters(ctx)
	var out []Broker
	for _, b := range x.p.Brokers() {
		if b.ID != protocol.MasterID {
			continue
		}
		_, listed := live[b.Name]
		out = append(out, Broker{Name: b.Name, Addr: b.Addr, Running: b.Running && listed})
	}
	slices.SortFunc(out, func(a, b Broker) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Route is the route the proxy gives its clients.
func (x *Proxy) Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	rctx, cancel := x.ctx(ctx)
	defer cancel()
	return x.p.Route(rctx, topic)
}

// known reports ErrUnknownBroker for a broker the proxy has no listener for (after asking the
// upstream name server once more).
func (x *Proxy) known(broker string) error {
	if _, ok := x.p.Broker(broker); ok {
		return nil
	}
	ctx, cancel := x.ctx(context.Background())
	defer cancel()
	_ = x.p.Refresh(ctx)
	if _, ok := x.p.Broker(broker); ok {
		return nil
	}
	return fmt.Errorf("%w %q", ErrUnknownBroker, broker)
}

// Crash takes the broker offline as its clients see a crash; the proxy's name server leaves it
// out at once.
func (x *Proxy) Crash(_ context.Context, broker string) error {
	if err := x.known(broker); err != nil {
		return err
	}
	return x.p.CrashBroker(broker)
}

// Stop takes the broker offline as its clients see a clean stop.
func (x *Proxy) Stop(ctx context.Context, broker string) error {
	if err := x.known(broker); err != nil {
		return err
	}
	return x.p.StopBroker(ctx, broker)
}

// Restart brings the broker's listeners back and returns once the upstream name server lists
// it (at once, unless the broker behind is down).
func (x *Proxy) Restart(ctx context.Context, broker string) error {
	if err := x.known(broker); err != nil {
		return err
	}
	if err := x.p.StartBroker(ctx, broker); err != nil {
		return err
	}
	for {
		live, err := x.masters(ctx)
		if err == nil {
			if _, listed := live[broker]; listed {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the name server does not list %s: %w", broker, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (x *Proxy) Silence(context.Context, string, bool) error {
	return unsupported("silencing a broker", "proxy")
}

// BlackHole takes the broker offline as Crash does, then makes its listeners' addresses swallow
// connection attempts (proxy.Proxy.BlackHoleBroker; on TCP only on Linux, ErrUnsupported
// elsewhere); Restart brings it back.
func (x *Proxy) BlackHole(_ context.Context, broker string) error {
	if err := x.known(broker); err != nil {
		return err
	}
	return x.p.BlackHoleBroker(broker)
}

// AddFault adds a rule to the proxy's listeners of a broker name (its master, slaves and VIP
// channels) or of its name server.
func (x *Proxy) AddFault(target string, r fault.Rule) error {
	if target != NameServerTarget {
		if err := x.known(target); err != nil {
			return err
		}
	}
	if err := r.Validate(); err != nil {
		return err
	}
	inj, ok := x.p.Faults(target)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownBroker, target)
	}
	inj.Add(r)
	return nil
}

func (x *Proxy) ClearFaults() error {
	x.p.ClearFaults()
	return nil
}

// Requests returns what the proxy's listeners of target received with code.
func (x *Proxy) Requests(target string, code int32) ([]fault.Entry, error) {
	if target != NameServerTarget {
		if err := x.known(target); err != nil {
			return nil, err
		}
	}
	h, ok := x.p.History(target)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownBroker, target)
	}
	return h.Requests(code), nil
}
