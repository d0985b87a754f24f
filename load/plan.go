package load

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// Duration is a time.Duration written as "1.5s", "300ms" in plan files (a bare number is
// milliseconds).
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "1.5s" or a number of milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var ms float64
		if err := json.Unmarshal(b, &ms); err != nil {
			return fmt.Errorf("duration: want a string such as \"1.5s\" or milliseconds, got %s", b)
		}
		*d = Duration(ms * float64(time.Millisecond))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Plan is a timed fault plan: steps applied to the in-process cluster at their offsets from
// the start of sending. Its optional settings size the cluster and the timers so that the plan
// means what it says in a short run.
type Plan struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Duration is the run's duration when neither a duration nor a message count is given.
	Duration Duration `json:"duration,omitempty"`
	Brokers  int      `json:"brokers,omitempty"` // brokers of the in-process cluster
	Queues   int      `json:"queues,omitempty"`  // queues of the topic on each broker
	// TopicBrokers creates the run's topics on these brokers only (default: every broker).
	TopicBrokers []string `json:"topicBrokers,omitempty"`
	// RoutePollInterval is how often the producers and consumers refresh routes (Java 30 s),
	// and the consumers rebalance (Java 20 s), so that route changes reach them during a short
	// run.
	RoutePollInterval Duration `json:"routePoll,omitempty"`
	// BrokerExpiry is the name server's broker expiry (120 s): a silenced broker drops out of
	// the routes after it. Brokers then register every third of it, and the name server scans
	// every quarter of it.
	BrokerExpiry Duration `json:"brokerExpiry,omitempty"`
	// Consumers, ConsumerKind, ConsumeTime and ConsumeFailRate are the run's consumers when
	// the command line names none.
	Consumers       int          `json:"consumers,omitempty"`
	ConsumerKind    ConsumerKind `json:"consumerKind,omitempty"`
	ConsumeTime     Duration     `json:"consumeTime,omitempty"`
	ConsumeFailRate float64      `json:"consumeFailRate,omitempty"`
	// MessageDelayLevel is the in-process brokers' messageDelayLevel ("1s 5s 10s ..."): a
	// failed message comes back after level 3 plus its reconsume times, 10 s at first by
	// default, which a short run may not wait for.
	MessageDelayLevel string `json:"messageDelayLevel,omitempty"`
	// ExpectsFailures says that the plan makes sends fail on purpose (a broker refusing them):
	// failed sends then fail the run only beyond an explicit Config.MaxFailed.
	ExpectsFailures bool   `json:"expectsFailures,omitempty"`
	Steps           []Step `json:"steps"`
}

// Step is one action of a plan.
//
//	crash        broker: stop it as a killed process (fakecluster.CrashBroker)
//	stop         broker: stop it cleanly (it unregisters)
//	start        broker: bring it back with its messages
//	silence      broker: stop its registrations while it serves (it expires on the name server)
//	unsilence    broker: register again at once
//	fault        fault: add a rule ({"target":"broker-a","action":"delay","delayMs":200,...},
//	             the admin API's form); with "sends": true the rule is added for each send code
//	             (SEND_MESSAGE, SEND_MESSAGE_V2, SEND_BATCH_MESSAGE) when its code is 0
//	clear-faults remove every rule
//	create-topic topic (default: the run's topics), queues, brokers (default: every broker):
//	             create or update a topic, as mqadmin updateTopic does; routes change at once
//	delete-topic topic (default: the run's topics), brokers: remove it from those brokers
//
// Consumer steps name a consumer by its number ("consumer", 0 by default): the run's
// consumers are 0..N-1 and each add-consumer takes the next number.
//
//	kill-consumer    stop it as a killed process: its connections drop, nothing is persisted or
//	                 unregistered, what it consumed since its last offset commit comes again
//	restart-consumer start a killed or removed consumer again, as a new process (a running one
//	                 is shut down cleanly first)
//	add-consumer     a new member joins the group
//	remove-consumer  shut it down cleanly: it persists its offsets and leaves the group
//	pause-consumer   stop consuming (push: Suspend; lite pull: Pause of the queues it holds
//	                 then) while it stays in the group
//	resume-consumer  consume again
type Step struct {
	At      Duration                  `json:"at"`
	Action  string                    `json:"action"`
	Broker  string                    `json:"broker,omitempty"`
	Fault   *fakecluster.FaultRequest `json:"fault,omitempty"`
	Sends   bool                      `json:"sends,omitempty"`
	Topic   string                    `json:"topic,omitempty"`
	Queues  int                       `json:"queues,omitempty"`
	Brokers []string                  `json:"brokers,omitempty"`
	// Consumer is the number of the consumer of a consumer step.
	Consumer int    `json:"consumer,omitempty"`
	Note     string `json:"note,omitempty"`
}

var stepActions = []string{"crash", "stop", "start", "silence", "unsilence", "fault", "clear-faults", "create-topic", "delete-topic",
	"kill-consumer", "restart-consumer", "add-consumer", "remove-consumer", "pause-consumer", "resume-consumer"}

func isConsumerStep(action string) bool { return strings.HasSuffix(action, "-consumer") }

// LoadPlan reads a plan from a .json, .yaml or .yml file.
func LoadPlan(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	p, err := ParsePlan(data, ext == ".yaml" || ext == ".yml")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return p, nil
}

// ParsePlan reads a plan in JSON, or YAML when isYAML (the same fields). Unknown fields are
// errors, so that a misspelt key does not silently do nothing.
func ParsePlan(data []byte, isYAML bool) (*Plan, error) {
	if isYAML {
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		j, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
		data = j
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	if err := p.validate(0); err != nil {
		return nil, err
	}
	return &p, nil
}

// validate checks the steps; brokers > 0 also checks broker names against the cluster size.
func (p *Plan) validate(brokers int) error {
	var errs []error
	known := func(name string) bool {
		if brokers <= 0 {
			return name != ""
		}
		for i := range brokers {
			if fakecluster.BrokerName(i) == name {
				return true
			}
		}
		return false
	}
	if p.ConsumerKind != "" {
		if _, err := ParseConsumerKind(string(p.ConsumerKind)); err != nil {
			errs = append(errs, fmt.Errorf("consumerKind: %w", err))
		}
	}
	if p.Consumers < 0 {
		errs = append(errs, errors.New("consumers must not be negative"))
	}
	for _, b := range p.TopicBrokers {
		if !known(b) {
			errs = append(errs, fmt.Errorf("topicBrokers: unknown broker %q", b))
		}
	}
	for i, s := range p.Steps {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("step %d (%s at %v): %s", i+1, s.Action, s.At.D(), fmt.Sprintf(format, args...)))
		}
		if s.At < 0 {
			bad("negative offset")
		}
		switch s.Action {
		case "crash", "stop", "start", "silence", "unsilence":
			if !known(s.Broker) {
				bad("unknown or missing broker %q", s.Broker)
			}
		case "fault":
			if s.Fault == nil {
				bad("missing fault")
			} else if s.Fault.Target != fakecluster.NameServerTarget && !known(s.Fault.Target) {
				bad("unknown fault target %q", s.Fault.Target)
			}
		case "clear-faults", "add-consumer":
		case "kill-consumer", "restart-consumer", "remove-consumer", "pause-consumer", "resume-consumer":
			if s.Consumer < 0 {
				bad("negative consumer number")
			}
		case "create-topic", "delete-topic":
			for _, b := range s.Brokers {
				if !known(b) {
					bad("unknown broker %q", b)
				}
			}
			if s.Action == "create-topic" && (s.Queues < 0 || s.Queues > 1024) {
				bad("queues must be 0..1024")
			}
		default:
			bad("unknown action (want one of %s)", strings.Join(stepActions, ", "))
		}
	}
	return errors.Join(errs...)
}

// maxDelay is the longest delay of the plan's fault rules.
func (p *Plan) maxDelay() time.Duration {
	var d time.Duration
	if p == nil {
		return 0
	}
	for _, s := range p.Steps {
		if s.Fault != nil {
			d = max(d, s.Fault.Rule.Delay)
		}
	}
	return d
}

// describe is the step as the progress output and the report name it, its fault window
// scaled by speed.
func (s Step) describe(speed float64) string {
	var b strings.Builder
	b.WriteString(s.Action)
	switch s.Action {
	case "crash", "stop", "start", "silence", "unsilence":
		b.WriteString(" " + s.Broker)
	case "fault":
		r := s.Fault.Rule
		if speed > 0 && speed != 1 {
			r.For = time.Duration(float64(r.For) / speed)
		}
		fmt.Fprintf(&b, " %s %s", s.Fault.Target, r.Action)
		if r.Delay > 0 {
			fmt.Fprintf(&b, " %v", r.Delay)
		}
		if r.Action == fault.ActionError || r.Action == fault.ActionOverride {
			fmt.Fprintf(&b, " code %d", r.ResponseCode)
		}
		switch {
		case s.Sends && r.Code == 0:
			b.WriteString(" on sends")
		case r.Code != 0:
			fmt.Fprintf(&b, " on %s", remoting.RequestCodeName(r.Code))
		}
		if r.Probability > 0 && r.Probability < 1 {
			fmt.Fprintf(&b, " p=%g", r.Probability)
		}
		if r.Times > 0 {
			fmt.Fprintf(&b, " x%d", r.Times)
		}
		if r.For > 0 {
			fmt.Fprintf(&b, " for %v", r.For)
		}
	case "kill-consumer", "restart-consumer", "remove-consumer", "pause-consumer", "resume-consumer":
		fmt.Fprintf(&b, " %d", s.Consumer)
	case "create-topic", "delete-topic":
		if s.Topic != "" {
			b.WriteString(" " + s.Topic)
		}
		if s.Queues > 0 {
			fmt.Fprintf(&b, " queues=%d", s.Queues)
		}
		if len(s.Brokers) > 0 {
			b.WriteString(" on " + strings.Join(s.Brokers, ","))
		}
	}
	if s.Note != "" {
		b.WriteString(" (" + s.Note + ")")
	}
	return b.String()
}

// Event is a plan step as it was applied.
type Event struct {
	Offset time.Duration // since the start of sending; a step not reached: where it was due
	Text   string
	Err    string // why the step failed, "" when it did not
	// NotReached says the run ended before the step's offset, so the step never happened.
	NotReached bool

	step Step // what was applied, to pair the step that begins a fault with the one ending it
}

// Window is a fault in force, from the step that began it to the step that ended it, or to
// the end of the run when none did: what the report shades in its charts.
type Window struct {
	From, To time.Duration // since the start of sending
	Text     string
}

// faultWindows pairs the steps that happened into windows: crash or stop until the broker's
// start, silence until unsilence, a fault rule from its start (offset plus its From) until
// its For runs out or a clear-faults, a paused consumer until resumed, a killed or removed
// one until restarted, a deleted topic until created again. A fault rule still in force when
// the sending ended lasts until then (the run clears the faults), anything else until end.
func faultWindows(events []Event, speed float64, sendEnd, end time.Duration) []Window {
	type open struct {
		w    Window
		key  string // the step that ends it: its action and subject
		rule bool   // a fault rule, which clear-faults ends
	}
	var opens []open
	var out []Window
	closeWhere := func(at time.Duration, match func(open) bool) {
		kept := opens[:0]
		for _, o := range opens {
			if match(o) {
				o.w.To = max(o.w.From, at)
				out = append(out, o.w)
			} else {
				kept = append(kept, o)
			}
		}
		opens = kept
	}
	scale := func(d time.Duration) time.Duration {
		if speed > 0 && speed != 1 {
			return time.Duration(float64(d) / speed)
		}
		return d
	}
	for _, ev := range events {
		if ev.NotReached || ev.Err != "" {
			continue
		}
		s := ev.step
		consumer := "consumer " + strconv.Itoa(s.Consumer)
		begin := func(key string) {
			opens = append(opens, open{w: Window{From: ev.Offset, Text: ev.Text}, key: key})
		}
		switch s.Action {
		case "crash", "stop":
			begin("start " + s.Broker)
		case "silence":
			begin("unsilence " + s.Broker)
		case "pause-consumer":
			begin("resume " + consumer)
		case "kill-consumer", "remove-consumer":
			begin("restart " + consumer)
		case "delete-topic":
			begin("create-topic " + s.Topic)
		case "fault":
			r := s.Fault.Rule
			w := Window{From: ev.Offset + scale(r.From), Text: ev.Text}
			if r.For > 0 {
				w.To = max(w.From, min(w.From+scale(r.For), sendEnd))
				out = append(out, w)
				continue
			}
			opens = append(opens, open{w: w, rule: true})
		case "start", "unsilence":
			closeWhere(ev.Offset, func(o open) bool { return o.key == s.Action+" "+s.Broker })
		case "resume-consumer", "restart-consumer":
			verb, _, _ := strings.Cut(s.Action, "-")
			closeWhere(ev.Offset, func(o open) bool { return o.key == verb+" "+consumer })
		case "create-topic":
			closeWhere(ev.Offset, func(o open) bool { return o.key == "create-topic "+s.Topic })
		case "clear-faults":
			closeWhere(ev.Offset, func(o open) bool { return o.rule })
		}
	}
	closeWhere(sendEnd, func(o open) bool { return o.rule })
	closeWhere(end, func(open) bool { return true })
	slices.SortStableFunc(out, func(a, b Window) int { return cmp.Compare(a.From, b.From) })
	return out
}

// applyStep carries out one step on the cluster or the consumers; topics are the run's topics.
func applyStep(ctx context.Context, c backend.Cluster, cons *consumerPool, s Step, topics []string, speed float64, queues int) error {
	if isConsumerStep(s.Action) {
		if cons == nil {
			return errors.New("the run has no consumers (-consumers or the plan's consumers)")
		}
		return cons.apply(s)
	}
	switch s.Action {
	case "crash":
		return c.Crash(ctx, s.Broker)
	case "stop":
		return c.Stop(ctx, s.Broker)
	case "start":
		return c.Restart(ctx, s.Broker)
	case "silence", "unsilence":
		return c.Silence(ctx, s.Broker, s.Action == "silence")
	case "fault":
		r := s.Fault.Rule
		if speed > 0 && speed != 1 {
			r.From = time.Duration(float64(r.From) / speed)
			r.For = time.Duration(float64(r.For) / speed)
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if s.Sends && r.Code == 0 {
			for _, code := range []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage} {
				rc := r
				rc.Code = code
				if err := c.AddFault(s.Fault.Target, rc); err != nil {
					return err
				}
			}
			return nil
		}
		return c.AddFault(s.Fault.Target, r)
	case "clear-faults":
		return c.ClearFaults()
	case "create-topic", "delete-topic":
		names := topics
		if s.Topic != "" {
			names = []string{s.Topic}
		}
		var errs []error
		for _, t := range names {
			if s.Action == "create-topic" {
				errs = append(errs, c.CreateTopic(ctx, t, cmpOr(s.Queues, queues), s.Brokers...))
			} else {
				errs = append(errs, c.DeleteTopic(ctx, t, s.Brokers...))
			}
		}
		return errors.Join(errs...)
	}
	return fmt.Errorf("unknown action %q", s.Action)
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// sortedSteps returns the steps by offset, stable for equal offsets.
func (p *Plan) sortedSteps() []Step {
	steps := slices.Clone(p.Steps)
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	return steps
}
