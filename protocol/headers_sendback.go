package protocol

// Headers of the requests that name a stored message by its commit-log offset: a consumer's
// send-back of a message it failed to consume, and the admin's look-up of one message.

// extField keys of ConsumerSendMsgBackRequestHeader.
const (
	FieldGroup       = "group"
	FieldDelayLevel  = "delayLevel"
	FieldOriginMsgID = "originMsgId"
	FieldOriginTopic = "originTopic"
)

// ConsumerSendMsgBackRequestHeader is the header of CONSUMER_SEND_MSG_BACK (36): a consumer
// gives a message back (by its commit-log offset) for a later retry in %RETRY%group, or for the
// dead-letter queue %DLQ%group.
type ConsumerSendMsgBackRequestHeader struct {
	Offset            int64  // required: the message's commit-log offset
	Group             string // required: the consumer group
	DelayLevel        int32  // required: 0 = the broker's choice (3 + reconsume times), < 0 = DLQ
	OriginMsgID       string // the message's first offset id, when it is a retry already
	OriginTopic       string
	UnitMode          bool   // a primitive in Java: always written
	MaxReconsumeTimes *int32 // honoured by the broker from request version V3_4_9 on
	BrokerName        string
}

var consumerSendMsgBackRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "ConsumerSendMsgBackRequestHeader", []string{
		FieldOffset, FieldGroup, FieldDelayLevel, FieldOriginMsgID, FieldOriginTopic, FieldUnitMode,
		FieldMaxReconsumeTimes,
	}},
	rpcRequestHeader,
)

func (h ConsumerSendMsgBackRequestHeader) HeaderFields() []string {
	return consumerSendMsgBackRequestFields
}
func (h ConsumerSendMsgBackRequestHeader) FastHeader() bool { return false }

func (h ConsumerSendMsgBackRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 8)
	h.WriteExt(ext)
	return ext
}

func (h ConsumerSendMsgBackRequestHeader) WriteExt(ext map[string]string) {
	putInt64(ext, FieldOffset, h.Offset)
	ext[FieldGroup] = h.Group
	putInt32(ext, FieldDelayLevel, h.DelayLevel)
	putOptString(ext, FieldOriginMsgID, h.OriginMsgID)
	putOptString(ext, FieldOriginTopic, h.OriginTopic)
	putBool(ext, FieldUnitMode, h.UnitMode)
	putOptInt32(ext, FieldMaxReconsumeTimes, h.MaxReconsumeTimes)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func DecodeConsumerSendMsgBackRequestHeader(ext map[string]string) (ConsumerSendMsgBackRequestHeader, error) {
	r := extReader{ext: ext, header: "ConsumerSendMsgBackRequestHeader"}
	h := ConsumerSendMsgBackRequestHeader{
		Offset:            r.int64(FieldOffset, true),
		Group:             r.str(FieldGroup, true),
		DelayLevel:        r.int32(FieldDelayLevel, true),
		OriginMsgID:       r.str(FieldOriginMsgID, false),
		OriginTopic:       r.str(FieldOriginTopic, false),
		UnitMode:          r.bool(FieldUnitMode, false),
		MaxReconsumeTimes: r.optInt32(FieldMaxReconsumeTimes),
		BrokerName:        r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// ViewMessageRequestHeader is the header of VIEW_MESSAGE_BY_ID (33): the commit-log offset of
// one stored message (an offset message id names the broker and this offset).
type ViewMessageRequestHeader struct {
	Offset int64 // required
}

var viewMessageRequestFields = []string{FieldOffset}

func (h ViewMessageRequestHeader) HeaderFields() []string { return viewMessageRequestFields }
func (h ViewMessageRequestHeader) FastHeader() bool       { return false }

func (h ViewMessageRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h ViewMessageRequestHeader) WriteExt(ext map[string]string) {
	putInt64(ext, FieldOffset, h.Offset)
}

func DecodeViewMessageRequestHeader(ext map[string]string) (ViewMessageRequestHeader, error) {
	r := extReader{ext: ext, header: "ViewMessageRequestHeader"}
	h := ViewMessageRequestHeader{Offset: r.int64(FieldOffset, true)}
	return h, r.result()
}
