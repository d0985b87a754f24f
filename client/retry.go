package client

import (
	"context"
	"strconv"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// maxReconsumeTimes is getMaxReconsumeTimes of the concurrent path: -1 is 16.
func (c *PushConsumer) maxReconsumeTimes() int {
	if c.cfg.maxReconsumeTimes == -1 {
		return DefaultMaxReconsumeTimes
	}
	return c.cfg.maxReconsumeTimes
}

// sendMessageBack is DefaultMQPushConsumerImpl.sendMessageBack: CONSUMER_SEND_MSG_BACK to the
// master of brokerName (the message's store host when brokerName is ""), which stores the
// message again in %RETRY%group with the delay level (or, past the reconsume limit, in
// %DLQ%group). When the broker cannot be asked or refuses, the message is sent to
// %RETRY%group directly through the instance's inner producer, as a copy carrying its
// reconsume count. An error means neither worked.
func (c *PushConsumer) sendMessageBack(ctx context.Context, msg *MessageExt, delayLevel int, brokerName string) error {
	inst := c.rb.inst
	topic := wrapNamespace(c.cfg.namespace, msg.Topic)
	err := c.consumerSendMessageBack(ctx, inst, msg, topic, delayLevel, brokerName)
	if err == nil {
		return nil
	}
	c.cfg.logger.Error("sendMessageBack Exception, "+c.cfg.group, "err", err)
	retry := newRetryMessage(msg, c.cfg.group, topic, c.maxReconsumeTimes())
	retry.SetProperty(protocol.PropertyReconsumeTime, strconv.Itoa(int(msg.ReconsumeTimes)+1))
	retry.SetDelayLevel(3 + int(msg.ReconsumeTimes))
	_, err = inst.inner.Send(ctx, retry)
	return err
}

func (c *PushConsumer) consumerSendMessageBack(ctx context.Context, inst *instance, msg *MessageExt, topic string, delayLevel int, brokerName string) error {
	addr := msg.StoreHost.String()
	if brokerName != "" {
		addr = inst.masterAddr(brokerName)
	}
	if addr == "" {
		return clientError(-1, "The broker["+brokerName+"] not exist", nil)
	}
	maxTimes := int32(c.maxReconsumeTimes())
	h := protocol.ConsumerSendMsgBackRequestHeader{
		Offset: msg.CommitLogOffset, Group: c.cfg.group, DelayLevel: int32(delayLevel), OriginMsgID: msg.ClientMsgID(),
		OriginTopic: topic, MaxReconsumeTimes: &maxTimes, BrokerName: brokerName,
	}
	_, err := inst.invokeBroker(ctx, inst.withVIP(addr), inst.request(remoting.CodeConsumerSendMsgBack, h, nil), sendBackTimeout)
	return err
}

// newRetryMessage is the copy both resend paths build: %RETRY%group, the message's body, flag
// and properties, the topic it came from as RETRY_TOPIC, its first id as ORIGIN_MESSAGE_ID, the
// reconsume limit, not a transaction's half.
func newRetryMessage(msg *MessageExt, group, topic string, maxTimes int) *Message {
	retry := NewMessage(retryTopicPrefix+group, msg.Body)
	retry.Flag = msg.Flag
	for k, v := range msg.Properties {
		retry.SetProperty(k, v)
	}
	if retry.Property(protocol.PropertyOriginMessageID) == "" {
		retry.SetProperty(protocol.PropertyOriginMessageID, msg.ClientMsgID())
	}
	retry.SetProperty(protocol.PropertyRetryTopic, topic)
	retry.SetProperty(protocol.PropertyMaxReconsumeTimes, strconv.Itoa(maxTimes))
	retry.ClearProperty(protocol.PropertyTransactionPrepared)
	return retry
}
