package client

import (
	"os"
	"path/filepath"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// Defaults of DefaultMQPushConsumer, DefaultLitePullConsumer and the consumer half of
// ClientConfig in Java 4.9.7, and of the constants their services run on.
const (
	// DefaultConsumerGroup is the group of a consumer made without WithGroup; Start refuses it,
	// as Java's checkConfig does.
	DefaultConsumerGroup = "DEFAULT_CONSUMER"

	DefaultConsumeThreadMin           = 20
	DefaultConsumeThreadMax           = 20
	DefaultConsumeConcurrentlyMaxSpan = 2000
	DefaultPullThresholdForQueue      = 1000
	DefaultPullThresholdSizeForQueue  = 100 // MiB
	DefaultConsumeMessageBatchMaxSize = 1
	DefaultPullBatchSize              = 32
	// DefaultMaxReconsumeTimes is how often a concurrently consumed message is retried before
	// it goes to %DLQ%group (Java's -1, read as 16). An orderly consumer retries without end
	// unless WithMaxReconsumeTimes says otherwise.
	DefaultMaxReconsumeTimes   = 16
	DefaultSuspendCurrentQueue = time.Second
	DefaultConsumeTimeout      = 15 * time.Minute

	DefaultPersistConsumerOffsetInterval = 5 * time.Second
	DefaultPersistConsumerOffsetDelay    = 10 * time.Second
	DefaultPullExceptionDelay            = time.Second // ClientConfig.pullTimeDelayMillsWhenException
	DefaultRebalanceInterval             = 20 * time.Second
	DefaultRebalanceLockInterval         = 20 * time.Second
	DefaultRebalanceLockExpiry           = 30 * time.Second
	DefaultPullExpiry                    = 120 * time.Second
	DefaultUnlockDelay                   = 20 * time.Second

	// The lite pull consumer's.
	DefaultLitePullBatchSize          = 10
	DefaultPullThreadNums             = 20
	DefaultAutoCommitInterval         = 5 * time.Second
	MinAutoCommitInterval             = time.Second
	DefaultPullThresholdForAll        = 10000
	DefaultConsumeMaxSpan             = 2000
	DefaultPollTimeout                = 5 * time.Second
	DefaultBrokerSuspendMaxTime       = 20 * time.Second
	DefaultConsumerTimeoutWhenSuspend = 30 * time.Second
)

// Constants of Java's push consumer that no setting changes.
const (
	pullDelayWhenFlowControl       = 50 * time.Millisecond // PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL
	pullDelayWhenBrokerFlowControl = 20 * time.Millisecond // PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL
	pullDelayWhenSuspended         = time.Second           // PULL_TIME_DELAY_MILLS_WHEN_SUSPEND
	brokerSuspendMaxTime           = 15 * time.Second      // BROKER_SUSPEND_MAX_TIME_MILLIS
	consumerTimeoutWhenSuspend     = 30 * time.Second      // CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND
	offsetIllegalFixDelay          = 10 * time.Second      // the OFFSET_ILLEGAL task's delay
	consumeLaterDelay              = 5 * time.Second       // submitConsumeRequestLater
	maxTimeConsumeContinuously     = time.Minute           // rocketmq.client.maxTimeConsumeContinuously
	resetOffsetPause               = 10 * time.Second      // MQClientInstance.resetOffset's sleep
	sendBackTimeout                = 5 * time.Second       // consumerSendMessageBack's timeout
	offsetRequestTimeout           = 5 * time.Second       // RemoteBrokerOffsetStore's timeout
	lockBatchTimeout               = time.Second           // lockBatchMQ and unlockBatchMQ
	consumeLockWait                = time.Second           // removeUnnecessaryMessageQueue's tryLock
	litePullDelayWhenPaused        = time.Second           // PULL_TIME_DELAY_MILLS_WHEN_PAUSE
	litePullDelayOnException       = 3 * time.Second       // PULL_TIME_DELAY_MILLS_ON_EXCEPTION
)

// MessageModel is how a consumer group shares messages: Clustering (each message to one member)
// or Broadcasting (each to every member).
type MessageModel = protocol.MessageModel

const (
	Clustering   = protocol.Clustering
	Broadcasting = protocol.Broadcasting
)

// ConsumeFromWhere is where a consumer group with no committed offset in a queue starts.
// ConsumeFromLastOffset (the default), ConsumeFromFirstOffset and ConsumeFromTimestamp are the
// ones that matter; Java's deprecated ones act as ConsumeFromLastOffset.
type ConsumeFromWhere = protocol.ConsumeFromWhere

const (
	ConsumeFromLastOffset  = protocol.ConsumeFromLastOffset
	ConsumeFromFirstOffset = protocol.ConsumeFromFirstOffset
	ConsumeFromTimestamp   = protocol.ConsumeFromTimestamp
)

// consumerConfig is what only consumers are configured with.
type consumerConfig struct {
	messageModel          MessageModel
	consumeFromWhere      ConsumeFromWhere
	consumeTimestamp      time.Time
	allocate              AllocateStrategy
	consumeThreadMin      int
	consumeThreadMax      int
	maxSpan               int
	pullThresholdForQueue int
	pullThresholdSizeMiB  int
	pullThresholdForTopic int // -1: off
	pullThresholdSizeTop  int // -1: off
	pullInterval          time.Duration
	consumeBatchMaxSize   int
	pullBatchSize         int
	postSubscription      bool
	maxReconsumeTimes     int // -1: the listener kind's default
	suspendCurrentQueue   time.Duration
	consumeTimeout        time.Duration
	shutdownTimeout       time.Duration
	persistInterval       time.Duration
	persistDelay          time.Duration
	pullExceptionDelay    time.Duration
	rebalanceInterval     time.Duration
	lockInterval          time.Duration
	lockExpiry            time.Duration
	pullExpiry            time.Duration
	unlockDelay           time.Duration
	offsetStoreDir        string
	concurrently          ConcurrentListener
	orderly               OrderlyListener

	// The lite pull consumer's.
	streamRequestType      bool // Java's enableStreamRequestType: "@STREAM" ends the client id
	autoCommit             bool
	autoCommitInterval     time.Duration
	pullThreadNums         int
	pullThresholdForAll    int
	consumeMaxSpan         int
	pollTimeout            time.Duration
	brokerSuspendMaxTime   time.Duration
	consumerSuspendTimeout time.Duration
}

func defaultConsumerConfig() consumerConfig {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return consumerConfig{
		messageModel:           Clustering,
		consumeFromWhere:       ConsumeFromLastOffset,
		consumeTimestamp:       time.Now().Add(-30 * time.Minute),
		allocate:               AllocateAveragely(),
		consumeThreadMin:       DefaultConsumeThreadMin,
		consumeThreadMax:       DefaultConsumeThreadMax,
		maxSpan:                DefaultConsumeConcurrentlyMaxSpan,
		pullThresholdForQueue:  DefaultPullThresholdForQueue,
		pullThresholdSizeMiB:   DefaultPullThresholdSizeForQueue,
		pullThresholdForTopic:  -1,
		pullThresholdSizeTop:   -1,
		consumeBatchMaxSize:    DefaultConsumeMessageBatchMaxSize,
		pullBatchSize:          DefaultPullBatchSize,
		maxReconsumeTimes:      -1,
		suspendCurrentQueue:    DefaultSuspendCurrentQueue,
		consumeTimeout:         DefaultConsumeTimeout,
		persistInterval:        DefaultPersistConsumerOffsetInterval,
		persistDelay:           DefaultPersistConsumerOffsetDelay,
		pullExceptionDelay:     DefaultPullExceptionDelay,
		rebalanceInterval:      DefaultRebalanceInterval,
		lockInterval:           DefaultRebalanceLockInterval,
		lockExpiry:             DefaultRebalanceLockExpiry,
		pullExpiry:             DefaultPullExpiry,
		unlockDelay:            DefaultUnlockDelay,
		offsetStoreDir:         filepath.Join(home, ".rocketmq_offsets"),
		autoCommit:             true,
		autoCommitInterval:     DefaultAutoCommitInterval,
		pullThreadNums:         DefaultPullThreadNums,
		pullThresholdForAll:    DefaultPullThresholdForAll,
		consumeMaxSpan:         DefaultConsumeMaxSpan,
		pollTimeout:            DefaultPollTimeout,
		brokerSuspendMaxTime:   DefaultBrokerSuspendMaxTime,
		consumerSuspendTimeout: DefaultConsumerTimeoutWhenSuspend,
	}
}

// The options below configure consumers; a producer ignores them.

// WithMessageModel sets how the group shares messages (Java messageModel, default Clustering).
func WithMessageModel(m MessageModel) Option { return func(c *config) { c.messageModel = m } }

// WithConsumeFromWhere sets where the group starts in a queue it has no offset for (Java
// consumeFromWhere, default ConsumeFromLastOffset).
func WithConsumeFromWhere(w ConsumeFromWhere) Option {
	return func(c *config) { c.consumeFromWhere = w }
}

// WithConsumeTimestamp sets the time ConsumeFromTimestamp starts from (Java consumeTimestamp,
// default half an hour before the consumer was made). Java keeps it to the second, as
// "yyyyMMddHHmmss" in local time; so does the consumer.
func WithConsumeTimestamp(t time.Time) Option {
	return func(c *config) { c.consumeTimestamp = t }
}

// WithAllocateStrategy sets how a clustering group's queues are shared among its members (Java
// allocateMessageQueueStrategy, default AllocateAveragely).
func WithAllocateStrategy(s AllocateStrategy) Option { return func(c *config) { c.allocate = s } }

// WithConsumeGoroutines sets how many listener calls run at once (Java consumeThreadMin and
// consumeThreadMax, 20 and 20). As in Java, the consume requests wait in an unbounded queue, so
// only min workers ever run; max is checked (1 to 1000, not below min) and otherwise unused.
func WithConsumeGoroutines(minimum, maximum int) Option {
	return func(c *config) { c.consumeThreadMin, c.consumeThreadMax = minimum, maximum }
}

// WithConsumeConcurrentlyMaxSpan stops pulling a queue while the distance between its first and
// last cached message exceeds span (Java consumeConcurrentlyMaxSpan, 2000; concurrent
// consumers only).
func WithConsumeConcurrentlyMaxSpan(span int) Option { return func(c *config) { c.maxSpan = span } }

// WithPullThresholdForQueue stops pulling a queue while it has more than n messages cached
// (Java pullThresholdForQueue, 1000).
func WithPullThresholdForQueue(n int) Option { return func(c *config) { c.pullThresholdForQueue = n } }

// WithPullThresholdSizeForQueue stops pulling a queue while its cached bodies take more than
// mib MiB (Java pullThresholdSizeForQueue, 100).
func WithPullThresholdSizeForQueue(mib int) Option {
	return func(c *config) { c.pullThresholdSizeMiB = mib }
}

// WithPullThresholdForTopic caps the messages cached for all of the consumer's queues: each
// rebalance that changes them sets the per-queue threshold to n divided by their number, at
// least 1 (Java pullThresholdForTopic, -1: off).
func WithPullThresholdForTopic(n int) Option { return func(c *config) { c.pullThresholdForTopic = n } }

// WithPullThresholdSizeForTopic is WithPullThresholdForTopic for the cached size, in MiB (Java
// pullThresholdSizeForTopic, -1: off).
func WithPullThresholdSizeForTopic(mib int) Option {
	return func(c *config) { c.pullThresholdSizeTop = mib }
}

// WithPullInterval waits d after each pull that found messages before pulling the queue again
// (Java pullInterval, 0).
func WithPullInterval(d time.Duration) Option { return func(c *config) { c.pullInterval = d } }

// WithConsumeMessageBatchMaxSize sets how many messages one listener call gets at most (Java
// consumeMessageBatchMaxSize, 1).
func WithConsumeMessageBatchMaxSize(n int) Option {
	return func(c *config) { c.consumeBatchMaxSize = n }
}

// WithPullBatchSize sets how many messages one pull asks for (Java pullBatchSize: 32 for a push
// consumer, 10 for a lite pull consumer).
func WithPullBatchSize(n int) Option { return func(c *config) { c.pullBatchSize = n } }

// WithPostSubscriptionWhenPull sends the subscription expression with every pull (Java
// postSubscriptionWhenPull, false: the broker uses the heartbeat's).
func WithPostSubscriptionWhenPull(on bool) Option {
	return func(c *config) { c.postSubscription = on }
}

// WithMaxReconsumeTimes sets how often a message is consumed again before it goes to the
// dead-letter queue (Java maxReconsumeTimes: -1, which is 16 for a concurrent listener and no
// limit for an orderly one).
func WithMaxReconsumeTimes(n int) Option { return func(c *config) { c.maxReconsumeTimes = n } }

// WithSuspendCurrentQueueDelay sets how long an orderly queue waits after its listener asked to
// suspend it before the batch is tried again (Java suspendCurrentQueueTimeMillis, 1 s; the
// context's SuspendCurrentQueueTime wins when set).
func WithSuspendCurrentQueueDelay(d time.Duration) Option {
	return func(c *config) { c.suspendCurrentQueue = d }
}

// WithConsumeTimeout sets when a message still being consumed counts as lost: every d, a
// concurrent consumer sends back the cached messages whose consumption started longer than d
// ago (Java consumeTimeout, 15 minutes).
func WithConsumeTimeout(d time.Duration) Option { return func(c *config) { c.consumeTimeout = d } }

// WithShutdownTimeout lets Shutdown wait up to d for the consume requests already queued (Java
// awaitTerminationMillisWhenShutdown, 0: they are dropped, and consumed again later).
func WithShutdownTimeout(d time.Duration) Option { return func(c *config) { c.shutdownTimeout = d } }

// WithPersistConsumerOffsetInterval sets how often consumed offsets are written to the broker
// (or the offset file), first after delay (Java persistConsumerOffsetInterval, 5 s; the first
// run 10 s after the instance starts).
func WithPersistConsumerOffsetInterval(delay, interval time.Duration) Option {
	return func(c *config) { c.persistDelay, c.persistInterval = delay, interval }
}

// WithPullExceptionDelay sets how long a queue waits to be pulled again after a failed pull
// (Java pullTimeDelayMillsWhenException, 1 s).
func WithPullExceptionDelay(d time.Duration) Option {
	return func(c *config) { c.pullExceptionDelay = d }
}

// WithRebalanceInterval sets how often the instance rebalances its consumers' queues when no
// NOTIFY_CONSUMER_IDS_CHANGED asks for it sooner (Java rocketmq.client.rebalance.waitInterval,
// 20 s).
func WithRebalanceInterval(d time.Duration) Option {
	return func(c *config) { c.rebalanceInterval = d }
}

// WithRebalanceLockInterval sets how often an orderly consumer renews the broker locks of its
// queues, the first time a second after it starts (Java rocketmq.client.rebalance.lockInterval,
// 20 s).
func WithRebalanceLockInterval(d time.Duration) Option {
	return func(c *config) { c.lockInterval = d }
}

// WithRebalanceLockExpiry sets how long an orderly consumer trusts a lock it has not renewed
// (Java rocketmq.client.rebalance.lockMaxLiveTime, 30 s); the broker keeps it for 60 s.
func WithRebalanceLockExpiry(d time.Duration) Option {
	return func(c *config) { c.lockExpiry = d }
}

// WithPullExpiry sets how long a queue may go without a pull before rebalance drops it and
// takes it anew (Java rocketmq.client.pull.pullMaxIdleTime, 120 s).
func WithPullExpiry(d time.Duration) Option { return func(c *config) { c.pullExpiry = d } }

// WithUnlockDelay sets how long an orderly consumer that gives up a queue with messages still
// cached waits before unlocking it (Java rocketmq.client.unlockDelayTimeMills, 20 s).
func WithUnlockDelay(d time.Duration) Option { return func(c *config) { c.unlockDelay = d } }

// WithOffsetStoreDir sets where a broadcasting consumer keeps its offsets:
// dir/clientID/group/offsets.json (Java rocketmq.client.localOffsetStoreDir, default
// ~/.rocketmq_offsets).
func WithOffsetStoreDir(dir string) Option { return func(c *config) { c.offsetStoreDir = dir } }

// WithConcurrentListener makes a push consumer consume concurrently, as Java's
// MessageListenerConcurrently.
func WithConcurrentListener(l ConcurrentListener) Option {
	return func(c *config) { c.concurrently, c.orderly = l, nil }
}

// WithOrderlyListener makes a push consumer consume each queue in order, one batch at a time,
// holding the queue's broker lock (clustering), as Java's MessageListenerOrderly.
func WithOrderlyListener(l OrderlyListener) Option {
	return func(c *config) { c.orderly, c.concurrently = l, nil }
}

// WithAutoCommit sets whether a lite pull consumer commits what Poll returned by itself, at most
// every WithAutoCommitInterval, at the next Poll (Java autoCommit, true).
func WithAutoCommit(on bool) Option { return func(c *config) { c.autoCommit = on } }

// WithAutoCommitInterval sets how often a lite pull consumer commits by itself (Java
// autoCommitIntervalMillis, 5 s). An interval under MinAutoCommitInterval is ignored, as Java's
// setter ignores it.
func WithAutoCommitInterval(d time.Duration) Option {
	return func(c *config) {
		if d >= MinAutoCommitInterval {
			c.autoCommitInterval = d
		}
	}
}

// WithPullGoroutines sets how many queues a lite pull consumer pulls at once (Java
// pullThreadNums, 20).
func WithPullGoroutines(n int) Option { return func(c *config) { c.pullThreadNums = max(n, 1) } }

// WithPullThresholdForAll stops a lite pull consumer pulling while more than about n messages
// wait for Poll (Java pullThresholdForAll, 10,000).
func WithPullThresholdForAll(n int) Option { return func(c *config) { c.pullThresholdForAll = n } }

// WithPollTimeout sets how long Poll waits for messages when its context has no earlier
// deadline (Java pollTimeoutMillis, 5 s).
func WithPollTimeout(d time.Duration) Option { return func(c *config) { c.pollTimeout = d } }
