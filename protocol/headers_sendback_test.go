package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func sendBackHeaderCases() []headerCase {
	return []headerCase{
		{
			name: "ConsumerSendMsgBackRequestHeader",
			header: ConsumerSendMsgBackRequestHeader{
				Offset: 4096, Group: "cg", DelayLevel: 3, OriginMsgID: "C0A8000100002A9F0000000000001000",
				OriginTopic: "T", UnitMode: true, MaxReconsumeTimes: ptr(int32(16)), BrokerName: "broker-a",
			},
			ext: map[string]string{
				"offset": "4096", "group": "cg", "delayLevel": "3", "originMsgId": "C0A8000100002A9F0000000000001000",
				"originTopic": "T", "unitMode": "true", "maxReconsumeTimes": "16", "bname": "broker-a",
			},
			decode:   dec(DecodeConsumerSendMsgBackRequestHeader),
			required: []string{"offset", "group", "delayLevel"},
			numeric:  []string{"offset", "delayLevel", "maxReconsumeTimes"},
		},
		{
			name:     "ConsumerSendMsgBackRequestHeader/nulls",
			header:   ConsumerSendMsgBackRequestHeader{Offset: 0, Group: "cg", DelayLevel: -1},
			ext:      map[string]string{"offset": "0", "group": "cg", "delayLevel": "-1", "unitMode": "false"},
			decode:   dec(DecodeConsumerSendMsgBackRequestHeader),
			required: []string{"offset", "group", "delayLevel"},
			numeric:  []string{"offset", "delayLevel"},
		},
		{
			name:     "ViewMessageRequestHeader",
			header:   ViewMessageRequestHeader{Offset: 1 << 40},
			ext:      map[string]string{"offset": "1099511627776"},
			decode:   dec(DecodeViewMessageRequestHeader),
			required: []string{"offset"},
			numeric:  []string{"offset"},
		},
	}
}

// The round trip, missing and malformed fields of these headers are checked with every other
// header (headerCases); here, that each field is one Java's reflective field cache lists.
func TestSendBackHeaderFieldsKnown(t *testing.T) {
	for _, tc := range sendBackHeaderCases() {
		for key := range tc.ext {
			require.Contains(t, tc.header.HeaderFields(), key, tc.name)
		}
	}
}

// The send-back header is a plain reflective header (not FastCodesHeader), extending
// RpcRequestHeader: its fields come in the HashSet order of the Java class's fields.
func TestSendBackHeaderFieldOrder(t *testing.T) {
	h := ConsumerSendMsgBackRequestHeader{}
	require.False(t, h.FastHeader())
	require.ElementsMatch(t, []string{"offset", "group", "delayLevel", "originMsgId", "originTopic",
		"unitMode", "maxReconsumeTimes", "bname"}, h.HeaderFields())
}
