package remoting

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// ConnInfo identifies a connection for bookkeeping that must not keep the connection alive.
type ConnInfo struct {
	ID         uint64 // unique within the process
	LocalAddr  string
	RemoteAddr string
}

// endpoint is what a Client or a Server lends its connections.
type endpoint struct {
	cfg        *endpointConfig
	router     *router
	asyncSem   *semaphore
	onewaySem  *semaphore
	opaque     atomic.Int32
	stop       chan struct{} // closed when the endpoint closes; ends permit waits
	closedErr  error         // ErrClientClosed or ErrServerClosed
	wg         sync.WaitGroup
	connClosed func(*Conn) // bookkeeping of the owner, called once per connection
	stats      limitStats
	// directWrites counts the batches read loops took to write themselves (writeHeld), for
	// tests.
	directWrites atomic.Int64
	// readBuffersLent counts the read buffers the connections of a Server hold.
	readBuffersLent atomic.Int64
	// closeLog bounds the lines about connections closed for their peers' doing; a Client's
	// lets every line through.
	closeLog logThrottle
	// server is set on a Server's endpoint: its connections are sniffed for TLS and bounded
	// in flight.
	server *Server
}

func newEndpoint(cfg *endpointConfig, closedErr error, connClosed func(*Conn)) *endpoint {
	return &endpoint{
		cfg:        cfg,
		closedErr:  closedErr,
		router:     newRouter(cfg.ignoreUnknownCodes),
		asyncSem:   newSemaphore(cfg.asyncPermits),
		onewaySem:  newSemaphore(cfg.onewayPermits),
		stop:       make(chan struct{}),
		connClosed: connClosed,
		closeLog:   logThrottle{now: time.Now},
	}
}

var connIDs atomic.Uint64

// Conn is one transport connection of a Client or a Server. Requests can be sent both ways on
// it; inbound requests go to the endpoint's handlers, inbound responses to the pending request
// with their opaque.
type Conn struct {
	id  uint64
	key string   // the address a client dialed; "" on a server
	raw net.Conn // the transport connection, closed by closeWith
	// nc is the stream frames travel on: raw, or TLS over it. On a server it is known only
	// once the peer's first byte has been read, and the writer starts then.
	nc net.Conn
	// writerOn says the writer goroutine runs (under wmu). A server starts it with the stream,
	// at the peer's first byte, so that a half-open peer costs no goroutine for it.
	writerOn bool
	// first and borrowed are a server connection's read side: the byte that told TLS from
	// plain, and the read buffers lent to it (the TLS record reader's and the frames').
	first    firstByteReader
	borrowed [2]*bufio.Reader
	info     ConnInfo
	// remoteAddrPort is info.RemoteAddr parsed (RemoteAddrPort).
	remoteAddrPort netip.AddrPort
	ep             *endpoint
	// connLog is log's logger, made at the first line logged: most connections never log
	// one, and a hostile peer's connection should not cost the attributes' formatting.
	connLog atomic.Pointer[slog.Logger]
	ctx     context.Context
	cancel  context.CancelFunc

	wmu        sync.Mutex
	queued     []byte // frames not yet handed to the writer goroutine
	next       *flush // completion of the batch queued will become
	closeAfter bool   // close once the queue is written (graceful shutdown)
	wake       chan struct{}
	// unwritten counts the bytes queued or being written; past the server's
	// maxUnwritten the read loop pauses (readPaused) until the writer, having brought it
	// to half, sends on writable.
	unwritten  int
	readPaused bool
	writable   chan struct{}
	// wakeHeld says queued has frames the writer was not woken for: the read loop answered
	// requests inline, and before it would block it writes them itself or wakes the writer
	// (writeHeld, releaseWake), so that one write carries the answers to all the requests
	// one read brought. Any other frame queued wakes it at once.
	wakeHeld bool
	// writing says a batch is being written, by the writer goroutine or by the read loop
	// itself (writeHeld); the other leaves queued alone meanwhile. spare is the buffer of the
	// last batch written, for the next one to reuse.
	writing bool
	spare   []byte
	// direct is the socket of a plain TCP server connection (nil otherwise), which the read
	// loop reads itself, to write the answers it held just before it would wait for the peer
	// (writeHeld), with a write that never waits either.
	direct *directSocket

	pmu     sync.Mutex
	pending map[int32]*call
	pclosed bool

	hmu      sync.Mutex
	inflight int
	draining bool
	slots    chan struct{}
	jobs     chan job // to a worker waiting for one; see work
	// idleWorkers counts the workers waiting on jobs (at most maxIdleWorkers).
	idleWorkers atomic.Int32

	created    time.Time
	lastActive atomic.Int64 // since created, monotonic
	idleTimer  *time.Timer

	closeOnce sync.Once
	done      chan struct{}
	err       error // why it closed; set before done is closed
}

func newConn(ep *endpoint, nc net.Conn, key string) *Conn {
	c := &Conn{
		id:      connIDs.Add(1),
		key:     key,
		raw:     nc,
		ep:      ep,
		next:    &flush{},
		wake:    make(chan struct{}, 1),
		pending: make(map[int32]*call),
		created: time.Now(),
		done:    make(chan struct{}),
	}
	c.info = ConnInfo{ID: c.id, LocalAddr: addrString(nc.LocalAddr()), RemoteAddr: addrString(nc.RemoteAddr())}
	c.remoteAddrPort, _ = netip.ParseAddrPort(c.info.RemoteAddr)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	// Armed here, before the server publishes the connection, because Close may run on
	// another goroutine as soon as it is published and reads the timer.
	if d := ep.cfg.idleTimeout; d > 0 {
		c.idleTimer = time.AfterFunc(d, c.checkIdle)
	}
	if ep.server == nil {
		c.nc = nc
		c.makeStreamSide()
	}
	return c
}

// makeStreamSide makes what only a connection with a stream uses: the read loop's and its
// handlers' channels and the writer's signal to a paused reader. A server makes them at its
// peer's first byte, before the goroutines that use them start, so a half-open peer holds none.
func (c *Conn) makeStreamSide() {
	c.writable = make(chan struct{}, 1)
	c.slots = make(chan struct{}, max(c.ep.cfg.maxConcurrentHandlers, 1))
	c.jobs = make(chan job)
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// start runs the connection's goroutines; the caller has already counted them in ep.wg: two
// on a client, one on a server, whose read loop starts the writer when the stream is known
// (startWriter).
func (c *Conn) start() {
	go c.readLoop()
	if c.ep.server == nil {
		c.writerOn = true
		go c.writeLoop()
	}
}

// ID is unique among the connections of this process.
func (c *Conn) ID() uint64 { return c.id }

// Info returns the identity of the connection.
func (c *Conn) Info() ConnInfo { return c.info }

// LocalAddr is our end of the connection, as "host:port".
func (c *Conn) LocalAddr() string { return c.info.LocalAddr }

// RemoteAddr is the peer's end of the connection, as "host:port".
func (c *Conn) RemoteAddr() string { return c.info.RemoteAddr }

// RemoteAddrPort is RemoteAddr parsed once, when the connection was made (a broker stores it
// as the born host of every message the peer sends): the zero AddrPort when it is not an IP
// address and a port.
func (c *Conn) RemoteAddrPort() netip.AddrPort { return c.remoteAddrPort }

// Done is closed when the connection has closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection closed, or nil while it is open.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Alive reports whether the connection is still open.
func (c *Conn) Alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// Close closes the connection at once, failing the requests pending on it.
func (c *Conn) Close() error {
	c.closeWith(errors.New("closed locally"))
	return nil
}

func (c *Conn) closedError() error { return &connClosedError{addr: c.info.RemoteAddr, cause: c.err} }

// closeWith closes the connection for reason and fails everything pending on it, each
// request at once rather than at its own deadline.
func (c *Conn) closeWith(reason error) {
	c.closeOnce.Do(func() {
		c.err = reason
		close(c.done)
		c.cancel()
		_ = c.raw.Close()
		if c.idleTimer != nil {
			c.idleTimer.Stop()
		}
		c.pmu.Lock()
		pending := c.pending
		c.pending = nil
		c.pclosed = true
		c.pmu.Unlock()
		if len(pending) > 0 {
			err := c.closedError()
			for _, cl := range pending {
				c.deliver(cl, nil, err, false)
			}
		}
	})
}

func (c *Conn) touch() { c.touchAt(time.Now()) }

func (c *Conn) touchAt(now time.Time) { c.lastActive.Store(int64(now.Sub(c.created))) }

func (c *Conn) checkIdle() {
	if !c.Alive() {
		return
	}
	idle := time.Since(c.created) - time.Duration(c.lastActive.Load())
	limit := c.ep.cfg.idleTimeout
	if idle >= limit {
		c.logClose(slog.LevelInfo, "remoting: closing idle connection", "idle", idle)
		c.ep.stats.idleClosed.Add(1)
		c.closeWith(ErrIdle)
		return
	}
	c.idleTimer.Reset(limit - idle)
}

// logClose logs why the connection is being closed for its peer's doing, within the server's
// bound on such lines.
func (c *Conn) logClose(level slog.Level, msg string, args ...any) {
	c.ep.closeLog.log(c.ep.cfg.logger, c.log, level, msg, args...)
}

// log is the endpoint's logger with the connection's identity.
func (c *Conn) log() *slog.Logger {
	if l := c.connLog.Load(); l != nil {
		return l
	}
	l := c.ep.cfg.logger.With("conn", c.id, "local", c.info.LocalAddr, "remote", c.info.RemoteAddr)
	if c.connLog.CompareAndSwap(nil, l) {
		return l
	}
	return c.connLog.Load()
}

// debug logs at debug level, making the connection's logger only if that level is logged.
func (c *Conn) debug(msg string, args ...any) {
	if c.ep.cfg.logger.Enabled(context.Background(), slog.LevelDebug) {
		c.log().Debug(msg, args...)
	}
}
