package javamap

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHashCodeMatchesJava(t *testing.T) {
	// Values computed by java.lang.String#hashCode.
	cases := map[string]int32{
		"":            0,
		"a":           97,
		"topic":       110546223,
		"queueOffset": -1025599228,
		"héllo":       103094734,
		"😀":           1772899,
	}
	for s, want := range cases {
		require.Equal(t, want, HashCode(s), s)
	}
}

func TestOrderMatchesJavaHashMapIteration(t *testing.T) {
	// Orders observed in frames written by a real 4.9.7 broker and client (testdata/golden).
	// inserted is the Java header class's field declaration order.
	cases := []struct{ inserted, want []string }{
		{[]string{"msgId", "queueId", "queueOffset"}, []string{"queueId", "TRACE_ON", "MSG_REGION", "msgId", "queueOffset"}},
		{
			[]string{"brokerName", "brokerAddr", "clusterName", "haServerAddr", "brokerId", "compressed", "bodyCrc32"},
			[]string{"brokerId", "bodyCrc32", "clusterName", "brokerAddr", "haServerAddr", "compressed", "brokerName"},
		},
		{[]string{"clientID", "producerGroup", "consumerGroup"}, []string{"producerGroup", "clientID"}},
		{nil, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "m", "n"}},
	}
	for _, c := range cases {
		m := make(map[string]string)
		for _, k := range c.want {
			m[k] = "v"
		}
		require.Equal(t, c.want, Keys(m, c.inserted, nil))
	}
}

func TestCapacityGrowsAtThreeQuarters(t *testing.T) {
	require.Equal(t, 16, HashMapTableSize(16, 12))
	require.Equal(t, 32, HashMapTableSize(16, 13))
	require.Equal(t, 64, HashMapTableSize(16, 25))
	require.Equal(t, 16, ConcurrentHashMapTableSize(0, 11))
	require.Equal(t, 32, ConcurrentHashMapTableSize(0, 12))
	require.Equal(t, 2048, ConcurrentHashMapTableSize(1024, 1535))
	require.Equal(t, 4096, ConcurrentHashMapTableSize(1024, 1536))
}

// Keys takes the keys inserted leaves out as put before the others, in name order; that
// decides their order in a bucket they share. "Aa" and "BB" have the same Java hash code.
func TestKeysPutsUnlistedKeysFirst(t *testing.T) {
	m := map[string]string{"Aa": "", "BB": "", "msgId": "", "queueId": ""}
	require.Equal(t, []string{"BB", "Aa"}, onlyAaBB(Keys(m, []string{"Aa", "msgId", "queueId"}, nil)))
	require.Equal(t, []string{"Aa", "BB"}, onlyAaBB(Keys(m, []string{"msgId", "Aa", "BB"}, nil)))
	require.Equal(t, []string{"Aa", "BB"}, onlyAaBB(Keys(m, []string{"queueId"}, nil)), "both unlisted: name order")
	require.Equal(t, []string{"BB", "Aa"}, onlyAaBB(Keys(m, []string{"BB", "Aa"}, nil)))

	got := Keys(m, []string{"Aa", "queueId"}, []string{"kept"})
	want := []string{"BB", "msgId", "Aa", "queueId"}
	Order(want)
	require.Equal(t, append([]string{"kept"}, want...), got, "appended to buf, as if put in that order")
}

func onlyAaBB(keys []string) []string {
	var out []string
	for _, k := range keys {
		if k == "Aa" || k == "BB" {
			out = append(out, k)
		}
	}
	return out
}

// BenchmarkKeysSendAnswer: the keys of a fake broker's send answer, two of them outside the
// typed header's list, as every send writes them.
func BenchmarkKeysSendAnswer(b *testing.B) {
	m := map[string]string{"MSG_REGION": "DefaultRegion", "TRACE_ON": "true", "msgId": "7F00000100002A9F0000000000000001", "queueId": "1", "queueOffset": "42"}
	inserted := []string{"msgId", "queueId", "queueOffset", "transactionId"}
	var buf [8]string
	b.ReportAllocs()
	for b.Loop() {
		Keys(m, inserted, buf[:0])
	}
}
