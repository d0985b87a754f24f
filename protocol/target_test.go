package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

func TestRequestTarget(t *testing.T) {
	ext := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	beat := (&HeartbeatData{
		ClientID:        "c",
		ProducerDataSet: []ProducerData{{GroupName: "P"}},
		ConsumerDataSet: []ConsumerData{{GroupName: "CID_P"}, {GroupName: "P"}},
	}).Encode()
	half, err := EncodeStoredMessage(&MessageExt{Message: Message{
		Topic: "T", Body: []byte("half"), Properties: map[string]string{PropertyProducerGroup: "P", PropertyTransactionPrepared: "true"},
	}})
	require.NoError(t, err)
	type want struct {
		topic  string
		groups []string
	}
	cases := []struct {
		name string
		cmd  *remoting.Command
		want want
	}{
		{"SEND_MESSAGE", remoting.NewRequest(remoting.CodeSendMessage, ext("topic", "T", "producerGroup", "P", "queueId", "1"), nil), want{"T", []string{"P"}}},
		{"SEND_MESSAGE_V2", remoting.NewRequest(remoting.CodeSendMessageV2, ext("b", "T", "a", "P", "e", "1"), nil), want{"T", []string{"P"}}},
		{"SEND_BATCH_MESSAGE", remoting.NewRequest(remoting.CodeSendBatchMessage, ext("b", "T", "a", "P"), nil), want{"T", []string{"P"}}},
		{"GET_ROUTEINFO_BY_TOPIC", remoting.NewRequest(remoting.CodeGetRouteInfoByTopic, ext("topic", "T"), nil), want{"T", nil}},
		{"PULL_MESSAGE", remoting.NewRequest(remoting.CodePullMessage, ext("topic", "T", "consumerGroup", "C"), nil), want{"T", []string{"C"}}},
		{"UNREGISTER_CLIENT", remoting.NewRequest(remoting.CodeUnregisterClient, ext("clientID", "x", "producerGroup", "P", "consumerGroup", "C"), nil), want{"", []string{"P", "C"}}},
		{"CONSUMER_SEND_MSG_BACK", remoting.NewRequest(remoting.CodeConsumerSendMsgBack, ext("group", "C", "offset", "1"), nil), want{"", []string{"C"}}},
		{"HEART_BEAT", remoting.NewRequest(remoting.CodeHeartBeat, nil, beat), want{"", []string{"P", "CID_P"}}},
		{"HEART_BEAT with a bad body", remoting.NewRequest(remoting.CodeHeartBeat, nil, []byte("{")), want{}},
		{"END_TRANSACTION", remoting.NewRequest(remoting.CodeEndTransaction, ext("producerGroup", "P", "msgId", "M"), nil), want{"", []string{"P"}}},
		{"CHECK_TRANSACTION_STATE", remoting.NewRequest(remoting.CodeCheckTransactionState, ext("msgId", "M"), half), want{"T", []string{"P"}}},
		{"CHECK_TRANSACTION_STATE with a bad body", remoting.NewRequest(remoting.CodeCheckTransactionState, nil, []byte("x")), want{}},
		{"SEND_REPLY_MESSAGE", remoting.NewRequest(remoting.CodeSendReplyMessage, ext("topic", "C_REPLY_TOPIC", "producerGroup", "P"), nil), want{"C_REPLY_TOPIC", []string{"P"}}},
		{"SEND_REPLY_MESSAGE_V2", remoting.NewRequest(remoting.CodeSendReplyMessageV2, ext("b", "C_REPLY_TOPIC", "a", "P"), nil), want{"C_REPLY_TOPIC", []string{"P"}}},
		{"PUSH_REPLY_MESSAGE_TO_CLIENT", remoting.NewRequest(remoting.CodePushReplyMessageToClient, ext("topic", "C_REPLY_TOPIC", "producerGroup", "P"), nil), want{"C_REPLY_TOPIC", []string{"P"}}},
		{"REGISTER_BROKER", remoting.NewRequest(remoting.CodeRegisterBroker, ext("brokerName", "broker-a"), nil), want{}},
		{"V2 letters mean nothing elsewhere", remoting.NewRequest(remoting.CodeSendMessage, ext("a", "P", "b", "T"), nil), want{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topic, groups := RequestTarget(tc.cmd)
			require.Equal(t, tc.want, want{topic, groups})
			if TargetInHeader(tc.cmd.Code) {
				topic, groups = RequestTarget(&remoting.Command{Code: tc.cmd.Code, ExtFields: tc.cmd.ExtFields})
				require.Equal(t, tc.want, want{topic, groups}, "found in the header alone")
			}
		})
	}
}
