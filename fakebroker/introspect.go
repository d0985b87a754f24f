package fakebroker

// introspect.go gives read-only snapshots of the broker's state for tests and the admin API:
// topics, stored messages, clients, consumer offsets and the registrations it sent, and a way
// to wait for a registration without sleeping. No request codes; nothing here changes what
// clients see.

import (
	"cmp"
	"context"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// Topics returns the topic table, sorted by name (system topics included).
func (b *Broker) Topics() []protocol.TopicConfig { return b.topics.list() }

// Topic returns one topic's configuration.
func (b *Broker) Topic(name string) (protocol.TopicConfig, bool) { return b.topics.get(name) }

// DataVersion returns the topic table's current data version.
func (b *Broker) DataVersion() protocol.DataVersion { return b.topics.dataVersion() }

// StoreHost returns the store host written into stored messages and the offset message ids
// made from them (an offset message id names its broker by it).
func (b *Broker) StoreHost() netip.AddrPort { return b.currentStoreHost() }

// Permission returns brokerPermission.
func (b *Broker) Permission() int32 { return b.permission() }

// Message is a stored message as a Go test reads it from the fakes in its own process: ids as
// strings (MsgID is the producer's, as SendResult shows it), tags and keys read out of the
// properties, the body inflated as the application sent it beside the body as stored. It earns
// its place beside protocol.MessageExt, the wire's view of the same record (StoredMessages; what
// code that reads fake and real brokers alike uses, the backend package), by being what an
// application's test asserts on without decoding anything; fakecluster.AdminMessage is its JSON
// form in the admin API.
type Message struct {
	Topic       string
	Broker      string
	QueueID     int32
	QueueOffset int64
	// MsgID is the producer's unique id (UNIQ_KEY, what SendResult.msgId shows), or the offset
	// id when the message has none.
	MsgID string
	// OffsetMsgID is the broker's id: store host and commit-log offset.
	OffsetMsgID string
	Tags        string
	Keys        []string
	// Properties are as stored: CLUSTER added, WAIT dropped (a batch's messages and delayed
	// messages keep it, as on a real broker).
	Properties      map[string]string
	Body            []byte // as the application sent it: inflated when compressed
	StoredBody      []byte // as stored (compressed when SysFlag says so)
	SysFlag         int32
	Flag            int32
	BornTimestamp   int64 // ms since the epoch
	BornHost        string
	StoreTimestamp  int64 // ms since the epoch
	StoreHost       string
	CommitLogOffset int64
	StoreSize       int32
	ReconsumeTimes  int32
}

// bodyLimit bounds what Messages inflates a compressed body to.
func (b *Broker) bodyLimit() int { return max(4*b.maxMessageSize(), 64<<20) }

// Messages returns the messages stored for topic, in the order they were stored.
func (b *Broker) Messages(topic string) []Message {
	stored := b.store.messages(topic)
	out := make([]Message, len(stored))
	for i, sm := range stored {
		out[i] = b.toMessage(sm)
	}
	return out
}

// StoredMessages returns the messages stored for topic as a pull hands them to a client: each
// decoded from its stored record (body as stored, compressed when its sysFlag says so), with
// BrokerName set, in the order they were stored. It is the wire's view of what Messages shows
// for tests; neutral code (the backend package) reads fake and real brokers alike through it.
func (b *Broker) StoredMessages(topic string) []*protocol.MessageExt {
	stored := b.store.messages(topic)
	out := make([]*protocol.MessageExt, len(stored))
	for i, sm := range stored {
		m := sm.message()
		m.Body = slices.Clone(m.Body) // the record's bytes stay the store's
		m.BrokerName = b.cfg.name
		out[i] = m
	}
	return out
}

// MessageTopics lists the topics that hold messages, sorted.
func (b *Broker) MessageTopics() []string { return b.store.topicsWithMessages() }

func (b *Broker) toMessage(sm *storedMessage) Message {
	m := sm.message()
	body, err := m.UncompressedBody(b.bodyLimit())
	if err != nil {
		body = m.Body
	}
	return Message{
		Topic:           m.Topic,
		Broker:          b.cfg.name,
		QueueID:         m.QueueID,
		QueueOffset:     m.QueueOffset,
		MsgID:           m.ClientMsgID(),
		OffsetMsgID:     m.MsgID,
		Tags:            m.Tags(),
		Keys:            m.Keys(),
		Properties:      maps.Clone(m.Properties),
		Body:            slices.Clone(body),
		StoredBody:      slices.Clone(m.Body),
		SysFlag:         m.SysFlag,
		Flag:            m.Flag,
		BornTimestamp:   m.BornTimestamp,
		BornHost:        m.BornHost.String(),
		StoreTimestamp:  m.StoreTimestamp,
		StoreHost:       m.StoreHost.String(),
		CommitLogOffset: m.CommitLogOffset,
		StoreSize:       m.StoreSize,
		ReconsumeTimes:  m.ReconsumeTimes,
	}
}

// MaxOffset returns a queue's max (next) logical offset.
// Unlike GET_MAX_OFFSET it leaves a queue that has no entries as it is (see store.touched).
func (b *Broker) MaxOffset(topic string, queue int32) int64 {
	_, maxOff := b.store.offsets(topic, queue)
	return maxOff
}

// MinOffset returns a queue's min logical offset: where its oldest message still kept is (see
// WithStoreLimit), the max offset when retention dropped all of them.
func (b *Broker) MinOffset(topic string, queue int32) int64 {
	minOff, _ := b.store.offsets(topic, queue)
	return minOff
}

// ConsumerOffset returns a consumer group's committed offset of a queue.
func (b *Broker) ConsumerOffset(group, topic string, queue int32) (int64, bool) {
	return b.offsets.query(group, topic, queue)
}

// ClientInfo is one client connection in the client table.
type ClientInfo struct {
	ClientID       string
	Broker         string // this broker's name
	Addr           string // the connection's remote address
	ConnID         uint64
	Language       string
	Version        int32
	ProducerGroups []string
	ConsumerGroups []string
	LastHeartbeat  time.Time
}

// Clients returns the client table, one row per connection, sorted by client id and
// connection.
func (b *Broker) Clients() []ClientInfo {
	t := b.clients
	t.mu.Lock()
	defer t.mu.Unlock()
	rows := map[uint64]*ClientInfo{}
	row := func(ch *clientChannel) *ClientInfo {
		id := ch.conn.ID()
		r := rows[id]
		if r == nil {
			r = &ClientInfo{
				ClientID: ch.clientID, Broker: b.cfg.name, Addr: ch.conn.RemoteAddr(), ConnID: id,
				Language: ch.language.String(), Version: ch.version,
			}
			rows[id] = r
		}
		if ch.lastUpdate.After(r.LastHeartbeat) {
			r.LastHeartbeat = ch.lastUpdate
		}
		return r
	}
	for group, table := range t.producers {
		for _, ch := range table {
			r := row(ch)
			r.ProducerGroups = append(r.ProducerGroups, group)
		}
	}
	for group, g := range t.consumers {
		for _, ch := range g.channels {
			r := row(ch)
			r.ConsumerGroups = append(r.ConsumerGroups, group)
		}
	}
	out := make([]ClientInfo, 0, len(rows))
	for _, r := range rows {
		slices.Sort(r.ProducerGroups)
		slices.Sort(r.ConsumerGroups)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ClientInfo) int {
		return cmp.Or(cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.ConnID, b.ConnID))
	})
	return out
}

// ConsumerIDs returns the client ids of a consumer group's connections, as GET_CONSUMER_LIST_BY_GROUP
// answers them.
func (b *Broker) ConsumerIDs(group string) []string {
	ids, _, _, _ := b.clients.consumerGroup(group)
	return ids
}

// Subscriptions returns a consumer group's subscriptions by topic, as its heartbeats gave them.
func (b *Broker) Subscriptions(group string) map[string]protocol.SubscriptionData {
	_, subs, _, _ := b.clients.consumerGroup(group)
	return subs
}

// HeldPulls returns how many pulls are waiting for messages (long polling).
func (b *Broker) HeldPulls() int { return b.pulls.count() }

// Registrations returns the REGISTER_BROKER and UNREGISTER_BROKER requests the broker sent,
// oldest first.
func (b *Broker) Registrations() []Registration { return b.regs.snapshot() }

// AwaitRegistration returns the first registration, already sent or to come, that match
// accepts; it fails when ctx ends first.
func (b *Broker) AwaitRegistration(ctx context.Context, match func(Registration) bool) (Registration, error) {
	seen := 0
	for {
		list, changed := b.regs.wait()
		for _, r := range list[seen:] {
			if match(r) {
				return r, nil
			}
		}
		seen = len(list)
		select {
		case <-changed:
		case <-ctx.Done():
			return Registration{}, ctx.Err()
		}
	}
}
