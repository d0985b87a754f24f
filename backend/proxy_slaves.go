package backend

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/proxy"
)

// slaveID is the brokerId of the slave the Slaves methods act on: the one slave per broker
// name that the fakes and realrmq start.
const slaveID = 1

var _ Slaves = (*Proxy)(nil)

// slave returns the proxy's listener in front of the named broker's slave.
func (x *Proxy) slave(broker string) (string, error) {
	find := func() (string, bool) {
		all := x.p.Brokers()
		i := slices.IndexFunc(all, func(b proxy.Broker) bool { return b.Name == broker && b.ID == slaveID })
		if i < 0 {
			return "", false
		}
		return all[i].Addr, true
	}
	if addr, ok := find(); ok {
		return addr, nil
	}
	ctx, cancel := x.ctx(context.Background())
	defer cancel()
	_ = x.p.Refresh(ctx)
	if addr, ok := find(); ok {
		return addr, nil
	}
	return "", fmt.Errorf("%w: no slave of %q", ErrUnknownBroker, broker)
}

// CrashSlave closes the proxy's listener in front of the slave and every connection through
// it, as clients see a crash; the routes the proxy gives leave the slave out at once, while the
// slave behind runs on (as Crash does for a master, and for the same reasons).
func (x *Proxy) CrashSlave(_ context.Context, broker string) error {
	if _, err := x.slave(broker); err != nil {
		return err
	}
	return x.p.CrashBrokerID(broker, slaveID)
}

// RestartSlave listens in front of the slave again and returns once the upstream name server
// lists it (at once, unless the slave behind is down).
func (x *Proxy) RestartSlave(ctx context.Context, broker string) error {
	if _, err := x.slave(broker); err != nil {
		return err
	}
	if err := x.p.StartBrokerID(ctx, broker, slaveID); err != nil {
		return err
	}
	for {
		rctx, cancel := x.ctx(ctx)
		ci, err := admin.ClusterInfo(rctx, x.rc, x.ns)
		cancel()
		if err == nil {
			if _, listed := ci.BrokerAddrTable[broker].BrokerAddrs[slaveID]; listed {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the name server does not list the slave of %s: %w", broker, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SlaveRequests returns the requests of the broker name's history (which its master and slave
// share in the proxy) that came to the slave's listeners: its own and its VIP channel's.
func (x *Proxy) SlaveRequests(broker string, code int32) ([]fault.Entry, error) {
	addr, err := x.slave(broker)
	if err != nil {
		return nil, err
	}
	h, ok := x.p.History(broker)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownBroker, broker)
	}
	listeners := []string{addr}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if n, err := strconv.Atoi(port); err == nil {
			listeners = append(listeners, net.JoinHostPort(host, strconv.Itoa(n-2)))
		}
	}
	return slices.DeleteFunc(h.Requests(code), func(e fault.Entry) bool { return !slices.Contains(listeners, e.Local) }), nil
}
