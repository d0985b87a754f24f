package protocol

import (
	"fmt"
	"strings"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// Message property names (Java MessageConst) that rocketsim's peers read or write.
const (
	PropertyKeys                 = "KEYS"
	PropertyTags                 = "TAGS"
	PropertyWaitStoreMsgOK       = "WAIT"
	PropertyDelayTimeLevel       = "DELAY"
	PropertyRetryTopic           = "RETRY_TOPIC"
	PropertyRealTopic            = "REAL_TOPIC"
	PropertyRealQueueID          = "REAL_QID"
	PropertyTransactionPrepared  = "TRAN_MSG"
	PropertyProducerGroup        = "PGROUP"
	PropertyMinOffset            = "MIN_OFFSET"
	PropertyMaxOffset            = "MAX_OFFSET"
	PropertyBuyerID              = "BUYER_ID"
	PropertyOriginMessageID      = "ORIGIN_MESSAGE_ID"
	PropertyTransferFlag         = "TRANSFER_FLAG"
	PropertyCorrectionFlag       = "CORRECTION_FLAG"
	PropertyMQ2Flag              = "MQ2_FLAG"
	PropertyReconsumeTime        = "RECONSUME_TIME"
	PropertyMsgRegion            = "MSG_REGION"
	PropertyTraceSwitch          = "TRACE_ON"
	PropertyUniqClientMessageID  = "UNIQ_KEY"
	PropertyMaxReconsumeTimes    = "MAX_RECONSUME_TIMES"
	PropertyConsumeStartTime     = "CONSUME_START_TIME"
	PropertyTransactionCheckTime = "CHECK_IMMUNITY_TIME_IN_SECONDS"
	PropertyInstanceID           = "INSTANCE_ID"
	PropertyCluster              = "CLUSTER"
	PropertyShardingKey          = "__SHARDINGKEY"
)

const (
	nameValueSeparator = '\x01'
	propertySeparator  = '\x02'
)

// MaxPropertiesLength is the largest properties string a message may carry: its length
// travels as a signed 16-bit number in the stored and batch formats.
const MaxPropertiesLength = 32767

// EncodeProperties writes properties as Java's messageProperties2String does: name \x01 value
// \x02 for each pair, without a separator after the last pair, in the iteration order of the
// Java HashMap that holds them. inserted, when known, is the order the properties were set in;
// it decides the order of names that share a hash bucket.
func EncodeProperties(props map[string]string, inserted ...string) string {
	if len(props) == 0 {
		return ""
	}
	var buf [32]string
	keys := javamap.Keys(props, inserted, buf[:0])
	n := 0
	for _, k := range keys {
		n += len(k) + len(props[k]) + 2
	}
	var sb strings.Builder
	sb.Grow(n)
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(propertySeparator)
		}
		sb.WriteString(k)
		sb.WriteByte(nameValueSeparator)
		sb.WriteString(props[k])
	}
	return sb.String()
}

// DecodeProperties reads a properties string as Java's string2messageProperties does. It
// accepts the trailing separator the official Go client writes and skips items without a
// name/value separator.
func DecodeProperties(s string) map[string]string {
	props := make(map[string]string, strings.Count(s, string(propertySeparator))+1)
	for len(s) > 0 {
		item := s
		if i := strings.IndexByte(s, propertySeparator); i >= 0 {
			item, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if j := strings.IndexByte(item, nameValueSeparator); j >= 0 {
			props[item[:j]] = item[j+1:]
		}
	}
	return props
}

// CheckPropertiesLength reports a properties string too long for the wire formats.
func CheckPropertiesLength(encoded string) error {
	if len(encoded) > MaxPropertiesLength {
		return fmt.Errorf("message properties of %d bytes exceed %d", len(encoded), MaxPropertiesLength)
	}
	return nil
}
