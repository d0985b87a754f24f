package conformance

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// javaTrust is a Java client's TLS with tls.enable=true and tls.client.authServer off: any
// certificate is accepted.
func javaTrust() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// sendOver sends one message with a producer built from opts and checks the broker stored it.
func sendOver(t *testing.T, c *realrmq.Cluster, opts ...client.Option) error {
	t.Helper()
	topic := unique("TLS")
	createTopic(t, c, topic, 2)
	p := newProducer(t, c, unique("pg_tls"), append([]client.Option{client.WithSendTimeout(5 * time.Second)}, opts...)...)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := p.Send(ctx, client.NewMessage(topic, []byte("over TLS")))
	if err != nil {
		return err
	}
	checkStored(t, c, res, stored(t, c, topic, 1)[0])
	return nil
}

// A real 4.9.7 cluster is permissive by default (tls.server.mode), with a self-signed
// certificate (tls.test.mode.enable): our producer sends over TLS as a Java client with
// tls.enable=true does, and one that verifies certificates is refused with the reason.
func TestTLSPermissiveRealCluster(t *testing.T) {
	c := shared.Cluster(t)
	require.NoError(t, sendOver(t, c, client.WithTLS(javaTrust())))

	conn := remoting.NewClient(remoting.WithTLS(&tls.Config{}))
	defer conn.Close()
	_, err := conn.Conn(t.Context(), c.NameServerAddr())
	require.ErrorContains(t, err, "tls: failed to verify certificate")
}

// With tls.server.mode=enforcing our producer sends over TLS, and a plain one gets no route.
func TestTLSEnforcingRealCluster(t *testing.T) {
	c := realrmq.Start(t, realrmq.WithTLSMode(remoting.TLSEnforcing), realrmq.WithAutoCreateTopic(true))
	require.NoError(t, sendOver(t, c, client.WithTLS(javaTrust())))

	plain := remoting.NewClient()
	defer plain.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := plain.Invoke(ctx, c.NameServerAddr(), remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
	require.Error(t, err, "a real enforcing name server closes plain connections")
	t.Logf("plain client against an enforcing 4.9.7 name server: %v", err)
}
