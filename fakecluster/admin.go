package fakecluster

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fault"
)

// The admin HTTP API (design.md §3) lets tests written in any language read the cluster's state
// and inject faults. Every answer is JSON; errors are {"error":"..."} with a 4xx or 5xx status.
// The calls every rocketsim cluster view answers alike (the cluster, faults, history, broker
// stop and start) are adminhttp's, shared with the proxy; the rest are the fakes' own.

// AdminHandler returns the admin HTTP API of the cluster:
//
//	GET    /v1/cluster                    name server and brokers, each with name, addr, online
//	GET    /v1/topics/{topic}/messages    stored messages of a topic on every broker
//	GET    /v1/clients                    one row per (client id, broker)
//	GET    /v1/transactions               half messages and their state, by broker
//	POST   /v1/faults                     add a fault rule to "namesrv" or a broker
//	GET    /v1/faults                     the rules in force, by target
//	DELETE /v1/faults                     clear every rule
//	POST   /v1/marks                      mark the timeline {"label"}; GET /v1/marks lists the marks
//	GET    /v1/history                    the requests the servers received (?target= ?code=
//	                                      ?peer= ?since= ?until= ms since the epoch, ?limit=)
//	GET    /v1/events                     those requests, fault changes, broker changes and marks as server-sent events
//	GET    /v1, GET /                     the list of calls; GET / from a browser: the web console
//	GET    /v1/topics                     every topic with its queues, perm and order per broker
//	GET    /v1/messages                   a queue's messages from an offset (?topic= ?queue= ?offset= ?limit=)
//	GET    /v1/groups/{group}             a consumer group's offsets and lag per queue
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
	mux := adminhttp.NewMux()
	adminhttp.Register(mux, adminServers{c})
	adminhttp.RegisterLimits(mux, c.Limits)
	mux.HandleFunc("GET /v1/topics", "every topic: its queues, perm and order on each broker", c.adminTopics)
	mux.HandleFunc("GET /v1/topics/{topic}/messages", "the stored messages of a topic on every broker", c.adminMessages)
	mux.HandleFunc("GET /v1/messages", "a queue's stored messages from an offset (?topic= &queue= &offset= &limit= &broker=)", c.adminQueueMessages)
	mux.HandleFunc("POST /v1/topics", `create or update a topic {"topic","queues","brokers"}`, c.adminCreateTopic)
	mux.HandleFunc("GET /v1/clients", "one row per client id and broker: its producer and consumer groups", c.adminClients)
	mux.HandleFunc("GET /v1/transactions", "half messages and their state, by broker", c.adminTransactions)
	mux.HandleFunc("GET /v1/groups", "every broker's subscription groups (consumer groups' configs)", c.adminGroups)
	mux.HandleFunc("GET /v1/groups/{group}", "a consumer group's committed offsets and lag per queue, and its consumers", c.adminGroupOffsets)
	mux.HandleFunc("POST /v1/groups", `create or replace a group's config {"groupName",...,"brokers"}`, c.adminUpdateGroup)
	mux.HandleFunc("DELETE /v1/groups/{group}", "forget a group's config (?removeOffset=true ?broker=)", c.adminDeleteGroup)
	mux.HandleFunc("GET /v1/groups/{group}/locks", "the queues its orderly consumers hold (LOCK_BATCH_MQ)", c.adminLocks)
	mux.HandleFunc("POST /v1/groups/{group}/reset-offset", `reset its offsets on a topic {"topic","timestamp","force"}`, c.adminResetOffset)
	mux.HandleFunc("GET /v1/groups/{group}/status", "its consumers' own offsets (?topic= ?clientId=)", c.adminConsumerStatus)
	mux.HandleFunc("GET /v1/clients/{clientId}/running-info", "a consumer's running info (?group= ?jstack=true)", c.adminRunningInfo)
	mux.HandleFunc("POST /v1/clients/{clientId}/consume-directly", `have a consumer consume a stored message again {"group","msgId"}`, c.adminConsumeDirectly)
	return mux
}

// Status returns what GET /v1/cluster answers.
func (c *Cluster) Status() ClusterStatus {
	st := ClusterStatus{
		Cluster: c.cfg.cluster,
		NameSrv: ServerStatus{Name: NameServerTarget, Addr: c.NameServerAddr(), Online: true},
		Brokers: []ServerStatus{},
	}
	for _, b := range c.brokers {
		info, ok := c.ns.Broker(b.Addr())
		registered := ok && info.Online
		st.Brokers = append(st.Brokers, ServerStatus{Name: b.Name(), Addr: b.Addr(), Online: b.Running(), Registered: &registered})
	}
	return st
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

func decodeBody(r *http.Request, v any) error { return adminhttp.DecodeBody(r, v) }

func writeJSON(w http.ResponseWriter, status int, v any) { adminhttp.WriteJSON(w, status, v) }

func writeError(w http.ResponseWriter, status int, err error) {
	adminhttp.WriteError(w, status, errors.New(strings.TrimPrefix(err.Error(), "fakecluster: ")))
}

// adminActionTimeout bounds a call that waits on the cluster (a broker start, a topic's route).
const adminActionTimeout = adminhttp.ActionTimeout

// The admin API's shared types, under the names this package has always given them.
type (
	ServerStatus  = adminhttp.ServerStatus
	ClusterStatus = adminhttp.ClusterStatus
	FaultRequest  = adminhttp.FaultRequest
)

// adminServers is the cluster as the admin API's shared calls see it.
type adminServers struct{ c *Cluster }

func (s adminServers) Status() ClusterStatus { return s.c.Status() }

func (s adminServers) Faults(target string) (*fault.Injector, bool) {
	inj, err := s.c.Faults(target)
	return inj, err == nil
}

func (s adminServers) History(target string) (*fault.History, bool) {
	if target == NameServerTarget {
		return s.c.ns.History(), true
	}
	b, ok := s.c.Broker(target)
	if !ok {
		return nil, false
	}
	return b.History(), true
}

func (s adminServers) CrashBroker(name string) error { return s.c.CrashBroker(name) }

func (s adminServers) WatchBrokers(f func(adminhttp.BrokerEvent)) (stop func()) {
	return s.c.brokerFeed.WatchBrokers(f)
}

func (s adminServers) StartBroker(ctx context.Context, name string) error {
	return s.c.StartBroker(ctx, name)
}

func (s adminServers) Marks() *adminhttp.Marks { return &s.c.marks }
