package protocol

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Java 4.9.7's name and message checks: the client's Validators (group, topic, message) and
// the broker's TopicValidator. The two disagree in texts, codes and the order of the length
// and character checks, so each side has its own functions.

// ValidationError is a failed check, with the response code Java attaches and Java's text.
// Error returns the bare text; the client appends the FAQ suffix of MQClientException.
type ValidationError struct {
	Code int
	Msg  string
}

func (e *ValidationError) Error() string { return e.Msg }

// Codes of ValidationError.
const (
	// CodeClientCheck is MQClientException's code when Java throws it without one (names,
	// producer config).
	CodeClientCheck = -1
	// CodeMessageIllegal is MESSAGE_ILLEGAL, the client's code for a bad message.
	CodeMessageIllegal = 13
	// CodeSystemError and CodeNoPermission are the broker's answers to a bad topic.
	CodeSystemError  = 1
	CodeNoPermission = 16
)

const (
	GroupMaxLength = 255
	TopicMaxLength = 127
	// ValidNamePattern is the allowed alphabet of topics and groups, as Java's texts quote it.
	ValidNamePattern = "^[%|a-zA-Z0-9_-]+$"
	// DefaultProducerGroup is the group of a Java producer built without one; checkConfig
	// rejects it.
	DefaultProducerGroup = "DEFAULT_PRODUCER"
)

// Topics Java reserves (TopicValidator).
const (
	AutoCreateTopicKey     = "TBW102" // the template topic brokers auto-create others from
	ScheduleTopic          = "SCHEDULE_TOPIC_XXXX"
	BenchmarkTopic         = "BenchmarkTest"
	TransHalfTopic         = "RMQ_SYS_TRANS_HALF_TOPIC"
	TraceTopic             = "RMQ_SYS_TRACE_TOPIC"
	TransOpHalfTopic       = "RMQ_SYS_TRANS_OP_HALF_TOPIC"
	TransCheckMaxTimeTopic = "TRANS_CHECK_MAX_TIME_TOPIC"
	SelfTestTopic          = "SELF_TEST_TOPIC"
	OffsetMovedEventTopic  = "OFFSET_MOVED_EVENT"
	SystemTopicPrefix      = "rmq_sys_"
	// LMQPrefix starts the names of light message queues (MixAll.LMQ_PREFIX), which brokers
	// keep outside their topic table.
	LMQPrefix = "%LMQ%"
	// ReplyTopicSuffix ends the topic that request-reply answers travel in: every broker of a
	// cluster holds <cluster>_REPLY_TOPIC (MixAll.REPLY_TOPIC_POSTFIX after an underscore).
	ReplyTopicSuffix = "_REPLY_TOPIC"
)

// ReplyTopic is MixAll.getReplyTopic: the reply topic of a cluster, which a replier sends to
// (the request's CLUSTER property names the cluster).
func ReplyTopic(cluster string) string { return cluster + ReplyTopicSuffix }

// Names a broker's transaction service uses in its own store (MixAll.CID_SYS_RMQ_TRANS and
// TransactionalMessageUtil.REMOVETAG).
const (
	// TransactionCheckGroup is the consumer group under which a broker commits how far its
	// transaction check has read RMQ_SYS_TRANS_HALF_TOPIC and RMQ_SYS_TRANS_OP_HALF_TOPIC; an
	// admin's QUERY_CONSUMER_OFFSET reads that progress.
	TransactionCheckGroup = "CID_RMQ_SYS_TRANS"
	// TransactionOpRemoveTag is the tag of an op record: the half message whose queue offset
	// is the record's body has been committed or rolled back.
	TransactionOpRemoveTag = "d"
)

// MessageTypeReply is the MSG_TYPE value of a reply (MixAll.REPLY_MESSAGE_FLAG): a Java
// producer sends such a message as SEND_REPLY_MESSAGE(_V2) instead of a plain send.
const MessageTypeReply = "reply"

// IsLMQ reports whether topic names a light message queue (MixAll.isLmq).
func IsLMQ(topic string) bool { return strings.HasPrefix(topic, LMQPrefix) }

// SystemTopics are the topics of TopicValidator's system topic set before a broker adds its
// own (the cluster, broker and reply topics), in the order Java adds them.
var SystemTopics = []string{AutoCreateTopicKey, ScheduleTopic, BenchmarkTopic, TransHalfTopic, TraceTopic,
	TransOpHalfTopic, TransCheckMaxTimeTopic, SelfTestTopic, OffsetMovedEventTopic}

// IsSystemTopic reports whether topic is one of Java's system topics, which UPDATE_AND_CREATE_TOPIC
// refuses. Sending to some of them (TBW102 among them) is allowed; see IsNotAllowedSendTopic.
func IsSystemTopic(topic string) bool {
	switch topic {
	case AutoCreateTopicKey, ScheduleTopic, BenchmarkTopic, TransHalfTopic, TraceTopic,
		TransOpHalfTopic, TransCheckMaxTimeTopic, SelfTestTopic, OffsetMovedEventTopic:
		return true
	}
	return len(topic) >= len(SystemTopicPrefix) && topic[:len(SystemTopicPrefix)] == SystemTopicPrefix
}

// IsNotAllowedSendTopic reports whether clients may not send to topic.
func IsNotAllowedSendTopic(topic string) bool {
	switch topic {
	case ScheduleTopic, TransHalfTopic, TransOpHalfTopic, TransCheckMaxTimeTopic, SelfTestTopic,
		OffsetMovedEventTopic:
		return true
	}
	return false
}

// IsTopicOrGroupIllegal reports whether s has a character outside ValidNamePattern.
func IsTopicOrGroupIllegal(s string) bool {
	for i := 0; i < len(s); i++ {
		if !validNameChar(s[i]) {
			return true
		}
	}
	return false
}

func validNameChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '%' || c == '|' || c == '_' || c == '-'
}

// CheckGroup is the client's Validators.checkGroup.
func CheckGroup(group string) error {
	if javaIsBlank(group) {
		return &ValidationError{CodeClientCheck, "the specified group is blank"}
	}
	if javaLength(group) > GroupMaxLength {
		return &ValidationError{CodeClientCheck, "the specified group is longer than group max length 255."}
	}
	if IsTopicOrGroupIllegal(group) {
		return &ValidationError{CodeClientCheck,
			"the specified group[" + group + "] contains illegal characters, allowing only " + ValidNamePattern}
	}
	return nil
}

// CheckProducerGroup is what the producer's checkConfig asks of its group at start.
// CLIENT_INNER_PRODUCER passes.
func CheckProducerGroup(group string) error {
	if err := CheckGroup(group); err != nil {
		return err
	}
	if group == DefaultProducerGroup {
		return &ValidationError{CodeClientCheck,
			"producerGroup can not equal " + DefaultProducerGroup + ", please specify another one."}
	}
	return nil
}

// CheckTopic is the client's Validators.checkTopic: blank, then length, then characters.
func CheckTopic(topic string) error {
	if javaIsBlank(topic) {
		return &ValidationError{CodeClientCheck, "The specified topic is blank"}
	}
	if javaLength(topic) > TopicMaxLength {
		return &ValidationError{CodeClientCheck,
			"The specified topic is longer than topic max length " + strconv.Itoa(TopicMaxLength) + "."}
	}
	if IsTopicOrGroupIllegal(topic) {
		return &ValidationError{CodeClientCheck,
			"The specified topic[" + topic + "] contains illegal characters, allowing only " + ValidNamePattern}
	}
	return nil
}

// CheckNotAllowedSendTopic is the client's Validators.isNotAllowedSendTopic.
func CheckNotAllowedSendTopic(topic string) error {
	if IsNotAllowedSendTopic(topic) {
		return &ValidationError{CodeClientCheck, "Sending message to topic[" + topic + "] is forbidden."}
	}
	return nil
}

// CheckNotSystemTopic is the client's Validators.isSystemTopic, which admin tools run before
// creating a topic.
func CheckNotSystemTopic(topic string) error {
	if IsSystemTopic(topic) {
		return &ValidationError{CodeClientCheck, "The topic[" + topic + "] is conflict with system topic."}
	}
	return nil
}

// MessageNullError is checkMessage's answer to a null message. CheckMessage takes the
// message's parts, so a caller holding a nil message returns this itself.
func MessageNullError() *ValidationError {
	return &ValidationError{CodeMessageIllegal, "the message is null"}
}

// CheckMessage is the client's Validators.checkMessage for a message with this topic and body,
// run before every send (a batch is checked as one message whose body is the encoded batch).
// A nil body is Java's null body; an empty non-nil body is a body of length zero. maxSize is
// the producer's maxMessageSize and limits the uncompressed body.
func CheckMessage(topic string, body []byte, maxSize int) error {
	if err := CheckTopic(topic); err != nil {
		return err
	}
	if err := CheckNotAllowedSendTopic(topic); err != nil {
		return err
	}
	switch {
	case body == nil:
		return &ValidationError{CodeMessageIllegal, "the message body is null"}
	case len(body) == 0:
		return &ValidationError{CodeMessageIllegal, "the message body length is zero"}
	case len(body) > maxSize:
		return &ValidationError{CodeMessageIllegal,
			"the message body size over max value, MAX: " + strconv.Itoa(maxSize)}
	}
	return nil
}

// BrokerCheckTopic is the broker's TopicValidator.validateTopic, the first topic check of a
// send: blank, then characters, then length (the client checks length first), answered with
// SYSTEM_ERROR and texts unlike the client's.
func BrokerCheckTopic(topic string) error {
	if javaIsBlank(topic) {
		return &ValidationError{CodeSystemError, "The specified topic is blank."}
	}
	if IsTopicOrGroupIllegal(topic) {
		return &ValidationError{CodeSystemError,
			"The specified topic contains illegal characters, allowing only " + ValidNamePattern}
	}
	if javaLength(topic) > TopicMaxLength {
		return &ValidationError{CodeSystemError, "The specified topic is longer than topic max length."}
	}
	return nil
}

// BrokerCheckNotAllowedSendTopic is the broker's send check after BrokerCheckTopic, answered
// with NO_PERMISSION.
func BrokerCheckNotAllowedSendTopic(topic string) error {
	if IsNotAllowedSendTopic(topic) {
		return &ValidationError{CodeNoPermission, "Sending message to topic[" + topic + "] is forbidden."}
	}
	return nil
}

// BrokerCheckNotSystemTopic is the broker's refusal to create or change a system topic
// (UPDATE_AND_CREATE_TOPIC), answered with SYSTEM_ERROR.
func BrokerCheckNotSystemTopic(topic string) error {
	if IsSystemTopic(topic) {
		return &ValidationError{CodeSystemError, "The topic[" + topic + "] is conflict with system topic."}
	}
	return nil
}

// javaLength is Java's String.length: UTF-16 code units, so a name of 100 Chinese characters
// fails on its characters, not its length, as in Java.
func javaLength(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// javaIsBlank is UtilAll.isBlank: empty, or Character.isWhitespace everywhere. Java's
// whitespace is not Go's unicode.IsSpace: it excludes the no-break spaces (U+00A0, U+2007,
// U+202F) and U+0085, and includes the separators U+001C..U+001F.
func javaIsBlank(s string) bool {
	for _, r := range s {
		if !javaIsWhitespace(r) {
			return false
		}
	}
	return true
}

func javaIsWhitespace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1C && r <= 0x1F:
		return true
	case r == 0xA0, r == 0x2007, r == 0x202F:
		return false
	}
	return r == ' ' || (r > 0x7F && unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp))
}
