package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
)

// Java vectors: ProducerConnection and ConsumerConnection filled as AdminBrokerProcessor fills
// them, written by RemotingSerializable.toJson (rocketmq-common 4.9.7, fastjson 1.2.69).
const (
	javaProducerConnection = `{"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"192.0.2.2@123","language":"JAVA","version":413}]}`
	javaConsumerConnection = `{"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"192.0.2.2@123","language":"GO","version":317}],` +
		`"consumeType":"CONSUME_ACTIVELY","messageModel":"BROADCASTING","subscriptionTable":{` +
		`"%RETRY%cg":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000001,"tagsSet":[],"topic":"%RETRY%cg"},` +
		`"TopicB":{"classFilterMode":false,"codeSet":[],"expressionType":"SQL92","subString":"a > 1","subVersion":5,"tagsSet":[],"topic":"TopicB"},` +
		`"TopicA":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000001,"tagsSet":[],"topic":"TopicA"}}}`
)

func javaConsumerConnectionValue() *ConsumerConnection {
	all := func(topic string) SubscriptionData {
		return SubscriptionData{Topic: topic, SubString: "*", TagsSet: []string{}, CodeSet: nil, SubVersion: 1700000000001, ExpressionType: ExpressionTypeTag}
	}
	return &ConsumerConnection{
		ConnectionSet: []Connection{{ClientID: "192.0.2.2@123", ClientAddr: "127.0.0.1:54321", Language: "GO", Version: 317}},
		ConsumeType:   ConsumeActively,
		MessageModel:  Broadcasting,
		SubscriptionTable: map[string]SubscriptionData{
			"%RETRY%cg": all("%RETRY%cg"),
			"TopicA":    all("TopicA"),
			"TopicB":    {Topic: "TopicB", SubString: "a > 1", TagsSet: []string{}, SubVersion: 5, ExpressionType: ExpressionTypeSQL92},
		},
	}
}

func TestConnectionBodiesMatchJava(t *testing.T) {
	for _, tc := range []struct {
		name   string
		value  interface{ Encode() []byte }
		java   string
		decode func([]byte) (any, error)
	}{
		{"ProducerConnection",
			&ProducerConnection{ConnectionSet: []Connection{{ClientID: "192.0.2.2@123", ClientAddr: "127.0.0.1:54321", Language: "JAVA", Version: 413}}},
			javaProducerConnection, func(b []byte) (any, error) { return DecodeProducerConnection(b) }},
		{"ProducerConnection/empty", &ProducerConnection{}, `{"connectionSet":[]}`,
			func(b []byte) (any, error) { return DecodeProducerConnection(b) }},
		{"ProducerConnection/nulls", &ProducerConnection{ConnectionSet: []Connection{{}}}, `{"connectionSet":[{"version":0}]}`,
			func(b []byte) (any, error) { return DecodeProducerConnection(b) }},
		{"ConsumerConnection", javaConsumerConnectionValue(), javaConsumerConnection,
			func(b []byte) (any, error) { return DecodeConsumerConnection(b) }},
		{"ConsumerConnection/empty", &ConsumerConnection{SubscriptionTable: map[string]SubscriptionData{}},
			`{"connectionSet":[],"subscriptionTable":{}}`,
			func(b []byte) (any, error) { return DecodeConsumerConnection(b) }},
		{"DataVersion", DataVersion{Timestamp: 1700000000000, Counter: 7}, `{"counter":7,"timestamp":1700000000000}`,
			func(b []byte) (any, error) { return DecodeDataVersion(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.java, string(tc.value.Encode()))
			got, err := tc.decode([]byte(tc.java))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.value, got, cmpopts.EquateEmpty()))
		})
	}
}

func TestConnectionBodiesDecodeLenient(t *testing.T) {
	// Enums by ordinal, numbers as strings, unknown fields, a subscription without
	// expressionType (TAG, as Java's default).
	cc, err := DecodeConsumerConnection([]byte(`{"consumeType":0,"messageModel":1,"consumeFromWhere":4,"x":[1],` +
		`"connectionSet":[{"clientId":"c","language":9,"version":"7","extra":{}}],` +
		`"subscriptionTable":{"T":{"topic":"T","subString":"*"}}}`))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(&ConsumerConnection{
		ConnectionSet:     []Connection{{ClientID: "c", Language: "GO", Version: 7}},
		ConsumeType:       ConsumeActively,
		MessageModel:      Clustering,
		ConsumeFromWhere:  ConsumeFromFirstOffset,
		SubscriptionTable: map[string]SubscriptionData{"T": {Topic: "T", SubString: "*", ExpressionType: ExpressionTypeTag}},
	}, cc, cmpopts.EquateEmpty()))

	pc, err := DecodeProducerConnection([]byte(`{connectionSet:null}`))
	require.NoError(t, err)
	require.Empty(t, pc.ConnectionSet)

	v, err := DecodeDataVersion([]byte(`{"timestamp":"12","counter":3,"stateVersion":0}`))
	require.NoError(t, err)
	require.Equal(t, DataVersion{Timestamp: 12, Counter: 3}, v)
}

func TestConnectionBodiesRejectJunk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode func([]byte) error
		junk   string
	}{
		{"ProducerConnection", func(b []byte) error { _, err := DecodeProducerConnection(b); return err }, `{"connectionSet":[{"version":"x"}]}`},
		{"ConsumerConnection", func(b []byte) error { _, err := DecodeConsumerConnection(b); return err }, `{"subscriptionTable":[]}`},
		{"ConsumerConnection enum", func(b []byte) error { _, err := DecodeConsumerConnection(b); return err }, `{"consumeType":7}`},
		{"ConnectionLanguage", func(b []byte) error { _, err := DecodeProducerConnection(b); return err }, `{"connectionSet":[{"language":99}]}`},
		{"DataVersion", func(b []byte) error { _, err := DecodeDataVersion(b); return err }, `{"counter":"many"}`},
	} {
		for _, in := range []string{``, `null`, `[]`, `{}}`, `{"a":}`, tc.junk} {
			require.Error(t, tc.decode([]byte(in)), "%s %q", tc.name, in)
		}
	}
}

// javaProducerTableInfo is a ProducerTableInfo as fastjson writes it, by fastjson's rules
// (properties sorted, the HashMap's groups by bucket: "pg3" hashes to 13, "pg" to 7, "pg2" to
// 10 of 16); the differential test compares the fake's with a real broker's.
const javaProducerTableInfo = `{"data":{"pg":[{"clientId":"192.0.2.2@1","language":"JAVA","lastUpdateTimestamp":1700000000000,` +
	`"remoteIP":"/127.0.0.1:54321","version":413},{"clientId":"192.0.2.2@2","language":"GO","lastUpdateTimestamp":1700000000001,` +
	`"remoteIP":"/127.0.0.1:54322","version":317}],"pg2":[{"clientId":"192.0.2.2@2","language":"GO",` +
	`"lastUpdateTimestamp":1700000000001,"remoteIP":"/127.0.0.1:54322","version":317}],"pg3":[]}}`

func TestProducerTableInfoBody(t *testing.T) {
	java := ProducerInfo{ClientID: "192.0.2.2@1", RemoteIP: "/127.0.0.1:54321", Language: "JAVA", Version: 413,
		LastUpdateTimestamp: 1700000000000}
	goClient := ProducerInfo{ClientID: "192.0.2.2@2", RemoteIP: "/127.0.0.1:54322", Language: "GO", Version: 317,
		LastUpdateTimestamp: 1700000000001}
	for _, tc := range []struct {
		name  string
		value *ProducerTableInfo
		json  string
	}{
		{"groups", &ProducerTableInfo{Data: map[string][]ProducerInfo{"pg3": {}, "pg2": {goClient}, "pg": {java, goClient}}},
			javaProducerTableInfo},
		{"empty", &ProducerTableInfo{Data: map[string][]ProducerInfo{}}, `{"data":{}}`},
		{"nulls", &ProducerTableInfo{Data: map[string][]ProducerInfo{"g": {{}}}},
			`{"data":{"g":[{"lastUpdateTimestamp":0,"version":0}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.json, string(tc.value.Encode()))
			got, err := DecodeProducerTableInfo([]byte(tc.json))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.value, got))
		})
	}
	// Enums by ordinal and numbers as strings, as fastjson reads them.
	got, err := DecodeProducerTableInfo([]byte(`{"data":{"g":[{"language":9,"version":"7","lastUpdateTimestamp":"5","x":1}]},"y":2}`))
	require.NoError(t, err)
	require.Equal(t, map[string][]ProducerInfo{"g": {{Language: "GO", Version: 7, LastUpdateTimestamp: 5}}}, got.Data)
}
