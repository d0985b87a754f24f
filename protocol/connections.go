package protocol

import (
	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/remoting"
)

// The bodies of a broker's answers to GET_PRODUCER_CONNECTION_LIST (204) and
// GET_CONSUMER_CONNECTION_LIST (203): who is connected in a group, as mqadmin producerConnection
// and consumerConnection print it.

// Connection is one client connection of a group (Java Connection). Empty strings stand for
// Java's null and are left out when encoding.
type Connection struct {
	ClientID   string
	ClientAddr string // the connection's remote address, as the broker sees it
	Language   string // a LanguageCode name: "JAVA", "GO", ...
	Version    int32  // the client's MQVersion ordinal
}

// ProducerConnection is the body of the answer to GET_PRODUCER_CONNECTION_LIST. Java keeps the
// connections in a HashSet of objects without a hashCode, so their order on the wire is
// arbitrary; we keep the order given.
type ProducerConnection struct {
	ConnectionSet []Connection
}

// ConsumerConnection is the body of the answer to GET_CONSUMER_CONNECTION_LIST: the group's
// connections and what its heartbeats said. Empty enum fields stand for Java's null.
type ConsumerConnection struct {
	ConnectionSet     []Connection
	SubscriptionTable map[string]SubscriptionData // by topic
	ConsumeType       ConsumeType
	MessageModel      MessageModel
	ConsumeFromWhere  ConsumeFromWhere
}

// Encode writes the body as fastjson does (properties in alphabetical order).
func (p *ProducerConnection) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"connectionSet":`)
	w.connections(p.ConnectionSet)
	w.byte('}')
	return w.buf
}

// Encode writes the body as fastjson does: properties in alphabetical order, the subscription
// table in the order of the ConcurrentHashMap the broker fills with putAll.
func (c *ConsumerConnection) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"connectionSet":`)
	w.connections(c.ConnectionSet)
	if c.ConsumeFromWhere != "" {
		w.raw(`,"consumeFromWhere":`)
		w.string(string(c.ConsumeFromWhere))
	}
	if c.ConsumeType != "" {
		w.raw(`,"consumeType":`)
		w.string(string(c.ConsumeType))
	}
	if c.MessageModel != "" {
		w.raw(`,"messageModel":`)
		w.string(string(c.MessageModel))
	}
	w.raw(`,"subscriptionTable":{`)
	topics := javaStringKeys(c.SubscriptionTable)
	if n := len(topics); n > 0 {
		// putAll presizes an empty ConcurrentHashMap for the count it is given.
		javamap.OrderInTable(topics, javamap.TableSizeFor(n+n>>1+1))
	}
	for i, topic := range topics {
		w.mapKey(i, topic)
		sd := c.SubscriptionTable[topic]
		w.subscriptionData(&sd)
	}
	w.raw(`}}`)
	return w.buf
}

func (w *fjWriter) connections(conns []Connection) {
	w.byte('[')
	for i, c := range conns {
		w.comma(i)
		n := 0
		w.byte('{')
		if c.ClientAddr != "" {
			w.field(n, "clientAddr")
			w.string(c.ClientAddr)
			n++
		}
		if c.ClientID != "" {
			w.field(n, "clientId")
			w.string(c.ClientID)
			n++
		}
		if c.Language != "" {
			w.field(n, "language")
			w.string(c.Language)
			n++
		}
		w.field(n, "version")
		w.int(int64(c.Version))
		w.byte('}')
	}
	w.byte(']')
}

// DecodeProducerConnection reads the answer to GET_PRODUCER_CONNECTION_LIST.
func DecodeProducerConnection(data []byte) (*ProducerConnection, error) {
	p := &ProducerConnection{}
	err := fjDecode(data, "ProducerConnection", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "connectionSet" {
				return r.Skip()
			}
			var err error
			p.ConnectionSet, err = r.connections()
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DecodeConsumerConnection reads the answer to GET_CONSUMER_CONNECTION_LIST. A subscription
// without expressionType gets "TAG", as in a heartbeat.
func DecodeConsumerConnection(data []byte) (*ConsumerConnection, error) {
	c := &ConsumerConnection{SubscriptionTable: map[string]SubscriptionData{}}
	err := fjDecode(data, "ConsumerConnection", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			var s string
			switch key {
			case "connectionSet":
				c.ConnectionSet, err = r.connections()
			case "subscriptionTable":
				err = r.Object(func(topic string) error {
					sd, err := r.subscriptionData()
					c.SubscriptionTable[topic] = sd
					return err
				})
			case "consumeType":
				s, err = r.enum(consumeTypeOrdinals)
				c.ConsumeType = ConsumeType(s)
			case "messageModel":
				s, err = r.enum(messageModelOrdinals)
				c.MessageModel = MessageModel(s)
			case "consumeFromWhere":
				s, err = r.enum(consumeFromWhereOrdinals)
				c.ConsumeFromWhere = ConsumeFromWhere(s)
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// languageOrdinals are LanguageCode's names in declaration order, for fastjson's enum-by-ordinal.
var languageOrdinals = func() []string {
	var names []string
	for l := remoting.LanguageJava; l <= remoting.LanguageNodeJS; l++ {
		names = append(names, l.String())
	}
	return names
}()

func (r *fjReader) connections() ([]Connection, error) {
	var out []Connection
	err := r.Array(func() error {
		var c Connection
		err := r.Object(func(key string) error {
			var err error
			switch key {
			case "clientId":
				c.ClientID, err = r.Str()
			case "clientAddr":
				c.ClientAddr, err = r.Str()
			case "language":
				c.Language, err = r.enum(languageOrdinals)
			case "version":
				c.Version, err = r.Int32()
			default:
				err = r.Skip()
			}
			return err
		})
		out = append(out, c)
		return err
	})
	return out, err
}

// Encode writes the version as fastjson does: the body of QUERY_DATA_VERSION (322) and of its
// answer, and the version header of GET_BROKER_CONFIG's answer.
func (v DataVersion) Encode() []byte {
	w := &fjWriter{}
	w.dataVersion(v)
	return w.buf
}

// DecodeDataVersion reads a DataVersion on its own (not inside a topic config wrapper).
func DecodeDataVersion(data []byte) (DataVersion, error) {
	var v DataVersion
	err := fjDecode(data, "DataVersion", func(r *fjReader) error { return r.dataVersion(&v) })
	return v, err
}

// ProducerInfo is one producer connection of a group in the answer to GET_ALL_PRODUCER_INFO
// (328, mqadmin producer), Java's ProducerInfo: what the broker's ClientChannelInfo holds.
type ProducerInfo struct {
	ClientID            string
	RemoteIP            string // Netty's remoteAddress().toString(): "/127.0.0.1:54321"
	Language            string // a LanguageCode name: "JAVA", "GO", ...
	Version             int32  // the client's MQVersion ordinal
	LastUpdateTimestamp int64  // ms: the connection's last heartbeat
}

// ProducerTableInfo is the body of the answer to GET_ALL_PRODUCER_INFO: every producer group
// with a connection, each with its connections. Java builds it as a HashMap of default
// capacity; the order of a group's connections is that of its ConcurrentHashMap keyed by
// Netty channel, which is arbitrary: Encode keeps the order given.
type ProducerTableInfo struct {
	Data map[string][]ProducerInfo
}

// Encode writes the body as fastjson does: the groups in the order of Java's HashMap, each
// ProducerInfo's properties in alphabetical order.
func (p *ProducerTableInfo) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"data":{`)
	for i, group := range JavaHashMapOrder(javaStringKeys(p.Data), 16) {
		w.mapKey(i, group)
		w.byte('[')
		for j, pi := range p.Data[group] {
			w.comma(j)
			n := 0
			w.byte('{')
			if pi.ClientID != "" {
				w.field(n, "clientId")
				w.string(pi.ClientID)
				n++
			}
			if pi.Language != "" {
				w.field(n, "language")
				w.string(pi.Language)
				n++
			}
			w.field(n, "lastUpdateTimestamp")
			w.long(pi.LastUpdateTimestamp)
			if pi.RemoteIP != "" {
				w.raw(`,"remoteIP":`)
				w.string(pi.RemoteIP)
			}
			w.raw(`,"version":`)
			w.int(int64(pi.Version))
			w.byte('}')
		}
		w.byte(']')
	}
	w.raw(`}}`)
	return w.buf
}

// DecodeProducerTableInfo reads the answer to GET_ALL_PRODUCER_INFO.
func DecodeProducerTableInfo(data []byte) (*ProducerTableInfo, error) {
	p := &ProducerTableInfo{Data: map[string][]ProducerInfo{}}
	err := fjDecode(data, "ProducerTableInfo", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "data" {
				return r.Skip()
			}
			return r.Object(func(group string) error {
				list := []ProducerInfo{}
				err := r.Array(func() error {
					var pi ProducerInfo
					err := r.Object(func(key string) error {
						var err error
						switch key {
						case "clientId":
							pi.ClientID, err = r.Str()
						case "remoteIP":
							pi.RemoteIP, err = r.Str()
						case "language":
							pi.Language, err = r.enum(languageOrdinals)
						case "version":
							pi.Version, err = r.Int32()
						case "lastUpdateTimestamp":
							pi.LastUpdateTimestamp, err = r.Int64()
						default:
							err = r.Skip()
						}
						return err
					})
					list = append(list, pi)
					return err
				})
				p.Data[group] = list
				return err
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
