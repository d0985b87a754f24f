package fakebroker

// sendback.go serves 36 CONSUMER_SEND_MSG_BACK, as Java's
// SendMessageProcessor.asyncConsumerSendMsgBack (4.9.7): a consumer that failed to consume a
// message gives it back by its commit-log offset, to be consumed again later from the group's
// retry topic, or to be parked in the group's dead-letter topic.
//
// In Java's order:
//   - the subscription group must exist (auto-created when autoCreateSubscriptionGroup), else
//     26 SUBSCRIPTION_GROUP_NOT_EXIST "subscription group not exist, G " and the FAQ line;
//   - a broker that is not writable answers 16 "the broker[IP] sending message is forbidden";
//   - a group whose retryQueueNums is 0 or less takes no retries: SUCCESS, nothing stored;
//   - %RETRY%group is created when missing (the group's retryQueueNums queues, 1 by default,
//     perm 6, topicSysFlag unit-sub in unit mode) and registered oneway; the message goes to a
//     random queue below retryQueueNums; a retry topic that is not writable answers 16 "the
//     topic[%RETRY%G] sending message is forbidden";
//   - the message is looked up by its commit-log offset: 1 "look message by offset failed, N"
//     when there is none;
//   - RETRY_TOPIC is set to the message's topic unless it has one, WAIT to false;
//   - reconsumeTimes >= maxReconsumeTimes (the group's retryMaxTimes, 16 by default, or the header's when
//     the request's version is V3_4_9 or later and it has one), or a negative delayLevel: the
//     message goes to %DLQ%group (1 queue, perm 6, created and registered when missing), with
//     DELAY=0; otherwise DELAY is the header's level, or 3 + reconsumeTimes for 0;
//   - the new message keeps body, flag, sysFlag, born time and host and the properties, has
//     reconsumeTimes + 1 and ORIGIN_MESSAGE_ID (the message's own ORIGIN_MESSAGE_ID when it is
//     a retry already, else its offset message id: the header's originMsgId is only read by
//     consume hooks), and is put through the store's delay path (schedule.go): the consumer
//     meets it in %RETRY%group after its level's delay.
//   - SUCCESS without extFields; a failed put answers 1 with the put status (MESSAGE_ILLEGAL,
//     PROPERTIES_SIZE_EXCEEDED, MESSAGE_SIZE_EXCEEDED).
//   - Missing header fields: Java's reflective decoder leaves them null and fails where it
//     meets them (group at the group look-up, offset at the message look-up, delayLevel after
//     it), answering SYSTEM_ERROR with the exception's text.

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// defaultRetryDelayBase is the level a send-back without one gets: 3 + reconsumeTimes.
const defaultRetryDelayBase = 3

var (
	sendBackNeedGroup  = keyed(protocol.FieldGroup)
	sendBackNeedOffset = unboxed("ConsumerSendMsgBackRequestHeader", "offset", protocol.FieldOffset, "Long",
		frameSendProcessor+"asyncConsumerSendMsgBack(SendMessageProcessor.java:168)")
	sendBackNeedDelayLevel = unboxed("ConsumerSendMsgBackRequestHeader", "delayLevel", protocol.FieldDelayLevel, "Integer",
		frameSendProcessor+"asyncConsumerSendMsgBack(SendMessageProcessor.java:181)")
)

func (b *Broker) sendBackHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeConsumerSendMsgBack, b.handleSendBack}}
}

func (b *Broker) handleSendBack(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, err := protocol.DecodeConsumerSendMsgBackRequestHeader(cmd.ExtFields)
	if resp := headerFailure(cmd, err, false); resp != nil {
		return resp
	}
	if resp := check(cmd, sendBackNeedGroup); resp != nil {
		return resp
	}
	sg, ok := b.subscriptionGroup(h.Group)
	if !ok {
		return answer(cmd, remoting.SubscriptionGroupNotExist, "subscription group not exist, "+h.Group+" "+faqSuffix)
	}
	if !protocol.IsWriteable(b.permission()) {
		return answer(cmd, remoting.NoPermission, "the broker["+b.brokerIP1()+"] sending message is forbidden")
	}
	if sg.RetryQueueNums <= 0 {
		return answer(cmd, remoting.Success, "") // the group takes no retries: the message is dropped
	}

	newTopic := retryTopicPrefix + h.Group
	queueID := int32(rand.IntN(99999999)) % sg.RetryQueueNums
	var topicSysFlag int32
	if h.UnitMode {
		topicSysFlag = protocol.TopicSysFlagUnitSub
	}
	tc, created := b.topics.createInSendMessageBack(newTopic, sg.RetryQueueNums, protocol.PermRead|protocol.PermWrite, topicSysFlag)
	if created {
		b.registerOneway(regRetryTopic)
	}
	if !protocol.IsWriteable(tc.Perm) {
		return answer(cmd, remoting.NoPermission, fmt.Sprintf("the topic[%s] sending message is forbidden", newTopic))
	}

	if resp := check(cmd, sendBackNeedOffset); resp != nil {
		return resp
	}
	sm, ok := b.store.lookup(h.Offset)
	if !ok {
		return answer(cmd, remoting.SystemError, "look message by offset failed, "+strconv.FormatInt(h.Offset, 10))
	}
	src := sm.message()
	props := maps.Clone(src.Properties)
	if props == nil {
		props = map[string]string{}
	}
	if _, ok := props[protocol.PropertyRetryTopic]; !ok {
		props[protocol.PropertyRetryTopic] = src.Topic
	}
	props[protocol.PropertyWaitStoreMsgOK] = "false"

	if resp := check(cmd, sendBackNeedDelayLevel); resp != nil {
		return resp
	}
	delayLevel := int(h.DelayLevel)
	maxTimes := sg.RetryMaxTimes
	if cmd.Version >= versionV349 && h.MaxReconsumeTimes != nil {
		maxTimes = *h.MaxReconsumeTimes
	}
	if src.ReconsumeTimes >= maxTimes || delayLevel < 0 {
		newTopic = dlqTopicPrefix + h.Group
		queueID = int32(rand.IntN(99999999) % dlqQueueNums)
		if _, created := b.topics.createInSendMessageBack(newTopic, dlqQueueNums, protocol.PermRead|protocol.PermWrite, 0); created {
			b.registerOneway(regRetryTopic)
		}
		delayLevel = 0
	} else if delayLevel == 0 {
		delayLevel = defaultRetryDelayBase + int(src.ReconsumeTimes)
	}
	props[protocol.PropertyDelayTimeLevel] = strconv.Itoa(delayLevel)

	m := &protocol.MessageExt{}
	m.Topic, m.QueueID = newTopic, queueID
	m.Body, m.Flag, m.SysFlag = src.Body, src.Flag, src.SysFlag
	m.BornTimestamp, m.BornHost = src.BornTimestamp, src.BornHost
	m.ReconsumeTimes = src.ReconsumeTimes + 1
	origin := props[protocol.PropertyOriginMessageID]
	if strings.TrimSpace(origin) == "" { // UtilAll.isBlank
		origin = src.MsgID
	}
	props[protocol.PropertyOriginMessageID] = origin
	m.Properties = props

	if status := b.putStatus(m); status != "" {
		return answer(cmd, remoting.SystemError, status)
	}
	delayed := b.delayMessage(m)
	res, err := b.put([]*protocol.MessageExt{m})
	if err != nil {
		return answer(cmd, remoting.SystemError, "MESSAGE_ILLEGAL")
	}
	b.countSendBack(m, len(res.stored[0].raw), props[protocol.PropertyRetryTopic], h.Group)
	if delayed {
		b.scheduleDelivery(&res.stored[0])
	}
	return answer(cmd, remoting.Success, "")
}

// putStatus is the PutMessageStatus a store refuses m with (DefaultMessageStore.checkMessage
// and the commit log's size checks), or "".
func (b *Broker) putStatus(m *protocol.MessageExt) string {
	props := protocol.EncodeProperties(m.Properties)
	if len(m.Topic) > protocol.MaxStoredTopicLength || utf8.RuneCountInString(props) > protocol.MaxPropertiesLength {
		return "MESSAGE_ILLEGAL"
	}
	if len(props) > protocol.MaxPropertiesLength {
		return "PROPERTIES_SIZE_EXCEEDED"
	}
	if code, _ := b.checkStoreMessage(m); code != remoting.Success {
		return "MESSAGE_SIZE_EXCEEDED"
	}
	return ""
}
