package backend_test

import (
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/backend/backendtest"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
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
	require.ErrorIs(t, c.BlackHole(t.Context(), "broker-x"), backend.ErrUnknownBroker)
	if runtime.GOOS == "linux" {
		require.NoError(t, c.BlackHole(t.Context(), "broker-a"))
		conn, err := (&net.Dialer{Timeout: 300 * time.Millisecond}).Dial("tcp", listener.Addr)
		if err == nil {
			_ = conn.Close()
		}
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "the dial was not swallowed: %v", err)
		require.False(t, c.Brokers()[0].Running)
		require.NoError(t, c.Restart(t.Context(), "broker-a"))
		require.True(t, c.Brokers()[0].Running)
	} else {
		require.ErrorIs(t, c.BlackHole(t.Context(), "broker-a"), errors.ErrUnsupported)
	}
	_, err = c.Requests("broker-x", remoting.CodeSendMessageV2)
	require.ErrorIs(t, err, backend.ErrUnknownBroker)
	require.Error(t, c.AddFault("broker-a", fault.Rule{Action: "explode"}))
}

// Messages a broker's retention dropped cannot be read back from an offset before them, by
// the in-process backend as over the wire (a pull answers PULL_OFFSET_MOVED): a read-back
// reports it instead of counting the dropped messages as never stored.
func TestScanMessagesAfterRetention(t *testing.T) {
	fc := fakecluster.Start(t, fakecluster.WithTopic("Kept", 1),
		fakecluster.WithBrokerOptions(fakebroker.WithStoreLimit(8192), fakebroker.WithStoreSegmentSize(4096)))
	remote := backend.NewRemote(fc.NameServerAddr())
	t.Cleanup(func() { _ = remote.Close() })
	p, err := client.NewProducer(client.WithGroup("pg"), client.WithNameServers(fc.NameServerAddr()))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(p.Shutdown)
	for range 30 {
		_, err := p.Send(t.Context(), client.NewMessage("Kept", make([]byte, 1000)))
		require.NoError(t, err)
	}
	broker := fc.Brokers()[0]
	minOff := broker.MinOffset("Kept", 0)
	require.Positive(t, minOff, "retention dropped the oldest messages")
	q := backend.Queue{Topic: "Kept", Broker: broker.Name(), ID: 0}
	for name, c := range map[string]backend.Cluster{"Fake": backend.NewFake(fc), "Remote": remote} {
		mins, err := c.MinOffsets(t.Context(), "Kept")
		require.NoError(t, err, name)
		require.Equal(t, backend.Offsets{q: minOff}, mins, name)
		count := 0
		err = c.ScanMessages(t.Context(), "Kept", backend.Offsets{q: minOff}, func(*protocol.MessageExt) error { count++; return nil })
		require.NoError(t, err, name)
		require.Equal(t, 30-int(minOff), count, name)
		err = c.ScanMessages(t.Context(), "Kept", backend.Offsets{q: 0}, func(*protocol.MessageExt) error { return nil })
		require.ErrorIs(t, err, admin.ErrOffsetMoved, name)
	}
}
