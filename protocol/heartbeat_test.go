package protocol

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/internal/javamap"
)

// javaHeartbeat is HeartbeatData.encode() of a push consumer and a producer, from Java (see the
// note on vectors in route_test.go).
const javaHeartbeat = `{"clientID":"192.0.2.2@42","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET",` +
	`"consumeType":"CONSUME_PASSIVELY","groupName":"cg","messageModel":"CLUSTERING","subscriptionDataSet":[` +
	`{"classFilterMode":false,"codeSet":[2598919],"expressionType":"TAG","subString":"TagA || TagB",` +
	`"subVersion":1700000000000,"tagsSet":["TagA"],"topic":"T"}],"unitMode":true}],` +
	`"producerDataSet":[{"groupName":"TRICKY"}]}`

func javaHeartbeatValue() *HeartbeatData {
	return &HeartbeatData{
		ClientID:        "192.0.2.2@42",
		ProducerDataSet: []ProducerData{{GroupName: javaTricky}},
		ConsumerDataSet: []ConsumerData{{
			GroupName:        "cg",
			ConsumeType:      ConsumePassively,
			MessageModel:     Clustering,
			ConsumeFromWhere: ConsumeFromFirstOffset,
			UnitMode:         true,
			SubscriptionDataSet: []SubscriptionData{{
				Topic:          "T",
				SubString:      "TagA || TagB",
				TagsSet:        []string{"TagA"},
				CodeSet:        []int32{javamap.HashCode("TagA")},
				SubVersion:     1700000000000,
				ExpressionType: ExpressionTypeTag,
			}},
		}},
	}
}

func TestHeartbeatMatchesJava(t *testing.T) {
	want := withTricky(javaHeartbeat, javaTrickyPlain)
	require.Equal(t, want, string(javaHeartbeatValue().Encode()))

	got, err := DecodeHeartbeatData([]byte(want))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(javaHeartbeatValue(), got))
}

func TestGoldenHeartbeats(t *testing.T) {
	n := 0
	for _, f := range golden.Load(t) {
		if f.Code != 34 || f.Kind != "request" {
			continue
		}
		n++
		t.Run(f.Name(), func(t *testing.T) {
			h, err := DecodeHeartbeatData(f.Body())
			require.NoError(t, err)
			require.Empty(t, h.ConsumerDataSet)
			var groups []string
			for _, p := range h.ProducerDataSet {
				groups = append(groups, p.GroupName)
			}
			if strings.HasPrefix(f.From, "java") {
				require.Equal(t, "192.0.2.2@golden", h.ClientID)
				require.ElementsMatch(t, []string{"golden_pg", "CLIENT_INNER_PRODUCER"}, groups)
				require.Equal(t, string(f.Body()), string(h.Encode()))
				return
			}
			// The Go client writes producerDataSet first; we answer in Java's order.
			require.Equal(t, "192.0.2.2@6062", h.ClientID)
			require.Equal(t, []string{"golden_go_pg"}, groups)
			require.Equal(t, `{"clientID":"192.0.2.2@6062","consumerDataSet":[],"producerDataSet":[{"groupName":"golden_go_pg"}]}`,
				string(h.Encode()))
		})
	}
	require.Equal(t, 5, n)
}

func TestDecodeHeartbeatGoClientConsumer(t *testing.T) {
	// Field order and shapes as the official Go client v2 marshals its heartbeat.
	in := `{"clientID":"192.0.2.2@7@1","producerDataSet":[],"consumerDataSet":[{"groupName":"gcg",` +
		`"consumeType":"CONSUME_PASSIVELY","messageModel":"BROADCASTING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",` +
		`"subscriptionDataSet":[{"classFilterMode":false,"topic":"T","subString":"*","tagsSet":[],"codeSet":[],` +
		`"subVersion":1690000000000000000,"expressionType":"TAG"},{"classFilterMode":false,"topic":"%RETRY%gcg",` +
		`"subString":"*","tagsSet":null,"codeSet":null,"subVersion":1,"expressionType":"TAG"}],"unitMode":false}]}`
	got, err := DecodeHeartbeatData([]byte(in))
	require.NoError(t, err)
	want := &HeartbeatData{
		ClientID: "192.0.2.2@7@1",
		ConsumerDataSet: []ConsumerData{{
			GroupName:        "gcg",
			ConsumeType:      ConsumePassively,
			MessageModel:     Broadcasting,
			ConsumeFromWhere: ConsumeFromLastOffset,
			SubscriptionDataSet: []SubscriptionData{
				{Topic: "T", SubString: "*", TagsSet: []string{}, SubVersion: 1690000000000000000, ExpressionType: ExpressionTypeTag},
				{Topic: "%RETRY%gcg", SubString: "*", SubVersion: 1, ExpressionType: ExpressionTypeTag},
			},
		}},
	}
	require.Empty(t, cmp.Diff(want, got, cmpopts.EquateEmpty()))

	again, err := DecodeHeartbeatData(got.Encode())
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(got, again, cmpopts.EquateEmpty()))
}

func TestDecodeHeartbeatLenient(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want *HeartbeatData
	}{
		{"enums by ordinal, as fastjson accepts them",
			`{"consumerDataSet":[{"consumeType":1,"messageModel":0,"consumeFromWhere":4}]}`,
			&HeartbeatData{ConsumerDataSet: []ConsumerData{{ConsumeType: ConsumePassively,
				MessageModel: Broadcasting, ConsumeFromWhere: ConsumeFromFirstOffset}}}},
		{"unknown enum names are kept",
			`{"consumerDataSet":[{"consumeType":"CONSUME_POP"}]}`,
			&HeartbeatData{ConsumerDataSet: []ConsumerData{{ConsumeType: "CONSUME_POP"}}}},
		{"missing expressionType is TAG, like Java's default; null too",
			`{"consumerDataSet":[{"subscriptionDataSet":[{"topic":"T"},{"topic":"U","expressionType":null},{"expressionType":"SQL92"}]}]}`,
			&HeartbeatData{ConsumerDataSet: []ConsumerData{{SubscriptionDataSet: []SubscriptionData{
				{Topic: "T", ExpressionType: ExpressionTypeTag},
				{Topic: "U", ExpressionType: ExpressionTypeTag},
				{ExpressionType: ExpressionTypeSQL92},
			}}}}},
		{"booleans as strings and numbers, unknown fields, unquoted keys",
			`{clientID:'c',consumerDataSet:[{unitMode:"true",future:[1,{}],subscriptionDataSet:[{classFilterMode:1}]}],producerDataSet:[{groupName:"g",x:1}],extra:null}`,
			&HeartbeatData{ClientID: "c", ProducerDataSet: []ProducerData{{GroupName: "g"}},
				ConsumerDataSet: []ConsumerData{{UnitMode: true, SubscriptionDataSet: []SubscriptionData{
					{ClassFilterMode: true, ExpressionType: ExpressionTypeTag}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeHeartbeatData([]byte(tc.in))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.want, got, cmpopts.EquateEmpty()))
		})
	}
}

func TestDecodeHeartbeatRejectsJunk(t *testing.T) {
	for _, in := range []string{
		``,
		`null`,
		`{"clientID":}`,
		`{"producerDataSet":{}}`,
		`{"consumerDataSet":[{"consumeType":7}]}`,
		`{"consumerDataSet":[{"unitMode":"maybe"}]}`,
		`{"consumerDataSet":[{"subscriptionDataSet":[{"codeSet":["x"]}]}]}`,
		`{"consumerDataSet":[{"subscriptionDataSet":[{"codeSet":[4294967296]}]}]}`,
		`{"clientID":"c"}}`,
	} {
		_, err := DecodeHeartbeatData([]byte(in))
		require.Error(t, err, "%q", in)
	}
}

func TestHeartbeatEncodeOmitsNullEnums(t *testing.T) {
	h := &HeartbeatData{ClientID: "x", ConsumerDataSet: []ConsumerData{{GroupName: "g", SubscriptionDataSet: []SubscriptionData{{SubVersion: -5}}}}}
	require.Equal(t, `{"clientID":"x","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"classFilterMode":false,`+
		`"codeSet":[],"subString":"","subVersion":-5,"tagsSet":[],"topic":""}],"unitMode":false}],"producerDataSet":[]}`,
		string(h.Encode()))
}
