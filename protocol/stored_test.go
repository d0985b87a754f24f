package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// javaStored are records printed by Java 4.9.7's MessageDecoder.encode for the message of
// storedVector, with IPv4 or IPv6 born and store hosts, and the msgId MessageDecoder.decode
// gave each.
var javaStored = []struct {
	bornV6, storeV6 bool
	hex, msgID      string
}{
	{false, false, "000000B4DAA320A7171C69710000000200000003000000000000002A000000000000846200000000000001A21156E6FFC00002020000D6D8000001A21156E7087F000001000051AF0000000100000000000000090000000B73746F7265642D626F647906546F7069635800484B455953016B3102554E49515F4B455901433030303032303231374145333039343645303937434545464546463030303002434C55535445520144656661756C74436C7573746572",
		"7F000001000051AF0000000000008462"},
	{true, false, "000000C0DAA320A7171C69710000000200000003000000000000002A000000000000846200000010000001A21156E6FFFD0000000000000000000000000000020000D6D8000001A21156E7087F000001000051AF0000000100000000000000090000000B73746F7265642D626F647906546F7069635800484B455953016B3102554E49515F4B455901433030303032303231374145333039343645303937434545464546463030303002434C55535445520144656661756C74436C7573746572",
		"7F000001000051AF0000000000008462"},
	{false, true, "000000C0DAA320A7171C69710000000200000003000000000000002A000000000000846200000020000001A21156E6FFC00002020000D6D8000001A21156E708FD00000000000000000000000000000100002A9F0000000100000000000000090000000B73746F7265642D626F647906546F7069635800484B455953016B3102554E49515F4B455901433030303032303231374145333039343645303937434545464546463030303002434C55535445520144656661756C74436C7573746572",
		"FD00000000000000000000000000000100002A9F0000000000008462"},
	{true, true, "000000CCDAA320A7171C69710000000200000003000000000000002A000000000000846200000030000001A21156E6FFFD0000000000000000000000000000020000D6D8000001A21156E708FD00000000000000000000000000000100002A9F0000000100000000000000090000000B73746F7265642D626F647906546F7069635800484B455953016B3102554E49515F4B455901433030303032303231374145333039343645303937434545464546463030303002434C55535445520144656661756C74436C7573746572",
		"FD00000000000000000000000000000100002A9F0000000000008462"},
}

func storedVector(bornV6, storeV6 bool) *MessageExt {
	m := &MessageExt{
		Message: Message{Topic: "TopicX", Flag: 3, Body: []byte("stored-body"), Properties: map[string]string{
			"KEYS": "k1", "UNIQ_KEY": "C000020217AE30946E097CEEFEFF0000", "CLUSTER": "DefaultCluster",
		}},
		QueueID: 2, QueueOffset: 42, CommitLogOffset: 0x8462,
		BornTimestamp: 1795587237631, StoreTimestamp: 1795587237640,
		BornHost:       netip.MustParseAddrPort("192.0.2.2:55000"),
		StoreHost:      netip.MustParseAddrPort("127.0.0.1:20911"),
		ReconsumeTimes: 1, PreparedTransactionOffset: 9,
	}
	if bornV6 {
		m.BornHost = netip.MustParseAddrPort("[fd00::2]:55000")
	}
	if storeV6 {
		m.StoreHost = netip.MustParseAddrPort("[fd00::1]:10911")
	}
	return m
}

func TestStoredMessageMatchesJava(t *testing.T) {
	for _, v := range javaStored {
		t.Run(fmt.Sprintf("bornV6=%v,storeV6=%v", v.bornV6, v.storeV6), func(t *testing.T) {
			want, err := hex.DecodeString(v.hex)
			require.NoError(t, err)
			m := storedVector(v.bornV6, v.storeV6)
			got, err := EncodeStoredMessage(m)
			require.NoError(t, err)
			require.Equal(t, want, got, "the record Java writes")
			require.Equal(t, len(got), cap(got), "EncodeStoredMessage sizes its buffer exactly")

			msgs, err := DecodeStoredMessages(want)
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			expect := *m
			expect.StoreSize = int32(len(want))
			expect.BodyCRC = 387737969 // UtilAll.crc32("stored-body")
			expect.MsgID = v.msgID
			if v.bornV6 {
				expect.SysFlag |= SysFlagBornHostV6
			}
			if v.storeV6 {
				expect.SysFlag |= SysFlagStoreHostV6
			}
			require.Empty(t, cmp.Diff(&expect, msgs[0], cmpAddrPort))
		})
	}
}

func TestStoredMessageLayout(t *testing.T) {
	b, err := EncodeStoredMessage(storedVector(false, false))
	require.NoError(t, err)
	be := binary.BigEndian
	// Positions Java's MessageDecoder and CommitLog read fields at without decoding.
	require.Equal(t, StoredMagic, be.Uint32(b[4:]), "MESSAGE_MAGIC_CODE_POSTION")
	require.Equal(t, uint32(3), be.Uint32(b[16:]), "MESSAGE_FLAG_POSTION")
	require.Equal(t, uint64(42), be.Uint64(b[20:]), "QUEUE_OFFSET_POSITION")
	require.Equal(t, uint64(0x8462), be.Uint64(b[28:]), "PHY_POS_POSITION")
	require.Equal(t, uint32(0), be.Uint32(b[storedSysFlagAt:]), "SYSFLAG_POSITION")
	magic, magicV2 := StoredMagic, StoredMagicV2
	require.Equal(t, int32(-626843481), int32(magic), "Java's MESSAGE_MAGIC_CODE")
	require.Equal(t, int32(-626843477), int32(magicV2), "5.x's MESSAGE_MAGIC_CODE_V2")
	require.Equal(t, int32(0x4BF43926), BodyCRC32([]byte("123456789")), "UtilAll.crc32 keeps 31 bits")
}

func TestStoredMessageRoundTrip(t *testing.T) {
	compressed := goldenSendCase(t, "java-compressed-send")
	plain, err := Decompress(compressed.body, 1<<20)
	require.NoError(t, err)
	msgs := []*MessageExt{
		storedVector(true, true),
		{
			Message: Message{Topic: "GoldenTopic", Body: compressed.body, Properties: DecodeProperties(compressed.properties)},
			SysFlag: compressed.sysFlag | SysFlagMultiTags, QueueID: 3, QueueOffset: 1, CommitLogOffset: 0x89FA,
			BornHost:  netip.MustParseAddrPort("[fd00::2]:40000"),
			StoreHost: netip.MustParseAddrPort("127.0.0.1:20911"),
			BodyCRC:   12345, // written as given
		},
		{Message: Message{Topic: "E"}, BornHost: netip.MustParseAddrPort("192.0.2.2:1"), StoreHost: netip.MustParseAddrPort("192.0.2.3:2")},
	}
	var data []byte
	for _, m := range msgs {
		data, err = AppendStoredMessage(data, m)
		require.NoError(t, err)
	}
	got, err := DecodeStoredMessages(data)
	require.NoError(t, err)
	require.Len(t, got, len(msgs))
	require.Equal(t, int32(12345), got[1].BodyCRC)
	require.Equal(t, "7F000001000051AF00000000000089FA", got[1].MsgID, "the golden compressed send's offset id")
	require.Equal(t, SysFlagBornHostV6|SysFlagCompressed|SysFlagMultiTags|CompressionZLIB.SysFlag(), got[1].SysFlag)
	body, err := got[1].UncompressedBody(1 << 20)
	require.NoError(t, err)
	require.Equal(t, plain, body)
	require.Nil(t, got[2].Body)
	require.Nil(t, got[2].Properties)

	// Encoding what was decoded gives the same bytes.
	var again []byte
	for _, m := range got {
		again, err = AppendStoredMessage(again, m)
		require.NoError(t, err)
	}
	require.Equal(t, data, again)

	var total int32
	for _, m := range got {
		total += m.StoreSize
	}
	require.Equal(t, int32(len(data)), total)
}

func TestEncodeStoredMessageRejects(t *testing.T) {
	m := storedVector(false, false)
	m.Topic = string(bytes.Repeat([]byte("t"), MaxStoredTopicLength+1))
	dst, err := AppendStoredMessage([]byte("keep"), m)
	require.Error(t, err)
	require.Equal(t, "keep", string(dst))

	m = storedVector(false, false)
	m.Properties = map[string]string{"K": string(bytes.Repeat([]byte("v"), MaxPropertiesLength))}
	dst, err = AppendStoredMessage([]byte("keep"), m)
	require.Error(t, err)
	require.Equal(t, "keep", string(dst))
}

func TestDecodeStoredMessagesRejects(t *testing.T) {
	one, err := EncodeStoredMessage(storedVector(false, false))
	require.NoError(t, err)
	two := append(bytes.Clone(one), one...)

	for cut := 1; cut < len(two); cut++ {
		msgs, err := DecodeStoredMessages(two[:cut])
		if cut == len(one) {
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			continue
		}
		require.ErrorIs(t, err, ErrStoredMessageCorrupt, "cut at %d", cut)
	}

	bodyLenAt := storedSysFlagAt + 4 + 8 + 8 + 8 + 8 + 4 + 8
	topicLenAt := bodyLenAt + 4 + len("stored-body")
	cases := map[string]func([]byte){
		"magic":                  func(b []byte) { b[4] = 0 },
		"size too small":         func(b []byte) { binary.BigEndian.PutUint32(b, 10) },
		"size negative":          func(b []byte) { b[0] = 0x80 },
		"size one short":         func(b []byte) { binary.BigEndian.PutUint32(b, uint32(len(b)-1)) },
		"body length negative":   func(b []byte) { b[bodyLenAt] = 0x80 },
		"body length past end":   func(b []byte) { b[bodyLenAt+2] = 1 },
		"topic length negative":  func(b []byte) { b[topicLenAt] = 0x80 },
		"topic length past end":  func(b []byte) { b[topicLenAt] = 0x7F },
		"properties negative":    func(b []byte) { b[topicLenAt+1+len("TopicX")] = 0x80 },
		"properties short":       func(b []byte) { b[topicLenAt+1+len("TopicX")+1]-- },
		"IPv6 flag on IPv4 host": func(b []byte) { b[storedSysFlagAt+3] |= byte(SysFlagStoreHostV6) },
		"port out of range":      func(b []byte) { b[storedSysFlagAt+4+8+4] = 1 },
	}
	for name, mutate := range cases {
		b := bytes.Clone(one)
		mutate(b)
		_, err := DecodeStoredMessages(b)
		require.ErrorIs(t, err, ErrStoredMessageCorrupt, name)
	}
	// A size claiming 2 GiB allocates nothing before it is found false.
	huge := bytes.Clone(one)
	binary.BigEndian.PutUint32(huge, 0x7FFFFFFF)
	require.Less(t, averageAllocatedBytes(func() { _, _ = DecodeStoredMessages(huge) }), uint64(1024))
}

func TestDecodeStoredMessageV2(t *testing.T) {
	// A 5.x broker writes magic V2 and a two-byte topic length for long topics.
	v1, err := EncodeStoredMessage(storedVector(false, false))
	require.NoError(t, err)
	topicLenAt := storedSysFlagAt + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + len("stored-body")
	v2 := append(bytes.Clone(v1[:topicLenAt]), 0)
	v2 = append(v2, v1[topicLenAt:]...)
	binary.BigEndian.PutUint32(v2, uint32(len(v2)))
	binary.BigEndian.PutUint32(v2[4:], StoredMagicV2)
	msgs, err := DecodeStoredMessages(v2)
	require.NoError(t, err)
	require.Equal(t, "TopicX", msgs[0].Topic)
	require.Equal(t, "k1", msgs[0].Properties[PropertyKeys])
}

func BenchmarkDecodeStoredMessages(b *testing.B) {
	var data []byte
	for i := range 32 {
		m := storedVector(i%2 == 0, false)
		m.QueueOffset = int64(i)
		data = must(AppendStoredMessage(data, m))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeStoredMessages(data); err != nil {
			b.Fatal(err)
		}
	}
}

// A stored batch message's properties string is written as given (its own string, then the
// batch's), so it can name WAIT twice as a real broker's record does; readers keep the last.
func TestStoredRawProperties(t *testing.T) {
	raw := StoredBatchProperties(EncodeProperties(map[string]string{"UNIQ_KEY": "ID", "WAIT": "true", "TAGS": "T"}),
		EncodeProperties(map[string]string{"CLUSTER": "DefaultCluster", "WAIT": "false"}))
	m := &MessageExt{Message: Message{Topic: "T", Body: []byte("b"), Properties: DecodeProperties(raw)}, RawProperties: raw}
	enc, err := EncodeStoredMessage(m)
	require.NoError(t, err)
	require.Contains(t, string(enc), raw)
	require.Equal(t, 2, strings.Count(string(enc), "WAIT\x01"))
	got, err := DecodeStoredMessages(enc)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, int32(len(enc)), got[0].StoreSize)
	require.Equal(t, "false", got[0].Properties["WAIT"], "the batch's value wins")
	require.Equal(t, "ID", got[0].Properties["UNIQ_KEY"])
}

// A broker that stores a record again with a property changed writes the names it had in their
// order, the new one after them: StoredRecordProperties and PropertyNames give that order.
func TestStoredRecordProperties(t *testing.T) {
	props := map[string]string{"UNIQ_KEY": "ID", "CLUSTER": "DefaultCluster", "TRAN_MSG": "true", "PGROUP": "pg"}
	// UNIQ_KEY and CLUSTER share a bucket: put CLUSTER first, which no producer does.
	raw := EncodeProperties(props, "CLUSTER", "UNIQ_KEY")
	require.NotEqual(t, EncodeProperties(props), raw)
	rec, err := EncodeStoredMessage(&MessageExt{Message: Message{Topic: "T", Body: []byte("b"), Properties: props}, RawProperties: raw})
	require.NoError(t, err)
	got, err := StoredRecordProperties(rec)
	require.NoError(t, err)
	require.Equal(t, raw, got)
	require.Equal(t, raw, EncodeProperties(props, PropertyNames(got)...))

	empty, err := EncodeStoredMessage(&MessageExt{Message: Message{Topic: "T"}})
	require.NoError(t, err)
	got, err = StoredRecordProperties(empty)
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = StoredRecordProperties(rec[:len(rec)-1])
	require.ErrorIs(t, err, ErrStoredMessageCorrupt)
}

// StoredMessageSize is what a store lays records out by: the length the encoder writes, host
// forms and property sources alike, and the encoder's refusals.
func TestStoredMessageSize(t *testing.T) {
	v6 := netip.MustParseAddrPort("[2001:db8::1]:10911")
	cases := map[string]*MessageExt{
		"no properties":  {},
		"properties":     {Message: Message{Topic: "T", Body: []byte("b"), Properties: map[string]string{"A": "1", "KEYS": "k"}}},
		"raw properties": {Message: Message{Topic: "Topic"}, RawProperties: "A\x011\x02"},
		"IPv6 hosts":     {Message: Message{Topic: "T"}, BornHost: v6, StoreHost: v6},
		"stored vector":  storedVector(true, false),
	}
	for name, m := range cases {
		size, err := StoredMessageSize(m)
		require.NoError(t, err, name)
		raw, err := EncodeStoredMessage(m)
		require.NoError(t, err, name)
		require.Equal(t, len(raw), size, name)
	}
	_, err := StoredMessageSize(&MessageExt{Message: Message{Topic: strings.Repeat("t", MaxStoredTopicLength+1)}})
	require.ErrorContains(t, err, "does not fit")
	_, err = StoredMessageSize(&MessageExt{Message: Message{Topic: "T"}, RawProperties: strings.Repeat("p", MaxPropertiesLength+1)})
	require.ErrorContains(t, err, "exceed")
}
