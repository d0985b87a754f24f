package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// holeFillTimeout bounds the proxy's own connection that fills a hole's accept queue; on
// loopback it completes at once.
const holeFillTimeout = time.Second

// hole is a TCP port that swallows connection attempts: a socket listening there with a
// backlog of 0 that is never accepted from, its accept queue filled by one connection of the
// proxy's own. Linux then drops every further SYN without an answer (tcp_conn_request: the
// accept queue is full), so a dialer hears nothing, resends its SYN, and gives up only at its
// own timeout, as when the broker's host is cut off. net.ipv4.tcp_abort_on_overflow does not
// change that: it only decides whether a handshake's last ACK that finds the queue full is
// answered with a reset, and here the SYN never gets that far.
type hole struct {
	fd     int
	filler net.Conn
}

// openHole opens a hole at addr ("ip:port"), where nothing may listen any more.
func openHole(addr string) (*hole, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("proxy: black hole at %q: %w", addr, err)
	}
	domain, sa := syscall.AF_INET, syscall.Sockaddr(&syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()})
	if ip := ap.Addr(); ip.Is6() && !ip.Is4In6() {
		domain, sa = syscall.AF_INET6, &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	} else if ip.Is4In6() {
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.Unmap().As4()}
	}
	fd, err := syscall.Socket(domain, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, fmt.Errorf("proxy: black hole at %s: %w", addr, err)
	}
	h := &hole{fd: fd}
	// SO_REUSEADDR as net.Listen sets it: the connections the crash just closed may hold the
	// port in TIME_WAIT.
	err = errors.Join(
		syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1),
		syscall.Bind(fd, sa),
		syscall.Listen(fd, 0))
	if err == nil {
		h.filler, err = net.DialTimeout("tcp", addr, holeFillTimeout)
	}
	if err != nil {
		_ = h.close()
		return nil, fmt.Errorf("proxy: black hole at %s: %w", addr, err)
	}
	return h, nil
}

// close frees the port: the listening socket closes, which resets the queued connection.
func (h *hole) close() error {
	var errs []error
	if h.filler != nil {
		errs = append(errs, h.filler.Close())
	}
	return errors.Join(append(errs, syscall.Close(h.fd))...)
}
