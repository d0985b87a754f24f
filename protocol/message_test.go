package protocol

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/remoting"
)

// goldenSends returns the send requests of the capture, decoded.
func goldenSends(t testing.TB) []struct {
	f   golden.Frame
	cmd *remoting.Command
	hdr SendMessageRequestHeader
} {
	var out []struct {
		f   golden.Frame
		cmd *remoting.Command
		hdr SendMessageRequestHeader
	}
	for _, f := range golden.Load(t) {
		if f.Kind == "response" {
			continue
		}
		switch f.Code {
		case remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage:
		default:
			continue
		}
		c, err := remoting.DecodeFrame(f.Bytes, 0)
		require.NoError(t, err)
		h, err := DecodeSendMessageRequest(c.Code, c.ExtFields)
		require.NoError(t, err)
		out = append(out, struct {
			f   golden.Frame
			cmd *remoting.Command
			hdr SendMessageRequestHeader
		}{f, c, h})
	}
	return out
}

func TestGoldenPropertiesRoundTrip(t *testing.T) {
	sends := goldenSends(t)
	require.NotEmpty(t, sends)
	for _, s := range sends {
		props := DecodeProperties(s.hdr.Properties)
		if s.cmd.Code != remoting.CodeSendBatchMessage { // a batch's ids are in its messages
			require.NotEmpty(t, props[PropertyUniqClientMessageID], s.f.Name())
		}
		if strings.HasPrefix(s.f.From, "java") {
			require.Equal(t, s.hdr.Properties, EncodeProperties(props), "Java's properties re-encode byte for byte")
		} else {
			require.True(t, strings.HasSuffix(s.hdr.Properties, "\x02"), "the Go client ends with a separator")
			require.Equal(t, props, DecodeProperties(EncodeProperties(props)))
		}
	}
}

func TestPropertiesDecodeEdgeCases(t *testing.T) {
	cases := map[string]map[string]string{
		"":                           {},
		"A\x01":                      {"A": ""},
		"A\x011\x02B\x012\x02":       {"A": "1", "B": "2"},
		"junk\x02A\x011":             {"A": "1"},
		"A\x01x\x01y":                {"A": "x\x01y"},
		"\x02\x02A\x01v\x02\x02\x02": {"A": "v"},
	}
	for in, want := range cases {
		require.Equal(t, want, DecodeProperties(in), "%q", in)
	}
	require.Error(t, CheckPropertiesLength(strings.Repeat("x", MaxPropertiesLength+1)))
	require.NoError(t, CheckPropertiesLength(strings.Repeat("x", MaxPropertiesLength)))
}

func TestGoldenBatchRoundTrip(t *testing.T) {
	for _, s := range goldenSends(t) {
		if s.cmd.Code != remoting.CodeSendBatchMessage {
			continue
		}
		msgs, err := DecodeBatch(s.hdr.Topic, s.cmd.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 3)
		for i, m := range msgs {
			require.Equal(t, "golden-batch-"+string(rune('0'+i)), string(m.Body))
			require.Equal(t, []string{"K-batch-" + string(rune('0'+i))}, m.Keys())
			require.Equal(t, "TagA", m.Tags())
			require.NotEmpty(t, m.UniqKey())
			require.Equal(t, s.hdr.Topic, m.Topic)
		}
		again, err := EncodeBatch(msgs)
		require.NoError(t, err)
		require.Equal(t, s.cmd.Body, again, "the batch re-encodes byte for byte")
		return
	}
	t.Fatal("no batch frame in the capture")
}

func TestBatchRejectsLyingLengths(t *testing.T) {
	good, err := EncodeBatch([]*Message{{Body: []byte("abc"), Properties: map[string]string{"K": "v"}}})
	require.NoError(t, err)
	for name, mutate := range map[string]func([]byte){
		"total too big":   func(b []byte) { b[3] = 200 },
		"total too small": func(b []byte) { b[3] = 5 },
		"body too long":   func(b []byte) { b[19] = 100 },
		"props too long":  func(b []byte) { b[24] = 50 },
	} {
		b := bytes.Clone(good)
		mutate(b)
		_, err := DecodeBatch("T", b)
		require.Error(t, err, name)
	}
	_, err = DecodeBatch("T", good[:10])
	require.Error(t, err)
}

func TestGoldenCompressedBody(t *testing.T) {
	for _, s := range goldenSends(t) {
		if !IsCompressed(s.hdr.SysFlag) {
			continue
		}
		require.Equal(t, SysFlagCompressionZLIB, s.hdr.SysFlag&SysFlagCompressionTypeMask, "4.9.7 sets the ZLIB type bits")
		body, err := Decompress(s.cmd.Body, DefaultMaxMessageSize)
		require.NoError(t, err)
		require.Greater(t, len(body), 6000)
		again, err := Compress(body, 5)
		require.NoError(t, err)
		back, err := Decompress(again, len(body))
		require.NoError(t, err)
		require.Equal(t, body, back)
		_, err = Decompress(s.cmd.Body, 100)
		require.ErrorIs(t, err, ErrDecompressedTooLarge)
		return
	}
	t.Fatal("no compressed send in the capture")
}

func TestDecompressBombIsBounded(t *testing.T) {
	bomb, err := Compress(make([]byte, 64<<20), 9)
	require.NoError(t, err)
	require.Less(t, len(bomb), 1<<20)
	_, err = Decompress(bomb, 4<<20)
	require.ErrorIs(t, err, ErrDecompressedTooLarge)
	_, err = Decompress([]byte("not zlib"), 10)
	require.Error(t, err)
}

func TestGoldenOffsetMsgIDs(t *testing.T) {
	addr, off, err := DecodeOffsetMsgID("7F000001000051AF0000000000008462")
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("127.0.0.1:20911"), addr)
	require.Equal(t, int64(0x8462), off)
	require.Equal(t, "7F000001000051AF0000000000008462", CreateOffsetMsgID(addr, off))
	v6 := netip.MustParseAddrPort("[fd00::2]:10911")
	id := CreateOffsetMsgID(v6, 1<<40)
	require.Len(t, id, 56)
	back, off, err := DecodeOffsetMsgID(id)
	require.NoError(t, err)
	require.Equal(t, v6, back)
	require.Equal(t, int64(1<<40), off)
	_, _, err = DecodeOffsetMsgID("XYZ")
	require.Error(t, err)
}

func TestGoldenUniqIDsParse(t *testing.T) {
	for _, s := range goldenSends(t) {
		if s.cmd.Code == remoting.CodeSendBatchMessage {
			continue
		}
		id := DecodeProperties(s.hdr.Properties)[PropertyUniqClientMessageID]
		info, err := ParseUniqID(id)
		require.NoError(t, err, id)
		require.Equal(t, strings.HasPrefix(s.f.From, "go"), info.MixedCase, id)
	}
}

func TestUniqIDGenerator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewUniqIDGenerator(netip.MustParseAddr("192.0.2.7"), 0x1234)
		a, b := g.Next(), g.Next()
		require.Len(t, a, 32)
		require.NotEqual(t, a, b)
		require.Equal(t, strings.ToUpper(a), a)
		ia, err := ParseUniqID(a)
		require.NoError(t, err)
		ib, err := ParseUniqID(b)
		require.NoError(t, err)
		require.Equal(t, netip.MustParseAddr("192.0.2.7"), ia.IP)
		require.Equal(t, ia.Counter+1, ib.Counter)
		now := time.Now()
		y, m, _ := now.Date()
		require.Equal(t, int32(now.Sub(time.Date(y, m, 1, 0, 0, 0, 0, now.Location())).Milliseconds()), ia.SinceMonthMs)
	})
}

func TestStoredMessageRoundTrip(t *testing.T) {
	body, err := Compress(bytes.Repeat([]byte("payload "), 1000), 5)
	require.NoError(t, err)
	msgs := []*MessageExt{
		{
			Message: Message{Topic: "T", Flag: 7, Body: []byte("hello"), Properties: map[string]string{"KEYS": "k1 k2", "TAGS": "a"}},
			QueueID: 3, QueueOffset: 42, CommitLogOffset: 1 << 33, BornTimestamp: 1795587237631, StoreTimestamp: 1795587237640,
			BornHost: netip.MustParseAddrPort("192.0.2.2:55000"), StoreHost: netip.MustParseAddrPort("127.0.0.1:10911"), ReconsumeTimes: 2,
		},
		{
			Message: Message{Topic: "Big", Body: body, Properties: map[string]string{}},
			SysFlag: SysFlagCompressed | SysFlagCompressionZLIB, QueueOffset: 43,
			BornHost: netip.MustParseAddrPort("[fd00::1]:1"), StoreHost: netip.MustParseAddrPort("[fd00::2]:10911"),
		},
	}
	var data []byte
	for _, m := range msgs {
		data, err = AppendStoredMessage(data, m)
		require.NoError(t, err)
	}
	got, err := DecodeStoredMessages(data)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for i, m := range got {
		want := *msgs[i]
		want.StoreSize = m.StoreSize
		want.BodyCRC = BodyCRC(want.Body)
		want.MsgID = CreateOffsetMsgID(want.StoreHost, want.CommitLogOffset)
		if i == 1 {
			want.SysFlag |= SysFlagBornHostV6 | SysFlagStoreHostV6
		}
		require.Empty(t, cmp.Diff(&want, m, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })))
	}
	for cut := 1; cut < len(data); cut += 17 {
		if cut == int(got[0].StoreSize) {
			continue
		}
		_, err := DecodeStoredMessages(data[:cut])
		require.Error(t, err, "cut at %d", cut)
	}
}

// DefaultMaxMessageSize is the broker's and producer's default body limit.
const DefaultMaxMessageSize = 4 << 20
