package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// javaQueryConsumeQueueBody is a QueryConsumeQueueResponseBody as fastjson writes it, by
// fastjson's rules (properties sorted, nulls left out); the differential test compares the
// fake's with a real broker's.
const javaQueryConsumeQueueBody = `{"filterData":"null","maxQueueIndex":3,"minQueueIndex":1,"queueData":[` +
	`{"eval":false,"physicOffset":242,"physicSize":126,"tagsCode":2598920},` +
	`{"eval":false,"physicOffset":368,"physicSize":120,"tagsCode":-5}],` +
	`"subscriptionData":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"T"}}`

func TestQueryConsumeQueueResponseBody(t *testing.T) {
	sub := SubscriptionData{Topic: "T", SubString: "*", TagsSet: []string{}, SubVersion: 1, ExpressionType: ExpressionTypeTag}
	for _, tc := range []struct {
		name  string
		value *QueryConsumeQueueResponseBody
		json  string
	}{
		{"with a group", &QueryConsumeQueueResponseBody{SubscriptionData: &sub, FilterData: "null", MaxQueueIndex: 3, MinQueueIndex: 1,
			QueueData: []ConsumeQueueData{{PhysicOffset: 242, PhysicSize: 126, TagsCode: 2598920}, {PhysicOffset: 368, PhysicSize: 120, TagsCode: -5}}},
			javaQueryConsumeQueueBody},
		{"no entries", &QueryConsumeQueueResponseBody{MaxQueueIndex: 3, QueueData: []ConsumeQueueData{}},
			`{"maxQueueIndex":3,"minQueueIndex":0,"queueData":[]}`},
		{"group not online", &QueryConsumeQueueResponseBody{FilterData: "g@T is not online!"},
			`{"filterData":"g@T is not online!","maxQueueIndex":0,"minQueueIndex":0}`},
		{"extension fields", &QueryConsumeQueueResponseBody{QueueData: []ConsumeQueueData{{BitMap: "01", Eval: true,
			ExtendDataJSON: `{"a":1}`, Msg: "m", TagsCode: -2147483649}}},
			`{"maxQueueIndex":0,"minQueueIndex":0,"queueData":[{"bitMap":"01","eval":true,"extendDataJson":"{\"a\":1}","msg":"m",` +
				`"physicOffset":0,"physicSize":0,"tagsCode":-2147483649}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.json, string(tc.value.Encode()))
			got, err := DecodeQueryConsumeQueueResponseBody([]byte(tc.json))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.value, got))
		})
	}
}
