package protocol

// Headers of QUERY_MESSAGE (12), what mqadmin queryMsgByKey, queryMsgByUniqueKey and
// queryMsgById send a broker to find messages by key in its index.

// FieldUniqueKeyQuery is the extField that marks a QUERY_MESSAGE as a query by unique key
// (MixAll.UNIQUE_MSG_QUERY_FLAG, "true"): the broker then takes its own defaultQueryMaxNum.
const FieldUniqueKeyQuery = "_UNIQUE_KEY_QUERY"

// Field names of QueryMessageRequestHeader and QueryMessageResponseHeader.
const (
	FieldMaxNum                   = "maxNum"
	FieldBeginTimestamp           = "beginTimestamp"
	FieldEndTimestamp             = "endTimestamp"
	FieldIndexLastUpdateTimestamp = "indexLastUpdateTimestamp"
	FieldIndexLastUpdatePhyoffset = "indexLastUpdatePhyoffset"
)

// QueryMessageRequestHeader is the header of QUERY_MESSAGE (12): the messages of topic whose
// KEYS hold key (or whose UNIQ_KEY is key), stored between the two times, at most MaxNum.
type QueryMessageRequestHeader struct {
	Topic          string // required
	Key            string // required
	MaxNum         int32  // required
	BeginTimestamp int64  // required, ms since the epoch
	EndTimestamp   int64  // required, ms since the epoch
}

var queryMessageRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "QueryMessageRequestHeader", []string{
		FieldTopic, FieldKey, FieldMaxNum, FieldBeginTimestamp, FieldEndTimestamp}})

func (h QueryMessageRequestHeader) HeaderFields() []string { return queryMessageRequestFields }
func (h QueryMessageRequestHeader) FastHeader() bool       { return false }

func (h QueryMessageRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 5)
	h.WriteExt(ext)
	return ext
}

func (h QueryMessageRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	ext[FieldKey] = h.Key
	putInt32(ext, FieldMaxNum, h.MaxNum)
	putInt64(ext, FieldBeginTimestamp, h.BeginTimestamp)
	putInt64(ext, FieldEndTimestamp, h.EndTimestamp)
}

func DecodeQueryMessageRequestHeader(ext map[string]string) (QueryMessageRequestHeader, error) {
	r := extReader{ext: ext, header: "QueryMessageRequestHeader"}
	h := QueryMessageRequestHeader{
		Topic:          r.str(FieldTopic, true),
		Key:            r.str(FieldKey, true),
		MaxNum:         r.int32(FieldMaxNum, true),
		BeginTimestamp: r.int64(FieldBeginTimestamp, true),
		EndTimestamp:   r.int64(FieldEndTimestamp, true),
	}
	return h, r.result()
}

// QueryMessageResponseHeader is the header of a broker's answer to QUERY_MESSAGE: the store
// time and commit-log offset of the last message its index holds (0 and 0 for none).
type QueryMessageResponseHeader struct {
	IndexLastUpdateTimestamp int64 // required
	IndexLastUpdatePhyoffset int64 // required
}

var queryMessageResponseFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "QueryMessageResponseHeader", []string{
		FieldIndexLastUpdateTimestamp, FieldIndexLastUpdatePhyoffset}})

func (h QueryMessageResponseHeader) HeaderFields() []string { return queryMessageResponseFields }
func (h QueryMessageResponseHeader) FastHeader() bool       { return false }

func (h QueryMessageResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h QueryMessageResponseHeader) WriteExt(ext map[string]string) {
	putInt64(ext, FieldIndexLastUpdateTimestamp, h.IndexLastUpdateTimestamp)
	putInt64(ext, FieldIndexLastUpdatePhyoffset, h.IndexLastUpdatePhyoffset)
}

func DecodeQueryMessageResponseHeader(ext map[string]string) (QueryMessageResponseHeader, error) {
	r := extReader{ext: ext, header: "QueryMessageResponseHeader"}
	h := QueryMessageResponseHeader{
		IndexLastUpdateTimestamp: r.int64(FieldIndexLastUpdateTimestamp, true),
		IndexLastUpdatePhyoffset: r.int64(FieldIndexLastUpdatePhyoffset, true),
	}
	return h, r.result()
}
