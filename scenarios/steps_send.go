package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/remoting"
)

// sendOutcome is what one send step saw.
type sendOutcome struct {
	topic   string
	result  *client.SendResult
	err     error
	elapsed time.Duration
	done    chan struct{} // closed when a send started in the background has ended
}

// asyncRecord counts the callbacks of async sends, per send.
type asyncRecord struct {
	mu    sync.Mutex
	calls []int
	errs  []error
}

func (a *asyncRecord) callback(i int) func(*client.SendResult, error) {
	return func(_ *client.SendResult, err error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.calls[i]++
		if err != nil {
			a.errs[i] = err
		}
	}
}

// await waits, in real time, until every send's callback ran, and a little longer so that a
// second call would show.
func (a *asyncRecord) await(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		pending := slices.Contains(a.calls, 0)
		a.mu.Unlock()
		if !pending {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
}

// Send steps: every send runs inside the bubble and is timed in its (virtual) time.
func (w *World) sendSteps(sc *godog.ScenarioContext) {
	sc.Step(`^producer "([^"]*)" can send a message to "([^"]*)"$`, func(name, topic string) error {
		return w.mustSend(name, topic, 1)
	})
	sc.Step(`^producer "([^"]*)" cannot send to "([^"]*)"$`, func(name, topic string) error {
		if err := w.send(name, topic, w.newBody(topic, 16)); err != nil {
			return err
		}
		if w.last.err == nil {
			return fmt.Errorf("the send to %s succeeded", topic)
		}
		return nil
	})
	sc.Step(`^producer "([^"]*)" cannot send: "(.*)"$`, func(name, text string) error {
		if err := w.send(name, "Orders", w.newBody("Orders", 16)); err != nil {
			return err
		}
		if w.last.err == nil || !strings.Contains(w.last.err.Error(), text) {
			return fmt.Errorf("send error %v does not say %q", w.last.err, text)
		}
		return nil
	})
	sc.Step(`^producer "([^"]*)" sends a message to "([^"]*)"$`, func(name, topic string) error {
		return w.send(name, topic, w.newBody(topic, 16))
	})
	sc.Step(`^producer "([^"]*)" sends an empty message to "([^"]*)"$`, func(name, topic string) error {
		return w.send(name, topic, client.NewMessage(w.topic(topic), []byte{}))
	})
	sc.Step(`^producer "([^"]*)" sends a message of (\d+) bytes to "([^"]*)"$`, func(name string, n int, topic string) error {
		return w.send(name, topic, client.NewMessage(w.topic(topic), bodyOf(n)))
	})
	sc.Step(`^producer "([^"]*)" sends (\d+) messages to "([^"]*)"$`, func(name string, n int, topic string) error {
		return w.mustSend(name, topic, n)
	})
	sc.Step(`^producer "([^"]*)" sends a message to "([^"]*)" with tag "([^"]*)", keys "([^"]*)" and property "([^"]*)" = "([^"]*)"$`,
		func(name, topic, tag, keys, prop, value string) error {
			msg := w.newBody(topic, 16)
			msg.SetTags(tag)
			msg.SetKeys(splitList(keys, " ")...)
			if err := msg.PutUserProperty(prop, value); err != nil {
				return err
			}
			return w.send(name, topic, msg)
		})
	sc.Step(`^producer "([^"]*)" sends (a message|\d+ messages) to "([^"]*)" asynchronously$`, func(name, count, topic string) error {
		n := 1
		if count != "a message" {
			n = int(atoi32(strings.Fields(count)[0]))
		}
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		rec := &asyncRecord{calls: make([]int, n), errs: make([]error, n)}
		w.async = rec
		w.last = &sendOutcome{topic: topic}
		return w.in(func() error {
			for i := range n {
				ps.p.SendAsync(context.Background(), w.newBody(topic, 16), rec.callback(i))
			}
			return nil
		})
	})
	sc.Step(`^producer "([^"]*)" sends (\d+) messages to "([^"]*)" oneway$`, func(name string, n int, topic string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		w.last = &sendOutcome{topic: topic}
		return w.in(func() error {
			for range n {
				if err := ps.p.SendOneway(context.Background(), w.newBody(topic, 16)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	sc.Step(`^producer "([^"]*)" sends a batch of (\d+) messages to "([^"]*)"$`, func(name string, n int, topic string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		msgs := make([]*client.Message, n)
		for i := range msgs {
			msgs[i] = w.newBody(topic, 16)
		}
		return w.timed(topic, func(ctx context.Context) (*client.SendResult, error) { return ps.p.SendBatch(ctx, msgs...) })
	})
	sc.Step(`^producer "([^"]*)" sends (\d+) messages to "([^"]*)" with a selector choosing queue (\d+)$`, func(name string, n int, topic string, queue int) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		pick := func(queues []client.MessageQueue, _ *client.Message) (client.MessageQueue, error) {
			for _, q := range queues {
				if q.QueueID == queue {
					return q, nil
				}
			}
			return client.MessageQueue{}, fmt.Errorf("no queue %d among %d", queue, len(queues))
		}
		for range n {
			if err := w.timed(topic, func(ctx context.Context) (*client.SendResult, error) {
				return ps.p.SendWithSelector(ctx, w.newBody(topic, 16), pick)
			}); err != nil {
				return err
			}
			if w.last.err != nil {
				return w.last.err
			}
		}
		return nil
	})
	sc.Step(`^producer "([^"]*)" (sends|starts sending) a message to "([^"]*)" to queue (\d+) of "([^"]*)"$`, func(name, how, topic string, queue int, broker string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		mq := client.MessageQueue{Topic: w.topic(topic), BrokerName: broker, QueueID: queue}
		send := func(ctx context.Context) (*client.SendResult, error) {
			return ps.p.SendToQueue(ctx, w.newBody(topic, 16), mq)
		}
		if how == "sends" {
			return w.timed(topic, send)
		}
		return w.background(topic, send)
	})

	sc.Step(`^the send succeeds$`, func() error { return w.lastSucceeded("") })
	sc.Step(`^the send succeeds with status (\w+)$`, w.lastSucceeded)
	sc.Step(`^the send fails with a timeout$`, func() error {
		err, e := w.lastErr()
		if e != nil {
			return e
		}
		var re *client.RemotingError
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, remoting.ErrTimeout) || (errors.As(err, &re) && re.Timeout()) {
			return nil
		}
		return fmt.Errorf("the send failed with %v, not a timeout", err)
	})
	sc.Step(`^the send fails with a connection error$`, func() error {
		err, e := w.lastErr()
		if e != nil {
			return e
		}
		if errors.Is(err, remoting.ErrConnectionClosed) {
			return nil
		}
		return fmt.Errorf("the send failed with %v, not a closed connection", err)
	})
	sc.Step(`^the send fails with broker code (\d+)$`, func(code int) error {
		err, e := w.lastErr()
		if e != nil {
			return e
		}
		var be *client.BrokerError
		if errors.As(err, &be) && be.Code == int32(code) {
			return nil
		}
		return fmt.Errorf("the send failed with %v, not broker code %d", err, code)
	})
	sc.Step(`^the send fails with "(.*)"$`, func(text string) error {
		err, e := w.lastErr()
		if e != nil {
			return e
		}
		if !strings.Contains(err.Error(), text) {
			return fmt.Errorf("send error %q does not say %q", err, text)
		}
		return nil
	})
	sc.Step(`^the send took (less than |at least )?(\d+) (seconds?|milliseconds)$`, func(cmp string, n int, unit string) error {
		if w.last == nil {
			return errors.New("no send yet")
		}
		if err := w.waitBackground(); err != nil {
			return err
		}
		want := time.Duration(n) * time.Second
		if strings.HasPrefix(unit, "milli") {
			want = time.Duration(n) * time.Millisecond
		}
		got := w.last.elapsed
		ok := map[string]bool{"": got == want, "less than ": got < want, "at least ": got >= want}[cmp]
		if !ok {
			return fmt.Errorf("the send took %v, want %s%v", got, cmp, want)
		}
		return nil
	})
	sc.Step(`^the stored message's id is the send result's message id$`, func() error {
		if err := w.lastSucceeded(""); err != nil {
			return err
		}
		m, err := w.lastStored()
		if err != nil {
			return err
		}
		if m.ClientMsgID() != w.last.result.MsgID || m.MsgID != w.last.result.OffsetMsgID {
			return fmt.Errorf("stored %s/%s, the result says %s/%s", m.ClientMsgID(), m.MsgID, w.last.result.MsgID, w.last.result.OffsetMsgID)
		}
		return nil
	})
	sc.Step(`^the async callback ran once with (a timeout|an error)$`, func(kind string) error {
		if w.async == nil || len(w.async.calls) != 1 {
			return errors.New("no single async send")
		}
		w.async.mu.Lock()
		defer w.async.mu.Unlock()
		if w.async.calls[0] != 1 {
			return fmt.Errorf("the callback ran %d times", w.async.calls[0])
		}
		err := w.async.errs[0]
		if err == nil {
			return errors.New("the callback reported success")
		}
		if kind == "a timeout" && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, remoting.ErrTimeout) {
			return fmt.Errorf("the callback reported %v, not a timeout", err)
		}
		return nil
	})
	sc.Step(`^(\d+) async callbacks ran, each once, all successful$`, func(n int) error {
		if w.async == nil || len(w.async.calls) != n {
			return fmt.Errorf("not %d async sends", n)
		}
		if w.bubble == nil {
			// Real time: the answers are on their way (in a bubble they have settled).
			w.async.await(10 * time.Second)
		}
		w.async.mu.Lock()
		defer w.async.mu.Unlock()
		for i, c := range w.async.calls {
			if c != 1 || w.async.errs[i] != nil {
				return fmt.Errorf("send %d: callback ran %d times, error %v", i, c, w.async.errs[i])
			}
		}
		return nil
	})
}

// newBody returns a small message for the feature's topic.
func (w *World) newBody(topic string, n int) *client.Message {
	return client.NewMessage(w.topic(topic), bodyOf(n))
}

// send makes one sync send and records its outcome without judging it.
func (w *World) send(name, topic string, msg *client.Message) error {
	ps, err := w.producer(name)
	if err != nil {
		return err
	}
	return w.timed(topic, func(ctx context.Context) (*client.SendResult, error) { return ps.p.Send(ctx, msg) })
}

// mustSend makes n sync sends that must all succeed.
func (w *World) mustSend(name, topic string, n int) error {
	for i := range n {
		if err := w.send(name, topic, w.newBody(topic, 16)); err != nil {
			return err
		}
		if w.last.err != nil {
			return fmt.Errorf("send %d of %d to %s: %w", i+1, n, topic, w.last.err)
		}
	}
	return nil
}

// timed runs a send inside the bubble and records its outcome and duration.
func (w *World) timed(topic string, send func(context.Context) (*client.SendResult, error)) error {
	out := &sendOutcome{topic: topic}
	w.last = out
	return w.in(func() error {
		start := time.Now()
		out.result, out.err = send(context.Background())
		out.elapsed = time.Since(start)
		return nil
	})
}

// background starts a send that later steps act on (a crash under it, say); assertions wait
// for it.
func (w *World) background(topic string, send func(context.Context) (*client.SendResult, error)) error {
	out := &sendOutcome{topic: topic, done: make(chan struct{})}
	w.last = out
	return w.in(func() error {
		start := time.Now()
		go func() {
			defer close(out.done)
			out.result, out.err = send(context.Background())
			out.elapsed = time.Since(start)
		}()
		return nil
	})
}

func (w *World) waitBackground() error {
	if w.last.done == nil {
		return nil
	}
	return w.in(func() error {
		<-w.last.done
		return nil
	})
}

func (w *World) lastErr() (error, error) {
	if w.last == nil {
		return nil, errors.New("no send yet")
	}
	if err := w.waitBackground(); err != nil {
		return nil, err
	}
	if w.last.err == nil {
		return nil, fmt.Errorf("the send succeeded: %v", w.last.result)
	}
	return w.last.err, nil
}

func (w *World) lastSucceeded(status string) error {
	if w.last == nil {
		return errors.New("no send yet")
	}
	if err := w.waitBackground(); err != nil {
		return err
	}
	if w.last.err != nil {
		return fmt.Errorf("the send failed: %w", w.last.err)
	}
	if status != "" && w.last.result.Status.String() != status {
		return fmt.Errorf("the send's status is %s, want %s", w.last.result.Status, status)
	}
	return nil
}
