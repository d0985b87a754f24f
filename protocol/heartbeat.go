package protocol

import "fmt"

// ConsumeType is Java's ConsumeType enum, sent by name.
type ConsumeType string

const (
	ConsumeActively  ConsumeType = "CONSUME_ACTIVELY"  // pull consumers
	ConsumePassively ConsumeType = "CONSUME_PASSIVELY" // push consumers
)

// MessageModel is Java's MessageModel enum, sent by name.
type MessageModel string

const (
	Broadcasting MessageModel = "BROADCASTING"
	Clustering   MessageModel = "CLUSTERING"
)

// ConsumeFromWhere is Java's ConsumeFromWhere enum, sent by name.
type ConsumeFromWhere string

const (
	ConsumeFromLastOffset                        ConsumeFromWhere = "CONSUME_FROM_LAST_OFFSET"
	ConsumeFromLastOffsetAndFromMinWhenBootFirst ConsumeFromWhere = "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST"
	ConsumeFromMinOffset                         ConsumeFromWhere = "CONSUME_FROM_MIN_OFFSET"
	ConsumeFromMaxOffset                         ConsumeFromWhere = "CONSUME_FROM_MAX_OFFSET"
	ConsumeFromFirstOffset                       ConsumeFromWhere = "CONSUME_FROM_FIRST_OFFSET"
	ConsumeFromTimestamp                         ConsumeFromWhere = "CONSUME_FROM_TIMESTAMP"
)

// The enums in declaration order: fastjson also accepts an enum as its ordinal.
var (
	consumeTypeOrdinals      = []string{string(ConsumeActively), string(ConsumePassively)}
	messageModelOrdinals     = []string{string(Broadcasting), string(Clustering)}
	consumeFromWhereOrdinals = []string{
		string(ConsumeFromLastOffset), string(ConsumeFromLastOffsetAndFromMinWhenBootFirst),
		string(ConsumeFromMinOffset), string(ConsumeFromMaxOffset),
		string(ConsumeFromFirstOffset), string(ConsumeFromTimestamp),
	}
)

// Expression types of SubscriptionData (Java ExpressionType).
const (
	ExpressionTypeTag   = "TAG"
	ExpressionTypeSQL92 = "SQL92"
)

// HeartbeatData is the body of HEART_BEAT (34): the groups a client is in. Java keeps the
// groups in HashSets of objects without hashCode, so their order on the wire is arbitrary; we
// keep whatever order we are given.
type HeartbeatData struct {
	ClientID        string
	ProducerDataSet []ProducerData
	ConsumerDataSet []ConsumerData
}

// ProducerData names one producer group of the client.
type ProducerData struct {
	GroupName string
}

// ConsumerData is one consumer group of the client. Empty enum fields stand for Java's null and
// are left out when encoding.
type ConsumerData struct {
	GroupName           string
	ConsumeType         ConsumeType
	MessageModel        MessageModel
	ConsumeFromWhere    ConsumeFromWhere
	SubscriptionDataSet []SubscriptionData
	UnitMode            bool
}

// SubscriptionData is one topic subscription of a consumer group.
type SubscriptionData struct {
	ClassFilterMode bool
	Topic           string
	SubString       string // "*" or "tagA || tagB", or an SQL92 expression
	TagsSet         []string
	CodeSet         []int32 // Java hashCodes of the tags
	SubVersion      int64
	ExpressionType  string // ExpressionTypeTag or ExpressionTypeSQL92; "" is left out
}

// Encode writes the heartbeat as the Java client does (fastjson, properties in alphabetical
// order: clientID, consumerDataSet, producerDataSet).
func (h *HeartbeatData) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"clientID":`)
	w.string(h.ClientID)
	w.raw(`,"consumerDataSet":[`)
	for i := range h.ConsumerDataSet {
		w.comma(i)
		w.consumerData(&h.ConsumerDataSet[i])
	}
	w.raw(`],"producerDataSet":[`)
	for i, p := range h.ProducerDataSet {
		w.comma(i)
		w.raw(`{"groupName":`)
		w.string(p.GroupName)
		w.byte('}')
	}
	w.raw(`]}`)
	return w.buf
}

func (w *fjWriter) consumerData(c *ConsumerData) {
	n := 0
	w.byte('{')
	if c.ConsumeFromWhere != "" {
		w.field(n, "consumeFromWhere")
		w.string(string(c.ConsumeFromWhere))
		n++
	}
	if c.ConsumeType != "" {
		w.field(n, "consumeType")
		w.string(string(c.ConsumeType))
		n++
	}
	w.field(n, "groupName")
	w.string(c.GroupName)
	if c.MessageModel != "" {
		w.raw(`,"messageModel":`)
		w.string(string(c.MessageModel))
	}
	w.raw(`,"subscriptionDataSet":[`)
	for i := range c.SubscriptionDataSet {
		w.comma(i)
		w.subscriptionData(&c.SubscriptionDataSet[i])
	}
	w.raw(`],"unitMode":`)
	w.bool(c.UnitMode)
	w.byte('}')
}

func (w *fjWriter) subscriptionData(s *SubscriptionData) {
	w.raw(`{"classFilterMode":`)
	w.bool(s.ClassFilterMode)
	w.raw(`,"codeSet":[`)
	for i, code := range s.CodeSet {
		w.comma(i)
		w.int(int64(code))
	}
	w.byte(']')
	if s.ExpressionType != "" {
		w.raw(`,"expressionType":`)
		w.string(s.ExpressionType)
	}
	w.raw(`,"subString":`)
	w.string(s.SubString)
	w.raw(`,"subVersion":`)
	w.long(s.SubVersion)
	w.raw(`,"tagsSet":`)
	w.stringList(s.TagsSet)
	w.raw(`,"topic":`)
	w.string(s.Topic)
	w.byte('}')
}

// DecodeHeartbeatData reads a heartbeat from the Java client, the official Go client (which
// writes producerDataSet before consumerDataSet) or anything else fastjson would accept. A
// subscription without expressionType gets "TAG", as Java's default constructor gives it.
func DecodeHeartbeatData(data []byte) (*HeartbeatData, error) {
	h := &HeartbeatData{}
	err := fjDecode(data, "HeartbeatData", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "clientID":
				h.ClientID, err = r.Str()
			case "producerDataSet":
				err = r.Array(func() error {
					var p ProducerData
					err := r.Object(func(key string) error {
						if key == "groupName" {
							var err error
							p.GroupName, err = r.Str()
							return err
						}
						return r.Skip()
					})
					h.ProducerDataSet = append(h.ProducerDataSet, p)
					return err
				})
			case "consumerDataSet":
				err = r.Array(func() error {
					c, err := r.consumerData()
					h.ConsumerDataSet = append(h.ConsumerDataSet, c)
					return err
				})
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (r *fjReader) consumerData() (ConsumerData, error) {
	var c ConsumerData
	err := r.Object(func(key string) error {
		var err error
		var s string
		switch key {
		case "groupName":
			c.GroupName, err = r.Str()
		case "consumeType":
			s, err = r.enum(consumeTypeOrdinals)
			c.ConsumeType = ConsumeType(s)
		case "messageModel":
			s, err = r.enum(messageModelOrdinals)
			c.MessageModel = MessageModel(s)
		case "consumeFromWhere":
			s, err = r.enum(consumeFromWhereOrdinals)
			c.ConsumeFromWhere = ConsumeFromWhere(s)
		case "subscriptionDataSet":
			err = r.Array(func() error {
				sd, err := r.subscriptionData()
				c.SubscriptionDataSet = append(c.SubscriptionDataSet, sd)
				return err
			})
		case "unitMode":
			c.UnitMode, err = r.Bool()
		default:
			err = r.Skip()
		}
		return err
	})
	return c, err
}

func (r *fjReader) subscriptionData() (SubscriptionData, error) {
	s := SubscriptionData{ExpressionType: ExpressionTypeTag}
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "classFilterMode":
			s.ClassFilterMode, err = r.Bool()
		case "topic":
			s.Topic, err = r.Str()
		case "subString":
			s.SubString, err = r.Str()
		case "tagsSet":
			s.TagsSet, err = r.StringList()
		case "codeSet":
			err = r.Array(func() error {
				code, err := r.Int32()
				s.CodeSet = append(s.CodeSet, code)
				return err
			})
		case "subVersion":
			s.SubVersion, err = r.Int64()
		case "expressionType":
			var t string
			if t, err = r.Str(); t != "" {
				s.ExpressionType = t
			}
		default:
			err = r.Skip()
		}
		return err
	})
	return s, err
}

// enum reads an enum given by name or, as fastjson also allows, by ordinal. Unknown names are
// kept as they are so a newer peer's value is not lost.
func (r *fjReader) enum(ordinals []string) (string, error) {
	if c := r.Peek(); c == '-' || c >= '0' && c <= '9' {
		n, err := r.Int64()
		if err != nil {
			return "", err
		}
		if n < 0 || n >= int64(len(ordinals)) {
			return "", fmt.Errorf("enum ordinal %d out of range", n)
		}
		return ordinals[n], nil
	}
	return r.Str()
}
