package remoting

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/testcert"
)

// Java's three modes: which of a plain and a TLS client each one serves, and how the other is
// refused (closed at once, and counted).
func TestTLSModes(t *testing.T) {
	cases := []struct {
		mode           TLSMode
		plainOK, tlsOK bool
	}{
		{TLSDisabled, true, false},
		{TLSPermissive, true, true},
		{TLSEnforcing, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.mode.String(), func(t *testing.T) {
			eachNet(t, func(t *testing.T, nw testNet) {
				serverTLS, clientTLS := testcert.New(t)
				clientTLS.ServerName = "localhost" // memnet addresses are names
				srv, addr := startServer(t, nw, WithTLS(serverTLS), WithTLSMode(tc.mode))
				srv.Handle(CodeHeartBeat, echo)

				plain := newClient(t, nw, WithConnectTimeout(5*time.Second))
				_, err := plain.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, "plain"))
				if tc.plainOK {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, ErrConnectionClosed, "closed at once, not left to time out")
				}

				secure := newClient(t, nw, WithTLS(clientTLS), WithConnectTimeout(5*time.Second))
				resp, err := secure.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, "secure"))
				if tc.tlsOK {
					require.NoError(t, err)
					require.Equal(t, "secure", string(resp.Body))
				} else {
					var ce *ConnectError
					require.ErrorAs(t, err, &ce, "the handshake fails")
				}

				_, counters := srv.Limits()
				rejected := 0
				if !tc.plainOK || !tc.tlsOK {
					rejected = 1
				}
				require.EqualValues(t, rejected, counters.TLSRejected)
			})
		})
	}
}

// A mode without a certificate makes a self-signed one, as a Java server in its default test
// mode does: a client that trusts anything (Java's default) gets through, one that verifies
// fails with the reason.
func TestSelfSignedWhenNoCertificateIsGiven(t *testing.T) {
	nw := tcpNet()
	srv, addr := startServer(t, nw, WithTLSMode(TLSPermissive))
	srv.Handle(CodeHeartBeat, echo)

	javaLike := newClient(t, nw, WithTLS(&tls.Config{InsecureSkipVerify: true}))
	_, err := javaLike.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
	require.NoError(t, err)

	verifying := newClient(t, nw, WithTLS(&tls.Config{}))
	_, err = verifying.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
	require.ErrorContains(t, err, "certificate signed by unknown authority")
}

// Certificates a verifying client must refuse, each with a message that says why.
func TestBadCertificatesFailClearly(t *testing.T) {
	cases := []struct {
		name string
		make func(t testing.TB) (server, client *tls.Config)
		want string
	}{
		{"expired", testcert.Expired, "certificate has expired"},
		{"another host", func(t testing.TB) (*tls.Config, *tls.Config) {
			return testcert.Make(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "10.1.2.3")
		}, "certificate is valid for 10.1.2.3, not 127.0.0.1"},
		{"another authority", func(t testing.TB) (*tls.Config, *tls.Config) {
			server, _ := testcert.New(t)
			_, other := testcert.New(t)
			return server, other
		}, "certificate signed by unknown authority"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nw := tcpNet()
			serverTLS, clientTLS := tc.make(t)
			srv, addr := startServer(t, nw, WithTLS(serverTLS))
			srv.Handle(CodeHeartBeat, echo)
			closed := make(chan struct{})
			srv.OnConnClose(func(ConnInfo) { close(closed) })
			c := newClient(t, nw, WithTLS(clientTLS))
			_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
			var ce *ConnectError
			require.ErrorAs(t, err, &ce)
			require.ErrorContains(t, err, tc.want)
			<-closed
			_, counters := srv.Limits()
			require.EqualValues(t, 1, counters.HandshakeFailures, "the server counts the failed handshake")
		})
	}
}

func TestParseTLSMode(t *testing.T) {
	for _, m := range []TLSMode{TLSDisabled, TLSPermissive, TLSEnforcing} {
		got, err := ParseTLSMode(m.String())
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
	got, err := ParseTLSMode("ENFORCING")
	require.NoError(t, err)
	require.Equal(t, TLSEnforcing, got)
	_, err = ParseTLSMode("strict")
	require.ErrorContains(t, err, `unknown TLS mode "strict"`)
}
