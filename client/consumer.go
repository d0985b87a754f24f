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

// consumerCore is what Java's DefaultMQPushConsumerImpl and DefaultLitePullConsumerImpl have in
// common: the configuration, the service state, the client instance, the rebalance, the offset
// store and the pull wrapper's memory of which broker to pull each queue from.
type consumerCore struct {
	mu        sync.Mutex // serialises Start and Shutdown
	cfg       config
	kind      string // "PushConsumer" or "PullConsumer", as Java's start error names it
	state     atomic.Int32
	inst      atomic.Pointer[instance]
	clientID  string
	rb        *rebalancer
	offsets   offsetStore
	pullNodes sync.Map // MessageQueue -> int64: PullAPIWrapper's pullFromWhichNodeTable
	startTime time.Time

	// ctx ends when Shutdown begins: pulls and other requests on the consumer's behalf stop.
	ctx    context.Context
	cancel context.CancelFunc
}

func newConsumerConfig(opts []Option) (config, error) {
	cfg := defaultConfig()
	cfg.group = DefaultConsumerGroup
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.nameServers) == 0 {
		cfg.nameServers = nameServersFromEnv()
	}
	if cfg.clientIP == "" {
		cfg.clientIP = localIP()
	}
	if cfg.manager == nil {
		cfg.manager = DefaultManager
	}
	if cfg.apiTimeout <= 0 {
		return cfg, errors.New("client: the API timeout must be positive")
	}
	return cfg, nil
}

// State returns the consumer's service state.
func (c *consumerCore) State() State { return State(c.state.Load()) }

// Group returns the consumer group, with the namespace once started.
func (c *consumerCore) Group() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.group
}

// ClientID returns the id of the client instance, "" before Start.
func (c *consumerCore) ClientID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clientID
}

// SetGroup changes the group of a consumer in state CREATE_JUST, typically after Start failed
// on a duplicate group; in any other state it does nothing.
func (c *consumerCore) SetGroup(group string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.State() == StateCreateJust {
		c.cfg.group = group
	}
}

// Snapshot returns a copy of what the consumer's client instance knows.
func (c *consumerCore) Snapshot() InstanceSnapshot {
	if inst := c.inst.Load(); inst != nil {
		return inst.snapshot()
	}
	return InstanceSnapshot{State: StateCreateJust}
}

// running is makeSureStateOK.
func (c *consumerCore) running() (*instance, error) {
	if s := c.State(); s != StateRunning {
		return nil, &StateError{State: s, Msg: suggestFAQ("The consumer service state not OK, " + s.String())}
	}
	return c.inst.Load(), nil
}

// startError is the error of a Start in a state that does not allow it.
func (c *consumerCore) startError(s State) error {
	return &StateError{State: s, Msg: suggestFAQ("The " + c.kind + " service state not OK, maybe started once, " + s.String())}
}

// checkGroup is the group half of checkConfig.
func (c *consumerCore) checkGroup() error {
	if err := protocol.CheckGroup(c.cfg.group); err != nil {
		return validationError(err)
	}
	if c.cfg.group == DefaultConsumerGroup {
		return clientError(-1, suggestFAQ("consumerGroup can not equal "+DefaultConsumerGroup+", please specify another one."), nil)
	}
	if c.cfg.messageModel != Clustering && c.cfg.messageModel != Broadcasting {
		return clientError(-1, suggestFAQ("messageModel is null"), nil)
	}
	if c.cfg.allocate == nil {
		return clientError(-1, suggestFAQ("allocateMessageQueueStrategy is null"), nil)
	}
	return nil
}

// join builds the client id and registers the group in its client instance, prepare readying
// the consumer first. A clustering consumer with the default instance name gets
// "PID#nanotime" as Java 4.9+ gives it; a broadcasting one keeps "DEFAULT", so that its offset
// file is found again after a restart.
func (c *consumerCore) join(inner consumerInner, prepare func(*instance) error) (*instance, error) {
	if c.cfg.messageModel == Clustering && c.cfg.instanceName == DefaultInstanceName {
		c.cfg.instanceName = pidInstanceName()
	}
	c.clientID = buildClientID(c.cfg.clientIP, c.cfg.instanceName, c.cfg.unitName, c.cfg.streamRequestType)
	return c.cfg.manager.acquireConsumer(c.cfg, c.clientID, c.cfg.group, inner, prepare)
}

// newOffsetStore is the store Java picks by message model: a local file for broadcasting, the
// broker for clustering.
func (c *consumerCore) newOffsetStore(inst *instance) offsetStore {
	if c.cfg.messageModel == Broadcasting {
		return newLocalOffsetStore(inst, c.cfg.offsetStoreDir, c.cfg.group)
	}
	return newRemoteOffsetStore(inst, c.cfg.group)
}

// computePullFromWhere is computePullFromWhereWithException of RebalancePushImpl and
// RebalanceLitePullImpl (the lite one reads the memory first): the stored offset when there is
// one; without one, the retry topic starts at 0 (or its end, from a timestamp), the first
// offset at 0, the last at the queue's end, a timestamp at the broker's answer for it. -1 leaves
// the queue out of this rebalance.
func (c *consumerCore) computePullFromWhere(ctx context.Context, inst *instance, mq MessageQueue, read readOffsetType) (int64, error) {
	last := c.offsets.readOffset(ctx, mq, read)
	if last >= 0 {
		return last, nil
	}
	if last != -1 {
		return -1, nil
	}
	retry := len(mq.Topic) >= len(retryTopicPrefix) && mq.Topic[:len(retryTopicPrefix)] == retryTopicPrefix
	switch c.cfg.consumeFromWhere {
	case ConsumeFromFirstOffset:
		return 0, nil
	case ConsumeFromTimestamp:
		if retry {
			return c.logged(inst.maxOffset(ctx, mq))
		}
		// Java parses the "yyyyMMddHHmmss" string it keeps, so the time counts to the second.
		return c.logged(inst.searchOffset(ctx, mq, c.cfg.consumeTimestamp.Truncate(time.Second)))
	default: // last offset, and Java's deprecated ones that act as it
		if retry {
			return 0, nil
		}
		return c.logged(inst.maxOffset(ctx, mq))
	}
}

func (c *consumerCore) logged(off int64, err error) (int64, error) {
	if err != nil {
		c.cfg.logger.Warn("Compute consume offset from last offset exception", "err", err)
		return -1, err
	}
	return off, nil
}

// resetTopic is resetRetryAndNamespace: a message of the group's retry topic shows the topic
// it was first sent to; the namespace comes off.
func (c *consumerCore) resetTopic(msgs []*MessageExt) {
	retry := retryTopicPrefix + c.cfg.group
	for _, m := range msgs {
		if rt, ok := m.Properties[protocol.PropertyRetryTopic]; ok && m.Topic == retry {
			m.Topic = rt
		}
		if c.cfg.namespace != "" {
			m.Topic = unwrapNamespace(c.cfg.namespace, m.Topic)
		}
	}
}

// javaProperties are the settings a running-info answer lists, as Java's object2Properties
// lists a consumer's fields (the scalar ones: Java's object references print as class@hash).
func (c *consumerCore) javaProperties(extra map[string]string) map[string]string {
	p := map[string]string{
		"consumerGroup":                c.cfg.group,
		"messageModel":                 string(c.cfg.messageModel),
		"consumeFromWhere":             string(c.cfg.consumeFromWhere),
		"allocateMessageQueueStrategy": c.cfg.allocate.Name(),
		"unitMode":                     "false",
		"pullBatchSize":                strconv.Itoa(c.cfg.pullBatchSize),
		"pullThresholdForQueue":        strconv.Itoa(c.cfg.pullThresholdForQueue),
		"pullThresholdSizeForQueue":    strconv.Itoa(c.cfg.pullThresholdSizeMiB),
	}
	for k, v := range extra {
		p[k] = v
	}
	p[protocol.RunningInfoStartTimestamp] = strconv.FormatInt(c.startTime.UnixMilli(), 10)
	return p
}
