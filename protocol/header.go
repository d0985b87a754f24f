package protocol

import (
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/remoting"
)

// Header is a typed request or response header: the Java CommandCustomHeader that a peer
// flattens into a Command's extFields.
//
// Encoding follows Java's makeCustomHeaderToNet: a field Java holds as null (a boxed or String
// field nobody set) is left out; primitive fields and fields Java initialises are always
// written. In the Go types an optional String is "" when null and an optional boxed number or
// Boolean is a nil pointer; required fields are plain values, always written.
type Header interface {
	// WriteExt puts the header's fields into ext, keeping whatever else ext holds, as Java
	// adds the header to extFields that a processor may already have filled.
	WriteExt(ext map[string]string)
	// ToExt returns a new extFields map holding just the header.
	ToExt() map[string]string
	// HeaderFields lists the field names in the order a Java peer writes them: for a
	// FastCodesHeader the order of its encode method, otherwise the order in which
	// RemotingCommand.makeCustomHeaderToNet inserts them into the extFields HashMap.
	HeaderFields() []string
	// FastHeader reports whether Java's class implements FastCodesHeader, whose binary
	// encoding writes the header fields first, in HeaderFields order.
	FastHeader() bool
}

// SetHeader writes h into c's extFields and records the field order the codec needs to write
// the frame byte for byte as Java would.
func SetHeader(c *remoting.Command, h Header) {
	if c.ExtFields == nil {
		c.ExtFields = h.ToExt()
	} else {
		h.WriteExt(c.ExtFields)
	}
	c.HeaderFields = h.HeaderFields()
	c.FastHeader = h.FastHeader()
}

// FieldsHeader is a Header that can also list its fields without a map.
type FieldsHeader interface {
	Header
	// AppendFields appends the fields WriteExt would put, in HeaderFields order.
	AppendFields(dst []remoting.Field) []remoting.Field
}

// RequestWithFields is RequestWithHeader with the header as Command.Fields instead of a map:
// the same frame for less work, for requests sent by the million. The command has no
// ExtFields until SetExt is called on it.
func RequestWithFields(code int32, h FieldsHeader, body []byte) *remoting.Command {
	c := remoting.NewRequest(code, nil, body)
	c.Fields = h.AppendFields(make([]remoting.Field, 0, len(h.HeaderFields())))
	c.HeaderFields = h.HeaderFields()
	c.FastHeader = h.FastHeader()
	return c
}

// RequestWithHeader returns remoting.NewRequest(code, ...) carrying h.
func RequestWithHeader(code int32, h Header, body []byte) *remoting.Command {
	c := remoting.NewRequest(code, nil, body)
	SetHeader(c, h)
	return c
}

// HeaderErrorKind says what was wrong with an extField.
type HeaderErrorKind uint8

const (
	// FieldMissing: a field Java marks @CFNotNull is absent.
	FieldMissing HeaderErrorKind = iota + 1
	// FieldMalformed: a number that Java's Integer.parseInt or Long.parseLong would reject.
	FieldMalformed
	// FieldInvalid: a value the Java header's checkFields rejects.
	FieldInvalid
)

// HeaderError reports an extField a typed header could not take. Use errors.As to get it.
//
// The decoders return it together with a header holding every field that did decode, because
// Java 4.9.7 is more lenient than the annotations suggest: its reflective decoder logs and
// skips a missing required field or an unparsable number (the field stays null or 0), the
// FastCodesHeader decoders (send v2, send response, pull) log a missing field but throw on an
// unparsable number, and a request without extFields is not checked at all. Only a checkFields
// failure (FieldInvalid) always fails the request. A fake that copies a real server can go on
// with the returned header where Java would, and meet the null later where Java does (a 310
// without "b" is answered "The specified topic is blank.").
type HeaderError struct {
	Header string // Java's simple class name, e.g. "SendMessageRequestHeaderV2"
	Field  string // the extField key
	Value  string // the offending text; "" for FieldMissing
	Kind   HeaderErrorKind
	text   string
}

// Error returns Java's text where Java has one: "the custom field <topic> is null" (from
// RemotingCommand.decodeCommandCustomHeader) for a missing field, and checkFields' message for
// an invalid one.
func (e *HeaderError) Error() string {
	if e.Kind == FieldMissing {
		return "the custom field <" + e.Field + "> is null"
	}
	return e.text
}

// extReader decodes one header. It keeps the first error and goes on, so the caller gets
// every field that parsed; helpers return zero values for what did not.
type extReader struct {
	ext    map[string]string
	fields []remoting.Field // read when ext is nil (a header read as a list)
	// slots holds a list's one-letter keys a to p once sorted out (see sortOneLetter), present
	// which of them the list had: a v2 send header is read in one pass over its list.
	slots     [16]string
	oneLetter bool
	present   uint16
	header    string
	err       *HeaderError
}

func (r *extReader) fail(field, value string, kind HeaderErrorKind, text string) {
	if r.err == nil {
		r.err = &HeaderError{Header: r.header, Field: field, Value: value, Kind: kind, text: text}
	}
}

// result avoids returning a typed nil inside a non-nil error.
func (r *extReader) result() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

func (r *extReader) value(key string, required bool) (string, bool) {
	var v string
	var ok bool
	if r.oneLetter && len(key) == 1 && key[0] >= 'a' && key[0] < 'a'+16 {
		i := key[0] - 'a'
		v, ok = r.slots[i], r.present&(1<<i) != 0
	} else if r.ext == nil {
		// The last of a repeated key counts, as in the map (remoting.Command.Lookup).
		for i := len(r.fields) - 1; i >= 0; i-- {
			if r.fields[i].Key == key {
				v, ok = r.fields[i].Value, true
				break
			}
		}
	} else {
		v, ok = r.ext[key]
	}
	if !ok && required {
		r.fail(key, "", FieldMissing, "")
	}
	return v, ok
}

// sortOneLetter sorts a list's keys a to p into slots, in one pass (the last of a repeated key
// counting), for a header whose keys are all such letters (SendMessageRequestHeaderV2's).
func (r *extReader) sortOneLetter() {
	if r.ext != nil {
		return
	}
	r.oneLetter = true
	for _, f := range r.fields {
		if len(f.Key) == 1 && f.Key[0] >= 'a' && f.Key[0] < 'a'+16 {
			i := f.Key[0] - 'a'
			r.slots[i] = f.Value
			r.present |= 1 << i
		}
	}
}

func (r *extReader) str(key string, required bool) string {
	v, _ := r.value(key, required)
	return v
}

// Java's parseInt and parseLong take an optional sign and decimal digits, like strconv with
// base 10 (Java also takes non-ASCII Unicode digits, which no peer writes).
func (r *extReader) int32(key string, required bool) int32 {
	n, _ := r.int32OK(key, required)
	return n
}

func (r *extReader) int32OK(key string, required bool) (int32, bool) {
	v, ok := r.value(key, required)
	if !ok {
		return 0, false
	}
	n, err := parseDecimal(v, 32)
	if err != nil {
		r.malformed(key, v, "Integer")
		return 0, false
	}
	return int32(n), true
}

// parseDecimal is strconv.ParseInt(s, 10, bits), with a short way for the plain digits every
// header number is written in (a send header has seven): strconv's general parse (signs,
// underscores for base 0, the error value) was near a third of reading a send's header in a
// loaded broker's profile.
func parseDecimal(s string, bits int) (int64, error) {
	// 9 digits fit an int32 and 18 an int64 whatever they are.
	if n := len(s); n > 0 && (bits == 32 && n <= 9 || bits == 64 && n <= 18) {
		var v int64
		for i := 0; i < n; i++ {
			c := s[i] - '0'
			if c > 9 {
				return strconv.ParseInt(s, 10, bits)
			}
			v = v*10 + int64(c)
		}
		return v, nil
	}
	return strconv.ParseInt(s, 10, bits)
}

func (r *extReader) int64(key string, required bool) int64 {
	n, _ := r.int64OK(key, required)
	return n
}

func (r *extReader) int64OK(key string, required bool) (int64, bool) {
	v, ok := r.value(key, required)
	if !ok {
		return 0, false
	}
	n, err := parseDecimal(v, 64)
	if err != nil {
		r.malformed(key, v, "Long")
		return 0, false
	}
	return n, true
}

func (r *extReader) optInt32(key string) *int32 {
	n, ok := r.int32OK(key, false)
	if !ok {
		return nil
	}
	return &n
}

func (r *extReader) malformed(key, value, javaType string) {
	r.fail(key, value, FieldMalformed, "the custom field <"+key+"> is not a valid "+javaType+": "+strconv.Quote(value))
}

// Java's Boolean.parseBoolean never fails: "true" in any case is true, anything else false.
func (r *extReader) bool(key string, required bool) bool {
	v, ok := r.value(key, required)
	return ok && strings.EqualFold(v, "true")
}

func (r *extReader) optBool(key string) *bool {
	if _, ok := r.ext[key]; !ok {
		return nil
	}
	b := r.bool(key, false)
	return &b
}

// Writers: numbers and booleans travel as Java's toString writes them.

func putInt32(ext map[string]string, key string, v int32) {
	ext[key] = strconv.FormatInt(int64(v), 10)
}

func putInt64(ext map[string]string, key string, v int64) {
	ext[key] = strconv.FormatInt(v, 10)
}

func putBool(ext map[string]string, key string, v bool) {
	ext[key] = strconv.FormatBool(v)
}

func putOptString(ext map[string]string, key, v string) {
	if v != "" {
		ext[key] = v
	}
}

func putOptInt32(ext map[string]string, key string, v *int32) {
	if v != nil {
		putInt32(ext, key, *v)
	}
}

func putOptBool(ext map[string]string, key string, v *bool) {
	if v != nil {
		putBool(ext, key, *v)
	}
}

// Java classes whose fields decide HeaderFields (see javaFieldSetOrder).
const (
	javaHeaderPackage  = "org.apache.rocketmq.common.protocol.header."
	javaNamesrvPackage = javaHeaderPackage + "namesrv."
)

type javaClass struct {
	name   string   // fully qualified, as Class.getName returns it
	fields []string // declared instance fields in declaration order
}

// rpcRequestHeader is the 4.9.7 superclass of the broker-bound headers that carry a broker name.
var rpcRequestHeader = javaClass{"org.apache.rocketmq.common.rpc.RpcRequestHeader", []string{FieldBrokerNameRPC}}

// javaFieldSetOrder returns the fields of a header class, its superclasses after it, in the
// order RemotingCommand.getClazzFields yields them: Java 4.9.7 collects them into a HashSet of
// java.lang.reflect.Field, whose hashCode is the declaring class name's hash XOR the field
// name's. makeCustomHeaderToNet puts the fields into extFields in that order, which decides
// the wire order of keys sharing a bucket there.
func javaFieldSetOrder(classes ...javaClass) []string {
	var names []string
	var buckets []int
	for _, c := range classes {
		for _, f := range c.fields {
			names = append(names, f)
			buckets = append(buckets, 0)
		}
	}
	capacity := javamap.HashMapTableSize(16, len(names))
	i := 0
	for _, c := range classes {
		classHash := javamap.HashCode(c.name)
		for _, f := range c.fields {
			h := uint32(classHash ^ javamap.HashCode(f))
			buckets[i] = int((h ^ h>>16) & uint32(capacity-1))
			i++
		}
	}
	// stable: fields sharing a bucket keep insertion order, as in a HashMap chain
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && buckets[j] < buckets[j-1]; j-- {
			buckets[j], buckets[j-1] = buckets[j-1], buckets[j]
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

// extField keys of the headers, in Java's spelling. Keys shared by several headers are listed
// once.
const (
	FieldTopic                  = "topic"
	FieldQueueID                = "queueId"
	FieldQueueOffset            = "queueOffset"
	FieldProducerGroup          = "producerGroup"
	FieldConsumerGroup          = "consumerGroup"
	FieldClientID               = "clientID"
	FieldSysFlag                = "sysFlag"
	FieldMsgID                  = "msgId"
	FieldTransactionID          = "transactionId"
	FieldOffset                 = "offset"
	FieldCommitOffset           = "commitOffset"
	FieldBrokerNameRPC          = "bname" // RpcRequestHeader's broker name (4.9.7), e.g. in SEND_MESSAGE v1
	FieldAcceptStandardJSONOnly = "acceptStandardJsonOnly"

	// SendMessageRequestHeader (SEND_MESSAGE, 10)
	FieldDefaultTopic          = "defaultTopic"
	FieldDefaultTopicQueueNums = "defaultTopicQueueNums"
	FieldBornTimestamp         = "bornTimestamp"
	FieldFlag                  = "flag"
	FieldProperties            = "properties"
	FieldReconsumeTimes        = "reconsumeTimes"
	FieldUnitMode              = "unitMode"
	FieldBatch                 = "batch"
	FieldMaxReconsumeTimes     = "maxReconsumeTimes"

	// SendMessageRequestHeaderV2 (SEND_MESSAGE_V2 310, SEND_BATCH_MESSAGE 320): one letter each
	// so that fastjson parses them faster.
	FieldV2ProducerGroup         = "a"
	FieldV2Topic                 = "b"
	FieldV2DefaultTopic          = "c"
	FieldV2DefaultTopicQueueNums = "d"
	FieldV2QueueID               = "e"
	FieldV2SysFlag               = "f"
	FieldV2BornTimestamp         = "g"
	FieldV2Flag                  = "h"
	FieldV2Properties            = "i"
	FieldV2ReconsumeTimes        = "j"
	FieldV2UnitMode              = "k"
	FieldV2MaxReconsumeTimes     = "l"
	FieldV2Batch                 = "m"
	FieldV2BrokerName            = "n"

	// Put into the send response's extFields by the broker, beside SendMessageResponseHeader.
	FieldMsgRegion = "MSG_REGION"
	FieldTraceOn   = "TRACE_ON"

	// Name server: brokers and KV config
	FieldBrokerName   = "brokerName"
	FieldBrokerAddr   = "brokerAddr"
	FieldClusterName  = "clusterName"
	FieldHAServerAddr = "haServerAddr"
	FieldBrokerID     = "brokerId"
	FieldCompressed   = "compressed"
	FieldBodyCRC32    = "bodyCrc32"
	FieldMasterAddr   = "masterAddr"
	FieldChanged      = "changed"
	FieldNamespace    = "namespace"
	FieldKey          = "key"
	FieldValue        = "value"

	// GET_BROKER_CONFIG's answer
	FieldVersion = "version"

	// Consumers
	FieldMaxMsgNums           = "maxMsgNums"
	FieldSuspendTimeoutMillis = "suspendTimeoutMillis"
	FieldSubscription         = "subscription"
	FieldSubVersion           = "subVersion"
	FieldExpressionType       = "expressionType"
	FieldSuggestWhichBrokerID = "suggestWhichBrokerId"
	FieldNextBeginOffset      = "nextBeginOffset"
	FieldMinOffset            = "minOffset"
	FieldMaxOffset            = "maxOffset"
	FieldTimestamp            = "timestamp"

	// Transactions
	FieldTranStateTableOffset = "tranStateTableOffset"
	FieldCommitLogOffset      = "commitLogOffset"
	FieldCommitOrRollback     = "commitOrRollback"
	FieldFromTransactionCheck = "fromTransactionCheck"
	FieldOffsetMsgID          = "offsetMsgId"

	// UPDATE_AND_CREATE_TOPIC
	FieldReadQueueNums   = "readQueueNums"
	FieldWriteQueueNums  = "writeQueueNums"
	FieldPerm            = "perm"
	FieldTopicFilterType = "topicFilterType"
	FieldTopicSysFlag    = "topicSysFlag"
	FieldOrder           = "order"

	// GET_BROKER_CONSUME_STATS
	FieldIsOrder   = "isOrder"
	FieldStatsName = "statsName"
	FieldStatsKey  = "statsKey"
)
