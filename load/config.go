package load

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
)

// Mode is how messages are sent.
type Mode string

// The send modes of a run.
const (
	ModeSync   Mode = "sync"   // Producer.Send
	ModeAsync  Mode = "async"  // Producer.SendAsync, up to Config.InFlight outstanding per sender
	ModeOneway Mode = "oneway" // Producer.SendOneway
	ModeBatch  Mode = "batch"  // Producer.SendBatch of Config.BatchSize messages
)

// ParseMode reads "sync", "async", "oneway" or "batch".
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeSync, ModeAsync, ModeOneway, ModeBatch:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want sync, async, oneway or batch)", s)
}

// ConsumerKind is which of our consumers a run's consumers are.
type ConsumerKind string

// The consumer kinds of a run.
const (
	ConsumerPush     ConsumerKind = "push"     // PushConsumer with a concurrent listener
	ConsumerLitePull ConsumerKind = "litepull" // LitePullConsumer, polled, auto-commit
	ConsumerOrderly  ConsumerKind = "orderly"  // PushConsumer with an orderly listener
)

// ParseConsumerKind reads "push", "litepull" or "orderly".
func ParseConsumerKind(s string) (ConsumerKind, error) {
	switch k := ConsumerKind(s); k {
	case ConsumerPush, ConsumerLitePull, ConsumerOrderly:
		return k, nil
	}
	return "", fmt.Errorf("unknown consumer kind %q (want push, litepull or orderly)", s)
}

// SenderProperty is the user property of an orderly run that names the sender of a message,
// "<producer>.<sender>": a sender's messages go to one queue in the order of their keys, and
// the consumers check that order.
const SenderProperty = "ROCKETSIM_LOAD_SENDER"

// KeyProperty is the user property that carries each message's unique key,
// "<run id>-<sequence>", by which the stores are checked after a run.
const KeyProperty = "ROCKETSIM_LOAD_KEY"

// Defaults of a run.
const (
	// DefaultTopic is not Java's "RocketsimLoad": brokers create that one themselves with 1024
	// queues, which would override -queues on brokers the run does not configure.
	DefaultTopic = "RocketsimLoad"
	DefaultGroup = "rocketsim_load"
	// DefaultBrokers is one, as for sim serve and sim real: the smallest cluster, which the
	// shipped plans, needing two, override.
	DefaultBrokers     = 1
	DefaultQueues      = 4
	DefaultProducers   = 1
	DefaultConcurrency = 4
	DefaultInFlight    = 16
	DefaultBatchSize   = 16
	DefaultSize        = 128
	DefaultDuration    = 10 * time.Second
	DefaultInterval    = time.Second
	DefaultSettle      = 100 * time.Millisecond
	// DefaultDrain bounds the wait, after the last send, for consumers to consume every
	// acknowledged message: a failed message comes back after 10 s (delay level 3), a second
	// failure 30 s after that.
	DefaultDrain = time.Minute
	// DefaultBalanceTimeout is a little more than the consumers' periodic rebalance (20 s),
	// for a group whose change notice was lost.
	DefaultBalanceTimeout = 25 * time.Second
)

// Values of Config.MaxFailed besides a count.
const (
	AnyFailures int64 = -1 // failed sends never fail the run
	NoFailures  int64 = -2 // one failed send fails the run, even when the plan expects failures
)

// Config describes a run. The zero value of a field means its default.
type Config struct {
	// NameServer is "host:port" of an existing cluster's name server; "" starts an in-process
	// fake cluster of Brokers brokers.
	NameServer string
	Brokers    int
	// MemNetwork runs the in-process cluster on a remoting.MemNetwork instead of loopback TCP.
	MemNetwork bool

	Topic  string // topic name; with Topics > 1 the topics are Topic-0, Topic-1, ...
	Topics int
	Queues int // write queues of each topic on each broker (when the run creates the topic)

	Mode        Mode
	Producers   int // producer instances (each its own client instance)
	Concurrency int // senders per producer
	InFlight    int // async: outstanding sends per sender
	BatchSize   int // batch: messages per SEND_BATCH_MESSAGE
	Size        int // body bytes

	Rate     float64       // messages per second over all senders; 0: as fast as possible
	Duration time.Duration // how long to send (ignored when Messages > 0)
	Messages int64         // how many messages to send; 0: send for Duration

	SendTimeout       time.Duration // client.WithSendTimeout (0: the client's 3 s)
	AttemptTimeout    time.Duration // client.WithAttemptTimeout (0: none)
	Retries           int           // client.WithRetries and WithAsyncRetries; 0: the client's 2; < 0: none
	LatencyFault      bool          // client.WithLatencyFaultTolerance(&client.DefaultLatencyTable)
	RoutePollInterval time.Duration // client.WithPollNameServerInterval (0: the plan's, else 30 s)

	Plan      *Plan   // applied during the run: to the in-process cluster, or through SimAdmin
	PlanSpeed float64 // divides every time of the plan (offsets, windows, expiry); 0 or 1: as written

	// SimAdmin is the admin API's base URL ("http://host:port") of the sim serve (or sim proxy)
	// whose name server NameServer is: the plan's broker and fault steps go through it, and its
	// steps are marked on its timeline (POST /v1/marks). SimAdminToken is its bearer token.
	SimAdmin      string
	SimAdminToken string
	// Mark, when set, is called with the label of each plan step as it is applied (and of each
	// fault window as it opens and ends), besides the marks SimAdmin gets: how `sim load -admin`
	// marks its in-process cluster's timeline.
	Mark func(label string)
	// OnCluster, when set, is called with the in-process cluster once it has started (not with
	// NameServer); the function it returns, if any, is called before the cluster closes. It is
	// how `sim load -admin` serves the cluster's admin API and console during the run.
	OnCluster func(*fakecluster.Cluster) (detach func())

	Interval time.Duration // progress and report sampling interval
	// Settle is how long to wait after the last outcome before the stores are read back, for
	// attempts a broker is still holding (a delay fault) to be stored; 0: the longest delay of
	// the plan's faults plus DefaultSettle.
	Settle time.Duration

	// Consumers is how many consumers of ConsumerKind consume the run's topics, in a group of
	// the run's own that starts at each queue's first offset; 0: none, or the plan's.
	Consumers    int
	ConsumerKind ConsumerKind
	// ConsumeTime is how long consuming each message takes (a slow consumer).
	ConsumeTime time.Duration
	// ConsumeFailRate is the share (0..1) of deliveries the listener fails: RECONSUME_LATER for
	// push, SUSPEND_CURRENT_QUEUE_A_MOMENT for orderly. Lite pull has no status to fail.
	ConsumeFailRate float64
	// Drain is how long, after the last send, the consumers get to consume every acknowledged
	// message before the missing ones count as lost; it ends as soon as none is missing.
	Drain time.Duration
	// BalanceTimeout bounds the wait, before the first send, for the consumers to share the
	// topics' queues among them.
	BalanceTimeout time.Duration

	// MaxFailed is how many failed sends a run may have and still pass (Result.Problems):
	// 0: none, unless the plan expects failures (then any); AnyFailures; NoFailures: none even
	// then.
	MaxFailed int64

	Progress      io.Writer       // live progress lines and notes; nil: discarded
	ClientOptions []client.Option // extra producer options, applied last
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.Brokers == 0 {
		out.Brokers = DefaultBrokers
		if out.Plan != nil && out.Plan.Brokers > 0 {
			out.Brokers = out.Plan.Brokers
		}
	}
	if out.Topic == "" {
		out.Topic = DefaultTopic
	}
	if out.Topics == 0 {
		out.Topics = 1
	}
	if out.Queues == 0 {
		out.Queues = DefaultQueues
		if out.Plan != nil && out.Plan.Queues > 0 {
			out.Queues = out.Plan.Queues
		}
	}
	if out.Mode == "" {
		out.Mode = ModeSync
	}
	if out.Producers == 0 {
		out.Producers = DefaultProducers
	}
	if out.Concurrency == 0 {
		out.Concurrency = DefaultConcurrency
	}
	if out.InFlight == 0 {
		out.InFlight = DefaultInFlight
	}
	if out.BatchSize == 0 {
		out.BatchSize = DefaultBatchSize
	}
	if out.Size == 0 {
		out.Size = DefaultSize
	}
	if out.PlanSpeed == 0 {
		out.PlanSpeed = 1
	}
	if out.Duration == 0 && out.Messages == 0 {
		out.Duration = DefaultDuration
		if out.Plan != nil && out.Plan.Duration > 0 {
			out.Duration = out.scale(out.Plan.Duration.D())
		}
	}
	if out.RoutePollInterval == 0 && out.Plan != nil && out.Plan.RoutePollInterval > 0 {
		out.RoutePollInterval = out.scale(out.Plan.RoutePollInterval.D())
	}
	if out.Interval == 0 {
		out.Interval = DefaultInterval
	}
	if out.Consumers == 0 && out.Plan != nil {
		out.Consumers = out.Plan.Consumers
	}
	if out.ConsumerKind == "" {
		out.ConsumerKind = ConsumerPush
		if out.Plan != nil && out.Plan.ConsumerKind != "" {
			out.ConsumerKind = out.Plan.ConsumerKind
		}
	}
	if out.Plan != nil {
		if out.ConsumeTime == 0 {
			out.ConsumeTime = out.Plan.ConsumeTime.D()
		}
		if out.ConsumeFailRate == 0 {
			out.ConsumeFailRate = out.Plan.ConsumeFailRate
		}
	}
	if out.Drain == 0 {
		out.Drain = DefaultDrain
	}
	if out.BalanceTimeout == 0 {
		out.BalanceTimeout = DefaultBalanceTimeout
	}
	switch {
	case out.MaxFailed == NoFailures:
		out.MaxFailed = 0
	case out.MaxFailed == 0 && out.Plan != nil && out.Plan.ExpectsFailures:
		out.MaxFailed = AnyFailures
	}
	if out.Progress == nil {
		out.Progress = io.Discard
	}
	return out
}

// scale divides a plan time by the plan speed.
func (c *Config) scale(d time.Duration) time.Duration {
	if c.PlanSpeed <= 0 || c.PlanSpeed == 1 {
		return d
	}
	return time.Duration(float64(d) / c.PlanSpeed)
}

// Validate reports the first field out of range.
func (c *Config) Validate() error {
	d := c.withDefaults()
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	_, err := ParseMode(string(d.Mode))
	check(err == nil, "%v", err)
	check(d.Brokers >= 1 && d.Brokers <= 64, "brokers must be 1..64")
	check(d.Topics >= 1 && d.Topics <= 1024, "topics must be 1..1024")
	check(d.Queues >= 1 && d.Queues <= 1024, "queues must be 1..1024")
	check(d.Producers >= 1 && d.Producers <= 1024, "producers must be 1..1024")
	check(d.Concurrency >= 1 && d.Concurrency <= 4096, "concurrency must be 1..4096")
	check(d.InFlight >= 1 && d.InFlight <= 65536, "inflight must be 1..65536")
	check(d.BatchSize >= 1 && d.BatchSize <= 4096, "batch size must be 1..4096")
	check(d.Size >= 1 && d.Size <= client.DefaultMaxMessageSize, "size must be 1..%d", client.DefaultMaxMessageSize)
	check(d.Rate >= 0, "rate must not be negative")
	check(d.Duration >= 0 && d.Messages >= 0, "duration and messages must not be negative")
	check(d.PlanSpeed > 0, "plan speed must be positive")
	check(d.Interval >= 10*time.Millisecond, "interval must be at least 10ms")
	check(d.Settle >= 0, "settle must not be negative")
	_, err = ParseConsumerKind(string(d.ConsumerKind))
	check(err == nil, "%v", err)
	check(d.Consumers >= 0 && d.Consumers <= 256, "consumers must be 0..256")
	check(d.ConsumeTime >= 0, "consume time must not be negative")
	check(d.ConsumeFailRate >= 0 && d.ConsumeFailRate < 1, "consume fail rate must be in [0, 1)")
	check(d.ConsumeFailRate == 0 || d.ConsumerKind != ConsumerLitePull,
		"a lite pull consumer has no consume status to fail: consume fail rate is for push and orderly")
	check(d.Drain > 0, "drain must be positive")
	check(d.MaxFailed >= AnyFailures, "max failed must be a count, AnyFailures or NoFailures")
	check(d.BalanceTimeout > 0, "balance timeout must be positive")
	check(d.ConsumerKind != ConsumerOrderly || d.Consumers == 0 || d.Mode == ModeSync,
		"an orderly run sends in order, one message at a time per sender: mode sync")
	check(d.SimAdmin == "" || d.NameServer != "", "the sim admin API goes with the name server of the cluster it serves (-namesrv)")
	check(d.OnCluster == nil || d.NameServer == "", "OnCluster is for the in-process cluster (no -namesrv)")
	for _, t := range d.topicNames() {
		if err := protocol.CheckTopic(t); err != nil {
			check(false, "topic: %v", err)
			break
		}
	}
	if d.Plan != nil {
		check(d.NameServer == "" || d.SimAdmin != "",
			"a plan against -namesrv needs the admin API of the sim serve (or sim proxy) behind it (-sim-admin)")
		brokers := d.Brokers
		if d.NameServer != "" {
			brokers = 0 // the cluster's names are not known here: the admin API checks them
		}
		if err := d.Plan.validate(brokers); err != nil {
			errs = append(errs, err)
		}
		for _, s := range d.Plan.Steps {
			if isConsumerStep(s.Action) && d.Consumers == 0 {
				check(false, "the plan's %s step needs consumers (-consumers, or the plan's consumers)", s.Action)
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Config) topicNames() []string {
	if c.Topics <= 1 {
		return []string{c.Topic}
	}
	out := make([]string, c.Topics)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", c.Topic, i)
	}
	return out
}
