package protocol

// Bodies about a group's consumers that mqadmin asks a broker for and the broker asks the
// consumers for: offsets to reset to (ResetOffsetBody), consumers' offsets
// (GetConsumerStatusBody), one message consumed on request (ConsumeMessageDirectlyResult), and
// the record a broker writes when it corrects a pull's offset (OffsetMovedEvent). Java keeps
// queue offsets in Map<MessageQueue, Long>, which fastjson writes with each queue, an object, as
// the key: {{"brokerName":"b","queueId":0,"topic":"T"}:5}, not JSON, but what every peer reads.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/rocketsim/rocketsim/internal/fjson"
	"github.com/rocketsim/rocketsim/internal/javamap"
)

// javaHashCode is Java's MessageQueue.hashCode.
func (mq MessageQueue) javaHashCode() int32 {
	h := int32(1)
	h = 31*h + javamap.HashCode(mq.BrokerName)
	h = 31*h + mq.QueueID
	return 31*h + javamap.HashCode(mq.Topic)
}

// CompareMessageQueues is Java's MessageQueue.compareTo: by topic, then broker, then queue id
// (the order of the TreeMaps and TreeSets Java keeps queues in).
func CompareMessageQueues(a, b MessageQueue) int {
	return cmp.Or(javamap.Compare(a.Topic, b.Topic), javamap.Compare(a.BrokerName, b.BrokerName), cmp.Compare(a.QueueID, b.QueueID))
}

// MessageQueueHashOrder returns a copy of mqs, added in that order to a java.util.HashSet (or as
// the keys of a HashMap) created with initialCapacity (16 for the no-argument constructor), in
// the order that set iterates them: what fastjson writes for a Set or Map of queues.
func MessageQueueHashOrder(mqs []MessageQueue, initialCapacity int) []MessageQueue {
	out := slices.Clone(mqs)
	n := javamap.HashMapTableSize(initialCapacity, len(out))
	slices.SortStableFunc(out, func(a, b MessageQueue) int {
		return javamap.Bucket(a.javaHashCode(), n) - javamap.Bucket(b.javaHashCode(), n)
	})
	return out
}

// queueMapOrder lists a map's queues as a HashMap of default capacity holding them iterates;
// queues sharing a bucket, whose order is the order they were put in, go in Java's order.
func queueMapOrder[V any](m map[MessageQueue]V) []MessageQueue {
	keys := slices.SortedFunc(maps.Keys(m), CompareMessageQueues)
	return MessageQueueHashOrder(keys, 16)
}

func (w *fjWriter) messageQueue(mq MessageQueue) {
	w.raw(`{"brokerName":`)
	w.string(mq.BrokerName)
	w.raw(`,"queueId":`)
	w.int(int64(mq.QueueID))
	w.raw(`,"topic":`)
	w.string(mq.Topic)
	w.byte('}')
}

func (r *fjReader) messageQueue() (MessageQueue, error) {
	var mq MessageQueue
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "topic":
			mq.Topic, err = r.Str()
		case "brokerName":
			mq.BrokerName, err = r.Str()
		case "queueId":
			mq.QueueID, err = r.Int32()
		default:
			err = r.Skip()
		}
		return err
	})
	return mq, err
}

// queueKey reads a map key that fastjson wrote for a MessageQueue: the queue's object as it is,
// or (with WriteNonStringKeyAsString) that object's text quoted.
func queueKey(key string) (MessageQueue, error) {
	r := &fjReader{Reader: fjson.NewReader([]byte(key))}
	if r.Peek() != '{' {
		return MessageQueue{}, fmt.Errorf("map key %q is not a message queue", key)
	}
	mq, err := r.messageQueue()
	if err == nil {
		err = r.End()
	}
	return mq, err
}

// queueOffsets writes a Map<MessageQueue, Long> of default capacity.
func (w *fjWriter) queueOffsets(m map[MessageQueue]int64) {
	w.byte('{')
	for i, mq := range queueMapOrder(m) {
		w.comma(i)
		w.messageQueue(mq)
		w.byte(':')
		w.long(m[mq])
	}
	w.byte('}')
}

func (r *fjReader) queueOffsets() (map[MessageQueue]int64, error) {
	m := map[MessageQueue]int64{}
	err := r.Object(func(key string) error {
		mq, err := queueKey(key)
		if err != nil {
			return err
		}
		m[mq], err = r.Int64()
		return err
	})
	return m, err
}

// ResetOffsetBody is the offset each queue of a topic is reset to: the body of a broker's
// answer to INVOKE_BROKER_TO_RESET_OFFSET (222) and of the RESET_CONSUMER_CLIENT_OFFSET (220) it
// sends the group's consumers (to a C++ client, in the ForC layout).
type ResetOffsetBody struct {
	OffsetTable map[MessageQueue]int64
}

// Encode writes the table as a broker does (a HashMap filled queue by queue).
func (b *ResetOffsetBody) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"offsetTable":`)
	w.queueOffsets(b.OffsetTable)
	w.byte('}')
	return w.buf
}

// EncodeForC writes the table as ResetOffsetBodyForC, what a broker sends a C++ client: a list
// of {brokerName, offset, queueId, topic} in the order the map would have iterated.
func (b *ResetOffsetBody) EncodeForC() []byte {
	w := &fjWriter{}
	w.raw(`{"offsetTable":[`)
	for i, mq := range queueMapOrder(b.OffsetTable) {
		w.comma(i)
		w.raw(`{"brokerName":`)
		w.string(mq.BrokerName)
		w.raw(`,"offset":`)
		w.long(b.OffsetTable[mq])
		w.raw(`,"queueId":`)
		w.int(int64(mq.QueueID))
		w.raw(`,"topic":`)
		w.string(mq.Topic)
		w.byte('}')
	}
	w.raw(`]}`)
	return w.buf
}

func DecodeResetOffsetBody(data []byte) (*ResetOffsetBody, error) {
	table, err := decodeOffsetTableBody(data, "ResetOffsetBody")
	if err != nil {
		return nil, err
	}
	return &ResetOffsetBody{OffsetTable: table}, nil
}

// decodeOffsetTableBody reads a body whose one field, offsetTable, maps queues to offsets.
func decodeOffsetTableBody(data []byte, name string) (map[MessageQueue]int64, error) {
	table := map[MessageQueue]int64{}
	err := fjDecode(data, name, func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "offsetTable" {
				return r.Skip()
			}
			m, err := r.queueOffsets()
			maps.Copy(table, m)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return table, nil
}

// DecodeResetOffsetBodyForC reads the ForC layout (see EncodeForC).
func DecodeResetOffsetBodyForC(data []byte) (*ResetOffsetBody, error) {
	b := &ResetOffsetBody{OffsetTable: map[MessageQueue]int64{}}
	err := fjDecode(data, "ResetOffsetBodyForC", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "offsetTable" {
				return r.Skip()
			}
			return r.Array(func() error {
				var mq MessageQueue
				var off int64
				err := r.Object(func(key string) error {
					var err error
					switch key {
					case "topic":
						mq.Topic, err = r.Str()
					case "brokerName":
						mq.BrokerName, err = r.Str()
					case "queueId":
						mq.QueueID, err = r.Int32()
					case "offset":
						off, err = r.Int64()
					default:
						err = r.Skip()
					}
					return err
				})
				b.OffsetTable[mq] = off
				return err
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// GetConsumerStatusBody is a consumer's answer to GET_CONSUMER_STATUS_FROM_CLIENT (221), its
// offsets in MessageQueueTable, and a broker's answer to INVOKE_BROKER_TO_GET_CONSUMER_STATUS
// (223), each consumer's offsets by client id in ConsumerTable.
type GetConsumerStatusBody struct {
	MessageQueueTable map[MessageQueue]int64
	ConsumerTable     map[string]map[MessageQueue]int64
}

func (b *GetConsumerStatusBody) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"consumerTable":{`)
	for i, id := range JavaHashMapOrder(javaStringKeys(b.ConsumerTable), 16) {
		w.mapKey(i, id)
		w.queueOffsets(b.ConsumerTable[id])
	}
	w.raw(`},"messageQueueTable":`)
	w.queueOffsets(b.MessageQueueTable)
	w.byte('}')
	return w.buf
}

func DecodeGetConsumerStatusBody(data []byte) (*GetConsumerStatusBody, error) {
	b := &GetConsumerStatusBody{MessageQueueTable: map[MessageQueue]int64{}, ConsumerTable: map[string]map[MessageQueue]int64{}}
	err := fjDecode(data, "GetConsumerStatusBody", func(r *fjReader) error {
		return r.Object(func(key string) error {
			switch key {
			case "messageQueueTable":
				m, err := r.queueOffsets()
				maps.Copy(b.MessageQueueTable, m)
				return err
			case "consumerTable":
				return r.Object(func(id string) error {
					m, err := r.queueOffsets()
					b.ConsumerTable[id] = m
					return err
				})
			default:
				return r.Skip()
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// CMResult is how a consumer's listener took a message given to it directly (Java's CMResult).
type CMResult string

const (
	CMResultSuccess        CMResult = "CR_SUCCESS"
	CMResultLater          CMResult = "CR_LATER"
	CMResultRollback       CMResult = "CR_ROLLBACK"
	CMResultCommit         CMResult = "CR_COMMIT"
	CMResultThrowException CMResult = "CR_THROW_EXCEPTION"
	CMResultReturnNull     CMResult = "CR_RETURN_NULL"
)

var cmResultOrdinals = []string{
	string(CMResultSuccess), string(CMResultLater), string(CMResultRollback), string(CMResultCommit),
	string(CMResultThrowException), string(CMResultReturnNull),
}

// ConsumeMessageDirectlyResult is a consumer's answer to CONSUME_MESSAGE_DIRECTLY (309), which
// the broker passes back to mqadmin unchanged.
type ConsumeMessageDirectlyResult struct {
	Order          bool
	AutoCommit     bool
	ConsumeResult  CMResult // "" is Java's null
	Remark         string   // "" is Java's null
	SpentTimeMills int64
}

func (c *ConsumeMessageDirectlyResult) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"autoCommit":`)
	w.bool(c.AutoCommit)
	if c.ConsumeResult != "" {
		w.raw(`,"consumeResult":`)
		w.string(string(c.ConsumeResult))
	}
	w.raw(`,"order":`)
	w.bool(c.Order)
	if c.Remark != "" {
		w.raw(`,"remark":`)
		w.string(c.Remark)
	}
	w.raw(`,"spentTimeMills":`)
	w.long(c.SpentTimeMills)
	w.byte('}')
	return w.buf
}

// DecodeConsumeMessageDirectlyResult reads the result; fields left out keep Java's defaults
// (autoCommit true).
func DecodeConsumeMessageDirectlyResult(data []byte) (*ConsumeMessageDirectlyResult, error) {
	c := &ConsumeMessageDirectlyResult{AutoCommit: true}
	err := fjDecode(data, "ConsumeMessageDirectlyResult", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "order":
				c.Order, err = r.Bool()
			case "autoCommit":
				c.AutoCommit, err = r.Bool()
			case "consumeResult":
				var s string
				s, err = r.enum(cmResultOrdinals)
				c.ConsumeResult = CMResult(s)
			case "remark":
				c.Remark, err = r.Str()
			case "spentTimeMills":
				c.SpentTimeMills, err = r.Int64()
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

// OffsetMovedEvent is the body of the record a broker stores in OFFSET_MOVED_EVENT when it
// answers a pull PULL_OFFSET_MOVED: the group, the queue, the offset asked for and the one the
// broker told the consumer to go on from.
type OffsetMovedEvent struct {
	ConsumerGroup string
	MessageQueue  MessageQueue
	OffsetRequest int64
	OffsetNew     int64
}

func (e *OffsetMovedEvent) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"consumerGroup":`)
	w.string(e.ConsumerGroup)
	w.raw(`,"messageQueue":`)
	w.messageQueue(e.MessageQueue)
	w.raw(`,"offsetNew":`)
	w.long(e.OffsetNew)
	w.raw(`,"offsetRequest":`)
	w.long(e.OffsetRequest)
	w.byte('}')
	return w.buf
}

func DecodeOffsetMovedEvent(data []byte) (*OffsetMovedEvent, error) {
	e := &OffsetMovedEvent{}
	err := fjDecode(data, "OffsetMovedEvent", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "consumerGroup":
				e.ConsumerGroup, err = r.Str()
			case "messageQueue":
				e.MessageQueue, err = r.messageQueue()
			case "offsetRequest":
				e.OffsetRequest, err = r.Int64()
			case "offsetNew":
				e.OffsetNew, err = r.Int64()
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// OffsetSerializeWrapper is the file a broadcasting consumer keeps its offsets in (Java's
// LocalFileOffsetStore writes it as offsets.json): each queue's next offset, in fastjson's
// queue-keyed map layout.
type OffsetSerializeWrapper struct {
	OffsetTable map[MessageQueue]int64
}

// Encode writes the file as Java's toJson(true) does: fastjson's pretty format (a tab per
// level, each queue key an indented object), the queues in the order a map of default capacity
// iterates them.
func (o *OffsetSerializeWrapper) Encode() []byte {
	w := &fjWriter{}
	w.raw("{\n\t\"offsetTable\":{")
	for i, mq := range queueMapOrder(o.OffsetTable) {
		w.comma(i)
		w.raw("{\n\t\t\t\"brokerName\":")
		w.string(mq.BrokerName)
		w.raw(",\n\t\t\t\"queueId\":")
		w.int(int64(mq.QueueID))
		w.raw(",\n\t\t\t\"topic\":")
		w.string(mq.Topic)
		w.raw("\n\t\t}:")
		w.long(o.OffsetTable[mq])
	}
	if len(o.OffsetTable) > 0 {
		w.raw("\n\t")
	}
	w.raw("}\n}")
	return w.buf
}

// DecodeOffsetSerializeWrapper reads the file in Java's pretty layout or any other fastjson
// accepts (the compact one included).
func DecodeOffsetSerializeWrapper(data []byte) (*OffsetSerializeWrapper, error) {
	table, err := decodeOffsetTableBody(data, "OffsetSerializeWrapper")
	if err != nil {
		return nil, err
	}
	return &OffsetSerializeWrapper{OffsetTable: table}, nil
}
