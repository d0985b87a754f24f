package remoting

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"slices"
	"sync"
)

// Client sends requests to RocketMQ peers (name servers, brokers) over one connection per
// address, multiplexed by opaque. Requests the peers push back on those connections
// (CHECK_TRANSACTION_STATE, NOTIFY_CONSUMER_IDS_CHANGED, ...) go to the handlers given to Handle;
// without one, they are answered REQUEST_CODE_NOT_SUPPORTED as Java does.
//
// Compared with Java's NettyRemotingClient: each request times out at its own deadline instead
// of at a once-a-second scan, a timeout leaves the shared connection open unless
// WithCloseOnTimeout(true), and a connection that dies fails its pending requests at once.
type Client struct {
	cfg        clientConfig
	ep         *endpoint
	dialCtx    context.Context
	cancelDial context.CancelFunc

	mu     sync.RWMutex
	conns  map[string]*connSlot
	closed bool
}

// connSlot is the table entry of one address: a dial in progress, or its result.
type connSlot struct {
	ready chan struct{} // closed when the dial has finished
	conn  *Conn
	err   error
}

// NewClient returns a Client; connections open on first use.
func NewClient(opts ...ClientOption) *Client {
	c := &Client{cfg: newClientConfig(opts), conns: make(map[string]*connSlot)}
	c.ep = newEndpoint(&c.cfg.endpointConfig, ErrClientClosed, c.connClosed)
	c.dialCtx, c.cancelDial = context.WithCancel(context.Background())
	return c
}

// Handle serves requests with the given code that peers send on our connections. A nil h
// removes the handler.
func (c *Client) Handle(code int32, h Handler) { c.ep.router.handle(code, h) }

// HandleDefault serves the requests peers send on our connections that have no handler of
// their own with h (a proxy passes them all on); nil restores the generic answer.
func (c *Client) HandleDefault(h Handler) { c.ep.router.handleDefault(h) }

// Use adds interceptors around the handling of inbound requests.
func (c *Client) Use(ics ...Interceptor) { c.ep.router.use(ics...) }

// Invoke sends req to addr and waits for the answer, at most until ctx ends. See Conn.Invoke.
func (c *Client) Invoke(ctx context.Context, addr string, req *Command) (*Command, error) {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return nil, err
	}
	c.beforeRequest(addr, req)
	return conn.Invoke(ctx, req)
}

// InvokeAsync sends req to addr; cb runs exactly once, on a goroutine of its own, whatever
// happens (answer, deadline, connection loss, Close, connect failure, no permit).
func (c *Client) InvokeAsync(ctx context.Context, addr string, req *Command, cb func(*Command, error)) {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		go cb(nil, err)
		return
	}
	c.beforeRequest(addr, req)
	conn.InvokeAsync(ctx, req, cb)
}

// InvokeOneway sends req to addr with the oneway flag and returns once it is written.
func (c *Client) InvokeOneway(ctx context.Context, addr string, req *Command) error {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return err
	}
	c.beforeRequest(addr, req)
	return conn.InvokeOneway(ctx, req)
}

// beforeRequest runs the request hook, if any (WithRequestHook).
func (c *Client) beforeRequest(addr string, req *Command) {
	if c.cfg.requestHook != nil {
		c.cfg.requestHook(addr, req)
	}
}

// Conn returns the open connection to addr, dialing it if there is none. Concurrent callers
// share one dial, which is bounded by the connect timeout, not by the first caller's context;
// each caller waits at most until its own ctx ends. There is no back-off: like Java, every
// request after a failure tries again.
func (c *Client) Conn(ctx context.Context, addr string) (*Conn, error) {
	c.mu.RLock()
	var open *Conn
	if s := c.conns[addr]; s != nil {
		open = s.conn
	}
	closed := c.closed
	c.mu.RUnlock()
	if closed {
		return nil, ErrClientClosed
	}
	if open != nil && open.Alive() {
		return open, nil
	}
	// A connection that died just after we found it is replaced once; a second death in a
	// row is reported rather than retried in a loop.
	for attempt := 0; ; attempt++ {
		s, err := c.slot(addr)
		if err != nil {
			return nil, err
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return nil, &ConnectError{Addr: addr, Err: ctx.Err()}
		case <-c.ep.stop:
			return nil, ErrClientClosed
		}
		if s.err != nil {
			return nil, s.err
		}
		if s.conn.Alive() {
			return s.conn, nil
		}
		c.forget(addr, s)
		if attempt > 0 {
			return nil, s.conn.closedError()
		}
	}
}

// slot returns the table entry for addr, starting a dial when there is none or the one there
// holds a dead connection.
func (c *Client) slot(addr string) (*connSlot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClientClosed
	}
	s := c.conns[addr]
	if s != nil {
		select {
		case <-s.ready:
			if s.conn == nil || !s.conn.Alive() {
				s = nil
			}
		default:
		}
	}
	if s == nil {
		s = &connSlot{ready: make(chan struct{})}
		c.conns[addr] = s
		c.ep.wg.Add(1)
		go c.dial(addr, s)
	}
	return s, nil
}

func (c *Client) forget(addr string, s *connSlot) {
	c.mu.Lock()
	if c.conns[addr] == s {
		delete(c.conns, addr)
	}
	c.mu.Unlock()
}

func (c *Client) dial(addr string, s *connSlot) {
	defer c.ep.wg.Done()
	ctx := c.dialCtx
	if d := c.cfg.connectTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	nc, err := c.cfg.dial(ctx, "tcp", addr)
	if err == nil && c.cfg.tlsConfig != nil {
		nc, err = clientHandshake(ctx, nc, addr, c.cfg.tlsConfig)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = dialTimeoutError{err}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.closed {
		_ = nc.Close()
		err = ErrClientClosed
	}
	if err != nil {
		s.err = &ConnectError{Addr: addr, Err: err}
		if c.conns[addr] == s {
			delete(c.conns, addr)
		}
		c.cfg.logger.Debug("remoting: connect failed", "addr", addr, "reason", err)
	} else {
		s.conn = newConn(c.ep, nc, addr)
		c.ep.wg.Add(2)
		s.conn.start()
	}
	close(s.ready)
}

// dialTimeoutError is a dial that reached its context's deadline as the socket deadline net
// derived from it (os.ErrDeadlineExceeded): net reports that deadline either so or as the
// context's error, whichever of its poller and its context watcher sees it first, and both
// are the same connect timeout, so both match context.DeadlineExceeded.
type dialTimeoutError struct{ error }

func (e dialTimeoutError) Unwrap() error { return e.error }

func (dialTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// dialTCP is a Client's default dialer. It turns TCP keepalive off, as Java's
// NettyRemotingClient bootstraps its channels with SO_KEEPALIVE false, where Go's net.Dialer
// would probe every 15 s: a dead peer is found by the idle timeout and by request deadlines.
func dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{KeepAlive: -1}
	return d.DialContext(ctx, network, addr)
}

func clientHandshake(ctx context.Context, nc net.Conn, addr string, cfg *tls.Config) (net.Conn, error) {
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		return nil, err
	}
	return tc, nil
}

func (c *Client) connClosed(conn *Conn) {
	c.mu.Lock()
	if s := c.conns[conn.key]; s != nil && s.conn == conn {
		delete(c.conns, conn.key)
	}
	c.mu.Unlock()
}

// IsConnected reports whether an open connection to addr exists.
func (c *Client) IsConnected(addr string) bool {
	c.mu.RLock()
	var conn *Conn
	if s := c.conns[addr]; s != nil {
		conn = s.conn
	}
	c.mu.RUnlock()
	return conn != nil && conn.Alive()
}

// Connections lists the addresses the client has a connection to, sorted: one goes once the
// client has read its close. It touches no channel, so that a caller outside a
// testing/synctest bubble may ask a client inside one.
func (c *Client) Connections() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for addr, s := range c.conns {
		if s.conn != nil {
			out = append(out, addr)
		}
	}
	slices.Sort(out)
	return out
}

// CloseConn closes the connection to addr, if any, failing its pending requests; the next
// request to addr dials again. It reports whether there was a connection to close.
func (c *Client) CloseConn(addr string) bool {
	c.mu.Lock()
	s := c.conns[addr]
	var conn *Conn
	if s != nil && s.conn != nil {
		conn = s.conn
		delete(c.conns, addr)
	}
	c.mu.Unlock()
	if conn == nil {
		return false
	}
	conn.Close()
	return true
}

// Close fails every pending request with an error wrapping ErrClientClosed, closes every
// connection and waits for the client's goroutines (not for callbacks still running).
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var conns []*Conn
	for _, s := range c.conns {
		if s.conn != nil {
			conns = append(conns, s.conn)
		}
	}
	c.mu.Unlock()
	close(c.ep.stop)
	c.cancelDial()
	for _, conn := range conns {
		conn.closeWith(ErrClientClosed)
	}
	c.ep.wg.Wait()
	return nil
}
