package remoting

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// Server serves RocketMQ requests by code. Each request runs in its own goroutine and is
// answered by opaque, in the answer's serialize type (NewResponse keeps the request's); oneway
// requests are never answered. Requests with no handler get REQUEST_CODE_NOT_SUPPORTED (in
// JSON, as Java writes it), or nothing with WithIgnoreUnknownCodes(true). A handler that panics
// gets SYSTEM_ERROR answered in its place, also in JSON. A bad frame closes only the connection
// it came on.
//
// A Server takes plain connections, TLS ones or both (WithTLS, WithTLSMode: Java's disabled,
// permissive and enforcing modes, told apart by the first byte a peer sends), and bounds what
// a peer can hold: connections (WithMaxConnections), requests in flight per connection
// (WithMaxInflightRequests, answered SYSTEM_BUSY beyond it), frame and header size, idle time
// and the time a frame may take to arrive (WithFrameReadTimeout). Limits reports each bound
// and how often it refused.
type Server struct {
	cfg serverConfig
	ep  *endpoint

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*Conn]struct{}
	onClose   []func(ConnInfo)
	onOpen    []func(*Conn)
	shutdown  bool

	tlsOnce sync.Once
	tlsCfg  *tls.Config
	mode    TLSMode
	tlsErr  error
}

// NewServer returns a Server with no handlers; give it listeners with Serve or Start.
func NewServer(opts ...ServerOption) *Server {
	s := &Server{cfg: newServerConfig(opts), conns: make(map[*Conn]struct{})}
	s.ep = newEndpoint(&s.cfg.endpointConfig, ErrServerClosed, s.connClosed)
	s.ep.server = s
	s.ep.closeLog.perSecond = s.cfg.closeLogsPerSecond
	return s
}

// Handle serves requests with the given code with h; a nil h removes the handler. Handlers may
// be changed while serving.
func (s *Server) Handle(code int32, h Handler) { s.ep.router.handle(code, h) }

// HandleDefault serves the codes that have no handler of their own with h, as Java's
// registerDefaultProcessor does (a broker's AdminBrokerProcessor answers unknown codes itself,
// so its answer keeps the request's serialize type); nil restores the generic answer.
func (s *Server) HandleDefault(h Handler) { s.ep.router.handleDefault(h) }

// HandleInline is Handle for a handler that does not block (it neither waits for a peer or
// another request nor sleeps) on the requests when reports true for (nil: all of them). Those
// are served on their connection's read goroutine instead of being handed to a worker, which
// under load spares each request a worker's wake-up and its return to waiting. They count
// against the in-flight and handler limits as any request does, and a connection's requests
// are still taken in order; while one is served inline its connection reads nothing. when
// runs on the read goroutine for each request of the code before any interceptor sees it, so
// it must be cheap and must not block either; a request it refuses goes to a worker as with
// Handle. Interceptors added with Use send every request to a worker, as they may block; see
// UseInline.
func (s *Server) HandleInline(code int32, h Handler, when func(*Command) bool) {
	s.ep.router.handleInline(code, h, when, false)
}

// HandleInlineList is HandleInline for a handler that reads the request's header with
// Command.Lookup, Ext or Header, never ExtFields directly: a request it serves on the read
// goroutine may carry its header as the list read from the wire (Command.Fields, ExtFields
// nil), which spares it making a map. when, UseInline's conditions and its interceptors see
// it so too; a request that goes to a worker has its map.
func (s *Server) HandleInlineList(code int32, h Handler, when func(*Command) bool) {
	s.ep.router.handleInline(code, h, when, true)
}

// Use adds interceptors around every request, outermost first.
func (s *Server) Use(ics ...Interceptor) { s.ep.router.use(ics...) }

// UseInline is Use for interceptors that do not block the requests allow reports true for (nil:
// any request), so that HandleInline's handlers may still be served on the read goroutine.
// allow runs on the read goroutine, with HandleInline's condition. allow and the interceptors
// may see a request of HandleInlineList's with its header as a list: they read it with
// Command.Lookup, Ext or Header.
func (s *Server) UseInline(allow func(*Command) bool, ics ...Interceptor) {
	s.ep.router.useInline(allow, ics...)
}

// OnConnOpen registers f to run for each accepted connection before its first request is read.
func (s *Server) OnConnOpen(f func(*Conn)) {
	s.mu.Lock()
	s.onOpen = append(s.onOpen, f)
	s.mu.Unlock()
}

// OnConnClose registers f to run once for each connection that closes, as soon as it has
// closed (a name server drops the brokers registered over it).
func (s *Server) OnConnClose(f func(ConnInfo)) {
	s.mu.Lock()
	s.onClose = append(s.onClose, f)
	s.mu.Unlock()
}

// Serve accepts connections on l until Shutdown or Close (then it returns ErrServerClosed) or
// until Accept fails for good.
func (s *Server) Serve(l net.Listener) error {
	if _, _, err := s.serverTLS(); err != nil {
		_ = l.Close()
		return err
	}
	if !s.addListener(l, false) {
		return ErrServerClosed
	}
	return s.acceptLoop(l)
}

// Start registers l and serves it in the background, so that Addr is valid when Start returns.
func (s *Server) Start(l net.Listener) error {
	if _, _, err := s.serverTLS(); err != nil {
		_ = l.Close()
		return err
	}
	if !s.addListener(l, true) {
		return ErrServerClosed
	}
	go func() {
		defer s.ep.wg.Done()
		if err := s.acceptLoop(l); err != nil && !errors.Is(err, ErrServerClosed) {
			s.cfg.logger.Error("remoting: server stopped accepting", "addr", l.Addr().String(), "reason", err)
		}
	}()
	return nil
}

// addListener registers l unless the server is shut down. With background it also counts the
// accept loop, under the lock that Shutdown takes before it waits, so no Add races the Wait.
func (s *Server) addListener(l net.Listener, background bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		_ = l.Close()
		return false
	}
	s.listeners = append(s.listeners, l)
	if background {
		s.ep.wg.Add(1)
	}
	return true
}

// Addr returns the address of the first listener, or nil before there is one.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Conns returns the open connections.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		// A closed connection stays in the table until its reader has finished with it.
		if c.Alive() {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) acceptLoop(l net.Listener) error {
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isShutdown() {
				return ErrServerClosed
			}
			var temp interface{ Temporary() bool }
			if errors.As(err, &temp) && temp.Temporary() {
				// Out of file descriptors and the like: wait rather than spin or give up.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.logger.Warn("remoting: accept failed, retrying", "reason", err, "in", backoff)
				select {
				case <-time.After(backoff):
				case <-s.ep.stop:
				}
				continue
			}
			return err
		}
		backoff = 0
		s.accept(nc)
	}
}

func (s *Server) isShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

func (s *Server) accept(nc net.Conn) {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	if max := s.cfg.maxConnections; max > 0 && len(s.conns) >= max {
		s.mu.Unlock()
		s.ep.stats.rejectedConns.Add(1)
		s.cfg.logger.Debug("remoting: connection refused: too many connections",
			"remote", addrString(nc.RemoteAddr()), "max", max)
		_ = nc.Close()
		return
	}
	c := newConn(s.ep, nc, "")
	s.conns[c] = struct{}{}
	onOpen := s.onOpen
	// Counted under the lock that Shutdown takes before waiting, so no Add races the Wait.
	// One for the read loop: the writer is counted when the peer's first byte starts it.
	s.ep.wg.Add(1)
	s.mu.Unlock()
	for _, f := range onOpen {
		f(c)
	}
	c.debug("remoting: connection accepted")
	c.start()
}

func (s *Server) connClosed(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	hooks := s.onClose
	s.mu.Unlock()
	c.debug("remoting: connection closed", "reason", c.err)
	for _, f := range hooks {
		f(c.info)
	}
}

// Shutdown stops accepting, lets the requests in flight finish and send their answers, then
// closes each connection; requests arriving meanwhile are dropped. When ctx ends first, it
// closes everything at once and returns ctx's error. Handlers still running then see their
// context end; Shutdown does not wait for them.
func (s *Server) Shutdown(ctx context.Context) error {
	conns := s.stopAccepting()
	for _, c := range conns {
		c.drain()
	}
	finished := make(chan struct{})
	go func() {
		s.ep.wg.Wait()
		close(finished)
	}()
	defer s.ep.closeLog.flush(s.cfg.logger)
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		s.closeConns()
		<-finished
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.stopAccepting()
	s.closeConns()
	s.ep.wg.Wait()
	s.ep.closeLog.flush(s.cfg.logger)
	return nil
}

func (s *Server) stopAccepting() []*Conn {
	s.mu.Lock()
	first := !s.shutdown
	s.shutdown = true
	ls := s.listeners
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if first {
		close(s.ep.stop)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return conns
}

func (s *Server) closeConns() {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(ErrServerClosed)
	}
}
