package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

// replyHeaderCases are the headers of request-reply (headers_reply.go); headerCases runs the
// round trip, missing and malformed fields on them with every other header.
func replyHeaderCases() []headerCase {
	required := []string{"producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums", "queueId",
		"sysFlag", "bornTimestamp", "flag", "bornHost", "storeHost", "storeTimestamp"}
	return []headerCase{
		{
			name: "ReplyMessageRequestHeader",
			header: ReplyMessageRequestHeader{
				ProducerGroup: "replier", Topic: "DefaultCluster_REPLY_TOPIC", DefaultTopic: "TBW102",
				DefaultTopicQueueNums: 4, QueueID: -1, SysFlag: 0, BornTimestamp: 1795587237631, Flag: 3,
				Properties:     "CORRELATION_ID\x01c-1\x02REPLY_TO_CLIENT\x01192.0.2.2@1\x02MSG_TYPE\x01reply",
				ReconsumeTimes: ptr(int32(0)), UnitMode: false, BornHost: "192.0.2.3:50123",
				StoreHost: "192.0.2.1:10911", StoreTimestamp: 1795587237700,
			},
			ext: map[string]string{
				"producerGroup": "replier", "topic": "DefaultCluster_REPLY_TOPIC", "defaultTopic": "TBW102",
				"defaultTopicQueueNums": "4", "queueId": "-1", "sysFlag": "0", "bornTimestamp": "1795587237631",
				"flag": "3", "properties": "CORRELATION_ID\x01c-1\x02REPLY_TO_CLIENT\x01192.0.2.2@1\x02MSG_TYPE\x01reply",
				"reconsumeTimes": "0", "unitMode": "false", "bornHost": "192.0.2.3:50123",
				"storeHost": "192.0.2.1:10911", "storeTimestamp": "1795587237700",
			},
			decode:   dec(DecodeReplyMessageRequestHeader),
			required: required,
			numeric: []string{"defaultTopicQueueNums", "queueId", "sysFlag", "bornTimestamp", "flag",
				"reconsumeTimes", "storeTimestamp"},
		},
		{
			name: "ReplyMessageRequestHeader/nulls",
			header: ReplyMessageRequestHeader{
				ProducerGroup: "replier", Topic: "C_REPLY_TOPIC", DefaultTopic: "TBW102", BornHost: "192.0.2.3:1",
				StoreHost: "192.0.2.1:2",
			},
			ext: map[string]string{
				"producerGroup": "replier", "topic": "C_REPLY_TOPIC", "defaultTopic": "TBW102",
				"defaultTopicQueueNums": "0", "queueId": "0", "sysFlag": "0", "bornTimestamp": "0", "flag": "0",
				"unitMode": "false", "bornHost": "192.0.2.3:1", "storeHost": "192.0.2.1:2", "storeTimestamp": "0",
			},
			decode:   dec(DecodeReplyMessageRequestHeader),
			required: required,
		},
	}
}

// A reply is sent in the send header: v1 for 324, v2 for 325, and the broker reads both into
// the v1 form.
func TestReplyTravelsInTheSendHeader(t *testing.T) {
	h := SendMessageRequestHeader{
		ProducerGroup: "replier", Topic: ReplyTopic("DefaultCluster"), DefaultTopic: AutoCreateTopicKey,
		DefaultTopicQueueNums: 4, QueueID: -1, BornTimestamp: 17, Properties: "MSG_TYPE\x01reply",
	}
	for code, wantV2 := range map[int32]bool{remoting.CodeSendReplyMessage: false, remoting.CodeSendReplyMessageV2: true} {
		wire, err := h.HeaderFor(code)
		require.NoError(t, err)
		require.Equal(t, wantV2, wire.FastHeader(), "code %d", code)
		back, err := DecodeSendMessageRequest(code, wire.ToExt())
		require.NoError(t, err)
		require.Equal(t, h, back)
	}
	require.Equal(t, "DefaultCluster_REPLY_TOPIC", ReplyTopic("DefaultCluster"))
}
