package remoting

import "testing"

// BenchmarkSendMessageV2Decode: one SEND_MESSAGE_V2 frame shaped like the Java client's, with a
// 128-byte body, decoded; the header's parse is most of what a broker's read loop spends per
// request.
func BenchmarkSendMessageV2Decode(b *testing.B) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		b.Run(st.String(), func(b *testing.B) {
			frame, err := sendV2(st).Encode()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				if _, err := DecodeFrame(frame, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendMessageV2ServerDecode: the same JSON frame as a server's read loop decodes it
// (the frame's own buffer, read in place), extFields as a map or, for a HandleInlineList
// handler, as the list read.
func BenchmarkSendMessageV2ServerDecode(b *testing.B) {
	frame, err := sendV2(SerializeJSON).Encode()
	if err != nil {
		b.Fatal(err)
	}
	for _, asList := range []bool{false, true} {
		name := "map"
		if asList {
			name = "list"
		}
		b.Run(name, func(b *testing.B) {
			content := frame[4:]
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeContent(content, true, asList); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
