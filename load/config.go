package load

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rocketsim/rocketsim/client"
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

// KeyProperty is the user property that carries each message's unique key,
// "<run id>-<sequence>", by which the stores are checked after a run.
const KeyProperty = "ROCKETSIM_LOAD_KEY"

// Defaults of a run.
const (
	// DefaultTopic is not Java's "RocketsimLoad": brokers create that one themselves with 1024
	// queues, which would override -queues on brokers the run does not configure.
	DefaultTopic       = "RocketsimLoad"
	DefaultGroup       = "rocketsim_load"
	DefaultBrokers     = 2
	DefaultQueues      = 4
	DefaultProducers   = 1
	DefaultConcurrency = 4
	DefaultInFlight    = 16
	DefaultBatchSize   = 16
	DefaultSize        = 128
	DefaultDuration    = 10 * time.Second
	DefaultInterval    = time.Second
	DefaultSettle      = 100 * time.Millisecond
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

	Plan      *Plan   // applied during the run (in-process cluster only)
	PlanSpeed float64 // divides every time of the plan (offsets, windows, expiry); 0 or 1: as written

	Interval time.Duration // progress and report sampling interval
	// Settle is how long to wait after the last outcome before the stores are read back, for
	// attempts a broker is still holding (a delay fault) to be stored; 0: the longest delay of
	// the plan's faults plus DefaultSettle.
	Settle time.Duration

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
	for _, t := range d.topicNames() {
		if err := protocol.CheckTopic(t); err != nil {
			check(false, "topic: %v", err)
			break
		}
	}
	if d.Plan != nil {
		check(d.NameServer == "", "a plan needs the in-process cluster (no -namesrv)")
		if err := d.Plan.validate(d.Brokers); err != nil {
			errs = append(errs, err)
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
