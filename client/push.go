package client

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// PushConsumer receives messages through a listener: Java's DefaultMQPushConsumer. Create it with
// NewPushConsumer, Subscribe, Start it, and Shutdown it. The client instance pulls for it (long
// polling), shares the topics' queues among the group's members, and keeps its offsets.
type PushConsumer struct {
	consumerCore
	consume consumeService
	orderly bool
	paused  atomic.Bool

	// pullThresholdForQueue and pullThresholdSizeForQueue start as configured and are recomputed
	// from the topic thresholds when those are set.
	pullThresholdForQueue atomic.Int64
	pullThresholdSizeMiB  atomic.Int64

	// flowControlTimes and spanFlowControlTimes count the pulls flow control delayed, so that
	// only every thousandth is logged.
	flowControlTimes     atomic.Int64
	spanFlowControlTimes atomic.Int64

	// pulls are the pulls on their way, which Shutdown waits for once it has stopped new ones.
	pullMu   sync.Mutex
	stopping bool
	pulls    sync.WaitGroup

	live atomic.Pointer[context.Context] // ctx, for the methods that do not take mu
}

// NewPushConsumer returns a push consumer in state CREATE_JUST. Nothing is checked or
// connected until Start, as in Java. Without WithGroup the group is DEFAULT_CONSUMER, which
// Start refuses.
func NewPushConsumer(opts ...Option) (*PushConsumer, error) {
	cfg, err := newConsumerConfig(opts)
	if err != nil {
		return nil, err
	}
	c := &PushConsumer{consumerCore: consumerCore{cfg: cfg, kind: "PushConsumer"}}
	c.rb = newRebalancer("", cfg.messageModel, cfg.allocate, c)
	return c, nil
}

// Subscribe subscribes to topic with a tag expression: "*" (or "") for every tag, or tags
// joined by "||" ("TagA || TagB"). A later call for the same topic replaces the expression.
// Called on a running consumer, it sends a heartbeat at once so that the broker knows.
func (c *PushConsumer) Subscribe(topic, expr string) error {
	c.mu.Lock()
	topic = wrapNamespace(c.cfg.namespace, topic)
	c.rb.putSubscription(buildSubscription(topic, expr))
	c.mu.Unlock()
	if inst := c.inst.Load(); inst != nil {
		inst.sendHeartbeatToAllBrokers(context.Background())
	}
	return nil
}

// Unsubscribe drops topic's subscription; its queues are dropped at the next rebalance.
func (c *PushConsumer) Unsubscribe(topic string) {
	c.rb.removeSubscription(wrapNamespace(c.cfg.namespace, topic))
}

// Suspend stops pulling (Java's suspend): queues already cached are still consumed.
func (c *PushConsumer) Suspend() {
	c.paused.Store(true)
	c.cfg.logger.Info("suspend this consumer, " + c.cfg.group)
}

// Resume pulls again and rebalances at once (Java's resume).
func (c *PushConsumer) Resume() {
	c.paused.Store(false)
	c.doRebalance(c.lifeCtx())
	c.cfg.logger.Info("resume this consumer, " + c.cfg.group)
}

// lifeCtx is the consumer's context, or a done one before Start. It does not take c.mu: a
// reset offset resumes the consumer while Shutdown, holding c.mu, waits for the reset.
func (c *PushConsumer) lifeCtx() context.Context {
	if ctx := c.live.Load(); ctx != nil {
		return *ctx
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// checkConfig is DefaultMQPushConsumerImpl.checkConfig, Java's texts and ranges included.
func (c *PushConsumer) checkConfig() error {
	if err := c.checkGroup(); err != nil {
		return err
	}
	cfg := &c.cfg
	fail := func(msg string) error { return clientError(-1, suggestFAQ(msg), nil) }
	switch {
	case cfg.consumeFromWhere == "":
		return fail("consumeFromWhere is null")
	case cfg.concurrently == nil && cfg.orderly == nil:
		return fail("messageListener is null")
	case cfg.consumeThreadMin < 1 || cfg.consumeThreadMin > 1000:
		return fail("consumeThreadMin Out of range [1, 1000]")
	case cfg.consumeThreadMax < 1 || cfg.consumeThreadMax > 1000:
		return fail("consumeThreadMax Out of range [1, 1000]")
	case cfg.consumeThreadMin > cfg.consumeThreadMax:
		return clientError(-1, "consumeThreadMin ("+strconv.Itoa(cfg.consumeThreadMin)+") is larger than consumeThreadMax ("+
			strconv.Itoa(cfg.consumeThreadMax)+")", nil)
	case cfg.maxSpan < 1 || cfg.maxSpan > 65535:
		return fail("consumeConcurrentlyMaxSpan Out of range [1, 65535]")
	case cfg.pullThresholdForQueue < 1 || cfg.pullThresholdForQueue > 65535:
		return fail("pullThresholdForQueue Out of range [1, 65535]")
	case cfg.pullThresholdForTopic != -1 && (cfg.pullThresholdForTopic < 1 || cfg.pullThresholdForTopic > 6553500):
		return fail("pullThresholdForTopic Out of range [1, 6553500]")
	case cfg.pullThresholdSizeMiB < 1 || cfg.pullThresholdSizeMiB > 1024:
		return fail("pullThresholdSizeForQueue Out of range [1, 1024]")
	case cfg.pullThresholdSizeTop != -1 && (cfg.pullThresholdSizeTop < 1 || cfg.pullThresholdSizeTop > 102400):
		return fail("pullThresholdSizeForTopic Out of range [1, 102400]")
	case cfg.pullInterval < 0 || cfg.pullInterval > 65535*time.Millisecond:
		return fail("pullInterval Out of range [0, 65535]")
	case cfg.consumeBatchMaxSize < 1 || cfg.consumeBatchMaxSize > 1024:
		return fail("consumeMessageBatchMaxSize Out of range [1, 1024]")
	case cfg.pullBatchSize < 1 || cfg.pullBatchSize > 1024:
		return fail("pullBatchSize Out of range [1, 1024]")
	}
	return nil
}

// Start is DefaultMQPushConsumerImpl.start: check the configuration, add the retry topic's
// subscription (clustering), join (or create and start) the client instance of the client id,
// then fetch the subscribed topics' routes, send a round of heartbeats and wake the rebalance
// up. A failed check leaves the consumer START_FAILED for good; a duplicate group leaves it
// CREATE_JUST so that it can start once its group is changed (SetGroup).
func (c *PushConsumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.State(); s != StateCreateJust {
		return c.startError(s)
	}
	c.state.Store(int32(StateStartFailed))
	if c.cfg.namespace != "" {
		c.cfg.group = wrapNamespace(c.cfg.namespace, c.cfg.group)
	}
	if err := c.checkConfig(); err != nil {
		return err
	}
	c.rb.group = c.cfg.group
	if c.cfg.messageModel == Clustering {
		// copySubscription: a clustering member also consumes the group's retry topic.
		c.rb.putSubscription(buildSubscription(retryTopicPrefix+c.cfg.group, SubAll))
	}
	c.startTime = time.Now()
	c.pullThresholdForQueue.Store(int64(c.cfg.pullThresholdForQueue))
	c.pullThresholdSizeMiB.Store(int64(c.cfg.pullThresholdSizeMiB))
	c.orderly = c.cfg.orderly != nil
	inst, err := c.join(c, func(inst *instance) error {
		c.rb.inst = inst
		c.offsets = c.newOffsetStore(inst)
		if err := c.offsets.load(); err != nil {
			return err
		}
		c.ctx, c.cancel = context.WithCancel(context.Background())
		c.live.Store(&c.ctx)
		if c.orderly {
			c.consume = newOrderlyService(c)
		} else {
			c.consume = newConcurrentService(c)
		}
		c.consume.start()
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrGroupExists) {
			c.state.Store(int32(StateCreateJust))
			c.rb.removeSubscription(retryTopicPrefix + c.cfg.group)
		}
		return err
	}
	if err := inst.start(); err != nil {
		// Java leaves the consumer registered in the failed instance; it is dropped here.
		c.consume.shutdown(0)
		c.cancel()
		inst.releaseConsumer(c.cfg.group)
		return err
	}
	c.inst.Store(inst)
	c.state.Store(int32(StateRunning))
	for _, topic := range c.rb.topics() {
		_, _ = inst.updateRoute(c.ctx, topic, nil)
	}
	inst.sendHeartbeatToAllBrokers(c.ctx)
	inst.rebalanceImmediately()
	return nil
}

// Shutdown is DefaultMQPushConsumerImpl.shutdown: a RUNNING consumer stops pulling, stops its
// consume service (WithShutdownTimeout: how long consume requests already queued may still
// run; those that have not run by then are dropped, and listener calls under way are waited
// for with their context ended), persists its offsets, unregisters its group from every broker
// and leaves the client instance, which stops when its last user leaves. In any other state it
// does nothing.
func (c *PushConsumer) Shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.State() != StateRunning {
		return
	}
	inst := c.inst.Load()
	c.pullMu.Lock()
	c.stopping = true
	c.pullMu.Unlock()
	c.cancel()
	// Before the consume service unlocks the queues: a round still locking one adds it first.
	c.rb.close()
	c.pulls.Wait()
	c.consume.shutdown(c.cfg.shutdownTimeout)
	// The offsets go out on a context of their own: the consumer's has ended.
	c.persistOffsets(context.Background())
	inst.releaseConsumer(c.cfg.group)
	c.rb.destroy()
	c.state.Store(int32(StateShutdownAlready))
}

// The consumerInner half.

func (c *PushConsumer) groupName() string                 { return c.cfg.group }
func (c *PushConsumer) consumeType() protocol.ConsumeType { return protocol.ConsumePassively }
func (c *PushConsumer) subscribedTopics() []string        { return c.rb.topics() }

func (c *PushConsumer) heartbeatData() protocol.ConsumerData {
	return protocol.ConsumerData{
		GroupName: c.cfg.group, ConsumeType: protocol.ConsumePassively, MessageModel: c.cfg.messageModel,
		ConsumeFromWhere: c.cfg.consumeFromWhere, SubscriptionDataSet: c.rb.subscriptions(),
	}
}

func (c *PushConsumer) doRebalance(ctx context.Context) {
	if !c.paused.Load() {
		c.rb.doRebalance(ctx, c.orderly)
	}
}

// persistConsumerOffset persists the offsets of the queues it consumes (and, for the broker,
// forgets the others), when running.
func (c *PushConsumer) persistConsumerOffset(ctx context.Context) {
	if _, err := c.running(); err != nil {
		c.cfg.logger.Error("group: "+c.cfg.group+" persistConsumerOffset exception", "err", err)
		return
	}
	c.persistOffsets(ctx)
}

func (c *PushConsumer) persistOffsets(ctx context.Context) {
	mqs, _ := c.rb.processQueues()
	c.offsets.persistAll(ctx, mqs)
}

func (c *PushConsumer) updateTopicSubscribeInfo(topic string, mqs []MessageQueue) {
	c.rb.updateSubscribeInfo(topic, mqs)
}

func (c *PushConsumer) isSubscribeTopicNeedUpdate(topic string) bool {
	return c.rb.needsSubscribeInfo(topic)
}

func (c *PushConsumer) offsetTable(topic string) map[MessageQueue]int64 {
	return c.offsets.cloneOffsetTable(topic)
}

// runningInfo is consumerRunningInfo: settings, subscriptions, each queue's progress and the
// rates of each subscribed topic.
func (c *PushConsumer) runningInfo() *protocol.ConsumerRunningInfo {
	info := &protocol.ConsumerRunningInfo{
		Properties: c.javaProperties(map[string]string{
			protocol.RunningInfoConsumeOrderly:   strconv.FormatBool(c.orderly),
			protocol.RunningInfoThreadPoolSize:   strconv.Itoa(c.consume.corePoolSize()),
			"consumeThreadMin":                   strconv.Itoa(c.cfg.consumeThreadMin),
			"consumeThreadMax":                   strconv.Itoa(c.cfg.consumeThreadMax),
			"consumeConcurrentlyMaxSpan":         strconv.Itoa(c.cfg.maxSpan),
			"consumeMessageBatchMaxSize":         strconv.Itoa(c.cfg.consumeBatchMaxSize),
			"pullInterval":                       javaMillis(c.cfg.pullInterval),
			"pullThresholdForTopic":              strconv.Itoa(c.cfg.pullThresholdForTopic),
			"pullThresholdSizeForTopic":          strconv.Itoa(c.cfg.pullThresholdSizeTop),
			"postSubscriptionWhenPull":           strconv.FormatBool(c.cfg.postSubscription),
			"maxReconsumeTimes":                  strconv.Itoa(c.cfg.maxReconsumeTimes),
			"suspendCurrentQueueTimeMillis":      javaMillis(c.cfg.suspendCurrentQueue),
			"consumeTimeout":                     strconv.FormatInt(int64(c.cfg.consumeTimeout/time.Minute), 10),
			"awaitTerminationMillisWhenShutdown": javaMillis(c.cfg.shutdownTimeout),
			"consumeTimestamp":                   c.cfg.consumeTimestamp.Format("20060102150405"),
		}),
		SubscriptionSet: c.rb.subscriptions(),
		MQTable:         map[protocol.MessageQueue]protocol.ProcessQueueInfo{},
		StatusTable:     map[string]protocol.ConsumeStatus{},
	}
	mqs, pqs := c.rb.processQueues()
	for _, mq := range mqs {
		commit := c.offsets.readOffset(context.Background(), mq, memoryFirstThenStore)
		info.MQTable[mq.proto()] = pqs[mq].info(commit)
	}
	inst := c.inst.Load()
	for _, sd := range info.SubscriptionSet {
		info.StatusTable[sd.Topic] = inst.stats.consumeStatus(c.cfg.group, sd.Topic)
	}
	return info
}

// The rebalanceHooks half: RebalancePushImpl.

// messageQueueChanged stamps the topic's subscription with a new version, recomputes the
// per-queue thresholds from the topic ones, and sends heartbeats so that the broker sees the
// new subscription.
func (c *PushConsumer) messageQueueChanged(ctx context.Context, topic string, _, _ []MessageQueue) {
	c.rb.setSubVersion(topic, time.Now().UnixMilli())
	mqs, _ := c.rb.processQueues()
	if n := len(mqs); n > 0 {
		if t := c.cfg.pullThresholdForTopic; t != -1 {
			c.pullThresholdForQueue.Store(int64(max(1, t/n)))
		}
		if t := c.cfg.pullThresholdSizeTop; t != -1 {
			c.pullThresholdSizeMiB.Store(int64(max(1, t/n)))
		}
	}
	c.rb.inst.sendHeartbeatAfterRound(ctx)
}

// removeUnnecessaryMessageQueue persists the queue's offset and forgets it; an orderly
// clustering consumer also unlocks the queue, once no batch of it is being consumed (later when
// messages are still cached, WithUnlockDelay).
func (c *PushConsumer) removeUnnecessaryMessageQueue(ctx context.Context, mq MessageQueue, pq *processQueue) bool {
	c.offsets.persist(ctx, mq)
	c.offsets.removeOffset(mq)
	if !c.orderly || c.cfg.messageModel != Clustering {
		return true
	}
	if !tryLock(ctx, pq.consumeLock, consumeLockWait) {
		c.cfg.logger.Warn("[WRONG]mq is consuming, so can not unlock it, " + mq.javaString() + ". maybe hanged for a while, " +
			strconv.FormatInt(pq.tryUnlockTimes.Load(), 10))
		pq.tryUnlockTimes.Add(1)
		return false
	}
	defer unlock(pq.consumeLock)
	inst := c.rb.inst
	if pq.hasTempMessage() {
		inst.pull.executeTaskLater(func() { c.rb.unlock(context.Background(), mq, true) }, c.cfg.unlockDelay)
	} else {
		c.rb.unlock(ctx, mq, true)
	}
	return true
}

func (c *PushConsumer) removeDirtyOffset(mq MessageQueue) { c.offsets.removeOffset(mq) }

func (c *PushConsumer) computePullFromWhere(ctx context.Context, mq MessageQueue) (int64, error) {
	return c.consumerCore.computePullFromWhere(ctx, c.rb.inst, mq, readFromStore)
}

func (c *PushConsumer) dispatchPullRequests(reqs []*pullRequest) {
	for _, r := range reqs {
		c.rb.inst.pull.executeImmediately(r)
	}
}

// Snapshot returns a copy of what the consumer knows: its instance's view and its own queues.
type ConsumerSnapshot struct {
	Group string
	State State
	// Queues are the queues this member consumes, with their process-queue state.
	Queues map[MessageQueue]protocol.ProcessQueueInfo
	// Offsets are the consumed offsets in memory.
	Offsets map[MessageQueue]int64
	// Subscriptions are the subscribed topics' expressions, the retry topic included.
	Subscriptions map[string]string
}

// Consumption returns what the consumer consumes now.
func (c *PushConsumer) Consumption() ConsumerSnapshot {
	s := ConsumerSnapshot{Group: c.Group(), State: c.State(), Queues: map[MessageQueue]protocol.ProcessQueueInfo{},
		Subscriptions: map[string]string{}}
	for _, sd := range c.rb.subscriptions() {
		s.Subscriptions[sd.Topic] = sd.SubString
	}
	if c.offsets != nil {
		s.Offsets = c.offsets.cloneOffsetTable("")
	}
	mqs, pqs := c.rb.processQueues()
	for _, mq := range mqs {
		s.Queues[mq] = pqs[mq].info(s.Offsets[mq])
	}
	return s
}
