package scenarios

import (
	"context"
	"errors"
	"testing"

	"github.com/rocketsim/rocketsim/backend"
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
	// StartCluster starts a cluster with n brokers (broker-a, broker-b, ...) and stops it
	// when t ends. On a virtual backend it is called inside the scenario's bubble.
	StartCluster(t *testing.T, n int) (backend.Cluster, error)
}

// fakeBackend runs fakecluster on an in-memory network inside the scenario's bubble.
type fakeBackend struct{}

func (fakeBackend) Name() string  { return "fake" }
func (fakeBackend) Virtual() bool { return true }

func (fakeBackend) StartCluster(t *testing.T, n int) (backend.Cluster, error) {
	c, err := fakecluster.New(fakecluster.WithMemNetwork(remoting.NewMemNetwork()), fakecluster.WithBrokers(n))
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

// memNetwork returns the in-memory network a cluster runs on, when it is the fakes on one.
func memNetwork(c backend.Cluster) (*remoting.MemNetwork, bool) {
	f, ok := c.(*backend.Fake)
	if !ok || f.FakeCluster().Network() == nil {
		return nil, false
	}
	return f.FakeCluster().Network(), true
}
