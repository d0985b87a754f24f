package remoting

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// flush reports when a batch of frames has been handed to the network.
type flush struct {
	done chan struct{}
	err  error
}

// maxSpareBuffer is the largest write buffer kept for reuse; a batch with a huge body should
// not pin its memory for the life of the connection.
const maxSpareBuffer = 1 << 20

// enqueue encodes cmd behind the frames already queued. With wantFlush it returns the batch
// completion to wait on. Encoding happens here, under the lock, straight into the shared
// buffer: no per-frame buffers, and the writer gets everything queued in one Write.
func (c *Conn) enqueue(cmd *Command, wantFlush bool) (*flush, error) {
	return c.enqueueHolding(cmd, wantFlush, false)
}

// enqueueHolding is enqueue; with hold (the read loop answering a request inline while
// another waits in its buffer) it leaves the writer asleep until releaseWake.
func (c *Conn) enqueueHolding(cmd *Command, wantFlush, hold bool) (*flush, error) {
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
	c.unwritten += len(c.queued) - start
	f := c.flushLocked(wantFlush)
	wake := start == 0 || c.wakeHeld
	if hold && !wantFlush {
		c.wakeHeld = c.wakeHeld || wake
		wake = false
	} else {
		c.wakeHeld = false
	}
	c.wmu.Unlock()
	if wake {
		c.signalWriter()
	}
	return f, nil
}

// releaseWake wakes the writer for the frames enqueueHolding left it asleep for.
func (c *Conn) releaseWake() {
	c.wmu.Lock()
	wake := c.wakeHeld
	c.wakeHeld = false
	c.wmu.Unlock()
	if wake {
		c.signalWriter()
	}
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

// written accounts for n bytes sent, and lets a paused read loop go on once at most half of
// the server's bound waits unsent.
func (c *Conn) written(n int) {
	c.wmu.Lock()
	c.unwritten -= n
	resume := c.readPaused && c.unwritten <= c.maxUnwritten()/2
	if resume {
		c.readPaused = false
	}
	c.wmu.Unlock()
	if resume {
		c.writable <- struct{}{} // buffered: the read loop takes it, or finds it when it waits
	}
}

// maxUnwritten is the server's bound on unsent answers; 0 (none) on a client, whose read loop
// must never stop taking the answers its own requests wait for.
func (c *Conn) maxUnwritten() int {
	if s := c.ep.server; s != nil {
		return s.cfg.maxUnwritten
	}
	return 0
}

// awaitWritable pauses the read loop while more than the bound of answers waits unsent, and
// reports false when the connection closed meanwhile.
func (c *Conn) awaitWritable() bool {
	limit := c.maxUnwritten()
	if limit <= 0 {
		return true
	}
	c.wmu.Lock()
	if c.unwritten <= limit {
		c.wmu.Unlock()
		return true
	}
	c.readPaused = true
	wake := c.wakeHeld
	c.wakeHeld = false
	c.wmu.Unlock()
	if wake {
		c.signalWriter()
	}
	c.ep.stats.readPauses.Add(1)
	c.debug("remoting: reading paused: answers wait unsent", "limit", limit)
	select {
	case <-c.writable:
		return true
	case <-c.done:
		return false
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
	c.unwritten += len(b)
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

// startWriter runs a server connection's writer once its stream is known. Frames queued
// before (a request the server sent a peer that had not spoken yet) wait for it in queued.
// The read loop, itself counted in ep.wg, counts the writer, so the Add never races a Wait.
func (c *Conn) startWriter() {
	c.ep.wg.Add(1)
	c.wmu.Lock()
	c.writerOn = true
	c.wmu.Unlock()
	go c.writeLoop()
}

// closeAfterWrites makes the writer close the connection once everything queued is written.
// Without a writer yet (a server connection whose peer has not spoken), nothing can have been
// written and the stream is not even known: it closes at once.
func (c *Conn) closeAfterWrites() {
	c.wmu.Lock()
	c.closeAfter = true
	on := c.writerOn
	c.wmu.Unlock()
	if !on {
		c.closeWith(ErrServerClosed)
		return
	}
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
		c.wakeHeld = false // awake: what was held goes in this batch
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
		c.written(len(batch))
		if cap(batch) <= maxSpareBuffer {
			spare = batch
		} else {
			spare = nil
		}
	}
}
