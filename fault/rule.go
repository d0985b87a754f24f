package fault

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rocketsim/rocketsim/remoting"
)

// Action is what a rule does to a request it matches.
type Action string

const (
	// ActionDelay holds the request for Rule.Delay, then lets the real handler serve it: a
	// slow broker, which still stores a delayed send.
	ActionDelay Action = "delay"
	// ActionDrop loses the request before any handler sees it and answers nothing, as a
	// black-holed network would: the client times out, and a dropped send is not stored.
	ActionDrop Action = "drop"
	// ActionError answers Rule.ResponseCode and Rule.Remark without running the handler: a
	// refusing broker, so nothing is stored.
	ActionError Action = "error"
	// ActionClose closes the connection the request came on without answering or running the
	// handler; every other request in flight on that connection fails with it.
	ActionClose Action = "close"
	// ActionCorrupt runs the handler (a send is stored) and writes, instead of its answer, a
	// frame whose header is not JSON. The client rejects the frame and closes the connection,
	// so the request, and every other one pending on that connection, fails with a
	// closed-connection error; ours wraps both remoting.ErrConnectionClosed and
	// remoting.ErrMalformedFrame. A handler that answers later through Request.Respond has no
	// answer to corrupt: its answer goes through unharmed.
	ActionCorrupt Action = "corrupt"
	// ActionOverride runs the handler (a send is stored) and answers with Rule.ResponseCode
	// instead of the handler's code, keeping its header and body; Rule.Remark replaces the
	// remark when set. This is a broker that stored a message but reports FLUSH_DISK_TIMEOUT
	// (10), FLUSH_SLAVE_TIMEOUT (12) or SLAVE_NOT_AVAILABLE (11), which Java's client turns
	// into a send result with that status rather than an error.
	ActionOverride Action = "override"
)

// Rule says which requests to harm and how. The zero values of the optional fields mean "no
// restriction": any code, any topic, any group, every time, forever.
//
// In JSON (the admin API and plan files) a rule reads
//
//	{"code":310,"topic":"T","group":"G","action":"delay","delayMs":2000,
//	 "responseCode":2,"remark":"busy","times":1,"probability":0.5,"fromMs":0,"forMs":0}
//
// with durations in whole milliseconds; unknown keys (such as the admin API's "target") are
// ignored. Rule implements json.Unmarshaler, so decode the admin body into a Rule of its own
// rather than into a struct that embeds one (the embedded method would take over the whole
// struct).
type Rule struct {
	Code  int32  // request code to match; 0 matches every code
	Topic string // match only requests for this topic (see Entry.Topic for where it is read)
	Group string // match only requests naming this producer or consumer group

	Action Action
	// Delay holds the request before the action, whatever the action: with ActionError it
	// makes a slow refusal, with ActionClose a connection that dies after a while. Required for
	// ActionDelay. The wait ends early when the connection closes; the action then goes on, so
	// a handler that was to run still runs, as a real broker still processes a request whose
	// client went away.
	Delay time.Duration

	ResponseCode int32  // ActionError's and ActionOverride's code; 0 stands for SYSTEM_ERROR with ActionError
	Remark       string // ActionError's remark; ActionOverride's when not empty

	// Times is how many requests the rule harms before it retires: 1 is one-shot, 0 keeps it
	// until it is removed or its window ends.
	Times int
	// Probability, strictly between 0 and 1, makes a matching request harmed only that often,
	// decided by the injector's seeded generator; a request that escapes goes on to the next
	// rules. 0 and 1 both mean every time.
	Probability float64

	// From and For make a window, counted from when the rule is added: the rule matches
	// nothing before From has passed, and retires once For has passed after that (For 0:
	// never). Relative rather than absolute times, so a plan means the same whenever it is
	// started, and so virtual time in a testing/synctest bubble drives it like real time.
	From time.Duration
	For  time.Duration
}

// Validate reports what makes the rule unusable. Injector.Add panics on such a rule, so check
// rules that come from outside the program (admin API, plan files) first; UnmarshalJSON does.
func (r Rule) Validate() error {
	var errs []error
	switch r.Action {
	case ActionDelay:
		if r.Delay <= 0 {
			errs = append(errs, errors.New("action delay needs a positive delay"))
		}
	case ActionDrop, ActionError, ActionClose, ActionCorrupt:
	case ActionOverride:
		if r.ResponseCode == 0 {
			errs = append(errs, errors.New("action override needs a responseCode"))
		}
	case "":
		errs = append(errs, errors.New("no action"))
	default:
		errs = append(errs, fmt.Errorf("unknown action %q (want delay, drop, error, close, corrupt or override)", r.Action))
	}
	if r.Delay < 0 {
		errs = append(errs, errors.New("negative delay"))
	}
	if r.Times < 0 {
		errs = append(errs, errors.New("negative times"))
	}
	if !(r.Probability >= 0 && r.Probability <= 1) { // also rejects NaN
		errs = append(errs, fmt.Errorf("probability %v outside [0, 1]", r.Probability))
	}
	if r.From < 0 || r.For < 0 {
		errs = append(errs, errors.New("negative window"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fault: invalid rule: %w", err)
	}
	return nil
}

// String describes the rule for logs and test failures.
func (r Rule) String() string {
	s := string(r.Action)
	if r.Delay > 0 {
		s += " after " + r.Delay.String()
	}
	if r.Action == ActionError || r.Action == ActionOverride {
		s += fmt.Sprintf(" code %d %q", r.answerCode(), r.Remark)
	}
	if r.Code != 0 {
		s += fmt.Sprintf(" on code %d", r.Code)
	} else {
		s += " on every code"
	}
	if r.Topic != "" {
		s += " topic " + r.Topic
	}
	if r.Group != "" {
		s += " group " + r.Group
	}
	if r.Times > 0 {
		s += fmt.Sprintf(" %d times", r.Times)
	}
	if r.Probability > 0 && r.Probability < 1 {
		s += fmt.Sprintf(" with probability %v", r.Probability)
	}
	if r.From > 0 || r.For > 0 {
		s += " from " + r.From.String()
		if r.For > 0 {
			s += " for " + r.For.String()
		}
	}
	return s
}

func (r Rule) answerCode() int32 {
	if r.ResponseCode == 0 {
		return remoting.SystemError
	}
	return r.ResponseCode
}

// ruleJSON is the wire form of a Rule: durations in milliseconds, as the admin API speaks.
type ruleJSON struct {
	Code         int32   `json:"code,omitempty"`
	Topic        string  `json:"topic,omitempty"`
	Group        string  `json:"group,omitempty"`
	Action       Action  `json:"action"`
	DelayMs      int64   `json:"delayMs,omitempty"`
	ResponseCode int32   `json:"responseCode,omitempty"`
	Remark       string  `json:"remark,omitempty"`
	Times        int     `json:"times,omitempty"`
	Probability  float64 `json:"probability,omitempty"`
	FromMs       int64   `json:"fromMs,omitempty"`
	ForMs        int64   `json:"forMs,omitempty"`
}

// MarshalJSON writes the admin API's form, durations rounded down to milliseconds.
func (r Rule) MarshalJSON() ([]byte, error) {
	return json.Marshal(ruleJSON{
		Code: r.Code, Topic: r.Topic, Group: r.Group, Action: r.Action,
		DelayMs: r.Delay.Milliseconds(), ResponseCode: r.ResponseCode, Remark: r.Remark,
		Times: r.Times, Probability: r.Probability,
		FromMs: r.From.Milliseconds(), ForMs: r.For.Milliseconds(),
	})
}

// UnmarshalJSON reads the admin API's form and validates the rule.
func (r *Rule) UnmarshalJSON(data []byte) error {
	var w ruleJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("fault: rule: %w", err)
	}
	for _, ms := range []int64{w.DelayMs, w.FromMs, w.ForMs} {
		// Beyond this the conversion to a Duration would wrap around.
		if ms > math.MaxInt64/int64(time.Millisecond) {
			return fmt.Errorf("fault: invalid rule: %d ms is too long", ms)
		}
	}
	rule := Rule{
		Code: w.Code, Topic: w.Topic, Group: w.Group, Action: w.Action,
		Delay: time.Duration(w.DelayMs) * time.Millisecond, ResponseCode: w.ResponseCode, Remark: w.Remark,
		Times: w.Times, Probability: w.Probability,
		From: time.Duration(w.FromMs) * time.Millisecond, For: time.Duration(w.ForMs) * time.Millisecond,
	}
	if err := rule.Validate(); err != nil {
		return err
	}
	*r = rule
	return nil
}
