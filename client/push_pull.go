package client

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// pullMessage is DefaultMQPushConsumerImpl.pullMessage: unless the queue is dropped, the
// consumer not running or suspended, or flow control holds it back (too many or too large
// messages cached, too wide a span; an orderly queue not locked yet), one async pull with long
// polling, whose answer feeds the consume service and puts the request back in the queue.
func (c *PushConsumer) pullMessage(r *pullRequest) {
	pq := r.pq
	if pq.isDropped() {
		c.cfg.logger.Info("the pull request[" + r.String() + "] is dropped.")
		return
	}
	pq.lastPull.Store(time.Now().UnixNano())
	inst := c.rb.inst
	ps := inst.pull
	if _, err := c.running(); err != nil {
		c.cfg.logger.Warn("pullMessage exception, consumer state not ok", "err", err)
		ps.executeLater(r, c.cfg.pullExceptionDelay)
		return
	}
	if c.paused.Load() {
		c.cfg.logger.Warn("consumer was paused, execute pull request later. instanceName=" + c.cfg.instanceName + ", group=" + c.cfg.group)
		ps.executeLater(r, pullDelayWhenSuspended)
		return
	}
	count := pq.msgCount.Load()
	sizeMiB := pq.msgSize.Load() / (1 << 20)
	if limit := c.pullThresholdForQueue.Load(); count > limit {
		ps.executeLater(r, pullDelayWhenFlowControl)
		if c.flowControlTimes.Add(1)%1000 == 1 {
			first, last := pq.cachedRange()
			c.cfg.logger.Warn("the cached message count exceeds the threshold "+strconv.FormatInt(limit, 10)+", so do flow control",
				"minOffset", first, "maxOffset", last, "count", count, "sizeMiB", sizeMiB, "pullRequest", r.String(),
				"flowControlTimes", c.flowControlTimes.Load())
		}
		return
	}
	if limit := c.pullThresholdSizeMiB.Load(); sizeMiB > limit {
		ps.executeLater(r, pullDelayWhenFlowControl)
		if c.flowControlTimes.Add(1)%1000 == 1 {
			first, last := pq.cachedRange()
			c.cfg.logger.Warn("the cached message size exceeds the threshold "+strconv.FormatInt(limit, 10)+" MiB, so do flow control",
				"minOffset", first, "maxOffset", last, "count", count, "sizeMiB", sizeMiB, "pullRequest", r.String(),
				"flowControlTimes", c.flowControlTimes.Load())
		}
		return
	}
	if !c.orderly {
		if span := pq.maxSpan(); span > int64(c.cfg.maxSpan) {
			ps.executeLater(r, pullDelayWhenFlowControl)
			if c.spanFlowControlTimes.Add(1)%1000 == 1 {
				first, last := pq.cachedRange()
				c.cfg.logger.Warn("the queue's messages, span too long, so do flow control", "minOffset", first, "maxOffset", last,
					"maxSpan", span, "pullRequest", r.String(), "flowControlTimes", c.spanFlowControlTimes.Load())
			}
			return
		}
	} else if pq.isLocked() {
		if !r.previouslyLocked {
			// The first pull since the lock was taken starts where the broker says the group is.
			off, err := c.computePullFromWhere(c.ctx, r.mq)
			if err != nil {
				ps.executeLater(r, c.cfg.pullExceptionDelay)
				c.cfg.logger.Error("Failed to compute pull offset, pullResult: "+r.String(), "err", err)
				return
			}
			busy := off < r.nextOffset
			c.cfg.logger.Info("the first time to pull message, so fix offset from broker. pullRequest: "+r.String(),
				"NewOffset", off, "brokerBusy", busy)
			r.previouslyLocked = true
			r.nextOffset = off
		}
	} else {
		ps.executeLater(r, c.cfg.pullExceptionDelay)
		c.cfg.logger.Info("pull message later because not locked in broker, " + r.String())
		return
	}
	sd, ok := c.rb.subscription(r.mq.Topic)
	if !ok {
		ps.executeLater(r, c.cfg.pullExceptionDelay)
		c.cfg.logger.Warn("find the consumer's subscription failed, " + r.String())
		return
	}
	var commitOffset int64
	commit := false
	if c.cfg.messageModel == Clustering {
		if commitOffset = c.offsets.readOffset(c.ctx, r.mq, readFromMemory); commitOffset > 0 {
			commit = true
		}
	}
	subExpr := ""
	if c.cfg.postSubscription && !sd.ClassFilterMode {
		subExpr = sd.SubString
	}
	sysFlag := protocol.PullSysFlagSuspend
	if commit {
		sysFlag |= protocol.PullSysFlagCommitOffset
	}
	if subExpr != "" {
		sysFlag |= protocol.PullSysFlagSubscription
	}
	addr, req, err := c.pullTarget(c.ctx, inst, pullArgs{
		mq: r.mq, subExpression: subExpr, expressionType: sd.ExpressionType, subVersion: sd.SubVersion,
		offset: r.nextOffset, maxNums: c.cfg.pullBatchSize, sysFlag: sysFlag, commitOffset: commitOffset,
		brokerSuspend: brokerSuspendMaxTime,
	})
	if err != nil {
		c.cfg.logger.Error("pullKernelImpl exception", "err", err)
		ps.executeLater(r, c.cfg.pullExceptionDelay)
		return
	}
	if !c.startPull() {
		return
	}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(c.ctx, consumerTimeoutWhenSuspend)
	inst.rc.InvokeAsync(ctx, addr, req, func(resp *remoting.Command, err error) {
		defer c.pulls.Done()
		cancel()
		var res *pullResult
		if err != nil {
			err = transportError(addr, err)
		} else if res, err = processPullResponse(resp, addr); err == nil {
			err = c.processPullResult(r.mq, res, &sd)
		}
		if err != nil {
			c.onPullException(r, err)
			return
		}
		c.onPullResult(r, res, begin)
	})
}

// startPull counts a pull on its way, unless Shutdown has begun.
func (c *PushConsumer) startPull() bool {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	if c.stopping {
		return false
	}
	c.pulls.Add(1)
	return true
}

// onPullResult is PullCallback.onSuccess.
func (c *PushConsumer) onPullResult(r *pullRequest, res *pullResult, begin time.Time) {
	inst := c.rb.inst
	ps := inst.pull
	switch res.status {
	case pullFound:
		prev := r.nextOffset
		r.nextOffset = res.nextBeginOffset
		inst.stats.incPullRT(c.cfg.group, r.mq.Topic, time.Since(begin))
		first := int64(-1)
		if len(res.msgs) == 0 {
			ps.executeImmediately(r)
		} else {
			first = res.msgs[0].QueueOffset
			inst.stats.incPullTPS(c.cfg.group, r.mq.Topic, len(res.msgs))
			dispatch := r.pq.putMessage(res.msgs)
			c.consume.submitConsumeRequest(res.msgs, r.pq, r.mq, dispatch)
			if c.cfg.pullInterval > 0 {
				ps.executeLater(r, c.cfg.pullInterval)
			} else {
				ps.executeImmediately(r)
			}
		}
		if res.nextBeginOffset < prev || (first >= 0 && first < prev) {
			c.cfg.logger.Warn("[BUG] pull message result maybe data wrong", "nextBeginOffset", res.nextBeginOffset,
				"firstMsgOffset", first, "prevRequestOffset", prev)
		}
	case pullNoNewMsg, pullNoMatchedMsg:
		r.nextOffset = res.nextBeginOffset
		// correctTagsOffset: with nothing cached, the offset can move past what was filtered out.
		if r.pq.msgCount.Load() == 0 {
			c.offsets.updateOffset(r.mq, r.nextOffset, true)
		}
		ps.executeImmediately(r)
	case pullOffsetIllegal:
		c.cfg.logger.Warn("the pull request offset illegal", "pullRequest", r.String(), "nextBeginOffset", res.nextBeginOffset)
		r.nextOffset = res.nextBeginOffset
		r.pq.setDropped()
		ps.executeTaskLater(func() {
			ctx := context.Background()
			c.offsets.updateOffset(r.mq, r.nextOffset, false)
			c.offsets.persist(ctx, r.mq)
			c.rb.removeProcessQueue(ctx, r.mq)
			c.cfg.logger.Warn("fix the pull request offset, " + r.String())
		}, offsetIllegalFixDelay)
	}
}

// onPullException is PullCallback.onException: the request is tried again later, soon after
// the broker's flow control.
func (c *PushConsumer) onPullException(r *pullRequest, err error) {
	if len(r.mq.Topic) < len(retryTopicPrefix) || r.mq.Topic[:len(retryTopicPrefix)] != retryTopicPrefix {
		c.cfg.logger.Warn("execute the pull request exception", "pullRequest", r.String(), "err", err)
	}
	var be *BrokerError
	if errors.As(err, &be) && be.Code == remoting.FlowControl {
		c.rb.inst.pull.executeLater(r, pullDelayWhenBrokerFlowControl)
		return
	}
	c.rb.inst.pull.executeLater(r, c.cfg.pullExceptionDelay)
}
