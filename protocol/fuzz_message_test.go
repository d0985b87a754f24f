package protocol

import (
	"bytes"
	"encoding/hex"
	"maps"
	"strings"
	"testing"
)

func FuzzDecodeProperties(f *testing.F) {
	for _, s := range goldenSends(f) {
		f.Add(s.properties)
	}
	f.Add("A\x01x\x01y\x02\x02\x01B\x02C\x01")
	f.Fuzz(func(t *testing.T, s string) {
		props := DecodeProperties(s)
		for k, v := range props {
			if k == "" || v == "" || strings.ContainsAny(k, "\x01\x02") || strings.ContainsRune(v, propertySeparator) {
				t.Fatalf("decoded a property Java would not: %q=%q", k, v)
			}
			if got, ok := PropertyValue(s, k); !ok || got != v {
				t.Fatalf("PropertyValue(%q) = %q, %v; the map has %q", k, got, ok, v)
			}
		}
		if names := PropertyNames(s); len(names) != len(props) {
			t.Fatalf("PropertyNames gives %d names for %d properties", len(names), len(props))
		}
		// What Java's decoder accepts, its encoder writes back unchanged.
		encoded := EncodeProperties(props, PropertyNames(s)...)
		if again := DecodeProperties(encoded); !maps.Equal(props, again) {
			t.Fatalf("re-encoding changed %q into %q", props, again)
		}
		if again := EncodeProperties(props, PropertyNames(encoded)...); again != encoded {
			t.Fatalf("the order of %q does not survive re-encoding: %q", encoded, again)
		}
		if len(encoded) > len(s) {
			t.Fatalf("re-encoding grew %d bytes to %d", len(s), len(encoded))
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	for _, s := range goldenSends(f) {
		f.Add(s.body)
	}
	f.Add(must(EncodeBatch([]*Message{NewMessage("T", nil), {Flag: -1, Body: []byte{0}, Properties: map[string]string{"K": "v"}}})))
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, err := DecodeBatch("T", body)
		raws, rawErr := BatchPropertyStrings(body)
		if (err == nil) != (rawErr == nil) {
			t.Fatalf("DecodeBatch says %v, BatchPropertyStrings %v", err, rawErr)
		}
		if err != nil {
			return
		}
		for i, raw := range raws {
			if !maps.Equal(DecodeProperties(raw), msgs[i].Properties) {
				t.Fatalf("message %d: raw properties %q read as %v, DecodeBatch gave %v", i, raw, DecodeProperties(raw), msgs[i].Properties)
			}
		}
		encoded, err := EncodeBatch(msgs)
		if err != nil {
			t.Fatalf("a decoded batch does not encode: %v", err)
		}
		again, err := DecodeBatch("T", encoded)
		if err != nil {
			t.Fatalf("an encoded batch does not decode: %v", err)
		}
		if len(again) != len(msgs) {
			t.Fatalf("%d messages became %d", len(msgs), len(again))
		}
		for i := range msgs {
			a, b := msgs[i], again[i]
			if a.Flag != b.Flag || !bytes.Equal(a.Body, b.Body) || !maps.Equal(a.Properties, b.Properties) {
				t.Fatalf("message %d changed from %+v to %+v", i, a, b)
			}
		}
	})
}

func FuzzDecodeStoredMessages(f *testing.F) {
	for _, v := range javaStored {
		b, _ := hex.DecodeString(v.hex)
		f.Add(b)
	}
	// The golden sends as a broker would store them.
	var all []byte
	for i, s := range goldenSends(f) {
		m := storedVector(i%2 == 0, i%3 == 0)
		m.Topic, m.Body, m.SysFlag, m.Properties = s.topic, s.body, s.sysFlag, DecodeProperties(s.properties)
		one := must(EncodeStoredMessage(m))
		f.Add(one)
		all = append(all, one...)
	}
	f.Add(all)
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := DecodeStoredMessages(data)
		if err != nil {
			return
		}
		if len(msgs) == 1 {
			props, err := StoredRecordProperties(data)
			if err != nil {
				t.Fatalf("a record that decodes has no properties string: %v", err)
			}
			if got := DecodeProperties(props); len(got)+len(msgs[0].Properties) > 0 && !maps.Equal(got, msgs[0].Properties) {
				t.Fatalf("properties string %q reads as %v, the record as %v", props, got, msgs[0].Properties)
			}
		}
		var encoded []byte
		for _, m := range msgs {
			if encoded, err = AppendStoredMessage(encoded, m); err != nil {
				t.Fatalf("a decoded record does not encode: %v", err)
			}
		}
		again, err := DecodeStoredMessages(encoded)
		if err != nil {
			t.Fatalf("an encoded record does not decode: %v", err)
		}
		for i, m := range msgs {
			a := *m
			b := *again[i]
			if a.BodyCRC == 0 {
				a.BodyCRC = b.BodyCRC // 0 asks the encoder to compute it
			}
			if a.Topic != b.Topic || !bytes.Equal(a.Body, b.Body) || !maps.Equal(a.Properties, b.Properties) ||
				a.BodyCRC != b.BodyCRC || a.SysFlag != b.SysFlag || a.BornHost != b.BornHost || a.StoreHost != b.StoreHost ||
				a.QueueOffset != b.QueueOffset || a.CommitLogOffset != b.CommitLogOffset || a.MsgID != b.MsgID {
				t.Fatalf("record %d changed from %+v to %+v", i, a, b)
			}
		}
	})
}

func FuzzDecompress(f *testing.F) {
	const limit = 1 << 20
	for _, s := range goldenSends(f) {
		if IsCompressed(s.sysFlag) {
			f.Add(s.body)
		}
	}
	f.Add(must(Compress(make([]byte, 8<<20), 1))) // a bomb: 8 MiB of zeros
	f.Add(must(Compress([]byte("hello"), 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Decompress(data, limit)
		if err != nil {
			return
		}
		if len(out) > limit {
			t.Fatalf("inflated %d bytes past the limit", len(out))
		}
		back, err := Decompress(must(Compress(out, DefaultCompressLevel)), limit)
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("recompressing what inflated does not round trip: %v", err)
		}
	})
}
