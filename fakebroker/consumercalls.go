package fakebroker

// consumercalls.go serves the admin requests a broker answers by asking a group's consumers:
// 222 INVOKE_BROKER_TO_RESET_OFFSET (mqadmin resetOffsetByTime), which sends them 220
// RESET_CONSUMER_CLIENT_OFFSET; 223 INVOKE_BROKER_TO_GET_CONSUMER_STATUS, which asks them 221
// GET_CONSUMER_STATUS_FROM_CLIENT; and 307 GET_CONSUMER_RUNNING_INFO and 309
// CONSUME_MESSAGE_DIRECTLY (mqadmin consumerStatus, consumeMessage), which go on to the one
// consumer named. As Java's AdminBrokerProcessor.resetOffset, getConsumerStatus,
// getConsumerRunningInfo, consumeMessageDirectly and callConsumer, and Broker2Client (4.9.7):
//
//   - 222 works out, for each write queue of the topic, the offset to reset to: the queue's
//     offset at the timestamp (SEARCH_OFFSET_BY_TIMESTAMP's search; -1 means the queue's end),
//     or the group's committed offset when that is smaller and isForce is off. Every queue
//     needs a committed offset, else SYSTEM_ERROR "THe consumer group <G> not exist"; an unknown
//     topic is SYSTEM_ERROR "[reset-offset] reset offset failed, no topic in this broker.
//     topic=T". With no member in the group it answers CONSUMER_NOT_ONLINE "Consumer not
//     online, so can not reset offset, Group: G Topic: T Timestamp: N". Otherwise each member
//     (in the order they joined) gets 220, oneway, with a ResetOffsetRequestHeader (isForce
//     false) and the offsets as a ResetOffsetBody (its C++ layout when the 222 came from a C++
//     client); a member older than V3_0_7_SNAPSHOT stops the loop with SYSTEM_ERROR "the client
//     does not support this feature. version=V". The answer is SUCCESS with the offsets, and the
//     remark "not set any response code" that Broker2Client's response keeps. The broker's own
//     offsets do not change: the consumers commit the new ones.
//   - 223 sends 221 (topic and group) to each member in turn, or only to the one whose client
//     id is the header's clientAddr, and waits up to 5 s for each: every SUCCESS answer with a
//     body adds that consumer's messageQueueTable under its client id; other answers, failures
//     and timeouts are passed over. The answer is SUCCESS (remark "not set any response code")
//     with that GetConsumerStatusBody. A
//     group the broker does not know is Java's NullPointerException from
//     Broker2Client.getConsumeStatus; a member older than V3_0_7_SNAPSHOT is refused as for 222.
//   - 307 and 309 find the connection of the consumer group's member with the client id
//     (SYSTEM_ERROR "The Consumer <G> <C> not online" without one; "The Consumer <C> Version
//     <V> too low to finish, please upgrade it to V3_1_8_SNAPSHOT" for an older client) and
//     send it a request of the same code carrying the admin request's extFields and body, with
//     the broker's language and version, and wait up to 10 s: the consumer's answer goes back
//     to the admin as it is (code, remark, extFields, body, the consumer's language and
//     version), in the admin request's serialize type. A consumer that does not answer in time
//     gives CONSUME_MSG_TIMEOUT "consumer <G> <C> Timeout: ..." (Java's RemotingTimeoutException
//     text), one that cannot be sent to SYSTEM_ERROR "invoke consumer <G> <C> Exception: ...".
//     309 first adds the broker's name (brokerName) to the extFields and the message its msgId
//     (an offset message id) names, in the stored encoding, as the body.
//   - Every request to a consumer goes out through the fault injector: rules for codes 220,
//     221, 307 and 309 drop, delay or refuse them as for any request the broker sends.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Java's timeouts of the requests a broker makes of its consumers (Broker2Client).
const (
	callConsumerTimeout   = 10 * time.Second // callClient's invokeSync
	consumerStatusTimeout = 5 * time.Second  // getConsumeStatus' invokeSync
	resetOffsetTimeout    = 5 * time.Second  // resetOffset's invokeOneway
)

const (
	frameBroker2Client = "org.apache.rocketmq.broker.client.net.Broker2Client."
	frameInvokeSync    = "org.apache.rocketmq.remoting.netty.NettyRemotingAbstract.invokeSyncImpl(NettyRemotingAbstract.java:"
	// consumerStatusUnknownGroup is getConsumeStatus reading the channels of a group the
	// ConsumerManager does not hold.
	consumerStatusUnknownGroup = `java.lang.NullPointerException: Cannot invoke "org.apache.rocketmq.broker.client.ConsumerGroupInfo.getChannelInfoTable()" ` +
		`because the return value of "org.apache.rocketmq.broker.client.ConsumerManager.getConsumerGroupInfo(String)" is null, ` +
		frameBroker2Client + "getConsumeStatus(Broker2Client.java:243)"
	// consumeDirectlyNoMessage is consumeMessageDirectly reading the size of a message the
	// store does not have at the offset.
	consumeDirectlyNoMessage = `java.lang.NullPointerException: Cannot invoke "org.apache.rocketmq.store.SelectMappedBufferResult.getSize()" ` +
		`because "selectMappedBufferResult" is null, ` + frameAdmin + "consumeMessageDirectly(AdminBrokerProcessor.java:1238)"
)

func (b *Broker) consumerCallHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeInvokeBrokerToResetOffset, b.handleResetOffset},
		{remoting.CodeInvokeBrokerToGetConsumerStatus, b.handleGetConsumerStatus},
		{remoting.CodeGetConsumerRunningInfo, b.handleGetConsumerRunningInfo},
		{remoting.CodeConsumeMessageDirectly, b.handleConsumeMessageDirectly},
	}
}

// consumerChannels returns the group's members in the order they joined; ok is false when the
// table has no such group.
func (t *clientTable) consumerChannels(group string) ([]clientChannel, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.consumers[group]
	if g == nil {
		return nil, false
	}
	out := make([]clientChannel, 0, len(g.order))
	for _, id := range g.order {
		out = append(out, *g.channels[id])
	}
	return out, true
}

// orNull is how Java prints a String that may be null: the header field when the request has it.
func orNull(ext map[string]string, key string) string {
	if v, ok := ext[key]; ok {
		return v
	}
	return "null"
}

// tooOld is the refusal of a client older than the feature.
func tooOld(version int32) string {
	return "the client does not support this feature. version=" + protocol.VersionName(version)
}

func (b *Broker) handleResetOffset(ctx context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeResetOffsetRequestHeader(cmd.ExtFields)
	if resp := check(cmd, mapLookupKey(protocol.FieldTopic)); resp != nil {
		return resp
	}
	group := orNull(cmd.ExtFields, protocol.FieldGroup)
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		return answer(cmd, remoting.SystemError, "[reset-offset] reset offset failed, no topic in this broker. topic="+h.Topic)
	}
	offsets := make(map[protocol.MessageQueue]int64, tc.WriteQueueNums)
	for q := range tc.WriteQueueNums {
		committed, ok := b.offsets.query(group, h.Topic, q)
		if !ok || committed == -1 {
			return answer(cmd, remoting.SystemError, fmt.Sprintf("THe consumer group <%s> not exist", group))
		}
		var at int64
		if h.Timestamp == -1 {
			at = b.store.maxOffset(h.Topic, q)
		} else {
			at = b.store.offsetByTime(h.Topic, q, h.Timestamp)
		}
		at = max(at, 0)
		if !h.IsForce && at >= committed {
			at = committed
		}
		offsets[protocol.MessageQueue{Topic: h.Topic, BrokerName: b.cfg.name, QueueID: q}] = at
	}

	body := &protocol.ResetOffsetBody{OffsetTable: offsets}
	push := protocol.RequestWithHeader(remoting.CodeResetConsumerClientOffset,
		protocol.ResetOffsetRequestHeader{Topic: h.Topic, Group: group, Timestamp: h.Timestamp}, nil)
	if cmd.Language == remoting.LanguageCPP {
		push.Body = body.EncodeForC()
	} else {
		push.Body = body.Encode()
	}
	members, _ := b.clients.consumerChannels(group)
	if len(members) == 0 {
		return answer(cmd, remoting.ConsumerNotOnline, fmt.Sprintf(
			"Consumer not online, so can not reset offset, Group: %s Topic: %s Timestamp: %d", group, h.Topic, h.Timestamp))
	}
	for _, m := range members {
		if m.version < protocol.VersionV3_0_7Snapshot {
			return answer(cmd, remoting.SystemError, tooOld(m.version))
		}
		// Java sends its one request object to every member; a send here sets the command's
		// flag and opaque, so each member gets a copy.
		sctx, cancel := context.WithTimeout(ctx, resetOffsetTimeout)
		if err := b.inj.InvokeOneway(sctx, m.conn, cloneRequest(push)); err != nil {
			b.log.Debug("fakebroker: reset offset not sent", "group", group, "client", m.clientID, "reason", err)
		}
		cancel()
	}
	// Broker2Client sets the code of a response created without one: the remark stays.
	resp := answer(cmd, remoting.Success, remarkNotSet)
	resp.Body = body.Encode()
	return resp
}

// cloneRequest copies a request the broker sends several connections: each send sets the
// command's flag and opaque.
func cloneRequest(c *remoting.Command) *remoting.Command {
	out := *c
	out.ExtFields = maps.Clone(c.ExtFields)
	return &out
}

func (b *Broker) handleGetConsumerStatus(ctx context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetConsumerStatusRequestHeader(cmd.ExtFields)
	if resp := check(cmd, mapLookupKey(protocol.FieldGroup)); resp != nil {
		return resp
	}
	members, ok := b.clients.consumerChannels(h.Group)
	if !ok {
		return answer(cmd, remoting.SystemError, consumerStatusUnknownGroup)
	}
	if len(members) == 0 {
		return answer(cmd, remoting.SystemError, fmt.Sprintf("No Any Consumer online in the consumer group: [%s]", h.Group))
	}
	ask := protocol.RequestWithHeader(remoting.CodeGetConsumerStatusFromClient,
		protocol.GetConsumerStatusRequestHeader{Topic: h.Topic, Group: h.Group}, nil)
	if _, ok := cmd.ExtFields[protocol.FieldTopic]; !ok {
		delete(ask.ExtFields, protocol.FieldTopic) // Java leaves a null field out
	}
	only := strings.TrimSpace(h.ClientAddr) // UtilAll.isBlank
	status := &protocol.GetConsumerStatusBody{
		MessageQueueTable: map[protocol.MessageQueue]int64{}, ConsumerTable: map[string]map[protocol.MessageQueue]int64{},
	}
	for _, m := range members {
		if m.version < protocol.VersionV3_0_7Snapshot {
			return answer(cmd, remoting.SystemError, tooOld(m.version))
		}
		if only != "" && h.ClientAddr != m.clientID {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, consumerStatusTimeout)
		got, err := b.inj.Invoke(sctx, m.conn, cloneRequest(ask))
		cancel()
		if err == nil && got.Code == remoting.Success && got.Body != nil {
			if body, err := protocol.DecodeGetConsumerStatusBody(got.Body); err == nil {
				status.ConsumerTable[m.clientID] = body.MessageQueueTable
			}
		}
		if only != "" {
			break
		}
	}
	resp := answer(cmd, remoting.Success, remarkNotSet)
	resp.Body = status.Encode()
	return resp
}

func (b *Broker) handleGetConsumerRunningInfo(ctx context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	return b.callConsumer(ctx, req, orNull(cmd.ExtFields, protocol.FieldConsumerGroup),
		orNull(cmd.ExtFields, protocol.FieldClientIDOfConsumer), cmd.ExtFields, cmd.Body)
}

func (b *Broker) handleConsumeMessageDirectly(ctx context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if cmd.ExtFields == nil {
		return answer(cmd, remoting.SystemError, consumeDirectlyWithoutExtFields)
	}
	ext := maps.Clone(cmd.ExtFields)
	ext[protocol.FieldBrokerName] = b.cfg.name
	if ext[protocol.FieldMsgID] == "" {
		return answer(cmd, remoting.SystemError, consumeDirectlyWithoutMsgID)
	}
	_, offset, err := protocol.DecodeOffsetMsgID(ext[protocol.FieldMsgID])
	if err != nil {
		return answer(cmd, remoting.SystemError, "java.lang.IllegalArgumentException: "+err.Error())
	}
	sm, ok := b.store.lookup(offset)
	if !ok {
		return answer(cmd, remoting.SystemError, consumeDirectlyNoMessage)
	}
	return b.callConsumer(ctx, req, orNull(ext, protocol.FieldConsumerGroup), orNull(ext, protocol.FieldClientIDOfConsumer),
		ext, sm.raw)
}

// The texts of consumeMessageDirectly meeting what a request left out.
const (
	consumeDirectlyWithoutExtFields = `java.lang.NullPointerException: Cannot invoke "java.util.HashMap.put(Object, Object)" ` +
		`because the return value of "org.apache.rocketmq.remoting.protocol.RemotingCommand.getExtFields()" is null, ` +
		frameAdmin + "consumeMessageDirectly(AdminBrokerProcessor.java:1232)"
	// decodeMessageId wraps what UtilAll.string2bytes makes of a null or empty id: null.
	consumeDirectlyWithoutMsgID = `java.lang.NullPointerException: Cannot read the array length because "array" is null, ` +
		"java.base/java.nio.ByteBuffer.wrap(ByteBuffer.java:437)"
)

// callConsumer is AdminBrokerProcessor.callConsumer: the request goes on to the consumer and its
// answer comes back as it is.
func (b *Broker) callConsumer(ctx context.Context, req *remoting.Request, group, clientID string, ext map[string]string, body []byte) *remoting.Command {
	cmd := req.Command
	if group == "null" {
		if _, ok := ext[protocol.FieldConsumerGroup]; !ok {
			return answer(cmd, remoting.SystemError, mapLookupKey(protocol.FieldConsumerGroup).remark)
		}
	}
	var member *clientChannel
	members, _ := b.clients.consumerChannels(group)
	for i := range members {
		if members[i].clientID == clientID {
			member = &members[i]
			break
		}
	}
	if member == nil {
		return answer(cmd, remoting.SystemError, fmt.Sprintf("The Consumer <%s> <%s> not online", group, clientID))
	}
	if member.version < protocol.VersionV3_1_8Snapshot {
		return answer(cmd, remoting.SystemError, fmt.Sprintf(
			"The Consumer <%s> Version <%s> too low to finish, please upgrade it to V3_1_8_SNAPSHOT",
			clientID, protocol.VersionName(member.version)))
	}
	call := remoting.NewRequest(cmd.Code, maps.Clone(ext), body)
	cctx, cancel := context.WithTimeout(ctx, callConsumerTimeout)
	defer cancel()
	got, err := b.inj.Invoke(cctx, member.conn, call)
	addr := member.conn.RemoteAddr()
	switch {
	case err == nil:
		// The consumer's answer, as it came, in the serialize type of the admin's request.
		relayed := *got
		relayed.SerializeType = cmd.SerializeType
		return &relayed
	case errors.Is(err, remoting.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		return answer(cmd, remoting.ConsumeMsgTimeout, fmt.Sprintf("consumer <%s> <%s> Timeout: %s", group, clientID,
			"org.apache.rocketmq.remoting.exception.RemotingTimeoutException: wait response on the channel <"+addr+"> timeout, "+
				strconv.FormatInt(callConsumerTimeout.Milliseconds(), 10)+"(ms), "+frameInvokeSync+"439)"))
	default:
		return answer(cmd, remoting.SystemError, fmt.Sprintf("invoke consumer <%s> <%s> Exception: %s", group, clientID,
			"org.apache.rocketmq.remoting.exception.RemotingSendRequestException: send request to <"+addr+"> failed, "+
				frameInvokeSync+"441)"))
	}
}
