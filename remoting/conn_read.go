package remoting

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"
)

func (c *Conn) readLoop() {
	defer c.ep.wg.Done()
	defer c.releaseReaders()
	fr, err := c.establish()
	if err != nil {
		c.readFailed(err)
		c.ep.connClosed(c)
		return
	}
	defer c.releaseWake()
	for {
		if !c.awaitWritable() {
			break
		}
		if c.direct == nil && !fr.whollyBuffered() {
			// About to read, perhaps to wait for the peer: the answers held for a batch go
			// now. (On a socket read directly, they go only once there is nothing to read.)
			c.releaseWake()
		}
		cmd, err := c.readFrame(fr)
		if err != nil {
			c.readFailed(err)
			break
		}
		// One clock read per frame: it dates both the connection's activity and the request.
		now := time.Now()
		c.touchAt(now)
		if cmd.IsResponse() {
			cmd.Header()
			c.handleResponse(cmd)
		} else {
			c.handleRequest(cmd, now)
		}
	}
	c.ep.connClosed(c)
}

// establish returns the reader of the connection's frames once its stream is known: on a
// server, plain or TLS as the peer's first byte says and the TLS mode allows.
func (c *Conn) establish() (*FrameReader, error) {
	var fr *FrameReader
	if s := c.ep.server; s != nil {
		cfg, mode, _ := s.serverTLS() // its error stopped Serve before any connection
		br, stream, err := c.establishServer(cfg, mode)
		if err != nil {
			return nil, err
		}
		c.nc = stream
		if stream == c.raw {
			if c.direct = newDirectSocket(stream, c.writeHeld); c.direct != nil {
				c.first.r = c.direct
			}
		}
		c.makeStreamSide()
		c.startWriter()
		fr = NewFrameReader(br, c.ep.cfg.maxFrameSize)
		fr.asList = true // the router makes the map for whoever reads one (inlineFor)
	} else {
		fr = NewFrameReader(c.nc, c.ep.cfg.maxFrameSize)
	}
	fr.maxHeader = c.ep.cfg.maxHeaderSize
	return fr, nil
}

// readFrame reads the next command. Waiting for a frame's first byte is bounded by the idle
// timeout only; from then on the whole frame must arrive within the frame-read timeout. The
// deadline is set only when the frame is not already buffered, which under load is rare.
func (c *Conn) readFrame(fr *FrameReader) (*Command, error) {
	d := c.ep.cfg.frameReadTimeout
	if d <= 0 || fr.whollyBuffered() {
		return fr.ReadCommand()
	}
	if _, err := fr.r.Peek(1); err != nil {
		return nil, err
	}
	if fr.whollyBuffered() {
		return fr.ReadCommand()
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	cmd, err := fr.ReadCommand()
	if err != nil {
		if errors.Is(err, errDeadline) {
			return nil, fmt.Errorf("%w (%v)", ErrFrameReadTimeout, d)
		}
		return nil, err
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	return cmd, nil
}

func (c *Conn) readFailed(err error) {
	switch {
	case errors.Is(err, ErrMalformedFrame), errors.Is(err, ErrFrameTooLarge), errors.Is(err, ErrHeaderTooLarge):
		switch {
		case errors.Is(err, ErrFrameTooLarge):
			c.ep.stats.framesTooLarge.Add(1)
		case errors.Is(err, ErrHeaderTooLarge):
			c.ep.stats.headersTooLarge.Add(1)
		default:
			c.ep.stats.malformed.Add(1)
		}
		c.logClose(slog.LevelWarn, "remoting: closing connection: bad frame", "reason", err)
		c.closeWith(fmt.Errorf("bad frame: %w", err))
	case errors.Is(err, ErrFrameReadTimeout):
		c.ep.stats.slowFrames.Add(1)
		c.logClose(slog.LevelWarn, "remoting: closing connection: frame too slow", "reason", err)
		c.closeWith(err)
	case errors.Is(err, ErrTLSRequired), errors.Is(err, ErrTLSDisabled):
		c.logClose(slog.LevelWarn, "remoting: closing connection", "reason", err)
		c.closeWith(err)
	case !c.Alive():
		// We closed it; the read error is only the echo of that.
	case errors.Is(err, io.EOF):
		c.debug("remoting: connection closed by peer")
		c.closeWith(fmt.Errorf("closed by peer: %w", err))
	default:
		c.debug("remoting: connection read failed", "reason", err)
		c.closeWith(fmt.Errorf("read: %w", err))
	}
}

func (c *Conn) handleResponse(resp *Command) {
	cl := c.takePending(resp.Opaque)
	if cl == nil {
		// Late answers to requests that timed out land here; they are expected, not alarming.
		c.debug("remoting: response matched no request", "opaque", resp.Opaque, "code", resp.Code)
		return
	}
	c.deliver(cl, resp, nil, false)
}

// An answer served inline leaves the writer asleep (enqueueHolding): the read loop serves the
// other requests waiting whole in its buffer first, so that one write carries all their
// answers, and before it waits for anything it writes them itself or wakes the writer
// (writeHeld, releaseWake).
func (c *Conn) handleRequest(req *Command, received time.Time) {
	c.hmu.Lock()
	if c.draining {
		c.hmu.Unlock()
		c.debug("remoting: request dropped during shutdown", "code", req.Code, "opaque", req.Opaque)
		return
	}
	if s := c.ep.server; s != nil && s.cfg.maxInflight > 0 && c.inflight >= s.cfg.maxInflight {
		c.hmu.Unlock()
		c.overloaded(req)
		return
	}
	c.inflight++
	c.hmu.Unlock()
	select {
	case c.slots <- struct{}{}:
	default:
		// Every handler slot is taken: the answers held for a batch go before the wait.
		c.releaseWake()
		select {
		case c.slots <- struct{}{}:
		case <-c.done:
			c.requestDone(false)
			return
		}
	}
	if c.ep.router.inlineFor(req) {
		// A handler that does not block is served here, without the hand-off to a worker
		// and back (see Server.HandleInline).
		c.serve(req, received, true)
		return
	}
	j := job{req, received}
	select {
	case c.jobs <- j:
	default:
		c.ep.wg.Add(1)
		go c.work(j)
	}
}

// overloaded answers a request beyond the in-flight limit at once, without a handler, as Java
// answers one its processor's pool rejected.
func (c *Conn) overloaded(req *Command) {
	c.ep.stats.busy.Add(1)
	c.debug("remoting: request refused: too many in flight", "code", req.Code, "opaque", req.Opaque)
	if req.IsOneway() {
		return
	}
	// A peer over its limit that does not read its answers either would have them pile up
	// here without end: past a frame's worth of unsent bytes, it is closed instead.
	c.wmu.Lock()
	backlog := c.unwritten // queued and being written
	c.wmu.Unlock()
	if limit := max(c.ep.cfg.maxFrameSize, 64<<10); backlog > limit {
		c.logClose(slog.LevelWarn, "remoting: closing connection: over its in-flight limit and not reading its answers", "unsent", backlog)
		c.closeWith(ErrNotReading)
		return
	}
	resp := NewResponse(req, SystemBusy, OverloadRemark)
	// Java writes its answers created by the transport in JSON.
	resp.SerializeType = SerializeJSON
	if err := c.respond(req, resp); err != nil {
		c.debug("remoting: answer not sent", "code", req.Code, "opaque", req.Opaque, "reason", err)
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
		c.serve(j.cmd, j.received, false)
		if c.idleWorkers.Add(1) > maxIdleWorkers {
			// Enough workers wait already: after a burst (a peer flooding requests faster
			// than they are served), the extra ones leave now instead of holding their
			// stacks for a whole idle timeout.
			c.idleWorkers.Add(-1)
			select {
			case j = <-c.jobs:
				continue
			default:
				return
			}
		}
		next, ok := c.awaitJob(tick)
		c.idleWorkers.Add(-1)
		if !ok {
			return
		}
		j = next
	}
}

// maxIdleWorkers is how many workers of a connection may wait for its next request: more
// than a machine's cores, so that a busy connection seldom starts a goroutine, and few enough
// that a flood leaves no crowd of them behind.
const maxIdleWorkers = 64

// awaitJob waits for the next request handed to a worker; false when the connection closed or
// the second tick came first (the worker retires).
func (c *Conn) awaitJob(tick <-chan time.Time) (job, bool) {
	for ticks := 0; ; {
		select {
		case j := <-c.jobs:
			return j, true
		case <-c.done:
			return job{}, false
		case <-tick:
			if ticks++; ticks == 2 {
				return job{}, false
			}
		}
	}
}

// serve answers cmd; with hold, leaving the writer asleep (enqueueHolding).
func (c *Conn) serve(cmd *Command, received time.Time, hold bool) {
	defer c.requestDone(true)
	req := &Request{Command: cmd, Conn: c, Received: received}
	resp := c.callHandler(req)
	if resp == nil || cmd.IsOneway() {
		return
	}
	if err := c.respondHolding(cmd, resp, hold); err != nil {
		c.debug("remoting: answer not sent", "code", cmd.Code, "opaque", cmd.Opaque, "reason", err)
	}
}

// callHandler turns a panic into a SYSTEM_ERROR answer, as Java turns a processor's exception
// into one, so that one bad request does not take the process down.
func (c *Conn) callHandler(req *Request) (resp *Command) {
	defer func() {
		if p := recover(); p != nil {
			c.log().Error("remoting: handler panicked", "code", req.Command.Code, "panic", p, "stack", string(debug.Stack()))
			resp = NewResponse(req.Command, SystemError, fmt.Sprint(p))
			// Java writes the answer to a processor's exception as created: in JSON.
			resp.SerializeType = SerializeJSON
		}
	}()
	return c.ep.router.serve(c.ctx, req)
}

func (c *Conn) respond(req, resp *Command) error { return c.respondHolding(req, resp, false) }

func (c *Conn) respondHolding(req, resp *Command, hold bool) error {
	resp.Opaque = req.Opaque
	resp.Flag = resp.Flag&^FlagOneway | FlagResponse
	_, err := c.enqueueHolding(resp, false, hold)
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
