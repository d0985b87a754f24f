package protocol

import (
	"net/netip"
	"strings"
)

// Message is what a producer sends: Java's Message.
type Message struct {
	Topic      string
	Flag       int32
	Body       []byte
	Properties map[string]string
}

// NewMessage returns a message for topic with body, waiting for the store as Java's default.
func NewMessage(topic string, body []byte) *Message {
	return &Message{Topic: topic, Body: body, Properties: map[string]string{PropertyWaitStoreMsgOK: "true"}}
}

func (m *Message) property(name string) string { return m.Properties[name] }

// SetProperty sets a property, allocating the map if needed.
func (m *Message) SetProperty(name, value string) {
	if m.Properties == nil {
		m.Properties = make(map[string]string, 4)
	}
	m.Properties[name] = value
}

// Tags returns the TAGS property.
func (m *Message) Tags() string { return m.property(PropertyTags) }

// SetTags sets the TAGS property.
func (m *Message) SetTags(tags string) { m.SetProperty(PropertyTags, tags) }

// Keys returns the KEYS property split on spaces, as Java joins them.
func (m *Message) Keys() []string {
	k := m.property(PropertyKeys)
	if k == "" {
		return nil
	}
	return strings.Fields(k)
}

// SetKeys sets the KEYS property, space-separated.
func (m *Message) SetKeys(keys ...string) { m.SetProperty(PropertyKeys, strings.Join(keys, " ")) }

// UniqKey returns the client-side message id (UNIQ_KEY).
func (m *Message) UniqKey() string { return m.property(PropertyUniqClientMessageID) }

// WaitStoreMsgOK reports the WAIT property; Java treats an absent one as true.
func (m *Message) WaitStoreMsgOK() bool { return m.property(PropertyWaitStoreMsgOK) != "false" }

// MessageExt is a message as a broker stored it and a pull returns it.
type MessageExt struct {
	Message
	QueueID                   int32
	StoreSize                 int32
	QueueOffset               int64
	SysFlag                   int32
	BornTimestamp             int64
	BornHost                  netip.AddrPort
	StoreTimestamp            int64
	StoreHost                 netip.AddrPort
	MsgID                     string // the offset message id
	CommitLogOffset           int64
	BodyCRC                   int32
	ReconsumeTimes            int32
	PreparedTransactionOffset int64
}
