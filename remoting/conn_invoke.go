package remoting

import (
	"context"
	"errors"
	"fmt"
	"time"
)

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
	return c.await(ctx, cmd, cl)
}

// await registers cl as pending, sends cmd and waits for its answer, at most until ctx ends.
func (c *Conn) await(ctx context.Context, cmd *Command, cl *call) (*Command, error) {
	c.pmu.Lock()
	if c.pclosed {
		c.pmu.Unlock()
		return nil, c.closedError()
	}
	if c.pending[cl.opaque] != nil {
		c.pmu.Unlock()
		return nil, fmt.Errorf("remoting: %s to %s (code %d): opaque %d is already waiting for an answer",
			cl.op, c.info.RemoteAddr, cl.code, cl.opaque)
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

// Forward sends cmd exactly as it is, opaque and flag bits included, as a proxy passes on a
// request it read from another connection. A oneway request (its oneway bit set) returns once
// written, with no answer; otherwise Forward waits for the answer that carries cmd's opaque, at
// most until ctx ends. Unlike Invoke it changes nothing in cmd, so interceptors may still read
// the request while it is forwarded. The peer that numbered the requests keeps their opaques
// apart: a request whose opaque is already waiting on this connection fails.
func (c *Conn) Forward(ctx context.Context, cmd *Command) (*Command, error) {
	if cmd.IsOneway() {
		if err := c.ep.onewaySem.acquire(ctx, c.ep, "forward"); err != nil {
			return nil, err
		}
		defer c.ep.onewaySem.release()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("remoting: forward to %s not sent: %w", c.info.RemoteAddr, err)
		}
		f, err := c.enqueue(cmd, true)
		if err != nil {
			return nil, err
		}
		return nil, c.waitFlush(ctx, f, "forward")
	}
	cl := &call{op: "forward", code: cmd.Code, opaque: cmd.Opaque, start: time.Now(), result: make(chan callResult, 1)}
	if ctx.Err() != nil {
		return nil, c.waitError(ctx, cl)
	}
	return c.await(ctx, cmd, cl)
}
