package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
)

// requestOutcome is what the scenario's request and the reply to it did.
type requestOutcome struct {
	topic     string
	requester string // the requesting producer's client id, which the broker pushes the reply to
	reply     *client.MessageExt
	err       error
	elapsed   time.Duration
	done      chan struct{} // closed when the request has ended
	replyErr  error         // what the responder's reply send returned
	replied   bool
}

// wait waits, where the request runs, until it has ended.
func (w *World) waitRequest() (*requestOutcome, error) {
	r := w.req
	if r == nil {
		return nil, errors.New("no request yet")
	}
	return r, w.in(func() error {
		<-r.done
		return nil
	})
}

// Request-reply steps: a producer of our client sends a request and waits for its reply; a
// responder reads the request where the broker stored it and replies with our client's Reply,
// which the broker pushes back to the requester.
func (w *World) requestSteps() []stepDef {
	return []stepDef{
		step(`^producer "([^"]*)" sends a request to "([^"]*)"$`,
			"one request (Java's request(msg, timeout)) in the background: the message is sent with its correlation id, "+
				"REPLY_TO_CLIENT and TTL, and the producer waits for the reply up to its request timeout (3 s by default)",
			func(name, topic string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				r := &requestOutcome{topic: topic, requester: ps.p.ClientID()}
				w.req = r
				msg := w.newBody(topic, 16)
				return w.in(func() error {
					// Made in the bubble, so that waiting on it lets virtual time run to the
					// request's deadline.
					r.done = make(chan struct{})
					start := time.Now()
					go func() {
						defer close(r.done)
						r.reply, r.err = ps.p.Request(context.Background(), msg)
						r.elapsed = time.Since(start)
					}()
					return nil
				})
			}).
			onReal("the request timeout is wall time, unscaled: a 3 s request waits 3 s").
			alias("request", "request-reply", "RPC", "waits for a reply"),
		step(`^producer "([^"]*)" replies "([^"]*)" to the request$`,
			"the responder reads the request as the broker stored it (with the CLUSTER the broker added) and sends the reply "+
				"with that body (Reply: SEND_REPLY_MESSAGE_V2 to <cluster>_REPLY_TOPIC); what the reply's send returned is kept",
			func(name, body string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if w.req == nil {
					return errors.New("no request yet")
				}
				stored, err := w.messages(w.req.topic)
				if err != nil {
					return err
				}
				var request *protocol.MessageExt
				for _, m := range stored {
					if m.Property(protocol.PropertyCorrelationID) != "" {
						request = m
					}
				}
				if request == nil {
					return fmt.Errorf("no request stored in %s (%d messages)", w.req.topic, len(stored))
				}
				return w.in(func() error {
					ctx, cancel := w.ctx()
					defer cancel()
					_, w.req.replyErr = ps.p.Reply(ctx, &request.Message, []byte(body))
					w.req.replied = true
					return nil
				})
			}).alias("reply", "responder", "answers the request", "NewReplyMessage"),
		step(`^the request gets the reply "([^"]*)"$`,
			"the request ended with the reply, whose body is the responder's",
			func(body string) error {
				r, err := w.waitRequest()
				if err != nil {
					return err
				}
				if r.err != nil {
					return fmt.Errorf("the request failed: %w", r.err)
				}
				if got := string(r.reply.Body); got != body {
					return fmt.Errorf("the request got the reply %q, want %q", got, body)
				}
				return nil
			}).alias("reply arrives", "gets an answer", "PUSH_REPLY_MESSAGE_TO_CLIENT"),
		step(`^the request fails at its deadline, (\d+) seconds? after it was sent$`,
			"the request ended without a reply, with Java's \"wait reply message timeout\" error, at its deadline",
			func(secs int) error {
				r, err := w.waitRequest()
				if err != nil {
					return err
				}
				var timeout *client.RequestTimeoutError
				if !errors.As(r.err, &timeout) {
					return fmt.Errorf("the request ended with %v, %v, not a request timeout", r.reply, r.err)
				}
				want := secondsD(secs)
				if w.bubble != nil && r.elapsed != want || r.elapsed < want || r.elapsed > want+time.Second/2 {
					return fmt.Errorf("the request failed after %v, want %v", r.elapsed, want)
				}
				return nil
			}).
			onFake("virtual time: exactly at the deadline").
			onReal("wall time: at the deadline, or less than half a second after it").
			alias("request timeout", "no reply", "RequestTimeoutError"),
		step(`^the reply fails because the requester is gone$`,
			"the reply's send failed: the broker found no connection of the requesting client to push it to (Java's "+
				"\"push reply message fail, channel of <client id> not found.\")",
			func() error {
				if w.req == nil || !w.req.replied {
					return errors.New("no reply yet")
				}
				want := "push reply message fail, channel of <" + w.req.requester + "> not found."
				if !errorSays(w.req.replyErr, want) {
					return fmt.Errorf("the reply ended with %v, want an error saying %q", w.req.replyErr, want)
				}
				return nil
			}).alias("requester gone", "reply to a dead client"),
		step(`^the reply was sent$`,
			"the reply's send succeeded: the broker stored the reply and pushed it to the requester",
			func() error {
				if w.req == nil || !w.req.replied {
					return errors.New("no reply yet")
				}
				if w.req.replyErr != nil {
					return fmt.Errorf("the reply failed: %w", w.req.replyErr)
				}
				return nil
			}),
	}
}

// errorSays reports whether err or an error it wraps says text: the client's "Send [3] times,
// still failed" wraps the broker's answer to the last attempt, as Java's exception has it as
// its cause.
func errorSays(err error, text string) bool {
	for err != nil {
		if strings.Contains(err.Error(), text) {
			return true
		}
		err = errors.Unwrap(err)
	}
	return false
}
