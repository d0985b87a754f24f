package protocol

// The body of a broker's answer to QUERY_CONSUME_QUEUE (321, mqadmin queryCq): a queue's
// consume-queue entries as the store holds them.

// ConsumeQueueData is one consume-queue entry (Java's ConsumeQueueData): where the message's
// record is in the commit log, its size and its tags code. The other fields describe an entry
// of the consume-queue extension (enableConsumeQueueExt, off by default); "" stands for
// Java's null.
type ConsumeQueueData struct {
	PhysicOffset   int64
	PhysicSize     int32
	TagsCode       int64
	ExtendDataJSON string
	BitMap         string
	Eval           bool
	Msg            string
}

// QueryConsumeQueueResponseBody is the body of the answer to QUERY_CONSUME_QUEUE. With a
// consumer group asked for, SubscriptionData is the group's subscription to the topic (nil when
// the group does not subscribe to it) and FilterData what the broker says of its filter; ""
// stands for Java's null. QueueData nil is Java's null.
type QueryConsumeQueueResponseBody struct {
	SubscriptionData *SubscriptionData
	FilterData       string
	QueueData        []ConsumeQueueData
	MaxQueueIndex    int64
	MinQueueIndex    int64
}

// Encode writes the body as fastjson does (properties in alphabetical order, nulls left out).
func (b *QueryConsumeQueueResponseBody) Encode() []byte {
	w := &fjWriter{}
	w.byte('{')
	n := 0
	if b.FilterData != "" {
		w.field(n, "filterData")
		w.string(b.FilterData)
		n++
	}
	w.field(n, "maxQueueIndex")
	w.long(b.MaxQueueIndex)
	w.raw(`,"minQueueIndex":`)
	w.long(b.MinQueueIndex)
	if b.QueueData != nil {
		w.raw(`,"queueData":[`)
		for i := range b.QueueData {
			w.comma(i)
			w.consumeQueueData(&b.QueueData[i])
		}
		w.byte(']')
	}
	if b.SubscriptionData != nil {
		w.raw(`,"subscriptionData":`)
		w.subscriptionData(b.SubscriptionData)
	}
	w.byte('}')
	return w.buf
}

func (w *fjWriter) consumeQueueData(d *ConsumeQueueData) {
	w.byte('{')
	if d.BitMap != "" {
		w.raw(`"bitMap":`)
		w.string(d.BitMap)
		w.byte(',')
	}
	w.raw(`"eval":`)
	w.bool(d.Eval)
	if d.ExtendDataJSON != "" {
		w.raw(`,"extendDataJson":`)
		w.string(d.ExtendDataJSON)
	}
	if d.Msg != "" {
		w.raw(`,"msg":`)
		w.string(d.Msg)
	}
	w.raw(`,"physicOffset":`)
	w.long(d.PhysicOffset)
	w.raw(`,"physicSize":`)
	w.int(int64(d.PhysicSize))
	w.raw(`,"tagsCode":`)
	w.long(d.TagsCode)
	w.byte('}')
}

// DecodeQueryConsumeQueueResponseBody reads the answer to QUERY_CONSUME_QUEUE.
func DecodeQueryConsumeQueueResponseBody(data []byte) (*QueryConsumeQueueResponseBody, error) {
	b := &QueryConsumeQueueResponseBody{}
	err := fjDecode(data, "QueryConsumeQueueResponseBody", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "filterData":
				b.FilterData, err = r.Str()
			case "maxQueueIndex":
				b.MaxQueueIndex, err = r.Int64()
			case "minQueueIndex":
				b.MinQueueIndex, err = r.Int64()
			case "subscriptionData":
				var sd SubscriptionData
				sd, err = r.subscriptionData()
				b.SubscriptionData = &sd
			case "queueData":
				b.QueueData = []ConsumeQueueData{}
				err = r.Array(func() error {
					d, err := r.consumeQueueData()
					b.QueueData = append(b.QueueData, d)
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
	return b, nil
}

func (r *fjReader) consumeQueueData() (ConsumeQueueData, error) {
	var d ConsumeQueueData
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "physicOffset":
			d.PhysicOffset, err = r.Int64()
		case "physicSize":
			d.PhysicSize, err = r.Int32()
		case "tagsCode":
			d.TagsCode, err = r.Int64()
		case "extendDataJson":
			d.ExtendDataJSON, err = r.Str()
		case "bitMap":
			d.BitMap, err = r.Str()
		case "eval":
			d.Eval, err = r.Bool()
		case "msg":
			d.Msg, err = r.Str()
		default:
			err = r.Skip()
		}
		return err
	})
	return d, err
}
