package client

import (
	"context"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// consumeService is Java's ConsumeMessageService.
type consumeService interface {
	start()
	shutdown(timeout time.Duration)
	submitConsumeRequest(msgs []*MessageExt, pq *processQueue, mq MessageQueue, dispatch bool)
	consumeMessageDirectly(msg *MessageExt, brokerName string) *protocol.ConsumeMessageDirectlyResult
	corePoolSize() int
}

// consumeRequest is one batch for a concurrent listener.
type consumeRequest struct {
	s    *concurrentService
	msgs []*MessageExt
	pq   *processQueue
	mq   MessageQueue
}

func runConsumeRequest(r consumeRequest) { r.s.consume(r) }

// concurrentService is Java's ConsumeMessageConcurrentlyService: batches go to an executor of
// consumeThreadMin workers over an unbounded queue; a failed batch goes back to the broker,
// or is consumed again here 5 s later when the broker would not take it.
type concurrentService struct {
	c        *PushConsumer
	listener ConcurrentListener
	exec     *executor[consumeRequest]
	later    *scheduler // ConsumeMessageScheduledThread_
	cleaner  *scheduler // CleanExpireMsgScheduledThread_
	// ctx is the listeners': it ends once Shutdown stops waiting for them.
	ctx    context.Context
	cancel context.CancelFunc
}

func newConcurrentService(c *PushConsumer) *concurrentService {
	s := &concurrentService{c: c, listener: c.cfg.concurrently}
	s.exec = newExecutor(c.cfg.consumeThreadMin, c.cfg.consumeThreadMax, math.MaxInt, runConsumeRequest)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

func (s *concurrentService) start() {
	s.later = startScheduler()
	s.cleaner = startScheduler()
	timeout := s.c.cfg.consumeTimeout
	if timeout > 0 {
		s.cleaner.every(timeout, timeout, s.cleanExpireMsg)
	}
}

// shutdown stops taking batches, lets those already queued run for up to timeout, drops the
// rest (Java's shutdownNow) and waits for the listener calls under way, their context ended.
func (s *concurrentService) shutdown(timeout time.Duration) {
	s.later.stop()
	s.cleaner.stop()
	s.exec.shutdown()
	if !s.exec.awaitTermination(timeout) {
		s.exec.drop()
	}
	s.cancel()
	s.exec.awaitTermination(-1)
}

func (s *concurrentService) corePoolSize() int { return s.c.cfg.consumeThreadMin }

// submitConsumeRequest cuts msgs into batches of consumeMessageBatchMaxSize for the executor.
func (s *concurrentService) submitConsumeRequest(msgs []*MessageExt, pq *processQueue, mq MessageQueue, _ bool) {
	size := s.c.cfg.consumeBatchMaxSize
	for batch := range slices.Chunk(msgs, size) {
		r := consumeRequest{s: s, msgs: slices.Clone(batch), pq: pq, mq: mq}
		if !s.exec.submit(r) {
			// A shut-down executor; Java retries a rejected request 5 s later.
			s.submitLater(r)
		}
	}
}

func (s *concurrentService) submitLater(r consumeRequest) {
	s.later.after(consumeLaterDelay, func() { s.exec.submit(r) })
}

// consume is ConsumeRequest.run.
func (s *concurrentService) consume(r consumeRequest) {
	c := s.c
	if r.pq.isDropped() {
		c.cfg.logger.Info("the message queue not be able to consume, because it's dropped. group="+c.cfg.group, "mq", r.mq)
		return
	}
	cc := newConcurrentlyContext(r.mq)
	c.resetTopic(r.msgs)
	begin := time.Now()
	r.pq.markConsumeStart(r.msgs, begin)
	status, err := callListener(func() (ConsumeConcurrentlyStatus, error) {
		return s.listener(s.ctx, r.msgs, cc)
	})
	rt := time.Since(begin)
	if err != nil {
		c.cfg.logger.Warn("consumeMessage exception: "+err.Error()+" Group: "+c.cfg.group, "mq", r.mq)
		status = ReconsumeLater
	} else if status != ConsumeSuccess && status != ReconsumeLater {
		c.cfg.logger.Warn("consumeMessage return null, Group: "+c.cfg.group, "mq", r.mq)
		status = ReconsumeLater
	}
	c.rb.inst.stats.incConsumeRT(c.cfg.group, r.mq.Topic, rt)
	if r.pq.isDropped() {
		c.cfg.logger.Warn("processQueue is dropped without process consume result.", "mq", r.mq)
		return
	}
	s.processConsumeResult(status, cc, r)
}

// processConsumeResult is processConsumeResult: the messages after the ack index failed; in
// clustering mode they go back to the broker (those it will not take are consumed again here
// later, one reconsume time more), in broadcasting mode they are dropped. The queue's offset
// moves to its first message still cached.
func (s *concurrentService) processConsumeResult(status ConsumeConcurrentlyStatus, cc *ConsumeConcurrentlyContext, r consumeRequest) {
	c := s.c
	stats := c.rb.inst.stats
	ack := cc.AckIndex
	switch status {
	case ConsumeSuccess:
		ack = min(ack, len(r.msgs)-1)
		stats.incConsumeOKTPS(c.cfg.group, r.mq.Topic, ack+1)
		stats.incConsumeFailedTPS(c.cfg.group, r.mq.Topic, len(r.msgs)-ack-1)
	case ReconsumeLater:
		ack = -1
		stats.incConsumeFailedTPS(c.cfg.group, r.mq.Topic, len(r.msgs))
	}
	done := r.msgs
	if c.cfg.messageModel == Broadcasting {
		for _, m := range r.msgs[ack+1:] {
			c.cfg.logger.Warn("BROADCASTING, the message consume failed, drop it", "msgId", m.ClientMsgID())
		}
	} else {
		var failed []*MessageExt
		for _, m := range r.msgs[ack+1:] {
			if err := c.sendMessageBack(s.ctx, m, cc.DelayLevelWhenNextConsume, r.mq.BrokerName); err != nil {
				c.cfg.logger.Error("sendMessageBack exception, group: "+c.cfg.group, "msgId", m.ClientMsgID(), "err", err)
				m.ReconsumeTimes++
				failed = append(failed, m)
			}
		}
		if len(failed) > 0 {
			done = slices.DeleteFunc(slices.Clone(r.msgs), func(m *MessageExt) bool { return slices.Contains(failed, m) })
			s.submitLater(consumeRequest{s: s, msgs: failed, pq: r.pq, mq: r.mq})
		}
	}
	if off := r.pq.removeMessage(done); off >= 0 && !r.pq.isDropped() {
		c.offsets.updateOffset(r.mq, off, true)
	}
}

// cleanExpireMsg is cleanExpireMsg: a message whose consumption started more than the consume
// timeout ago is sent back (delay level 3) and dropped from its queue, at most 16 per queue a
// round.
func (s *concurrentService) cleanExpireMsg() {
	c := s.c
	_, pqs := c.rb.processQueues()
	for _, pq := range pqs {
		for range 16 {
			msg, ok := pq.expiredFirst(c.cfg.consumeTimeout)
			if !ok {
				break
			}
			// A copy: the listener may still be reading the message.
			back := *msg
			back.Properties = maps.Clone(msg.Properties)
			if err := c.sendMessageBack(s.ctx, &back, 3, ""); err != nil {
				c.cfg.logger.Error("send expired msg exception", "err", err)
				break
			}
			c.cfg.logger.Info("send expire msg back. topic=" + msg.Topic + ", msgId=" + msg.ClientMsgID() + ", queueId=" +
				strconv.Itoa(int(msg.QueueID)) + ", queueOffset=" + strconv.FormatInt(msg.QueueOffset, 10))
			pq.removeIfFirst(msg)
		}
	}
}

// consumeMessageDirectly is consumeMessageDirectly: the listener gets the one message, on the
// caller's goroutine, and the result says how it took it.
func (s *concurrentService) consumeMessageDirectly(msg *MessageExt, brokerName string) *protocol.ConsumeMessageDirectlyResult {
	res := &protocol.ConsumeMessageDirectlyResult{AutoCommit: true}
	mq := MessageQueue{Topic: msg.Topic, BrokerName: brokerName, QueueID: int(msg.QueueID)}
	msgs := []*MessageExt{msg}
	s.c.resetTopic(msgs)
	begin := time.Now()
	status, err := callListener(func() (ConsumeConcurrentlyStatus, error) {
		return s.listener(s.ctx, msgs, newConcurrentlyContext(mq))
	})
	switch {
	case err != nil:
		res.ConsumeResult, res.Remark = protocol.CMResultThrowException, err.Error()
	case status == ConsumeSuccess:
		res.ConsumeResult = protocol.CMResultSuccess
	case status == ReconsumeLater:
		res.ConsumeResult = protocol.CMResultLater
	default:
		res.ConsumeResult = protocol.CMResultReturnNull
	}
	res.SpentTimeMills = time.Since(begin).Milliseconds()
	return res
}
