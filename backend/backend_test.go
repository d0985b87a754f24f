package backend_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/backend/backendtest"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
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

// The same fakes behind a proxy: faults, history and crashes are the proxy's.
func TestProxyKeepsTheContract(t *testing.T) {
	fc := fakecluster.Start(t, fakecluster.WithBrokers(2))
	p, err := proxy.New(fc.NameServerAddr())
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context()))
	c := backend.NewProxy(p)
	t.Cleanup(func() { _ = c.Close() })
	backendtest.Run(t, c, backendtest.Capabilities{Processes: true, Faults: true, History: true}, "Proxy")
}

// What the proxy backend does beyond the contract: a crash is the proxy's, so the broker behind
// runs on, and what cannot be faked in front of a cluster is unsupported.
func TestProxyCrashLeavesTheBrokerBehindRunning(t *testing.T) {
	fc := fakecluster.Start(t, fakecluster.WithBrokers(2))
	p, err := proxy.New(fc.NameServerAddr())
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context()))
	c := backend.NewProxy(p)
	t.Cleanup(func() { _ = c.Close() })
	require.Same(t, p, c.Proxy())
	require.Nil(t, c.Dialer(), "the proxy listens on TCP")
	require.Equal(t, p.NameServerAddr(), c.NameServerAddr())

	require.NoError(t, c.Crash(t.Context(), "broker-a"))
	b, _ := fc.Broker("broker-a")
	require.True(t, b.Running())
	require.False(t, c.Brokers()[0].Running)
	listener, _ := p.Broker("broker-a")
	require.Equal(t, listener.Addr, c.Brokers()[0].Addr, "brokers are named by the proxy's listeners")
	require.NoError(t, c.Restart(t.Context(), "broker-a"))

	require.ErrorIs(t, c.Silence(t.Context(), "broker-a", true), errors.ErrUnsupported)
	require.ErrorIs(t, c.BlackHole(t.Context(), "broker-a"), errors.ErrUnsupported)
	_, err = c.Requests("broker-x", remoting.CodeSendMessageV2)
	require.ErrorIs(t, err, backend.ErrUnknownBroker)
	require.Error(t, c.AddFault("broker-a", fault.Rule{Action: "explode"}))
}
