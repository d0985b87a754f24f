package fault

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/internal/feed"
	"github.com/rocketsim/rocketsim/remoting"
)

// Injector holds fault rules and applies them to a server's requests through Interceptor.
// Rules are tried in the order they were added, and the first one that matches the request,
// is inside its window, has budget left and wins its probability roll acts on it; requests no
// rule takes go to the handlers untouched. It is safe for concurrent use, and rules may change
// while requests are served.
//
// A delay runs in the goroutine of the request it holds, so it never holds up other requests,
// not even those on the same connection.
//
// Oneway requests have no answer: delay, drop and close act on them, while error, corrupt and
// override rules pass them by (without spending their budget) so that a rule meant for the answers of
// sends is not used up by oneway sends.
type Injector struct {
	mu    sync.Mutex
	rules []*Handle
	// live is len(rules), set under mu, read without it: a server without rules (the common
	// case, a load run) then spends neither a clock read nor the lock per request.
	live atomic.Int32
	rng  *rand.Rand

	changes feed.Feed[Change]
}

// The kinds of a Change.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeCleared = "cleared"
)

// Change is a rule added (Add, Schedule), one removed (Handle.Remove), or every rule cleared
// (Clear), whoever made it: the admin API, a plan, or Go code. Rules that retire by themselves
// (their Times spent, their window over) make none.
type Change struct {
	Kind string // ChangeAdded, ChangeRemoved or ChangeCleared
	Rule Rule   // the rule added or removed; zero for ChangeCleared
}

// Watch calls f with every change from now until stop is called, so that what shows the rules
// (the admin API's event stream) sees those added from Go too. f is called on the goroutine
// that made the change, after the change and outside the injector's lock; it must not block.
func (inj *Injector) Watch(f func(Change)) (stop func()) { return inj.changes.Watch(f) }

func (inj *Injector) changed(changes ...Change) { inj.changes.Publish(changes...) }

// rulesChanged publishes len(rules); mu is held.
func (inj *Injector) rulesChanged() { inj.live.Store(int32(len(inj.rules))) }

// NewInjector returns an injector without rules. Its probability rolls come from a generator
// seeded with seed, so a run that sends the same requests in the same order sees the same
// faults.
func NewInjector(seed uint64) *Injector {
	return &Injector{rng: rand.New(rand.NewPCG(seed, seed))}
}

// Handle is a rule that has been added to an Injector.
type Handle struct {
	inj   *Injector
	rule  Rule
	opens time.Time // From after the rule was added
	ends  time.Time // zero: the window never closes
	fired int       // guarded by inj.mu
}

// Rule returns the rule as it was added.
func (h *Handle) Rule() Rule { return h.rule }

// Fired returns how many requests the rule has acted on so far. It keeps its count after the
// rule retires.
func (h *Handle) Fired() int {
	h.inj.mu.Lock()
	defer h.inj.mu.Unlock()
	return h.fired
}

// Remove retires the rule now; requests it is already acting on are not affected. Removing a
// retired rule does nothing.
func (h *Handle) Remove() {
	h.inj.mu.Lock()
	i := slices.Index(h.inj.rules, h)
	if i >= 0 {
		h.inj.rules = slices.Delete(h.inj.rules, i, i+1)
		h.inj.rulesChanged()
	}
	h.inj.mu.Unlock()
	if i >= 0 {
		h.inj.changed(Change{Kind: ChangeRemoved, Rule: h.rule})
	}
}

// Add puts a rule behind those already there, its window counting from now. It panics on a
// rule that fails Validate.
func (inj *Injector) Add(r Rule) *Handle {
	return inj.Schedule(r)[0]
}

// Schedule adds a timed plan: the rules' windows all count from the same instant, now, so
// that "from 10 s for 5 s" and "from 15 s" follow each other without a gap. It panics if any
// rule fails Validate, before adding any of them.
func (inj *Injector) Schedule(plan ...Rule) []*Handle {
	for _, r := range plan {
		if err := r.Validate(); err != nil {
			panic(err)
		}
	}
	now := time.Now()
	handles := make([]*Handle, len(plan))
	for i, r := range plan {
		h := &Handle{inj: inj, rule: r, opens: now.Add(r.From)}
		if r.For > 0 {
			h.ends = h.opens.Add(r.For)
		}
		handles[i] = h
	}
	inj.mu.Lock()
	inj.rules = append(inj.rules, handles...)
	inj.rulesChanged()
	inj.mu.Unlock()
	changes := make([]Change, len(plan))
	for i, r := range plan {
		changes[i] = Change{Kind: ChangeAdded, Rule: r}
	}
	inj.changed(changes...)
	return handles
}

// Clear retires every rule. Clearing an injector without rules changes nothing, so its
// watchers hear of it only when there were rules.
func (inj *Injector) Clear() {
	inj.mu.Lock()
	had := len(inj.rules) > 0
	inj.rules = nil
	inj.rulesChanged()
	inj.mu.Unlock()
	if had {
		inj.changed(Change{Kind: ChangeCleared})
	}
}

// Rules returns the rules still in force, in the order they are tried: those neither removed,
// nor out of budget, nor past their window (rules whose window has yet to open are included).
func (inj *Injector) Rules() []*Handle {
	now := time.Now()
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.rules = slices.DeleteFunc(inj.rules, func(h *Handle) bool { return h.expired(now) })
	inj.rulesChanged()
	return slices.Clone(inj.rules)
}

func (h *Handle) expired(now time.Time) bool { return !h.ends.IsZero() && !now.Before(h.ends) }

// Interceptor returns the interceptor that applies the rules. Install it inside a History's
// (see Install) so that the history records what the faults did.
func (inj *Injector) Interceptor() remoting.Interceptor {
	return func(next remoting.Handler) remoting.Handler {
		return func(ctx context.Context, req *remoting.Request) *remoting.Command {
			rule, ok := inj.match(req.Command, false)
			if !ok {
				return next(ctx, req)
			}
			return apply(ctx, rule, req, next)
		}
	}
}

// match finds the rule that takes cmd and spends one of its budget. A request the server
// sends (outbound) is taken only by rules that name its code.
func (inj *Injector) match(cmd *remoting.Command, outbound bool) (Rule, bool) {
	if inj.live.Load() == 0 {
		return Rule{}, false
	}
	now := time.Now()
	oneway := cmd.IsOneway()
	var target *target // read only when a rule filters on it
	inj.mu.Lock()
	defer inj.mu.Unlock()
	defer inj.rulesChanged() // expired and spent rules leave below
	for i := 0; i < len(inj.rules); i++ {
		h := inj.rules[i]
		if h.expired(now) {
			inj.rules = slices.Delete(inj.rules, i, i+1)
			i--
			continue
		}
		r := &h.rule
		if now.Before(h.opens) || r.Code != 0 && r.Code != cmd.Code || outbound && r.Code == 0 {
			continue
		}
		if oneway && (r.Action == ActionError || r.Action == ActionCorrupt || r.Action == ActionOverride) {
			continue
		}
		if r.Topic != "" || r.Group != "" {
			if target == nil {
				t := requestTarget(cmd)
				target = &t
			}
			if r.Topic != "" && r.Topic != target.topic || r.Group != "" && !slices.Contains(target.groups, r.Group) {
				continue
			}
		}
		if r.Probability > 0 && r.Probability < 1 && inj.rng.Float64() >= r.Probability {
			continue
		}
		h.fired++
		if r.Times > 0 && h.fired >= r.Times {
			inj.rules = slices.Delete(inj.rules, i, i+1)
		}
		return *r, true
	}
	return Rule{}, false
}

func apply(ctx context.Context, r Rule, req *remoting.Request, next remoting.Handler) *remoting.Command {
	note := noteFrom(ctx)
	note.setAction(r.Action)
	if r.Delay > 0 {
		wait(ctx, r.Delay)
	}
	switch r.Action {
	case ActionDrop:
		return nil
	case ActionError:
		return remoting.NewResponse(req.Command, r.answerCode(), r.Remark)
	case ActionClose:
		_ = req.Conn.Close()
		return nil
	case ActionCorrupt:
		resp := next(ctx, req)
		if resp == nil {
			return nil
		}
		note.setDamaged(resp)
		// An error here means the connection is already gone, which is what a corrupt
		// answer leads to anyway.
		_ = req.Conn.WriteRaw(ctx, corruptFrame)
		return nil
	case ActionOverride:
		resp := next(ctx, req)
		if resp == nil {
			return nil
		}
		resp.Code = r.ResponseCode
		if r.Remark != "" {
			resp.Remark = r.Remark
		}
		return resp
	default: // ActionDelay
		return next(ctx, req)
	}
}

// wait sleeps for d or until the connection closes, whichever comes first.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// corruptHeader starts with a closing brace so that no JSON parser (ours, fastjson, Go's)
// accepts it, whatever serialize type the client expects: the frame says JSON.
const corruptHeader = "}rocketsim: corrupted answer{"

// corruptFrame is a frame with correct length words around corruptHeader: the client reads it
// whole and then fails to decode it, rather than waiting for bytes that never come.
var corruptFrame = func() []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(4+len(corruptHeader)))
	b = binary.BigEndian.AppendUint32(b, uint32(remoting.SerializeJSON)<<24|uint32(len(corruptHeader)))
	return append(b, corruptHeader...)
}()
