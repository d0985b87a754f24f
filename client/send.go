package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

type sendMode int

const (
	modeSync sendMode = iota
	modeAsync
	modeOneway
)

// outgoing is one message or one batch on its way to a broker.
type outgoing struct {
	msg   *Message   // a single message
	batch []*Message // or a batch, already encoded into body
	topic string     // with the namespace
	body  []byte     // the body to check and send (a batch: its encoding)
	uniq  string     // a batch's ids, joined by commas
	wait  bool       // a batch's WAIT
}

func (p *Producer) single(msg *Message) (*outgoing, error) {
	if msg == nil {
		return nil, validationError(protocol.MessageNullError())
	}
	return &outgoing{msg: msg, topic: wrapNamespace(p.cfg.namespace, msg.Topic), body: msg.Body}, nil
}

// deadline is the end of a send's one time budget: the send timeout from start, or the
// context's deadline when that comes first.
func (p *Producer) deadline(ctx context.Context, start time.Time) time.Time {
	d := start.Add(p.cfg.sendTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(d) {
		d = dl
	}
	return d
}

// Send sends msg and waits for the broker's answer: Java's send(msg), up to 1+retries attempts
// on different brokers within one budget (WithSendTimeout, or ctx's deadline when earlier).
func (p *Producer) Send(ctx context.Context, msg *Message) (*SendResult, error) {
	out, err := p.single(msg)
	if err != nil {
		return nil, err
	}
	return p.sendDefault(ctx, out, modeSync)
}

// SendOneway sends msg without waiting for an answer: one attempt, returned once written.
func (p *Producer) SendOneway(ctx context.Context, msg *Message) error {
	out, err := p.single(msg)
	if err != nil {
		return err
	}
	_, err = p.sendDefault(ctx, out, modeOneway)
	return err
}

// SendBatch sends msgs, which share one topic, as one SEND_BATCH_MESSAGE, with the retries
// of Send. Batches are never compressed.
func (p *Producer) SendBatch(ctx context.Context, msgs ...*Message) (*SendResult, error) {
	out, err := p.batch(msgs)
	if err != nil {
		return nil, err
	}
	return p.sendDefault(ctx, out, modeSync)
}

// SendBatchAsync sends msgs as one SEND_BATCH_MESSAGE without waiting, as Java's
// send(Collection, SendCallback) does: through the async sender executor, with the callback
// and retry rules of SendAsync. A batch that fails its checks is reported through cb, on a
// goroutine of its own.
func (p *Producer) SendBatchAsync(ctx context.Context, cb func(*SendResult, error), msgs ...*Message) {
	once := onceCallback(cb)
	out, err := p.batch(msgs)
	if err != nil {
		go once(nil, err)
		return
	}
	p.submitAsync(ctx, out, once)
}

// batch is DefaultMQProducer.batch: check, give every message its id, encode.
func (p *Producer) batch(msgs []*Message) (*outgoing, error) {
	if err := protocol.CheckBatch(msgs); err != nil {
		return nil, clientError(-1, "Failed to initiate the MessageBatch", validationError(err))
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		if m.UniqKey() == "" {
			m.SetUniqKey(p.ids.Next())
		}
		ids[i] = m.UniqKey()
	}
	body, err := protocol.EncodeBatch(msgs)
	if err != nil {
		return nil, clientError(-1, "Failed to initiate the MessageBatch", err)
	}
	return &outgoing{
		batch: msgs, topic: wrapNamespace(p.cfg.namespace, msgs[0].Topic), body: body,
		uniq: strings.Join(ids, ","), wait: msgs[0].WaitStoreMsgOK(),
	}, nil
}

// checked is what every send does first, as Java's makeSureStateOK then Validators.checkMessage:
// the producer must be running and the message valid.
func (p *Producer) checked(out *outgoing) (*instance, error) {
	inst, err := p.running()
	if err != nil {
		return nil, err
	}
	if err := protocol.CheckMessage(out.topic, out.body, p.cfg.maxMessageSize); err != nil {
		return nil, validationError(err)
	}
	return inst, nil
}

// sendDefault is sendDefaultImpl.
func (p *Producer) sendDefault(ctx context.Context, out *outgoing, mode sendMode) (*SendResult, error) {
	inst, err := p.checked(out)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := p.deadline(ctx, start)
	info, rerr := p.findPublishInfo(ctx, inst, out.topic)
	if info == nil || len(info.queues) == 0 {
		return nil, p.noRouteError(inst, out.topic, rerr)
	}
	timesTotal := 1
	if mode == modeSync {
		timesTotal += p.cfg.retries
	}
	var sentBuf [4]string // the usual 1 + 2 retries, without an allocation per send
	var brokersSent []string
	if timesTotal <= len(sentBuf) {
		brokersSent = sentBuf[:timesTotal]
	} else {
		brokersSent = make([]string, timesTotal)
	}
	var (
		result      *SendResult
		lastErr     error
		lastBroker  string
		callTimeout bool
		times       int
	)
	for ; times < timesTotal; times++ {
		mq := p.selectQueue(info, lastBroker)
		brokersSent[times], lastBroker = mq.BrokerName, mq.BrokerName
		begin := time.Now()
		if !begin.Before(deadline) {
			// Java breaks only when the budget is strictly exceeded and then fails the attempt
			// inside; at the very deadline there is nothing left to try with either way.
			callTimeout = true
			break
		}
		attemptDeadline := deadline
		if p.cfg.attemptTimeout > 0 && times < timesTotal-1 {
			attemptDeadline = minTime(deadline, begin.Add(p.cfg.attemptTimeout))
		}
		actx, cancel := context.WithDeadline(ctx, attemptDeadline)
		res, err := p.sendKernel(actx, inst, out, mq, mode)
		cancel()
		latency := time.Since(begin)
		p.attemptEnded(mq.BrokerName, times > 0, latency, err)
		if err == nil {
			p.updateFault(mq.BrokerName, latency, false)
			if mode == modeSync && res.Status != SendOK && p.cfg.retryNotStored {
				result = res
				continue
			}
			return res, nil
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, err
		}
		p.updateFault(mq.BrokerName, latency, true)
		lastErr = err
		var be *BrokerError
		if errors.As(err, &be) && !slices.Contains(p.cfg.retryCodes, be.Code) {
			if result != nil {
				return result, nil
			}
			return nil, err
		}
	}
	if result != nil {
		return result, nil
	}
	if callTimeout {
		return nil, &TooMuchRequestError{Msg: "sendDefaultImpl call timeout", Err: lastErr}
	}
	return nil, clientError(responseCodeOf(lastErr), suggestFAQ(fmt.Sprintf("Send [%d] times, still failed, cost [%d]ms, Topic: %s, BrokersSent: %s",
		times, time.Since(start).Milliseconds(), out.topic, javaList(brokersSent))), lastErr)
}

// javaList renders a String[] as Arrays.toString does, unset entries as null.
func javaList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		if s == "" {
			s = "null"
		}
		parts[i] = s
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (p *Producer) selectQueue(info *publishInfo, lastBroker string) MessageQueue {
	if p.faults != nil {
		return info.selectQueueAvoidingFaults(lastBroker, p.faults)
	}
	return info.selectQueue(lastBroker)
}

// attemptEnded tells the send attempt hook, if any, how an attempt ended.
func (p *Producer) attemptEnded(broker string, retry bool, latency time.Duration, err error) {
	if h := p.cfg.sendAttemptHook; h != nil {
		h(SendAttempt{Broker: broker, Retry: retry, Latency: latency, Err: err})
	}
}

func (p *Producer) updateFault(broker string, latency time.Duration, isolate bool) {
	if p.faults != nil {
		p.faults.record(broker, latency, isolate)
	}
}

// findPublishInfo is tryToFindTopicPublishInfo: the cached publish info, else the topic's
// route from the name server, else TBW102's route standing in for it. It also returns the
// last route error, for the message of a failed send.
func (p *Producer) findPublishInfo(ctx context.Context, inst *instance, topic string) (*publishInfo, error) {
	info := p.publishInfo(topic)
	var err error
	if info == nil || len(info.queues) == 0 {
		// Like Java, this adds the topic to those polled every pollInterval for good.
		p.publishIfAbsent(topic)
		_, err = inst.updateRoute(ctx, topic, nil)
		info = p.publishInfo(topic)
	}
	if info.route != nil || len(info.queues) > 0 {
		return info, err
	}
	if _, derr := inst.updateRoute(ctx, topic, p); derr != nil {
		err = derr
	}
	return p.publishInfo(topic), err
}

func (p *Producer) noRouteError(inst *instance, topic string, cause error) error {
	if inst.ns.empty() {
		return clientError(CodeNoNameServer, suggestFAQ("No name server address, please set it."), cause)
	}
	return clientError(CodeNotFoundTopic, suggestFAQ("No route info of this topic: "+topic), cause)
}

// brokerAddr is the master address of mq's broker, looked up again through the route when the
// table lacks it, and moved to the VIP port when asked.
func (p *Producer) brokerAddr(ctx context.Context, inst *instance, topic, broker string) (string, error) {
	addr := inst.masterAddr(broker)
	if addr == "" {
		_, _ = p.findPublishInfo(ctx, inst, topic)
		addr = inst.masterAddr(broker)
	}
	if addr == "" {
		return "", clientError(-1, "The broker["+broker+"] not exist", nil)
	}
	if p.cfg.vipChannel {
		addr = vipAddr(addr)
	}
	return addr, nil
}

// vipAddr is MixAll.brokerVIPChannel: the broker's port minus 2.
func vipAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return addr
	}
	return net.JoinHostPort(host, strconv.Itoa(n-2))
}

// sendKernel is sendKernelImpl for sync and oneway sends: one attempt to mq's broker.
func (p *Producer) sendKernel(ctx context.Context, inst *instance, out *outgoing, mq MessageQueue, mode sendMode) (*SendResult, error) {
	addr, err := p.brokerAddr(ctx, inst, out.topic, mq.BrokerName)
	if err != nil {
		return nil, err
	}
	req, uniq, err := p.buildRequest(inst, out, mq)
	if err != nil {
		return nil, err
	}
	if mode == modeOneway {
		return nil, transportError(addr, inst.rc.InvokeOneway(ctx, addr, req))
	}
	resp, err := inst.rc.Invoke(ctx, addr, req)
	if err != nil {
		return nil, transportError(addr, err)
	}
	return p.processResponse(resp, addr, mq, uniq)
}

// buildRequest writes the SEND_MESSAGE_V2 (or SEND_BATCH_MESSAGE) request for one attempt.
// The message gets its unique id here unless it has one, so retries keep it.
func (p *Producer) buildRequest(inst *instance, out *outgoing, mq MessageQueue) (*remoting.Command, string, error) {
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: p.cfg.group, Topic: out.topic, DefaultTopic: p.cfg.createTopicKey,
		DefaultTopicQueueNums: int32(p.cfg.topicQueueNums), QueueID: int32(mq.QueueID),
		BornTimestamp: time.Now().UnixMilli(), BrokerName: mq.BrokerName,
	}
	zero := int32(0)
	h.ReconsumeTimes = &zero
	code := remoting.CodeSendMessageV2
	body := out.body
	uniq := out.uniq
	if out.batch != nil {
		code = remoting.CodeSendBatchMessage
		h.Batch = true
		h.Properties = protocol.EncodeProperties(map[string]string{protocol.PropertyWaitStoreMsgOK: strconv.FormatBool(out.wait)})
	} else {
		msg := out.msg
		if msg.UniqKey() == "" {
			msg.SetUniqKey(p.ids.Next())
		}
		uniq = msg.UniqKey()
		h.Flag = msg.Flag
		if len(body) >= p.cfg.compressOver {
			if c, err := protocol.Compress(body, p.cfg.compressLevel); err == nil {
				body = c
				h.SysFlag |= protocol.SysFlagCompressed | protocol.SysFlagCompressionZLIB
			}
		}
		if msg.TransactionPrepared() {
			h.SysFlag |= protocol.SysFlagTransactionPrepared
		}
		if msg.Properties[protocol.PropertyMessageType] == protocol.MessageTypeReply {
			// MQClientAPIImpl.sendMessage: a reply goes as SEND_REPLY_MESSAGE_V2, for the
			// broker to push to the requester.
			code = remoting.CodeSendReplyMessageV2
		}
		props := msg.Properties
		if strings.HasPrefix(out.topic, retryTopicPrefix) {
			props = retryProperties(&h, props)
		}
		h.Properties = protocol.EncodeProperties(props)
	}
	req := inst.sendRequest(code, h.V2(), body)
	return req, uniq, nil
}

// retryTopicPrefix is Java's MixAll.RETRY_GROUP_TOPIC_PREFIX: the topics messages are sent back
// to for another delivery.
const retryTopicPrefix = "%RETRY%"

// retryProperties moves the reconsume counters of a message sent back to a retry topic from
// its properties into the header, as Java does.
func retryProperties(h *protocol.SendMessageRequestHeader, props map[string]string) map[string]string {
	props = cloneMap(props)
	if v, ok := props[protocol.PropertyReconsumeTime]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			r := int32(n)
			h.ReconsumeTimes = &r
		}
		delete(props, protocol.PropertyReconsumeTime)
	}
	if v, ok := props[protocol.PropertyMaxReconsumeTimes]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			r := int32(n)
			h.MaxReconsumeTimes = &r
		}
		delete(props, protocol.PropertyMaxReconsumeTimes)
	}
	return props
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// processResponse is processSendResponse.
func (p *Producer) processResponse(resp *remoting.Command, addr string, mq MessageQueue, uniq string) (*SendResult, error) {
	status, ok := statusOf(resp.Code)
	if !ok {
		return nil, &BrokerError{Code: resp.Code, Remark: resp.Remark, BrokerAddr: addr}
	}
	h, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
	if err != nil {
		return nil, transportError(addr, err)
	}
	res := &SendResult{
		Status: status, MsgID: uniq, OffsetMsgID: h.MsgID,
		Queue:       MessageQueue{Topic: unwrapNamespace(p.cfg.namespace, mq.Topic), BrokerName: mq.BrokerName, QueueID: int(h.QueueID)},
		QueueOffset: h.QueueOffset, TransactionID: h.TransactionID, RegionID: h.MsgRegion,
		TraceOn: h.TraceOn == nil || *h.TraceOn,
	}
	if res.RegionID == "" {
		res.RegionID = DefaultRegionID
	}
	return res, nil
}

// SendAsync sends msg without waiting and calls cb exactly once with the result or the error,
// as Java's send(msg, SendCallback). The send goes through the producer's async sender
// executor (WithAsyncSenderExecutor: runtime.NumCPU() workers and a queue of 50,000, as Java's
// defaultAsyncSenderExecutor), and the time it waits there counts against its budget
// (WithSendTimeout, or ctx's deadline when earlier).
//
// When the executor refuses the send, because its queue is full or the producer has shut
// down, cb gets Java's "executor rejected " error (errors.Is ErrAsyncSenderRejected) before
// SendAsync returns, on the caller's goroutine: Java throws it from send. Otherwise cb runs on
// another goroutine: the executor's worker when the send fails before reaching a broker (as
// Java calls onException on its executor thread, so a slow cb holds that worker up), the
// connection's when the broker answers or the request fails.
//
// Network failures (no connection, no answer in time, connection lost) are retried on another
// broker up to WithAsyncRetries times within the send's budget; a broker's refusal is not, as
// in Java.
func (p *Producer) SendAsync(ctx context.Context, msg *Message, cb func(*SendResult, error)) {
	once := onceCallback(cb)
	out, err := p.single(msg)
	if err != nil {
		go once(nil, err)
		return
	}
	p.submitAsync(ctx, out, once)
}

// submitAsync hands an async send to the executor. A producer that never started has none:
// its send fails the state check on a goroutine of its own, as Java's fails it on an executor
// thread.
func (p *Producer) submitAsync(ctx context.Context, out *outgoing, cb func(*SendResult, error)) {
	start := time.Now()
	exec := p.async.Load()
	if exec == nil {
		go p.sendAsync(ctx, out, start, cb)
		return
	}
	if !exec.submit(asyncSend{p: p, ctx: ctx, out: out, start: start, cb: cb}) {
		cb(nil, asyncRejectedError())
	}
}

func onceCallback(cb func(*SendResult, error)) func(*SendResult, error) {
	var once sync.Once
	return func(r *SendResult, err error) {
		once.Do(func() {
			if cb != nil {
				cb(r, err)
			}
		})
	}
}

// sendAsync is the task Java's send(msg, callback, timeout) gives its executor: the budget
// left after the wait in the queue first, then sendDefaultImpl's checks, then one attempt.
func (p *Producer) sendAsync(ctx context.Context, out *outgoing, start time.Time, cb func(*SendResult, error)) {
	deadline := p.deadline(ctx, start)
	if !time.Now().Before(deadline) {
		cb(nil, &TooMuchRequestError{Msg: "DEFAULT ASYNC send call timeout"})
		return
	}
	inst, err := p.checked(out)
	if err != nil {
		cb(nil, err)
		return
	}
	info, rerr := p.findPublishInfo(ctx, inst, out.topic)
	if info == nil || len(info.queues) == 0 {
		cb(nil, p.noRouteError(inst, out.topic, rerr))
		return
	}
	p.asyncAttempt(ctx, inst, out, info, p.selectQueue(info, ""), deadline, 0, cb)
}

// asyncAttempt sends one attempt; its callback retries network failures (Java's
// onExceptionImpl). Java reuses the first attempt's header, so a retry names the old queue and
// broker to the new broker; ours is addressed to the queue it goes to. Without publish info (a
// request to a queue the caller chose) a retry goes to the same queue, as Java's does without a
// TopicPublishInfo.
func (p *Producer) asyncAttempt(ctx context.Context, inst *instance, out *outgoing, info *publishInfo, mq MessageQueue, deadline time.Time, times int, cb func(*SendResult, error)) {
	if !time.Now().Before(deadline) {
		cb(nil, &TooMuchRequestError{Msg: "sendKernelImpl call timeout"})
		return
	}
	addr, err := p.brokerAddr(ctx, inst, out.topic, mq.BrokerName)
	if err != nil {
		p.updateFault(mq.BrokerName, 0, true)
		p.attemptEnded(mq.BrokerName, times > 0, 0, err)
		cb(nil, err)
		return
	}
	req, uniq, err := p.buildRequest(inst, out, mq)
	if err != nil {
		cb(nil, err)
		return
	}
	begin := time.Now()
	actx, cancel := context.WithDeadline(ctx, deadline)
	inst.rc.InvokeAsync(actx, addr, req, func(resp *remoting.Command, err error) {
		cancel()
		latency := time.Since(begin)
		if err == nil {
			res, perr := p.processResponse(resp, addr, mq, uniq)
			p.updateFault(mq.BrokerName, latency, perr != nil)
			p.attemptEnded(mq.BrokerName, times > 0, latency, perr)
			cb(res, perr)
			return
		}
		p.updateFault(mq.BrokerName, latency, true)
		err = transportError(addr, err)
		p.attemptEnded(mq.BrokerName, times > 0, latency, err)
		if times < p.cfg.asyncRetries && ctx.Err() == nil && time.Now().Before(deadline) {
			next := mq
			if info != nil {
				next = p.selectQueue(info, mq.BrokerName)
			}
			p.asyncAttempt(ctx, inst, out, info, next, deadline, times+1, cb)
			return
		}
		cb(nil, err)
	})
}

// SendToQueue sends msg to the given queue: one attempt, no retry, no fault bookkeeping.
func (p *Producer) SendToQueue(ctx context.Context, msg *Message, mq MessageQueue) (*SendResult, error) {
	out, err := p.single(msg)
	if err != nil {
		return nil, err
	}
	inst, err := p.checked(out)
	if err != nil {
		return nil, err
	}
	mq.Topic = wrapNamespace(p.cfg.namespace, mq.Topic)
	if mq.Topic != out.topic {
		return nil, clientError(-1, "message's topic not equal mq's topic", nil)
	}
	deadline := p.deadline(ctx, time.Now())
	if !time.Now().Before(deadline) {
		return nil, &TooMuchRequestError{Msg: "call timeout"}
	}
	actx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	begin := time.Now()
	res, err := p.sendKernel(actx, inst, out, mq, modeSync)
	p.attemptEnded(mq.BrokerName, false, time.Since(begin), err)
	return res, err
}

// QueueSelector picks the queue of a message among the topic's writable queues, as Java's
// MessageQueueSelector does; the argument Java passes along is whatever the closure captures.
// A zero MessageQueue with a nil error is Java's null.
type QueueSelector func(queues []MessageQueue, msg *Message) (MessageQueue, error)

// SendWithSelector sends msg to the queue sel picks: one attempt, no retry (Java's
// send(msg, selector, arg)).
func (p *Producer) SendWithSelector(ctx context.Context, msg *Message, sel QueueSelector) (*SendResult, error) {
	out, err := p.single(msg)
	if err != nil {
		return nil, err
	}
	inst, err := p.checked(out)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := p.deadline(ctx, start)
	mq, err := p.selectedQueue(ctx, inst, out, sel)
	if err != nil {
		return nil, err
	}
	if !time.Now().Before(deadline) {
		return nil, &TooMuchRequestError{Msg: "sendSelectImpl call timeout"}
	}
	actx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	begin := time.Now()
	res, err := p.sendKernel(actx, inst, out, mq, modeSync)
	p.attemptEnded(mq.BrokerName, false, time.Since(begin), err)
	return res, err
}

// selectedQueue is sendSelectImpl up to the send: the topic's route, and the queue sel picks
// among its writable queues.
func (p *Producer) selectedQueue(ctx context.Context, inst *instance, out *outgoing, sel QueueSelector) (MessageQueue, error) {
	info, rerr := p.findPublishInfo(ctx, inst, out.topic)
	if info == nil || len(info.queues) == 0 {
		if inst.ns.empty() {
			return MessageQueue{}, p.noRouteError(inst, out.topic, rerr)
		}
		return MessageQueue{}, clientError(-1, "No route info for this topic, "+out.topic, rerr)
	}
	queues := slices.Clone(info.queues)
	for i := range queues {
		queues[i].Topic = unwrapNamespace(p.cfg.namespace, queues[i].Topic)
	}
	mq, err := sel(queues, out.msg)
	if err != nil {
		return MessageQueue{}, clientError(-1, "select message queue threw exception.", err)
	}
	if mq == (MessageQueue{}) {
		return MessageQueue{}, clientError(-1, "select message queue return null.", nil)
	}
	mq.Topic = wrapNamespace(p.cfg.namespace, mq.Topic)
	return mq, nil
}
