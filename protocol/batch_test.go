package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoldenBatch(t *testing.T) {
	s := goldenSendCase(t, "java-batch-send")
	require.Equal(t, map[string]string{"WAIT": "true"}, DecodeProperties(s.properties), "the batch's own properties")
	msgs, err := DecodeBatch(s.topic, s.body)
	require.NoError(t, err)
	require.Len(t, msgs, 3)
	for i, m := range msgs {
		require.Equal(t, "GoldenTopic", m.Topic)
		require.Equal(t, fmt.Sprintf("golden-batch-%d", i), string(m.Body))
		require.Equal(t, []string{fmt.Sprintf("K-batch-%d", i)}, m.Keys())
		require.Equal(t, "TagA", m.Tags())
		require.True(t, m.WaitStoreMsgOK())
		require.Zero(t, m.Flag)
		u, err := ParseUniqID(m.UniqKey())
		require.NoError(t, err)
		require.Equal(t, uint16(3+i), u.Counter)
	}
	require.NoError(t, CheckBatch(msgs))
	again, err := EncodeBatch(msgs)
	require.NoError(t, err)
	require.Equal(t, s.body, again, "the batch re-encodes byte for byte")
	require.Equal(t, append([]byte("x"), s.body...), must(AppendBatch([]byte("x"), msgs)))
}

// averageAllocatedBytes is what one call of f allocates, on average over a few calls.
func averageAllocatedBytes(f func()) uint64 {
	const runs = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / runs
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The want was printed by Java 4.9.7's MessageDecoder.encodeMessages for two messages built
// as new Message("T", "TagA", "K-i", "body-i") with flags 7 and 8, and new Message("T", new byte[0]).
func TestEncodeBatchMatchesJava(t *testing.T) {
	const javaHex = "0000003800000000000000000000000700000006626F64792D30001C4B455953014B2D3002574149540174727565025441475301546167410000003800000000000000000000000800000006626F64792D31001C4B455953014B2D3102574149540174727565025441475301546167410000001F000000000000000000000000000000000009574149540174727565"
	want, err := hex.DecodeString(javaHex)
	require.NoError(t, err)
	var msgs []*Message
	for i := range 2 {
		m := NewMessage("T", fmt.Appendf(nil, "body-%d", i))
		m.SetTags("TagA")
		m.SetKeys(fmt.Sprintf("K-%d", i))
		m.Flag = int32(7 + i)
		msgs = append(msgs, m)
	}
	msgs = append(msgs, NewMessage("T", []byte{}))
	got, err := EncodeBatch(msgs)
	require.NoError(t, err)
	require.Equal(t, want, got)

	back, err := DecodeBatch("T", want)
	require.NoError(t, err)
	require.Len(t, back, 3)
	require.Nil(t, back[2].Body, "an empty body decodes as none")
	require.Equal(t, int32(8), back[1].Flag)
}

func TestDecodeBatchIsAsLenientAsTheBroker(t *testing.T) {
	// The official Go client ends each message's properties with a separator; a wrong
	// totalSize, magic or CRC does not bother the 4.9.7 broker, which never reads them.
	body := []byte{
		0, 0, 0, 99, // totalSize: wrong
		1, 2, 3, 4, // magic: not 0
		5, 6, 7, 8, // bodyCRC: not 0
		0, 0, 0, 1, // flag
		0, 0, 0, 2, 'h', 'i',
		0, 9, 'T', 'A', 'G', 'S', 1, 'a', 2, 'X', 2,
	}
	msgs, err := DecodeBatch("T", body)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, "hi", string(msgs[0].Body))
	require.Equal(t, map[string]string{"TAGS": "a"}, msgs[0].Properties)
	require.Equal(t, int32(1), msgs[0].Flag)

	msgs, err = DecodeBatch("T", nil)
	require.NoError(t, err)
	require.Empty(t, msgs)
}

func TestDecodeBatchRejectsLyingLengths(t *testing.T) {
	good, err := EncodeBatch([]*Message{{Body: []byte("abc"), Properties: map[string]string{"K": "v"}}})
	require.NoError(t, err)
	cases := map[string]func([]byte) []byte{
		"body length negative":       func(b []byte) []byte { b[16] = 0x80; return b },
		"body length past the end":   func(b []byte) []byte { b[19] = 100; return b },
		"body length huge":           func(b []byte) []byte { copy(b[16:], []byte{0x7F, 0xFF, 0xFF, 0xFF}); return b },
		"properties length negative": func(b []byte) []byte { b[23] = 0xFF; return b },
		"properties past the end":    func(b []byte) []byte { b[24] = 50; return b },
		"a stray byte":               func(b []byte) []byte { return append(b, 0) },
	}
	for name, mutate := range cases {
		_, err := DecodeBatch("T", mutate(bytes.Clone(good)))
		require.ErrorIs(t, err, ErrBatchTruncated, name)
	}
	for cut := 1; cut < len(good); cut++ {
		_, err := DecodeBatch("T", good[:cut])
		require.ErrorIs(t, err, ErrBatchTruncated, "cut at %d", cut)
	}
	// A length field claiming 2 GiB costs nothing: nothing is allocated before the check.
	huge := bytes.Clone(good)
	binary.BigEndian.PutUint32(huge[16:], 0x7FFFFFFF)
	require.Less(t, averageAllocatedBytes(func() { _, _ = DecodeBatch("T", huge) }), uint64(1024))
}

func TestEncodeBatchRejectsLongProperties(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), MaxPropertiesLength))
	ok := &Message{Properties: map[string]string{"K": long[:MaxPropertiesLength-2]}}
	_, err := EncodeBatch([]*Message{ok})
	require.NoError(t, err)
	tooLong := &Message{Properties: map[string]string{"K": long[:MaxPropertiesLength-1]}}
	dst, err := AppendBatch([]byte("keep"), []*Message{ok, tooLong})
	require.ErrorContains(t, err, "batch message 1")
	require.Equal(t, "keep", string(dst[:4]))
}

func TestCheckBatch(t *testing.T) {
	msg := func(topic string, edit func(*Message)) *Message {
		m := NewMessage(topic, []byte("b"))
		if edit != nil {
			edit(m)
		}
		return m
	}
	cases := []struct {
		name string
		msgs []*Message
		want string
	}{
		{"fine", []*Message{msg("T", nil), msg("T", nil)}, ""},
		{"empty", nil, "protocol: a batch needs at least one message"},
		{"delay", []*Message{msg("T", nil), msg("T", func(m *Message) { m.SetDelayLevel(1) })}, "TimeDelayLevel is not supported for batching"},
		{"retry topic", []*Message{msg("%RETRY%g", nil)}, "Retry Group is not supported for batching"},
		{"topics", []*Message{msg("T", nil), msg("U", nil)}, "The topic of the messages in one batch should be the same"},
		{"wait", []*Message{msg("T", nil), msg("T", func(m *Message) { m.SetWaitStoreMsgOK(false) })},
			"The waitStoreMsgOK of the messages in one batch should the same"},
	}
	for _, c := range cases {
		err := CheckBatch(c.msgs)
		if c.want == "" {
			require.NoError(t, err, c.name)
		} else {
			require.EqualError(t, err, c.want, c.name)
		}
	}
}

func TestStoredBatchProperties(t *testing.T) {
	batch := "WAIT\x01true\x02CLUSTER\x01DefaultCluster"
	cases := []struct{ message, batch, want string }{
		{"KEYS\x01k", batch, "KEYS\x01k\x02" + batch},
		{"KEYS\x01k\x02", batch, "KEYS\x01k\x02" + batch}, // the official Go client's trailing separator
		{"", batch, batch},
		{"KEYS\x01k", "", "KEYS\x01k"},
	}
	for _, c := range cases {
		got := StoredBatchProperties(c.message, c.batch)
		require.Equal(t, c.want, got)
		if c.batch != "" {
			require.Equal(t, "DefaultCluster", DecodeProperties(got)[PropertyCluster])
		}
	}
}

func BenchmarkDecodeBatch(b *testing.B) {
	s := goldenSendCase(b, "java-batch-send")
	b.ReportAllocs()
	b.SetBytes(int64(len(s.body)))
	for b.Loop() {
		if _, err := DecodeBatch(s.topic, s.body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBatchPropertyStrings(t *testing.T) {
	msgs := []*Message{NewMessage("T", []byte("a")), NewMessage("T", []byte("bb")), NewMessage("T", nil)}
	msgs[0].SetTags("A")
	msgs[1].SetKeys("k1", "k2")
	body, err := EncodeBatch(msgs)
	require.NoError(t, err)
	got, err := BatchPropertyStrings(body)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, m := range msgs {
		require.Equal(t, m.Properties, DecodeProperties(got[i]), "message %d", i)
	}
	_, err = BatchPropertyStrings(body[:len(body)-1])
	require.ErrorIs(t, err, ErrBatchTruncated)
}
