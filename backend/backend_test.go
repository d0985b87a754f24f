package backend_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/backend/backendtest"
	"github.com/rocketsim/rocketsim/fakecluster"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFakeKeepsTheContract(t *testing.T) {
	c := backend.NewFake(fakecluster.Start(t, fakecluster.WithBrokers(2)))
	backendtest.Run(t, c, backendtest.Capabilities{Processes: true, Faults: true, History: true, ListAllClients: true}, "Fake")
}

// The same fakes reached only over the wire, as any cluster this process does not control.
func TestRemoteKeepsTheContract(t *testing.T) {
	fc := fakecluster.Start(t, fakecluster.WithBrokers(2))
	c := backend.NewRemote(fc.NameServerAddr())
	t.Cleanup(func() { _ = c.Close() })
	backendtest.Run(t, c, backendtest.Capabilities{}, "Remote")
}
