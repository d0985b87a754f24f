package protocol

// Small bodies. Each has an Encode writing what a Java peer writes (fastjson, properties in
// alphabetical order) and a Decode accepting anything fastjson would.

// TopicList is the body of GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206) and of the broker's topic
// list answers. Java keeps the topics in a HashSet; we keep the order given.
type TopicList struct {
	Topics     []string
	BrokerAddr string // "" (Java null) is left out; the name server never sets it
}

func (t *TopicList) Encode() []byte {
	w := &fjWriter{}
	w.byte('{')
	n := 0
	if t.BrokerAddr != "" {
		w.field(n, "brokerAddr")
		w.string(t.BrokerAddr)
		n++
	}
	w.field(n, "topicList")
	w.stringList(t.Topics)
	w.byte('}')
	return w.buf
}

func DecodeTopicList(data []byte) (*TopicList, error) {
	t := &TopicList{}
	err := fjDecode(data, "TopicList", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "topicList":
				t.Topics, err = r.StringList()
			case "brokerAddr":
				t.BrokerAddr, err = r.Str()
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// KVTable is a namespace of the name server's KV config, e.g. ORDER_TOPIC_CONFIG in the answer
// to REGISTER_BROKER.
type KVTable struct {
	Table map[string]string
}

// Encode lists the table in the order of the Java HashMap it comes from.
func (t *KVTable) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"table":{`)
	for i, k := range JavaHashMapOrder(javaStringKeys(t.Table), 16) {
		w.mapKey(i, k)
		w.string(t.Table[k])
	}
	w.raw(`}}`)
	return w.buf
}

func DecodeKVTable(data []byte) (*KVTable, error) {
	t := &KVTable{Table: map[string]string{}}
	err := fjDecode(data, "KVTable", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "table" {
				return r.Skip()
			}
			return r.Object(func(k string) error {
				v, err := r.Str()
				t.Table[k] = v
				return err
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// GetConsumerListByGroupResponseBody is the broker's answer to GET_CONSUMER_LIST_BY_GROUP (38).
type GetConsumerListByGroupResponseBody struct {
	ConsumerIDList []string
}

func (b *GetConsumerListByGroupResponseBody) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"consumerIdList":`)
	w.stringList(b.ConsumerIDList)
	w.byte('}')
	return w.buf
}

func DecodeGetConsumerListByGroupResponseBody(data []byte) (*GetConsumerListByGroupResponseBody, error) {
	b := &GetConsumerListByGroupResponseBody{}
	err := fjDecode(data, "GetConsumerListByGroupResponseBody", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "consumerIdList" {
				return r.Skip()
			}
			var err error
			b.ConsumerIDList, err = r.StringList()
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// MessageQueue names one queue: topic, broker and queue id.
type MessageQueue struct {
	Topic      string
	BrokerName string
	QueueID    int32
}

func (w *fjWriter) messageQueues(mqs []MessageQueue) {
	w.byte('[')
	for i, mq := range mqs {
		w.comma(i)
		w.messageQueue(mq)
	}
	w.byte(']')
}

func (r *fjReader) messageQueues() ([]MessageQueue, error) {
	var out []MessageQueue
	err := r.Array(func() error {
		mq, err := r.messageQueue()
		out = append(out, mq)
		return err
	})
	return out, err
}

// LockBatchRequestBody is the body of LOCK_BATCH_MQ (41), sent by orderly consumers.
type LockBatchRequestBody struct {
	ConsumerGroup string
	ClientID      string
	MQSet         []MessageQueue
}

func (b *LockBatchRequestBody) Encode() []byte {
	return encodeMQBatch(b.ClientID, b.ConsumerGroup, b.MQSet)
}

func DecodeLockBatchRequestBody(data []byte) (*LockBatchRequestBody, error) {
	b := &LockBatchRequestBody{}
	if err := decodeMQBatch(data, "LockBatchRequestBody", &b.ClientID, &b.ConsumerGroup, &b.MQSet); err != nil {
		return nil, err
	}
	return b, nil
}

// UnlockBatchRequestBody is the body of UNLOCK_BATCH_MQ (42); 4.9.7 has no onlyThisBroker yet.
type UnlockBatchRequestBody struct {
	ConsumerGroup string
	ClientID      string
	MQSet         []MessageQueue
}

func (b *UnlockBatchRequestBody) Encode() []byte {
	return encodeMQBatch(b.ClientID, b.ConsumerGroup, b.MQSet)
}

func DecodeUnlockBatchRequestBody(data []byte) (*UnlockBatchRequestBody, error) {
	b := &UnlockBatchRequestBody{}
	if err := decodeMQBatch(data, "UnlockBatchRequestBody", &b.ClientID, &b.ConsumerGroup, &b.MQSet); err != nil {
		return nil, err
	}
	return b, nil
}

// encodeMQBatch writes a lock or unlock body; an empty client id or group is Java's null, left
// out.
func encodeMQBatch(clientID, group string, mqs []MessageQueue) []byte {
	w := &fjWriter{}
	w.byte('{')
	n := 0
	if clientID != "" {
		w.field(n, "clientId")
		w.string(clientID)
		n++
	}
	if group != "" {
		w.field(n, "consumerGroup")
		w.string(group)
		n++
	}
	w.field(n, "mqSet")
	w.messageQueues(mqs)
	w.byte('}')
	return w.buf
}

func decodeMQBatch(data []byte, what string, clientID, group *string, mqs *[]MessageQueue) error {
	return fjDecode(data, what, func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "clientId":
				*clientID, err = r.Str()
			case "consumerGroup":
				*group, err = r.Str()
			case "mqSet":
				*mqs, err = r.messageQueues()
			default:
				err = r.Skip()
			}
			return err
		})
	})
}

// LockBatchResponseBody is the broker's answer to LOCK_BATCH_MQ: the queues now locked, which a
// 4.9.7 broker lists in the order of a HashSet sized for the request (MessageQueueHashOrder).
type LockBatchResponseBody struct {
	LockOKMQSet []MessageQueue
}

func (b *LockBatchResponseBody) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"lockOKMQSet":`)
	w.messageQueues(b.LockOKMQSet)
	w.byte('}')
	return w.buf
}

func DecodeLockBatchResponseBody(data []byte) (*LockBatchResponseBody, error) {
	b := &LockBatchResponseBody{}
	err := fjDecode(data, "LockBatchResponseBody", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "lockOKMQSet" {
				return r.Skip()
			}
			var err error
			b.LockOKMQSet, err = r.messageQueues()
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
