package fakecluster

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/protocol"
)

// The admin calls a console browses the cluster with: topics as each broker holds them, one
// queue's messages from an offset, a consumer group's progress. docs/admin-api.md is their
// contract.

// AdminTopicBroker is one broker's config of a topic in GET /v1/topics.
type AdminTopicBroker struct {
	Broker      string `json:"broker"`
	ReadQueues  int32  `json:"readQueues"`
	WriteQueues int32  `json:"writeQueues"`
	Perm        int32  `json:"perm"` // 2 read, 4 write, 6 both, as mqadmin updateTopic -p
	Order       bool   `json:"order"`
}

// AdminTopic is one topic of GET /v1/topics.
type AdminTopic struct {
	Topic   string             `json:"topic"`
	System  bool               `json:"system"` // a topic the brokers keep for themselves (SCHEDULE_TOPIC_XXXX, TBW102, ...)
	Brokers []AdminTopicBroker `json:"brokers"`
}

// TopicRows returns what GET /v1/topics answers: every topic of every master, sorted by name,
// each with the brokers that hold it in the cluster's order.
func (c *Cluster) TopicRows() []AdminTopic {
	byTopic := map[string]*AdminTopic{}
	for _, b := range c.brokers {
		for _, tc := range b.Topics() {
			row := byTopic[tc.TopicName]
			if row == nil {
				row = &AdminTopic{Topic: tc.TopicName, System: protocol.IsSystemTopic(tc.TopicName), Brokers: []AdminTopicBroker{}}
				byTopic[tc.TopicName] = row
			}
			row.Brokers = append(row.Brokers, AdminTopicBroker{Broker: b.Name(), ReadQueues: tc.ReadQueueNums,
				WriteQueues: tc.WriteQueueNums, Perm: tc.Perm, Order: tc.Order})
		}
	}
	out := make([]AdminTopic, 0, len(byTopic))
	for _, row := range byTopic {
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b AdminTopic) int { return strings.Compare(a.Topic, b.Topic) })
	return out
}

func (c *Cluster) adminTopics(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Topics []AdminTopic `json:"topics"`
	}{c.TopicRows()})
}

// Bounds of GET /v1/messages: a page a browser shows at once, and the most one call reads.
const (
	defaultMessagesLimit = 32
	maxMessagesLimit     = 1000
)

func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not a number of 0 or more", name, v)
	}
	return n, nil
}

// adminQueueMessages answers one page of a topic's messages: those of ?queue= (every queue
// when left out) from ?offset= on, at most ?limit=, and where the next page starts.
func (c *Cluster) adminQueueMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	topic := q.Get("topic")
	if topic == "" {
		writeError(w, http.StatusBadRequest, errors.New("?topic= is required"))
		return
	}
	queue := int64(-1)
	if q.Get("queue") != "" {
		n, err := queryInt(r, "queue", 0)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		queue = n
	}
	offset, err := queryInt(r, "offset", 0)
	if err == nil {
		var limit int64
		limit, err = queryInt(r, "limit", defaultMessagesLimit)
		if err == nil {
			c.writeQueueMessages(w, topic, q.Get("broker"), queue, offset, min(max(limit, 1), maxMessagesLimit))
			return
		}
	}
	writeError(w, http.StatusBadRequest, err)
}

func (c *Cluster) writeQueueMessages(w http.ResponseWriter, topic, broker string, queue, offset, limit int64) {
	if broker != "" {
		if _, ok := c.Broker(broker); !ok {
			writeError(w, http.StatusNotFound, fmt.Errorf("unknown broker %q", broker))
			return
		}
	}
	out := struct {
		Messages   []AdminMessage `json:"messages"`
		NextOffset int64          `json:"nextOffset"` // ?offset= of the next page: one past the last message answered
	}{Messages: []AdminMessage{}, NextOffset: offset}
	for _, m := range c.Messages(topic) {
		if broker != "" && m.Broker != broker || queue >= 0 && int64(m.QueueID) != queue || m.QueueOffset < offset {
			continue
		}
		if int64(len(out.Messages)) == limit {
			break
		}
		out.Messages = append(out.Messages, adminMessage(m))
		out.NextOffset = max(out.NextOffset, m.QueueOffset+1)
	}
	writeJSON(w, http.StatusOK, out)
}

// AdminQueueProgress is one queue of GET /v1/groups/{group}: how far the group got.
type AdminQueueProgress struct {
	Broker         string `json:"broker"`
	Topic          string `json:"topic"`
	QueueID        int32  `json:"queueId"`
	BrokerOffset   int64  `json:"brokerOffset"`   // the queue's max offset: where the next message goes
	ConsumerOffset int64  `json:"consumerOffset"` // the group's committed offset, -1 when it committed none
	Lag            int64  `json:"lag"`            // brokerOffset - consumerOffset (all of the queue when none is committed)
}

// AdminGroupProgress is the answer of GET /v1/groups/{group}.
type AdminGroupProgress struct {
	Group     string               `json:"group"`
	Consumers []string             `json:"consumers"` // client ids of its consumers connected now, sorted
	Lag       int64                `json:"lag"`       // the sum over its queues
	Queues    []AdminQueueProgress `json:"queues"`
}

// GroupProgress returns a consumer group's committed offsets and lag on every queue it
// committed an offset for or subscribes to; false when no broker knows the group.
func (c *Cluster) GroupProgress(group string) (AdminGroupProgress, bool) {
	out := AdminGroupProgress{Group: group, Consumers: []string{}, Queues: []AdminQueueProgress{}}
	known := false
	for _, sg := range c.SubscriptionGroups() {
		known = known || sg.Config.GroupName == group
	}
	for _, b := range c.brokers {
		for _, id := range b.ConsumerIDs(group) {
			if !slices.Contains(out.Consumers, id) {
				out.Consumers = append(out.Consumers, id)
			}
		}
		subs := b.Subscriptions(group)
		known = known || len(subs) > 0
		for _, tc := range b.Topics() {
			_, subscribed := subs[tc.TopicName]
			out.Queues = append(out.Queues, queueProgress(b, group, tc, subscribed)...)
		}
	}
	known = known || len(out.Queues) > 0 || len(out.Consumers) > 0
	slices.Sort(out.Consumers)
	for _, q := range out.Queues {
		out.Lag += q.Lag
	}
	return out, known
}

func queueProgress(b *fakebroker.Broker, group string, tc protocol.TopicConfig, subscribed bool) []AdminQueueProgress {
	var out []AdminQueueProgress
	for q := range max(tc.ReadQueueNums, tc.WriteQueueNums) {
		committed, ok := b.ConsumerOffset(group, tc.TopicName, q)
		if !ok && !subscribed {
			continue
		}
		p := AdminQueueProgress{Broker: b.Name(), Topic: tc.TopicName, QueueID: q, BrokerOffset: b.MaxOffset(tc.TopicName, q), ConsumerOffset: -1}
		p.Lag = p.BrokerOffset
		if ok {
			p.ConsumerOffset = committed
			p.Lag = max(p.BrokerOffset-committed, 0)
		}
		out = append(out, p)
	}
	return out
}

func (c *Cluster) adminGroupOffsets(w http.ResponseWriter, r *http.Request) {
	group := r.PathValue("group")
	p, ok := c.GroupProgress(group)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no broker knows consumer group %q", group))
		return
	}
	writeJSON(w, http.StatusOK, p)
}
