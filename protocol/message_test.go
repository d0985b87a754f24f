package protocol

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// goldenSend is a send request of the capture, read straight from the frame's header so that
// the message tests do not depend on the typed headers.
type goldenSend struct {
	frame         golden.Frame
	java          bool
	topic         string
	properties    string
	sysFlag       int32
	bornTimestamp int64
	body          []byte
}

func goldenExtFields(tb testing.TB, f golden.Frame) map[string]string {
	tb.Helper()
	raw := f.HeaderJSON
	if len(raw) == 0 {
		raw = f.HeaderDecoded
	}
	var h struct {
		ExtFields map[string]string `json:"extFields"`
	}
	require.NoError(tb, json.Unmarshal(raw, &h), f.Name())
	return h.ExtFields
}

// goldenSends returns the SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320)
// requests of the capture. V2 headers name their fields a..n: b topic, f sysFlag, g
// bornTimestamp, i properties.
func goldenSends(tb testing.TB) []goldenSend {
	tb.Helper()
	var out []goldenSend
	for _, f := range golden.Load(tb) {
		if f.Kind == "response" || (f.Code != 10 && f.Code != 310 && f.Code != 320) {
			continue
		}
		ext := goldenExtFields(tb, f)
		field := func(v1, v2 string) string {
			if f.Code == 10 {
				return ext[v1]
			}
			return ext[v2]
		}
		sysFlag, err := strconv.ParseInt(field("sysFlag", "f"), 10, 32)
		require.NoError(tb, err)
		born, err := strconv.ParseInt(field("bornTimestamp", "g"), 10, 64)
		require.NoError(tb, err)
		out = append(out, goldenSend{
			frame:         f,
			java:          strings.HasPrefix(f.From, "java"),
			topic:         field("topic", "b"),
			properties:    field("properties", "i"),
			sysFlag:       int32(sysFlag),
			bornTimestamp: born,
			body:          f.Body(),
		})
	}
	require.NotEmpty(tb, out, "the capture has send requests")
	return out
}

func goldenSendCase(tb testing.TB, name string) goldenSend {
	tb.Helper()
	for _, s := range goldenSends(tb) {
		if s.frame.Case == name {
			return s
		}
	}
	tb.Fatalf("no send request in case %s", name)
	return goldenSend{}
}

func TestMessageAccessors(t *testing.T) {
	m := NewMessage("T", []byte("b"))
	require.Equal(t, map[string]string{"WAIT": "true"}, m.Properties, "Java's constructor sets WAIT")
	require.True(t, m.WaitStoreMsgOK())

	m.SetTags("TagA")
	m.SetKeys("K1", "K2")
	m.SetDelayLevel(3)
	m.SetUniqKey("ID")
	require.Equal(t, "TagA", m.Tags())
	require.Equal(t, "K1 K2", m.Property(PropertyKeys))
	require.Equal(t, []string{"K1", "K2"}, m.Keys())
	require.Equal(t, 3, m.DelayLevel())
	require.Equal(t, "3", m.Property(PropertyDelayTimeLevel))
	require.Equal(t, "ID", m.UniqKey())
	m.ClearProperty(PropertyDelayTimeLevel)
	require.Equal(t, 0, m.DelayLevel())

	var zero Message
	require.Nil(t, zero.Keys())
	require.Equal(t, "", zero.Tags())
	require.True(t, zero.WaitStoreMsgOK(), "no WAIT property means wait")
	zero.SetWaitStoreMsgOK(false)
	require.Equal(t, "false", zero.Property(PropertyWaitStoreMsgOK))
	require.False(t, zero.WaitStoreMsgOK())
}

func TestMessagePropertyParsingFollowsJava(t *testing.T) {
	cases := []struct {
		name, value string
		read        func(*Message) any
		want        any
	}{
		{"WAIT", "true", func(m *Message) any { return m.WaitStoreMsgOK() }, true},
		{"WAIT", "TRUE", func(m *Message) any { return m.WaitStoreMsgOK() }, true},
		{"WAIT", "false", func(m *Message) any { return m.WaitStoreMsgOK() }, false},
		{"WAIT", "yes", func(m *Message) any { return m.WaitStoreMsgOK() }, false}, // Boolean.parseBoolean
		{"TRAN_MSG", "True", func(m *Message) any { return m.TransactionPrepared() }, true},
		{"TRAN_MSG", "1", func(m *Message) any { return m.TransactionPrepared() }, false},
		{"DELAY", "18", func(m *Message) any { return m.DelayLevel() }, 18},
		{"DELAY", "x", func(m *Message) any { return m.DelayLevel() }, 0},
		{"KEYS", "a  b", func(m *Message) any { return m.Keys() }, []string{"a", "b"}},
		{"KEYS", "a\tb c", func(m *Message) any { return m.Keys() }, []string{"a\tb", "c"}}, // split on spaces only
		{"KEYS", " ", func(m *Message) any { return m.Keys() }, []string{}},
	}
	for _, c := range cases {
		m := &Message{Properties: map[string]string{c.name: c.value}}
		require.Equal(t, c.want, c.read(m), "%s=%q", c.name, c.value)
	}
}

func TestPutUserPropertyFollowsJava(t *testing.T) {
	var m Message
	require.NoError(t, m.PutUserProperty("goldenProp", "v1"))
	require.NoError(t, m.PutUserProperty(PropertyTransactionCheckTimes, "1"), "MessageConst names outside STRING_HASH_SET are free")
	for _, name := range []string{PropertyKeys, PropertyUniqClientMessageID, PropertyCluster, PropertyInnerMultiQueueOffset} {
		err := m.PutUserProperty(name, "v")
		require.EqualError(t, err, "The Property<"+name+"> is used by system, input another please")
	}
	for _, kv := range [][2]string{{"", "v"}, {"n", ""}, {" \t", "v"}, {"n", "\x01\x1f "}} {
		err := m.PutUserProperty(kv[0], kv[1])
		require.EqualError(t, err, "The name or value of property can not be null or blank string!", "%q", kv)
	}
	require.Equal(t, map[string]string{"goldenProp": "v1", PropertyTransactionCheckTimes: "1"}, m.Properties)
}

func TestMessageClone(t *testing.T) {
	m := NewMessage("T", []byte("b"))
	c := m.Clone()
	c.SetTags("x")
	require.Empty(t, m.Tags())
	require.Equal(t, "x", c.Tags())
	require.Equal(t, m.Body, c.Body)
}

func TestMessageExtIDsAndBody(t *testing.T) {
	m := &MessageExt{MsgID: "7F000001000051AF0000000000008462"}
	require.Equal(t, m.MsgID, m.ClientMsgID(), "without UNIQ_KEY the offset id")
	m.SetUniqKey("C000020217AE30946E097CEEFEFF0000")
	require.Equal(t, "C000020217AE30946E097CEEFEFF0000", m.ClientMsgID())

	s := goldenSendCase(t, "java-compressed-send")
	m.Body, m.SysFlag = s.body, s.sysFlag
	body, err := m.UncompressedBody(1 << 20)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(body), "golden-compressed-body"))
}

func TestMessageSysFlag(t *testing.T) {
	cases := []struct {
		sysFlag int32
		want    CompressionType
		err     bool
	}{
		{0x1, CompressionZLIB, false}, // before 4.9.4, and the official Go client
		{0x301, CompressionZLIB, false},
		{0x101, CompressionLZ4, false},
		{0x201, CompressionZSTD, false},
		{0x401, 0, true},
		{0x701, 0, true},
	}
	for _, c := range cases {
		got, err := CompressionTypeOf(c.sysFlag)
		if c.err {
			require.Error(t, err, "%#x", c.sysFlag)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%#x", c.sysFlag)
		require.Equal(t, int32(c.want)<<8, got.SysFlag())
	}
	require.Equal(t, "ZLIB", CompressionZLIB.String())
	require.Equal(t, "CompressionType(5)", CompressionType(5).String())

	s := goldenSendCase(t, "java-compressed-send")
	require.Equal(t, int32(769), s.sysFlag)
	require.True(t, IsCompressed(s.sysFlag))
	require.Equal(t, SysFlagCompressed|CompressionZLIB.SysFlag(), s.sysFlag, "4.9.7 writes the compressed bit and the ZLIB type")
	require.Equal(t, int32(0x300), ClearCompressed(s.sysFlag), "clearing the bit keeps the type, as Java does")

	flag := SysFlagBornHostV6 | SysFlagTransactionPrepared
	require.Equal(t, SysFlagTransactionPrepared, TransactionType(flag))
	flag = WithTransactionType(flag, SysFlagTransactionCommit)
	require.Equal(t, SysFlagBornHostV6|SysFlagTransactionCommit, flag)
	require.Equal(t, SysFlagBornHostV6, WithTransactionType(flag, SysFlagTransactionNotType))
}

// cmpAddrPort compares addresses by value; go-cmp cannot look inside netip types.
var cmpAddrPort = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })
