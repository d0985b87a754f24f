package adminhttp

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/internal/feed"
)

// Event is one server-sent event of GET /v1/events; its SSE event name is Type, its data the
// Event in JSON. Exactly one of Request, Fault, Broker and Mark is set, as Type says.
type Event struct {
	Type    string       `json:"type"` // "request", "fault", "broker" or "mark"
	Time    int64        `json:"time"` // ms since the epoch
	Request *Request     `json:"request,omitempty"`
	Fault   *FaultEvent  `json:"fault,omitempty"`
	Broker  *BrokerEvent `json:"broker,omitempty"`
	Mark    *Mark        `json:"mark,omitempty"`
}

// FaultEvent is a change to a server's rules, whoever made it (the admin API, a plan, Go code
// through fault.Injector), or a request a rule took (a hit, seen in the request history).
type FaultEvent struct {
	Kind   string        `json:"kind"`           // "added", "removed", "cleared" (the server's rules, when it had some) or "hit"
	Target string        `json:"target"`         // the server: "namesrv" or a broker name
	Rule   *FaultRequest `json:"rule,omitempty"` // the rule, for "added" and "removed"
	Code   int32         `json:"code,omitempty"` // the request code, for "hit"
	Action string        `json:"action,omitempty"`
	Seq    uint64        `json:"seq,omitempty"` // the request's seq in its target's history, for "hit"
}

// BrokerEvent is a broker taken offline or brought back, through the admin API or from Go
// (Servers that are a BrokerWatcher), or a broker whose registrations stop or resume while it
// serves (fakecluster's SilenceBroker).
type BrokerEvent struct {
	Name   string `json:"name"`
	Addr   string `json:"addr"`
	State  string `json:"state"` // "crashed", "stopped", "started", "black-holed", "silenced" or "unsilenced"
	Online bool   `json:"online"`
}

// The states of a BrokerEvent.
const (
	BrokerCrashed    = "crashed"
	BrokerStopped    = "stopped"
	BrokerStarted    = "started"
	BrokerSilenced   = "silenced"
	BrokerUnsilenced = "unsilenced"
	// BrokerBlackHoled: crashed, and its address swallows connection attempts (the proxy).
	BrokerBlackHoled = "black-holed"
)

// BrokerWatcher is what Servers implement whose brokers change state outside the admin API too
// (fakecluster's and the proxy's CrashBroker, StopBroker and StartBroker called from Go): each
// change reaches GET /v1/events, the admin API's own broker actions included, so the admin API
// publishes none of its own for them.
type BrokerWatcher interface {
	// WatchBrokers calls f with every change from now until stop is called. f must not block:
	// it is called on the goroutine that made the change.
	WatchBrokers(f func(BrokerEvent)) (stop func())
}

// BrokerFeed is a BrokerWatcher for Servers to embed or keep: Publish hands a change to every
// watcher. The zero value is ready; it is safe for concurrent use.
type BrokerFeed struct {
	f feed.Feed[BrokerEvent]
}

// WatchBrokers implements BrokerWatcher.
func (f *BrokerFeed) WatchBrokers(fn func(BrokerEvent)) (stop func()) { return f.f.Watch(fn) }

// Publish hands ev to every watcher.
func (f *BrokerFeed) Publish(ev BrokerEvent) { f.f.Publish(ev) }

// eventBuffer is how many admin-made events a slow stream may fall behind by; a stream that
// falls further behind is ended (its client reconnects and reads the history) rather than
// silently losing events or holding the admin call up.
const eventBuffer = 256

// eventHub passes the events the admin API itself makes (fault rules, broker actions) to every
// open stream. Requests come from the servers' histories instead, so nothing is lost between
// a stream's replay and its live part.
type eventHub struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

func newEventHub() *eventHub { return &eventHub{subs: map[chan Event]struct{}{}} }

func (h *eventHub) subscribe() chan Event {
	ch := make(chan Event, eventBuffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[ch] = struct{}{}
	return ch
}

func (h *eventHub) unsubscribe(ch chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

func (h *eventHub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		h.sendLocked(ch, e)
	}
}

// sendTo hands e to one stream's channel only, if it is still open.
func (h *eventHub) sendTo(ch chan Event, e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		h.sendLocked(ch, e)
	}
}

func (h *eventHub) sendLocked(ch chan Event, e Event) {
	select {
	case ch <- e:
	default:
		delete(h.subs, ch) // too far behind: its stream ends, see eventBuffer
		close(ch)
	}
}

func requestEvent(target string, e fault.Entry) Event {
	r := RequestOf(target, e)
	return Event{Type: "request", Time: r.Time, Request: &r}
}

func hitEvent(target string, e fault.Entry) Event {
	return Event{Type: "fault", Time: e.Time.UnixMilli(), Fault: &FaultEvent{
		Kind: "hit", Target: target, Code: e.Code, Action: string(e.Fault), Seq: e.Seq}}
}

// entryEvents are the events of one history entry: the request, and a fault hit when a rule
// took it.
func entryEvents(target string, e fault.Entry) []Event {
	out := []Event{requestEvent(target, e)}
	if e.Fault != "" {
		out = append(out, hitEvent(target, e))
	}
	return out
}

// serveEvents streams the kept requests that match the history filters (the newest ?limit=
// of them) and the kept marks inside ?since= and ?until=, then every new request, fault
// change, broker change and mark as it happens, until the client goes away.
func (m *Mux) serveEvents(w http.ResponseWriter, r *http.Request, s Servers) {
	f, which, err := parseHistoryFilter(r, s)
	if err != nil {
		writeFilterError(w, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		WriteError(w, http.StatusInternalServerError, fmt.Errorf("the connection cannot stream"))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	admin := m.events.subscribe()
	defer m.events.unsubscribe(admin)
	if bw, ok := s.(BrokerWatcher); ok {
		// Into this stream's channel only: every stream watches for itself, for as long as it
		// lasts.
		stop := bw.WatchBrokers(func(b BrokerEvent) {
			m.events.sendTo(admin, Event{Type: "broker", Time: nowMillis(), Broker: &b})
		})
		defer stop()
	}
	// Every server's rules, whatever ?target= says: like broker changes, fault changes are
	// few, and each stream sees them all.
	for _, t := range targets(s) {
		inj, ok := s.Faults(t)
		if !ok {
			continue
		}
		stop := inj.Watch(func(c fault.Change) {
			ev := &FaultEvent{Kind: c.Kind, Target: t}
			if c.Kind != fault.ChangeCleared {
				ev.Rule = &FaultRequest{Target: t, Rule: c.Rule}
			}
			m.events.sendTo(admin, Event{Type: "fault", Time: nowMillis(), Fault: ev})
		})
		defer stop()
	}
	keptMarks, stopMarks := m.marksOf(s).listAndWatch(func(mk Mark) { m.events.sendTo(admin, markEvent(mk)) })
	defer stopMarks()

	type kept struct {
		target string
		e      fault.Entry
	}
	var backlog []kept
	last := map[string]uint64{}
	hists := map[string]*fault.History{}
	for _, t := range which {
		h, ok := s.History(t)
		if !ok {
			continue
		}
		hists[t] = h
		for _, e := range h.Entries() {
			last[t] = e.Seq
			if f.match(e) {
				backlog = append(backlog, kept{t, e})
			}
		}
	}
	slices.SortStableFunc(backlog, func(a, b kept) int { return a.e.Time.Compare(b.e.Time) })
	if f.limit > 0 && len(backlog) > f.limit {
		backlog = backlog[len(backlog)-f.limit:]
	}

	live := make(chan Event)
	var wg sync.WaitGroup
	for t, h := range hists {
		after := last[t]
		wg.Go(func() {
			// WaitFor offers each new entry to match without polling; match never accepts,
			// so it runs until the stream ends.
			_, _ = h.WaitFor(ctx, func(e fault.Entry) bool {
				if e.Seq <= after || !f.match(e) {
					return false
				}
				for _, ev := range entryEvents(t, e) {
					select {
					case live <- ev:
					case <-ctx.Done():
						return true
					}
				}
				return false
			})
		})
	}
	defer wg.Wait()
	defer cancel() // runs before wg.Wait: the history watchers end first

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	write := func(ev Event) error {
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, data); err != nil {
			return err
		}
		flusher.Flush()
		return nil
	}
	// A comment first, so that a client sees the stream open before any event.
	if _, err := fmt.Fprint(w, ": rocketsim admin events\n\n"); err != nil {
		return
	}
	flusher.Flush()
	// The marks go between the requests by time, so that the timeline shows each where it
	// was made.
	keptMarks = slices.DeleteFunc(keptMarks, func(mk Mark) bool { return !f.matchTime(mk.Time) })
	for _, k := range backlog {
		for len(keptMarks) > 0 && keptMarks[0].Time <= k.e.Time.UnixMilli() {
			if write(markEvent(keptMarks[0])) != nil {
				return
			}
			keptMarks = keptMarks[1:]
		}
		for _, ev := range entryEvents(k.target, k.e) {
			if write(ev) != nil {
				return
			}
		}
	}
	for _, mk := range keptMarks {
		if write(markEvent(mk)) != nil {
			return
		}
	}
	for {
		var ev Event
		select {
		case <-ctx.Done():
			return
		case ev = <-live:
		case e, ok := <-admin:
			if !ok {
				return
			}
			ev = e
		}
		if write(ev) != nil {
			return
		}
	}
}

func nowMillis() int64 { return time.Now().UnixMilli() }

// sortRequests orders requests by the time they were read.
func sortRequests(rs []Request) {
	slices.SortStableFunc(rs, func(a, b Request) int { return cmp.Compare(a.Time, b.Time) })
}
