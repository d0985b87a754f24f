//go:build linux

package proxy_test

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
)

// swallowTimeout is how long a dial to a black hole is given: long enough for a refusal or an
// answer on loopback, so that only a swallowed SYN times out.
const swallowTimeout = 500 * time.Millisecond

// requireSwallowed dials addr and requires the dial to time out: neither connected nor refused.
func requireSwallowed(t *testing.T, addr string) {
	t.Helper()
	conn, err := (&net.Dialer{Timeout: swallowTimeout}).Dial("tcp", addr)
	if err == nil {
		_ = conn.Close()
	}
	require.Error(t, err, "a dial to %s connected", addr)
	require.NotErrorIs(t, err, syscall.ECONNREFUSED)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "the dial to %s did not time out: %v", addr, err)
}

// A black hole through the admin API: the broker is crashed as clients see it, then its
// addresses (main and VIP) swallow connection attempts, so that a dial hangs until the
// dialer's timeout; start brings its listeners back on the same addresses.
func TestBlackHoleSwallowsConnectionAttempts(t *testing.T) {
	_, p := cluster(t)
	h := p.AdminHandler()
	a := proxied(t, p, "broker-a")
	vip, _ := vipOf(a.Addr)
	c := rawClient(t)
	conn, err := c.Conn(ctx(t), a.Addr)
	require.NoError(t, err)

	code, v := adminCall(t, h, "POST", "/v1/brokers/broker-a/blackhole", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"name": "broker-a", "addr": a.Addr, "online": false}, v["brokers"].([]any)[0])
	select {
	case <-conn.Done():
	case <-time.After(timeout):
		t.Fatal("the client's connection through the proxy stayed open")
	}
	requireSwallowed(t, a.Addr)
	requireSwallowed(t, vip)
	requireSwallowed(t, a.Addr) // a hole stays one: no dial ever fills it
	require.NoError(t, p.BlackHoleBroker("broker-a"), "black-holing a black hole does nothing")
	requireSwallowed(t, a.Addr)

	// Our client, given the address, gives up at its connect timeout.
	short := rawClient(t, remoting.WithConnectTimeout(swallowTimeout))
	start := time.Now()
	_, err = short.Conn(ctx(t), a.Addr)
	require.Error(t, err)
	require.GreaterOrEqual(t, time.Since(start), swallowTimeout, "the connect was refused, not swallowed: %v", err)

	rd := decodeRoute(t, routeVia(t, c, p.NameServerAddr(), "T", 407, remoting.SerializeJSON))
	require.Equal(t, map[string]string{"broker-b": proxied(t, p, "broker-b").Addr}, masters(rd), "left out of routes, as after a crash")

	code, v = adminCall(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, true, v["brokers"].([]any)[0].(map[string]any)["online"])
	for _, addr := range []string{a.Addr, vip} {
		conn, err := net.DialTimeout("tcp", addr, timeout)
		require.NoError(t, err, "%s listens again", addr)
		_ = conn.Close()
	}
	pr := producer(t, p)
	_, err = pr.SendToQueue(ctx(t), client.NewMessage("T", []byte("back")), client.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0})
	require.NoError(t, err)

	code, v = adminCall(t, h, "POST", "/v1/brokers/broker-x/blackhole", "")
	require.Equal(t, http.StatusNotFound, code, v)
	require.ErrorIs(t, p.BlackHoleBroker("broker-x"), proxy.ErrUnknownBroker)
}

// Closing the proxy frees a black-holed address: it refuses connections.
func TestCloseFreesABlackHole(t *testing.T) {
	_, p := cluster(t)
	a := proxied(t, p, "broker-a")
	require.NoError(t, p.BlackHoleBroker("broker-a"))
	requireSwallowed(t, a.Addr)
	require.NoError(t, p.Close())
	_, err := (&net.Dialer{Timeout: timeout}).Dial("tcp", a.Addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
}
