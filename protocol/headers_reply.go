package protocol

// Headers of request-reply (since 4.6). A replier sends its answer as SEND_REPLY_MESSAGE (324,
// the send header v1) or SEND_REPLY_MESSAGE_V2 (325, the send header v2): HeaderFor and
// DecodeSendMessageRequest take both codes. The broker then pushes the reply to the requesting
// client as PUSH_REPLY_MESSAGE_TO_CLIENT (326), with ReplyMessageRequestHeader: the send
// header's fields plus where and when the broker took the reply.

// extField keys of ReplyMessageRequestHeader beside the send header's.
const (
	FieldBornHost       = "bornHost"
	FieldStoreHost      = "storeHost"
	FieldStoreTimestamp = "storeTimestamp"
)

// ReplyMessageRequestHeader is the header of PUSH_REPLY_MESSAGE_TO_CLIENT (326), which a broker
// sends, two-way, over the requesting client's own connection; the body is the reply's body.
// Java's class does not extend RpcRequestHeader: there is no bname.
type ReplyMessageRequestHeader struct {
	ProducerGroup         string // required: the replier's group
	Topic                 string // required: <cluster>_REPLY_TOPIC
	DefaultTopic          string // required
	DefaultTopicQueueNums int32  // required
	QueueID               int32  // required: as the replier asked (negative: the broker picked one)
	SysFlag               int32  // required
	BornTimestamp         int64  // required
	Flag                  int32  // required
	// Properties is the reply's properties string as the broker re-encodes it, with
	// PUSH_REPLY_TIME added; "" when null.
	Properties     string
	ReconsumeTimes *int32
	UnitMode       bool   // a primitive in Java: always written
	BornHost       string // required: the replier's address, "ip:port"
	StoreHost      string // required: the broker's store host, "ip:port"
	StoreTimestamp int64  // required (a primitive long): when the broker pushed, ms
}

var replyMessageRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "ReplyMessageRequestHeader", []string{
		FieldProducerGroup, FieldTopic, FieldDefaultTopic, FieldDefaultTopicQueueNums, FieldQueueID,
		FieldSysFlag, FieldBornTimestamp, FieldFlag, FieldProperties, FieldReconsumeTimes, FieldUnitMode,
		FieldBornHost, FieldStoreHost, FieldStoreTimestamp,
	}},
)

func (h ReplyMessageRequestHeader) HeaderFields() []string { return replyMessageRequestFields }
func (h ReplyMessageRequestHeader) FastHeader() bool       { return false }

func (h ReplyMessageRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 14)
	h.WriteExt(ext)
	return ext
}

func (h ReplyMessageRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldProducerGroup] = h.ProducerGroup
	ext[FieldTopic] = h.Topic
	ext[FieldDefaultTopic] = h.DefaultTopic
	putInt32(ext, FieldDefaultTopicQueueNums, h.DefaultTopicQueueNums)
	putInt32(ext, FieldQueueID, h.QueueID)
	putInt32(ext, FieldSysFlag, h.SysFlag)
	putInt64(ext, FieldBornTimestamp, h.BornTimestamp)
	putInt32(ext, FieldFlag, h.Flag)
	putOptString(ext, FieldProperties, h.Properties)
	putOptInt32(ext, FieldReconsumeTimes, h.ReconsumeTimes)
	putBool(ext, FieldUnitMode, h.UnitMode)
	ext[FieldBornHost] = h.BornHost
	ext[FieldStoreHost] = h.StoreHost
	putInt64(ext, FieldStoreTimestamp, h.StoreTimestamp)
}

// DecodeReplyMessageRequestHeader reads the header of PUSH_REPLY_MESSAGE_TO_CLIENT (326), as a
// requesting client's ClientRemotingProcessor.receiveReplyMessage does.
func DecodeReplyMessageRequestHeader(ext map[string]string) (ReplyMessageRequestHeader, error) {
	r := extReader{ext: ext, header: "ReplyMessageRequestHeader"}
	h := ReplyMessageRequestHeader{
		ProducerGroup:         r.str(FieldProducerGroup, true),
		Topic:                 r.str(FieldTopic, true),
		DefaultTopic:          r.str(FieldDefaultTopic, true),
		DefaultTopicQueueNums: r.int32(FieldDefaultTopicQueueNums, true),
		QueueID:               r.int32(FieldQueueID, true),
		SysFlag:               r.int32(FieldSysFlag, true),
		BornTimestamp:         r.int64(FieldBornTimestamp, true),
		Flag:                  r.int32(FieldFlag, true),
		Properties:            r.str(FieldProperties, false),
		ReconsumeTimes:        r.optInt32(FieldReconsumeTimes),
		UnitMode:              r.bool(FieldUnitMode, false),
		BornHost:              r.str(FieldBornHost, true),
		StoreHost:             r.str(FieldStoreHost, true),
		StoreTimestamp:        r.int64(FieldStoreTimestamp, true),
	}
	return h, r.result()
}
