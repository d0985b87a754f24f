package client

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// orderlyRequest is one queue's turn for an orderly listener.
type orderlyRequest struct {
	s  *orderlyService
	pq *processQueue
	mq MessageQueue
}

func runOrderlyRequest(r orderlyRequest) { r.s.consume(r) }

// orderlyService is Java's ConsumeMessageOrderlyService: a queue is consumed by one worker at a
// time (a lock per queue), in offset order, one batch after another, and in clustering mode
// only while this member holds the queue's broker lock, which it renews every lock interval. A
// batch the listener suspends is taken again after a pause, its messages' reconsume times one
// more; past the reconsume limit it goes to %RETRY%group (and so, at the broker, to
// %DLQ%group).
type orderlyService struct {
	c        *PushConsumer
	listener OrderlyListener
	exec     *executor[orderlyRequest]
	later    *scheduler // ConsumeMessageScheduledThread_: lockMQPeriodically and the retries

	queueLocks sync.Map // MessageQueue -> *sync.Mutex: MessageQueueLock

	// stopLock is Java's synchronized lockMQPeriodically and lockOneMQ, and shutdown takes it
	// too, so that no lock is taken after its unlockAll. A channel lock: its holder waits for
	// LOCK_BATCH_MQ answers, and a shutdown waiting for it in a testing/synctest bubble must be
	// durably blocked for the bubble's clock to bring those answers.
	stopLock chan struct{}
	stopped  bool

	ctx    context.Context
	cancel context.CancelFunc
}

func newOrderlyService(c *PushConsumer) *orderlyService {
	s := &orderlyService{c: c, listener: c.cfg.orderly, stopLock: make(chan struct{}, 1)}
	s.exec = newExecutor(c.cfg.consumeThreadMin, c.cfg.consumeThreadMax, math.MaxInt, runOrderlyRequest)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

func (s *orderlyService) start() {
	s.later = startScheduler()
	if s.c.cfg.messageModel == Clustering && s.c.cfg.lockInterval > 0 {
		s.later.every(time.Second, s.c.cfg.lockInterval, s.lockMQPeriodically)
	}
}

// shutdown is shutdown: no more locking, the executor as the concurrent one's, then every
// queue unlocked (clustering).
func (s *orderlyService) shutdown(timeout time.Duration) {
	s.stopLock <- struct{}{}
	s.stopped = true
	unlock(s.stopLock)
	s.later.stop()
	s.exec.shutdown()
	if !s.exec.awaitTermination(timeout) {
		s.exec.drop()
	}
	s.cancel()
	s.exec.awaitTermination(-1)
	if s.c.cfg.messageModel == Clustering {
		s.c.rb.unlockAll(context.Background(), false)
	}
}

func (s *orderlyService) corePoolSize() int { return s.c.cfg.consumeThreadMin }

func (s *orderlyService) lockMQPeriodically() {
	s.stopLock <- struct{}{}
	defer unlock(s.stopLock)
	if !s.stopped {
		s.c.rb.lockAll(s.ctx)
	}
}

func (s *orderlyService) lockOneMQ(mq MessageQueue) bool {
	s.stopLock <- struct{}{}
	defer unlock(s.stopLock)
	return !s.stopped && s.c.rb.lock(s.ctx, mq)
}

// submitConsumeRequest gives the queue a turn unless one is already on its way.
func (s *orderlyService) submitConsumeRequest(_ []*MessageExt, pq *processQueue, mq MessageQueue, dispatch bool) {
	if dispatch {
		s.exec.submit(orderlyRequest{s: s, pq: pq, mq: mq})
	}
}

// tryLockLaterAndReconsume locks the queue after delay and gives it a turn, soon when the lock
// was taken, 3 s later when not.
func (s *orderlyService) tryLockLaterAndReconsume(mq MessageQueue, pq *processQueue, delay time.Duration) {
	s.later.after(delay, func() {
		if s.lockOneMQ(mq) {
			s.submitLater(pq, mq, 10*time.Millisecond)
		} else {
			s.submitLater(pq, mq, 3*time.Second)
		}
	})
}

// submitLater is submitConsumeRequestLater: -1 is the consumer's suspend time; the pause is kept
// between 10 ms and 30 s.
func (s *orderlyService) submitLater(pq *processQueue, mq MessageQueue, d time.Duration) {
	if d == -1 {
		d = s.c.cfg.suspendCurrentQueue
	}
	d = min(max(d, 10*time.Millisecond), 30*time.Second)
	s.later.after(d, func() { s.submitConsumeRequest(nil, pq, mq, true) })
}

func (s *orderlyService) queueLock(mq MessageQueue) *sync.Mutex {
	l, _ := s.queueLocks.LoadOrStore(mq, &sync.Mutex{})
	return l.(*sync.Mutex)
}

// consume is ConsumeRequest.run: batches of the queue until it is empty, its lock is lost or
// expired, or it has been consumed for a minute without a break (then it yields its worker).
func (s *orderlyService) consume(r orderlyRequest) {
	c := s.c
	if r.pq.isDropped() {
		c.cfg.logger.Warn("run, the message queue not be able to consume, because it's dropped.", "mq", r.mq)
		return
	}
	l := s.queueLock(r.mq)
	l.Lock()
	defer l.Unlock()
	clustering := c.cfg.messageModel == Clustering
	if clustering && (!r.pq.isLocked() || r.pq.isLockExpired(c.cfg.lockExpiry)) {
		if r.pq.isDropped() {
			c.cfg.logger.Warn("the message queue not be able to consume, because it's dropped.", "mq", r.mq)
			return
		}
		s.tryLockLaterAndReconsume(r.mq, r.pq, 100*time.Millisecond)
		return
	}
	begin := time.Now()
	for {
		if r.pq.isDropped() {
			c.cfg.logger.Warn("the message queue not be able to consume, because it's dropped.", "mq", r.mq)
			return
		}
		if clustering && !r.pq.isLocked() {
			c.cfg.logger.Warn("the message queue not locked, so consume later", "mq", r.mq)
			s.tryLockLaterAndReconsume(r.mq, r.pq, 10*time.Millisecond)
			return
		}
		if clustering && r.pq.isLockExpired(c.cfg.lockExpiry) {
			c.cfg.logger.Warn("the message queue lock expired, so consume later", "mq", r.mq)
			s.tryLockLaterAndReconsume(r.mq, r.pq, 10*time.Millisecond)
			return
		}
		if time.Since(begin) > maxTimeConsumeContinuously {
			s.submitLater(r.pq, r.mq, 10*time.Millisecond)
			return
		}
		msgs := r.pq.takeMessages(c.cfg.consumeBatchMaxSize)
		c.resetTopic(msgs)
		if len(msgs) == 0 {
			return
		}
		oc := &ConsumeOrderlyContext{MessageQueue: r.mq, AutoCommit: true, SuspendCurrentQueueTime: -1}
		start := time.Now()
		if !lockCtx(s.ctx, r.pq.consumeLock) {
			r.pq.makeMessageToConsumeAgain(msgs)
			return
		}
		if r.pq.isDropped() {
			unlock(r.pq.consumeLock)
			c.cfg.logger.Warn("consumeMessage, the message queue not be able to consume, because it's dropped.", "mq", r.mq)
			return
		}
		status, err := callListener(func() (ConsumeOrderlyStatus, error) { return s.listener(s.ctx, msgs, oc) })
		unlock(r.pq.consumeLock)
		if err != nil {
			c.cfg.logger.Warn("consumeMessage exception: "+err.Error()+" Group: "+c.cfg.group, "mq", r.mq)
			status = SuspendCurrentQueueAMoment
		} else if status < ConsumeOrderlySuccess || status > SuspendCurrentQueueAMoment {
			status = SuspendCurrentQueueAMoment
		}
		if status != ConsumeOrderlySuccess && status != ConsumeOrderlyCommit {
			c.cfg.logger.Warn("consumeMessage Orderly return not OK, Group: "+c.cfg.group, "mq", r.mq)
		}
		c.rb.inst.stats.incConsumeRT(c.cfg.group, r.mq.Topic, time.Since(start))
		if !s.processConsumeResult(msgs, status, oc, r) {
			return
		}
	}
}

// processConsumeResult is processConsumeResult; it reports whether the queue goes on.
func (s *orderlyService) processConsumeResult(msgs []*MessageExt, status ConsumeOrderlyStatus, oc *ConsumeOrderlyContext, r orderlyRequest) bool {
	c := s.c
	stats := c.rb.inst.stats
	goOn := true
	commit := int64(-1)
	suspend := func() {
		stats.incConsumeFailedTPS(c.cfg.group, r.mq.Topic, len(msgs))
		if s.checkReconsumeTimes(msgs) {
			r.pq.makeMessageToConsumeAgain(msgs)
			s.submitLater(r.pq, r.mq, oc.SuspendCurrentQueueTime)
			goOn = false
		} else if oc.AutoCommit {
			commit = r.pq.commit()
		}
	}
	if oc.AutoCommit {
		switch status {
		case ConsumeOrderlyCommit, ConsumeOrderlyRollback:
			c.cfg.logger.Warn("the message queue consume result is illegal, we think you want to ack these message", "mq", r.mq)
			fallthrough
		case ConsumeOrderlySuccess:
			commit = r.pq.commit()
			stats.incConsumeOKTPS(c.cfg.group, r.mq.Topic, len(msgs))
		case SuspendCurrentQueueAMoment:
			suspend()
		}
	} else {
		switch status {
		case ConsumeOrderlySuccess:
			stats.incConsumeOKTPS(c.cfg.group, r.mq.Topic, len(msgs))
		case ConsumeOrderlyCommit:
			commit = r.pq.commit()
		case ConsumeOrderlyRollback:
			r.pq.rollback()
			s.submitLater(r.pq, r.mq, oc.SuspendCurrentQueueTime)
			goOn = false
		case SuspendCurrentQueueAMoment:
			suspend()
		}
	}
	if commit >= 0 && !r.pq.isDropped() {
		c.offsets.updateOffset(r.mq, commit, false)
	}
	return goOn
}

// maxReconsumeTimes is the orderly path's getMaxReconsumeTimes: -1 is no limit.
func (s *orderlyService) maxReconsumeTimes() int {
	if s.c.cfg.maxReconsumeTimes == -1 {
		return math.MaxInt32
	}
	return s.c.cfg.maxReconsumeTimes
}

// checkReconsumeTimes is checkReconsumeTimes: a message at the limit goes to %RETRY%group (the
// broker moves it to %DLQ%group); the others, and one that could not be sent, are consumed
// again, one reconsume time more. It reports whether the batch is to be consumed again.
func (s *orderlyService) checkReconsumeTimes(msgs []*MessageExt) bool {
	again := false
	for _, m := range msgs {
		if int(m.ReconsumeTimes) >= s.maxReconsumeTimes() {
			m.SetProperty(protocol.PropertyReconsumeTime, strconv.Itoa(int(m.ReconsumeTimes)))
			if err := s.sendMessageBack(m); err != nil {
				s.c.cfg.logger.Error("sendMessageBack exception, group: "+s.c.cfg.group, "msgId", m.ClientMsgID(), "err", err)
				again = true
				m.ReconsumeTimes++
			}
		} else {
			again = true
			m.ReconsumeTimes++
		}
	}
	return again
}

// sendMessageBack is the orderly one: straight to %RETRY%group through the inner producer,
// with the message's reconsume times as they are.
func (s *orderlyService) sendMessageBack(msg *MessageExt) error {
	c := s.c
	retry := newRetryMessage(msg, c.cfg.group, wrapNamespace(c.cfg.namespace, msg.Topic), s.maxReconsumeTimes())
	retry.SetProperty(protocol.PropertyReconsumeTime, strconv.Itoa(int(msg.ReconsumeTimes)))
	retry.SetDelayLevel(3 + int(msg.ReconsumeTimes))
	_, err := c.rb.inst.inner.Send(s.ctx, retry)
	return err
}

// consumeMessageDirectly is the orderly one: the result says the listener's status and
// whether its context asked for auto commit.
func (s *orderlyService) consumeMessageDirectly(msg *MessageExt, brokerName string) *protocol.ConsumeMessageDirectlyResult {
	res := &protocol.ConsumeMessageDirectlyResult{Order: true}
	mq := MessageQueue{Topic: msg.Topic, BrokerName: brokerName, QueueID: int(msg.QueueID)}
	msgs := []*MessageExt{msg}
	s.c.resetTopic(msgs)
	oc := &ConsumeOrderlyContext{MessageQueue: mq, AutoCommit: true, SuspendCurrentQueueTime: -1}
	begin := time.Now()
	status, err := callListener(func() (ConsumeOrderlyStatus, error) { return s.listener(s.ctx, msgs, oc) })
	switch {
	case err != nil:
		res.ConsumeResult, res.Remark = protocol.CMResultThrowException, err.Error()
	case status == ConsumeOrderlyCommit:
		res.ConsumeResult = protocol.CMResultCommit
	case status == ConsumeOrderlyRollback:
		res.ConsumeResult = protocol.CMResultRollback
	case status == ConsumeOrderlySuccess:
		res.ConsumeResult = protocol.CMResultSuccess
	case status == SuspendCurrentQueueAMoment:
		res.ConsumeResult = protocol.CMResultLater
	default:
		res.ConsumeResult = protocol.CMResultReturnNull
	}
	res.AutoCommit = oc.AutoCommit
	res.SpentTimeMills = time.Since(begin).Milliseconds()
	return res
}
