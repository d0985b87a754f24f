package protocol

import (
	"testing"
)

func FuzzDecodeProperties(f *testing.F) {
	for _, s := range goldenSends(f) {
		f.Add(s.hdr.Properties)
	}
	f.Fuzz(func(t *testing.T, s string) {
		props := DecodeProperties(s)
		again := DecodeProperties(EncodeProperties(props))
		for k, v := range props {
			if k != "" && !containsSeparator(k) && again[k] != v {
				t.Fatalf("property %q changed from %q to %q", k, v, again[k])
			}
		}
	})
}

func containsSeparator(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == nameValueSeparator || s[i] == propertySeparator {
			return true
		}
	}
	return false
}

func FuzzDecodeBatch(f *testing.F) {
	for _, s := range goldenSends(f) {
		f.Add(s.cmd.Body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, err := DecodeBatch("T", body)
		if err != nil {
			return
		}
		if _, err := EncodeBatch(msgs); err != nil {
			t.Fatalf("decoded batch does not encode: %v", err)
		}
	})
}

func FuzzDecodeStoredMessages(f *testing.F) {
	seed, _ := AppendStoredMessage(nil, &MessageExt{Message: Message{Topic: "T", Body: []byte("b"), Properties: map[string]string{"A": "1"}}})
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeStoredMessages(data)
	})
}

func FuzzDecompress(f *testing.F) {
	for _, s := range goldenSends(f) {
		if IsCompressed(s.hdr.SysFlag) {
			f.Add(s.cmd.Body)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Decompress(data, 1<<20)
		if err == nil && len(out) > 1<<20 {
			t.Fatalf("inflated %d bytes past the limit", len(out))
		}
	})
}
