package fault

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

func TestRuleFromAdminJSON(t *testing.T) {
	cases := []struct {
		name string
		body string
		want Rule
		err  string
	}{
		{
			name: "delay, with the admin API's target ignored",
			body: `{"target":"broker-a","code":310,"action":"delay","delayMs":2000,"times":3}`,
			want: Rule{Code: 310, Action: ActionDelay, Delay: 2 * time.Second, Times: 3},
		},
		{
			name: "error",
			body: `{"code":310,"action":"error","responseCode":2,"remark":"[PC_SYNCHRONIZED]broker busy"}`,
			want: Rule{Code: 310, Action: ActionError, ResponseCode: remoting.SystemBusy, Remark: "[PC_SYNCHRONIZED]broker busy"},
		},
		{
			name: "plan step",
			body: `{"action":"drop","topic":"T","group":"G","probability":0.25,"fromMs":10000,"forMs":5000}`,
			want: Rule{Action: ActionDrop, Topic: "T", Group: "G", Probability: 0.25, From: 10 * time.Second, For: 5 * time.Second},
		},
		{
			name: "override",
			body: `{"code":310,"action":"override","responseCode":10}`,
			want: Rule{Code: 310, Action: ActionOverride, ResponseCode: remoting.FlushDiskTimeout},
		},
		{name: "override without a code", body: `{"action":"override"}`, err: "needs a responseCode"},
		{name: "unknown action", body: `{"action":"explode"}`, err: `unknown action "explode"`},
		{name: "no action", body: `{"code":310}`, err: "no action"},
		{name: "delay without delayMs", body: `{"action":"delay"}`, err: "needs a positive delay"},
		{name: "probability over 1", body: `{"action":"drop","probability":2}`, err: "probability 2 outside [0, 1]"},
		{name: "negative times", body: `{"action":"drop","times":-1}`, err: "negative times"},
		{name: "negative window", body: `{"action":"drop","fromMs":-1}`, err: "negative window"},
		{name: "too long", body: `{"action":"delay","delayMs":9223372036854775807}`, err: "too long"},
		{name: "not a number", body: `{"action":"delay","delayMs":"2s"}`, err: "cannot unmarshal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Rule
			err := json.Unmarshal([]byte(tc.body), &got)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.Zero(t, got, "a rejected rule leaves the target alone")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)

			again, err := json.Marshal(got)
			require.NoError(t, err)
			var back Rule
			require.NoError(t, json.Unmarshal(again, &back))
			require.Equal(t, got, back)
		})
	}
}

func TestRuleJSONShape(t *testing.T) {
	b, err := json.Marshal(Rule{Code: 310, Action: ActionDelay, Delay: 1500 * time.Millisecond, Times: 1})
	require.NoError(t, err)
	require.JSONEq(t, `{"code":310,"action":"delay","delayMs":1500,"times":1}`, string(b))
}

func TestRuleString(t *testing.T) {
	require.Equal(t, `error after 1s code 2 "busy" on code 310 topic T group G 3 times with probability 0.5 from 10s for 5s`,
		Rule{Code: 310, Topic: "T", Group: "G", Action: ActionError, Delay: time.Second, ResponseCode: 2, Remark: "busy",
			Times: 3, Probability: 0.5, From: 10 * time.Second, For: 5 * time.Second}.String())
	require.Equal(t, "drop on every code", Rule{Action: ActionDrop}.String())
}
