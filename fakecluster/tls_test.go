package fakecluster_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// Each mode on the whole cluster: the brokers register (over TLS where it is enforced), routes
// and sends work over TLS, and plain clients get what the mode allows.
func TestClusterTLSModes(t *testing.T) {
	for _, mode := range []remoting.TLSMode{remoting.TLSPermissive, remoting.TLSEnforcing} {
		t.Run(mode.String(), func(t *testing.T) {
			cl := fakecluster.Start(t, fakecluster.WithTopic("Orders", 2), fakecluster.WithTLS(nil, mode))
			secure := &client{t: t, c: remotingtest.NewClient(t, nil, remoting.WithTLS(&tls.Config{InsecureSkipVerify: true}))}
			route := secure.route(cl.NameServerAddr(), "Orders")
			require.NotNil(t, route)
			resp := secure.send(route.BrokerDatas[0].BrokerAddrs[0], "Orders", 0, "over TLS", nil)
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			require.Len(t, cl.Messages("Orders"), 1)

			plain := newClient(t, cl)
			_, err := plain.invoke(cl.NameServerAddr(), remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
			if mode == remoting.TLSEnforcing {
				require.ErrorIs(t, err, remoting.ErrConnectionClosed)
			} else {
				require.NoError(t, err)
			}
			require.NoError(t, cl.DeleteTopic(t.Context(), "Orders"), "the cluster's own admin requests get through")
		})
	}
}

// GET /v1/limits lists each server's limits and what they refused, in JSON a test in any
// language reads.
func TestAdminLimits(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithServerOptions(remoting.WithMaxConnections(1)))
	// The broker's registration holds the name server's one connection; a second is closed.
	nc, err := net.Dial("tcp", cl.NameServerAddr())
	require.NoError(t, err)
	defer nc.Close()
	_, err = nc.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)

	code, v := admin(t, cl.AdminHandler(), "GET", "/v1/limits", "")
	require.Equal(t, http.StatusOK, code)
	servers := v["servers"].([]any)
	require.Len(t, servers, 2)
	ns := servers[0].(map[string]any)
	require.Equal(t, "namesrv", ns["target"])
	require.Equal(t, cl.NameServerAddr(), ns["addr"])
	require.Equal(t, map[string]any{
		"maxConnections": 1.0, "maxInflightRequests": float64(remoting.DefaultMaxInflightRequests),
		"maxFrameSize": float64(remoting.DefaultMaxFrameSize), "maxHeaderSize": float64(remoting.DefaultMaxHeaderSize),
		"maxUnwrittenBytes": float64(remoting.DefaultMaxUnwrittenBytes), "idleTimeoutMs": 120000.0, "frameReadTimeoutMs": 60000.0, "tlsMode": "disabled",
	}, ns["settings"])
	counters := ns["counters"].(map[string]any)
	require.Equal(t, 1.0, counters["connections"])
	require.Equal(t, 1.0, counters["rejectedConnections"])
	require.Equal(t, 0.0, counters["busyRequests"])
	require.Equal(t, 0.0, counters["readPauses"])
	broker := servers[1].(map[string]any)
	require.Equal(t, "broker-a", broker["target"])
	require.Equal(t, 0.0, broker["counters"].(map[string]any)["rejectedConnections"])
}
