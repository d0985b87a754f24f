package client

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
)

// Java's client channels have SO_KEEPALIVE false. This producer dials real loopback sockets
// (no WithDialer), and the test reads the option of the very sockets its instance opened.
func TestClientConnectionsHaveKeepAliveOff(t *testing.T) {
	c := fakecluster.Start(t, fakecluster.WithTopic("T", 4))
	p, err := NewProducer(WithGroup("pg"), WithNameServers(c.NameServerAddr()), WithManager(NewManager()), WithClientIP(testIP))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	_, err = p.Send(context.Background(), NewMessage("T", []byte("x")))
	require.NoError(t, err)

	inst := p.inst.Load()
	for _, addr := range []string{c.NameServerAddr(), brokerOf(t, c, "broker-a").Addr()} {
		conn, err := inst.rc.Conn(context.Background(), addr)
		require.NoError(t, err)
		on, found := keepAliveOfSocketAt(t, conn.LocalAddr())
		require.True(t, found, "no socket of this process is bound to %s", conn.LocalAddr())
		require.False(t, on, "SO_KEEPALIVE on the connection to %s", addr)
	}
}

// keepAliveOfSocketAt finds the socket of this process bound to local ("ip:port") among its
// open files and reads its SO_KEEPALIVE.
func keepAliveOfSocketAt(t *testing.T, local string) (on, found bool) {
	t.Helper()
	want, err := netip.ParseAddrPort(local)
	require.NoError(t, err)
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || !strings.HasPrefix(link, "socket:") {
			continue
		}
		sa, err := syscall.Getsockname(fd)
		if err != nil || sockaddrPort(sa) != want {
			continue
		}
		v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
		require.NoError(t, err)
		return v != 0, true
	}
	return false, false
}

func sockaddrPort(sa syscall.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *syscall.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}
