//go:build unix

package remoting

import (
	"context"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// soKeepAlive reads SO_KEEPALIVE of a TCP connection's socket.
func soKeepAlive(t *testing.T, nc net.Conn) bool {
	t.Helper()
	tcp, ok := nc.(*net.TCPConn)
	require.True(t, ok, "a %T, not a TCP connection", nc)
	raw, err := tcp.SyscallConn()
	require.NoError(t, err)
	var on int
	var optErr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		on, optErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
	}))
	require.NoError(t, optErr)
	return on != 0
}

// Java's NettyRemotingClient sets SO_KEEPALIVE false; Go's net.Dialer would turn it on.
func TestClientDialsWithKeepAliveOff(t *testing.T) {
	_, addr := startServer(t, tcpNet())
	c := NewClient()
	t.Cleanup(func() { _ = c.Close() })
	conn, err := c.Conn(context.Background(), addr)
	require.NoError(t, err)
	require.False(t, soKeepAlive(t, conn.nc))

	var d net.Dialer
	plain, err := d.DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err)
	defer plain.Close()
	require.True(t, soKeepAlive(t, plain), "the check sees keepalive where Go's default dialer turns it on")
}
