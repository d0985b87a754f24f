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
		{"REGISTER_BROKER", remoting.NewRequest(remoting.CodeRegisterBroker, ext("brokerName", "broker-a"), nil), want{}},
		{"V2 letters mean nothing elsewhere", remoting.NewRequest(remoting.CodeSendMessage, ext("a", "P", "b", "T"), nil), want{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topic, groups := RequestTarget(tc.cmd)
			require.Equal(t, tc.want, want{topic, groups})
		})
	}
}
