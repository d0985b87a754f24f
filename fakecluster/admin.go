package fakecluster

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fault"
)

// The admin HTTP API (design.md §3) lets tests written in any language read the cluster's state
// and inject faults. Every answer is JSON; errors are {"error":"..."} with a 4xx or 5xx status.

// maxAdminBody bounds a request body: fault rules and topic requests are a few hundred bytes.
const maxAdminBody = 1 << 20

// AdminHandler returns the admin HTTP API of the cluster:
//
//	GET    /v1/cluster                    name server and brokers, each with name, addr, online
//	GET    /v1/topics/{topic}/messages    stored messages of a topic on every broker
//	GET    /v1/clients                    one row per (client id, broker)
//	GET    /v1/transactions               half messages and their state, by broker
//	POST   /v1/faults                     add a fault rule to "namesrv" or a broker
//	GET    /v1/faults                     the rules in force, by target
//	DELETE /v1/faults                     clear every rule
//	POST   /v1/brokers/{name}/stop        take a broker offline as a crash does
//	POST   /v1/brokers/{name}/start       bring it back
//	POST   /v1/topics                     create or update a topic {"topic","queues","brokers"}
//	GET    /v1/groups                     every broker's subscription groups (consumer groups' configs)
//	POST   /v1/groups                     create or replace one {"groupName",...,"brokers"}
//	DELETE /v1/groups/{group}             forget it (?removeOffset=true: its offsets too; ?broker=)
//	GET    /v1/groups/{group}/locks       the queues its orderly consumers hold (LOCK_BATCH_MQ)
//	POST   /v1/groups/{group}/reset-offset  reset its offsets on a topic {"topic","timestamp","force"}:
//	                                      the brokers tell its consumers (RESET_CONSUMER_CLIENT_OFFSET)
//	GET    /v1/groups/{group}/status?topic=T  its consumers' own offsets (?clientId= for one)
//	GET    /v1/clients/{clientId}/running-info?group=G  a consumer's running info (?jstack=true)
//	POST   /v1/clients/{clientId}/consume-directly  have it consume a stored message again
//	                                      {"group","msgId"} (msgId: the offset message id)
//
// The consumer calls go over the wire to the brokers as mqadmin sends them (222, 223, 307,
// 309), and the brokers ask the consumers; a broker's refusal is 409 with its "code" and
// "remark", a broker, group member or message not found 404.
func (c *Cluster) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/cluster", c.adminCluster)
	mux.HandleFunc("GET /v1/topics/{topic}/messages", c.adminMessages)
	mux.HandleFunc("POST /v1/topics", c.adminCreateTopic)
	mux.HandleFunc("GET /v1/clients", c.adminClients)
	mux.HandleFunc("GET /v1/transactions", c.adminTransactions)
	mux.HandleFunc("POST /v1/faults", c.adminAddFault)
	mux.HandleFunc("GET /v1/faults", c.adminListFaults)
	mux.HandleFunc("DELETE /v1/faults", c.adminClearFaults)
	mux.HandleFunc("POST /v1/brokers/{name}/{action}", c.adminBrokerAction)
	mux.HandleFunc("GET /v1/groups", c.adminGroups)
	mux.HandleFunc("POST /v1/groups", c.adminUpdateGroup)
	mux.HandleFunc("DELETE /v1/groups/{group}", c.adminDeleteGroup)
	mux.HandleFunc("GET /v1/groups/{group}/locks", c.adminLocks)
	mux.HandleFunc("POST /v1/groups/{group}/reset-offset", c.adminResetOffset)
	mux.HandleFunc("GET /v1/groups/{group}/status", c.adminConsumerStatus)
	mux.HandleFunc("GET /v1/clients/{clientId}/running-info", c.adminRunningInfo)
	mux.HandleFunc("POST /v1/clients/{clientId}/consume-directly", c.adminConsumeDirectly)
	// Any other method and path is "no such call", in JSON like every other answer.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no such call: %s %s", r.Method, r.URL.Path))
	})
	return mux
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

// Status returns what GET /v1/cluster answers.
func (c *Cluster) Status() ClusterStatus {
	st := ClusterStatus{
		Cluster: c.cfg.cluster,
		NameSrv: ServerStatus{Name: NameServerTarget, Addr: c.ns.Addr(), Online: true},
		Brokers: []ServerStatus{},
	}
	for _, b := range c.brokers {
		info, ok := c.ns.Broker(b.Addr())
		registered := ok && info.Online
		st.Brokers = append(st.Brokers, ServerStatus{Name: b.Name(), Addr: b.Addr(), Online: b.Running(), Registered: &registered})
	}
	return st
}

func (c *Cluster) adminCluster(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, c.Status())
}

// AdminMessage is one stored message in GET /v1/topics/{topic}/messages: fakebroker.Message in
// the admin API's JSON contract (its field names and base64 body are what tools in other
// languages read), kept as a type of its own so that the Go view can grow without changing
// the contract.
type AdminMessage struct {
	Topic         string            `json:"topic"`
	Broker        string            `json:"broker"`
	QueueID       int32             `json:"queueId"`
	QueueOffset   int64             `json:"queueOffset"`
	MsgID         string            `json:"msgId"`
	OffsetMsgID   string            `json:"offsetMsgId"`
	Tags          string            `json:"tags"`
	Keys          []string          `json:"keys"`
	Properties    map[string]string `json:"properties"`
	Body          []byte            `json:"body"` // base64 in JSON, inflated when it was compressed
	SysFlag       int32             `json:"sysFlag"`
	BornTimestamp int64             `json:"bornTimestamp"`
}

func adminMessage(m fakebroker.Message) AdminMessage {
	am := AdminMessage{
		Topic: m.Topic, Broker: m.Broker, QueueID: m.QueueID, QueueOffset: m.QueueOffset,
		MsgID: m.MsgID, OffsetMsgID: m.OffsetMsgID, Tags: m.Tags, Keys: m.Keys,
		Properties: m.Properties, Body: m.Body, SysFlag: m.SysFlag, BornTimestamp: m.BornTimestamp,
	}
	// Empty rather than null, so that clients in other languages can iterate without a check.
	if am.Keys == nil {
		am.Keys = []string{}
	}
	if am.Properties == nil {
		am.Properties = map[string]string{}
	}
	if am.Body == nil {
		am.Body = []byte{}
	}
	return am
}

func (c *Cluster) adminMessages(w http.ResponseWriter, r *http.Request) {
	stored := c.Messages(r.PathValue("topic"))
	out := struct {
		Messages []AdminMessage `json:"messages"`
	}{Messages: make([]AdminMessage, 0, len(stored))}
	for _, m := range stored {
		out.Messages = append(out.Messages, adminMessage(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// AdminClient is one row of GET /v1/clients: a client id's connections to one broker, merged.
type AdminClient struct {
	ClientID       string   `json:"clientId"`
	Broker         string   `json:"broker"`
	ProducerGroups []string `json:"producerGroups"`
	ConsumerGroups []string `json:"consumerGroups"`
	// LastHeartbeat is in milliseconds since the epoch, like bornTimestamp.
	LastHeartbeat int64 `json:"lastHeartbeat"`
}

// ClientRows returns what GET /v1/clients answers: one row per (client id, broker), sorted.
func (c *Cluster) ClientRows() []AdminClient {
	type key struct{ client, broker string }
	rows := map[key]*AdminClient{}
	for _, ci := range c.Clients() {
		k := key{ci.ClientID, ci.Broker}
		row := rows[k]
		if row == nil {
			row = &AdminClient{ClientID: ci.ClientID, Broker: ci.Broker, ProducerGroups: []string{}, ConsumerGroups: []string{}}
			rows[k] = row
		}
		row.ProducerGroups = union(row.ProducerGroups, ci.ProducerGroups)
		row.ConsumerGroups = union(row.ConsumerGroups, ci.ConsumerGroups)
		if !ci.LastHeartbeat.IsZero() {
			row.LastHeartbeat = max(row.LastHeartbeat, ci.LastHeartbeat.UnixMilli())
		}
	}
	out := make([]AdminClient, 0, len(rows))
	for _, row := range rows {
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b AdminClient) int {
		return cmp.Or(cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.Broker, b.Broker))
	})
	return out
}

func union(have, add []string) []string {
	for _, s := range add {
		if !slices.Contains(have, s) {
			have = append(have, s)
		}
	}
	slices.Sort(have)
	return have
}

func (c *Cluster) adminClients(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Clients []AdminClient `json:"clients"`
	}{c.ClientRows()})
}

// AdminTransaction is one row of GET /v1/transactions: a half message and what became of it
// (fakebroker.Transaction in the admin API's JSON contract).
type AdminTransaction struct {
	Broker        string `json:"broker"`
	Topic         string `json:"topic"` // the real topic
	QueueID       int32  `json:"queueId"`
	MsgID         string `json:"msgId"` // the producer's id, which is also the transaction id
	ProducerGroup string `json:"producerGroup"`
	// HalfQueueOffset, CommitLogOffset and OffsetMsgID name the latest copy the transaction
	// check appended to RMQ_SYS_TRANS_HALF_TOPIC (the half message itself before any check).
	HalfQueueOffset int64  `json:"halfQueueOffset"`
	CommitLogOffset int64  `json:"commitLogOffset"`
	OffsetMsgID     string `json:"offsetMsgId"`
	// State is "pending", "committed", "rolledBack" or "discarded".
	State         string `json:"state"`
	CheckTimes    int    `json:"checkTimes"`
	BornTimestamp int64  `json:"bornTimestamp"`
	// EndedAt is when it was committed, rolled back or discarded, in ms since the epoch; 0
	// while pending.
	EndedAt int64 `json:"endedAt"`
}

func (c *Cluster) adminTransactions(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Transactions []AdminTransaction `json:"transactions"`
	}{Transactions: []AdminTransaction{}}
	for _, tx := range c.Transactions() {
		row := AdminTransaction{
			Broker: tx.Broker, Topic: tx.Topic, QueueID: tx.QueueID, MsgID: tx.MsgID, ProducerGroup: tx.ProducerGroup,
			HalfQueueOffset: tx.HalfQueueOffset, CommitLogOffset: tx.CommitLogOffset, OffsetMsgID: tx.OffsetMsgID,
			State: string(tx.State), CheckTimes: tx.CheckTimes, BornTimestamp: tx.BornTimestamp,
		}
		if !tx.EndedAt.IsZero() {
			row.EndedAt = tx.EndedAt.UnixMilli()
		}
		out.Transactions = append(out.Transactions, row)
	}
	writeJSON(w, http.StatusOK, out)
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

func (c *Cluster) adminAddFault(w http.ResponseWriter, r *http.Request) {
	var req FaultRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	inj, err := c.Faults(req.Target)
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	inj.Add(req.Rule)
	writeJSON(w, http.StatusCreated, req)
}

func (c *Cluster) adminListFaults(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Faults []FaultRequest `json:"faults"`
	}{Faults: []FaultRequest{}}
	add := func(target string, inj *fault.Injector) {
		for _, h := range inj.Rules() {
			out.Faults = append(out.Faults, FaultRequest{Target: target, Rule: h.Rule()})
		}
	}
	add(NameServerTarget, c.ns.Faults())
	for _, b := range c.brokers {
		add(b.Name(), b.Faults())
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Cluster) adminClearFaults(w http.ResponseWriter, _ *http.Request) {
	c.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

// adminActionTimeout bounds a broker start (waiting for the name server to list it again).
const adminActionTimeout = 10 * time.Second

func (c *Cluster) adminBrokerAction(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ctx, cancel := context.WithTimeout(r.Context(), adminActionTimeout)
	defer cancel()
	var err error
	switch r.PathValue("action") {
	case "stop":
		err = c.CrashBroker(name)
	case "start":
		err = c.StartBroker(ctx, name)
	default:
		writeError(w, http.StatusNotFound, fmt.Errorf("unknown broker action %q: stop or start", r.PathValue("action")))
		return
	}
	switch {
	case errors.Is(err, ErrUnknownBroker):
		writeError(w, http.StatusNotFound, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		c.adminCluster(w, r)
	}
}

// TopicRequest is the body of POST /v1/topics.
type TopicRequest struct {
	Topic   string   `json:"topic"`
	Queues  int      `json:"queues"`
	Brokers []string `json:"brokers,omitempty"` // empty: every broker
}

func (c *Cluster) adminCreateTopic(w http.ResponseWriter, r *http.Request) {
	var req TopicRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Queues <= 0 {
		req.Queues = 8 // mqadmin updateTopic's default
	}
	ctx, cancel := context.WithTimeout(r.Context(), adminActionTimeout)
	defer cancel()
	err := c.CreateTopic(ctx, req.Topic, req.Queues, req.Brokers...)
	switch {
	case errors.Is(err, ErrUnknownBroker):
		writeError(w, http.StatusNotFound, err)
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
	default:
		writeJSON(w, http.StatusCreated, req)
	}
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("bad JSON body: more than one value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": strings.TrimPrefix(err.Error(), "fakecluster: ")})
}
