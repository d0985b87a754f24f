package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Request-reply (Java 4.6+): a request is a message that carries a correlation id, the
// requester's client id (REPLY_TO_CLIENT) and its timeout (TTL). A responder that reads it sends
// a reply made by NewReplyMessage to the request's cluster's reply topic; the broker that takes
// the reply pushes it, as PUSH_REPLY_MESSAGE_TO_CLIENT, over the requester's own connection,
// and the requester's instance matches it to the waiting request by correlation id.

// Request sends msg as a request and waits for its reply: Java's request(msg, timeout). The
// request's budget is WithRequestTimeout (3 s), or ctx's deadline when earlier; the send takes
// part of it, as Java's one asynchronous attempt, retried on network failures
// (WithAsyncRetries). msg gets the CORRELATION_ID, REPLY_TO_CLIENT and TTL properties.
//
// When the budget is spent without a reply the error is Java's RequestTimeoutError ("send
// request message to <topic> OK, but wait reply message timeout, N ms.", matching
// context.DeadlineExceeded), at the deadline itself. A send that fails is Java's "send request
// message to <topic> fail", wrapping the send's error; failures before the send (state,
// message, route) are returned as Send returns them. A cancelled ctx ends the wait with its
// error.
func (p *Producer) Request(ctx context.Context, msg *Message) (*MessageExt, error) {
	return p.request(ctx, msg, p.defaultTarget, nil)
}

// RequestAsync is Request without waiting: cb gets the reply or the error, exactly once, on a
// goroutine of its own. Java's request(msg, callback, timeout). At the deadline cb gets Java's
// RequestTimeoutError "request timeout, no reply message."; a failed send gets the send's own
// error.
func (p *Producer) RequestAsync(ctx context.Context, msg *Message, cb func(*MessageExt, error)) {
	p.requestAsync(ctx, msg, p.defaultTarget, cb)
}

// RequestWithSelector is Request sent to the queue sel picks (Java's request(msg, selector,
// arg, timeout)): the send is not retried on another broker.
func (p *Producer) RequestWithSelector(ctx context.Context, msg *Message, sel QueueSelector) (*MessageExt, error) {
	return p.request(ctx, msg, p.selectorTarget(sel), nil)
}

// RequestWithSelectorAsync is RequestAsync sent to the queue sel picks.
func (p *Producer) RequestWithSelectorAsync(ctx context.Context, msg *Message, sel QueueSelector, cb func(*MessageExt, error)) {
	p.requestAsync(ctx, msg, p.selectorTarget(sel), cb)
}

// RequestToQueue is Request sent to mq (Java's request(msg, mq, timeout)).
func (p *Producer) RequestToQueue(ctx context.Context, msg *Message, mq MessageQueue) (*MessageExt, error) {
	return p.request(ctx, msg, p.queueTarget(mq), nil)
}

// RequestToQueueAsync is RequestAsync sent to mq.
func (p *Producer) RequestToQueueAsync(ctx context.Context, msg *Message, mq MessageQueue, cb func(*MessageExt, error)) {
	p.requestAsync(ctx, msg, p.queueTarget(mq), cb)
}

// requestTarget is where a request's send goes, found before it is sent: the queue, and the
// publish info a network failure picks another queue from (nil: retry the same queue).
type requestTarget func(ctx context.Context, inst *instance, out *outgoing) (*publishInfo, MessageQueue, error)

// defaultTarget is sendDefaultImpl's choice.
func (p *Producer) defaultTarget(ctx context.Context, inst *instance, out *outgoing) (*publishInfo, MessageQueue, error) {
	info, rerr := p.findPublishInfo(ctx, inst, out.topic)
	if info == nil || len(info.queues) == 0 {
		return nil, MessageQueue{}, p.noRouteError(inst, out.topic, rerr)
	}
	return info, p.selectQueue(info, ""), nil
}

func (p *Producer) selectorTarget(sel QueueSelector) requestTarget {
	return func(ctx context.Context, inst *instance, out *outgoing) (*publishInfo, MessageQueue, error) {
		mq, err := p.selectedQueue(ctx, inst, out, sel)
		return nil, mq, err
	}
}

func (p *Producer) queueTarget(mq MessageQueue) requestTarget {
	return func(_ context.Context, _ *instance, out *outgoing) (*publishInfo, MessageQueue, error) {
		mq.Topic = wrapNamespace(p.cfg.namespace, mq.Topic)
		if mq.Topic != out.topic {
			return nil, MessageQueue{}, clientError(-1, "message's topic not equal mq's topic", nil)
		}
		return nil, mq, nil
	}
}

func (p *Producer) requestAsync(ctx context.Context, msg *Message, target requestTarget, cb func(*MessageExt, error)) {
	if cb == nil {
		cb = func(*MessageExt, error) {}
	}
	if _, err := p.request(ctx, msg, target, cb); err != nil {
		go cb(nil, err)
	}
}

// request is the body of Java's request methods: prepareSendRequest, the future in the
// instance's table, one asynchronous send, and (without cb) the wait. With cb it returns at
// once; its error is then one that came before the send.
func (p *Producer) request(ctx context.Context, msg *Message, target requestTarget, cb func(*MessageExt, error)) (*MessageExt, error) {
	out, err := p.single(msg)
	if err != nil {
		return nil, err
	}
	inst, err := p.checked(out)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(p.cfg.requestTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	timeout := deadline.Sub(start)
	id := p.prepareRequest(ctx, inst, out, timeout)
	info, mq, err := target(ctx, inst, out)
	if err != nil {
		return nil, err
	}
	f := inst.newRequest(ctx, id, out.topic, deadline, timeout, cb)
	p.asyncAttempt(ctx, inst, out, info, mq, deadline, 0, f.sent)
	if cb != nil {
		return nil, nil
	}
	<-f.done
	return f.reply, f.err
}

// prepareRequest is prepareSendRequest: the request's properties, and, for a topic the
// instance has no route for yet, the route and a heartbeat to every broker, so that a broker
// the reply reaches knows this client's connection (it finds it by client id among producers).
func (p *Producer) prepareRequest(ctx context.Context, inst *instance, out *outgoing, timeout time.Duration) string {
	id := newCorrelationID()
	out.msg.SetProperty(protocol.PropertyCorrelationID, id)
	out.msg.SetProperty(protocol.PropertyMessageReplyToClient, inst.id)
	out.msg.SetProperty(protocol.PropertyMessageTTL, strconv.FormatInt(timeout.Milliseconds(), 10))
	if !inst.hasRoute(out.topic) {
		_, _ = p.findPublishInfo(ctx, inst, out.topic)
		inst.sendHeartbeatToAllBrokers(ctx)
	}
	return id
}

// newCorrelationID is CorrelationIdUtil.createCorrelationId: a random UUID.
func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// replyFuture is Java's RequestResponseFuture: a request waiting for its reply. It settles once:
// with the reply, with the send's failure, at its deadline (a timer of its own: Java's
// 1 s scan of the whole table fails an async request up to a second late, and not before 3 s
// after start), or when its context is cancelled.
type replyFuture struct {
	inst     *instance
	id       string
	topic    string
	deadline time.Time
	timeout  time.Duration
	cb       func(*MessageExt, error) // nil: a caller waits on done

	done chan struct{} // closed once settled; reply and err are set by then

	mu      sync.Mutex
	settled bool
	reply   *MessageExt
	err     error
	timer   *time.Timer
	stopCtx func() bool
}

// newRequest puts a request in the instance's table and arms its deadline.
func (inst *instance) newRequest(ctx context.Context, id, topic string, deadline time.Time, timeout time.Duration, cb func(*MessageExt, error)) *replyFuture {
	f := &replyFuture{inst: inst, id: id, topic: topic, deadline: deadline, timeout: timeout, cb: cb, done: make(chan struct{})}
	inst.reqMu.Lock()
	inst.requests[id] = f
	inst.reqMu.Unlock()
	f.mu.Lock()
	f.timer = time.AfterFunc(time.Until(deadline), f.expire)
	f.stopCtx = context.AfterFunc(ctx, func() { f.cancelled(ctx) })
	f.mu.Unlock()
	return f
}

// takeRequest removes and returns the request with that correlation id.
func (inst *instance) takeRequest(id string) *replyFuture {
	inst.reqMu.Lock()
	defer inst.reqMu.Unlock()
	f := inst.requests[id]
	delete(inst.requests, id)
	return f
}

func (inst *instance) forgetRequest(f *replyFuture) {
	inst.reqMu.Lock()
	if inst.requests[f.id] == f {
		delete(inst.requests, f.id)
	}
	inst.reqMu.Unlock()
}

// expire fails the request at its deadline with Java's texts: waitResponse's for a caller
// that waits, the scan's for a callback.
func (f *replyFuture) expire() {
	msg := "request timeout, no reply message."
	if f.cb == nil {
		msg = "send request message to <" + f.topic + "> OK, but wait reply message timeout, " +
			strconv.FormatInt(f.timeout.Milliseconds(), 10) + " ms."
	}
	f.settle(nil, &RequestTimeoutError{Code: CodeRequestTimeout, Msg: msg})
}

func (f *replyFuture) cancelled(ctx context.Context) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		f.expire() // the context's deadline is the request's: the same end, the same error
		return
	}
	f.settle(nil, ctx.Err())
}

// sent is the send's callback. A failure fails the request, unless it comes at the deadline:
// Java's future reads as sent until the send says otherwise, so a request whose send has not
// come back by then timed out waiting for its reply.
func (f *replyFuture) sent(_ *SendResult, err error) {
	if err == nil || !time.Now().Before(f.deadline) {
		return
	}
	if f.cb == nil {
		err = clientError(-1, "send request message to <"+f.topic+"> fail", err)
	}
	f.settle(nil, err)
}

func (f *replyFuture) settle(reply *MessageExt, err error) {
	f.mu.Lock()
	if f.settled {
		f.mu.Unlock()
		return
	}
	f.settled, f.reply, f.err = true, reply, err
	timer, stopCtx := f.timer, f.stopCtx
	f.mu.Unlock()
	timer.Stop()
	stopCtx()
	f.inst.forgetRequest(f)
	close(f.done)
	if f.cb != nil {
		// Not on the goroutine that settles it: that may be a connection's handler, which a
		// callback that shuts its producer down would wait for.
		go f.cb(reply, err)
	}
}

// serveReply is ClientRemotingProcessor.receiveReplyMessage: the reply, as a MessageExt with
// ARRIVE_TIME, settles the request of its CORRELATION_ID. A reply nobody waits for any more is
// logged and answered SUCCESS all the same, as Java does.
func (inst *instance) serveReply(_ context.Context, req *remoting.Request) *remoting.Command {
	received := time.Now()
	cmd := req.Command
	h, err := protocol.DecodeReplyMessageRequestHeader(cmd.ExtFields)
	if err != nil {
		return remoting.NewResponse(cmd, remoting.SystemError, err.Error())
	}
	reply, err := replyMessage(h, cmd.Body, received)
	if err != nil {
		inst.cfg.logger.Warn("unknown err when receiveReplyMsg", "err", err)
		return remoting.NewResponse(cmd, remoting.SystemError, "process reply message fail")
	}
	id := reply.Properties[protocol.PropertyCorrelationID]
	if f := inst.takeRequest(id); f != nil {
		f.settle(reply, nil)
	} else {
		inst.cfg.logger.Warn("receive reply message, but not matched any request, CorrelationId: " + id +
			" , reply from host: " + h.BornHost)
	}
	return remoting.NewResponse(cmd, remoting.Success, "")
}

// replyMessage builds the reply as receiveReplyMessage does. A body that does not inflate is
// kept as it came, as Java logs and keeps it.
func replyMessage(h protocol.ReplyMessageRequestHeader, body []byte, received time.Time) (*MessageExt, error) {
	m := &MessageExt{}
	m.Topic, m.QueueID, m.StoreTimestamp = h.Topic, h.QueueID, h.StoreTimestamp
	var err error
	if m.BornHost, err = javaSocketAddress(h.BornHost); err != nil {
		return nil, err
	}
	if m.StoreHost, err = javaSocketAddress(h.StoreHost); err != nil {
		return nil, err
	}
	m.Body = body
	if inflated, err := protocol.UncompressedBody(body, h.SysFlag, maxCheckedBody); err == nil {
		m.Body = inflated
	}
	m.Flag = h.Flag
	m.Properties = protocol.DecodeProperties(h.Properties)
	m.Properties[protocol.PropertyReplyMessageArriveTime] = strconv.FormatInt(received.UnixMilli(), 10)
	m.BornTimestamp = h.BornTimestamp
	if h.ReconsumeTimes != nil {
		m.ReconsumeTimes = *h.ReconsumeTimes
	}
	return m, nil
}

// javaSocketAddress reads "host:port" as RemotingUtil.string2SocketAddress: split at the last
// colon, so an IPv6 address comes without brackets. A port that is not a number fails, as
// Java's parseInt does; a host that is not an address is left out (Java would resolve it).
func javaSocketAddress(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, errors.New("client: no port in address " + strconv.Quote(s))
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ip, err := netip.ParseAddr(strings.Trim(s[:i], "[]"))
	if err != nil {
		return netip.AddrPort{}, nil
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// NewReplyMessage makes the reply to request with body, as Java's
// MessageUtil.createReplyMessage: topic <cluster>_REPLY_TOPIC of the request's CLUSTER (the
// broker that stored the request added it), MSG_TYPE=reply, and the request's CORRELATION_ID,
// REPLY_TO_CLIENT and TTL. Send it with Send (or Reply), which sends a reply as
// SEND_REPLY_MESSAGE_V2; the broker pushes it to the requester. Without CLUSTER it fails with
// Java's CREATE_REPLY_MESSAGE_EXCEPTION (10007).
func NewReplyMessage(request *Message, body []byte) (*Message, error) {
	if request == nil {
		return nil, &ClientError{Code: CodeCreateReplyMessage, codeForm: true,
			Msg: "create reply message fail, requestMessage cannot be null."}
	}
	cluster, ok := request.Properties[protocol.PropertyCluster]
	if !ok {
		return nil, &ClientError{Code: CodeCreateReplyMessage, codeForm: true,
			Msg: "create reply message fail, requestMessage error, property[" + protocol.PropertyCluster + "] is null."}
	}
	reply := &Message{Topic: protocol.ReplyTopic(cluster), Body: body,
		Properties: map[string]string{protocol.PropertyMessageType: protocol.MessageTypeReply}}
	for _, name := range []string{protocol.PropertyCorrelationID, protocol.PropertyMessageReplyToClient, protocol.PropertyMessageTTL} {
		if v, ok := request.Properties[name]; ok {
			reply.Properties[name] = v
		}
	}
	return reply, nil
}

// Reply sends the reply to request: NewReplyMessage, then Send. The broker answers an error
// when it cannot push the reply to the requester (Java's "push reply message fail, channel of
// <id> not found." for a requester that has gone), after storing it all the same; like any
// SYSTEM_ERROR it is retried.
func (p *Producer) Reply(ctx context.Context, request *Message, body []byte) (*SendResult, error) {
	reply, err := NewReplyMessage(request, body)
	if err != nil {
		return nil, err
	}
	return p.Send(ctx, reply)
}
