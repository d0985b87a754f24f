package proxy_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The proxy's name server answers as the upstream does, with one difference: every broker
// address, slaves' included, is a listener of the proxy's. The route keeps the form the
// upstream chose for the request (standard JSON for a 4.9.7 client, bare keys for the official
// Go client's version 317) byte for byte, in either header serialization.
func TestRoutesNameTheProxysListeners(t *testing.T) {
	fc, p := cluster(t, fakecluster.WithSlaves(true))
	c := rawClient(t)
	listeners := map[string]string{} // upstream address -> the proxy's
	for _, b := range p.Brokers() {
		listeners[b.Upstream] = b.Addr
		require.True(t, b.Running)
	}
	var upstreams []string
	for _, b := range append(fc.Brokers(), fc.Slaves()...) {
		upstreams = append(upstreams, b.Addr())
	}
	require.ElementsMatch(t, upstreams, slices.Collect(maps.Keys(listeners)), "a listener per upstream address, slaves included")

	for _, tc := range []struct {
		version  int32
		st       remoting.SerializeType
		standard bool
	}{
		{407, remoting.SerializeJSON, true},
		{317, remoting.SerializeJSON, false},
		{407, remoting.SerializeRocketMQ, true},
		{317, remoting.SerializeRocketMQ, false},
	} {
		t.Run(fmt.Sprintf("version %d %s", tc.version, tc.st), func(t *testing.T) {
			direct := routeVia(t, c, fc.NameServerAddr(), "T", tc.version, tc.st)
			viaProxy := routeVia(t, c, p.NameServerAddr(), "T", tc.version, tc.st)
			require.Equal(t, tc.st, viaProxy.SerializeType)
			want := decodeRoute(t, direct)
			for _, bd := range want.BrokerDatas {
				require.Len(t, bd.BrokerAddrs, 2, "master and slave")
				for id, a := range bd.BrokerAddrs {
					bd.BrokerAddrs[id] = listeners[a]
				}
			}
			standard, known := protocol.RouteJSONForm(viaProxy.Body)
			require.True(t, known)
			require.Equal(t, tc.standard, standard)
			require.Equal(t, string(want.Encode(tc.standard)), string(viaProxy.Body))
		})
	}

	t.Run("cluster info", func(t *testing.T) {
		for _, st := range []remoting.SerializeType{remoting.SerializeJSON, remoting.SerializeRocketMQ} {
			req := remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil)
			req.SerializeType = st
			resp, err := c.Invoke(ctx(t), p.NameServerAddr(), req)
			require.NoError(t, err)
			require.Equal(t, remoting.Success, resp.Code)
			require.Equal(t, st, resp.SerializeType)
			ci, err := protocol.DecodeClusterInfo(resp.Body)
			require.NoError(t, err)
			var got []string
			for _, bd := range ci.BrokerAddrTable {
				got = slices.AppendSeq(got, maps.Values(bd.BrokerAddrs))
			}
			require.ElementsMatch(t, slices.Collect(maps.Values(listeners)), got)
			require.ElementsMatch(t, []string{"broker-a", "broker-b"}, ci.ClusterAddrTable["DefaultCluster"])
		}
	})

	t.Run("other answers pass unchanged", func(t *testing.T) {
		missing := routeVia(t, c, p.NameServerAddr(), "Missing", 407, remoting.SerializeJSON)
		require.Equal(t, remoting.TopicNotExist, missing.Code)
		require.Equal(t, protocol.TopicNotExistRemark("Missing"), missing.Remark)
		resp, err := c.Invoke(ctx(t), p.NameServerAddr(), remoting.NewRequest(remoting.CodeGetAllTopicListFromNameServer, nil, nil))
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code)
		require.Contains(t, string(resp.Body), `"T"`)
	})
}

// An address the upstream starts naming after the proxy started gets a listener when an answer
// first names it.
func TestListenersForBrokersThatComeLater(t *testing.T) {
	fc, p := cluster(t)
	require.Len(t, p.Brokers(), 2)
	tc := protocol.NewTopicConfig("T")
	late := fakebroker.New(fakebroker.WithName("broker-c"), fakebroker.WithNameServers(fc.NameServerAddr()),
		fakebroker.WithTopics(tc), fakebroker.WithLogger(testkit.Quiet))
	require.NoError(t, late.Start())
	t.Cleanup(late.Crash)
	require.NoError(t, fc.AwaitRoute(ctx(t), "T", func(rd *protocol.TopicRouteData) bool { return len(rd.BrokerDatas) == 3 }))

	rd := decodeRoute(t, routeVia(t, rawClient(t), p.NameServerAddr(), "T", 407, remoting.SerializeJSON))
	got := masters(rd)
	require.Len(t, got, 3)
	listener, ok := p.Broker("broker-c")
	require.True(t, ok, "a listener in front of broker-c")
	require.Equal(t, listener.Addr, got["broker-c"])
	require.Equal(t, late.Addr(), listener.Upstream)
}
