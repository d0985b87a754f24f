package scenarios

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// socketKeepAlive finds the socket of this process bound to local ("ip:port") among its open
// files and reads its SO_KEEPALIVE: the producers of a scenario live in this process, so their
// sockets are ours to read.
func socketKeepAlive(local string) (bool, error) {
	want, err := netip.ParseAddrPort(local)
	if err != nil {
		return false, err
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false, err
	}
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
		if err != nil {
			return false, err
		}
		return v != 0, nil
	}
	return false, fmt.Errorf("no socket of this process is bound to %s", local)
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
