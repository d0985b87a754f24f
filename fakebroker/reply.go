package fakebroker

// reply.go serves 324 SEND_REPLY_MESSAGE and 325 SEND_REPLY_MESSAGE_V2 (a replier's answer to
// a request, in the send header v1 or v2) and pushes 326 PUSH_REPLY_MESSAGE_TO_CLIENT to the
// requesting client, as Java's ReplyMessageProcessor and Broker2Client.callClient (4.9.7):
//
//   - The send checks come first, with the send's answers (send.go's msgCheck: topic name,
//     forbidden topics, auto-creation, queue id). The reply topic, <cluster>_REPLY_TOPIC,
//     exists on every broker from start; a negative queueId picks a random queue.
//   - The reply goes to the client its REPLY_TO_CLIENT property names, over the connection that
//     client id last joined a producer group on (ProducerManager.findChannel; a requester's
//     heartbeat names its producer group): 326, two-way, 10 s timeout, with
//     ReplyMessageRequestHeader (the send header's fields as the replier sent them, the
//     replier's address as bornHost, the store host, the push time as storeTimestamp) and the
//     reply's properties with PUSH_REPLY_TIME added; the body is the reply's.
//   - The answer: pushed and answered SUCCESS by the client, code 0 with msgId "0" and queue
//     offset 0; otherwise SYSTEM_ERROR with Java's remark: "reply message
//     properties[REPLY_TO_CLIENT] is null", "push reply message fail, channel of <ID> not
//     found." or, when the client answers an error, times out or is gone, "push reply message
//     to IDfail." (sic). MSG_REGION and TRACE_ON as in every send answer.
//   - Then, with storeReplyMessageEnable (the default), the reply is stored in its topic
//     whatever became of the push, and the answer's header names the stored message (its
//     offset id, queue and queue offset), an error code included. It is stored as the replier
//     sent it: the properties string verbatim (no CLUSTER added, WAIT kept), sysFlag 0.
//
// The push goes out through the fault injector's Invoke, so rules for code 326 act on it.
//
// Known difference: Java leaves a reply's consume-queue tags code 0, so a tag filter on the
// reply topic matches nothing; the fake files it under its TAGS.

import (
	"context"
	"maps"
	"net/netip"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// pushReplyTimeout is Broker2Client.callClient's timeout.
const pushReplyTimeout = 10 * time.Second

const frameReplyProcessor = "org.apache.rocketmq.broker.processor.ReplyMessageProcessor."

// replyNeeds are the header fields processReplyMessageRequest unboxes after msgCheck.
type replyNeeds struct{ flag, bornTimestamp need }

func newReplyNeeds(f sendFieldNames) replyNeeds {
	const class = "SendMessageRequestHeader"
	return replyNeeds{
		flag:          unboxed(class, "flag", f.flag, "Integer", frameReplyProcessor+"processReplyMessageRequest(ReplyMessageProcessor.java:137)"),
		bornTimestamp: unboxed(class, "bornTimestamp", f.bornTimestamp, "Long", frameReplyProcessor+"processReplyMessageRequest(ReplyMessageProcessor.java:140)"),
	}
}

var (
	replyNeedsV1 = newReplyNeeds(sendFieldsV1)
	replyNeedsV2 = newReplyNeeds(sendFieldsV2)
)

func (b *Broker) replyHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeSendReplyMessage, b.handleSendReply},
		{remoting.CodeSendReplyMessageV2, b.handleSendReply},
	}
}

func (b *Broker) handleSendReply(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, err := protocol.DecodeSendMessageRequest(cmd.Code, cmd.ExtFields)
	v2 := cmd.Code == remoting.CodeSendReplyMessageV2
	if resp := headerFailure(cmd, err, v2); resp != nil {
		return resp
	}
	s := &sendRequest{req: req, cmd: cmd, h: h, needs: &sendNeedsV1, resp: b.preSend(cmd)}
	needs := &replyNeedsV1
	if v2 {
		s.needs, needs = &sendNeedsV2, &replyNeedsV2
	}
	tc, resp := b.msgCheck(s)
	if resp != nil {
		return resp
	}
	queueID, resp := s.queueFor(tc)
	if resp != nil {
		return resp
	}
	if resp := check(cmd, needs.flag, needs.bornTimestamp); resp != nil {
		return resp
	}
	m := &protocol.MessageExt{}
	m.Topic, m.QueueID, m.Body, m.Flag = h.Topic, queueID, cmd.Body, h.Flag
	m.Properties = protocol.DecodeProperties(h.Properties)
	m.RawProperties = h.Properties
	m.BornTimestamp, m.BornHost = h.BornTimestamp, bornHost(req)
	if h.ReconsumeTimes != nil {
		m.ReconsumeTimes = *h.ReconsumeTimes
	}

	resp = s.resp
	if remark, pushed := b.pushReply(req, h, m); pushed {
		resp.Code, resp.Remark = remoting.Success, ""
		b.setSendHeader(resp, "0", queueID, 0)
	} else {
		resp.Code, resp.Remark = remoting.SystemError, remark
	}
	if b.cfg.storeReplyMessage {
		sm, err := b.storeMessage(m, protocol.PropertyNames(h.Properties))
		if err != nil {
			b.log.Warn("fakebroker: reply message not stored", "reason", err)
		} else {
			b.countPut(m.Topic, 1, len(sm.raw))
			b.setSendHeader(resp, m.MsgID, queueID, sm.queueOffset)
		}
	}
	return resp
}

func (b *Broker) setSendHeader(resp *remoting.Command, msgID string, queueID int32, queueOffset int64) {
	resp.Header() // preSend's list, made the map SetHeader writes into
	protocol.SetHeader(resp, protocol.SendMessageResponseHeader{
		MsgID: msgID, QueueID: queueID, QueueOffset: queueOffset, MsgRegion: b.cfg.region, TraceOn: boolRef(b.cfg.traceOn),
	})
}

// pushReply is ReplyMessageProcessor.pushReplyMessage: it reports whether the requesting
// client took the reply, or Java's remark.
func (b *Broker) pushReply(req *remoting.Request, h protocol.SendMessageRequestHeader, m *protocol.MessageExt) (string, bool) {
	rh := protocol.ReplyMessageRequestHeader{
		BornHost: remoteAddr(req), StoreHost: javaHostPort(b.currentStoreHost()),
		StoreTimestamp: time.Now().UnixMilli(), ProducerGroup: h.ProducerGroup, Topic: h.Topic,
		DefaultTopic: h.DefaultTopic, DefaultTopicQueueNums: h.DefaultTopicQueueNums, QueueID: h.QueueID,
		SysFlag: h.SysFlag, BornTimestamp: h.BornTimestamp, Flag: h.Flag, Properties: h.Properties,
		ReconsumeTimes: h.ReconsumeTimes, UnitMode: h.UnitMode,
	}
	senderID, ok := m.Properties[protocol.PropertyMessageReplyToClient]
	if !ok {
		b.log.Warn("fakebroker: REPLY_TO_CLIENT is null, can not reply message")
		return "reply message properties[" + protocol.PropertyMessageReplyToClient + "] is null", false
	}
	conn := b.clients.producerConn(senderID)
	if conn == nil {
		remark := "push reply message fail, channel of <" + senderID + "> not found."
		b.log.Warn("fakebroker: " + remark)
		return remark, false
	}
	// The push carries the properties with PUSH_REPLY_TIME; what is stored keeps the replier's.
	props := maps.Clone(m.Properties)
	order := protocol.PropertyNames(h.Properties)
	props[protocol.PropertyPushReplyTime] = strconv.FormatInt(time.Now().UnixMilli(), 10)
	rh.Properties = protocol.EncodeProperties(props, append(order, protocol.PropertyPushReplyTime)...)
	push := protocol.RequestWithHeader(remoting.CodePushReplyMessageToClient, rh, m.Body)
	ctx, cancel := context.WithTimeout(b.context(), pushReplyTimeout)
	defer cancel()
	failed := "push reply message to " + senderID + "fail."
	answer, err := b.inj.Invoke(ctx, conn, push)
	if err != nil {
		b.log.Warn("fakebroker: push reply message failed", "client", senderID, "reason", err)
		return failed, false
	}
	if answer.Code != remoting.Success {
		b.log.Warn("fakebroker: push reply message returned a failure", "client", senderID, "remark", answer.Remark)
		return failed, false
	}
	return "", true
}

// javaHostPort writes an address as Java's getHostAddress() + ":" + port does: no brackets
// around an IPv6 address.
func javaHostPort(ap netip.AddrPort) string {
	return ap.Addr().Unmap().String() + ":" + strconv.Itoa(int(ap.Port()))
}
