package protocol

// Headers of the consumer requests a broker serves: pulling, consumer offsets and queue
// offsets. The broker-bound requests carry the queue's broker name as "bname" in 4.9.7
// (inherited from RpcRequestHeader); it is "" when absent.

// PullMessageRequestHeader is the header of PULL_MESSAGE (11).
type PullMessageRequestHeader struct {
	ConsumerGroup        string // required
	Topic                string // required
	QueueID              int32  // required
	QueueOffset          int64  // required
	MaxMsgNums           int32  // required
	SysFlag              int32  // required: PullSysFlag bits
	CommitOffset         int64  // required
	SuspendTimeoutMillis int64  // required: how long the broker may hold the pull
	Subscription         string // the subscription expression
	SubVersion           int64  // required
	ExpressionType       string // TAG or SQL92
	BrokerName           string
}

// The order of PullMessageRequestHeader.encode (a FastCodesHeader in 4.9.7).
var pullMessageRequestFields = []string{
	FieldConsumerGroup, FieldTopic, FieldQueueID, FieldQueueOffset, FieldMaxMsgNums, FieldSysFlag,
	FieldCommitOffset, FieldSuspendTimeoutMillis, FieldSubscription, FieldSubVersion,
	FieldExpressionType, FieldBrokerNameRPC,
}

func (h PullMessageRequestHeader) HeaderFields() []string { return pullMessageRequestFields }
func (h PullMessageRequestHeader) FastHeader() bool       { return true }

func (h PullMessageRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 12)
	h.WriteExt(ext)
	return ext
}

func (h PullMessageRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
	ext[FieldTopic] = h.Topic
	putInt32(ext, FieldQueueID, h.QueueID)
	putInt64(ext, FieldQueueOffset, h.QueueOffset)
	putInt32(ext, FieldMaxMsgNums, h.MaxMsgNums)
	putInt32(ext, FieldSysFlag, h.SysFlag)
	putInt64(ext, FieldCommitOffset, h.CommitOffset)
	putInt64(ext, FieldSuspendTimeoutMillis, h.SuspendTimeoutMillis)
	putOptString(ext, FieldSubscription, h.Subscription)
	putInt64(ext, FieldSubVersion, h.SubVersion)
	putOptString(ext, FieldExpressionType, h.ExpressionType)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func DecodePullMessageRequestHeader(ext map[string]string) (PullMessageRequestHeader, error) {
	r := extReader{ext: ext, header: "PullMessageRequestHeader"}
	h := PullMessageRequestHeader{
		ConsumerGroup:        r.str(FieldConsumerGroup, true),
		Topic:                r.str(FieldTopic, true),
		QueueID:              r.int32(FieldQueueID, true),
		QueueOffset:          r.int64(FieldQueueOffset, true),
		MaxMsgNums:           r.int32(FieldMaxMsgNums, true),
		SysFlag:              r.int32(FieldSysFlag, true),
		CommitOffset:         r.int64(FieldCommitOffset, true),
		SuspendTimeoutMillis: r.int64(FieldSuspendTimeoutMillis, true),
		Subscription:         r.str(FieldSubscription, false),
		SubVersion:           r.int64(FieldSubVersion, true),
		ExpressionType:       r.str(FieldExpressionType, false),
		BrokerName:           r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// PullMessageResponseHeader is the header of the answer to PULL_MESSAGE, whatever its code
// (FOUND, PULL_NOT_FOUND, PULL_RETRY_IMMEDIATELY, PULL_OFFSET_MOVED).
type PullMessageResponseHeader struct {
	SuggestWhichBrokerID int64 // required: 0 = pull from the master next time
	NextBeginOffset      int64 // required
	MinOffset            int64 // required
	MaxOffset            int64 // required
}

// The order of PullMessageResponseHeader.encode (a FastCodesHeader in 4.9.7).
var pullMessageResponseFields = []string{
	FieldSuggestWhichBrokerID, FieldNextBeginOffset, FieldMinOffset, FieldMaxOffset,
}

func (h PullMessageResponseHeader) HeaderFields() []string { return pullMessageResponseFields }
func (h PullMessageResponseHeader) FastHeader() bool       { return true }

func (h PullMessageResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h PullMessageResponseHeader) WriteExt(ext map[string]string) {
	putInt64(ext, FieldSuggestWhichBrokerID, h.SuggestWhichBrokerID)
	putInt64(ext, FieldNextBeginOffset, h.NextBeginOffset)
	putInt64(ext, FieldMinOffset, h.MinOffset)
	putInt64(ext, FieldMaxOffset, h.MaxOffset)
}

func DecodePullMessageResponseHeader(ext map[string]string) (PullMessageResponseHeader, error) {
	r := extReader{ext: ext, header: "PullMessageResponseHeader"}
	h := PullMessageResponseHeader{
		SuggestWhichBrokerID: r.int64(FieldSuggestWhichBrokerID, true),
		NextBeginOffset:      r.int64(FieldNextBeginOffset, true),
		MinOffset:            r.int64(FieldMinOffset, true),
		MaxOffset:            r.int64(FieldMaxOffset, true),
	}
	return h, r.result()
}

// QueryConsumerOffsetRequestHeader is the header of QUERY_CONSUMER_OFFSET (14).
type QueryConsumerOffsetRequestHeader struct {
	ConsumerGroup string // required
	Topic         string // required
	QueueID       int32  // required
	BrokerName    string
}

var queryConsumerOffsetRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "QueryConsumerOffsetRequestHeader", []string{
		FieldConsumerGroup, FieldTopic, FieldQueueID,
	}},
	rpcRequestHeader,
)

func (h QueryConsumerOffsetRequestHeader) HeaderFields() []string {
	return queryConsumerOffsetRequestFields
}
func (h QueryConsumerOffsetRequestHeader) FastHeader() bool { return false }

func (h QueryConsumerOffsetRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h QueryConsumerOffsetRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
	ext[FieldTopic] = h.Topic
	putInt32(ext, FieldQueueID, h.QueueID)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func DecodeQueryConsumerOffsetRequestHeader(ext map[string]string) (QueryConsumerOffsetRequestHeader, error) {
	r := extReader{ext: ext, header: "QueryConsumerOffsetRequestHeader"}
	h := QueryConsumerOffsetRequestHeader{
		ConsumerGroup: r.str(FieldConsumerGroup, true),
		Topic:         r.str(FieldTopic, true),
		QueueID:       r.int32(FieldQueueID, true),
		BrokerName:    r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// UpdateConsumerOffsetRequestHeader is the header of UPDATE_CONSUMER_OFFSET (15), usually sent
// oneway.
type UpdateConsumerOffsetRequestHeader struct {
	ConsumerGroup string // required
	Topic         string // required
	QueueID       int32  // required
	CommitOffset  int64  // required
	BrokerName    string
}

var updateConsumerOffsetRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "UpdateConsumerOffsetRequestHeader", []string{
		FieldConsumerGroup, FieldTopic, FieldQueueID, FieldCommitOffset,
	}},
	rpcRequestHeader,
)

func (h UpdateConsumerOffsetRequestHeader) HeaderFields() []string {
	return updateConsumerOffsetRequestFields
}
func (h UpdateConsumerOffsetRequestHeader) FastHeader() bool { return false }

func (h UpdateConsumerOffsetRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 5)
	h.WriteExt(ext)
	return ext
}

func (h UpdateConsumerOffsetRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
	ext[FieldTopic] = h.Topic
	putInt32(ext, FieldQueueID, h.QueueID)
	putInt64(ext, FieldCommitOffset, h.CommitOffset)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func DecodeUpdateConsumerOffsetRequestHeader(ext map[string]string) (UpdateConsumerOffsetRequestHeader, error) {
	r := extReader{ext: ext, header: "UpdateConsumerOffsetRequestHeader"}
	h := UpdateConsumerOffsetRequestHeader{
		ConsumerGroup: r.str(FieldConsumerGroup, true),
		Topic:         r.str(FieldTopic, true),
		QueueID:       r.int32(FieldQueueID, true),
		CommitOffset:  r.int64(FieldCommitOffset, true),
		BrokerName:    r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// QueueOffsetRequestHeader names one queue of a topic: the header of GET_MAX_OFFSET (30) and
// GET_MIN_OFFSET (31), two Java classes with the same fields (see GetMaxOffsetRequestHeader
// and GetMinOffsetRequestHeader).
type QueueOffsetRequestHeader struct {
	Topic      string // required
	QueueID    int32  // required
	BrokerName string
}

func (h QueueOffsetRequestHeader) writeExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	putInt32(ext, FieldQueueID, h.QueueID)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func decodeQueueOffsetRequestHeader(ext map[string]string, class string) (QueueOffsetRequestHeader, error) {
	r := extReader{ext: ext, header: class}
	h := QueueOffsetRequestHeader{
		Topic:      r.str(FieldTopic, true),
		QueueID:    r.int32(FieldQueueID, true),
		BrokerName: r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// GetMaxOffsetRequestHeader is the header of GET_MAX_OFFSET (30).
type GetMaxOffsetRequestHeader QueueOffsetRequestHeader

var getMaxOffsetRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "GetMaxOffsetRequestHeader", []string{FieldTopic, FieldQueueID}},
	rpcRequestHeader,
)

func (h GetMaxOffsetRequestHeader) HeaderFields() []string { return getMaxOffsetRequestFields }
func (h GetMaxOffsetRequestHeader) FastHeader() bool       { return false }

func (h GetMaxOffsetRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 3)
	h.WriteExt(ext)
	return ext
}

func (h GetMaxOffsetRequestHeader) WriteExt(ext map[string]string) {
	QueueOffsetRequestHeader(h).writeExt(ext)
}

func DecodeGetMaxOffsetRequestHeader(ext map[string]string) (GetMaxOffsetRequestHeader, error) {
	h, err := decodeQueueOffsetRequestHeader(ext, "GetMaxOffsetRequestHeader")
	return GetMaxOffsetRequestHeader(h), err
}

// GetMinOffsetRequestHeader is the header of GET_MIN_OFFSET (31).
type GetMinOffsetRequestHeader QueueOffsetRequestHeader

var getMinOffsetRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "GetMinOffsetRequestHeader", []string{FieldTopic, FieldQueueID}},
	rpcRequestHeader,
)

func (h GetMinOffsetRequestHeader) HeaderFields() []string { return getMinOffsetRequestFields }
func (h GetMinOffsetRequestHeader) FastHeader() bool       { return false }

func (h GetMinOffsetRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 3)
	h.WriteExt(ext)
	return ext
}

func (h GetMinOffsetRequestHeader) WriteExt(ext map[string]string) {
	QueueOffsetRequestHeader(h).writeExt(ext)
}

func DecodeGetMinOffsetRequestHeader(ext map[string]string) (GetMinOffsetRequestHeader, error) {
	h, err := decodeQueueOffsetRequestHeader(ext, "GetMinOffsetRequestHeader")
	return GetMinOffsetRequestHeader(h), err
}

// SearchOffsetRequestHeader is the header of SEARCH_OFFSET_BY_TIMESTAMP (29).
type SearchOffsetRequestHeader struct {
	Topic      string // required
	QueueID    int32  // required
	Timestamp  int64  // required, ms since the epoch
	BrokerName string
}

var searchOffsetRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "SearchOffsetRequestHeader", []string{FieldTopic, FieldQueueID, FieldTimestamp}},
	rpcRequestHeader,
)

func (h SearchOffsetRequestHeader) HeaderFields() []string { return searchOffsetRequestFields }
func (h SearchOffsetRequestHeader) FastHeader() bool       { return false }

func (h SearchOffsetRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h SearchOffsetRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	putInt32(ext, FieldQueueID, h.QueueID)
	putInt64(ext, FieldTimestamp, h.Timestamp)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func DecodeSearchOffsetRequestHeader(ext map[string]string) (SearchOffsetRequestHeader, error) {
	r := extReader{ext: ext, header: "SearchOffsetRequestHeader"}
	h := SearchOffsetRequestHeader{
		Topic:      r.str(FieldTopic, true),
		QueueID:    r.int32(FieldQueueID, true),
		Timestamp:  r.int64(FieldTimestamp, true),
		BrokerName: r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}

// OffsetResponseHeader carries one offset: the answer to QUERY_CONSUMER_OFFSET,
// GET_MAX_OFFSET, GET_MIN_OFFSET and SEARCH_OFFSET_BY_TIMESTAMP, four Java classes with the
// same single required field. The named types below keep the Java names.
type OffsetResponseHeader struct {
	Offset int64 // required
}

type (
	QueryConsumerOffsetResponseHeader = OffsetResponseHeader
	GetMaxOffsetResponseHeader        = OffsetResponseHeader
	GetMinOffsetResponseHeader        = OffsetResponseHeader
	SearchOffsetResponseHeader        = OffsetResponseHeader
)

var offsetResponseFields = []string{FieldOffset}

func (h OffsetResponseHeader) HeaderFields() []string { return offsetResponseFields }
func (h OffsetResponseHeader) FastHeader() bool       { return false }

func (h OffsetResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h OffsetResponseHeader) WriteExt(ext map[string]string) {
	putInt64(ext, FieldOffset, h.Offset)
}

// DecodeOffsetResponseHeader reads the answer to any of the four offset queries.
func DecodeOffsetResponseHeader(ext map[string]string) (OffsetResponseHeader, error) {
	r := extReader{ext: ext, header: "OffsetResponseHeader"}
	h := OffsetResponseHeader{Offset: r.int64(FieldOffset, true)}
	return h, r.result()
}
