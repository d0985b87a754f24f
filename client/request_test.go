package client

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// requestForm is one of the ways to send a request, each waiting for its outcome.
type requestForm struct {
	name    string
	async   bool
	request func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error)
}

// await turns an async form's callback into a result; the callback must come exactly once.
func await(start func(cb func(*MessageExt, error))) (*MessageExt, error) {
	type result struct {
		m   *MessageExt
		err error
	}
	ch := make(chan result, 2)
	start(func(m *MessageExt, err error) { ch <- result{m, err} })
	r := <-ch
	time.Sleep(time.Hour) // a second call would come in this hour
	if len(ch) != 0 {
		panic("a request's callback ran twice")
	}
	return r.m, r.err
}

var thirdQueue QueueSelector = func(qs []MessageQueue, _ *Message) (MessageQueue, error) { return qs[2], nil }

var requestForms = []requestForm{
	{"Request", false, func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error) {
		return p.Request(ctx, msg)
	}},
	{"RequestAsync", true, func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error) {
		return await(func(cb func(*MessageExt, error)) { p.RequestAsync(ctx, msg, cb) })
	}},
	{"RequestWithSelector", false, func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error) {
		return p.RequestWithSelector(ctx, msg, thirdQueue)
	}},
	{"RequestWithSelectorAsync", true, func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error) {
		return await(func(cb func(*MessageExt, error)) { p.RequestWithSelectorAsync(ctx, msg, thirdQueue, cb) })
	}},
	{"RequestToQueue", false, func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error) {
		return p.RequestToQueue(ctx, msg, MessageQueue{Topic: msg.Topic, BrokerName: "broker-a", QueueID: 2})
	}},
	{"RequestToQueueAsync", true, func(ctx context.Context, p *Producer, msg *Message) (*MessageExt, error) {
		return await(func(cb func(*MessageExt, error)) {
			p.RequestToQueueAsync(ctx, msg, MessageQueue{Topic: msg.Topic, BrokerName: "broker-a", QueueID: 2}, cb)
		})
	}},
}

// pending runs a request on a goroutine of its own; its outcome is read once it has settled.
type pending struct {
	done  chan struct{}
	reply *MessageExt
	err   error
	took  time.Duration
}

func startRequest(ctx context.Context, form requestForm, p *Producer, msg *Message) *pending {
	pr := &pending{done: make(chan struct{})}
	go func() {
		defer close(pr.done)
		start := time.Now()
		pr.reply, pr.err = form.request(ctx, p, msg)
		pr.took = time.Since(start)
	}()
	return pr
}

// storedRequest is the request as a responder reads it from the broker: what it was sent with,
// and CLUSTER.
func storedRequest(t *testing.T, r *rig, topic string) *Message {
	t.Helper()
	stored := r.c.Messages(topic)
	require.Len(t, stored, 1)
	m := stored[0]
	return &Message{Topic: m.Topic, Body: m.Body, Properties: m.Properties}
}

var uuidForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestGetsItsReply(t *testing.T) {
	for _, form := range requestForms {
		t.Run(form.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				begin := time.Now()
				r := newRig(t, fakecluster.WithTopic("Req", 4))
				requester := r.started(WithInstanceName("requester"))
				responder := r.started(WithInstanceName("responder"), WithGroup("rg"))
				pr := startRequest(background, form, requester, NewMessage("Req", []byte("ping")))
				synctest.Wait()

				req := storedRequest(t, r, "Req")
				require.Regexp(t, uuidForm, req.Properties[protocol.PropertyCorrelationID])
				require.Equal(t, requester.ClientID(), req.Properties[protocol.PropertyMessageReplyToClient])
				require.Equal(t, "3000", req.Properties[protocol.PropertyMessageTTL])
				require.Equal(t, fakebroker.DefaultCluster, req.Properties[protocol.PropertyCluster])
				if form.name != "Request" && form.name != "RequestAsync" {
					require.EqualValues(t, 2, r.c.Messages("Req")[0].QueueID)
				}
				require.Equal(t, 1, requester.Snapshot().PendingRequests)

				res, err := responder.Reply(background, req, []byte("pong"))
				require.NoError(t, err)
				require.Equal(t, SendOK, res.Status)
				<-pr.done
				require.NoError(t, pr.err)
				reply := pr.reply
				require.Equal(t, "pong", string(reply.Body))
				require.Equal(t, "DefaultCluster_REPLY_TOPIC", reply.Topic)
				for _, name := range []string{protocol.PropertyCorrelationID, protocol.PropertyMessageReplyToClient, protocol.PropertyMessageTTL} {
					require.Equal(t, req.Properties[name], reply.Properties[name], name)
				}
				require.Equal(t, protocol.MessageTypeReply, reply.Properties[protocol.PropertyMessageType])
				require.Equal(t, strconv.FormatInt(begin.UnixMilli(), 10), reply.Properties[protocol.PropertyReplyMessageArriveTime])
				require.Contains(t, reply.Properties, protocol.PropertyPushReplyTime)
				require.True(t, reply.BornHost.IsValid(), "the replier's address")
				require.True(t, reply.StoreHost.IsValid(), "the broker's")
				require.Equal(t, 0, requester.Snapshot().PendingRequests)

				// The reply went as SEND_REPLY_MESSAGE_V2, and the broker pushed it.
				b := r.broker("broker-a")
				require.Len(t, b.History().Requests(remoting.CodeSendReplyMessageV2), 1)
				require.Empty(t, b.History().Requests(remoting.CodeSendMessageV2)[1:], "only the request went as a plain send")
			})
		})
	}
}

// No reply: the request fails at its deadline, not a scan period later, with Java's texts.
func TestRequestWithoutReplyFailsAtItsDeadline(t *testing.T) {
	for _, form := range requestForms {
		t.Run(form.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithTopic("Req", 4))
				p := r.started(WithRequestTimeout(2 * time.Second))
				pr := startRequest(background, form, p, NewMessage("Req", []byte("ping")))
				<-pr.done
				if form.async {
					pr.took -= time.Hour // await's wait for a second callback
				}
				require.Equal(t, 2*time.Second, pr.took)
				require.Nil(t, pr.reply)
				want := "CODE: 10006  DESC: send request message to <Req> OK, but wait reply message timeout, 2000 ms."
				if form.async {
					want = "CODE: 10006  DESC: request timeout, no reply message."
				}
				require.EqualError(t, pr.err, want)
				var rte *RequestTimeoutError
				require.ErrorAs(t, pr.err, &rte)
				require.Equal(t, CodeRequestTimeout, rte.Code)
				require.ErrorIs(t, pr.err, context.DeadlineExceeded)
				require.Equal(t, "2000", r.c.Messages("Req")[0].Properties[protocol.PropertyMessageTTL])
				require.Equal(t, 0, p.Snapshot().PendingRequests)
			})
		})
	}
}

// An earlier context deadline is the request's deadline, and its TTL.
func TestRequestContextDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("Req", 4))
		p := r.started()
		ctx, cancel := context.WithTimeout(background, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := p.Request(ctx, NewMessage("Req", []byte("ping")))
		require.Equal(t, 500*time.Millisecond, time.Since(start))
		require.EqualError(t, err, "CODE: 10006  DESC: send request message to <Req> OK, but wait reply message timeout, 500 ms.")
		require.Equal(t, "500", r.c.Messages("Req")[0].Properties[protocol.PropertyMessageTTL])
	})
}

func TestRequestCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("Req", 4))
		p := r.started()
		ctx, cancel := context.WithCancel(background)
		pr := startRequest(ctx, requestForms[0], p, NewMessage("Req", []byte("ping")))
		synctest.Wait()
		cancel()
		<-pr.done
		require.ErrorIs(t, pr.err, context.Canceled)
		require.Zero(t, pr.took)
		require.Equal(t, 0, p.Snapshot().PendingRequests)
	})
}

// A requester that has gone cannot be pushed its reply: the broker tells the responder, with
// Java's remark, and the request, if anyone still waits, times out.
func TestReplyToARequesterThatHasGone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("Req", 4))
		requester := r.started(WithInstanceName("requester"))
		responder := r.started(WithInstanceName("responder"), WithGroup("rg"))
		pr := startRequest(background, requestForms[1], requester, NewMessage("Req", []byte("ping")))
		synctest.Wait()
		id := requester.ClientID()
		requester.Shutdown()

		_, err := responder.Reply(background, storedRequest(t, r, "Req"), []byte("pong"))
		var be *BrokerError
		require.ErrorAs(t, err, &be)
		require.Equal(t, remoting.SystemError, be.Code)
		require.Equal(t, "push reply message fail, channel of <"+id+"> not found.", be.Remark)

		<-pr.done
		require.EqualError(t, pr.err, "CODE: 10006  DESC: request timeout, no reply message.")
	})
}

// A reply that comes after its request gave up matches nothing; the requester takes it all the
// same, so the responder's send succeeds.
func TestLateReplyIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("Req", 4))
		requester := r.started(WithInstanceName("requester"))
		responder := r.started(WithInstanceName("responder"), WithGroup("rg"))
		_, err := requester.Request(background, NewMessage("Req", []byte("ping")))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		res, err := responder.Reply(background, storedRequest(t, r, "Req"), []byte("pong"))
		require.NoError(t, err)
		require.Equal(t, SendOK, res.Status)
	})
}

// A send the broker refuses fails the request at once: a caller gets Java's "send request
// message to <topic> fail" around it, a callback the send's own error.
func TestRequestSendFailure(t *testing.T) {
	for _, form := range []requestForm{requestForms[0], requestForms[1]} {
		t.Run(form.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithTopic("Req", 4))
				r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: remoting.SystemBusy})
				p := r.started()
				pr := startRequest(background, form, p, NewMessage("Req", []byte("ping")))
				<-pr.done
				if form.async {
					pr.took -= time.Hour
				}
				require.Zero(t, pr.took)
				var be *BrokerError
				require.ErrorAs(t, pr.err, &be)
				require.Equal(t, remoting.SystemBusy, be.Code)
				if form.async {
					require.Equal(t, be, pr.err)
				} else {
					require.EqualError(t, pr.err, "send request message to <Req> fail"+moreInfo)
				}
				require.Equal(t, 0, p.Snapshot().PendingRequests)
			})
		})
	}
}

// What fails before the send is returned as Send returns it, or given to the callback.
func TestRequestRefusedBeforeTheSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("Req", 4))
		idle := r.producer()
		_, err := idle.Request(background, NewMessage("Req", []byte("ping")))
		require.ErrorIs(t, err, ErrNotRunning)
		_, err = await(func(cb func(*MessageExt, error)) {
			idle.RequestAsync(background, NewMessage("Req", []byte("ping")), cb)
		})
		require.ErrorIs(t, err, ErrNotRunning)

		p := r.started()
		_, err = p.RequestToQueue(background, NewMessage("Req", []byte("ping")), MessageQueue{Topic: "Other", BrokerName: "broker-a"})
		require.EqualError(t, err, "message's topic not equal mq's topic"+moreInfo)
		_, err = p.RequestWithSelector(background, NewMessage("Req", []byte("ping")),
			func([]MessageQueue, *Message) (MessageQueue, error) { return MessageQueue{}, nil })
		require.EqualError(t, err, "select message queue return null."+moreInfo)
		_, err = p.Request(background, NewMessage("Req", nil))
		require.EqualError(t, err, "CODE: 13  DESC: the message body is null"+moreInfo)
		require.Equal(t, 0, p.Snapshot().PendingRequests)
	})
}

func TestNewReplyMessage(t *testing.T) {
	req := NewMessage("Req", []byte("ping"))
	for k, v := range map[string]string{"CLUSTER": "C1", "CORRELATION_ID": "id", "REPLY_TO_CLIENT": "me", "TTL": "3000", "KEYS": "k"} {
		req.SetProperty(k, v)
	}
	reply, err := NewReplyMessage(req, []byte("pong"))
	require.NoError(t, err)
	require.Equal(t, &Message{Topic: "C1_REPLY_TOPIC", Body: []byte("pong"), Properties: map[string]string{
		"MSG_TYPE": "reply", "CORRELATION_ID": "id", "REPLY_TO_CLIENT": "me", "TTL": "3000",
	}}, reply)

	_, err = NewReplyMessage(nil, nil)
	require.EqualError(t, err, "CODE: 10007  DESC: create reply message fail, requestMessage cannot be null."+moreInfo)
	_, err = NewReplyMessage(NewMessage("Req", nil), nil)
	require.EqualError(t, err, "CODE: 10007  DESC: create reply message fail, requestMessage error, property[CLUSTER] is null."+moreInfo)
	var ce *ClientError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, CodeCreateReplyMessage, ce.Code)
}

func TestJavaSocketAddress(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"192.0.2.1:10911", "192.0.2.1:10911", true},
		{"::1:10911", "[::1]:10911", true},
		{"broker-a:10911", "invalid AddrPort", true},
		{"192.0.2.1:x", "", false},
		{"192.0.2.1", "", false},
	}
	for _, tc := range tests {
		ap, err := javaSocketAddress(tc.in)
		if !tc.ok {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, ap.String(), tc.in)
	}
}

// Whatever a broker writes as a host, reading it neither panics nor invents a port.
func FuzzJavaSocketAddress(f *testing.F) {
	for _, s := range []string{"192.0.2.1:10911", "::1:10911", "[::1]:1", "broker-a:10911", ":", "1.2.3.4:70000", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ap, err := javaSocketAddress(s)
		if err != nil || !ap.IsValid() {
			return
		}
		port, err := strconv.ParseUint(s[strings.LastIndexByte(s, ':')+1:], 10, 16)
		require.NoError(t, err)
		require.EqualValues(t, port, ap.Port())
	})
}
