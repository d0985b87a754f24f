package conformance

import (
	"testing"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/backend/backendtest"
)

// Real 4.9.7 servers keep the backend contract that the fakes keep (backend's own tests): what
// the behaviour book and load runs read and do, they read and do the same way on both.
func TestRealBackendKeepsTheContract(t *testing.T) {
	c := backend.NewReal(shared.Cluster(t))
	t.Cleanup(func() { _ = c.Close() })
	backendtest.Run(t, c, backendtest.Capabilities{Processes: true}, "RealContract")
}

// The same servers behind rocketsim's proxy: faults, history and crashes as clients see them
// are the proxy's, everything else the real servers'.
func TestProxyBackendKeepsTheContract(t *testing.T) {
	c := backend.NewProxy(startProxy(t, shared.Cluster(t)))
	t.Cleanup(func() { _ = c.Close() })
	backendtest.Run(t, c, backendtest.Capabilities{Processes: true, Faults: true, History: true}, "ProxyContract")
}
