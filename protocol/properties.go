package protocol

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// Message property names of Java 4.9.7's MessageConst.
const (
	PropertyKeys                           = "KEYS"
	PropertyTags                           = "TAGS"
	PropertyWaitStoreMsgOK                 = "WAIT"
	PropertyDelayTimeLevel                 = "DELAY"
	PropertyRetryTopic                     = "RETRY_TOPIC"
	PropertyRealTopic                      = "REAL_TOPIC"
	PropertyRealQueueID                    = "REAL_QID"
	PropertyTransactionPrepared            = "TRAN_MSG"
	PropertyProducerGroup                  = "PGROUP"
	PropertyMinOffset                      = "MIN_OFFSET"
	PropertyMaxOffset                      = "MAX_OFFSET"
	PropertyBuyerID                        = "BUYER_ID"
	PropertyOriginMessageID                = "ORIGIN_MESSAGE_ID"
	PropertyTransferFlag                   = "TRANSFER_FLAG"
	PropertyCorrectionFlag                 = "CORRECTION_FLAG"
	PropertyMQ2Flag                        = "MQ2_FLAG"
	PropertyReconsumeTime                  = "RECONSUME_TIME"
	PropertyMsgRegion                      = "MSG_REGION"
	PropertyTraceSwitch                    = "TRACE_ON"
	PropertyUniqClientMessageID            = "UNIQ_KEY"
	PropertyMaxReconsumeTimes              = "MAX_RECONSUME_TIMES"
	PropertyConsumeStartTime               = "CONSUME_START_TIME"
	PropertyTransactionPreparedQueueOffset = "TRAN_PREPARED_QUEUE_OFFSET"
	PropertyTransactionCheckTimes          = "TRANSACTION_CHECK_TIMES"
	PropertyCheckImmunityTimeInSeconds     = "CHECK_IMMUNITY_TIME_IN_SECONDS"
	PropertyInstanceID                     = "INSTANCE_ID"
	PropertyCorrelationID                  = "CORRELATION_ID"
	PropertyMessageReplyToClient           = "REPLY_TO_CLIENT"
	PropertyMessageTTL                     = "TTL"
	PropertyReplyMessageArriveTime         = "ARRIVE_TIME"
	PropertyPushReplyTime                  = "PUSH_REPLY_TIME"
	PropertyCluster                        = "CLUSTER"
	PropertyMessageType                    = "MSG_TYPE"
	PropertyInnerMultiDispatch             = "INNER_MULTI_DISPATCH"
	PropertyInnerMultiQueueOffset          = "INNER_MULTI_QUEUE_OFFSET"
)

// KeySeparator joins the keys of a message in its KEYS property.
const KeySeparator = " "

const (
	nameValueSeparator = '\x01'
	propertySeparator  = '\x02'
)

// MaxPropertiesLength is the longest properties string, in bytes, a message may carry: its
// length travels as a signed 16-bit number in the batch and stored formats, and the broker
// answers MESSAGE_ILLEGAL past it.
const MaxPropertiesLength = 32767

// IsReservedProperty reports whether name is one Java keeps for itself: Message.putUserProperty
// refuses it. The set is MessageConst.STRING_HASH_SET, which leaves out a few names
// MessageConst also defines (INNER_MULTI_DISPATCH, TRAN_PREPARED_QUEUE_OFFSET,
// TRANSACTION_CHECK_TIMES, CHECK_IMMUNITY_TIME_IN_SECONDS): users may set those.
func IsReservedProperty(name string) bool {
	switch name {
	case PropertyTraceSwitch, PropertyMsgRegion, PropertyKeys, PropertyTags, PropertyWaitStoreMsgOK,
		PropertyDelayTimeLevel, PropertyRetryTopic, PropertyRealTopic, PropertyRealQueueID,
		PropertyTransactionPrepared, PropertyProducerGroup, PropertyMinOffset, PropertyMaxOffset,
		PropertyBuyerID, PropertyOriginMessageID, PropertyTransferFlag, PropertyCorrectionFlag,
		PropertyMQ2Flag, PropertyReconsumeTime, PropertyUniqClientMessageID, PropertyMaxReconsumeTimes,
		PropertyConsumeStartTime, PropertyInstanceID, PropertyCorrelationID, PropertyMessageReplyToClient,
		PropertyMessageTTL, PropertyReplyMessageArriveTime, PropertyPushReplyTime, PropertyCluster,
		PropertyMessageType, PropertyInnerMultiQueueOffset:
		return true
	}
	return false
}

// CheckUserProperty is Java's Message.putUserProperty check, with its texts: reserved names
// first, then names or values that String.trim leaves empty. Java throws these without a
// response code, hence CodeClientCheck.
func CheckUserProperty(name, value string) error {
	if IsReservedProperty(name) {
		return &ValidationError{Code: CodeClientCheck, Msg: "The Property<" + name + "> is used by system, input another please"}
	}
	if javaTrimIsEmpty(value) || javaTrimIsEmpty(name) {
		return &ValidationError{Code: CodeClientCheck, Msg: "The name or value of property can not be null or blank string!"}
	}
	return nil
}

// javaTrimIsEmpty is String.trim().isEmpty(): trim drops every char up to U+0020, control
// characters included, which is not what Go's strings.TrimSpace drops.
func javaTrimIsEmpty(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > ' ' {
			return false
		}
	}
	return true
}

// CheckPropertiesLength reports a properties string too long for the wire formats.
func CheckPropertiesLength(encoded string) error {
	if len(encoded) > MaxPropertiesLength {
		return fmt.Errorf("protocol: message properties of %d bytes exceed %d", len(encoded), MaxPropertiesLength)
	}
	return nil
}

// EncodeProperties writes props as a Java peer's messageProperties2String does: name \x01 value
// for each pair, \x02 between pairs and none after the last, in the iteration order of the
// java.util.HashMap that would hold them, so that rocketsim writes the bytes Java writes.
// Names that share a hash bucket iterate in the order they were put in. inserted, when known,
// gives that order (a broker re-encoding what it received passes PropertyNames of the
// received string); names it leaves out count as put after it, in the order a Java producer
// and broker put the well-known ones (see insertionRank).
func EncodeProperties(props map[string]string, inserted ...string) string {
	if len(props) == 0 {
		return ""
	}
	// Written on the stack and copied once into the string, at its size: working the size out
	// first was another pass over the map.
	var stack [512]byte
	return string(AppendProperties(stack[:0], props, inserted...))
}

// AppendProperties appends EncodeProperties(props, inserted...) to dst.
func AppendProperties(dst []byte, props map[string]string, inserted ...string) []byte {
	if len(props) == 0 {
		return dst
	}
	var buf [32]property
	return appendPropertiesInOrder(dst, javaPropertyOrder(props, inserted, buf[:0]))
}

// EncodePropertiesInOrder writes the names of order that props holds, in that order, then any
// other names in Java's order. It is for reproducing a peer that does not iterate a Java
// HashMap (the official Go client iterates a Go map, a random order) or a test's chosen order.
func EncodePropertiesInOrder(props map[string]string, order []string) string {
	if len(props) == 0 {
		return ""
	}
	var buf [32]property
	listed := buf[:0]
	rest := make(map[string]string, len(props))
	for k, v := range props {
		rest[k] = v
	}
	for _, k := range order {
		if v, ok := rest[k]; ok {
			listed = append(listed, property{k, v})
			delete(rest, k)
		}
	}
	listed = javaPropertyOrder(rest, nil, listed)
	b := appendPropertiesInOrder(make([]byte, 0, encodedPropertiesLen(props)), listed)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// property is one name and its value, as javaPropertyOrder places them.
type property struct{ name, value string }

// javaPropertyOrder appends the properties of props to buf in the iteration order of a
// java.util.HashMap (default capacity) that had them put in the order inserted, followed by
// the names inserted leaves out, as put in the order of insertionRank. Each comes with its
// value, read as the map is iterated: writing them then looks nothing up in props again.
func javaPropertyOrder(props map[string]string, inserted []string, buf []property) []property {
	// A HashMap iterates bucket by bucket, and a bucket's names in the order they were put.
	// (bucket, put, name) orders every name apart, so an unstable sort does.
	type placedProperty struct {
		property
		bucket, put int
	}
	var stack [32]placedProperty
	placed := stack[:0]
	table := javamap.HashMapTableSize(16, len(props))
	position := insertionPositions(inserted)
	for name, value := range props {
		put, ok := position(name)
		if !ok {
			put = len(inserted) + insertionRank(name)
		}
		placed = append(placed, placedProperty{property{name, value}, javamap.Bucket(javamap.HashCode(name), table), put})
	}
	slices.SortFunc(placed, func(a, b placedProperty) int {
		if c := cmp.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		if c := cmp.Compare(a.put, b.put); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, p := range placed {
		buf = append(buf, p.property)
	}
	return buf
}

// insertionPositions returns a lookup of each name's first position in inserted: a scan for
// the few names a caller usually lists, a map for many.
func insertionPositions(inserted []string) func(string) (int, bool) {
	if len(inserted) <= 32 {
		return func(name string) (int, bool) {
			i := slices.Index(inserted, name)
			return i, i >= 0
		}
	}
	at := make(map[string]int, len(inserted))
	for i, name := range inserted {
		if _, dup := at[name]; !dup {
			at[name] = i
		}
	}
	return func(name string) (int, bool) {
		i, ok := at[name]
		return i, ok
	}
}

// insertionRank is the order a Java producer and broker put the well-known names in, which
// decides their order when they share a hash bucket (UNIQ_KEY and CLUSTER do; so do WAIT,
// DELAY and PGROUP): the Message constructor puts TAGS, KEYS and WAIT; the application then
// sets DELAY and its own properties; a transactional send adds TRAN_MSG and PGROUP; the send
// path adds UNIQ_KEY last; the broker adds CLUSTER when it stores the message. Other names rank
// with the application's, by name.
func insertionRank(name string) int {
	switch name {
	case PropertyTags:
		return 0
	case PropertyKeys:
		return 1
	case PropertyWaitStoreMsgOK:
		return 2
	case PropertyDelayTimeLevel:
		return 3
	case PropertyTransactionPrepared:
		return 5
	case PropertyProducerGroup:
		return 6
	case PropertyUniqClientMessageID:
		return 7
	case PropertyCluster:
		return 8
	}
	return 4
}

// PropertiesLength is len(EncodeProperties(props)), without building the string: what a broker
// checks against its properties limit on every send.
func PropertiesLength(props map[string]string) int { return encodedPropertiesLen(props) }

// encodedPropertiesLen is the length EncodeProperties(props) will have.
func encodedPropertiesLen(props map[string]string) int {
	if len(props) == 0 {
		return 0
	}
	n := 0
	for k, v := range props {
		n += len(k) + len(v) + 2
	}
	return n - 1
}

func appendPropertiesInOrder(dst []byte, props []property) []byte {
	for i, p := range props {
		if i > 0 {
			dst = append(dst, propertySeparator)
		}
		dst = append(dst, p.name...)
		dst = append(dst, nameValueSeparator)
		dst = append(dst, p.value...)
	}
	return dst
}

// nextProperty splits the first item off s with Java's string2messageProperties rules: an
// item needs a non-empty name and a non-empty value (a value may hold \x01, a name may not);
// items that break them are skipped, ok false. Empty items, such as the one after the
// trailing separator the official Go client writes, are skipped the same way.
func nextProperty(s string) (name, value, rest string, ok bool) {
	item := s
	if i := strings.IndexByte(s, propertySeparator); i >= 0 {
		item, rest = s[:i], s[i+1:]
	}
	j := strings.IndexByte(item, nameValueSeparator)
	if j <= 0 || j == len(item)-1 {
		return "", "", rest, false
	}
	return item[:j], item[j+1:], rest, true
}

// DecodeProperties reads a properties string as Java's string2messageProperties does. A name
// given twice keeps its last value. The values share memory with s.
func DecodeProperties(s string) map[string]string {
	props := make(map[string]string, strings.Count(s, string(propertySeparator))+1)
	for s != "" {
		name, value, rest, ok := nextProperty(s)
		if ok {
			props[name] = value
		}
		s = rest
	}
	return props
}

// PropertyValue finds one property in an encoded string without building a map: what
// DecodeProperties(s)[name] would give.
func PropertyValue(s, name string) (string, bool) {
	var found string
	ok := false
	for s != "" {
		n, v, rest, valid := nextProperty(s)
		if valid && n == name {
			found, ok = v, true
		}
		s = rest
	}
	return found, ok
}

// PropertyNames returns the names of an encoded string in the order they first appear. Passed
// to EncodeProperties as the insertion order, they make a Java peer's string re-encode byte
// for byte even when two names share a hash bucket.
func PropertyNames(s string) []string {
	var names []string
	var seen map[string]bool // once there are too many names to scan
	for s != "" {
		n, _, rest, ok := nextProperty(s)
		s = rest
		switch {
		case !ok:
		case seen != nil:
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		case !slices.Contains(names, n):
			names = append(names, n)
			if len(names) == 32 {
				seen = make(map[string]bool)
				for _, name := range names {
					seen[name] = true
				}
			}
		}
	}
	return names
}
