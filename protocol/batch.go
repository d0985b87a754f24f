package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// A SEND_BATCH_MESSAGE body (Java MessageDecoder.encodeMessages) holds the messages one after
// another, each as
//
//	int32 totalSize | int32 magic (0) | int32 bodyCRC (0) | int32 flag |
//	int32 bodyLen | body | int16 propertiesLen | properties
//
// The topic, sysFlag, born timestamp and the batch's own properties (WAIT) travel in the header.
const (
	batchFixedLen   = 4 + 4 + 4 + 4 + 4 + 2
	batchBodyLenAt  = 16
	batchBodyAt     = 20
	batchFlagAt     = 12
	batchPropLenLen = 2
)

// EncodeBatch writes the body of a SEND_BATCH_MESSAGE from msgs.
func EncodeBatch(msgs []*Message) ([]byte, error) {
	n := 0
	for _, m := range msgs {
		n += batchFixedLen + len(m.Body) + encodedPropertiesLen(m.Properties)
	}
	return AppendBatch(make([]byte, 0, n), msgs)
}

// AppendBatch appends the batch encoding of msgs to dst. Each message's properties go in
// Java's order, as a Java producer writes them; a properties string over
// MaxPropertiesLength fails as Java's encodeMessage does.
func AppendBatch(dst []byte, msgs []*Message) ([]byte, error) {
	be := binary.BigEndian
	for i, m := range msgs {
		start := len(dst)
		dst = be.AppendUint32(dst, 0) // totalSize, known once the properties are written
		dst = be.AppendUint32(dst, 0)
		dst = be.AppendUint32(dst, 0)
		dst = be.AppendUint32(dst, uint32(m.Flag))
		dst = be.AppendUint32(dst, uint32(len(m.Body)))
		dst = append(dst, m.Body...)
		propsLenAt := len(dst)
		dst = be.AppendUint16(dst, 0)
		dst = AppendProperties(dst, m.Properties)
		propsLen := len(dst) - propsLenAt - batchPropLenLen
		if propsLen > MaxPropertiesLength {
			return dst[:start], fmt.Errorf("protocol: batch message %d: properties of %d bytes exceed %d", i, propsLen, MaxPropertiesLength)
		}
		be.PutUint16(dst[propsLenAt:], uint16(propsLen))
		be.PutUint32(dst[start:], uint32(len(dst)-start))
	}
	return dst, nil
}

// ErrBatchTruncated is wrapped by DecodeBatch errors for a body that ends inside a message or
// whose lengths point past its end.
var ErrBatchTruncated = errors.New("protocol: batch body truncated")

// DecodeBatch reads a batch body into messages of topic, as the 4.9.7 broker reads it: it
// walks the body by each message's body and properties lengths and, like the broker, ignores
// the totalSize, magic and bodyCRC words. Every length is checked against the bytes that
// remain before it is used. The bodies alias body.
func DecodeBatch(topic string, body []byte) ([]*Message, error) {
	count, err := scanBatch(body)
	if err != nil {
		return nil, err
	}
	// One allocation for all the messages, and one for the pointers.
	slab := make([]Message, count)
	msgs := make([]*Message, count)
	p := 0
	for i := range slab {
		rest := body[p:]
		bodyLen := int(binary.BigEndian.Uint32(rest[batchBodyLenAt:]))
		propsAt := batchBodyAt + bodyLen + batchPropLenLen
		propsLen := int(binary.BigEndian.Uint16(rest[propsAt-batchPropLenLen:]))
		m := &slab[i]
		m.Topic = topic
		m.Flag = int32(binary.BigEndian.Uint32(rest[batchFlagAt:]))
		if bodyLen > 0 {
			m.Body = rest[batchBodyAt : batchBodyAt+bodyLen : batchBodyAt+bodyLen]
		}
		m.Properties = DecodeProperties(string(rest[propsAt : propsAt+propsLen]))
		msgs[i] = m
		p += propsAt + propsLen
	}
	return msgs, nil
}

// BatchPropertyStrings returns each batch message's properties string as the body carries
// it (DecodeBatch parses them into maps), for StoredBatchProperties.
func BatchPropertyStrings(body []byte) ([]string, error) {
	count, err := scanBatch(body)
	if err != nil {
		return nil, err
	}
	out := make([]string, count)
	p := 0
	for i := range out {
		rest := body[p:]
		bodyLen := int(binary.BigEndian.Uint32(rest[batchBodyLenAt:]))
		propsAt := batchBodyAt + bodyLen + batchPropLenLen
		propsLen := int(binary.BigEndian.Uint16(rest[propsAt-batchPropLenLen:]))
		out[i] = string(rest[propsAt : propsAt+propsLen])
		p += propsAt + propsLen
	}
	return out, nil
}

// scanBatch checks the lengths of every message of a batch body and counts the messages.
func scanBatch(body []byte) (int, error) {
	count := 0
	for p := 0; p < len(body); count++ {
		rest := body[p:]
		if len(rest) < batchBodyAt {
			return 0, fmt.Errorf("%w: message %d has %d bytes, less than its fixed fields", ErrBatchTruncated, count, len(rest))
		}
		bodyLen := int64(int32(binary.BigEndian.Uint32(rest[batchBodyLenAt:])))
		if bodyLen < 0 || bodyLen > int64(len(rest)-batchFixedLen) {
			return 0, fmt.Errorf("%w: message %d has a body of %d bytes, %d left", ErrBatchTruncated, count, bodyLen, len(rest)-batchBodyAt)
		}
		propsAt := batchBodyAt + int(bodyLen) + batchPropLenLen
		propsLen := int(int16(binary.BigEndian.Uint16(rest[propsAt-batchPropLenLen:])))
		if propsLen < 0 || propsLen > len(rest)-propsAt {
			return 0, fmt.Errorf("%w: message %d has properties of %d bytes, %d left", ErrBatchTruncated, count, propsLen, len(rest)-propsAt)
		}
		p += propsAt + propsLen
	}
	return count, nil
}

// CheckBatch applies the rules of Java's MessageBatch.generateFromList, with its texts: a
// batch is not empty, holds no delayed messages and no retry-topic messages, and its messages
// share the topic and the WAIT setting. Java's producer wraps the failure in an
// MQClientException "Failed to initiate the MessageBatch".
func CheckBatch(msgs []*Message) error {
	if len(msgs) == 0 {
		return errors.New("protocol: a batch needs at least one message")
	}
	first := msgs[0]
	for _, m := range msgs {
		if m.DelayLevel() > 0 {
			return &ValidationError{Code: CodeClientCheck, Msg: "TimeDelayLevel is not supported for batching"}
		}
		if strings.HasPrefix(m.Topic, retryGroupTopicPrefix) {
			return &ValidationError{Code: CodeClientCheck, Msg: "Retry Group is not supported for batching"}
		}
		if m.Topic != first.Topic {
			return &ValidationError{Code: CodeClientCheck, Msg: "The topic of the messages in one batch should be the same"}
		}
		if m.WaitStoreMsgOK() != first.WaitStoreMsgOK() {
			return &ValidationError{Code: CodeClientCheck, Msg: "The waitStoreMsgOK of the messages in one batch should the same"}
		}
	}
	return nil
}

// retryGroupTopicPrefix is MixAll.RETRY_GROUP_TOPIC_PREFIX.
const retryGroupTopicPrefix = "%RETRY%"

// StoredBatchProperties returns the properties string a 4.9.7 broker stores for one message
// of a batch: the message's own string, then the batch's (the header's properties with the
// broker's CLUSTER added, as EncodeProperties writes them), joined by a separator unless the
// message's string already ends with one, as the official Go client's do. The result can
// name a property twice; readers keep the batch's value.
func StoredBatchProperties(message, batch string) string {
	switch {
	case batch == "":
		return message
	case message == "":
		return batch
	case message[len(message)-1] == propertySeparator:
		return message + batch
	}
	return message + string(propertySeparator) + batch
}
