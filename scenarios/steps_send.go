package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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

// asyncRecord counts the callbacks of async sends, per send, and when they ran.
type asyncRecord struct {
	mu    sync.Mutex
	start time.Time // when the sends were made
	calls []int
	errs  []error
	at    []time.Time // when each callback last ran
}

func (a *asyncRecord) callback(i int) func(*client.SendResult, error) {
	return func(_ *client.SendResult, err error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.calls[i]++
		a.at[i] = time.Now()
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
func (w *World) sendSteps() []stepDef {
	return []stepDef{
		step(`^producer "([^"]*)" can send a message to "([^"]*)"$`,
			"one sync send to the topic, which must succeed",
			func(name, topic string) error { return w.mustSend(name, topic, 1) }).
			alias("send works", "able to send"),
		step(`^producer "([^"]*)" cannot send to "([^"]*)"$`,
			"one sync send to the topic, which must fail (any error)",
			func(name, topic string) error {
				if err := w.send(name, topic, w.newBody(topic, 16)); err != nil {
					return err
				}
				if w.last.err == nil {
					return fmt.Errorf("the send to %s succeeded", topic)
				}
				return nil
			}).alias("send fails", "unable to send"),
		step(`^producer "([^"]*)" cannot send: "(.*)"$`,
			`one sync send to "Orders", which must fail with an error containing the text`,
			func(name, text string) error {
				if err := w.send(name, "Orders", w.newBody("Orders", 16)); err != nil {
					return err
				}
				if w.last.err == nil || !strings.Contains(w.last.err.Error(), text) {
					return fmt.Errorf("send error %v does not say %q", w.last.err, text)
				}
				return nil
			}),
		step(`^producer "([^"]*)" sends a message to "([^"]*)"$`,
			"one sync send of a small message; its outcome and duration are kept for the steps that follow",
			func(name, topic string) error { return w.send(name, topic, w.newBody(topic, 16)) }).
			alias("publishes", "produces", "sync send"),
		step(`^producer "([^"]*)" sends an empty message to "([^"]*)"$`,
			"one sync send of a message with an empty body",
			func(name, topic string) error {
				return w.send(name, topic, client.NewMessage(w.topic(topic), []byte{}))
			}),
		step(`^producer "([^"]*)" sends a message of (\d+) bytes to "([^"]*)"$`,
			"one sync send of a compressible body of that size",
			func(name string, n int, topic string) error {
				return w.send(name, topic, client.NewMessage(w.topic(topic), bodyOf(n)))
			}).alias("large message", "big body", "size"),
		step(`^producer "([^"]*)" sends (\d+) messages to "([^"]*)"$`,
			"N sync sends, which must all succeed",
			func(name string, n int, topic string) error { return w.mustSend(name, topic, n) }),
		step(`^producer "([^"]*)" sends a message to "([^"]*)" with tag "([^"]*)", keys "([^"]*)" and property "([^"]*)" = "([^"]*)"$`,
			"one sync send with a tag, space-separated keys and a user property",
			func(name, topic, tag, keys, prop, value string) error {
				msg := w.newBody(topic, 16)
				msg.SetTags(tag)
				msg.SetKeys(splitList(keys, " ")...)
				if err := msg.PutUserProperty(prop, value); err != nil {
					return err
				}
				return w.send(name, topic, msg)
			}).alias("tags", "keys", "properties"),
		step(`^producer "([^"]*)" sends (a message|\d+ messages) to "([^"]*)" asynchronously$`,
			"N async sends, numbered from 1; their callbacks are recorded (how often each ran, with what, and when)",
			func(name, count, topic string) error {
				n := 1
				if count != "a message" {
					n = int(atoi32(strings.Fields(count)[0]))
				}
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				rec := &asyncRecord{calls: make([]int, n), errs: make([]error, n), at: make([]time.Time, n)}
				w.async = rec
				w.last = &sendOutcome{topic: topic}
				return w.in(func() error {
					rec.start = time.Now()
					for i := range n {
						ps.p.SendAsync(context.Background(), w.newBody(topic, 16), rec.callback(i))
					}
					return nil
				})
			}).alias("async", "callback", "SendAsync"),
		step(`^producer "([^"]*)" sends (\d+) messages to "([^"]*)" oneway$`,
			"N oneway sends (no answer awaited), which must all be written",
			func(name string, n int, topic string) error {
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
			}).alias("fire and forget", "one-way"),
		step(`^producer "([^"]*)" sends a batch of (\d+) messages to "([^"]*)"$`,
			"one SEND_BATCH_MESSAGE of N small messages",
			func(name string, n int, topic string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				msgs := make([]*client.Message, n)
				for i := range msgs {
					msgs[i] = w.newBody(topic, 16)
				}
				return w.timed(topic, func(ctx context.Context) (*client.SendResult, error) { return ps.p.SendBatch(ctx, msgs...) })
			}).alias("batch"),
		step(`^producer "([^"]*)" sends (\d+) messages to "([^"]*)" with a selector choosing queue (\d+)$`,
			"N sync sends, each to the queue a selector picks: the one with that id",
			func(name string, n int, topic string, queue int) error {
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
			}).alias("selector", "ordered", "choose a queue"),
		step(`^producer "([^"]*)" (sends|starts sending) a message to "([^"]*)" to queue (\d+) of "([^"]*)"$`,
			"one sync send to that queue (no retry); \"starts sending\" leaves it running while the next steps act",
			func(name, how, topic string, queue int, broker string) error {
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
			}).alias("to a queue", "specific broker", "in the background"),

		step(`^the send succeeds$`,
			"the last send returned a result, whatever its status",
			func() error { return w.lastSucceeded("") }).alias("ok", "works"),
		step(`^the send succeeds with status (\w+)$`,
			"the last send returned a result with that status (SEND_OK, FLUSH_DISK_TIMEOUT, ...)",
			w.lastSucceeded),
		step(`^the send fails with a timeout$`,
			"the last send failed because an answer did not come in time",
			func() error {
				err, e := w.lastErr()
				if e != nil {
					return e
				}
				var re *client.RemotingError
				if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, remoting.ErrTimeout) || (errors.As(err, &re) && re.Timeout()) {
					return nil
				}
				return fmt.Errorf("the send failed with %v, not a timeout", err)
			}).alias("times out", "timed out"),
		step(`^the send fails with a connection error$`,
			"the last send failed on its connection: the connect was refused or timed out, or the connection closed under it",
			func() error {
				err, e := w.lastErr()
				if e != nil {
					return e
				}
				var ce *remoting.ConnectError
				if errors.Is(err, remoting.ErrConnectionClosed) || errors.As(err, &ce) {
					return nil
				}
				return fmt.Errorf("the send failed with %v, not a connection error (a failed connect or a closed connection)", err)
			}).alias("connection refused", "connection closed", "disconnected", "network error"),
		step(`^the send fails with broker code (\d+)$`,
			"the last send failed with the broker's answer code",
			func(code int) error {
				err, e := w.lastErr()
				if e != nil {
					return e
				}
				var be *client.BrokerError
				if errors.As(err, &be) && be.Code == int32(code) {
					return nil
				}
				return fmt.Errorf("the send failed with %v, not broker code %d", err, code)
			}).alias("response code", "error code"),
		step(`^the send fails with "(.*)"$`,
			"the last send failed with an error containing the text",
			func(text string) error {
				err, e := w.lastErr()
				if e != nil {
					return e
				}
				if !strings.Contains(err.Error(), text) {
					return fmt.Errorf("send error %q does not say %q", err, text)
				}
				return nil
			}).alias("error message", "refused with"),
		step(`^the send took (less than |at least )?(\d+) (seconds?|milliseconds)$`,
			"how long the last send took (exactly, less than, or at least)",
			func(cmp string, n int, unit string) error {
				if w.last == nil {
					return errors.New("no send yet")
				}
				if err := w.waitBackground(); err != nil {
					return err
				}
				want := duration(n, unit)
				got := w.last.elapsed
				ok := map[string]bool{"": w.tookAbout(got, want), "less than ": got < w.scale(want), "at least ": got >= w.scale(want)}[cmp]
				if !ok {
					return fmt.Errorf("the send took %v, want %s%v", got, cmp, want)
				}
				return nil
			}).
			onFake("virtual time, so an exact duration can be asked for").
			onReal("wall time scaled by 1/10: never exact, so N seconds holds from N/10 s to 50 ms over it").
			alias("duration", "elapsed", "how long", "latency"),
		step(`^the stored message's id is the send result's message id$`,
			"the last send's result names the message the broker stored: its unique id and its offset message id",
			func() error {
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
			}).alias("msgId", "message id"),
		step(`^the async callback ran once with (a timeout|an error)$`,
			"the single async send's callback ran exactly once, with an error (a timeout)",
			func(kind string) error {
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
			}).alias("callback timeout"),
		step(`^the async callback has not run yet$`,
			"the single async send's callback has not run",
			func() error {
				if w.async == nil || len(w.async.calls) != 1 {
					return errors.New("no single async send")
				}
				w.async.mu.Lock()
				defer w.async.mu.Unlock()
				if w.async.calls[0] != 0 {
					return fmt.Errorf("the callback ran %d times, %v after the send, with %v",
						w.async.calls[0], w.async.at[0].Sub(w.async.start), w.async.errs[0])
				}
				return nil
			}).onReal("true until the answer arrives: wall time gives no exact moment").alias("callback pending", "not called"),
		step(`^async sends? ([\d, and]+) (?:each )?failed (at once )?with "(.*)"$`,
			"each of the numbered async sends called back once with an error containing the text (\"at once\": before any time passed)",
			func(list, atOnce, text string) error {
				if w.async == nil {
					return errors.New("no async sends")
				}
				w.async.mu.Lock()
				defer w.async.mu.Unlock()
				for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
					if f == "and" {
						continue
					}
					i := int(atoi32(f)) - 1
					if i < 0 || i >= len(w.async.calls) {
						return fmt.Errorf("no async send %s among %d", f, len(w.async.calls))
					}
					if w.async.calls[i] != 1 || w.async.errs[i] == nil || !strings.Contains(w.async.errs[i].Error(), text) {
						return fmt.Errorf("async send %d called back %d times with %v, want once with %q", i+1, w.async.calls[i], w.async.errs[i], text)
					}
					if took := w.async.at[i].Sub(w.async.start); atOnce != "" && !w.tookAbout(took, 0) {
						return fmt.Errorf("async send %d called back %v after it was made, not at once", i+1, took)
					}
				}
				return nil
			}).onReal("\"at once\": within the real backend's slack").alias("rejected", "executor rejected"),
		step(`^(\d+) async callbacks ran, each once, all successful$`,
			"every one of the N async sends called back exactly once, with a result",
			func(n int) error {
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
			}).alias("callbacks"),
	}
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
		w.sent = append(w.sent, w.last.result.MsgID)
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
	out := &sendOutcome{topic: topic}
	w.last = out
	return w.in(func() error {
		// Made inside the bubble, so that a step waiting on it is durably blocked and virtual
		// time can run on to the send's deadline.
		out.done = make(chan struct{})
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
