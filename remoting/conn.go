package remoting

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

var (
	// ErrTimeout is wrapped by the error of a request that got no answer before its context's
	// deadline. Such errors also match context.DeadlineExceeded and os.ErrDeadlineExceeded.
	ErrTimeout error = timeoutSentinel{}
	// ErrConnectionClosed is wrapped by the error of every request that was pending on, or
	// sent to, a connection that closed; the cause of the close is wrapped too.
	ErrConnectionClosed = errors.New("remoting: connection closed")
	// ErrClientClosed is returned once Client.Close has been called, and is the cause wrapped
	// in the errors of the requests that Close failed.
	ErrClientClosed = errors.New("remoting: client closed")
	// ErrServerClosed is returned by Serve after Shutdown or Close, and is the cause of the
	// connections those close.
	ErrServerClosed = errors.New("remoting: server closed")
	// ErrTooManyRequests is wrapped when no async or oneway permit came free before the
	// request's context ended (Java: "invokeAsyncImpl tryAcquire semaphore timeout").
	ErrTooManyRequests = errors.New("remoting: too many requests in flight")
	// ErrIdle is the cause of a connection closed for idleness.
	ErrIdle = errors.New("remoting: connection idle")
)

type timeoutSentinel struct{}

func (timeoutSentinel) Error() string { return "remoting: request timed out" }

// Is lets callers that think in standard-library terms test a transport timeout the way they
// test any other deadline.
func (timeoutSentinel) Is(target error) bool {
	return target == context.DeadlineExceeded || target == os.ErrDeadlineExceeded
}

func (timeoutSentinel) Timeout() bool { return true }

// timeoutError says which request timed out, where, and after how long.
type timeoutError struct {
	op      string
	addr    string
	code    int32
	opaque  int32
	elapsed time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("remoting: %s to %s timed out after %v (code %d, opaque %d)",
		e.op, e.addr, e.elapsed.Round(time.Microsecond), e.code, e.opaque)
}

func (e *timeoutError) Unwrap() error { return ErrTimeout }
func (e *timeoutError) Timeout() bool { return true }

// connClosedError is what pending requests get when their connection goes away.
type connClosedError struct {
	addr  string
	cause error
}

func (e *connClosedError) Error() string {
	if e.cause == nil {
		return "remoting: connection to " + e.addr + " closed"
	}
	return "remoting: connection to " + e.addr + " closed: " + e.cause.Error()
}

func (e *connClosedError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrConnectionClosed}
	}
	return []error{ErrConnectionClosed, e.cause}
}

// ConnectError reports a failure to open a connection to Addr (Java's RemotingConnectException,
// "connect to <addr> failed").
type ConnectError struct {
	Addr string
	Err  error
}

func (e *ConnectError) Error() string {
	return "remoting: connect to " + e.Addr + " failed: " + e.Err.Error()
}

func (e *ConnectError) Unwrap() error { return e.Err }

// Handler serves one inbound request. It returns the answer, or nil for no answer at all (the
// peer then times out), or nil after arranging to answer later with Request.Respond. The
// transport sets the answer's opaque, response flag and serialize type, so a handler must return
// a Command of its own, not one shared with other requests. Answers to oneway requests are
// discarded. ctx ends when the connection closes.
type Handler func(ctx context.Context, req *Request) *Command

// Interceptor wraps every request (unknown codes included), outermost first in the order given
// to Use. It may inspect or replace the request and the answer, delay, answer nil to suppress
// the answer, or close the connection through req.Conn.
type Interceptor func(next Handler) Handler

// Request is an inbound request together with the connection it arrived on.
//
// Its Command is decoded for this request alone but read-only for handlers and interceptors:
// one that wants another header or body replaces the Command (a copy with the changes), so
// that what the peer sent stays as it was for the interceptors around it (a history shares
// the header map instead of copying it).
type Request struct {
	Command  *Command
	Conn     *Conn
	Received time.Time // when its frame was read

	mu        sync.Mutex
	later     bool
	answered  *Command
	lateHooks []func(*Command)
}

// AnswerLater tells the interceptors that the handler returns nil but will answer through
// Respond (long polling), so that history and faults wait for that answer instead of taking
// the nil for "no answer". Call it before the handler returns.
func (r *Request) AnswerLater() {
	r.mu.Lock()
	r.later = true
	r.mu.Unlock()
}

// WillAnswerLater reports whether the handler called AnswerLater.
func (r *Request) WillAnswerLater() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.later
}

// OnRespond registers f to see the answer given through Respond; if it was given already, f
// runs at once. Interceptors use it to observe answers that do not pass back through them.
func (r *Request) OnRespond(f func(*Command)) {
	r.mu.Lock()
	answered := r.answered
	if answered == nil {
		r.lateHooks = append(r.lateHooks, f)
	}
	r.mu.Unlock()
	if answered != nil {
		f(answered)
	}
}

// Respond sends resp as the answer to this request, for handlers that returned nil and answer
// later (long polling, fault injection with its own timing). The answer of a oneway request is
// discarded.
func (r *Request) Respond(resp *Command) error {
	r.mu.Lock()
	r.answered = resp
	hooks := r.lateHooks
	r.lateHooks = nil
	r.mu.Unlock()
	for _, f := range hooks {
		f(resp)
	}
	if r.Command.IsOneway() {
		return nil
	}
	return r.Conn.respond(r.Command, resp)
}

// ConnInfo identifies a connection for bookkeeping that must not keep the connection alive.
type ConnInfo struct {
	ID         uint64 // unique within the process
	LocalAddr  string
	RemoteAddr string
}

// router holds the per-code handlers and interceptors of an endpoint.
type router struct {
	mu            sync.RWMutex
	handlers      map[int32]Handler
	fallback      Handler // for codes without a handler of their own; nil: Java's generic answer
	interceptors  []Interceptor
	chain         Handler
	ignoreUnknown bool
}

func newRouter(ignoreUnknown bool) *router {
	r := &router{handlers: make(map[int32]Handler), ignoreUnknown: ignoreUnknown}
	r.chain = r.dispatch
	return r
}

func (r *router) handle(code int32, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h == nil {
		delete(r.handlers, code)
		return
	}
	r.handlers[code] = h
}

func (r *router) handleDefault(h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = h
}

func (r *router) use(ics ...Interceptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.interceptors = append(r.interceptors, ics...)
	h := Handler(r.dispatch)
	for i := len(r.interceptors) - 1; i >= 0; i-- {
		h = r.interceptors[i](h)
	}
	r.chain = h
}

func (r *router) serve(ctx context.Context, req *Request) *Command {
	r.mu.RLock()
	h := r.chain
	r.mu.RUnlock()
	return h(ctx, req)
}

func (r *router) dispatch(ctx context.Context, req *Request) *Command {
	r.mu.RLock()
	h := r.handlers[req.Command.Code]
	if h == nil {
		h = r.fallback
	}
	r.mu.RUnlock()
	if h != nil {
		return h(ctx, req)
	}
	if r.ignoreUnknown {
		return nil
	}
	// Java's exact remark, leading space included: peers match on it. Java writes this answer
	// as created, in JSON, whatever the request's serialize type.
	resp := NewResponse(req.Command, RequestCodeNotSupported,
		fmt.Sprintf(" request type %d not supported", req.Command.Code))
	resp.SerializeType = SerializeJSON
	return resp
}

// semaphore bounds requests in flight, as Java's Semaphore(permits) does.
type semaphore struct {
	slots   chan struct{}
	waiting atomic.Int32
}

func newSemaphore(n int) *semaphore {
	if n <= 0 {
		n = 1
	}
	return &semaphore{slots: make(chan struct{}, n)}
}

func (s *semaphore) acquire(ctx context.Context, ep *endpoint, op string) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	start := time.Now()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("remoting: %s: tryAcquire semaphore timeout after %v, %d waiting, %d permits: %w: %w",
			op, time.Since(start).Round(time.Microsecond), s.waiting.Load(), cap(s.slots), ErrTooManyRequests, ctx.Err())
	case <-ep.stop:
		return ep.closedErr
	}
}

func (s *semaphore) release() { <-s.slots }

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
	}
}

var connIDs atomic.Uint64

// A call is a request of ours waiting for its answer.
type call struct {
	op      string
	code    int32
	opaque  int32
	start   time.Time
	result  chan callResult       // sync: buffered, receives exactly one result
	cb      func(*Command, error) // async
	stopCtx func() bool           // async: detaches the context watcher
}

type callResult struct {
	resp *Command
	err  error
}

// flush reports when a batch of frames has been handed to the network.
type flush struct {
	done chan struct{}
	err  error
}

// maxSpareBuffer is the largest write buffer kept for reuse; a batch with a huge body should
// not pin its memory for the life of the connection.
const maxSpareBuffer = 1 << 20

// Conn is one transport connection of a Client or a Server. Requests can be sent both ways on
// it; inbound requests go to the endpoint's handlers, inbound responses to the pending request
// with their opaque.
type Conn struct {
	id     uint64
	key    string // the address a client dialed; "" on a server
	nc     net.Conn
	info   ConnInfo
	ep     *endpoint
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	wmu        sync.Mutex
	queued     []byte // frames not yet handed to the writer goroutine
	next       *flush // completion of the batch queued will become
	closeAfter bool   // close once the queue is written (graceful shutdown)
	wake       chan struct{}

	pmu     sync.Mutex
	pending map[int32]*call
	pclosed bool

	hmu      sync.Mutex
	inflight int
	draining bool
	slots    chan struct{}
	jobs     chan job // to a worker waiting for one; see work

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
		nc:      nc,
		ep:      ep,
		next:    &flush{},
		wake:    make(chan struct{}, 1),
		pending: make(map[int32]*call),
		slots:   make(chan struct{}, max(ep.cfg.maxConcurrentHandlers, 1)),
		jobs:    make(chan job),
		created: time.Now(),
		done:    make(chan struct{}),
	}
	c.info = ConnInfo{ID: c.id, LocalAddr: addrString(nc.LocalAddr()), RemoteAddr: addrString(nc.RemoteAddr())}
	c.log = ep.cfg.logger.With("conn", c.id, "local", c.info.LocalAddr, "remote", c.info.RemoteAddr)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// start runs the connection's goroutines; the caller has already counted them in ep.wg.
func (c *Conn) start() {
	if d := c.ep.cfg.idleTimeout; d > 0 {
		c.idleTimer = time.AfterFunc(d, c.checkIdle)
	}
	go c.readLoop()
	go c.writeLoop()
}

// ID is unique among the connections of this process.
func (c *Conn) ID() uint64 { return c.id }

// Info returns the identity of the connection.
func (c *Conn) Info() ConnInfo { return c.info }

// LocalAddr is our end of the connection, as "host:port".
func (c *Conn) LocalAddr() string { return c.info.LocalAddr }

// RemoteAddr is the peer's end of the connection, as "host:port".
func (c *Conn) RemoteAddr() string { return c.info.RemoteAddr }

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
		_ = c.nc.Close()
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

func (c *Conn) touch() { c.lastActive.Store(int64(time.Since(c.created))) }

func (c *Conn) checkIdle() {
	if !c.Alive() {
		return
	}
	idle := time.Since(c.created) - time.Duration(c.lastActive.Load())
	limit := c.ep.cfg.idleTimeout
	if idle >= limit {
		c.log.Info("remoting: closing idle connection", "idle", idle)
		c.closeWith(ErrIdle)
		return
	}
	c.idleTimer.Reset(limit - idle)
}

// ---- writing ----

// enqueue encodes cmd behind the frames already queued. With wantFlush it returns the batch
// completion to wait on. Encoding happens here, under the lock, straight into the shared
// buffer: no per-frame buffers, and the writer gets everything queued in one Write.
func (c *Conn) enqueue(cmd *Command, wantFlush bool) (*flush, error) {
	if !c.Alive() {
		return nil, c.closedError()
	}
	c.wmu.Lock()
	start := len(c.queued)
	var err error
	c.queued, err = cmd.AppendFrame(c.queued)
	if err != nil {
		c.wmu.Unlock()
		return nil, err
	}
	f := c.flushLocked(wantFlush)
	c.wmu.Unlock()
	if start == 0 {
		c.signalWriter()
	}
	return f, nil
}

func (c *Conn) flushLocked(want bool) *flush {
	if !want {
		return nil
	}
	if c.next.done == nil {
		c.next.done = make(chan struct{})
	}
	return c.next
}

func (c *Conn) signalWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// WriteRaw queues bytes as they are, in order with the frames around them, and waits until
// they are written. It exists for fault injection (a corrupt answer) and for tests.
func (c *Conn) WriteRaw(ctx context.Context, b []byte) error {
	if !c.Alive() {
		return c.closedError()
	}
	c.wmu.Lock()
	start := len(c.queued)
	c.queued = append(c.queued, b...)
	f := c.flushLocked(true)
	c.wmu.Unlock()
	if start == 0 {
		c.signalWriter()
	}
	return c.waitFlush(ctx, f, "write")
}

func (c *Conn) waitFlush(ctx context.Context, f *flush, op string) error {
	select {
	case <-f.done:
		if f.err != nil {
			return &connClosedError{addr: c.info.RemoteAddr, cause: f.err}
		}
		return nil
	case <-c.done:
		return c.closedError()
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &timeoutError{op: op, addr: c.info.RemoteAddr}
		}
		return fmt.Errorf("remoting: %s to %s abandoned: %w", op, c.info.RemoteAddr, ctx.Err())
	}
}

// closeAfterWrites makes the writer close the connection once everything queued is written.
func (c *Conn) closeAfterWrites() {
	c.wmu.Lock()
	c.closeAfter = true
	c.wmu.Unlock()
	c.signalWriter()
}

func (c *Conn) writeLoop() {
	defer c.ep.wg.Done()
	var spare []byte
	for {
		c.wmu.Lock()
		for len(c.queued) == 0 {
			if c.closeAfter {
				c.wmu.Unlock()
				c.closeWith(ErrServerClosed)
				return
			}
			c.wmu.Unlock()
			select {
			case <-c.wake:
			case <-c.done:
				return
			}
			c.wmu.Lock()
		}
		// Let the goroutines that are ready to run (senders woken by the answers just read,
		// handlers finishing) queue their frames first, so that one write carries many of
		// them: under load this takes most of the per-message write syscalls away, and when
		// nothing else is runnable it returns at once.
		c.wmu.Unlock()
		runtime.Gosched()
		c.wmu.Lock()
		batch := c.queued
		c.queued = spare[:0]
		f := c.next
		if f.done != nil {
			c.next = &flush{}
		} else {
			f = nil
		}
		c.wmu.Unlock()

		_, err := c.nc.Write(batch)
		if f != nil {
			f.err = err
			close(f.done)
		}
		if err != nil {
			c.closeWith(fmt.Errorf("write: %w", err))
			return
		}
		c.touch()
		if cap(batch) <= maxSpareBuffer {
			spare = batch
		} else {
			spare = nil
		}
	}
}

// ---- reading ----

func (c *Conn) readLoop() {
	defer c.ep.wg.Done()
	fr := NewFrameReader(c.nc, c.ep.cfg.maxFrameSize)
	for {
		cmd, err := fr.ReadCommand()
		if err != nil {
			c.readFailed(err)
			break
		}
		c.touch()
		if cmd.IsResponse() {
			c.handleResponse(cmd)
		} else {
			c.handleRequest(cmd)
		}
	}
	c.ep.connClosed(c)
}

func (c *Conn) readFailed(err error) {
	switch {
	case errors.Is(err, ErrMalformedFrame), errors.Is(err, ErrFrameTooLarge):
		c.log.Warn("remoting: closing connection: bad frame", "reason", err)
		c.closeWith(fmt.Errorf("bad frame: %w", err))
	case !c.Alive():
		// We closed it; the read error is only the echo of that.
	case errors.Is(err, io.EOF):
		c.log.Debug("remoting: connection closed by peer")
		c.closeWith(fmt.Errorf("closed by peer: %w", err))
	default:
		c.log.Debug("remoting: connection read failed", "reason", err)
		c.closeWith(fmt.Errorf("read: %w", err))
	}
}

func (c *Conn) handleResponse(resp *Command) {
	cl := c.takePending(resp.Opaque)
	if cl == nil {
		// Late answers to requests that timed out land here; they are expected, not alarming.
		c.log.Debug("remoting: response matched no request", "opaque", resp.Opaque, "code", resp.Code)
		return
	}
	c.deliver(cl, resp, nil, false)
}

func (c *Conn) handleRequest(req *Command) {
	c.hmu.Lock()
	if c.draining {
		c.hmu.Unlock()
		c.log.Debug("remoting: request dropped during shutdown", "code", req.Code, "opaque", req.Opaque)
		return
	}
	c.inflight++
	c.hmu.Unlock()
	select {
	case c.slots <- struct{}{}:
	case <-c.done:
		c.requestDone(false)
		return
	}
	j := job{req, time.Now()}
	select {
	case c.jobs <- j:
	default:
		c.ep.wg.Add(1)
		go c.work(j)
	}
}

// job is a request handed from the read loop to a worker.
type job struct {
	cmd      *Command
	received time.Time
}

// work serves j, then every request handed to it while it waits, until the connection closes
// or it served nothing for a whole worker idle timeout (it retires between one and two
// timeouts after its last request: the timer is not reset per request, which would cost the
// busy path). Reusing workers instead of a goroutine per request spares each request a new
// goroutine's stack growth (a handler's call chain outgrows the initial stack): under load that
// was about a twentieth of a fake broker's CPU. There are never more workers than handler
// slots, and a worker that retires loses nothing: the read loop starts a new one when no
// worker is waiting.
func (c *Conn) work(j job) {
	defer c.ep.wg.Done()
	var tick <-chan time.Time // nil: wait until the connection closes
	if idle := c.ep.cfg.workerIdleTimeout; idle > 0 {
		ticker := time.NewTicker(idle)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		c.serve(j.cmd, j.received)
		select {
		case j = <-c.jobs:
		case <-c.done:
			return
		case <-tick: // retire at the next tick unless a request comes first
			select {
			case j = <-c.jobs:
			case <-tick:
				return
			case <-c.done:
				return
			}
		}
	}
}

func (c *Conn) serve(cmd *Command, received time.Time) {
	defer c.requestDone(true)
	req := &Request{Command: cmd, Conn: c, Received: received}
	resp := c.callHandler(req)
	if resp == nil || cmd.IsOneway() {
		return
	}
	if err := c.respond(cmd, resp); err != nil {
		c.log.Debug("remoting: answer not sent", "code", cmd.Code, "opaque", cmd.Opaque, "reason", err)
	}
}

// callHandler turns a panic into a SYSTEM_ERROR answer, as Java turns a processor's exception
// into one, so that one bad request does not take the process down.
func (c *Conn) callHandler(req *Request) (resp *Command) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("remoting: handler panicked", "code", req.Command.Code, "panic", p, "stack", string(debug.Stack()))
			resp = NewResponse(req.Command, SystemError, fmt.Sprint(p))
			// Java writes the answer to a processor's exception as created: in JSON.
			resp.SerializeType = SerializeJSON
		}
	}()
	return c.ep.router.serve(c.ctx, req)
}

func (c *Conn) respond(req, resp *Command) error {
	resp.Opaque = req.Opaque
	resp.Flag = resp.Flag&^FlagOneway | FlagResponse
	_, err := c.enqueue(resp, false)
	return err
}

func (c *Conn) requestDone(heldSlot bool) {
	if heldSlot {
		<-c.slots
	}
	c.hmu.Lock()
	c.inflight--
	last := c.draining && c.inflight == 0
	c.hmu.Unlock()
	if last {
		c.closeAfterWrites()
	}
}

// drain stops taking requests and closes the connection once the ones in flight are answered.
func (c *Conn) drain() {
	c.hmu.Lock()
	c.draining = true
	idle := c.inflight == 0
	c.hmu.Unlock()
	if idle {
		c.closeAfterWrites()
	}
}

// ---- requests we send ----

func (c *Conn) nextOpaque() int32 { return c.ep.opaque.Add(1) }

func (c *Conn) takePending(opaque int32) *call {
	c.pmu.Lock()
	cl := c.pending[opaque]
	if cl != nil {
		delete(c.pending, opaque)
	}
	c.pmu.Unlock()
	return cl
}

// deliver completes a call that the caller has just taken out of the pending table, which is
// what makes every completion happen exactly once.
func (c *Conn) deliver(cl *call, resp *Command, err error, onOwnGoroutine bool) {
	if cl.result != nil {
		cl.result <- callResult{resp, err}
		return
	}
	if cl.stopCtx != nil {
		cl.stopCtx()
	}
	c.ep.asyncSem.release()
	// A callback must not run on the reader goroutine: it could block reading, or deadlock by
	// invoking on this same connection.
	if onOwnGoroutine {
		cl.cb(resp, err)
	} else {
		go cl.cb(resp, err)
	}
}

func (c *Conn) waitError(ctx context.Context, cl *call) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &timeoutError{op: cl.op, addr: c.info.RemoteAddr, code: cl.code, opaque: cl.opaque, elapsed: time.Since(cl.start)}
	}
	return fmt.Errorf("remoting: %s to %s (code %d, opaque %d) abandoned: %w",
		cl.op, c.info.RemoteAddr, cl.code, cl.opaque, context.Cause(ctx))
}

func prepareRequest(cmd *Command, opaque int32, oneway bool) {
	cmd.Opaque = opaque
	cmd.Flag &^= FlagResponse
	if oneway {
		cmd.Flag |= FlagOneway
	} else {
		cmd.Flag &^= FlagOneway
	}
}

// Invoke sends a request on this connection and waits for its answer, at most until ctx
// ends. It sets cmd.Opaque and the flag bits: a Command must not be sent twice at once.
func (c *Conn) Invoke(ctx context.Context, cmd *Command) (*Command, error) {
	// Calls and their channels are not pooled: a channel made in one synctest bubble must
	// never be used outside it, nor one made outside inside it.
	cl := &call{op: "invokeSync", code: cmd.Code, start: time.Now(), result: make(chan callResult, 1)}
	if ctx.Err() != nil {
		return nil, c.waitError(ctx, cl)
	}
	cl.opaque = c.nextOpaque()
	prepareRequest(cmd, cl.opaque, false)
	c.pmu.Lock()
	if c.pclosed {
		c.pmu.Unlock()
		return nil, c.closedError()
	}
	c.pending[cl.opaque] = cl
	c.pmu.Unlock()
	if _, err := c.enqueue(cmd, false); err != nil {
		if c.takePending(cl.opaque) != nil {
			return nil, err
		}
		r := <-cl.result
		return r.resp, r.err
	}
	select {
	case r := <-cl.result:
		return r.resp, r.err
	case <-ctx.Done():
		if c.takePending(cl.opaque) == nil {
			r := <-cl.result // the answer or the close won the race
			return r.resp, r.err
		}
		err := c.waitError(ctx, cl)
		if c.ep.cfg.closeOnTimeout && errors.Is(err, ErrTimeout) {
			c.closeWith(fmt.Errorf("request code %d opaque %d timed out and CloseOnTimeout is set", cl.code, cl.opaque))
		}
		return nil, err
	}
}

// InvokeAsync sends a request and calls cb exactly once, on a goroutine of its own: with the
// answer, or with the error that ended the wait (deadline, cancellation, connection loss,
// shutdown, no permit). It blocks while it waits for a permit. It sets cmd.Opaque and the flag
// bits: a Command must not be sent twice at once.
func (c *Conn) InvokeAsync(ctx context.Context, cmd *Command, cb func(*Command, error)) {
	if err := c.ep.asyncSem.acquire(ctx, c.ep, "invokeAsync"); err != nil {
		go cb(nil, err)
		return
	}
	cl := &call{op: "invokeAsync", code: cmd.Code, start: time.Now(), cb: cb}
	if ctx.Err() != nil {
		c.deliver(cl, nil, c.waitError(ctx, cl), false)
		return
	}
	cl.opaque = c.nextOpaque()
	prepareRequest(cmd, cl.opaque, false)
	c.pmu.Lock()
	if c.pclosed {
		c.pmu.Unlock()
		c.deliver(cl, nil, c.closedError(), false)
		return
	}
	c.pending[cl.opaque] = cl
	// The watcher is attached under the lock so that whoever takes the call out of the table
	// sees it; it fires at the context's own deadline, not at a periodic scan.
	cl.stopCtx = context.AfterFunc(ctx, func() {
		if c.takePending(cl.opaque) != nil {
			c.deliver(cl, nil, c.waitError(ctx, cl), true)
		}
	})
	c.pmu.Unlock()
	if _, err := c.enqueue(cmd, false); err != nil {
		if c.takePending(cl.opaque) != nil {
			c.deliver(cl, nil, err, false)
		}
	}
}

// InvokeOneway sends a request with the oneway flag and returns once it has been handed to the
// network (or ctx ended first). No answer will come.
func (c *Conn) InvokeOneway(ctx context.Context, cmd *Command) error {
	if err := c.ep.onewaySem.acquire(ctx, c.ep, "invokeOneway"); err != nil {
		return err
	}
	defer c.ep.onewaySem.release()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("remoting: invokeOneway to %s not sent: %w", c.info.RemoteAddr, err)
	}
	prepareRequest(cmd, c.nextOpaque(), true)
	f, err := c.enqueue(cmd, true)
	if err != nil {
		return err
	}
	return c.waitFlush(ctx, f, "invokeOneway")
}
