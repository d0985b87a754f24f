// Package adminhttp serves the calls of rocketsim's admin HTTP API (design.md §3) that every set
// of servers rocketsim runs or fronts answers alike: the servers and whether they are online,
// fault rules, the request history, and taking a broker offline and back. fakecluster serves
// them over its fakes, and the proxy over its listeners in front of any cluster, real or fake;
// each adds calls of its own to the same mux. Every answer is JSON; errors are
// {"error":"..."} with a 4xx or 5xx status.
package adminhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// NameServerTarget names the name server where a broker name is expected (faults, history).
const NameServerTarget = "namesrv"

// Servers is what the shared calls act on: a name server and brokers, each with a fault
// injector and a request history. Implementations are safe for concurrent use.
type Servers interface {
	// Status is what GET /v1/cluster answers; its brokers are the names the other calls take.
	Status() ClusterStatus
	// Faults returns the fault injector of target (NameServerTarget or a broker's name);
	// false for a target the servers do not have.
	Faults(target string) (*fault.Injector, bool)
	// History returns the request history of target; false for a target the servers do not
	// have.
	History(target string) (*fault.History, bool)
	// CrashBroker takes the named broker offline as clients see a crash: its listener and
	// connections close at once, and the name server's answers drop it.
	CrashBroker(name string) error
	// StartBroker brings the named broker back; starting a running broker does nothing.
	StartBroker(ctx context.Context, name string) error
}

// ServerStatus is one server in GET /v1/cluster.
type ServerStatus struct {
	Name   string `json:"name"`
	Addr   string `json:"addr"`
	Online bool   `json:"online"`
	// Registered says whether the name server lists the broker as live (brokers only): a
	// silenced broker is online but stops being registered once it expires.
	Registered *bool `json:"registered,omitempty"`
}

// ClusterStatus is the answer of GET /v1/cluster.
type ClusterStatus struct {
	Cluster string         `json:"cluster"`
	NameSrv ServerStatus   `json:"namesrv"`
	Brokers []ServerStatus `json:"brokers"`
}

// targets lists the name server and the brokers, in that order.
func targets(s Servers) []string {
	out := []string{NameServerTarget}
	for _, b := range s.Status().Brokers {
		if !slices.Contains(out, b.Name) {
			out = append(out, b.Name)
		}
	}
	return out
}

func unknownTarget(s Servers, t string) error {
	return fmt.Errorf("unknown broker %q (targets: %s)", t, strings.Join(targets(s), ", "))
}

func hasBroker(s Servers, name string) bool {
	return slices.ContainsFunc(s.Status().Brokers, func(b ServerStatus) bool { return b.Name == name })
}

// Register adds the shared calls to mux, the list of calls (GET /v1, and GET / for a tool
// asking for JSON), the web console (GET / for a browser), and an answer for any other method
// and path ("no such call", in JSON like every other answer), which the calls mux gets later
// take precedence over. docs/admin-api.md is the contract of every call.
func Register(mux *Mux, s Servers) {
	mux.HandleFunc("GET /v1/cluster", "the cluster's name, name server and brokers: name, addr, online, registered",
		func(w http.ResponseWriter, _ *http.Request) { WriteJSON(w, http.StatusOK, s.Status()) })
	mux.HandleFunc("POST /v1/faults", `add a fault rule to "namesrv" or a broker`,
		func(w http.ResponseWriter, r *http.Request) { addFault(w, r, s) })
	mux.HandleFunc("GET /v1/faults", "the fault rules in force, by target, with how often each fired",
		func(w http.ResponseWriter, _ *http.Request) { listFaults(w, s) })
	mux.HandleFunc("DELETE /v1/faults", "clear every fault rule", func(w http.ResponseWriter, _ *http.Request) {
		ClearFaults(s) // each injector that held rules tells the event streams (serveEvents)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/history", "the requests the servers received, oldest first (?target= ?code= ?peer= ?since= ?until= ?limit=)",
		func(w http.ResponseWriter, r *http.Request) { history(w, r, s) })
	mux.HandleFunc("GET /v1/events", "server-sent events: kept requests (history filters) and marks, then new requests, fault changes and hits, broker changes, marks",
		func(w http.ResponseWriter, r *http.Request) { mux.serveEvents(w, r, s) })
	mux.HandleFunc("POST /v1/marks", `mark the timeline {"label"}: a plan step, a test's phase`,
		func(w http.ResponseWriter, r *http.Request) { addMark(w, r, mux.marksOf(s)) })
	mux.HandleFunc("GET /v1/marks", "the kept marks, oldest first (?since= ?until=)",
		func(w http.ResponseWriter, r *http.Request) { listMarks(w, r, s, mux.marksOf(s)) })
	// One call per action rather than a {action} wildcard, so that GET /v1 (and the test that
	// keeps docs/admin-api.md in step with it) names exactly the calls served.
	mux.HandleFunc("POST /v1/brokers/{name}/stop", "take a broker offline as a crash does",
		func(w http.ResponseWriter, r *http.Request) { brokerAction(w, r, "stop", s, mux.events) })
	mux.HandleFunc("POST /v1/brokers/{name}/start", "bring a stopped broker back",
		func(w http.ResponseWriter, r *http.Request) { brokerAction(w, r, "start", s, mux.events) })
	mux.HandleFunc("GET /v1", "this list of calls", mux.serveIndex)
	mux.HandleFunc("GET /{$}", "the web console for a browser (Accept: text/html); this list of calls for anything else",
		func(w http.ResponseWriter, r *http.Request) {
			if wantsHTML(r) {
				serveConsole(w, r)
				return
			}
			mux.serveIndex(w, r)
		})
	mux.HandleFunc("GET /console/{file}", "the web console's script and style sheet", serveConsoleFile)
	mux.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, fmt.Errorf("no such call: %s %s", r.Method, r.URL.Path))
	})
}

// Handler returns a handler that serves the shared calls only.
func Handler(s Servers) http.Handler {
	mux := NewMux()
	Register(mux, s)
	return mux
}

// ClearFaults removes every rule of every server.
func ClearFaults(s Servers) {
	for _, t := range targets(s) {
		if inj, ok := s.Faults(t); ok {
			inj.Clear()
		}
	}
}

// FaultRequest is the body of POST /v1/faults: a fault.Rule in its JSON form plus the target.
type FaultRequest struct {
	Target string
	Rule   fault.Rule
}

// UnmarshalJSON reads {"target":"broker-a", ...rule fields}; the rule is validated.
func (f *FaultRequest) UnmarshalJSON(data []byte) error {
	var t struct {
		Target *string `json:"target"`
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return err
	}
	if t.Target == nil || *t.Target == "" {
		return errors.New(`"target" is required: "namesrv" or a broker name`)
	}
	f.Target = *t.Target
	return json.Unmarshal(data, &f.Rule)
}

// MarshalJSON writes the rule's fields with the target beside them.
func (f FaultRequest) MarshalJSON() ([]byte, error) {
	rule, err := json.Marshal(f.Rule)
	if err != nil {
		return nil, err
	}
	target, _ := json.Marshal(f.Target)
	if string(rule) == "{}" {
		return []byte(`{"target":` + string(target) + `}`), nil
	}
	return []byte(`{"target":` + string(target) + `,` + string(rule[1:])), nil
}

func addFault(w http.ResponseWriter, r *http.Request, s Servers) {
	var req FaultRequest
	if err := DecodeBody(r, &req); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	inj, ok := s.Faults(req.Target)
	if !ok {
		WriteError(w, http.StatusNotFound, unknownTarget(s, req.Target))
		return
	}
	inj.Add(req.Rule) // the injector tells the event streams (serveEvents), as for rules added from Go
	WriteJSON(w, http.StatusCreated, req)
}

func listFaults(w http.ResponseWriter, s Servers) {
	out := struct {
		Faults []json.RawMessage `json:"faults"`
	}{Faults: []json.RawMessage{}}
	for _, t := range targets(s) {
		inj, ok := s.Faults(t)
		if !ok {
			continue
		}
		for _, h := range inj.Rules() {
			rule, err := json.Marshal(FaultRequest{Target: t, Rule: h.Rule()})
			if err != nil {
				WriteError(w, http.StatusInternalServerError, err)
				return
			}
			// "hits" first, then the rule's fields as POST /v1/faults took them.
			out.Faults = append(out.Faults, append([]byte(`{"hits":`+strconv.Itoa(h.Fired())+`,`), rule[1:]...))
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

// ActionTimeout bounds a broker start (waiting for the name server to list it again).
const ActionTimeout = 10 * time.Second

// brokerAction is "stop" or "start" of the named broker.
func brokerAction(w http.ResponseWriter, r *http.Request, action string, s Servers, events *eventHub) {
	name := r.PathValue("name")
	if !hasBroker(s, name) {
		WriteError(w, http.StatusNotFound, fmt.Errorf("unknown broker %q", name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ActionTimeout)
	defer cancel()
	var err error
	if action == "stop" {
		err = s.CrashBroker(name)
	} else {
		err = s.StartBroker(ctx, name)
	}
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	st := s.Status()
	if _, ok := s.(BrokerWatcher); !ok {
		// Servers that watch their brokers publish this change themselves (BrokerWatcher).
		ev := BrokerEvent{Name: name, State: map[string]string{"stop": BrokerCrashed, "start": BrokerStarted}[action]}
		for _, b := range st.Brokers {
			if b.Name == name {
				ev.Addr, ev.Online = b.Addr, b.Online
			}
		}
		events.publish(Event{Type: "broker", Time: nowMillis(), Broker: &ev})
	}
	WriteJSON(w, http.StatusOK, st)
}

// Request is one entry of GET /v1/history: a fault.Entry in the admin API's JSON contract, with
// the server that received it.
type Request struct {
	Target        string            `json:"target"`
	Seq           uint64            `json:"seq"`  // the entry's number in its target's history
	Time          int64             `json:"time"` // when the request was read, ms since the epoch
	LatencyMicros int64             `json:"latencyMicros"`
	Peer          string            `json:"peer"`
	Local         string            `json:"local"`
	ConnID        uint64            `json:"connId"`
	Code          int32             `json:"code"`
	CodeName      string            `json:"codeName"` // Java's name of the code, "" when unknown
	Language      string            `json:"language"`
	Version       int32             `json:"version"`
	Opaque        int32             `json:"opaque"`
	Oneway        bool              `json:"oneway"`
	SerializeType string            `json:"serializeType"`
	ExtFields     map[string]string `json:"extFields"`
	Body          []byte            `json:"body"` // base64 in JSON: the first bytes the history kept
	BodySize      int               `json:"bodySize"`
	Topic         string            `json:"topic"`
	Groups        []string          `json:"groups"`
	Answered      bool              `json:"answered"`
	ResponseCode  int32             `json:"responseCode"`
	Remark        string            `json:"remark"`
	Fault         string            `json:"fault"` // the action of the rule that took it, "" when none did
}

// RequestOf turns a history entry of target into its admin API form.
func RequestOf(target string, e fault.Entry) Request {
	r := Request{
		Target: target, Seq: e.Seq, Time: e.Time.UnixMilli(), LatencyMicros: e.Latency.Microseconds(),
		Peer: e.Peer, Local: e.Local, ConnID: e.ConnID, Code: e.Code, CodeName: remoting.RequestCodeName(e.Code),
		Language: e.Language.String(), Version: e.Version, Opaque: e.Opaque, Oneway: e.Oneway,
		SerializeType: e.SerializeType.String(), ExtFields: e.ExtFields, Body: e.Body, BodySize: e.BodySize,
		Topic: e.Topic, Groups: e.Groups, Answered: e.Answered, ResponseCode: e.ResponseCode, Remark: e.Remark,
		Fault: string(e.Fault),
	}
	// Empty rather than null, so that clients in other languages can iterate without a check.
	if r.ExtFields == nil {
		r.ExtFields = map[string]string{}
	}
	if r.Groups == nil {
		r.Groups = []string{}
	}
	if r.Body == nil {
		r.Body = []byte{}
	}
	return r
}

// historyFilter is what GET /v1/history and GET /v1/events take: ?code=, ?peer= (the client's
// address, or the server listener's the request came to), ?since= and ?until= (ms since the
// epoch, both ends included) and ?limit= (the newest N).
type historyFilter struct {
	code, since, until int64
	peer               string
	limit              int
}

func (f historyFilter) match(e fault.Entry) bool {
	return (f.code == 0 || int64(e.Code) == f.code) &&
		(f.peer == "" || e.Peer == f.peer || e.Local == f.peer) &&
		f.matchTime(e.Time.UnixMilli())
}

// matchTime says whether ms (since the epoch) is inside ?since= and ?until=.
func (f historyFilter) matchTime(ms int64) bool {
	return ms >= f.since && (f.until == 0 || ms <= f.until)
}

// filterError is a bad filter: 404 for an unknown target, 400 for the rest.
type filterError struct {
	status int
	err    error
}

func (e filterError) Error() string { return e.err.Error() }

func writeFilterError(w http.ResponseWriter, err error) {
	var fe filterError
	if errors.As(err, &fe) {
		WriteError(w, fe.status, fe.err)
		return
	}
	WriteError(w, http.StatusBadRequest, err)
}

// parseHistoryFilter reads the filters and ?target= (the servers whose histories to read).
func parseHistoryFilter(r *http.Request, s Servers) (historyFilter, []string, error) {
	q := r.URL.Query()
	var f historyFilter
	var limit int64
	for _, p := range []struct {
		name string
		into *int64
	}{{"code", &f.code}, {"since", &f.since}, {"until", &f.until}, {"limit", &limit}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, nil, filterError{http.StatusBadRequest, fmt.Errorf("%s=%q is not a number of 0 or more", p.name, v)}
			}
			*p.into = n
		}
	}
	f.limit = int(limit)
	f.peer = q.Get("peer")
	which := targets(s)
	if t := q.Get("target"); t != "" {
		if !slices.Contains(which, t) {
			return f, nil, filterError{http.StatusNotFound, unknownTarget(s, t)}
		}
		which = []string{t}
	}
	return f, which, nil
}

func history(w http.ResponseWriter, r *http.Request, s Servers) {
	f, which, err := parseHistoryFilter(r, s)
	if err != nil {
		writeFilterError(w, err)
		return
	}
	out := struct {
		Requests []Request `json:"requests"`
	}{Requests: []Request{}}
	for _, t := range which {
		h, ok := s.History(t)
		if !ok {
			continue
		}
		for _, e := range h.Entries() {
			if f.match(e) {
				out.Requests = append(out.Requests, RequestOf(t, e))
			}
		}
	}
	sortRequests(out.Requests)
	if f.limit > 0 && len(out.Requests) > f.limit {
		out.Requests = out.Requests[len(out.Requests)-f.limit:]
	}
	WriteJSON(w, http.StatusOK, out)
}

// maxBody bounds a request body: fault rules and topic requests are a few hundred bytes.
const maxBody = 1 << 20

// DecodeBody reads exactly one JSON value from the request's body into v.
func DecodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("bad JSON body: more than one value")
	}
	return nil
}

// WriteJSON answers status with v in JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers status with {"error": err's text}.
func WriteError(w http.ResponseWriter, status int, err error) {
	WriteJSON(w, status, map[string]string{"error": err.Error()})
}
