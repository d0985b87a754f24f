package scenarios

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

var errBubbleGone = errors.New("the scenario's bubble has ended")

// Backend gives scenarios their clusters: the in-process fakes (default) or real RocketMQ.
// Steps see only the backend.Cluster it returns, so another kind of cluster slots in here
// without touching a step.
type Backend interface {
	Name() string
	// Virtual reports whether the backend's clusters run in a synctest bubble, where time is
	// virtual; a real backend's time is the wall clock.
	Virtual() bool
	// StartCluster starts a cluster as spec asks (brokers broker-a, broker-b, ...) and stops
	// it when t ends; what the backend cannot start is an error wrapping errors.ErrUnsupported.
	// On a virtual backend it is called inside the scenario's bubble.
	StartCluster(t *testing.T, spec clusterSpec) (backend.Cluster, error)
}

// clusterSpec is the cluster a scenario asks for.
type clusterSpec struct {
	brokers int
	// slaves gives every broker name a slave (brokerId 1) beside its master.
	slaves bool
	// noAutoCreate makes brokers create no topic on send (autoCreateTopicEnable=false): they
	// hold no TBW102, so its route names no broker.
	noAutoCreate bool
	// keepIdle makes brokers never close a client's connection for idleness (Java's
	// serverChannelMaxIdleTimeSeconds=0), so that an idle close can only come from the client.
	keepIdle bool
	// tcp puts the cluster on loopback TCP instead of an in-memory network, for scenarios
	// about sockets (tagged @tcp), which run without a bubble.
	tcp bool
}

// fakeBackend runs fakecluster on an in-memory network inside the scenario's bubble (on
// loopback TCP, in real time, for scenarios tagged @tcp).
type fakeBackend struct{}

func (fakeBackend) Name() string  { return "fake" }
func (fakeBackend) Virtual() bool { return true }

func (fakeBackend) StartCluster(t *testing.T, spec clusterSpec) (backend.Cluster, error) {
	opts := []fakecluster.Option{fakecluster.WithBrokers(spec.brokers)}
	if !spec.tcp {
		opts = append(opts, fakecluster.WithMemNetwork(remoting.NewMemNetwork()))
	}
	if spec.slaves {
		opts = append(opts, fakecluster.WithSlaves(true))
	}
	if spec.noAutoCreate {
		opts = append(opts, fakecluster.WithAutoCreateTopic(false))
	}
	if spec.keepIdle {
		opts = append(opts, fakecluster.WithBrokerOptions(fakebroker.WithRemotingOptions(remoting.WithIdleTimeout(0))))
	}
	c, err := fakecluster.New(opts...)
	if err != nil {
		return nil, err
	}
	// WithStartTimeout bounds the start (in virtual seconds inside the bubble).
	if err := c.Start(context.Background()); err != nil {
		return nil, err
	}
	f := backend.NewFake(c)
	t.Cleanup(func() { _ = f.Close() })
	return f, nil
}

// slaves returns what c offers about its brokers' slaves (the real backend's scenario view
// wraps the cluster that has them).
func slaves(c backend.Cluster) (backend.Slaves, error) {
	if u, ok := c.(interface{ Unwrap() backend.Cluster }); ok {
		c = u.Unwrap()
	}
	s, ok := c.(backend.Slaves)
	if !ok {
		return nil, fmt.Errorf("slaves: %w by this backend", errors.ErrUnsupported)
	}
	return s, nil
}

// memNetwork returns the in-memory network a cluster runs on, when it is the fakes on one.
func memNetwork(c backend.Cluster) (*remoting.MemNetwork, bool) {
	f, ok := c.(*backend.Fake)
	if !ok || f.FakeCluster().Network() == nil {
		return nil, false
	}
	return f.FakeCluster().Network(), true
}
