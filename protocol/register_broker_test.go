package protocol

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// TestGoldenRegisterBrokerBodies decodes every REGISTER_BROKER body the real broker sent and
// re-encodes it to the same bytes: the topic table comes out in the iteration order of the
// broker's ConcurrentHashMap(1024). The header's bodyCrc32 must match BodyCRC32.
func TestGoldenRegisterBrokerBodies(t *testing.T) {
	n := 0
	for _, f := range golden.Load(t) {
		if f.Code != 103 || f.Kind == "response" {
			continue
		}
		n++
		t.Run(f.Name(), func(t *testing.T) {
			_, ext := headerOf(t, f)
			compressed, err := strconv.ParseBool(ext["compressed"])
			require.NoError(t, err)
			require.False(t, compressed, "the golden brokers ran with compressedRegister=false")

			body, err := DecodeRegisterBrokerBody(f.Body(), compressed)
			require.NoError(t, err)
			table := body.TopicConfigSerializeWrapper.TopicConfigTable
			require.Contains(t, table, "TBW102")
			require.Equal(t, TopicConfig{TopicName: "TBW102", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 7,
				TopicFilterType: SingleTag}, table["TBW102"])
			require.Empty(t, body.FilterServerList)
			require.NotZero(t, body.TopicConfigSerializeWrapper.DataVersion.Timestamp)

			again, err := body.Encode(compressed)
			require.NoError(t, err)
			require.Equal(t, string(f.Body()), string(again))

			require.Equal(t, ext["bodyCrc32"], strconv.Itoa(int(BodyCRC32(f.Body()))))
		})
	}
	require.Equal(t, 8, n)
}

func javaRegisterBody() *RegisterBrokerBody {
	topics := []string{"SCHEDULE_TOPIC_XXXX", "GoldenBinTopic", "SELF_TEST_TOPIC", "SmokeTopic", "GoldenTopic",
		"DefaultCluster", "DefaultCluster_REPLY_TOPIC", "RMQ_SYS_TRANS_HALF_TOPIC", "broker-a", "TBW102",
		"GoldenGoTopic", "BenchmarkTest", "OFFSET_MOVED_EVENT"}
	b := &RegisterBrokerBody{FilterServerList: []string{"fs1:1", "fs2:2"}}
	b.TopicConfigSerializeWrapper.DataVersion = DataVersion{Timestamp: 1795587237648, Counter: 7}
	b.TopicConfigSerializeWrapper.TopicConfigTable = map[string]TopicConfig{}
	for i, name := range topics {
		tc := TopicConfig{TopicName: name, ReadQueueNums: int32(4 + i), WriteQueueNums: int32(8 + i), Perm: 6,
			TopicFilterType: SingleTag, TopicSysFlag: int32(i % 3), Order: i%2 == 0}
		if i == 3 {
			tc.TopicFilterType = MultiTag
		}
		b.TopicConfigSerializeWrapper.TopicConfigTable[name] = tc
	}
	return b
}

// Java's RegisterBrokerBody.encode(false) and encode(true) of javaRegisterBody() (see the note on
// vectors in route_test.go).
const javaRegisterPlain = `{"filterServerList":["fs1:1","fs2:2"],"topicConfigSerializeWrapper":{"dataVersion":{"counter":7,"timestamp":1795587237648},"topicConfigTable":{` +
	`"SCHEDULE_TOPIC_XXXX":{"order":true,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"SCHEDULE_TOPIC_XXXX","topicSysFlag":0,"writeQueueNums":8},` +
	`"GoldenBinTopic":{"order":false,"perm":6,"readQueueNums":5,"topicFilterType":"SINGLE_TAG","topicName":"GoldenBinTopic","topicSysFlag":1,"writeQueueNums":9},` +
	`"SELF_TEST_TOPIC":{"order":true,"perm":6,"readQueueNums":6,"topicFilterType":"SINGLE_TAG","topicName":"SELF_TEST_TOPIC","topicSysFlag":2,"writeQueueNums":10},` +
	`"SmokeTopic":{"order":false,"perm":6,"readQueueNums":7,"topicFilterType":"MULTI_TAG","topicName":"SmokeTopic","topicSysFlag":0,"writeQueueNums":11},` +
	`"GoldenTopic":{"order":true,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"GoldenTopic","topicSysFlag":1,"writeQueueNums":12},` +
	`"DefaultCluster":{"order":false,"perm":6,"readQueueNums":9,"topicFilterType":"SINGLE_TAG","topicName":"DefaultCluster","topicSysFlag":2,"writeQueueNums":13},` +
	`"DefaultCluster_REPLY_TOPIC":{"order":true,"perm":6,"readQueueNums":10,"topicFilterType":"SINGLE_TAG","topicName":"DefaultCluster_REPLY_TOPIC","topicSysFlag":0,"writeQueueNums":14},` +
	`"RMQ_SYS_TRANS_HALF_TOPIC":{"order":false,"perm":6,"readQueueNums":11,"topicFilterType":"SINGLE_TAG","topicName":"RMQ_SYS_TRANS_HALF_TOPIC","topicSysFlag":1,"writeQueueNums":15},` +
	`"broker-a":{"order":true,"perm":6,"readQueueNums":12,"topicFilterType":"SINGLE_TAG","topicName":"broker-a","topicSysFlag":2,"writeQueueNums":16},` +
	`"TBW102":{"order":false,"perm":6,"readQueueNums":13,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":17},` +
	`"GoldenGoTopic":{"order":true,"perm":6,"readQueueNums":14,"topicFilterType":"SINGLE_TAG","topicName":"GoldenGoTopic","topicSysFlag":1,"writeQueueNums":18},` +
	`"BenchmarkTest":{"order":false,"perm":6,"readQueueNums":15,"topicFilterType":"SINGLE_TAG","topicName":"BenchmarkTest","topicSysFlag":2,"writeQueueNums":19},` +
	`"OFFSET_MOVED_EVENT":{"order":true,"perm":6,"readQueueNums":16,"topicFilterType":"SINGLE_TAG","topicName":"OFFSET_MOVED_EVENT","topicSysFlag":0,"writeQueueNums":20}}}}`

const javaRegisterCompressedBase64 = "eNplkV1rwjAUhvsHdrHLIWNnYWMXU/BU+2Hv/Ii10Koz0U3GCJ2rTLSt1Hol++9LqLtYDIQQznPe982JYRhPJ7LKj1mZFMRz6qTcpMmhjNM98dDpWJbrmC3Hbrs/hmFcyf08i14EWzLBZ90xE6NuOBR8Mg36gAhogQ0sGPshFbzrSxx6Sbb6TuNiy6WsArCjM4+T4ZBRLqLJgg4EXdAxB7TBbOrgDe+9YtMEbAE6evGeURWFMn7OYwNeKMAgWcfHXdnfHQ/yxdBRWhpz5+e7ryTrbTKe7zcrsOAi8QPrj+hgru7KSrzJBW1wda7x307M6DRc/o2rCdjWG2qfRb5NikYMaKoZ6PGraH5eJZP9eOFZY6mUqABHfYoN0Tzkwbl8W0lUdVfZaP3X72R9QA9JXZ6mZ5KPXxFKjiU="

// javaRegisterInflated is what javaRegisterCompressedBase64 inflates to: the chunks of the
// compressed layout, topics in the order of a default ConcurrentHashMap (the copy Java makes).
var javaRegisterInflated = lengthPrefixed(
	`{"counter":7,"timestamp":1795587237648}`, 13,
	"RMQ_SYS_TRANS_HALF_TOPIC 11 15 6 SINGLE_TAG",
	"BenchmarkTest 15 19 6 SINGLE_TAG",
	"OFFSET_MOVED_EVENT 16 20 6 SINGLE_TAG",
	"TBW102 13 17 6 SINGLE_TAG",
	"SELF_TEST_TOPIC 6 10 6 SINGLE_TAG",
	"DefaultCluster 9 13 6 SINGLE_TAG",
	"GoldenBinTopic 5 9 6 SINGLE_TAG",
	"SCHEDULE_TOPIC_XXXX 4 8 6 SINGLE_TAG",
	"DefaultCluster_REPLY_TOPIC 10 14 6 SINGLE_TAG",
	"broker-a 12 16 6 SINGLE_TAG",
	"GoldenGoTopic 14 18 6 SINGLE_TAG",
	"SmokeTopic 7 11 6 MULTI_TAG",
	"GoldenTopic 8 12 6 SINGLE_TAG",
	`["fs1:1","fs2:2"]`)

// lengthPrefixed builds the compressed layout: strings become int32 length + bytes, ints become
// a bare int32.
func lengthPrefixed(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = binary.BigEndian.AppendUint32(out, uint32(len(v)))
			out = append(out, v...)
		case int:
			out = binary.BigEndian.AppendUint32(out, uint32(v))
		}
	}
	return out
}

func deflate(t testing.TB, raw []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, err := zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func inflate(t *testing.T, data []byte) []byte {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	return raw
}

// withoutCompressionLosses drops what the compressed layout does not carry.
func withoutCompressionLosses(b *RegisterBrokerBody) *RegisterBrokerBody {
	out := *b
	out.TopicConfigSerializeWrapper.TopicConfigTable = map[string]TopicConfig{}
	for name, tc := range b.TopicConfigSerializeWrapper.TopicConfigTable {
		tc.TopicSysFlag, tc.Order = 0, false
		out.TopicConfigSerializeWrapper.TopicConfigTable[name] = tc
	}
	return &out
}

func TestRegisterBrokerBodyMatchesJava(t *testing.T) {
	plain, err := javaRegisterBody().Encode(false)
	require.NoError(t, err)
	require.Equal(t, javaRegisterPlain, string(plain))
	require.Equal(t, int32(909697172), BodyCRC32(plain), "UtilAll.crc32 of the Java body")

	decoded, err := DecodeRegisterBrokerBody([]byte(javaRegisterPlain), false)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(javaRegisterBody(), decoded))

	// Deflaters differ, so compare what the streams carry.
	compressed, err := javaRegisterBody().Encode(true)
	require.NoError(t, err)
	require.Equal(t, javaRegisterInflated, inflate(t, compressed))
	javaCompressed, err := base64.StdEncoding.DecodeString(javaRegisterCompressedBase64)
	require.NoError(t, err)
	require.Equal(t, javaRegisterInflated, inflate(t, javaCompressed))

	decoded, err = DecodeRegisterBrokerBody(javaCompressed, true)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(withoutCompressionLosses(javaRegisterBody()), decoded))
}

func TestRegisterBrokerBodyRoundTrips(t *testing.T) {
	for _, b := range []*RegisterBrokerBody{
		javaRegisterBody(),
		{TopicConfigSerializeWrapper: TopicConfigSerializeWrapper{TopicConfigTable: map[string]TopicConfig{}}},
		{TopicConfigSerializeWrapper: TopicConfigSerializeWrapper{
			TopicConfigTable: map[string]TopicConfig{"T\u00e9": NewTopicConfig("T\u00e9")},
			DataVersion:      DataVersion{Timestamp: -1, Counter: 1 << 62},
		}, FilterServerList: []string{"f"}},
	} {
		for _, compressed := range []bool{false, true} {
			data, err := b.Encode(compressed)
			require.NoError(t, err)
			got, err := DecodeRegisterBrokerBody(data, compressed)
			require.NoError(t, err)
			want := b
			if compressed {
				want = withoutCompressionLosses(b)
			}
			require.Empty(t, cmp.Diff(want, got, cmpopts.EquateEmpty()), "compressed=%v", compressed)
		}
	}
}

func TestRegisterBrokerBodyCompressedRefusesWhatItCannotCarry(t *testing.T) {
	for _, tc := range []TopicConfig{
		{TopicName: "", TopicFilterType: SingleTag},
		{TopicName: "a b", TopicFilterType: SingleTag},
		{TopicName: "t", TopicFilterType: ""},
		{TopicName: "t", TopicFilterType: "OTHER"},
	} {
		b := &RegisterBrokerBody{TopicConfigSerializeWrapper: TopicConfigSerializeWrapper{
			TopicConfigTable: map[string]TopicConfig{"k": tc}}}
		_, err := b.Encode(true)
		require.Error(t, err, "%+v", tc)
		_, err = b.Encode(false)
		require.NoError(t, err)
	}
}

func TestDecodeRegisterBrokerBodyDefaults(t *testing.T) {
	// Missing TopicConfig fields take Java's constructor defaults, not zero.
	b, err := DecodeRegisterBrokerBody([]byte(`{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicName":"T","perm":"2"}}}}`), false)
	require.NoError(t, err)
	require.Equal(t, TopicConfig{TopicName: "T", ReadQueueNums: 16, WriteQueueNums: 16, Perm: PermWrite,
		TopicFilterType: SingleTag}, b.TopicConfigSerializeWrapper.TopicConfigTable["T"])
	require.Nil(t, b.FilterServerList)

	b, err = DecodeRegisterBrokerBody([]byte(`{}`), false)
	require.NoError(t, err)
	require.Empty(t, b.TopicConfigSerializeWrapper.TopicConfigTable)
	require.Zero(t, b.TopicConfigSerializeWrapper.DataVersion)

	b, err = DecodeRegisterBrokerBody([]byte(`{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicFilterType":1,"order":"true"}}}}`), false)
	require.NoError(t, err)
	require.Equal(t, MultiTag, b.TopicConfigSerializeWrapper.TopicConfigTable["T"].TopicFilterType)
	require.True(t, b.TopicConfigSerializeWrapper.TopicConfigTable["T"].Order)
}

func TestRegisterBrokerCompressedErrors(t *testing.T) {
	version := `{"counter":1,"timestamp":2}`
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"JSON, not zlib", []byte(javaRegisterPlain)},
		{"raw deflate without the zlib header", []byte{0x03, 0x00}},
		{"truncated stream", deflate(t, lengthPrefixed(version, 1, "T 1 1 6 SINGLE_TAG", "[]"))[:20]},
		{"version not JSON", deflate(t, lengthPrefixed("counter=1", 0, "[]"))},
		{"negative length", deflate(t, lengthPrefixed(version, 1, -1))},
		{"length beyond the data", deflate(t, lengthPrefixed(version, 1, 100, "short"))},
		{"four fields", deflate(t, lengthPrefixed(version, 1, "T 1 1 SINGLE_TAG", "[]"))},
		{"two spaces", deflate(t, lengthPrefixed(version, 1, "T  1 1 6 SINGLE_TAG", "[]"))},
		{"not a number", deflate(t, lengthPrefixed(version, 1, "T 1 x 6 SINGLE_TAG", "[]"))},
		{"unknown filter type", deflate(t, lengthPrefixed(version, 1, "T 1 1 6 NO_TAG", "[]"))},
		{"no filter server list", deflate(t, lengthPrefixed(version, 0))},
		{"claims more than the limit", deflate(t, lengthPrefixed(version, 1, MaxInflatedRegisterBrokerBody))},
	} {
		_, err := DecodeRegisterBrokerBody(tc.data, true)
		require.Error(t, err, tc.name)
	}
}

func TestRegisterBrokerCompressedLeniency(t *testing.T) {
	// Java's String.split drops a trailing space, ignores data after the filter list, takes a
	// negative topic count as none, and registers without filter servers when their list is bad.
	data := deflate(t, append(lengthPrefixed(`{"counter":1,"timestamp":2}`, 2, "T 1 +2 6 SINGLE_TAG ", "U 3 4 7 MULTI_TAG", "not json"), "junk"...))
	b, err := DecodeRegisterBrokerBody(data, true)
	require.NoError(t, err)
	require.Equal(t, map[string]TopicConfig{
		"T": {TopicName: "T", ReadQueueNums: 1, WriteQueueNums: 2, Perm: 6, TopicFilterType: SingleTag},
		"U": {TopicName: "U", ReadQueueNums: 3, WriteQueueNums: 4, Perm: 7, TopicFilterType: MultiTag},
	}, b.TopicConfigSerializeWrapper.TopicConfigTable)
	require.Equal(t, DataVersion{Timestamp: 2, Counter: 1}, b.TopicConfigSerializeWrapper.DataVersion)
	require.Nil(t, b.FilterServerList)

	b, err = DecodeRegisterBrokerBody(deflate(t, lengthPrefixed(`{}`, -5, `["f"]`)), true)
	require.NoError(t, err)
	require.Empty(t, b.TopicConfigSerializeWrapper.TopicConfigTable)
	require.Equal(t, []string{"f"}, b.FilterServerList)
}

// TestDecodeCompressedDoesNotTrustLengths feeds length words that claim far more than the
// stream holds and checks that decoding fails without allocating what they claim.
func TestRegisterBrokerCompressedDoesNotTrustLengths(t *testing.T) {
	for _, claim := range []int{1 << 20, MaxInflatedRegisterBrokerBody - 100} {
		data := deflate(t, lengthPrefixed(`{"counter":1,"timestamp":2}`, 1, claim, "tiny"))
		allocated := bytesAllocated(func() {
			_, err := DecodeRegisterBrokerBody(data, true)
			require.Error(t, err)
		})
		require.Less(t, allocated, uint64(256<<10), "claim %d", claim)
	}
	// A topic count of two billion costs nothing either: entries are read as they come.
	data := deflate(t, lengthPrefixed(`{"counter":1,"timestamp":2}`, 1<<31-1, "T 1 1 6 SINGLE_TAG"))
	allocated := bytesAllocated(func() {
		_, err := DecodeRegisterBrokerBody(data, true)
		require.Error(t, err)
	})
	require.Less(t, allocated, uint64(256<<10))
}

func TestRegisterBrokerCompressedStopsAtTheLimit(t *testing.T) {
	// A deflate bomb with honest lengths: 40 valid topics with 1 MiB names.
	parts := []any{`{"counter":1,"timestamp":2}`, 40}
	line := strings.Repeat("a", 1<<20) + " 1 1 6 SINGLE_TAG"
	for range 40 {
		parts = append(parts, line)
	}
	data := deflate(t, lengthPrefixed(append(parts, "[]")...))
	require.Less(t, len(data), 256<<10)
	_, err := DecodeRegisterBrokerBody(data, true)
	require.ErrorContains(t, err, "inflates to more than")
}

func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDecodeRegisterBrokerBodyRejectsJunk(t *testing.T) {
	for _, in := range []string{
		``,
		`null`,
		`{"topicConfigSerializeWrapper":[]}`,
		`{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"perm":1e99}}}}`,
		`{"topicConfigSerializeWrapper":{"dataVersion":{"counter":"many"}}}`,
		`{"filterServerList":[{}]}`,
		`{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicFilterType":9}}}}`,
	} {
		_, err := DecodeRegisterBrokerBody([]byte(in), false)
		require.Error(t, err, "%q", in)
	}
}

func TestRegisterBrokerBodyCRC32(t *testing.T) {
	require.Equal(t, int32(0), BodyCRC32(nil))
	require.Equal(t, int32(0), BodyCRC32([]byte{}))
	// IEEE CRC-32 of "123456789" is 0xCBF43926; Java clears the top bit.
	require.Equal(t, int32(0x4BF43926), BodyCRC32([]byte("123456789")))
}
