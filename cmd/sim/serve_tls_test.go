package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/testcert"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// startServe runs sim serve with args until the test ends and returns its ready line.
func startServe(t *testing.T, args ...string) serveReady {
	t.Helper()
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"serve", "-namesrv", "127.0.0.1:0", "-admin", "127.0.0.1:0"}, args...), stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	t.Cleanup(func() {
		cancel()
		require.Equal(t, 0, <-exit)
		http.DefaultClient.CloseIdleConnections()
	})
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	return decodeReady(t, lines.Text())
}

func askRoute(t *testing.T, ns string, opts ...remoting.ClientOption) error {
	t.Helper()
	c := remoting.NewClient(opts...)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Invoke(ctx, ns, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: "Orders"}, nil))
	if err == nil {
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	return err
}

func limitsOf(t *testing.T, admin string) map[string]any {
	t.Helper()
	resp, err := http.Get(admin + "/v1/limits")
	require.NoError(t, err)
	defer resp.Body.Close()
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v["servers"].([]any)[0].(map[string]any)
}

// -tls-mode enforcing with a self-signed certificate: TLS clients that trust any certificate
// (as Java's do) get through, plain ones are refused and counted; the limits given as flags
// show in GET /v1/limits.
func TestServeTLSEnforcingAndLimits(t *testing.T) {
	ready := startServe(t, "-topics", "Orders:2", "-tls-mode", "enforcing", "-max-inflight", "5",
		"-max-conns", "50", "-idle-timeout", "30s", "-frame-timeout", "2s", "-max-header", "4096", "-max-frame", "65536", "-max-unwritten", "8192")
	require.NoError(t, askRoute(t, ready.NameSrv, remoting.WithTLS(&tls.Config{InsecureSkipVerify: true})))
	require.ErrorIs(t, askRoute(t, ready.NameSrv), remoting.ErrConnectionClosed)

	ns := limitsOf(t, ready.Admin)
	require.Equal(t, map[string]any{
		"maxConnections": 50.0, "maxInflightRequests": 5.0, "maxFrameSize": 65536.0, "maxHeaderSize": 4096.0,
		"maxUnwrittenBytes": 8192.0, "idleTimeoutMs": 30000.0, "frameReadTimeoutMs": 2000.0, "tlsMode": "enforcing",
	}, ns["settings"])
	require.Equal(t, 1.0, ns["counters"].(map[string]any)["tlsRejected"])
}

// -tls-cert and -tls-key: the servers present that certificate, so a client that verifies it
// gets through; -tls alone is permissive, so plain clients do too.
func TestServeTLSWithCertificateFiles(t *testing.T) {
	serverTLS, clientTLS := testcert.New(t)
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pair := serverTLS.Certificates[0]
	require.NoError(t, os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.Certificate[0]}), 0o600))
	der, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))

	ready := startServe(t, "-topics", "Orders:2", "-tls", "-tls-cert", cert, "-tls-key", key)
	require.NoError(t, askRoute(t, ready.NameSrv, remoting.WithTLS(clientTLS)))
	require.NoError(t, askRoute(t, ready.NameSrv), "permissive: plain clients too")
	require.Equal(t, "permissive", limitsOf(t, ready.Admin)["settings"].(map[string]any)["tlsMode"])
}
