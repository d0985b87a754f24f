package protocol

import (
	"fmt"
	"strconv"

	"github.com/rocketsim/rocketsim/remoting"
)

// SendMessageRequestHeader is the header of SEND_MESSAGE (10), which the official Go client
// sends, and the form brokers work with whatever the request code: SEND_MESSAGE_V2 (310) and
// SEND_BATCH_MESSAGE (320) carry the same fields under one-letter names (see
// SendMessageRequestHeaderV2, a plain conversion away).
type SendMessageRequestHeader struct {
	ProducerGroup         string // required
	Topic                 string // required
	DefaultTopic          string // required: the template topic for auto-creation, TBW102
	DefaultTopicQueueNums int32  // required
	QueueID               int32  // required
	SysFlag               int32  // required
	BornTimestamp         int64  // required, ms since the epoch
	Flag                  int32  // required: the message's user flag
	Properties            string // the encoded property string; "" when null
	ReconsumeTimes        *int32
	UnitMode              bool
	Batch                 bool
	MaxReconsumeTimes     *int32
	// BrokerName travels as "bname" in v1 (4.9.7 inherits it from RpcRequestHeader) and as
	// "n" in v2; the Java client sets it to the queue's broker.
	BrokerName string
}

// SendMessageRequestHeaderV2 is the SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE form of the same
// header. It shares the v1 struct, so Java's createSendMessageRequestHeaderV2 and
// createSendMessageRequestHeaderV1 are the conversions SendMessageRequestHeaderV2(v1) and
// SendMessageRequestHeader(v2), which V2 and V1 spell out.
type SendMessageRequestHeaderV2 SendMessageRequestHeader

// V2 is Java's createSendMessageRequestHeaderV2.
func (h SendMessageRequestHeader) V2() SendMessageRequestHeaderV2 {
	return SendMessageRequestHeaderV2(h)
}

// V1 is Java's createSendMessageRequestHeaderV1.
func (h SendMessageRequestHeaderV2) V1() SendMessageRequestHeader { return SendMessageRequestHeader(h) }

// HeaderFor returns the header in the form a request with this code carries: v1 for
// SEND_MESSAGE and SEND_REPLY_MESSAGE, v2 for SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and
// SEND_REPLY_MESSAGE_V2 (a reply travels in the send header, as MQClientAPIImpl.sendMessage
// builds it for a message whose MSG_TYPE is "reply").
func (h SendMessageRequestHeader) HeaderFor(code int32) (Header, error) {
	switch code {
	case remoting.CodeSendMessage, remoting.CodeSendReplyMessage:
		return h, nil
	case remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage, remoting.CodeSendReplyMessageV2:
		return h.V2(), nil
	}
	return nil, fmt.Errorf("protocol: request code %d does not carry a send header", code)
}

const (
	classSendMessageRequestHeader   = "SendMessageRequestHeader"
	classSendMessageRequestHeaderV2 = "SendMessageRequestHeaderV2"
	classSendMessageResponseHeader  = "SendMessageResponseHeader"
)

var sendMessageRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + classSendMessageRequestHeader, []string{
		FieldProducerGroup, FieldTopic, FieldDefaultTopic, FieldDefaultTopicQueueNums, FieldQueueID,
		FieldSysFlag, FieldBornTimestamp, FieldFlag, FieldProperties, FieldReconsumeTimes,
		FieldUnitMode, FieldBatch, FieldMaxReconsumeTimes,
	}},
	rpcRequestHeader,
)

func (h SendMessageRequestHeader) HeaderFields() []string { return sendMessageRequestFields }
func (h SendMessageRequestHeader) FastHeader() bool       { return false }

func (h SendMessageRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 14)
	h.WriteExt(ext)
	return ext
}

func (h SendMessageRequestHeader) WriteExt(ext map[string]string) {
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
	putBool(ext, FieldBatch, h.Batch)
	putOptInt32(ext, FieldMaxReconsumeTimes, h.MaxReconsumeTimes)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

// DecodeSendMessageRequestHeader reads the v1 header of SEND_MESSAGE (10).
func DecodeSendMessageRequestHeader(ext map[string]string) (SendMessageRequestHeader, error) {
	return decodeSendMessageRequestHeader(extReader{ext: ext, header: classSendMessageRequestHeader})
}

func decodeSendMessageRequestHeader(r extReader) (SendMessageRequestHeader, error) {
	h := SendMessageRequestHeader{
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
		Batch:                 r.bool(FieldBatch, false),
		MaxReconsumeTimes:     r.optInt32(FieldMaxReconsumeTimes),
		BrokerName:            r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// The order of SendMessageRequestHeaderV2.encode, which Java's binary codec writes first.
var sendMessageRequestV2Fields = []string{
	FieldV2ProducerGroup, FieldV2Topic, FieldV2DefaultTopic, FieldV2DefaultTopicQueueNums,
	FieldV2QueueID, FieldV2SysFlag, FieldV2BornTimestamp, FieldV2Flag, FieldV2Properties,
	FieldV2ReconsumeTimes, FieldV2UnitMode, FieldV2MaxReconsumeTimes, FieldV2Batch, FieldV2BrokerName,
}

func (h SendMessageRequestHeaderV2) HeaderFields() []string { return sendMessageRequestV2Fields }
func (h SendMessageRequestHeaderV2) FastHeader() bool       { return true }

func (h SendMessageRequestHeaderV2) ToExt() map[string]string {
	ext := make(map[string]string, 14)
	h.WriteExt(ext)
	return ext
}

func (h SendMessageRequestHeaderV2) WriteExt(ext map[string]string) {
	h.eachField(func(k, v string) { ext[k] = v })
}

// AppendFields appends the header's fields to dst in HeaderFields order, for RequestWithFields.
func (h SendMessageRequestHeaderV2) AppendFields(dst []remoting.Field) []remoting.Field {
	h.eachField(func(k, v string) { dst = append(dst, remoting.Field{Key: k, Value: v}) })
	return dst
}

// eachField gives put the fields Java writes, in HeaderFields order.
func (h SendMessageRequestHeaderV2) eachField(put func(k, v string)) {
	put(FieldV2ProducerGroup, h.ProducerGroup)
	put(FieldV2Topic, h.Topic)
	put(FieldV2DefaultTopic, h.DefaultTopic)
	put(FieldV2DefaultTopicQueueNums, strconv.FormatInt(int64(h.DefaultTopicQueueNums), 10))
	put(FieldV2QueueID, strconv.FormatInt(int64(h.QueueID), 10))
	put(FieldV2SysFlag, strconv.FormatInt(int64(h.SysFlag), 10))
	put(FieldV2BornTimestamp, strconv.FormatInt(h.BornTimestamp, 10))
	put(FieldV2Flag, strconv.FormatInt(int64(h.Flag), 10))
	if h.Properties != "" {
		put(FieldV2Properties, h.Properties)
	}
	if h.ReconsumeTimes != nil {
		put(FieldV2ReconsumeTimes, strconv.FormatInt(int64(*h.ReconsumeTimes), 10))
	}
	put(FieldV2UnitMode, strconv.FormatBool(h.UnitMode))
	if h.MaxReconsumeTimes != nil {
		put(FieldV2MaxReconsumeTimes, strconv.FormatInt(int64(*h.MaxReconsumeTimes), 10))
	}
	put(FieldV2Batch, strconv.FormatBool(h.Batch))
	if h.BrokerName != "" {
		put(FieldV2BrokerName, h.BrokerName)
	}
}

// DecodeSendMessageRequestHeaderV2 reads the header of SEND_MESSAGE_V2 (310) and
// SEND_BATCH_MESSAGE (320).
func DecodeSendMessageRequestHeaderV2(ext map[string]string) (SendMessageRequestHeaderV2, error) {
	return decodeSendMessageRequestHeaderV2(&extReader{ext: ext, header: classSendMessageRequestHeaderV2})
}

func decodeSendMessageRequestHeaderV2(r *extReader) (SendMessageRequestHeaderV2, error) {
	h := SendMessageRequestHeaderV2{
		ProducerGroup:         r.str(FieldV2ProducerGroup, true),
		Topic:                 r.str(FieldV2Topic, true),
		DefaultTopic:          r.str(FieldV2DefaultTopic, true),
		DefaultTopicQueueNums: r.int32(FieldV2DefaultTopicQueueNums, true),
		QueueID:               r.int32(FieldV2QueueID, true),
		SysFlag:               r.int32(FieldV2SysFlag, true),
		BornTimestamp:         r.int64(FieldV2BornTimestamp, true),
		Flag:                  r.int32(FieldV2Flag, true),
		Properties:            r.str(FieldV2Properties, false),
		ReconsumeTimes:        r.optInt32(FieldV2ReconsumeTimes),
		UnitMode:              r.bool(FieldV2UnitMode, false),
		MaxReconsumeTimes:     r.optInt32(FieldV2MaxReconsumeTimes),
		Batch:                 r.bool(FieldV2Batch, false),
		BrokerName:            r.str(FieldV2BrokerName, false),
	}
	return h, r.result()
}

// DecodeSendMessageRequest reads the send header of a request with code SEND_MESSAGE,
// SEND_MESSAGE_V2, SEND_BATCH_MESSAGE, SEND_REPLY_MESSAGE or SEND_REPLY_MESSAGE_V2 into the v1
// form, as the broker's parseRequestHeader (SendMessageProcessor's, ReplyMessageProcessor's)
// does.
func DecodeSendMessageRequest(code int32, ext map[string]string) (SendMessageRequestHeader, error) {
	return decodeSendMessageRequest(code, ext, nil)
}

// DecodeSendMessageRequestOf is DecodeSendMessageRequest of cmd's header, whether a map or a
// list (remoting.Command.Lookup), without making the map.
func DecodeSendMessageRequestOf(cmd *remoting.Command) (SendMessageRequestHeader, error) {
	return decodeSendMessageRequest(cmd.Code, cmd.ExtFields, cmd.Fields)
}

func decodeSendMessageRequest(code int32, ext map[string]string, fields []remoting.Field) (SendMessageRequestHeader, error) {
	switch code {
	case remoting.CodeSendMessage, remoting.CodeSendReplyMessage:
		return decodeSendMessageRequestHeader(extReader{ext: ext, fields: fields, header: classSendMessageRequestHeader})
	case remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage, remoting.CodeSendReplyMessageV2:
		r := extReader{ext: ext, fields: fields, header: classSendMessageRequestHeaderV2}
		r.sortOneLetter()
		h, err := decodeSendMessageRequestHeaderV2(&r)
		return h.V1(), err
	}
	return SendMessageRequestHeader{}, fmt.Errorf("protocol: request code %d does not carry a send header", code)
}

// SendMessageResponseHeader is the header of a successful send's response. MsgID is the
// broker's offset message id (for a batch, the ids joined by commas) and QueueOffset the first
// message's offset in the queue.
//
// MsgRegion and TraceOn are not fields of Java's class: the broker puts MSG_REGION and
// TRACE_ON into the response's extFields beside it, and the client reads them from there.
type SendMessageResponseHeader struct {
	MsgID         string // required
	QueueID       int32  // required
	QueueOffset   int64  // required
	TransactionID string
	MsgRegion     string // "" when absent; the client then assumes "DefaultRegion"
	// TraceOn is nil when absent. The Java client switches tracing off only for the exact
	// text "false" and so does the decoder: any other value reads as true.
	TraceOn *bool
}

var sendMessageResponseFields = []string{FieldMsgID, FieldQueueID, FieldQueueOffset, FieldTransactionID}

func (h SendMessageResponseHeader) HeaderFields() []string { return sendMessageResponseFields }
func (h SendMessageResponseHeader) FastHeader() bool       { return true }

func (h SendMessageResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 6)
	h.WriteExt(ext)
	return ext
}

func (h SendMessageResponseHeader) WriteExt(ext map[string]string) {
	putOptString(ext, FieldMsgRegion, h.MsgRegion)
	putOptBool(ext, FieldTraceOn, h.TraceOn)
	ext[FieldMsgID] = h.MsgID
	putInt32(ext, FieldQueueID, h.QueueID)
	putInt64(ext, FieldQueueOffset, h.QueueOffset)
	putOptString(ext, FieldTransactionID, h.TransactionID)
}

func DecodeSendMessageResponseHeader(ext map[string]string) (SendMessageResponseHeader, error) {
	r := extReader{ext: ext, header: classSendMessageResponseHeader}
	h := SendMessageResponseHeader{
		MsgID:         r.str(FieldMsgID, true),
		QueueID:       r.int32(FieldQueueID, true),
		QueueOffset:   r.int64(FieldQueueOffset, true),
		TransactionID: r.str(FieldTransactionID, false),
		MsgRegion:     r.str(FieldMsgRegion, false),
	}
	if v, ok := ext[FieldTraceOn]; ok {
		on := v != "false"
		h.TraceOn = &on
	}
	return h, r.result()
}
