package proxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// timeout bounds each wait of these tests on loopback TCP.
const timeout = 10 * time.Second

// start starts a proxy in front of the name server at upstream, closed when the test ends.
func start(t testing.TB, upstream string, opts ...proxy.Option) *proxy.Proxy {
	t.Helper()
	p, err := proxy.New(upstream, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	require.NoError(t, p.Start(ctx))
	return p
}

// cluster starts two fake brokers and a fake name server on loopback, topic T (4 queues)
// on both, and a proxy in front of them.
func cluster(t *testing.T, opts ...fakecluster.Option) (*fakecluster.Cluster, *proxy.Proxy) {
	t.Helper()
	fc := fakecluster.Start(t, append([]fakecluster.Option{fakecluster.WithBrokers(2), fakecluster.WithTopic("T", 4)}, opts...)...)
	return fc, start(t, fc.NameServerAddr())
}

func brokerOf(t *testing.T, fc *fakecluster.Cluster, name string) *fakebroker.Broker {
	t.Helper()
	b, ok := fc.Broker(name)
	require.True(t, ok, name)
	return b
}

func proxied(t *testing.T, p *proxy.Proxy, name string) proxy.Broker {
	t.Helper()
	b, ok := p.Broker(name)
	require.True(t, ok, name)
	return b
}

// producer is a started producer of our client that uses p as its name server.
func producer(t *testing.T, p *proxy.Proxy, more ...client.Option) *client.Producer {
	t.Helper()
	opts := []client.Option{client.WithGroup("pg_" + strings.ReplaceAll(t.Name(), "/", "_")), client.WithNameServers(p.NameServerAddr()),
		client.WithManager(client.NewManager()), client.WithLogger(testkit.Quiet)}
	pr, err := client.NewProducer(append(opts, more...)...)
	require.NoError(t, err)
	require.NoError(t, pr.Start())
	t.Cleanup(pr.Shutdown)
	return pr
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return c
}

// routeVia asks the name server at ns for topic's route with a request of the given version
// and serialize type, and returns the answer.
func routeVia(t *testing.T, c *remoting.Client, ns, topic string, version int32, st remoting.SerializeType) *remoting.Command {
	t.Helper()
	req := protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: topic}, nil)
	req.Version, req.SerializeType = version, st
	resp, err := c.Invoke(ctx(t), ns, req)
	require.NoError(t, err)
	return resp
}

func decodeRoute(t *testing.T, resp *remoting.Command) *protocol.TopicRouteData {
	t.Helper()
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	rd, err := protocol.DecodeTopicRouteData(resp.Body)
	require.NoError(t, err)
	return rd
}

// masters maps broker names to the master address of a route.
func masters(rd *protocol.TopicRouteData) map[string]string {
	out := map[string]string{}
	for _, bd := range rd.BrokerDatas {
		if a, ok := bd.MasterAddr(); ok {
			out[bd.BrokerName] = a
		}
	}
	return out
}

// admin calls the proxy's admin API as a test in another language would, and decodes the
// JSON answer generically.
func adminCall(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	raw, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	if len(raw) == 0 {
		return rec.Code, nil
	}
	var v map[string]any
	require.NoError(t, json.Unmarshal(raw, &v), string(raw))
	return rec.Code, v
}

// rawClient is a remoting client for requests written by hand, closed when the test ends.
func rawClient(t *testing.T, opts ...remoting.ClientOption) *remoting.Client {
	t.Helper()
	return remotingtest.NewClient(t, nil, opts...)
}
