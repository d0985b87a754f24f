package protocol

import (
	"encoding/binary"
	"fmt"
)

// EncodeBatch writes the body of a SEND_BATCH_MESSAGE (Java MessageDecoder.encodeMessages):
// each message as int32 totalSize | int32 magic 0 | int32 bodyCRC 0 | int32 flag |
// int32 bodyLen | body | int16 propertiesLen | properties.
func EncodeBatch(msgs []*Message) ([]byte, error) {
	var out []byte
	for i, m := range msgs {
		props := EncodeProperties(m.Properties)
		if err := CheckPropertiesLength(props); err != nil {
			return nil, fmt.Errorf("batch message %d: %w", i, err)
		}
		total := 20 + len(m.Body) + 2 + len(props)
		out = binary.BigEndian.AppendUint32(out, uint32(total))
		out = binary.BigEndian.AppendUint32(out, 0)
		out = binary.BigEndian.AppendUint32(out, 0)
		out = binary.BigEndian.AppendUint32(out, uint32(m.Flag))
		out = binary.BigEndian.AppendUint32(out, uint32(len(m.Body)))
		out = append(out, m.Body...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(props)))
		out = append(out, props...)
	}
	return out, nil
}

// DecodeBatch reads a batch body into messages of topic. Every length is checked against
// the bytes that remain before anything is allocated.
func DecodeBatch(topic string, body []byte) ([]*Message, error) {
	var msgs []*Message
	for p := 0; p < len(body); {
		rest := body[p:]
		if len(rest) < 22 {
			return nil, fmt.Errorf("protocol: batch message %d cut short at %d bytes", len(msgs), len(rest))
		}
		total := int(int32(binary.BigEndian.Uint32(rest)))
		if total < 22 || total > len(rest) {
			return nil, fmt.Errorf("protocol: batch message %d claims %d bytes, %d left", len(msgs), total, len(rest))
		}
		m := rest[:total]
		flag := int32(binary.BigEndian.Uint32(m[12:]))
		bodyLen := int(int32(binary.BigEndian.Uint32(m[16:])))
		if bodyLen < 0 || bodyLen > total-22 {
			return nil, fmt.Errorf("protocol: batch message %d body length %d does not fit its %d bytes", len(msgs), bodyLen, total)
		}
		propsAt := 20 + bodyLen
		propsLen := int(binary.BigEndian.Uint16(m[propsAt:]))
		if propsAt+2+propsLen != total {
			return nil, fmt.Errorf("protocol: batch message %d properties length %d does not match its size", len(msgs), propsLen)
		}
		msgs = append(msgs, &Message{
			Topic:      topic,
			Flag:       flag,
			Body:       m[20:propsAt:propsAt],
			Properties: DecodeProperties(string(m[propsAt+2 : total])),
		})
		p += total
	}
	return msgs, nil
}
