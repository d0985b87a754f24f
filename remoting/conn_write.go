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

// written accounts for the batch handed to the network (n of its bytes), ends the write that
// took it (writing), keeps its buffer for the next batch, and lets a paused read loop go on
// once at most half of the server's bound waits unsent. It reports whether the writer must
// look again: frames were queued, or a close asked for, while the read loop wrote.
func (c *Conn) written(batch []byte, n int) (again bool) {
	c.wmu.Lock()
	c.unwritten -= n
	c.writing = false
	if c.spare == nil && cap(batch) <= maxSpareBuffer {
		c.spare = batch[:0]
	}
	again = len(c.queued) > 0 || c.closeAfter
	resume := c.readPaused && c.unwritten <= c.maxUnwritten()/2
	if resume {
		c.readPaused = false
	}
	c.wmu.Unlock()
	if resume {
		c.writable <- struct{}{} // buffered: the read loop takes it, or finds it when it waits
	}
	return again
}

// writeHeld is releaseWake for a read loop that reads its socket itself (directSocket), called
// once there is nothing more to read, before it waits for the peer: when the writer is idle,
// the read loop writes the answers it held itself, sparing the writer's wake-up and the switch
// to it, and one write carries the answers to everything the peer had sent. What the socket
// does not take at once (it is full: the peer does not read) stays first in the queue for the
// writer, so the read loop never blocks on a write; so do the answers when the writer is busy
// or someone waits for their write (a flush), and on any write error (the writer meets it
// again and closes the connection).
func (c *Conn) writeHeld() {
	c.wmu.Lock()
	if !c.wakeHeld {
		c.wmu.Unlock()
		return
	}
	c.wakeHeld = false
	if c.direct == nil || c.writing || c.next.done != nil || c.closeAfter {
		c.wmu.Unlock()
		c.signalWriter()
		return
	}
	c.writing = true
	batch := c.queued
	c.queued = c.spare[:0]
	c.spare = nil
	c.wmu.Unlock()

	c.ep.directWrites.Add(1)
	n := c.direct.tryWrite(batch)
	if n > 0 {
		c.touch()
	}
	if n < len(batch) {
		c.wmu.Lock()
		if len(c.queued) == 0 {
			c.queued = batch[n:]
		} else {
			rest := make([]byte, 0, len(batch)-n+len(c.queued))
			c.queued = append(append(rest, batch[n:]...), c.queued...)
		}
		c.wmu.Unlock()
		batch = nil // now the queue's
	}
	if c.written(batch, n) {
		c.signalWriter()
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
	for {
		c.wmu.Lock()
		// While the read loop writes a batch itself (writeHeld), what is queued behind it
		// waits: it wakes the writer when done.
		for len(c.queued) == 0 || c.writing {
			if len(c.queued) == 0 && !c.writing && c.closeAfter {
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
		c.writing = true
		// Let the goroutines that are ready to run (senders woken by the answers just read,
		// handlers finishing) queue their frames first, so that one write carries many of
		// them: under load this takes most of the per-message write syscalls away, and when
		// nothing else is runnable it returns at once.
		c.wmu.Unlock()
		runtime.Gosched()
		c.wmu.Lock()
		batch := c.queued
		c.queued = c.spare[:0]
		c.spare = nil
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
		c.written(batch, len(batch))
	}
}
