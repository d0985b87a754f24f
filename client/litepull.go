package client

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// ErrSubscriptionConflict matches the error of Subscribe after Assign or the other way round
// (Java: "Subscribe and assign are mutually exclusive.").
var ErrSubscriptionConflict error = javaText("Subscribe and assign are mutually exclusive.")

// ErrConsumerNotRunning is the error of a lite pull consumer's calls before Start or after
// Shutdown (Java's IllegalStateException "The consumer not running, please start it first.").
var ErrConsumerNotRunning error = javaText("The consumer not running, please start it first.")

type subscriptionType int

const (
	subscriptionNone subscriptionType = iota
	subscriptionSubscribe
	subscriptionAssign
)

// LitePullConsumer is Java's DefaultLitePullConsumer: the application asks for messages with
// Poll. Queues come from Subscribe (shared among the group's members by rebalance) or Assign
// (chosen by the application); pulling runs in the background, WithPullGoroutines queues at a
// time, into a cache Poll takes from. What Poll returned is committed by itself
// (WithAutoCommit) or by Commit, and persisted every 5 s and at Shutdown. Its client id ends
// with "@STREAM", as Java's.
type LitePullConsumer struct {
	consumerCore

	smu        sync.Mutex // Java's synchronized methods, Poll excepted
	subType    subscriptionType
	assigned   *assignedQueues
	tasks      map[MessageQueue]*pullTask
	assignExpr map[string]string // setSubExpressionForAssign

	cache    *requestCache
	pullSem  chan struct{} // pullThreadNums
	taskWG   sync.WaitGroup
	queueMu  sync.Map // MessageQueue -> *sync.Mutex: MessageQueueLock
	pollMu   sync.Mutex
	nextAuto time.Time

	flowControlTimes     int64 // under pollMu-free atomics would be overkill: logs only
	spanFlowControlTimes int64
	flowMu               sync.Mutex
}

// NewLitePullConsumer returns a lite pull consumer in state CREATE_JUST (pull batch size 10 by
// default, as Java's).
func NewLitePullConsumer(opts ...Option) (*LitePullConsumer, error) {
	cfg, err := newConsumerConfig(append([]Option{func(c *config) {
		c.pullBatchSize = DefaultLitePullBatchSize
		c.streamRequestType = true
	}}, opts...))
	if err != nil {
		return nil, err
	}
	c := &LitePullConsumer{
		consumerCore: consumerCore{cfg: cfg, kind: "PullConsumer"},
		assigned:     newAssignedQueues(), tasks: make(map[MessageQueue]*pullTask), assignExpr: make(map[string]string),
		cache: newRequestCache(), pullSem: make(chan struct{}, cfg.pullThreadNums),
	}
	c.rb = newRebalancer("", cfg.messageModel, cfg.allocate, c)
	c.assigned.rb = c.rb
	return c, nil
}

func (c *LitePullConsumer) setSubscriptionType(t subscriptionType) error {
	switch c.subType {
	case subscriptionNone:
		c.subType = t
	case t:
	default:
		return ErrSubscriptionConflict
	}
	return nil
}

// Subscribe subscribes to topic with a tag expression, as PushConsumer.Subscribe; the group's
// members share its queues. It cannot be mixed with Assign.
func (c *LitePullConsumer) Subscribe(topic, expr string) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if topic == "" {
		return clientError(-1, "subscribe exception", javaText("Topic can not be null or empty."))
	}
	if err := c.setSubscriptionType(subscriptionSubscribe); err != nil {
		return clientError(-1, "subscribe exception", err)
	}
	topic = wrapNamespace(c.cfg.namespace, topic)
	c.rb.putSubscription(buildSubscription(topic, expr))
	if inst := c.inst.Load(); inst != nil && c.State() == StateRunning {
		inst.sendHeartbeatToAllBrokers(c.ctx)
		_, _ = inst.updateRoute(c.ctx, topic, nil)
	}
	return nil
}

// Unsubscribe drops topic's subscription, its pulls and its assigned queues.
func (c *LitePullConsumer) Unsubscribe(topic string) {
	c.smu.Lock()
	defer c.smu.Unlock()
	topic = wrapNamespace(c.cfg.namespace, topic)
	c.rb.removeSubscription(topic)
	for mq, t := range c.tasks {
		if mq.Topic == topic {
			t.cancel()
			delete(c.tasks, mq)
		}
	}
	c.assigned.removeTopic(topic)
}

// Assign sets the queues to consume, replacing those assigned before. It cannot be mixed with
// Subscribe.
func (c *LitePullConsumer) Assign(mqs []MessageQueue) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if len(mqs) == 0 {
		return javaText("Message queues can not be null or empty.")
	}
	if err := c.setSubscriptionType(subscriptionAssign); err != nil {
		return err
	}
	for i := range mqs {
		mqs[i].Topic = wrapNamespace(c.cfg.namespace, mqs[i].Topic)
	}
	c.assigned.updateAll(mqs)
	if c.State() == StateRunning {
		c.updateAssignPullTasks(mqs)
	}
	return nil
}

// SetSubExpressionForAssign filters an assigned topic's messages by a tag expression; it is
// only allowed before Start (Java's setSubExpressionForAssign).
func (c *LitePullConsumer) SetSubExpressionForAssign(topic, expr string) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if expr == "" {
		return javaText("subExpression can not be null or empty.")
	}
	if c.State() != StateCreateJust {
		return javaText("setAssignTag only can be called before start.")
	}
	if err := c.setSubscriptionType(subscriptionAssign); err != nil {
		return err
	}
	c.assignExpr[wrapNamespace(c.cfg.namespace, topic)] = expr
	return nil
}

// Assignment returns the queues assigned now (by Assign, or by rebalance).
func (c *LitePullConsumer) Assignment() []MessageQueue {
	return c.assigned.queues()
}

// Start is DefaultLitePullConsumerImpl.start: check the configuration, join (or create and
// start) the client instance, then fetch the subscribed topics' routes or start pulling the
// assigned queues. Subscribed queues come with the first rebalance (Java sends no heartbeat and
// wakes no rebalance at start: the broker's NOTIFY_CONSUMER_IDS_CHANGED after the first
// heartbeat, or the rebalance interval, brings them).
func (c *LitePullConsumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.State(); s != StateCreateJust {
		return c.startError(s)
	}
	c.state.Store(int32(StateStartFailed))
	if c.cfg.namespace != "" {
		c.cfg.group = wrapNamespace(c.cfg.namespace, c.cfg.group)
	}
	if err := c.checkGroup(); err != nil {
		return err
	}
	c.rb.group = c.cfg.group
	c.startTime = time.Now()
	inst, err := c.join(c, func(inst *instance) error {
		c.rb.inst = inst
		c.offsets = c.newOffsetStore(inst)
		if err := c.offsets.load(); err != nil {
			return err
		}
		c.ctx, c.cancel = context.WithCancel(context.Background())
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrGroupExists) {
			c.state.Store(int32(StateCreateJust))
		}
		return err
	}
	if err := inst.start(); err != nil {
		c.cancel()
		inst.releaseConsumer(c.cfg.group)
		return err
	}
	c.inst.Store(inst)
	c.state.Store(int32(StateRunning))
	c.smu.Lock()
	switch c.subType {
	case subscriptionSubscribe:
		for _, topic := range c.rb.topics() {
			_, _ = inst.updateRoute(c.ctx, topic, nil)
		}
	case subscriptionAssign:
		c.updateAssignPullTasks(c.assigned.queues())
	}
	c.smu.Unlock()
	return nil
}

// Shutdown is DefaultLitePullConsumerImpl.shutdown: the pulls stop, the offsets are persisted,
// the group is unregistered from every broker and the client instance left. In any other state
// than RUNNING it does nothing.
func (c *LitePullConsumer) Shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.State() != StateRunning {
		return
	}
	c.cancel()
	// A round under way may still start a queue's task: it ends before they are stopped.
	c.rb.close()
	c.smu.Lock()
	for mq, t := range c.tasks {
		t.cancel()
		delete(c.tasks, mq)
	}
	c.smu.Unlock()
	c.taskWG.Wait()
	c.persistOffsets(context.Background())
	c.inst.Load().releaseConsumer(c.cfg.group)
	c.rb.destroy()
	c.state.Store(int32(StateShutdownAlready))
}

// checkRunning is checkServiceState.
func (c *LitePullConsumer) checkRunning() error {
	if c.State() != StateRunning {
		return ErrConsumerNotRunning
	}
	return nil
}

// Poll returns the next messages pulled from one queue, waiting for them until ctx ends or
// WithPollTimeout passes (then it returns none and no error). With auto commit, what earlier
// polls returned is committed first, at most every WithAutoCommitInterval.
func (c *LitePullConsumer) Poll(ctx context.Context) ([]*MessageExt, error) {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if err := c.checkRunning(); err != nil {
		return nil, err
	}
	if c.cfg.autoCommit && !time.Now().Before(c.nextAuto) {
		c.Commit()
		c.nextAuto = time.Now().Add(c.cfg.autoCommitInterval)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.pollTimeout)
	defer cancel()
	for {
		r, ok := c.cache.take(ctx)
		if !ok {
			return nil, nil
		}
		if r.pq.isDropped() {
			continue
		}
		off := r.pq.removeMessage(r.msgs)
		c.assigned.setConsumeOffset(r.mq, off)
		c.resetNamespace(r.msgs)
		return r.msgs, nil
	}
}

func (c *LitePullConsumer) resetNamespace(msgs []*MessageExt) {
	if c.cfg.namespace == "" {
		return
	}
	for _, m := range msgs {
		m.Topic = unwrapNamespace(c.cfg.namespace, m.Topic)
	}
}

// Commit is commitSync: every assigned queue's offset becomes what Poll has returned of it.
// The broker (or the offset file) gets it at the next persist round or at Shutdown.
func (c *LitePullConsumer) Commit() {
	c.smu.Lock()
	defer c.smu.Unlock()
	for _, mq := range c.assigned.queues() {
		c.commitQueue(mq)
	}
}

func (c *LitePullConsumer) commitQueue(mq MessageQueue) {
	off := c.assigned.consumeOffset(mq)
	if off == -1 {
		c.cfg.logger.Error("consumerOffset is -1 in messageQueue [" + mq.javaString() + "].")
		return
	}
	if pq, ok := c.assigned.processQueue(mq); ok && !pq.isDropped() {
		c.offsets.updateOffset(mq, off, false)
	}
}

// CommitOffsets is commitSync(offsets, persist): the given queues' offsets are set (those of
// queues no longer assigned are ignored), and with persist sent to the broker at once.
func (c *LitePullConsumer) CommitOffsets(ctx context.Context, offsets map[MessageQueue]int64, persist bool) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if err := c.checkRunning(); err != nil {
		return err
	}
	if len(offsets) == 0 {
		c.cfg.logger.Warn("MessageQueues is empty, Ignore this commit ")
		return nil
	}
	var mqs []MessageQueue
	for mq, off := range offsets {
		mq.Topic = wrapNamespace(c.cfg.namespace, mq.Topic)
		mqs = append(mqs, mq)
		if off == -1 {
			c.cfg.logger.Error("consumerOffset is -1 in messageQueue [" + mq.javaString() + "].")
			continue
		}
		if pq, ok := c.assigned.processQueue(mq); ok && !pq.isDropped() {
			c.offsets.updateOffset(mq, off, false)
		}
	}
	if persist {
		c.offsets.persistAll(ctx, mqs)
	}
	return nil
}

// Committed returns the queue's committed offset, asking the broker when the consumer does not
// know it (-1: none).
func (c *LitePullConsumer) Committed(ctx context.Context, mq MessageQueue) (int64, error) {
	if err := c.checkRunning(); err != nil {
		return 0, err
	}
	mq.Topic = wrapNamespace(c.cfg.namespace, mq.Topic)
	off := c.offsets.readOffset(ctx, mq, memoryFirstThenStore)
	if off == -2 {
		return 0, clientError(-1, "Fetch consume offset from broker exception", nil)
	}
	return off, nil
}

// Seek makes the next messages of an assigned queue start at offset, which must lie between
// the queue's minimum and maximum offsets; what was cached is dropped.
func (c *LitePullConsumer) Seek(ctx context.Context, mq MessageQueue, offset int64) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	mq.Topic = wrapNamespace(c.cfg.namespace, mq.Topic)
	if !slices.Contains(c.assigned.queues(), mq) {
		if c.subType == subscriptionSubscribe {
			return clientError(-1, "The message queue is not in assigned list, may be rebalancing, message queue: "+mq.javaString(), nil)
		}
		return clientError(-1, "The message queue is not in assigned list, message queue: "+mq.javaString(), nil)
	}
	inst, err := c.runningInstance()
	if err != nil {
		return err
	}
	minOff, err := inst.minOffset(ctx, mq)
	if err != nil {
		return err
	}
	maxOff, err := inst.maxOffset(ctx, mq)
	if err != nil {
		return err
	}
	if offset < minOff || offset > maxOff {
		return clientError(-1, "Seek offset illegal, seek offset = "+strconv.FormatInt(offset, 10)+", min offset = "+
			strconv.FormatInt(minOff, 10)+", max offset = "+strconv.FormatInt(maxOff, 10), nil)
	}
	l := c.queueLock(mq)
	l.Lock()
	defer l.Unlock()
	if pq, ok := c.assigned.processQueue(mq); ok {
		pq.clear()
	}
	c.cache.removeQueue(mq)
	if t, ok := c.tasks[mq]; ok {
		t.cancel()
		delete(c.tasks, mq)
	}
	c.assigned.setSeekOffset(mq, offset)
	c.startPullTask(mq)
	return nil
}

// SeekToBegin seeks to the queue's minimum offset.
func (c *LitePullConsumer) SeekToBegin(ctx context.Context, mq MessageQueue) error {
	inst, err := c.runningInstance()
	if err != nil {
		return err
	}
	off, err := inst.minOffset(ctx, MessageQueue{Topic: wrapNamespace(c.cfg.namespace, mq.Topic), BrokerName: mq.BrokerName, QueueID: mq.QueueID})
	if err != nil {
		return err
	}
	return c.Seek(ctx, mq, off)
}

// SeekToEnd seeks to the queue's maximum offset: only messages sent from now on.
func (c *LitePullConsumer) SeekToEnd(ctx context.Context, mq MessageQueue) error {
	inst, err := c.runningInstance()
	if err != nil {
		return err
	}
	off, err := inst.maxOffset(ctx, MessageQueue{Topic: wrapNamespace(c.cfg.namespace, mq.Topic), BrokerName: mq.BrokerName, QueueID: mq.QueueID})
	if err != nil {
		return err
	}
	return c.Seek(ctx, mq, off)
}

// Pause stops pulling the queues; Resume pulls them again.
func (c *LitePullConsumer) Pause(mqs []MessageQueue) { c.assigned.setPaused(c.wrapQueues(mqs), true) }

// Resume undoes Pause.
func (c *LitePullConsumer) Resume(mqs []MessageQueue) { c.assigned.setPaused(c.wrapQueues(mqs), false) }

func (c *LitePullConsumer) wrapQueues(mqs []MessageQueue) []MessageQueue {
	out := slices.Clone(mqs)
	for i := range out {
		out[i].Topic = wrapNamespace(c.cfg.namespace, out[i].Topic)
	}
	return out
}

// FetchMessageQueues returns the topic's readable queues, from the name server.
func (c *LitePullConsumer) FetchMessageQueues(ctx context.Context, topic string) ([]MessageQueue, error) {
	inst, err := c.runningInstance()
	if err != nil {
		return nil, err
	}
	topic = wrapNamespace(c.cfg.namespace, topic)
	route, err := inst.getRoute(ctx, topic)
	if err != nil {
		return nil, clientError(-1, "Can not find Message Queue for this topic, "+topic, err)
	}
	mqs := subscribeInfo(topic, route)
	if len(mqs) == 0 {
		return nil, clientError(-1, "Can not find Message Queue for this topic, "+topic+" Namesrv return empty", nil)
	}
	for i := range mqs {
		mqs[i].Topic = unwrapNamespace(c.cfg.namespace, mqs[i].Topic)
	}
	return mqs, nil
}

// OffsetForTimestamp returns the queue's offset of the first message stored at or after t.
func (c *LitePullConsumer) OffsetForTimestamp(ctx context.Context, mq MessageQueue, t time.Time) (int64, error) {
	inst, err := c.runningInstance()
	if err != nil {
		return 0, err
	}
	mq.Topic = wrapNamespace(c.cfg.namespace, mq.Topic)
	return inst.searchOffset(ctx, mq, t)
}

func (c *LitePullConsumer) runningInstance() (*instance, error) {
	if err := c.checkRunning(); err != nil {
		return nil, err
	}
	return c.inst.Load(), nil
}

func (c *LitePullConsumer) queueLock(mq MessageQueue) *sync.Mutex {
	l, _ := c.queueMu.LoadOrStore(mq, &sync.Mutex{})
	return l.(*sync.Mutex)
}

// updateAssignPullTasks cancels the pulls of queues no longer assigned and starts those of new
// ones; c.smu is held.
func (c *LitePullConsumer) updateAssignPullTasks(mqs []MessageQueue) {
	for mq, t := range c.tasks {
		if !slices.Contains(mqs, mq) {
			t.cancel()
			delete(c.tasks, mq)
		}
	}
	for _, mq := range mqs {
		c.startPullTask(mq)
	}
}

// startPullTask starts mq's pulls unless they run; c.smu is held.
func (c *LitePullConsumer) startPullTask(mq MessageQueue) {
	if _, ok := c.tasks[mq]; ok {
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	t := &pullTask{mq: mq, ctx: ctx, cancel: cancel}
	c.tasks[mq] = t
	c.taskWG.Add(1)
	go c.runPullTask(t)
}

// pullTask is PullTaskImpl: the pulls of one queue, one after another.
type pullTask struct {
	mq     MessageQueue
	ctx    context.Context // ends when the task is cancelled
	cancel context.CancelFunc
}

func (c *LitePullConsumer) runPullTask(t *pullTask) {
	defer c.taskWG.Done()
	delay := time.Duration(0)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if delay > 0 {
			timer.Reset(delay)
			select {
			case <-timer.C:
			case <-t.ctx.Done():
				return
			}
		}
		select {
		case c.pullSem <- struct{}{}:
		case <-t.ctx.Done():
			return
		}
		next, again := c.pullOnce(t)
		<-c.pullSem
		if !again || t.ctx.Err() != nil {
			return
		}
		delay = next
	}
}

// pullOnce is PullTaskImpl.run: flow control, the next offset (a seek's, the last pull's, or the
// stored one), one pull with long polling, the messages into the cache for Poll. It returns the
// delay before the next pull, and whether there is one.
func (c *LitePullConsumer) pullOnce(t *pullTask) (time.Duration, bool) {
	mq := t.mq
	if c.assigned.isPaused(mq) {
		return litePullDelayWhenPaused, true
	}
	pq, ok := c.assigned.processQueue(mq)
	if !ok || pq.isDropped() {
		c.cfg.logger.Info("The message queue not be able to poll, because it's dropped. group="+c.cfg.group, "mq", mq)
		return 0, false
	}
	if c.cache.len()*c.cfg.pullBatchSize > c.cfg.pullThresholdForAll {
		c.logFlowControl("The consume request count exceeds threshold, so do flow control", &c.flowControlTimes, "count", c.cache.len())
		return pullDelayWhenFlowControl, true
	}
	count, sizeMiB := pq.msgCount.Load(), pq.msgSize.Load()/(1<<20)
	if count > int64(c.cfg.pullThresholdForQueue) {
		c.logFlowControl("The cached message count exceeds the threshold "+strconv.Itoa(c.cfg.pullThresholdForQueue)+", so do flow control",
			&c.flowControlTimes, "count", count, "sizeMiB", sizeMiB)
		return pullDelayWhenFlowControl, true
	}
	if sizeMiB > int64(c.cfg.pullThresholdSizeMiB) {
		c.logFlowControl("The cached message size exceeds the threshold "+strconv.Itoa(c.cfg.pullThresholdSizeMiB)+" MiB, so do flow control",
			&c.flowControlTimes, "count", count, "sizeMiB", sizeMiB)
		return pullDelayWhenFlowControl, true
	}
	if span := pq.maxSpan(); span > int64(c.cfg.consumeMaxSpan) {
		c.logFlowControl("The queue's messages, span too long, so do flow control", &c.spanFlowControlTimes, "maxSpan", span)
		return pullDelayWhenFlowControl, true
	}
	offset, err := c.nextPullOffset(t.ctx, mq)
	if err != nil {
		c.cfg.logger.Error("Failed to get next pull offset", "mq", mq, "err", err)
		return litePullDelayOnException, true
	}
	if t.ctx.Err() != nil || pq.isDropped() {
		return 0, false
	}
	sd := c.pullSubscription(mq.Topic)
	res, err := c.pull(t.ctx, mq, &sd, offset)
	if t.ctx.Err() != nil || pq.isDropped() {
		return 0, false
	}
	if err != nil {
		c.cfg.logger.Error("An error occurred in pull message process.", "mq", mq, "err", err)
		var be *BrokerError
		if errors.As(err, &be) && be.Code == remoting.FlowControl {
			return pullDelayWhenBrokerFlowControl, true
		}
		return c.cfg.pullExceptionDelay, true
	}
	switch res.status {
	case pullFound:
		l := c.queueLock(mq)
		l.Lock()
		if len(res.msgs) > 0 && c.assigned.seekOffset(mq) == -1 {
			pq.putMessage(res.msgs)
			c.cache.put(liteRequest{msgs: res.msgs, mq: mq, pq: pq})
		}
		l.Unlock()
	case pullOffsetIllegal:
		c.cfg.logger.Warn("The pull request offset illegal", "mq", mq, "nextBeginOffset", res.nextBeginOffset)
	}
	if c.assigned.seekOffset(mq) == -1 {
		c.assigned.setPullOffset(mq, res.nextBeginOffset, pq)
	}
	return 0, true
}

func (c *LitePullConsumer) logFlowControl(msg string, times *int64, args ...any) {
	c.flowMu.Lock()
	*times++
	n := *times
	c.flowMu.Unlock()
	if n%1000 == 1 {
		c.cfg.logger.Warn(msg, append(args, "flowControlTimes", n)...)
	}
}

// pullSubscription is the subscription a pull of topic carries: the subscribed one, or for an
// assigned queue its SetSubExpressionForAssign expression ("*" without one).
func (c *LitePullConsumer) pullSubscription(topic string) protocol.SubscriptionData {
	c.smu.Lock()
	subType, expr := c.subType, c.assignExpr[topic]
	c.smu.Unlock()
	if subType == subscriptionSubscribe {
		if sd, ok := c.rb.subscription(topic); ok {
			return sd
		}
	}
	if expr == "" {
		expr = SubAll
	}
	return buildSubscription(topic, expr)
}

// nextPullOffset is nextPullOffset: a pending seek (which also sets the consumed offset), the
// offset the last pull ended at, or where the group's offset says.
func (c *LitePullConsumer) nextPullOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	if seek := c.assigned.seekOffset(mq); seek != -1 {
		c.assigned.setConsumeOffset(mq, seek)
		c.assigned.setSeekOffset(mq, -1)
		return seek, nil
	}
	if off := c.assigned.pullOffset(mq); off != -1 {
		return off, nil
	}
	return c.consumerCore.computePullFromWhere(ctx, c.rb.inst, mq, memoryFirstThenStore)
}

// pull is pullSyncImpl with blocking: the subscription travels with the request (the lite pull
// flag set), no commit offset, the broker holding it up to brokerSuspendMaxTime.
func (c *LitePullConsumer) pull(ctx context.Context, mq MessageQueue, sd *protocol.SubscriptionData, offset int64) (*pullResult, error) {
	if offset < 0 {
		return nil, clientError(-1, "offset < 0", nil)
	}
	inst := c.rb.inst
	subVersion := int64(0)
	if sd.ExpressionType != protocol.ExpressionTypeTag {
		subVersion = sd.SubVersion
	}
	addr, req, err := c.pullTarget(ctx, inst, pullArgs{
		mq: mq, subExpression: sd.SubString, expressionType: sd.ExpressionType, subVersion: subVersion, offset: offset,
		maxNums: c.cfg.pullBatchSize, brokerSuspend: c.cfg.brokerSuspendMaxTime,
		sysFlag: protocol.PullSysFlagSuspend | protocol.PullSysFlagSubscription | protocol.PullSysFlagLitePull,
	})
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, c.cfg.consumerSuspendTimeout)
	defer cancel()
	resp, err := inst.rc.Invoke(pctx, addr, req)
	if err != nil {
		return nil, transportError(addr, err)
	}
	res, err := processPullResponse(resp, addr)
	if err != nil {
		return nil, err
	}
	if err := c.processPullResult(mq, res, sd); err != nil {
		return nil, err
	}
	return res, nil
}

// The consumerInner half.

func (c *LitePullConsumer) groupName() string                 { return c.cfg.group }
func (c *LitePullConsumer) consumeType() protocol.ConsumeType { return protocol.ConsumeActively }
func (c *LitePullConsumer) subscribedTopics() []string        { return c.rb.topics() }

// heartbeatData names CONSUME_FROM_LAST_OFFSET whatever the setting, as Java's
// consumeFromWhere() of the lite pull consumer does.
func (c *LitePullConsumer) heartbeatData() protocol.ConsumerData {
	return protocol.ConsumerData{
		GroupName: c.cfg.group, ConsumeType: protocol.ConsumeActively, MessageModel: c.cfg.messageModel,
		ConsumeFromWhere: ConsumeFromLastOffset, SubscriptionDataSet: c.rb.subscriptions(),
	}
}

func (c *LitePullConsumer) doRebalance(ctx context.Context) { c.rb.doRebalance(ctx, false) }

func (c *LitePullConsumer) persistConsumerOffset(ctx context.Context) {
	if c.checkRunning() != nil {
		c.cfg.logger.Error("Persist consumer offset error for group: " + c.cfg.group)
		return
	}
	c.persistOffsets(ctx)
}

// persistOffsets persists the rebalanced queues (subscribe) or the assigned ones (assign).
func (c *LitePullConsumer) persistOffsets(ctx context.Context) {
	c.smu.Lock()
	subType := c.subType
	c.smu.Unlock()
	var mqs []MessageQueue
	switch subType {
	case subscriptionSubscribe:
		mqs, _ = c.rb.processQueues()
	case subscriptionAssign:
		mqs = c.assigned.queues()
	}
	c.offsets.persistAll(ctx, mqs)
}

func (c *LitePullConsumer) updateTopicSubscribeInfo(topic string, mqs []MessageQueue) {
	c.rb.updateSubscribeInfo(topic, mqs)
}

func (c *LitePullConsumer) isSubscribeTopicNeedUpdate(topic string) bool {
	return c.rb.needsSubscribeInfo(topic)
}

// offsetTable answers GET_CONSUMER_STATUS_FROM_CLIENT with nothing, as Java's lite pull
// consumer (not a DefaultMQPullConsumerImpl) does.
func (c *LitePullConsumer) offsetTable(string) map[MessageQueue]int64 { return nil }

func (c *LitePullConsumer) runningInfo() *protocol.ConsumerRunningInfo {
	return &protocol.ConsumerRunningInfo{
		Properties: c.javaProperties(map[string]string{
			"autoCommit":                       strconv.FormatBool(c.cfg.autoCommit),
			"autoCommitIntervalMillis":         javaMillis(c.cfg.autoCommitInterval),
			"pullThreadNums":                   strconv.Itoa(c.cfg.pullThreadNums),
			"pullThresholdForAll":              strconv.Itoa(c.cfg.pullThresholdForAll),
			"consumeMaxSpan":                   strconv.Itoa(c.cfg.consumeMaxSpan),
			"pollTimeoutMillis":                javaMillis(c.cfg.pollTimeout),
			"brokerSuspendMaxTimeMillis":       javaMillis(c.cfg.brokerSuspendMaxTime),
			"consumerTimeoutMillisWhenSuspend": javaMillis(c.cfg.consumerSuspendTimeout),
		}),
		SubscriptionSet: c.rb.subscriptions(),
		MQTable:         map[protocol.MessageQueue]protocol.ProcessQueueInfo{},
		StatusTable:     map[string]protocol.ConsumeStatus{},
	}
}

// The rebalanceHooks half: RebalanceLitePullImpl.

// messageQueueChanged assigns the rebalanced queues (broadcasting: all of them) and starts or
// stops their pulls.
func (c *LitePullConsumer) messageQueueChanged(_ context.Context, topic string, mqAll, mqDivided []MessageQueue) {
	c.smu.Lock()
	defer c.smu.Unlock()
	if c.subType != subscriptionSubscribe || c.State() != StateRunning {
		return
	}
	mqs := mqDivided
	if c.cfg.messageModel == Broadcasting {
		mqs = mqAll
	}
	c.assigned.updateTopic(topic, mqs)
	for mq, t := range c.tasks {
		if mq.Topic == topic && !slices.Contains(mqs, mq) {
			t.cancel()
			delete(c.tasks, mq)
		}
	}
	for _, mq := range mqs {
		c.startPullTask(mq)
	}
}

func (c *LitePullConsumer) removeUnnecessaryMessageQueue(ctx context.Context, mq MessageQueue, _ *processQueue) bool {
	c.offsets.persist(ctx, mq)
	c.offsets.removeOffset(mq)
	return true
}

func (c *LitePullConsumer) removeDirtyOffset(mq MessageQueue) { c.offsets.removeOffset(mq) }

func (c *LitePullConsumer) computePullFromWhere(ctx context.Context, mq MessageQueue) (int64, error) {
	return c.consumerCore.computePullFromWhere(ctx, c.rb.inst, mq, memoryFirstThenStore)
}

func (c *LitePullConsumer) dispatchPullRequests([]*pullRequest) {}

// assignedQueues is Java's AssignedMessageQueue: each assigned queue's process queue, whether it
// is paused, where its pulls are (pullOffset), what Poll has returned of it (consumeOffset)
// and a pending seek.
type assignedQueues struct {
	rb     *rebalancer
	mu     sync.Mutex
	states map[MessageQueue]*queueState
}

type queueState struct {
	pq            *processQueue
	paused        bool
	pullOffset    int64
	consumeOffset int64
	seekOffset    int64
}

func newAssignedQueues() *assignedQueues {
	return &assignedQueues{states: make(map[MessageQueue]*queueState)}
}

func (a *assignedQueues) queues() []MessageQueue {
	a.mu.Lock()
	defer a.mu.Unlock()
	return sortedQueues(slices.Collect(maps.Keys(a.states)))
}

func (a *assignedQueues) state(mq MessageQueue) (*queueState, bool) {
	s, ok := a.states[mq]
	return s, ok
}

// isPaused: a queue no longer assigned counts as paused.
func (a *assignedQueues) isPaused(mq MessageQueue) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.state(mq)
	return !ok || s.paused
}

func (a *assignedQueues) setPaused(mqs []MessageQueue, paused bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, mq := range mqs {
		if s, ok := a.state(mq); ok {
			s.paused = paused
		}
	}
}

func (a *assignedQueues) processQueue(mq MessageQueue) (*processQueue, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.state(mq)
	if !ok {
		return nil, false
	}
	return s.pq, true
}

func (a *assignedQueues) get(mq MessageQueue, f func(*queueState) int64) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.state(mq); ok {
		return f(s)
	}
	return -1
}

func (a *assignedQueues) set(mq MessageQueue, f func(*queueState)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.state(mq); ok {
		f(s)
	}
}

func (a *assignedQueues) pullOffset(mq MessageQueue) int64 {
	return a.get(mq, func(s *queueState) int64 { return s.pullOffset })
}
func (a *assignedQueues) consumeOffset(mq MessageQueue) int64 {
	return a.get(mq, func(s *queueState) int64 { return s.consumeOffset })
}
func (a *assignedQueues) seekOffset(mq MessageQueue) int64 {
	return a.get(mq, func(s *queueState) int64 { return s.seekOffset })
}
func (a *assignedQueues) setConsumeOffset(mq MessageQueue, off int64) {
	a.set(mq, func(s *queueState) { s.consumeOffset = off })
}
func (a *assignedQueues) setSeekOffset(mq MessageQueue, off int64) {
	a.set(mq, func(s *queueState) { s.seekOffset = off })
}

// setPullOffset moves the pull offset, unless the queue's process queue has been replaced
// meanwhile.
func (a *assignedQueues) setPullOffset(mq MessageQueue, off int64, pq *processQueue) {
	a.set(mq, func(s *queueState) {
		if s.pq == pq {
			s.pullOffset = off
		}
	})
}

// updateTopic assigns mqs in place of topic's queues, dropping the others'.
func (a *assignedQueues) updateTopic(topic string, mqs []MessageQueue) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for mq, s := range a.states {
		if mq.Topic == topic && !slices.Contains(mqs, mq) {
			s.pq.setDropped()
			delete(a.states, mq)
		}
	}
	a.addLocked(mqs)
}

// updateAll assigns mqs in place of every queue.
func (a *assignedQueues) updateAll(mqs []MessageQueue) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for mq, s := range a.states {
		if !slices.Contains(mqs, mq) {
			s.pq.setDropped()
			delete(a.states, mq)
		}
	}
	a.addLocked(mqs)
}

// addLocked adds the new queues, sharing the rebalance's process queue when it has one.
func (a *assignedQueues) addLocked(mqs []MessageQueue) {
	for _, mq := range mqs {
		if _, ok := a.states[mq]; ok {
			continue
		}
		pq, ok := a.rb.processQueue(mq)
		if !ok {
			pq = newProcessQueue()
		}
		a.states[mq] = &queueState{pq: pq, pullOffset: -1, consumeOffset: -1, seekOffset: -1}
	}
}

func (a *assignedQueues) removeTopic(topic string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for mq := range a.states {
		if mq.Topic == topic {
			delete(a.states, mq)
		}
	}
}

// liteRequest is the lite pull consumer's ConsumeRequest: one pull's messages, for Poll.
type liteRequest struct {
	msgs []*MessageExt
	mq   MessageQueue
	pq   *processQueue
}

// requestCache is consumeRequestCache: a FIFO Poll waits on.
type requestCache struct {
	mu    sync.Mutex
	reqs  []liteRequest
	ready chan struct{}
}

func newRequestCache() *requestCache { return &requestCache{ready: make(chan struct{}, 1)} }

func (q *requestCache) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.reqs)
}

func (q *requestCache) put(r liteRequest) {
	q.mu.Lock()
	q.reqs = append(q.reqs, r)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take waits for the next request until ctx ends.
func (q *requestCache) take(ctx context.Context) (liteRequest, bool) {
	for {
		q.mu.Lock()
		if len(q.reqs) > 0 {
			r := q.reqs[0]
			q.reqs[0] = liteRequest{}
			q.reqs = q.reqs[1:]
			more := len(q.reqs) > 0
			q.mu.Unlock()
			if more {
				select {
				case q.ready <- struct{}{}:
				default:
				}
			}
			return r, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
			return liteRequest{}, false
		}
	}
}

// removeQueue drops mq's requests (a seek).
func (q *requestCache) removeQueue(mq MessageQueue) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reqs = slices.DeleteFunc(q.reqs, func(r liteRequest) bool { return r.mq == mq })
}
