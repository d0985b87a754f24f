package client

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/internal/testcert"
	"github.com/rocketsim/rocketsim/remoting"
)

// A server whose certificate has expired: the send fails as Java's does (no route, since the
// name server could not be asked), and the error wraps the connect failure that says why.
func TestTLSExpiredServerCertificate(t *testing.T) {
	serverTLS, clientTLS := testcert.Expired(t)
	c := fakecluster.Start(t, fakecluster.WithTopic("T", 4), fakecluster.WithTLS(serverTLS, remoting.TLSEnforcing))
	p, err := NewProducer(WithGroup("pg"), WithNameServers(c.NameServerAddr()), WithManager(NewManager()),
		WithTLS(clientTLS), WithSendTimeout(2*time.Second))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	_, err = p.Send(background, NewMessage("T", []byte("x")))
	require.ErrorContains(t, err, "No route info of this topic: T")
	var ce *remoting.ConnectError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Addr, c.NameServerAddr())
	require.ErrorContains(t, ce, "x509: certificate has expired or is not yet valid")
}
