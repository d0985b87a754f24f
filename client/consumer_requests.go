package client

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// handleConsumerRequests serves what brokers ask a consumer's client instance, as Java's
// ClientRemotingProcessor: NOTIFY_CONSUMER_IDS_CHANGED (40), RESET_CONSUMER_CLIENT_OFFSET
// (220), GET_CONSUMER_STATUS_FROM_CLIENT (221), GET_CONSUMER_RUNNING_INFO (307) and
// CONSUME_MESSAGE_DIRECTLY (309).
func (inst *instance) handleConsumerRequests(ctx context.Context) {
	inst.rc.Handle(remoting.CodeNotifyConsumerIDsChanged, inst.serveNotifyConsumerIDsChanged)
	inst.rc.Handle(remoting.CodeResetConsumerClientOffset, func(_ context.Context, req *remoting.Request) *remoting.Command {
		return inst.serveResetOffset(ctx, req)
	})
	inst.rc.Handle(remoting.CodeGetConsumerStatusFromClient, inst.serveConsumerStatus)
	inst.rc.Handle(remoting.CodeGetConsumerRunningInfo, inst.serveRunningInfo)
	inst.rc.Handle(remoting.CodeConsumeMessageDirectly, inst.serveConsumeMessageDirectly)
}

// serveNotifyConsumerIDsChanged is notifyConsumerIdsChanged: a group's members changed, so the
// instance rebalances at once. The broker sends it oneway; nothing is answered.
func (inst *instance) serveNotifyConsumerIDsChanged(_ context.Context, req *remoting.Request) *remoting.Command {
	h, err := protocol.DecodeNotifyConsumerIdsChangedRequestHeader(req.Command.ExtFields)
	if err != nil {
		inst.cfg.logger.Error("notifyConsumerIdsChanged exception", "err", err)
		return nil
	}
	inst.cfg.logger.Info("receive broker's notification[" + req.Conn.RemoteAddr() + "], the consumer group: " +
		h.ConsumerGroup + " changed, rebalance immediately")
	inst.rebalanceImmediately()
	return nil
}

// serveResetOffset is resetOffset: the broker, asked by an admin, tells the group's members
// where to start again in a topic's queues; the push consumer of the group carries it out (see
// resetOffset). It comes oneway; nothing is answered. Java does the work, 10 s of it, on the
// thread that read the request; here it runs on a goroutine of its own.
func (inst *instance) serveResetOffset(ctx context.Context, req *remoting.Request) *remoting.Command {
	h, err := protocol.DecodeResetOffsetRequestHeader(req.Command.ExtFields)
	if err != nil {
		inst.cfg.logger.Warn("resetOffset, decode header failed", "err", err)
		return nil
	}
	inst.cfg.logger.Info("invoke reset offset operation from broker. brokerAddr=" + req.Conn.RemoteAddr() +
		", topic=" + h.Topic + ", group=" + h.Group)
	offsets := map[MessageQueue]int64{}
	if len(req.Command.Body) > 0 {
		body, err := protocol.DecodeResetOffsetBody(req.Command.Body)
		if err != nil {
			inst.cfg.logger.Warn("resetOffset, decode body failed", "err", err)
			return nil
		}
		for mq, off := range body.OffsetTable {
			offsets[fromProto(mq)] = off
		}
	}
	inst.resets.Add(1)
	go func() {
		defer inst.resets.Done()
		inst.resetOffset(ctx, h.Topic, h.Group, offsets)
	}()
	return nil
}

// resetOffset is MQClientInstance.resetOffset: the push consumer of group stops pulling, the
// topic's queues named in offsets drop what they cached, and after a pause (for pulls on their
// way to come back) each gets its new offset, persisted as the queue is given up; the consumer
// then resumes, and the rebalance takes the queues again from there. One reset at a time.
func (inst *instance) resetOffset(ctx context.Context, topic, group string, offsets map[MessageQueue]int64) {
	inst.resetMu.Lock()
	defer inst.resetMu.Unlock()
	ci, ok := inst.selectConsumer(group)
	c, push := ci.(*PushConsumer)
	if !ok || !push {
		return
	}
	c.Suspend()
	defer c.Resume()
	_, pqs := c.rb.processQueues()
	for mq, pq := range pqs {
		if _, named := offsets[mq]; named && mq.Topic == topic {
			pq.setDropped()
			pq.clear()
		}
	}
	t := time.NewTimer(resetOffsetPause)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		return
	}
	mqs, pqs := c.rb.processQueues()
	for _, mq := range mqs {
		off, named := offsets[mq]
		if !named || mq.Topic != topic {
			continue
		}
		c.offsets.updateOffset(mq, off, false)
		// Java persists the new offset oneway only, and the rebalance right after reads it
		// back from the broker: a broker that handles the query before the oneway update
		// (both go to a thread pool) hands back the old offset, and the reset is lost. An
		// answered update first closes that window.
		if err := c.offsets.updateConsumeOffsetToBroker(ctx, mq, off, false); err != nil {
			c.cfg.logger.Warn("resetOffset, update the offset in the broker failed", "mq", mq, "err", err)
		}
		c.removeUnnecessaryMessageQueue(ctx, mq, pqs[mq])
		c.rb.mu.Lock()
		if c.rb.pqs[mq] == pqs[mq] {
			delete(c.rb.pqs, mq)
		}
		c.rb.mu.Unlock()
	}
}

// serveConsumerStatus is getConsumeStatus: the offsets a push consumer of the group holds for
// the topic (a lite pull consumer, as Java's, answers none).
func (inst *instance) serveConsumerStatus(_ context.Context, req *remoting.Request) *remoting.Command {
	h, err := protocol.DecodeGetConsumerStatusRequestHeader(req.Command.ExtFields)
	if err != nil {
		return remoting.NewResponse(req.Command, remoting.SystemError, err.Error())
	}
	body := &protocol.GetConsumerStatusBody{MessageQueueTable: map[protocol.MessageQueue]int64{}}
	if c, ok := inst.selectConsumer(h.Group); ok {
		for mq, off := range c.offsetTable(h.Topic) {
			body.MessageQueueTable[mq.proto()] = off
		}
	}
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = body.Encode()
	return resp
}

// notInThisConsumer is Java's answer about a group the instance has no consumer of.
func notInThisConsumer(cmd *remoting.Command, group string) *remoting.Command {
	return remoting.NewResponse(cmd, remoting.SystemError, fmt.Sprintf("The Consumer Group <%s> not exist in this consumer", group))
}

// serveRunningInfo is getConsumerRunningInfo: the consumer's settings, subscriptions, queues and
// rates, with the instance's name servers, the consume type and the client version; with
// jstackEnable, every goroutine's stack (Java: every thread's).
func (inst *instance) serveRunningInfo(_ context.Context, req *remoting.Request) *remoting.Command {
	h, err := protocol.DecodeGetConsumerRunningInfoRequestHeader(req.Command.ExtFields)
	if err != nil {
		return remoting.NewResponse(req.Command, remoting.SystemError, err.Error())
	}
	c, ok := inst.selectConsumer(h.ConsumerGroup)
	if !ok {
		return notInThisConsumer(req.Command, h.ConsumerGroup)
	}
	info := c.runningInfo()
	addrs, _ := inst.ns.snapshot()
	var ns strings.Builder
	for _, a := range addrs {
		ns.WriteString(a + ";")
	}
	info.Properties[protocol.RunningInfoNameServerAddr] = ns.String()
	info.Properties[protocol.RunningInfoConsumeType] = string(c.consumeType())
	info.Properties[protocol.RunningInfoClientVersion] = protocol.VersionName(remoting.CurrentVersion)
	if h.JstackEnable {
		buf := make([]byte, 1<<20)
		info.Jstack = string(buf[:runtime.Stack(buf, true)])
	}
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = info.Encode()
	return resp
}

// serveConsumeMessageDirectly is consumeMessageDirectly: the push consumer of the group gives
// the stored message to its listener, whatever it subscribes, and answers how that went.
func (inst *instance) serveConsumeMessageDirectly(_ context.Context, req *remoting.Request) *remoting.Command {
	h, err := protocol.DecodeConsumeMessageDirectlyResultRequestHeader(req.Command.ExtFields)
	if err != nil {
		return remoting.NewResponse(req.Command, remoting.SystemError, err.Error())
	}
	msgs, err := protocol.DecodeStoredMessages(req.Command.Body)
	if err != nil || len(msgs) == 0 {
		return remoting.NewResponse(req.Command, remoting.SystemError, "decode the message failed")
	}
	msg := msgs[0]
	if b, err := msg.UncompressedBody(maxPulledBody); err == nil {
		msg.Body = b
	}
	ci, ok := inst.selectConsumer(h.ConsumerGroup)
	if !ok {
		return notInThisConsumer(req.Command, h.ConsumerGroup)
	}
	c, push := ci.(*PushConsumer)
	if !push {
		return remoting.NewResponse(req.Command, remoting.SystemError,
			fmt.Sprintf("The Consumer Group <%s> is not a push consumer", h.ConsumerGroup))
	}
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = c.consume.consumeMessageDirectly(msg, h.BrokerName).Encode()
	return resp
}
