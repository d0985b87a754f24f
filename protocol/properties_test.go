package protocol

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoldenPropertiesDecodeAndReencode(t *testing.T) {
	for _, s := range goldenSends(t) {
		t.Run(s.frame.Name(), func(t *testing.T) {
			props := DecodeProperties(s.properties)
			require.NotEmpty(t, props)
			if s.frame.Code != 320 { // a batch's header holds only WAIT; the ids are inside
				require.NotEmpty(t, props[PropertyUniqClientMessageID])
				require.Equal(t, "TagA", props[PropertyTags])
			}
			if s.java {
				require.False(t, strings.HasSuffix(s.properties, "\x02"), "Java writes no trailing separator")
				require.Equal(t, s.properties, EncodeProperties(props), "Java's string re-encodes byte for byte")
				require.Equal(t, s.properties, EncodeProperties(props, PropertyNames(s.properties)...))
			} else {
				require.True(t, strings.HasSuffix(s.properties, "\x02"), "the official Go client ends with a separator")
				require.Equal(t, props, DecodeProperties(EncodeProperties(props)))
			}
			for name, value := range props {
				got, ok := PropertyValue(s.properties, name)
				require.True(t, ok)
				require.Equal(t, value, got)
			}
		})
	}
}

func TestGoldenPropertiesContent(t *testing.T) {
	s := goldenSendCase(t, "java-sync-send")
	require.Equal(t, map[string]string{
		"KEYS":       "K1",
		"goldenProp": "v1",
		"UNIQ_KEY":   "FD00000000000000000000000000000216FA30946E097CEEFEFF0000",
		"WAIT":       "true",
		"TAGS":       "TagA",
	}, DecodeProperties(s.properties))
	require.Equal(t, []string{"KEYS", "goldenProp", "UNIQ_KEY", "WAIT", "TAGS"}, PropertyNames(s.properties))

	g := goldenSendCase(t, "go-sync-send")
	require.Equal(t, map[string]string{
		"TAGS":       "TagA",
		"KEYS":       "K1",
		"goldenProp": "v1",
		"UNIQ_KEY":   "C000020217AE000000007cef5a480001",
	}, DecodeProperties(g.properties))
	require.Equal(t, g.properties, EncodePropertiesInOrder(DecodeProperties(g.properties), PropertyNames(g.properties))+"\x02",
		"an explicit order reproduces a peer that does not iterate a Java HashMap")
}

// The wants were printed by Java 4.9.7's MessageDecoder.messageProperties2String over a
// java.util.HashMap filled in the order given.
func TestEncodePropertiesMatchesJava(t *testing.T) {
	twelve := []string{"KEYS", "TAGS", "WAIT", "UNIQ_KEY", "DELAY", "PGROUP", "TRAN_MSG", "CLUSTER", "MSG_REGION", "TRACE_ON", "a", "b", "zz"}
	numbered := func(n int) (map[string]string, []string) {
		m := map[string]string{}
		for i, k := range twelve[:n] {
			m[k] = "v" + strconv.Itoa(i)
		}
		return m, twelve[:n]
	}
	m12, order12 := numbered(12)
	m13, order13 := numbered(13)
	cases := []struct {
		name     string
		props    map[string]string
		inserted []string
		want     string
	}{
		{"empty", nil, nil, ""},
		{"one", map[string]string{"WAIT": "true"}, nil, "WAIT\x01true"},
		// "Aa" and "BB" share a hashCode, so the order they were put in decides.
		{"collision BB first", map[string]string{"Aa": "1", "BB": "2"}, []string{"BB", "Aa"}, "BB\x012\x02Aa\x011"},
		{"collision Aa first", map[string]string{"Aa": "1", "BB": "2"}, []string{"Aa", "BB"}, "Aa\x011\x02BB\x012"},
		{"12 keys, 16 buckets", m12, order12,
			"a\x01v10\x02b\x01v11\x02TRACE_ON\x01v9\x02KEYS\x01v0\x02MSG_REGION\x01v8\x02TRAN_MSG\x01v6\x02UNIQ_KEY\x01v3\x02" +
				"CLUSTER\x01v7\x02WAIT\x01v2\x02DELAY\x01v4\x02PGROUP\x01v5\x02TAGS\x01v1"},
		{"13 keys, 32 buckets", m13, order13,
			"zz\x01v12\x02a\x01v10\x02b\x01v11\x02TRACE_ON\x01v9\x02TRAN_MSG\x01v6\x02KEYS\x01v0\x02MSG_REGION\x01v8\x02" +
				"UNIQ_KEY\x01v3\x02CLUSTER\x01v7\x02WAIT\x01v2\x02DELAY\x01v4\x02PGROUP\x01v5\x02TAGS\x01v1"},
		{"a Java message", map[string]string{"TAGS": "TagA", "KEYS": "K1 K2", "WAIT": "true", "goldenProp": "v1",
			"UNIQ_KEY": "C000020217AE30946E097CEEFEFF0000"}, nil,
			"KEYS\x01K1 K2\x02goldenProp\x01v1\x02UNIQ_KEY\x01C000020217AE30946E097CEEFEFF0000\x02WAIT\x01true\x02TAGS\x01TagA"},
		// Without an insertion order, names sharing a bucket (UNIQ_KEY and CLUSTER; WAIT, DELAY
		// and PGROUP) go in the order a Java producer and broker put them.
		{"a delayed transactional message as a broker stores it", map[string]string{"TAGS": "TagA", "KEYS": "K1",
			"WAIT": "true", "DELAY": "3", "MQ2": "x", "TRAN_MSG": "true", "PGROUP": "pg",
			"UNIQ_KEY": "C000020217AE30946E097CEEFEFF0000", "CLUSTER": "DefaultCluster"}, nil,
			"KEYS\x01K1\x02TRAN_MSG\x01true\x02UNIQ_KEY\x01C000020217AE30946E097CEEFEFF0000\x02CLUSTER\x01DefaultCluster\x02" +
				"WAIT\x01true\x02DELAY\x013\x02PGROUP\x01pg\x02TAGS\x01TagA\x02MQ2\x01x"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, EncodeProperties(c.props, c.inserted...), c.name)
		require.Equal(t, c.want, string(AppendProperties(nil, c.props, c.inserted...)), c.name)
		require.Equal(t, "x"+c.want, string(AppendProperties([]byte("x"), c.props, c.inserted...)), c.name)
	}
}

// The wants were printed by Java 4.9.7's MessageDecoder.string2messageProperties.
func TestDecodePropertiesMatchesJava(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"A\x01", map[string]string{}}, // Java drops an empty value
		{"\x01A", map[string]string{}}, // and an empty name
		{"AB", map[string]string{}},
		{"A\x01v", map[string]string{"A": "v"}},
		{"A\x011\x02B\x012\x02", map[string]string{"A": "1", "B": "2"}},
		{"A\x01x\x01y", map[string]string{"A": "x\x01y"}},
		{"\x02\x02A\x01v\x02\x02\x02", map[string]string{"A": "v"}},
		{"A\x01\x02B\x012", map[string]string{"B": "2"}},
		{"AB\x02C\x01d", map[string]string{"C": "d"}},
		{"A\x011\x02A\x012", map[string]string{"A": "2"}},
		{"\x01\x01\x01", map[string]string{}},
	}
	for _, c := range cases {
		require.Equal(t, c.want, DecodeProperties(c.in), "%q", c.in)
		for k, v := range c.want {
			got, ok := PropertyValue(c.in, k)
			require.True(t, ok)
			require.Equal(t, v, got)
		}
		_, ok := PropertyValue(c.in, "missing")
		require.False(t, ok)
		require.Len(t, PropertyNames(c.in), len(c.want), "%q", c.in)
	}
}

// A 4.9.7 broker decodes the properties it receives, adds CLUSTER, drops WAIT and encodes the
// map again; the want was printed by Java doing that to the golden java-sync-send's string.
func TestEncodePropertiesAsTheBrokerStoresThem(t *testing.T) {
	received := goldenSendCase(t, "java-sync-send").properties
	props := DecodeProperties(received)
	props[PropertyCluster] = "DefaultCluster"
	delete(props, PropertyWaitStoreMsgOK)
	want := "KEYS\x01K1\x02goldenProp\x01v1\x02UNIQ_KEY\x01FD00000000000000000000000000000216FA30946E097CEEFEFF0000\x02" +
		"CLUSTER\x01DefaultCluster\x02TAGS\x01TagA"
	require.Equal(t, want, EncodeProperties(props, PropertyNames(received)...))
	require.Equal(t, want, EncodeProperties(props))
	// Had the sender put CLUSTER before UNIQ_KEY, the received order would say so.
	require.Equal(t, "CLUSTER\x01c\x02UNIQ_KEY\x01u", EncodeProperties(map[string]string{"UNIQ_KEY": "u", "CLUSTER": "c"}, "CLUSTER", "UNIQ_KEY"))
}

func TestManyProperties(t *testing.T) {
	// Past 32 names the order and the name lookups take other paths; the table has grown to
	// 1024 buckets. Names a string lists in one order re-encode in that order.
	props := map[string]string{}
	var reversed []string
	for i := range 600 {
		name := "p" + strconv.Itoa(i)
		props[name] = strconv.Itoa(i)
		reversed = append([]string{name}, reversed...)
	}
	for _, inserted := range [][]string{nil, reversed} {
		encoded := EncodeProperties(props, inserted...)
		require.Equal(t, props, DecodeProperties(encoded))
		require.Len(t, PropertyNames(encoded), 600)
		require.Equal(t, encoded, EncodeProperties(props, PropertyNames(encoded)...))
	}
	// "Aa" and "BB" collide; so do "AaAa", "AaBB", "BBAa" and "BBBB".
	collide := map[string]string{"AaAa": "1", "BBBB": "2", "AaBB": "3", "BBAa": "4"}
	for k, v := range props {
		collide[k] = v
	}
	order := append([]string{"BBBB", "AaBB", "BBAa", "AaAa"}, reversed...)
	encoded := EncodeProperties(collide, order...)
	require.Less(t, strings.Index(encoded, "BBBB"), strings.Index(encoded, "AaBB"))
	require.Less(t, strings.Index(encoded, "AaBB"), strings.Index(encoded, "BBAa"))
	require.Less(t, strings.Index(encoded, "BBAa"), strings.Index(encoded, "AaAa"))
	require.Equal(t, encoded, EncodeProperties(collide, PropertyNames(encoded)...))
}

func TestEncodePropertiesInOrder(t *testing.T) {
	props := map[string]string{"TAGS": "t", "KEYS": "k", "X": "x"}
	require.Equal(t, "X\x01x\x02KEYS\x01k\x02TAGS\x01t", EncodePropertiesInOrder(props, []string{"X", "missing"}),
		"names outside the order follow in Java's order")
	require.Equal(t, EncodeProperties(props), EncodePropertiesInOrder(props, nil))
	require.Equal(t, "", EncodePropertiesInOrder(nil, []string{"X"}))
}

func TestCheckPropertiesLength(t *testing.T) {
	require.NoError(t, CheckPropertiesLength(strings.Repeat("x", MaxPropertiesLength)))
	require.Error(t, CheckPropertiesLength(strings.Repeat("x", MaxPropertiesLength+1)))
}

func TestIsReservedProperty(t *testing.T) {
	reserved := []string{"TRACE_ON", "MSG_REGION", "KEYS", "TAGS", "WAIT", "DELAY", "RETRY_TOPIC", "REAL_TOPIC", "REAL_QID",
		"TRAN_MSG", "PGROUP", "MIN_OFFSET", "MAX_OFFSET", "BUYER_ID", "ORIGIN_MESSAGE_ID", "TRANSFER_FLAG",
		"CORRECTION_FLAG", "MQ2_FLAG", "RECONSUME_TIME", "UNIQ_KEY", "MAX_RECONSUME_TIMES", "CONSUME_START_TIME",
		"INSTANCE_ID", "CORRELATION_ID", "REPLY_TO_CLIENT", "TTL", "ARRIVE_TIME", "PUSH_REPLY_TIME", "CLUSTER",
		"MSG_TYPE", "INNER_MULTI_QUEUE_OFFSET"}
	for _, name := range reserved {
		require.True(t, IsReservedProperty(name), name)
	}
	for _, name := range []string{"INNER_MULTI_DISPATCH", "TRAN_PREPARED_QUEUE_OFFSET", "TRANSACTION_CHECK_TIMES",
		"CHECK_IMMUNITY_TIME_IN_SECONDS", "keys", "goldenProp", ""} {
		require.False(t, IsReservedProperty(name), name)
	}
}

func TestPropertiesHotPathsAllocate(t *testing.T) {
	s := goldenSendCase(t, "java-sync-send").properties
	props := DecodeProperties(s)
	buf := make([]byte, 0, 256)
	require.Zero(t, testing.AllocsPerRun(100, func() { buf = AppendProperties(buf[:0], props) }))
	names := PropertyNames(s)
	require.Zero(t, testing.AllocsPerRun(100, func() { buf = AppendProperties(buf[:0], props, names...) }))
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = EncodeProperties(props) }))
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _ = PropertyValue(s, PropertyUniqClientMessageID) }))
}

func BenchmarkEncodeProperties(b *testing.B) {
	props := DecodeProperties(goldenSendCase(b, "java-sync-send").properties)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendProperties(buf[:0], props)
	}
}

func BenchmarkDecodeProperties(b *testing.B) {
	s := goldenSendCase(b, "java-sync-send").properties
	b.ReportAllocs()
	for b.Loop() {
		_ = DecodeProperties(s)
	}
}
