package remoting

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// MemNetwork is an in-memory network of listeners and connections, for tests that need many
// peers without sockets or that run inside a testing/synctest bubble (where real sockets would
// keep virtual time from moving). Every blocking operation waits on channels, so a goroutine
// blocked in Read, Write, Accept or Dial is durably blocked for synctest. Create the network,
// its listeners and connections inside the bubble that uses them.
//
// Addresses are "host:port" strings; hosts are plain names (no resolution), so "broker-a:10911"
// and "127.0.0.1:10911" are different addresses. Dialing ends get "127.0.0.1:<ephemeral>" as
// their local address, so peers that parse the remote address as an IP keep working.
type MemNetwork struct {
	mu         sync.Mutex
	listeners  map[string]*memListener
	blackHoles map[string]bool
	nextPort   int
	nextClient int
	bufferSize int
}

// DefaultMemBufferSize is the bytes a MemNetwork connection holds in each direction before a
// writer blocks, about what a loopback socket buffers.
const DefaultMemBufferSize = 256 << 10

// NewMemNetwork returns an empty network.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{
		listeners:  make(map[string]*memListener),
		blackHoles: make(map[string]bool),
		nextPort:   20000,
		nextClient: 50000,
		bufferSize: DefaultMemBufferSize,
	}
}

// SetBufferSize sets the per-direction buffer of connections made from now on (<= 0: default).
func (n *MemNetwork) SetBufferSize(bytes int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if bytes <= 0 {
		bytes = DefaultMemBufferSize
	}
	n.bufferSize = bytes
}

type memAddr string

func (memAddr) Network() string  { return "memnet" }
func (a memAddr) String() string { return string(a) }

func normalizeMemAddr(addr string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if host == "" {
		host = "127.0.0.1"
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("invalid port " + strconv.Quote(p))
	}
	return host, port, nil
}

// Listen listens on addr ("host:port"); port 0 picks a free port for that host, and an empty
// host means 127.0.0.1.
func (n *MemNetwork) Listen(addr string) (net.Listener, error) {
	host, port, err := normalizeMemAddr(addr)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "memnet", Addr: memAddr(addr), Err: err}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if port == 0 {
		for {
			n.nextPort++
			if n.nextPort > 65535 {
				n.nextPort = 20001
			}
			if _, taken := n.listeners[net.JoinHostPort(host, strconv.Itoa(n.nextPort))]; !taken {
				port = n.nextPort
				break
			}
		}
	}
	key := net.JoinHostPort(host, strconv.Itoa(port))
	if _, taken := n.listeners[key]; taken {
		return nil, &net.OpError{Op: "listen", Net: "memnet", Addr: memAddr(key), Err: syscall.EADDRINUSE}
	}
	l := &memListener{net: n, addr: memAddr(key), ready: make(chan struct{}, 1), done: make(chan struct{})}
	n.listeners[key] = l
	return l, nil
}

// SetBlackHole makes dials to addr hang until their context ends, as connecting to a host that
// drops packets does (on = true), or lets them through again (on = false).
func (n *MemNetwork) SetBlackHole(addr string, on bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if host, port, err := normalizeMemAddr(addr); err == nil {
		addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if on {
		n.blackHoles[addr] = true
	} else {
		delete(n.blackHoles, addr)
	}
}

// Dial connects to the listener at addr. With no listener there it fails at once with a
// connection-refused error (syscall.ECONNREFUSED); at a black-holed address it waits for ctx.
// It has the shape of DialFunc, so n.Dial can be given to WithDialer.
func (n *MemNetwork) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Addr: memAddr(addr), Err: err}
	}
	host, port, err := normalizeMemAddr(addr)
	if err != nil {
		return nil, opErr(err)
	}
	key := net.JoinHostPort(host, strconv.Itoa(port))
	n.mu.Lock()
	l := n.listeners[key]
	hole := n.blackHoles[key]
	n.nextClient++
	if n.nextClient > 65535 {
		n.nextClient = 50001
	}
	local := memAddr(net.JoinHostPort("127.0.0.1", strconv.Itoa(n.nextClient)))
	size := n.bufferSize
	n.mu.Unlock()

	if hole {
		<-ctx.Done()
		return nil, opErr(ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		return nil, opErr(err)
	}
	refused := opErr(os.NewSyscallError("connect", syscall.ECONNREFUSED))
	if l == nil {
		return nil, refused
	}
	client, server := newMemConnPair(local, memAddr(key), size)
	if !l.enqueue(server) {
		return nil, refused
	}
	return client, nil
}

type memListener struct {
	net   *MemNetwork
	addr  memAddr
	mu    sync.Mutex
	queue []*memConn
	ready chan struct{} // signalled when queue grows
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) enqueue(c *memConn) bool {
	l.mu.Lock()
	select {
	case <-l.done:
		l.mu.Unlock()
		return false
	default:
	}
	l.queue = append(l.queue, c)
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
	return true
}

func (l *memListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if len(l.queue) > 0 {
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			more := len(l.queue) > 0
			l.mu.Unlock()
			if more {
				// Another Accept may be waiting for the signal we consumed.
				select {
				case l.ready <- struct{}{}:
				default:
				}
			}
			return c, nil
		}
		l.mu.Unlock()
		select {
		case <-l.ready:
		case <-l.done:
			return nil, &net.OpError{Op: "accept", Net: "memnet", Addr: l.addr, Err: net.ErrClosed}
		}
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() {
		l.net.mu.Lock()
		if l.net.listeners[string(l.addr)] == l {
			delete(l.net.listeners, string(l.addr))
		}
		l.net.mu.Unlock()
		l.mu.Lock()
		close(l.done)
		queued := l.queue
		l.queue = nil
		l.mu.Unlock()
		// Connections dialed but never accepted are reset, as a closing socket resets its
		// backlog.
		for _, c := range queued {
			_ = c.Close()
		}
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return l.addr }

// pipeBuffer is one direction of a connection: a bounded byte queue.
type pipeBuffer struct {
	mu         sync.Mutex
	data       []byte
	off        int
	limit      int
	writerGone bool          // the writing end closed: reads see EOF once data is drained
	readerGone bool          // the reading end closed: writes fail
	readable   chan struct{} // signalled when data arrives or the writer goes
	writable   chan struct{} // signalled when space frees or the reader goes
}

func newPipeBuffer(limit int) *pipeBuffer {
	return &pipeBuffer{limit: limit, readable: make(chan struct{}, 1), writable: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (p *pipeBuffer) read(b []byte, deadline <-chan struct{}, closed <-chan struct{}) (int, error) {
	for {
		select {
		case <-closed:
			return 0, net.ErrClosed
		default:
		}
		p.mu.Lock()
		if avail := len(p.data) - p.off; avail > 0 {
			n := copy(b, p.data[p.off:])
			p.off += n
			left := len(p.data) - p.off
			if left == 0 {
				p.data, p.off = p.data[:0], 0
			}
			p.mu.Unlock()
			signal(p.writable)
			if left > 0 {
				signal(p.readable)
			}
			return n, nil
		}
		if p.writerGone {
			p.mu.Unlock()
			return 0, io.EOF
		}
		p.mu.Unlock()
		select {
		case <-p.readable:
		case <-deadline:
			return 0, os.ErrDeadlineExceeded
		case <-closed:
			return 0, net.ErrClosed
		}
	}
}

func (p *pipeBuffer) write(b []byte, deadline <-chan struct{}, closed <-chan struct{}) (int, error) {
	written := 0
	for len(b) > 0 {
		select {
		case <-closed:
			return written, net.ErrClosed
		default:
		}
		p.mu.Lock()
		if p.readerGone {
			p.mu.Unlock()
			return written, syscall.EPIPE
		}
		if space := p.limit - (len(p.data) - p.off); space > 0 {
			if p.off > 0 && len(p.data)+min(space, len(b)) > cap(p.data) {
				p.data = p.data[:copy(p.data, p.data[p.off:])]
				p.off = 0
			}
			n := min(space, len(b))
			p.data = append(p.data, b[:n]...)
			b = b[n:]
			written += n
			room := p.limit-(len(p.data)-p.off) > 0
			p.mu.Unlock()
			signal(p.readable)
			if room {
				signal(p.writable)
			}
			continue
		}
		p.mu.Unlock()
		select {
		case <-p.writable:
		case <-deadline:
			return written, os.ErrDeadlineExceeded
		case <-closed:
			return written, net.ErrClosed
		}
	}
	return written, nil
}

func (p *pipeBuffer) closeWriter() {
	p.mu.Lock()
	p.writerGone = true
	p.mu.Unlock()
	signal(p.readable)
}

func (p *pipeBuffer) closeReader() {
	p.mu.Lock()
	p.readerGone = true
	p.data, p.off = nil, 0
	p.mu.Unlock()
	signal(p.writable)
}

// deadline is a channel closed when a settable point in time passes.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	passed chan struct{}
}

func newDeadline() *deadline { return &deadline{passed: make(chan struct{})} }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.passed // the timer fired: wait for its close so we can tell the state
	}
	d.timer = nil
	closed := isClosed(d.passed)
	if t.IsZero() {
		if closed {
			d.passed = make(chan struct{})
		}
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		if !closed {
			close(d.passed)
		}
		return
	}
	if closed {
		d.passed = make(chan struct{})
	}
	ch := d.passed
	d.timer = time.AfterFunc(wait, func() { close(ch) })
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.passed
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// memConn is one end of a MemNetwork connection.
type memConn struct {
	local, remote memAddr
	rx, tx        *pipeBuffer
	readDeadline  *deadline
	writeDeadline *deadline
	closed        chan struct{}
	once          sync.Once
}

func newMemConnPair(clientAddr, serverAddr memAddr, size int) (client, server *memConn) {
	up, down := newPipeBuffer(size), newPipeBuffer(size)
	client = &memConn{local: clientAddr, remote: serverAddr, rx: down, tx: up,
		readDeadline: newDeadline(), writeDeadline: newDeadline(), closed: make(chan struct{})}
	server = &memConn{local: serverAddr, remote: clientAddr, rx: up, tx: down,
		readDeadline: newDeadline(), writeDeadline: newDeadline(), closed: make(chan struct{})}
	return client, server
}

func (c *memConn) opErr(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "memnet", Source: c.local, Addr: c.remote, Err: err}
}

func (c *memConn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := c.rx.read(b, c.readDeadline.wait(), c.closed)
	return n, c.opErr("read", err)
}

func (c *memConn) Write(b []byte) (int, error) {
	n, err := c.tx.write(b, c.writeDeadline.wait(), c.closed)
	return n, c.opErr("write", err)
}

// Close ends both directions: the peer reads what is buffered and then EOF, and its writes
// fail.
func (c *memConn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.tx.closeWriter()
		c.rx.closeReader()
	})
	return nil
}

func (c *memConn) LocalAddr() net.Addr  { return c.local }
func (c *memConn) RemoteAddr() net.Addr { return c.remote }

func (c *memConn) SetDeadline(t time.Time) error {
	c.readDeadline.set(t)
	c.writeDeadline.set(t)
	return nil
}

func (c *memConn) SetReadDeadline(t time.Time) error  { c.readDeadline.set(t); return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { c.writeDeadline.set(t); return nil }
