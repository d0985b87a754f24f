package remoting

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"
)

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
