package protocol

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Message is what a producer sends: Java's Message. Properties is the map Java keeps; the
// accessors read and write the well-known entries in it.
type Message struct {
	Topic      string
	Flag       int32
	Body       []byte
	Properties map[string]string
}

// NewMessage returns a message for topic with body and WAIT=true, as Java's Message(topic,
// body) constructor does.
func NewMessage(topic string, body []byte) *Message {
	return &Message{Topic: topic, Body: body, Properties: map[string]string{PropertyWaitStoreMsgOK: "true"}}
}

// Property returns a property's value, "" when absent.
func (m *Message) Property(name string) string { return m.Properties[name] }

// SetProperty sets a property, allocating the map if needed. It does not apply Java's
// reserved-name check: that is PutUserProperty.
func (m *Message) SetProperty(name, value string) {
	if m.Properties == nil {
		m.Properties = make(map[string]string, 4)
	}
	m.Properties[name] = value
}

// ClearProperty removes a property.
func (m *Message) ClearProperty(name string) { delete(m.Properties, name) }

// PutUserProperty sets an application property with the checks of Java's putUserProperty:
// the reserved names and blank names or values are refused.
func (m *Message) PutUserProperty(name, value string) error {
	if err := CheckUserProperty(name, value); err != nil {
		return err
	}
	m.SetProperty(name, value)
	return nil
}

// Tags returns the TAGS property.
func (m *Message) Tags() string { return m.Properties[PropertyTags] }

// SetTags sets the TAGS property.
func (m *Message) SetTags(tags string) { m.SetProperty(PropertyTags, tags) }

// Keys returns the KEYS property split as the broker's index splits it: on single spaces,
// without empty keys.
func (m *Message) Keys() []string {
	k := m.Properties[PropertyKeys]
	if k == "" {
		return nil
	}
	return slices.DeleteFunc(strings.Split(k, KeySeparator), func(key string) bool { return key == "" })
}

// SetKeys sets the KEYS property, joined with single spaces as Java's setKeys(Collection).
func (m *Message) SetKeys(keys ...string) {
	m.SetProperty(PropertyKeys, strings.Join(keys, KeySeparator))
}

// UniqKey returns the client-side message id (UNIQ_KEY), which Java's SendResult shows as msgId.
func (m *Message) UniqKey() string { return m.Properties[PropertyUniqClientMessageID] }

// SetUniqKey sets UNIQ_KEY.
func (m *Message) SetUniqKey(id string) { m.SetProperty(PropertyUniqClientMessageID, id) }

// DelayLevel returns the DELAY property as a level (0: not delayed). Java's getDelayTimeLevel
// throws on a value that is not a number; here such a value reads as 0.
func (m *Message) DelayLevel() int {
	v, ok := m.Properties[PropertyDelayTimeLevel]
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

// SetDelayLevel sets the DELAY property (1 = 1s ... 18 = 2h with the broker's default levels).
func (m *Message) SetDelayLevel(level int) {
	m.SetProperty(PropertyDelayTimeLevel, strconv.Itoa(level))
}

// WaitStoreMsgOK reports the WAIT property as Java's isWaitStoreMsgOK: true when absent, else
// Boolean.parseBoolean (only "true", in any case, is true).
func (m *Message) WaitStoreMsgOK() bool {
	v, ok := m.Properties[PropertyWaitStoreMsgOK]
	return !ok || strings.EqualFold(v, "true")
}

// SetWaitStoreMsgOK sets the WAIT property.
func (m *Message) SetWaitStoreMsgOK(wait bool) {
	m.SetProperty(PropertyWaitStoreMsgOK, strconv.FormatBool(wait))
}

// TransactionPrepared reports TRAN_MSG as the producer and broker read it (parseBoolean): a
// half message of a transaction.
func (m *Message) TransactionPrepared() bool {
	return strings.EqualFold(m.Properties[PropertyTransactionPrepared], "true")
}

// Clone returns a copy whose properties can change without touching m's; the body is shared.
func (m *Message) Clone() *Message {
	c := *m
	c.Properties = maps.Clone(m.Properties)
	return &c
}

// MessageExt is a message as a broker stored it and a pull returns it (Java MessageExt).
type MessageExt struct {
	Message
	BrokerName                string // not on the wire: set by whoever knows which broker answered
	QueueID                   int32
	StoreSize                 int32
	QueueOffset               int64
	SysFlag                   int32
	BornTimestamp             int64 // ms since the epoch, the producer's clock
	BornHost                  netip.AddrPort
	StoreTimestamp            int64 // ms since the epoch, the broker's clock
	StoreHost                 netip.AddrPort
	MsgID                     string // the offset message id (CreateOffsetMsgID of StoreHost, CommitLogOffset)
	CommitLogOffset           int64
	BodyCRC                   int32
	ReconsumeTimes            int32
	PreparedTransactionOffset int64

	// RawProperties, when not empty, is the properties string the stored encoding carries
	// instead of Properties in Java's order: a broker stores each message of a batch with its
	// own string followed by the batch's (see StoredBatchProperties), which can name a
	// property twice. Properties should still hold what the string reads as.
	RawProperties string
}

// ClientMsgID is the id a Java consumer shows for the message (MessageClientExt.getMsgId): the
// producer's UNIQ_KEY, or the offset id when there is none.
func (m *MessageExt) ClientMsgID() string {
	if id := m.UniqKey(); id != "" {
		return id
	}
	return m.MsgID
}

// UncompressedBody returns the body as the application sent it, inflating it when SysFlag says
// it is compressed; the result is at most limit bytes.
func (m *MessageExt) UncompressedBody(limit int) ([]byte, error) {
	return UncompressedBody(m.Body, m.SysFlag, limit)
}
