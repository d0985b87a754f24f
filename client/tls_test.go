package client

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/internal/testcert"
	"github.com/rocketsim/rocketsim/remoting"
)

// With TLS on every server, the producer's name-server queries, heartbeats and sends all go
// over TLS (a plain connection would be refused by the handshake).
func TestTLSEndToEnd(t *testing.T) {
	serverTLS, clientTLS := testcert.New(t)
	c := fakecluster.Start(t, fakecluster.WithTopic("T", 4),
		fakecluster.WithNameServerOptions(fakenamesrv.WithRemotingOptions(remoting.WithTLS(serverTLS))),
		fakecluster.WithBrokerOptions(
			fakebroker.WithRemotingOptions(remoting.WithTLS(serverTLS)),
			fakebroker.WithNameServerClientOptions(remoting.WithTLS(clientTLS))))

	p, err := NewProducer(WithGroup("pg"), WithNameServers(c.NameServerAddr()), WithManager(NewManager()), WithTLS(clientTLS))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	res := send(t, p, "T", "over TLS")
	require.Equal(t, res.MsgID, c.Messages("T")[0].MsgID)

	plain, err := NewProducer(WithGroup("plain"), WithNameServers(c.NameServerAddr()), WithManager(NewManager()), WithSendTimeout(time.Second))
	require.NoError(t, err)
	require.NoError(t, plain.Start())
	defer plain.Shutdown()
	_, err = plain.Send(background, NewMessage("T", []byte("x")))
	require.Error(t, err, "a producer without TLS gets no route")
}
