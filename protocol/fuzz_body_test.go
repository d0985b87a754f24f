package protocol

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// The fuzz targets check that no input panics or hangs a decoder, and that whatever a decoder
// accepts survives our encoder: encode, decode and encode again gives the same bytes.

func FuzzDecodeTopicRouteData(f *testing.F) {
	for _, body := range golden.Bodies(f, 0, "response") {
		f.Add(body)
	}
	f.Add([]byte(withTricky(javaRoutePlain, javaTrickyPlain)))
	f.Add([]byte(withTricky(javaRouteStandard, javaTrickyStandard)))
	f.Add([]byte(`{brokerDatas:[{brokerAddrs:{0:'x',-1:"y"}}],queueDatas:[{perm:"6"}],orderTopicConf:null,x:{{"a":1}:[]},}`))
	f.Add([]byte(`{"orderTopicConf":"\uD83D\uDE00\x41\v\u2028"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		RouteJSONForm(data)
		route, err := DecodeTopicRouteData(data)
		if err != nil {
			return
		}
		hasAddrs := slices.ContainsFunc(route.BrokerDatas, func(b BrokerData) bool { return len(b.BrokerAddrs) > 0 })
		for _, standard := range []bool{false, true} {
			first := route.Encode(standard)
			again, err := DecodeTopicRouteData(first)
			require.NoError(t, err, "%q", first)
			require.Equal(t, string(first), string(again.Encode(standard)))
			form, known := RouteJSONForm(first)
			require.Equal(t, hasAddrs, known, "%q", first)
			if known {
				require.Equal(t, standard, form, "%q", first)
			}
		}
	})
}

func FuzzDecodeHeartbeat(f *testing.F) {
	for _, body := range golden.Bodies(f, 34, "request") {
		f.Add(body)
	}
	f.Add([]byte(withTricky(javaHeartbeat, javaTrickyPlain)))
	f.Add([]byte(`{"consumerDataSet":[{"consumeType":1,"messageModel":"X","subscriptionDataSet":[{"codeSet":[1,"2"],"tagsSet":null,"expressionType":null}],"unitMode":"true"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeHeartbeatData(data)
		if err != nil {
			return
		}
		first := h.Encode()
		again, err := DecodeHeartbeatData(first)
		require.NoError(t, err, "%q", first)
		require.Equal(t, string(first), string(again.Encode()))
	})
}

func FuzzDecodeRegisterBrokerBody(f *testing.F) {
	for _, body := range golden.Bodies(f, 103, "") {
		f.Add(body, false)
		decoded, err := DecodeRegisterBrokerBody(body, false)
		require.NoError(f, err)
		compressed, err := decoded.Encode(true)
		require.NoError(f, err)
		f.Add(compressed, true)
	}
	javaCompressed, err := base64.StdEncoding.DecodeString(javaRegisterCompressedBase64)
	require.NoError(f, err)
	f.Add(javaCompressed, true)
	f.Add([]byte(javaRegisterPlain), false)
	f.Add(deflate(f, lengthPrefixed(`{"counter":1,"timestamp":2}`, 2, "T 1 1 6 SINGLE_TAG", "U 1 1 6 MULTI_TAG", `["f"]`)), true)
	f.Add([]byte(`{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"perm":"6","order":1}}}}`), false)
	f.Fuzz(func(t *testing.T, data []byte, compressed bool) {
		body, err := DecodeRegisterBrokerBody(data, compressed)
		if err != nil {
			return
		}
		plain, err := body.Encode(false)
		require.NoError(t, err)
		again, err := DecodeRegisterBrokerBody(plain, false)
		require.NoError(t, err, "%q", plain)
		plainAgain, err := again.Encode(false)
		require.NoError(t, err)
		require.Equal(t, string(plain), string(plainAgain))

		packed, err := body.Encode(true)
		if err != nil {
			return // a topic the compressed layout cannot carry
		}
		unpacked, err := DecodeRegisterBrokerBody(packed, true)
		require.NoError(t, err)
		require.Equal(t, body.TopicConfigSerializeWrapper.DataVersion, unpacked.TopicConfigSerializeWrapper.DataVersion)
		require.Empty(t, cmp.Diff(body.FilterServerList, unpacked.FilterServerList, cmpopts.EquateEmpty()))
	})
}

func FuzzDecodeClusterInfo(f *testing.F) {
	f.Add([]byte(javaClusterInfo))
	f.Add(javaClusterInfoValue().Encode())
	f.Add([]byte(`{"brokerAddrTable":{"b":{"brokerAddrs":{"0":"x"},"brokerName":"b"}},"clusterAddrTable":{c:['b',null]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := DecodeClusterInfo(data)
		if err != nil {
			return
		}
		first := info.Encode()
		again, err := DecodeClusterInfo(first)
		require.NoError(t, err, "%q", first)
		require.Equal(t, string(first), string(again.Encode()))
	})
}

func FuzzDecodeConnections(f *testing.F) {
	f.Add([]byte(javaProducerConnection))
	f.Add([]byte(javaConsumerConnection))
	f.Add([]byte(`{"connectionSet":[{"version":0}]}`))
	f.Add([]byte(`{connectionSet:[{language:9,version:"7",clientId:null}],consumeType:0,subscriptionTable:{T:{codeSet:["1"]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := DecodeProducerConnection(data); err == nil {
			first := p.Encode()
			again, err := DecodeProducerConnection(first)
			require.NoError(t, err, "%q", first)
			require.Equal(t, string(first), string(again.Encode()))
		}
		if c, err := DecodeConsumerConnection(data); err == nil {
			first := c.Encode()
			again, err := DecodeConsumerConnection(first)
			require.NoError(t, err, "%q", first)
			require.Equal(t, string(first), string(again.Encode()))
		}
	})
}

func FuzzDecodeProducerTableInfo(f *testing.F) {
	f.Add([]byte(javaProducerTableInfo))
	f.Add([]byte(`{"data":{}}`))
	f.Add([]byte(`{data:{g:[{language:9,version:"7",clientId:null,lastUpdateTimestamp:"1"}],h:[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := DecodeProducerTableInfo(data); err == nil {
			first := p.Encode()
			again, err := DecodeProducerTableInfo(first)
			require.NoError(t, err, "%q", first)
			require.Equal(t, string(first), string(again.Encode()))
		}
	})
}

func FuzzDecodeClusterACLConfig(f *testing.F) {
	f.Add([]byte(realClusterACLConfig))
	f.Add([]byte(`{"globalWhiteAddrs":[],"plainAccessConfigs":[]}`))
	f.Add([]byte(`{globalWhiteAddrs:null,plainAccessConfigs:[{accessKey:null,admin:1,topicPerms:null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := DecodeClusterACLConfig(data); err == nil {
			first := c.Encode()
			again, err := DecodeClusterACLConfig(first)
			require.NoError(t, err, "%q", first)
			require.Equal(t, string(first), string(again.Encode()))
		}
	})
}

func FuzzDecodeQueryConsumeQueueResponseBody(f *testing.F) {
	f.Add([]byte(javaQueryConsumeQueueBody))
	f.Add([]byte(`{"maxQueueIndex":0,"minQueueIndex":0,"queueData":[]}`))
	f.Add([]byte(`{filterData:"g@T is not online!",queueData:[{eval:true,msg:"m",bitMap:"b",extendDataJson:"{}"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if b, err := DecodeQueryConsumeQueueResponseBody(data); err == nil {
			first := b.Encode()
			again, err := DecodeQueryConsumeQueueResponseBody(first)
			require.NoError(t, err, "%q", first)
			require.Equal(t, string(first), string(again.Encode()))
		}
	})
}

func FuzzDecodeDataVersion(f *testing.F) {
	for _, body := range golden.Bodies(f, 103, "") {
		decoded, err := DecodeRegisterBrokerBody(body, false)
		require.NoError(f, err)
		f.Add(decoded.TopicConfigSerializeWrapper.DataVersion.Encode())
	}
	f.Add([]byte(`{"counter":"3","timestamp":1.5e3,"stateVersion":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeDataVersion(data)
		if err != nil {
			return
		}
		again, err := DecodeDataVersion(v.Encode())
		require.NoError(t, err)
		require.Equal(t, v, again)
	})
}

func FuzzDecodeJavaProperties(f *testing.F) {
	f.Add([]byte(javaBrokerConfigText))
	f.Add([]byte("# c\n  a = 1\nb:2\nc 3\nd=\\u0041\\t\\\n   x\n! x\ne\n=f\n\\ g\\=h=i\nj==k\nl\\\n#m\n"))
	f.Add([]byte("k=\\uD83D\\uDE00\\uD83D\r\n\\\n\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		props, err := DecodeJavaProperties(data)
		if err != nil {
			return
		}
		text := EncodeJavaProperties(props)
		again, err := DecodeJavaProperties(text)
		require.NoError(t, err, "%q", text)
		require.Equal(t, props, again, "%q", text)
	})
}

// consumerBodies are the decoders of the bodies about consumers (locks, subscription groups,
// the admin requests a broker passes on to consumers), each with the encoder that must write
// back what it accepted.
var consumerBodies = []struct {
	name   string
	decode func([]byte) (interface{ Encode() []byte }, error)
}{
	{"LockBatchRequestBody", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeLockBatchRequestBody(b) }},
	{"UnlockBatchRequestBody", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeUnlockBatchRequestBody(b) }},
	{"LockBatchResponseBody", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeLockBatchResponseBody(b) }},
	{"SubscriptionGroupConfig", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeSubscriptionGroupConfig(b) }},
	{"SubscriptionGroupWrapper", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeSubscriptionGroupWrapper(b) }},
	{"ResetOffsetBody", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeResetOffsetBody(b) }},
	{"ResetOffsetBodyForC", func(b []byte) (interface{ Encode() []byte }, error) {
		body, err := DecodeResetOffsetBodyForC(b)
		if err != nil {
			return nil, err
		}
		return forC{body}, nil
	}},
	{"GetConsumerStatusBody", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeGetConsumerStatusBody(b) }},
	{"ConsumeMessageDirectlyResult", func(b []byte) (interface{ Encode() []byte }, error) {
		return DecodeConsumeMessageDirectlyResult(b)
	}},
	{"OffsetMovedEvent", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeOffsetMovedEvent(b) }},
	{"ConsumerRunningInfo", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeConsumerRunningInfo(b) }},
	{"TopicStatsTable", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeTopicStatsTable(b) }},
	{"ConsumeStats", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeConsumeStats(b) }},
	{"ConsumeStatsList", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeConsumeStatsList(b) }},
	{"BrokerStatsData", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeBrokerStatsData(b) }},
	{"GroupList", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeGroupList(b) }},
	{"OffsetSerializeWrapper", func(b []byte) (interface{ Encode() []byte }, error) { return DecodeOffsetSerializeWrapper(b) }},
}

// forC encodes a ResetOffsetBody in the layout it was read from.
type forC struct{ *ResetOffsetBody }

func (f forC) Encode() []byte { return f.EncodeForC() }

func FuzzDecodeConsumerBodies(f *testing.F) {
	for _, seed := range []string{
		javaSubscriptionGroupDefault, javaSubscriptionGroup, javaSubscriptionGroupTable, javaResetOffsetBody,
		javaResetOffsetBodyForC, javaConsumerStatus, javaDirectlyDefault, javaDirectly, javaOffsetMovedEvent,
		javaRunningInfo, javaLockOrder, javaTopicStatsTable, javaConsumeStats, javaConsumeStatsList, javaBrokerStatsData, `{"groupList":["g1","g2"]}`, javaOffsetFile, javaOffsetFileEmpty,
		`{"clientId":"cid","consumerGroup":"cg","mqSet":[{"brokerName":"broker-a","queueId":3,"topic":"T"}]}`,
		`{"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":1,\"topic\":\"T\"}":5}}`,
		`{statusTable:{T:{pullRT:"1.5",consumeOKTPS:1e400}},mqTable:{{queueId:'1'}:{locked:1}},consumeResult:2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range consumerBodies {
			v, err := b.decode(data)
			if err != nil {
				continue
			}
			first := v.Encode()
			again, err := b.decode(first)
			require.NoError(t, err, "%s: %q", b.name, first)
			require.Equal(t, string(first), string(again.Encode()), b.name)
		}
	})
}
