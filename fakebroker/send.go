package fakebroker

// send.go serves 10 SEND_MESSAGE (v1 header, what the official Go client sends), 310
// SEND_MESSAGE_V2 (the Java client) and 320 SEND_BATCH_MESSAGE, as Java's SendMessageProcessor
// and AbstractSendMessageProcessor.msgCheck (4.9.7):
//
//   - Every answer but an exception's carries MSG_REGION (regionId) and TRACE_ON (traceOn) in its
//     extFields (preSend), errors included.
//   - Checks in Java's order: a broker that is not writable refuses an ordered topic (16 "the
//     broker[IP] sending message is forbidden"; other topics are still taken, as in 4.9.7); the
//     topic name (1, TopicValidator's texts); topics clients may not send to (16 "Sending
//     message to topic[T] is forbidden."); an unknown topic is auto-created from the request's
//     defaultTopic (see topics.go) or, for a %RETRY% topic, created with 1 queue; else 17
//     "topic[T] not exist, apply first please!" and the FAQ line; queueId >= max(read, write
//     queues) is 1 "request queueId[N] is illegal, TopicConfig [...] Producer: ADDR".
//   - A batch is whatever header says batch=true, whatever the code (Java decides by the
//     header); a negative queueId picks a random queue.
//   - Single messages: the retry-topic rules (subscription group, max reconsume times, dead
//     letter queue %DLQ%group), MULTI_TAGS for MULTI_TAG topics, CLUSTER added to the
//     properties and WAIT dropped from what is stored, transaction half messages stored in
//     RMQ_SYS_TRANS_HALF_TOPIC (or refused with 16 when rejectTransactionMessage), delayed
//     messages stored in SCHEDULE_TOPIC_XXXX and delivered to their topic when due.
//   - Store checks (13 MESSAGE_ILLEGAL "the message is illegal, maybe msg body or properties
//     length not matched. ..."): properties over 32767 bytes, a body over maxMessageSize, a
//     record over maxMessageSize + 64 KiB; for a batch, the whole body over maxMessageSize, or a
//     transaction or delay flag on it.
//   - Success: code 0, msgId the offset message id (a batch's ids joined by commas), queueId,
//     queueOffset (the first message's).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// versionV349 is MQVersion.Version.V3_4_9.ordinal(): from it on the broker honours the
// request's maxReconsumeTimes.
const versionV349 = 121

func (b *Broker) sendHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeSendMessage, b.handleSend},
		{remoting.CodeSendMessageV2, b.handleSend},
		{remoting.CodeSendBatchMessage, b.handleSend},
	}
}

// inlineHandlers are the codes whose handlers are served on the connection's read goroutine
// (remoting.Server.HandleInline), each with the requests it serves so: the sends, which do
// not block unless they create a topic (the broker then registers with the name servers, which
// may wait for a dial) or may create a dead-letter topic (a retry topic's). Everything else
// a send does (the store, held pulls answered, delay and transaction tables) takes short locks.
func (b *Broker) inlineHandlers() map[int32]func(*remoting.Command) bool {
	known := func(topicKey string) func(*remoting.Command) bool {
		return func(cmd *remoting.Command) bool {
			topic := cmd.Ext(topicKey)
			return !isRetryTopic(topic) && b.topics.has(topic)
		}
	}
	return map[int32]func(*remoting.Command) bool{
		remoting.CodeSendMessage:      known(protocol.FieldTopic),
		remoting.CodeSendMessageV2:    known(protocol.FieldV2Topic),
		remoting.CodeSendBatchMessage: known(protocol.FieldV2Topic),
	}
}

// sendFieldNames are the extField keys of the send header fields, v1 or v2.
type sendFieldNames struct {
	topic, defaultTopic, defaultTopicQueueNums, queueID, sysFlag, bornTimestamp, flag string
}

var (
	sendFieldsV1 = sendFieldNames{
		protocol.FieldTopic, protocol.FieldDefaultTopic, protocol.FieldDefaultTopicQueueNums,
		protocol.FieldQueueID, protocol.FieldSysFlag, protocol.FieldBornTimestamp, protocol.FieldFlag,
	}
	sendFieldsV2 = sendFieldNames{
		protocol.FieldV2Topic, protocol.FieldV2DefaultTopic, protocol.FieldV2DefaultTopicQueueNums,
		protocol.FieldV2QueueID, protocol.FieldV2SysFlag, protocol.FieldV2BornTimestamp, protocol.FieldV2Flag,
	}
)

// Stack frames of the send path's unboxings in 4.9.7.
const (
	frameSendProcessor = "org.apache.rocketmq.broker.processor.SendMessageProcessor."
	frameMsgCheck      = "org.apache.rocketmq.broker.processor.AbstractSendMessageProcessor.msgCheck(AbstractSendMessageProcessor.java:218)"
)

// sendNeeds are the fields the send path unboxes, with Java's exception texts (the header is
// the v1 class whatever the request code: parseRequestHeader converts v2 to it).
type sendNeeds struct {
	topic, defaultTopic, defaultTopicQueueNums, queueID need
	sysFlag, flag, bornTimestamp                        need // single message
	batchSysFlag, batchFlag, batchBornTimestamp         need
}

func newSendNeeds(f sendFieldNames) sendNeeds {
	const class = "SendMessageRequestHeader"
	return sendNeeds{
		topic:                 keyed(f.topic),
		defaultTopic:          keyed(f.defaultTopic),
		defaultTopicQueueNums: unboxed(class, "defaultTopicQueueNums", f.defaultTopicQueueNums, "Integer", ""),
		queueID:               unboxed(class, "queueId", f.queueID, "Integer", frameMsgCheck),
		sysFlag:               unboxed(class, "sysFlag", f.sysFlag, "Integer", frameSendProcessor+"handleRetryAndDLQ(SendMessageProcessor.java:381)"),
		flag:                  unboxed(class, "flag", f.flag, "Integer", frameSendProcessor+"asyncSendMessage(SendMessageProcessor.java:294)"),
		bornTimestamp:         unboxed(class, "bornTimestamp", f.bornTimestamp, "Long", frameSendProcessor+"asyncSendMessage(SendMessageProcessor.java:297)"),
		batchSysFlag:          unboxed(class, "sysFlag", f.sysFlag, "Integer", frameSendProcessor+"asyncSendBatchMessage(SendMessageProcessor.java:605)"),
		batchFlag:             unboxed(class, "flag", f.flag, "Integer", frameSendProcessor+"asyncSendBatchMessage(SendMessageProcessor.java:611)"),
		batchBornTimestamp:    unboxed(class, "bornTimestamp", f.bornTimestamp, "Long", frameSendProcessor+"asyncSendBatchMessage(SendMessageProcessor.java:614)"),
	}
}

var (
	sendNeedsV1 = newSendNeeds(sendFieldsV1)
	sendNeedsV2 = newSendNeeds(sendFieldsV2)
)

// sendRequest is one send being served.
type sendRequest struct {
	req   *remoting.Request
	cmd   *remoting.Command
	h     protocol.SendMessageRequestHeader
	needs *sendNeeds
	resp  *remoting.Command // preSend's response, with MSG_REGION and TRACE_ON
	// decoded: the header decoded without an error (see lacks).
	decoded bool
}

// lacks answers Java's exception when a needed field is missing, or returns nil. Every field
// of sendNeeds is one the send header's decoder requires (present, and a number where one is
// due: TestSendNeedsAreRequiredByTheDecoder), so a header that decoded without an error lacks
// none of them, and is not searched again for each.
func (s *sendRequest) lacks(n need) *remoting.Command {
	if s.decoded {
		return nil
	}
	return check(s.cmd, n)
}

func (s *sendRequest) fail(code int32, remark string) *remoting.Command {
	s.resp.Code, s.resp.Remark = code, remark
	return s.resp
}

func (b *Broker) handleSend(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	// The header may be the list read from the wire (HandleInlineList): no map is made of it.
	h, err := protocol.DecodeSendMessageRequestOf(cmd)
	fastCodes := cmd.Code != remoting.CodeSendMessage
	if resp := headerFailure(cmd, err, fastCodes); resp != nil {
		return resp
	}
	s := &sendRequest{req: req, cmd: cmd, h: h, needs: &sendNeedsV1, resp: b.preSend(cmd), decoded: err == nil}
	if fastCodes {
		s.needs = &sendNeedsV2
	}
	tc, resp := b.msgCheck(s)
	if resp != nil {
		return resp
	}
	if h.Batch {
		return b.sendBatch(s, tc)
	}
	return b.sendMessage(s, tc)
}

// sendAnswer is a send's answer and the room for its header, made in one allocation.
type sendAnswer struct {
	cmd    remoting.Command
	fields [6]remoting.Field
}

// preSend is the response every send answer starts from.
func (b *Broker) preSend(cmd *remoting.Command) *remoting.Command {
	a := &sendAnswer{cmd: *remoting.NewResponse(cmd, -1, "")}
	resp := &a.cmd
	// The header is a list, not a map (Command.Fields): the two fields that are not the
	// response header's, in name order, then sendOK's, with room for them all at once.
	resp.Fields = append(a.fields[:0],
		remoting.Field{Key: protocol.FieldMsgRegion, Value: b.region()},
		remoting.Field{Key: protocol.FieldTraceOn, Value: strconv.FormatBool(b.traceOn())})
	resp.HeaderFields = protocol.SendMessageResponseHeader{}.HeaderFields()
	resp.FastHeader = true
	return resp
}

// msgCheck is AbstractSendMessageProcessor.msgCheck; it returns the topic or the answer.
func (b *Broker) msgCheck(s *sendRequest) (protocol.TopicConfig, *remoting.Command) {
	topic := s.h.Topic
	if !protocol.IsWriteable(b.permission()) {
		if resp := s.lacks(s.needs.topic); resp != nil {
			return protocol.TopicConfig{}, resp
		}
		if b.topics.isOrderTopic(topic) {
			return protocol.TopicConfig{}, s.fail(remoting.NoPermission, "the broker["+b.brokerIP1()+"] sending message is forbidden")
		}
	}
	if verr := protocol.BrokerCheckTopic(topic); verr != nil {
		return protocol.TopicConfig{}, s.fail(remoting.SystemError, verr.Error())
	}
	if verr := protocol.BrokerCheckNotAllowedSendTopic(topic); verr != nil {
		return protocol.TopicConfig{}, s.fail(remoting.NoPermission, verr.Error())
	}
	tc, ok := b.topics.get(topic)
	if !ok {
		var topicSysFlag int32
		if s.h.UnitMode {
			if isRetryTopic(topic) {
				topicSysFlag = protocol.TopicSysFlagUnitSub
			} else {
				topicSysFlag = protocol.TopicSysFlagUnit
			}
		}
		// Java unboxes defaultTopicQueueNums for the call, then looks the default topic up.
		if resp := check(s.cmd, s.needs.defaultTopicQueueNums, s.needs.defaultTopic); resp != nil {
			return protocol.TopicConfig{}, resp
		}
		var created bool
		tc, ok, created = b.topics.createInSendMessage(topic, s.h.DefaultTopic, s.h.DefaultTopicQueueNums, topicSysFlag)
		if created {
			b.log.Info("fakebroker: topic auto-created", "topic", topic, "defaultTopic", s.h.DefaultTopic, "producer", remoteAddr(s.req))
			b.registerOneway(regAutoCreate)
		}
		if !ok && isRetryTopic(topic) {
			tc, created = b.topics.createInSendMessageBack(topic, retryQueueNums, protocol.PermRead|protocol.PermWrite, topicSysFlag)
			ok = true
			if created {
				b.registerOneway(regRetryTopic)
			}
		}
		if !ok {
			return protocol.TopicConfig{}, s.fail(remoting.TopicNotExist,
				"topic["+topic+"] not exist, apply first please!"+faqSuffix)
		}
	}
	if resp := s.lacks(s.needs.queueID); resp != nil {
		return protocol.TopicConfig{}, resp
	}
	if valid := max(tc.WriteQueueNums, tc.ReadQueueNums); s.h.QueueID >= valid {
		return protocol.TopicConfig{}, s.fail(remoting.SystemError, fmt.Sprintf(
			"request queueId[%d] is illegal, %s Producer: %s", s.h.QueueID, topicConfigString(tc), remoteAddr(s.req)))
	}
	return tc, nil
}

// topicConfigString is TopicConfig.toString.
func topicConfigString(tc protocol.TopicConfig) string {
	filter := string(tc.TopicFilterType)
	if filter == "" {
		filter = "null"
	}
	return fmt.Sprintf("TopicConfig [topicName=%s, readQueueNums=%d, writeQueueNums=%d, perm=%s, topicFilterType=%s, topicSysFlag=%d, order=%t]",
		tc.TopicName, tc.ReadQueueNums, tc.WriteQueueNums, protocol.PermString(tc.Perm), filter, tc.TopicSysFlag, tc.Order)
}

// queueFor is the queue a message goes to: the request's, or a random one when negative.
func (s *sendRequest) queueFor(tc protocol.TopicConfig) (int32, *remoting.Command) {
	q := s.h.QueueID
	if q >= 0 {
		return q, nil
	}
	if tc.WriteQueueNums <= 0 {
		return 0, answer(s.cmd, remoting.SystemError, "java.lang.ArithmeticException: / by zero")
	}
	return int32(rand.IntN(99999999) % int(tc.WriteQueueNums)), nil
}

// sendMessage is asyncSendMessage: one message.
func (b *Broker) sendMessage(s *sendRequest, tc protocol.TopicConfig) *remoting.Command {
	queueID, resp := s.queueFor(tc)
	if resp != nil {
		return resp
	}
	m := &protocol.MessageExt{}
	m.Topic, m.QueueID = s.h.Topic, queueID
	if resp := b.handleRetryAndDLQ(s, m, &tc); resp != nil {
		return resp
	}
	if resp := s.lacks(s.needs.sysFlag); resp != nil {
		return resp
	}
	m.SysFlag = s.h.SysFlag
	if tc.TopicFilterType == protocol.MultiTag {
		m.SysFlag |= protocol.SysFlagMultiTags
	}
	m.Body = s.cmd.Body
	if resp := s.lacks(s.needs.flag); resp != nil {
		return resp
	}
	m.Flag = s.h.Flag
	props := protocol.DecodeProperties(s.h.Properties)
	if props == nil {
		props = map[string]string{}
	}
	if resp := s.lacks(s.needs.bornTimestamp); resp != nil {
		return resp
	}
	m.BornTimestamp = s.h.BornTimestamp
	m.BornHost = bornHost(s.req)
	if s.h.ReconsumeTimes != nil {
		m.ReconsumeTimes = *s.h.ReconsumeTimes
	}
	props[protocol.PropertyCluster] = b.cfg.cluster
	wait, hadWait := props[protocol.PropertyWaitStoreMsgOK]
	delete(props, protocol.PropertyWaitStoreMsgOK) // not stored (9 bytes saved per message)
	m.Properties = props

	if strings.EqualFold(props[protocol.PropertyTransactionPrepared], "true") {
		if b.settings.rejectTransactional.Load() {
			return s.fail(remoting.NoPermission, "the broker["+b.brokerIP1()+"] sending transaction message is forbidden")
		}
		halfMessage(m, s.h.Properties, wait, hadWait)
	}
	// A plain message's properties string is written once, here: its length is checked and the
	// store copies it, where each had gone through the map again. A half message's holds the
	// same properties in an order of its own, so the same length.
	if m.RawProperties == "" {
		m.RawProperties = protocol.EncodeProperties(m.Properties)
	}
	if code, remark := b.checkStoreMessageLen(m, len(m.RawProperties)); code != remoting.Success {
		return s.fail(code, remark)
	}
	delayed := b.delayMessage(m)
	if delayed && hadWait {
		// The delay path rebuilds the stored properties from the map, where Java put WAIT back.
		m.Properties[protocol.PropertyWaitStoreMsgOK] = wait
	}
	res, err := b.put([]*protocol.MessageExt{m})
	if err != nil {
		return s.fail(remoting.MessageIllegal, b.illegalMessageRemark())
	}
	b.countSend(m, 1, len(res.stored[0].raw))
	if delayed {
		b.scheduleDelivery(&res.stored[0])
	} else if m.Topic == protocol.TransHalfTopic {
		b.txs.prepared(b.cfg.name, m)
	}
	return b.sendOK(s, m.MsgID, queueID, res.firstOffset)
}

// handleRetryAndDLQ applies the retry-topic rules: a message for %RETRY%group that has been
// consumed maxReconsumeTimes times goes to the group's dead-letter topic instead.
func (b *Broker) handleRetryAndDLQ(s *sendRequest, m *protocol.MessageExt, tc *protocol.TopicConfig) *remoting.Command {
	if !isRetryTopic(s.h.Topic) {
		return nil
	}
	group := strings.TrimPrefix(s.h.Topic, retryTopicPrefix)
	sg, ok := b.subscriptionGroup(group)
	if !ok {
		return s.fail(remoting.SubscriptionGroupNotExist, "subscription group not exist, "+group+" "+faqSuffix)
	}
	maxTimes := sg.RetryMaxTimes
	if s.cmd.Version >= versionV349 && s.h.MaxReconsumeTimes != nil {
		maxTimes = *s.h.MaxReconsumeTimes
	}
	var times int32
	if s.h.ReconsumeTimes != nil {
		times = *s.h.ReconsumeTimes
	}
	if times < maxTimes {
		return nil
	}
	dlq := dlqTopicPrefix + group
	dtc, created := b.topics.createInSendMessageBack(dlq, dlqQueueNums, protocol.PermRead|protocol.PermWrite, 0)
	if created {
		b.registerOneway(regRetryTopic)
	}
	m.Topic, m.QueueID = dlq, int32(rand.IntN(99999999)%dlqQueueNums)
	*tc = dtc
	return nil
}

// halfMessage is TransactionalMessageBridge.parseHalfMessageInner: a prepared message is kept
// in the half topic, out of consumers' sight, with its real topic and queue in properties. Its
// stored string is made again from the property map, where the send path had put WAIT back
// (after CLUSTER, since it took it out first) and REAL_TOPIC and REAL_QID come last: so a half
// message keeps WAIT, unlike a plain one.
func halfMessage(m *protocol.MessageExt, sent, wait string, hadWait bool) {
	order := slices.DeleteFunc(protocol.PropertyNames(sent), func(name string) bool {
		return name == protocol.PropertyWaitStoreMsgOK
	})
	if !slices.Contains(order, protocol.PropertyCluster) {
		order = append(order, protocol.PropertyCluster)
	}
	if hadWait {
		m.Properties[protocol.PropertyWaitStoreMsgOK] = wait
		order = append(order, protocol.PropertyWaitStoreMsgOK)
	}
	m.Properties[protocol.PropertyRealTopic] = m.Topic
	m.Properties[protocol.PropertyRealQueueID] = strconv.Itoa(int(m.QueueID))
	order = append(order, protocol.PropertyRealTopic, protocol.PropertyRealQueueID)
	m.RawProperties = protocol.EncodeProperties(m.Properties, order...)
	m.SysFlag = protocol.WithTransactionType(m.SysFlag, protocol.SysFlagTransactionNotType)
	m.Topic, m.QueueID = protocol.TransHalfTopic, 0
}

// checkStoreMessage is the store's refusal of a message too big for the commit log.
func (b *Broker) checkStoreMessage(m *protocol.MessageExt) (int32, string) {
	return b.checkStoreMessageLen(m, protocol.PropertiesLength(m.Properties))
}

// checkStoreMessageLen is checkStoreMessage with the length of m's properties string known.
func (b *Broker) checkStoreMessageLen(m *protocol.MessageExt, propsLen int) (int32, string) {
	bodyLen := len(m.Body)
	// calMsgLength with IPv4 hosts: 91 fixed bytes before the topic, 2 for the properties length.
	msgLen := 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + bodyLen + 1 + len(m.Topic) + 2 + propsLen
	// The commit log's encoder checks its own limit, which follows maxMessageSize (see
	// brokerconfig.go); the remark quotes the setting.
	limit := b.storeMaxBody()
	if propsLen > protocol.MaxPropertiesLength || bodyLen > limit || msgLen > limit+64*1024 {
		return remoting.MessageIllegal, b.illegalMessageRemark()
	}
	return remoting.Success, ""
}

func (b *Broker) illegalMessageRemark() string {
	return fmt.Sprintf("the message is illegal, maybe msg body or properties length not matched. msg body length limit %dB, msg properties length limit 32KB.", b.maxMessageSize())
}

func (b *Broker) sendOK(s *sendRequest, msgID string, queueID int32, queueOffset int64) *remoting.Command {
	resp := s.resp
	resp.Code, resp.Remark = remoting.Success, ""
	// What protocol.SetHeader does with a SendMessageResponseHeader, into preSend's list:
	// MSG_REGION and TRACE_ON as they are now, then the header's fields in its order (no
	// transactionId: a send has none).
	resp.Fields[0].Value, resp.Fields[1].Value = b.region(), strconv.FormatBool(b.traceOn())
	resp.Fields = append(resp.Fields[:2],
		remoting.Field{Key: protocol.FieldMsgID, Value: msgID},
		remoting.Field{Key: protocol.FieldQueueID, Value: strconv.FormatInt(int64(queueID), 10)},
		remoting.Field{Key: protocol.FieldQueueOffset, Value: strconv.FormatInt(queueOffset, 10)})
	return resp
}

// sendBatch is asyncSendBatchMessage.
func (b *Broker) sendBatch(s *sendRequest, tc protocol.TopicConfig) *remoting.Command {
	queueID, resp := s.queueFor(tc)
	if resp != nil {
		return resp
	}
	topic := s.h.Topic
	if len(topic) > protocol.MaxStoredTopicLength {
		return s.fail(remoting.MessageIllegal, "message topic length too long "+strconv.Itoa(len(topic)))
	}
	if resp := s.lacks(s.needs.batchSysFlag); resp != nil {
		return resp
	}
	sysFlag := s.h.SysFlag
	if tc.TopicFilterType == protocol.MultiTag {
		sysFlag |= protocol.SysFlagMultiTags
	}
	if resp := s.lacks(s.needs.batchFlag); resp != nil {
		return resp
	}
	batchProps := protocol.DecodeProperties(s.h.Properties)
	if batchProps == nil {
		batchProps = map[string]string{}
	}
	if resp := s.lacks(s.needs.batchBornTimestamp); resp != nil {
		return resp
	}
	batchProps[protocol.PropertyCluster] = b.cfg.cluster
	// DefaultMessageStore.checkMessages and CommitLog.asyncPutMessages.
	if len(s.cmd.Body) > b.maxMessageSize() ||
		protocol.TransactionType(sysFlag) != protocol.SysFlagTransactionNotType ||
		(&protocol.Message{Properties: batchProps}).DelayLevel() > 0 {
		return s.fail(remoting.MessageIllegal, b.illegalMessageRemark())
	}
	if len(protocol.EncodeProperties(batchProps)) > protocol.MaxPropertiesLength {
		return answer(s.cmd, remoting.SystemError, "java.lang.RuntimeException: Properties size of messageExtBatch exceeded!")
	}
	decoded, err := protocol.DecodeBatch(topic, s.cmd.Body)
	if err != nil {
		return answer(s.cmd, remoting.SystemError, "java.nio.BufferUnderflowException: "+err.Error())
	}
	rawProps, err := protocol.BatchPropertyStrings(s.cmd.Body)
	if err != nil {
		return answer(s.cmd, remoting.SystemError, "java.nio.BufferUnderflowException: "+err.Error())
	}
	batchPropStr := protocol.EncodeProperties(batchProps)
	born := bornHost(s.req)
	var reconsume int32
	if s.h.ReconsumeTimes != nil {
		reconsume = *s.h.ReconsumeTimes
	}
	msgs := make([]*protocol.MessageExt, len(decoded))
	for i, d := range decoded {
		m := &protocol.MessageExt{}
		m.Topic, m.QueueID, m.Flag, m.Body = topic, queueID, d.Flag, d.Body
		// CommitLog's MessageExtBatchEncoder stores the message's own properties string
		// followed by the batch's (the header's with CLUSTER), so a name can appear twice (WAIT
		// does); a name in both reads as the batch's value.
		props := make(map[string]string, len(d.Properties)+len(batchProps))
		for k, v := range d.Properties {
			props[k] = v
		}
		for k, v := range batchProps {
			props[k] = v
		}
		m.Properties = props
		m.RawProperties = protocol.StoredBatchProperties(rawProps[i], batchPropStr)
		m.SysFlag, m.BornTimestamp, m.BornHost, m.ReconsumeTimes = sysFlag, s.h.BornTimestamp, born, reconsume
		msgs[i] = m
	}
	if len(msgs) == 0 {
		// Java appends nothing and answers with no ids at the queue's current offset.
		return b.sendOK(s, "", queueID, b.store.maxOffset(topic, queueID))
	}
	res, err := b.put(msgs)
	if err != nil {
		return s.fail(remoting.MessageIllegal, b.illegalMessageRemark())
	}
	stored := 0
	for _, sm := range res.stored {
		stored += len(sm.raw)
	}
	b.countSend(msgs[0], len(msgs), stored)
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.MsgID
	}
	return b.sendOK(s, strings.Join(ids, ","), queueID, res.firstOffset)
}

// put stores msgs (one queue) with the broker's store host and time, and wakes the pulls
// waiting on that queue.
func (b *Broker) put(msgs []*protocol.MessageExt) (putResult, error) {
	host := b.currentStoreHost()
	now := time.Now().UnixMilli()
	for _, m := range msgs {
		m.StoreTimestamp = now
		m.SysFlag &^= protocol.SysFlagBornHostV6 | protocol.SysFlagStoreHostV6
		if m.BornHost.Addr().Unmap().Is6() {
			m.SysFlag |= protocol.SysFlagBornHostV6
		}
		if host.Addr().Unmap().Is6() {
			m.SysFlag |= protocol.SysFlagStoreHostV6
		}
	}
	res, err := b.store.put(host, msgs)
	if err != nil {
		return res, err
	}
	b.messageArrived(msgs[0].Topic, msgs[0].QueueID, res.maxOffset, res.stored)
	return res, nil
}

var boolValues = [2]bool{false, true}

// boolRef points at a shared, never written, copy of v: a header's optional Boolean without an
// allocation per answer.
func boolRef(v bool) *bool {
	if v {
		return &boolValues[1]
	}
	return &boolValues[0]
}
