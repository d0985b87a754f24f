//go:build unix

package remoting

import (
	"io"
	"net"
	"os"
	"syscall"
)

// directSocket reads and writes a server connection's socket itself, through its raw
// descriptor: a write that never waits for the socket to take more (the poller's Write would
// park the caller until the peer reads, which the read loop must never do), and a read that,
// before it waits for the peer, lets the read loop write the answers it held (beforeWait).
type directSocket struct {
	rc         syscall.RawConn
	local      net.Addr
	remote     net.Addr
	beforeWait func()
	// The write's buffer and count, and the read's: the read calls beforeWait, which writes.
	wb, rb []byte
	wn, rn int
	err    error
	waited bool
	// tryWrite's and Read's steps, made once: a closure per call would be an allocation each.
	write, read func(fd uintptr) bool
}

// newDirectSocket is nil for a stream that is not a socket of this process (memnet, a
// wrapper): the writer goroutine writes all of its frames, and reads go through the stream.
func newDirectSocket(nc net.Conn, beforeWait func()) *directSocket {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	d := &directSocket{rc: rc, local: nc.LocalAddr(), remote: nc.RemoteAddr(), beforeWait: beforeWait}
	d.write = func(fd uintptr) bool {
		for {
			n, err := syscall.Write(int(fd), d.wb)
			if err == syscall.EINTR {
				continue
			}
			d.wn = max(n, 0)
			return true // never wait for the socket: what it did not take goes to the writer
		}
	}
	d.read = func(fd uintptr) bool {
		for {
			n, err := syscall.Read(int(fd), d.rb)
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				if !d.waited {
					// Nothing more to read: the answers held for a batch go before the wait
					// (and data that arrives meanwhile ends the wait at once).
					d.waited = true
					d.beforeWait()
				}
				return false
			case err != nil:
				d.err = &net.OpError{Op: "read", Net: "tcp", Source: d.local, Addr: d.remote, Err: os.NewSyscallError("read", err)}
			case n == 0:
				d.err = io.EOF
			default:
				d.rn = n
			}
			return true
		}
	}
	return d
}

// tryWrite writes what the socket takes of b at once and reports how much that was; 0 on an
// error too (the writer goroutine meets it again and closes the connection).
func (d *directSocket) tryWrite(b []byte) int {
	d.wb, d.wn = b, 0
	if err := d.rc.Write(d.write); err != nil {
		d.wn = 0
	}
	d.wb = nil
	return d.wn
}

// Read is the socket's Read, but for beforeWait. Only the read loop reads.
func (d *directSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	d.rb, d.rn, d.err, d.waited = p, 0, nil, false
	err := d.rc.Read(d.read)
	d.rb = nil
	if err != nil {
		return 0, err // a deadline passed, or the connection was closed
	}
	return d.rn, d.err
}
