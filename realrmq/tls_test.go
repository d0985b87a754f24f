package realrmq

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// tlsOutcome is what a client sees of one request on a fresh connection.
func tlsOutcome(t *testing.T, addr string, opts ...remoting.ClientOption) string {
	t.Helper()
	c := remoting.NewClient(append([]remoting.ClientOption{remoting.WithConnectTimeout(5 * time.Second)}, opts...)...)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Invoke(ctx, addr, remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
	var ce *remoting.ConnectError
	switch {
	case err == nil:
		return "answered"
	case errors.As(err, &ce):
		return "handshake refused"
	case errors.Is(err, remoting.ErrConnectionClosed):
		return "closed"
	}
	return "other: " + err.Error()
}

// Each of Java's TLS modes on the fakes treats plain and TLS clients as the same mode on real
// 4.9.7 servers does, name server and broker alike.
func TestTLSModesMatchReal(t *testing.T) {
	trustAny := remoting.WithTLS(&tls.Config{InsecureSkipVerify: true})
	for _, mode := range []remoting.TLSMode{remoting.TLSDisabled, remoting.TLSPermissive, remoting.TLSEnforcing} {
		t.Run(mode.String(), func(t *testing.T) {
			var real *Cluster
			if mode == remoting.TLSPermissive {
				real = shared.Cluster(t) // 4.9.7's default mode
			} else {
				real = Start(t, WithTLSMode(mode))
			}
			fake := fakecluster.Start(t, fakecluster.WithTLS(nil, mode))
			outcomes := func(ns, broker string) map[string]string {
				return map[string]string{
					"namesrv plain": tlsOutcome(t, ns), "namesrv TLS": tlsOutcome(t, ns, trustAny),
					"broker plain": tlsOutcome(t, broker), "broker TLS": tlsOutcome(t, broker, trustAny),
				}
			}
			want := outcomes(real.NameServerAddr(), real.Brokers()[0].Addr)
			t.Logf("real 4.9.7 in %s mode: %v", mode, want)
			require.Equal(t, want, outcomes(fake.NameServerAddr(), fake.Brokers()[0].Addr()))
		})
	}
}
