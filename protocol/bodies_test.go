package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
)

// The want strings of the encoders are Java's output for the same values (see the note on
// vectors in route_test.go).
func TestSmallBodiesMatchJava(t *testing.T) {
	mqs := []MessageQueue{{Topic: "T", BrokerName: "broker-a", QueueID: 3}}
	for _, tc := range []struct {
		name   string
		value  interface{ Encode() []byte }
		want   string
		decode func([]byte) (any, error)
	}{
		{"TopicList", &TopicList{Topics: []string{"A"}}, `{"topicList":["A"]}`,
			func(b []byte) (any, error) { return DecodeTopicList(b) }},
		{"TopicList with broker address", &TopicList{Topics: []string{"A"}, BrokerAddr: "1.2.3.4:5"},
			`{"brokerAddr":"1.2.3.4:5","topicList":["A"]}`,
			func(b []byte) (any, error) { return DecodeTopicList(b) }},
		{"KVTable in HashMap order",
			&KVTable{Table: map[string]string{"TopicX": "broker-a:4", "TopicA": "broker-a:8;broker-b:8", "zzz": javaTricky}},
			withTricky(`{"table":{"TopicA":"broker-a:8;broker-b:8","zzz":"TRICKY","TopicX":"broker-a:4"}}`, javaTrickyPlain),
			func(b []byte) (any, error) { return DecodeKVTable(b) }},
		{"GetConsumerListByGroupResponseBody", &GetConsumerListByGroupResponseBody{ConsumerIDList: []string{"c1", "c2"}},
			`{"consumerIdList":["c1","c2"]}`,
			func(b []byte) (any, error) { return DecodeGetConsumerListByGroupResponseBody(b) }},
		{"LockBatchRequestBody", &LockBatchRequestBody{ClientID: "cid", ConsumerGroup: "cg", MQSet: mqs},
			`{"clientId":"cid","consumerGroup":"cg","mqSet":[{"brokerName":"broker-a","queueId":3,"topic":"T"}]}`,
			func(b []byte) (any, error) { return DecodeLockBatchRequestBody(b) }},
		{"UnlockBatchRequestBody", &UnlockBatchRequestBody{ClientID: "cid", ConsumerGroup: "cg", MQSet: mqs},
			`{"clientId":"cid","consumerGroup":"cg","mqSet":[{"brokerName":"broker-a","queueId":3,"topic":"T"}]}`,
			func(b []byte) (any, error) { return DecodeUnlockBatchRequestBody(b) }},
		{"LockBatchResponseBody", &LockBatchResponseBody{LockOKMQSet: mqs},
			`{"lockOKMQSet":[{"brokerName":"broker-a","queueId":3,"topic":"T"}]}`,
			func(b []byte) (any, error) { return DecodeLockBatchResponseBody(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, string(tc.value.Encode()))
			got, err := tc.decode([]byte(tc.want))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.value, got))
		})
	}
}

func TestSmallBodiesEncodeEmpty(t *testing.T) {
	require.Equal(t, `{"topicList":[]}`, string((&TopicList{}).Encode()))
	require.Equal(t, `{"table":{}}`, string((&KVTable{}).Encode()))
	require.Equal(t, `{"consumerIdList":[]}`, string((&GetConsumerListByGroupResponseBody{}).Encode()))
	require.Equal(t, `{"lockOKMQSet":[]}`, string((&LockBatchResponseBody{}).Encode()))
	require.Equal(t, `{"mqSet":[]}`, string((&LockBatchRequestBody{}).Encode()), "an empty group and client are Java's null")
}

func TestSmallBodiesDecodeLenient(t *testing.T) {
	tl, err := DecodeTopicList([]byte(`{topicList:['a',"b",3,null],brokerAddr:null,x:[]}`))
	require.NoError(t, err)
	require.Equal(t, &TopicList{Topics: []string{"a", "b", "3", ""}}, tl)

	kv, err := DecodeKVTable([]byte(`{"table":{"k":"v","n":1},"other":1}`))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k": "v", "n": "1"}, kv.Table)

	kv, err = DecodeKVTable([]byte(`{"table":null}`))
	require.NoError(t, err)
	require.Empty(t, kv.Table)

	lb, err := DecodeLockBatchRequestBody([]byte(`{"mqSet":[{"topic":"T","queueId":"2","brokerName":"b","x":0}],"clientId":"c"}`))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&LockBatchRequestBody{ClientID: "c", MQSet: []MessageQueue{{Topic: "T", BrokerName: "b", QueueID: 2}}}, lb, cmpopts.EquateEmpty()))
}

func TestSmallBodiesRejectJunk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode func([]byte) error
		junk   string // a known field of the wrong shape
	}{
		{"TopicList", func(b []byte) error { _, err := DecodeTopicList(b); return err }, `{"topicList":{}}`},
		{"KVTable", func(b []byte) error { _, err := DecodeKVTable(b); return err }, `{"table":[]}`},
		{"ConsumerList", func(b []byte) error { _, err := DecodeGetConsumerListByGroupResponseBody(b); return err }, `{"consumerIdList":"c"}`},
		{"LockBatch", func(b []byte) error { _, err := DecodeLockBatchRequestBody(b); return err }, `{"mqSet":[{"queueId":"x"}]}`},
		{"UnlockBatch", func(b []byte) error { _, err := DecodeUnlockBatchRequestBody(b); return err }, `{"mqSet":[1]}`},
		{"LockBatchResult", func(b []byte) error { _, err := DecodeLockBatchResponseBody(b); return err }, `{"lockOKMQSet":[1]}`},
	} {
		for _, in := range []string{``, `null`, `[]`, `{}}`, `{"a":}`, tc.junk} {
			require.Error(t, tc.decode([]byte(in)), "%s %q", tc.name, in)
		}
	}
}
