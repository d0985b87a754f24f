package backend_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
)

// A slave crashes and comes back as clients see it, and what reached it is its own: on the
// fakes and behind a proxy, whose history a broker name's master and slave share.
func TestSlaves(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T, fc *fakecluster.Cluster) backend.Cluster
	}{
		{"Fake", func(_ *testing.T, fc *fakecluster.Cluster) backend.Cluster { return backend.NewFake(fc) }},
		{"Proxy", func(t *testing.T, fc *fakecluster.Cluster) backend.Cluster {
			p, err := proxy.New(fc.NameServerAddr())
			require.NoError(t, err)
			require.NoError(t, p.Start(t.Context()))
			c := backend.NewProxy(p)
			t.Cleanup(func() { _ = c.Close() })
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithSlaves(true), fakecluster.WithTopicOn("T", 2, "broker-a"))
			c := tc.open(t, fc)
			s, ok := c.(backend.Slaves)
			require.True(t, ok)
			ctx := t.Context()
			addrs := func() map[int64]string {
				rd, ok, err := c.Route(ctx, "T")
				require.NoError(t, err)
				require.True(t, ok)
				require.Len(t, rd.BrokerDatas, 1)
				return rd.BrokerDatas[0].BrokerAddrs
			}
			both := addrs()
			require.Len(t, both, 2, "the route names the slave beside the master")

			cli := remoting.NewClient()
			t.Cleanup(func() { _ = cli.Close() })
			_, _, _ = admin.BrokerConfig(ctx, cli, both[0])
			_, _, _ = admin.BrokerConfig(ctx, cli, both[1])
			_, _, _ = admin.BrokerConfig(ctx, cli, both[1])
			got, err := s.SlaveRequests("broker-a", remoting.CodeGetBrokerConfig)
			require.NoError(t, err)
			require.Len(t, got, 2, "the slave's requests, not its master's")

			require.NoError(t, s.CrashSlave(ctx, "broker-a"))
			require.Equal(t, map[int64]string{0: both[0]}, addrs())
			require.NoError(t, s.RestartSlave(ctx, "broker-a"))
			require.Equal(t, both, addrs())

			require.ErrorIs(t, s.CrashSlave(ctx, "broker-x"), backend.ErrUnknownBroker)
			_, err = s.SlaveRequests("broker-x", remoting.CodeGetBrokerConfig)
			require.ErrorIs(t, err, backend.ErrUnknownBroker)
		})
	}
}
