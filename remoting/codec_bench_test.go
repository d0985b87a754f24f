package remoting

import (
	"bytes"
	"testing"
)

// sendV2 is a SEND_MESSAGE_V2 request shaped like the Java client's (testdata/golden).
func sendV2(st SerializeType) *Command {
	return &Command{
		Code: CodeSendMessageV2, Language: LanguageJava, Version: CurrentVersion, Opaque: 8, SerializeType: st,
		ExtFields: map[string]string{
			"a": "bench_pg", "b": "BenchTopic", "c": "TBW102", "d": "4", "e": "0", "f": "0", "g": "1795587237631",
			"h": "0", "i": "UNIQ_KEY\x01FD00000000000000000000000000000216FA30946E097CEEFEFF0000\x02WAIT\x01true\x02TAGS\x01TagA",
			"j": "0", "k": "false", "m": "false", "n": "broker-a",
		},
		HeaderFields: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"},
		FastHeader:   true,
		Body:         bytes.Repeat([]byte{'x'}, 128),
	}
}

// BenchmarkSendMessageV2EncodeDecode: one SEND_MESSAGE_V2 frame with a 128-byte body encoded
// into a reused buffer and decoded back, per header serialization.
func BenchmarkSendMessageV2EncodeDecode(b *testing.B) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		b.Run(st.String(), func(b *testing.B) {
			c := sendV2(st)
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.AppendFrame(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := DecodeFrame(out, 0); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
			}
		})
	}
}

func BenchmarkSendMessageV2Encode(b *testing.B) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		b.Run(st.String(), func(b *testing.B) {
			c := sendV2(st)
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.AppendFrame(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendAnswerEncode: a send's answer as a fake broker writes it (MSG_REGION, TRACE_ON
// and the response header's three fields), its header in a map or in a list (Command.Fields).
func BenchmarkSendAnswerEncode(b *testing.B) {
	header := []string{"msgId", "queueId", "queueOffset", "transactionId"}
	fields := []Field{{"MSG_REGION", "DefaultRegion"}, {"TRACE_ON", "true"},
		{"msgId", "7F00000100002A9F0000000000A1B2C3"}, {"queueId", "3"}, {"queueOffset", "123456"}}
	for _, name := range []string{"map", "list"} {
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				c := &Command{Code: Success, Language: LanguageJava, Version: CurrentVersion, Opaque: 8, Flag: FlagResponse,
					HeaderFields: header, FastHeader: true}
				if name == "map" {
					c.ExtFields = make(map[string]string, 8)
					for _, f := range fields {
						c.ExtFields[f.Key] = f.Value
					}
				} else {
					c.Fields = append(make([]Field, 0, 6), fields...)
				}
				if _, err := c.AppendFrame(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
