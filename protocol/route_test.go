package protocol

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/internal/javamap"
)

// The "java" vectors in these tests were written by the real thing: rocketmq-common 4.9.7 with
// its fastjson 1.2.69_noneautotype on OpenJDK 17 (RemotingSerializable.encode, and for standard
// route JSON the features the name server passes), from objects built like the Go values beside
// them. javaTricky exercises every escaping rule; it is factored out of the vectors, as it
// appears in them, to keep them readable.
const javaTricky = "b/\u00e9\u2028\U0001F600\u0001\u000b\u007f\u0085\u00a0\t\"\\<>\u0000\u001f\u2029\uffff"

const (
	// fastjson's default writer: C0 and C1 controls, U+2028/9 escaped, other text raw.
	javaTrickyPlain = `b/` + "\u00e9" + `\u2028` + "\U0001F600" + `\u0001\u000B\u007F\u0085` + "\u00a0" +
		`\t\"\\<>\u0000\u001F\u2029` + "\uffff"
	// BrowserCompatible: '/' escaped and every UTF-16 unit from U+007F up as \uXXXX.
	javaTrickyStandard = `b\/\u00E9\u2028\uD83D\uDE00\u0001\u000B\u007F\u0085\u00A0\t\"\\<>\u0000\u001F\u2029\uFFFF`
)

func withTricky(vector, escaped string) string { return strings.ReplaceAll(vector, "TRICKY", escaped) }

const javaRoutePlain = `{"brokerDatas":[{"brokerAddrs":{4:"10.0.0.2:10911",3:"10.0.0.1:10911"},"brokerName":"TRICKY",` +
	`"cluster":"TRICKY"},{"brokerAddrs":{0:"a:1",1:"b:2",17:"d:4",9007199254740993:"big",2:"c:3"},` +
	`"brokerName":"broker-b","cluster":"c"}],"filterServerTable":{"10.0.0.1:10911":[],"TRICKY":["TRICKY"],` +
	`"10.0.0.2:10911":["f1:1","f2:2"]},"orderTopicConf":"broker-a:4;TRICKY","queueDatas":[{"brokerName":"TRICKY",` +
	`"perm":6,"readQueueNums":4,"topicSysFlag":1,"writeQueueNums":8},{"brokerName":"broker-b","perm":2,` +
	`"readQueueNums":0,"topicSysFlag":0,"writeQueueNums":2}]}`

const javaRouteStandard = `{"brokerDatas":[{"brokerAddrs":{"3":"10.0.0.1:10911","4":"10.0.0.2:10911"},"brokerName":"TRICKY",` +
	`"cluster":"TRICKY"},{"brokerAddrs":{"0":"a:1","1":"b:2","2":"c:3","17":"d:4","9007199254740993":"big"},` +
	`"brokerName":"broker-b","cluster":"c"}],"filterServerTable":{"10.0.0.1:10911":[],"10.0.0.2:10911":["f1:1","f2:2"],` +
	`"TRICKY":["TRICKY"]},"orderTopicConf":"broker-a:4;TRICKY","queueDatas":[{"brokerName":"TRICKY",` +
	`"perm":6,"readQueueNums":4,"topicSysFlag":1,"writeQueueNums":8},{"brokerName":"broker-b","perm":2,` +
	`"readQueueNums":0,"topicSysFlag":0,"writeQueueNums":2}]}`

func trickyRoute() *TopicRouteData {
	return &TopicRouteData{
		OrderTopicConf: "broker-a:4;" + javaTricky,
		QueueDatas: []QueueData{
			{BrokerName: javaTricky, Perm: 6, ReadQueueNums: 4, WriteQueueNums: 8, TopicSysFlag: 1},
			{BrokerName: "broker-b", Perm: 2, WriteQueueNums: 2},
		},
		BrokerDatas: []BrokerData{
			{Cluster: javaTricky, BrokerName: javaTricky, BrokerAddrs: map[int64]string{3: "10.0.0.1:10911", 4: "10.0.0.2:10911"}},
			{Cluster: "c", BrokerName: "broker-b", BrokerAddrs: map[int64]string{
				0: "a:1", 1: "b:2", 2: "c:3", 17: "d:4", 9007199254740993: "big"}},
		},
		FilterServerTable: map[string][]string{
			"10.0.0.2:10911": {"f1:1", "f2:2"},
			"10.0.0.1:10911": {},
			javaTricky:       {javaTricky},
		},
	}
}

func TestRouteEncodeMatchesJava(t *testing.T) {
	for _, tc := range []struct {
		name     string
		standard bool
		want     string
	}{
		{"plain", false, withTricky(javaRoutePlain, javaTrickyPlain)},
		{"standard", true, withTricky(javaRouteStandard, javaTrickyStandard)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, string(trickyRoute().Encode(tc.standard)))

			decoded, err := DecodeTopicRouteData([]byte(tc.want))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(trickyRoute(), decoded))
		})
	}
}

// headerOf returns a golden frame's header version and extFields, from either serialization.
func headerOf(t *testing.T, f golden.Frame) (int32, map[string]string) {
	t.Helper()
	raw := f.HeaderJSON
	if len(raw) == 0 {
		raw = f.HeaderDecoded
	}
	var h struct {
		Version   int32             `json:"version"`
		ExtFields map[string]string `json:"extFields"`
	}
	require.NoError(t, json.Unmarshal(raw, &h), f.Name())
	return h.Version, h.ExtFields
}

// TestGoldenRouteBodies re-encodes every route the real name server sent, choosing the
// encoding from the request as the name server does, and requires the same bytes.
func TestGoldenRouteBodies(t *testing.T) {
	frames := golden.Load(t)
	seen := map[bool]int{}
	for _, resp := range frames {
		if !strings.HasSuffix(resp.Case, "-route") || resp.Kind != "response" {
			continue
		}
		var req *golden.Frame
		for i := range frames {
			if frames[i].Case == resp.Case && frames[i].Kind == "request" && frames[i].Opaque == resp.Opaque {
				req = &frames[i]
			}
		}
		require.NotNil(t, req, "no request for %s", resp.Name())
		t.Run(resp.Name(), func(t *testing.T) {
			version, ext := headerOf(t, *req)
			standard := WantsStandardRouteJSON(version, ext["acceptStandardJsonOnly"] == "true")
			seen[standard]++

			route, err := DecodeTopicRouteData(resp.Body())
			require.NoError(t, err)
			require.Len(t, route.BrokerDatas, 1)
			require.Equal(t, "broker-a", route.BrokerDatas[0].BrokerName)
			require.Equal(t, "DefaultCluster", route.BrokerDatas[0].Cluster)
			addr, ok := route.BrokerDatas[0].MasterAddr()
			require.True(t, ok)
			require.Equal(t, "127.0.0.1:20911", addr)
			require.Len(t, route.QueueDatas, 1)
			require.True(t, IsWriteable(route.QueueDatas[0].Perm))

			require.Equal(t, string(resp.Body()), string(route.Encode(standard)))
			form, known := RouteJSONForm(resp.Body())
			require.True(t, known)
			require.Equal(t, standard, form, "the body tells its form as the request did")
		})
	}
	require.Positive(t, seen[true], "no golden route in standard JSON")
	require.Positive(t, seen[false], "no golden route with bare keys")
}

func TestWantsStandardRouteJSON(t *testing.T) {
	for _, tc := range []struct {
		version int32
		accept  bool
		want    bool
	}{
		{317, false, false}, // official Go client v2.1.2
		{317, true, true},
		{400, false, false}, // V4_9_4_SNAPSHOT
		{401, false, true},  // V4_9_4
		{407, false, true},  // V4_9_7, the Java client of the golden frames
	} {
		require.Equal(t, tc.want, WantsStandardRouteJSON(tc.version, tc.accept), "%+v", tc)
	}
}

func TestRouteJSONForm(t *testing.T) {
	for _, tc := range []struct {
		name            string
		body            string
		standard, known bool
	}{
		{"plain", javaRoutePlain, false, true},
		{"standard", javaRouteStandard, true, true},
		{"negative id, spaces", `{"brokerDatas":[{"brokerAddrs":{ -1:"a"}}]}`, false, true},
		{"first brokers empty", `{"brokerDatas":[{"brokerAddrs":{}},{"brokerAddrs":{"0":"a"}}]}`, true, true},
		{"no brokers", `{"brokerDatas":[],"queueDatas":[]}`, false, false},
		{"empty addresses only", `{"brokerDatas":[{"brokerAddrs":{}}]}`, false, false},
		{"the key inside a name", `{"brokerDatas":[{"brokerName":"x\"brokerAddrs\":{\"0"}]}`, false, false},
		{"cut short", `{"brokerDatas":[{"brokerAddrs":{`, false, false},
		{"not a route", `junk`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			standard, known := RouteJSONForm([]byte(tc.body))
			require.Equal(t, tc.known, known)
			require.Equal(t, tc.standard, standard)
		})
	}
}

func TestRouteStringEscaping(t *testing.T) {
	for _, tc := range []struct {
		in, plain, standard string
	}{
		{"plain ascii", `"plain ascii"`, `"plain ascii"`},
		{"a/b", `"a/b"`, `"a\/b"`},
		{"\u00e9", "\"\u00e9\"", `"\u00E9"`},
		{"\U0001F600", "\"\U0001F600\"", `"\uD83D\uDE00"`},
		{"\x01\x0b\x1f", `"\u0001\u000B\u001F"`, `"\u0001\u000B\u001F"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`, `"\b\f\n\r\t"`},
		{"\x7f\u0080\u009f\u00a0", "\"\\u007F\\u0080\\u009F\u00a0\"", `"\u007F\u0080\u009F\u00A0"`},
		{"\u2028\u2029", `"\u2028\u2029"`, `"\u2028\u2029"`},
		{`"\`, `"\"\\"`, `"\"\\"`},
		{"<>'", `"<>'"`, `"<>'"`},
		// Bytes that are not UTF-8 reach Java as U+FFFD.
		{"a\xffb", "\"a\uFFFDb\"", `"a\uFFFDb"`},
	} {
		for _, standard := range []bool{false, true} {
			w := &fjWriter{browserCompatible: standard}
			w.string(tc.in)
			want := tc.plain
			if standard {
				want = tc.standard
			}
			require.Equal(t, want, string(w.buf), "%q standard=%v", tc.in, standard)

			r := &fjReader{src: w.buf}
			back, err := r.str()
			require.NoError(t, err)
			require.Equal(t, strings.ToValidUTF8(tc.in, "\uFFFD"), back)
		}
	}
}

// TestBrokerAddrsOrder pins fastjson's map order: the name server answers with HashMap clones
// presized from their count (a table of 4 for two entries puts id 4 before id 3); standard JSON
// sorts by id.
func TestRouteBrokerAddrsOrder(t *testing.T) {
	route := &TopicRouteData{BrokerDatas: []BrokerData{{BrokerName: "b", Cluster: "c",
		BrokerAddrs: map[int64]string{3: "x:3", 4: "x:4"}}}}
	require.Contains(t, string(route.Encode(false)), `{"brokerAddrs":{4:"x:4",3:"x:3"}`)
	require.Contains(t, string(route.Encode(true)), `{"brokerAddrs":{"3":"x:3","4":"x:4"}`)

	route.BrokerDatas[0].BrokerAddrs = map[int64]string{2: "x:2", 0: "x:0", 1: "x:1"}
	require.Contains(t, string(route.Encode(false)), `{"brokerAddrs":{0:"x:0",1:"x:1",2:"x:2"}`)
}

func TestRouteEncodeEmpty(t *testing.T) {
	require.Equal(t, `{"brokerDatas":[],"filterServerTable":{},"queueDatas":[]}`, string((&TopicRouteData{}).Encode(false)))
	require.Equal(t, `{"brokerDatas":[],"filterServerTable":{},"queueDatas":[]}`, string((&TopicRouteData{}).Encode(true)))
}

func TestDecodeTopicRouteDataLenient(t *testing.T) {
	oneBroker := &TopicRouteData{
		QueueDatas:  []QueueData{{BrokerName: "b", Perm: 6, ReadQueueNums: 4, WriteQueueNums: 4}},
		BrokerDatas: []BrokerData{{BrokerName: "b", Cluster: "c", BrokerAddrs: map[int64]string{0: "x"}}},
	}
	for _, tc := range []struct {
		name string
		in   string
		want *TopicRouteData
	}{
		{"unquoted and single-quoted, strings for numbers, trailing comma (all accepted by fastjson)",
			`{brokerDatas:[{brokerAddrs:{0:'x'},brokerName:'b',cluster:'c'}],queueDatas:[{brokerName:'b',perm:'6',readQueueNums:4,writeQueueNums:4,topicSysFlag:0}],}`,
			oneBroker},
		{"whitespace everywhere",
			" {\n\t\"brokerDatas\" : [ { \"brokerAddrs\" : { 0 : \"x\" } , \"brokerName\" : \"b\" , \"cluster\" : \"c\" } ] ,\r\n" +
				" \"queueDatas\" : [ { \"brokerName\" : \"b\" , \"perm\" : 6 , \"readQueueNums\" : 4 , \"writeQueueNums\" : 4 } ] } \n",
			oneBroker},
		{"unknown fields of every shape, including fastjson's object-valued map keys",
			`{"future":{"a":[1,2,{"b":null}],{"topic":"T","queueId":1}:5},"brokerDatas":[{"brokerAddrs":{"0":"x"},"brokerName":"b","cluster":"c","zone":"z"}],` +
				`"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":4,"writeQueueNums":4,"extra":true}],"x":-1.5e3,"y":false}`,
			oneBroker},
		{"nulls read as absent",
			`{"brokerDatas":[{"brokerAddrs":{"-1":"x"},"brokerName":null}],"queueDatas":null,"orderTopicConf":null,"filterServerTable":null}`,
			&TopicRouteData{BrokerDatas: []BrokerData{{BrokerAddrs: map[int64]string{-1: "x"}}}}},
		{"fastjson's number casts: a fraction is cut, true is 1, a number may fill a string",
			`{"queueDatas":[{"brokerName":12,"perm":6.0,"readQueueNums":true,"writeQueueNums":"4"}]}`,
			&TopicRouteData{QueueDatas: []QueueData{{BrokerName: "12", Perm: 6, ReadQueueNums: 1, WriteQueueNums: 4}}}},
		{"fastjson escapes beyond JSON",
			`{"orderTopicConf":"\x41\'\v\/\uD83D\uDE00\uD800"}`,
			&TopicRouteData{OrderTopicConf: "A'\v/\U0001F600\uFFFD"}},
		{"order conf and filter servers",
			`{"orderTopicConf":"b:4","filterServerTable":{"x":["f1","f2"]}}`,
			&TopicRouteData{OrderTopicConf: "b:4", FilterServerTable: map[string][]string{"x": {"f1", "f2"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTopicRouteData([]byte(tc.in))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.want, got, cmpopts.EquateEmpty()))
		})
	}
}

func TestDecodeTopicRouteDataRejectsJunk(t *testing.T) {
	for _, in := range []string{
		``,
		`   `,
		`null`,
		`[]`,
		`"route"`,
		`{`,
		`{"queueDatas":[}`,
		`{"queueDatas":[{"perm":"x"}]}`,
		`{"queueDatas":[{"perm":99999999999}]}`, // fastjson: parseInt error
		`{"brokerDatas":[{"brokerAddrs":{abc:"x"}}]}`, // fastjson: parseLong error
		`{"brokerDatas":{}}`,
		`{"orderTopicConf":"unterminated}`,
		`{"orderTopicConf":"bad \q escape"}`,
		`{"orderTopicConf":"\u12"}`,
		`{"orderTopicConf":{}}`,
		`{} trailing`,
		`{"a" 1}`,
		`{"a":1 "b":2}`,
		`{"a":nope}`,
		`{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	} {
		_, err := DecodeTopicRouteData([]byte(in))
		require.Error(t, err, "%q", in)
	}
}

func TestRouteEqualAndChanged(t *testing.T) {
	base := func() *TopicRouteData {
		return &TopicRouteData{
			QueueDatas: []QueueData{
				{BrokerName: "broker-a", Perm: 6, ReadQueueNums: 4, WriteQueueNums: 4},
				{BrokerName: "broker-b", Perm: 6, ReadQueueNums: 4, WriteQueueNums: 4},
			},
			BrokerDatas: []BrokerData{
				{Cluster: "c", BrokerName: "broker-a", BrokerAddrs: map[int64]string{0: "a:1"}},
				{Cluster: "c", BrokerName: "broker-b", BrokerAddrs: map[int64]string{0: "b:1"}},
			},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(d *TopicRouteData)
		equal  bool
	}{
		{"same", func(*TopicRouteData) {}, true},
		{"lists in another order", func(d *TopicRouteData) {
			d.QueueDatas[0], d.QueueDatas[1] = d.QueueDatas[1], d.QueueDatas[0]
			d.BrokerDatas[0], d.BrokerDatas[1] = d.BrokerDatas[1], d.BrokerDatas[0]
		}, true},
		{"cluster name is not compared, as in Java", func(d *TopicRouteData) { d.BrokerDatas[0].Cluster = "other" }, true},
		{"nil and empty filter table", func(d *TopicRouteData) { d.FilterServerTable = map[string][]string{} }, true},
		{"perm", func(d *TopicRouteData) { d.QueueDatas[1].Perm = 4 }, false},
		{"queue count", func(d *TopicRouteData) { d.QueueDatas[0].WriteQueueNums = 8 }, false},
		{"a broker less", func(d *TopicRouteData) { d.BrokerDatas = d.BrokerDatas[:1] }, false},
		{"new master address", func(d *TopicRouteData) { d.BrokerDatas[1].BrokerAddrs = map[int64]string{0: "b:2"} }, false},
		{"slave added", func(d *TopicRouteData) { d.BrokerDatas[1].BrokerAddrs[1] = "b:3" }, false},
		{"order conf", func(d *TopicRouteData) { d.OrderTopicConf = "broker-a:4" }, false},
		{"filter servers", func(d *TopicRouteData) { d.FilterServerTable = map[string][]string{"a:1": {"f"}} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := base()
			tc.change(now)
			require.Equal(t, tc.equal, base().Equal(now))
			require.Equal(t, tc.equal, now.Equal(base()))
			require.Equal(t, !tc.equal, RouteChanged(base(), now))
		})
	}
	require.True(t, RouteChanged(nil, base()))
	require.True(t, RouteChanged(base(), nil))
	require.True(t, (*TopicRouteData)(nil).Equal(nil))
	require.False(t, base().Equal(nil))
}

func TestRouteCloneIsDeep(t *testing.T) {
	orig := trickyRoute()
	c := orig.Clone()
	require.Empty(t, cmp.Diff(orig, c))
	c.QueueDatas[0].Perm = 0
	c.BrokerDatas[0].BrokerAddrs[0] = "new"
	c.FilterServerTable["10.0.0.2:10911"][0] = "changed"
	require.Empty(t, cmp.Diff(trickyRoute(), orig))
	require.Nil(t, (*TopicRouteData)(nil).Clone())
}

func TestRoutePermBits(t *testing.T) {
	for _, tc := range []struct {
		perm                 int32
		read, write, inherit bool
		text                 string
	}{
		{0, false, false, false, "---"},
		{PermRead, true, false, false, "R--"},
		{PermWrite, false, true, false, "-W-"},
		{PermRead | PermWrite, true, true, false, "RW-"},
		{PermRead | PermWrite | PermInherit, true, true, true, "RWX"},
		{PermPriority | PermRead | PermWrite, true, true, false, "RW-"},
		{PermInherit, false, false, true, "--X"},
	} {
		require.Equal(t, tc.read, IsReadable(tc.perm), tc.perm)
		require.Equal(t, tc.write, IsWriteable(tc.perm), tc.perm)
		require.Equal(t, tc.inherit, IsInherited(tc.perm), tc.perm)
		require.Equal(t, tc.text, PermString(tc.perm), tc.perm)
	}
	require.Equal(t, int32(6), PermRead|PermWrite)
}

func TestRouteParseOrderTopicConf(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []OrderTopicQueues
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "brokerA:4;brokerB:8", want: []OrderTopicQueues{{"brokerA", 4}, {"brokerB", 8}}},
		{in: "brokerA:4;", want: []OrderTopicQueues{{"brokerA", 4}}},
		{in: "brokerA:4:ignored", want: []OrderTopicQueues{{"brokerA", 4}}},
		{in: "brokerA:0", want: []OrderTopicQueues{{"brokerA", 0}}},
		{in: ";;", want: []OrderTopicQueues{}},
		{in: "brokerA", wantErr: true},
		{in: "brokerA:", wantErr: true},
		{in: "brokerA:x", wantErr: true},
		{in: "brokerA:-1", wantErr: true},
		{in: ";brokerA:4", wantErr: true},
		{in: "brokerA:99999999999", wantErr: true},
	} {
		got, err := ParseOrderTopicConf(tc.in)
		if tc.wantErr {
			require.Error(t, err, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
	conf := []OrderTopicQueues{{"broker-a", 4}, {"broker-b", 8}}
	require.Equal(t, "broker-a:4;broker-b:8", FormatOrderTopicConf(conf))
	back, err := ParseOrderTopicConf(FormatOrderTopicConf(conf))
	require.NoError(t, err)
	require.Equal(t, conf, back)
}

func TestBodiesJavaHashMapOrder(t *testing.T) {
	// Orders computed from java.lang.String.hashCode and HashMap's bucket rule, and seen in the
	// Java ClusterInfo vector (cluster_test.go) for the 128-entry table.
	require.Equal(t, []string{"broker-b", "broker-c", "broker-a"},
		JavaHashMapOrder([]string{"broker-a", "broker-b", "broker-c"}, 16))
	require.Equal(t, []string{"broker-d", "broker-e", "broker-b", "broker-c", "broker-a"},
		JavaHashMapOrder([]string{"broker-a", "broker-b", "broker-c", "broker-d", "broker-e"}, 128))
	// "Aa" and "BB" share a hash code: within a bucket Java keeps insertion order.
	require.Equal(t, []string{"BB", "Aa"}, JavaHashMapOrder([]string{"BB", "Aa"}, 16))
	require.Equal(t, []string{"Aa", "BB"}, JavaHashMapOrder([]string{"Aa", "BB"}, 16))
	// The table grows past three quarters full, which moves keys to other buckets.
	require.Equal(t, 16, javamap.HashMapTableSize(16, 12))
	require.Equal(t, 32, javamap.HashMapTableSize(16, 13))
	require.Equal(t, 16, javamap.ConcurrentHashMapTableSize(0, 11))
	require.Equal(t, 32, javamap.ConcurrentHashMapTableSize(0, 12))
	require.Equal(t, 2048, javamap.ConcurrentHashMapTableSize(1024, 1535))
	require.Equal(t, 4096, javamap.ConcurrentHashMapTableSize(1024, 1536))
	require.Equal(t, 2, javamap.HashMapCloneTableSize(1))
	require.Equal(t, 4, javamap.HashMapCloneTableSize(2))
	require.Equal(t, 8, javamap.HashMapCloneTableSize(3))
}

func TestBodiesJavaStringOrderAndHash(t *testing.T) {
	require.Equal(t, int32(2598919), javamap.HashCode("TagA"))
	require.Equal(t, javamap.HashCode("Aa"), javamap.HashCode("BB"))
	require.Equal(t, int32(0), javamap.HashCode(""))
	// Java compares UTF-16 units: U+1F600 (high surrogate 0xD83D) sorts before U+FFFF.
	require.Negative(t, javamap.Compare("\U0001F600", "\uffff"))
	require.True(t, "\U0001F600" > "\uffff", "Go orders by code point")
	require.Negative(t, javamap.Compare("a", "ab"))
	require.Zero(t, javamap.Compare("ab", "ab"))
	require.Positive(t, javamap.Compare("b", "a"))
}
