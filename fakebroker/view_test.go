package fakebroker

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestViewMessageByID(t *testing.T) {
	cases := []struct {
		name       string
		ext        func(stored []Message) map[string]string
		wantCode   int32
		wantRemark string
		wantBody   string // the body of the message in the answer
	}{
		{name: "first message", ext: func(s []Message) map[string]string {
			return protocol.ViewMessageRequestHeader{Offset: s[0].CommitLogOffset}.ToExt()
		}, wantBody: "m0"},
		{name: "a later message", ext: func(s []Message) map[string]string {
			return protocol.ViewMessageRequestHeader{Offset: s[2].CommitLogOffset}.ToExt()
		}, wantBody: "m2"},
		{name: "past the end", ext: func(s []Message) map[string]string {
			return protocol.ViewMessageRequestHeader{Offset: 1 << 30}.ToExt()
		}, wantCode: remoting.SystemError, wantRemark: "can not find message by the offset, 1073741824"},
		{name: "inside a record", ext: func(s []Message) map[string]string {
			return protocol.ViewMessageRequestHeader{Offset: s[1].CommitLogOffset + 4}.ToExt()
		}, wantCode: remoting.SystemError, wantRemark: "can not find message by the offset, "},
		{name: "no offset", ext: func([]Message) map[string]string { return map[string]string{} },
			wantCode: remoting.SystemError, wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.ViewMessageRequestHeader.getOffset()" is null, org.apache.rocketmq.broker.processor.QueryMessageProcessor.viewMessageById(QueryMessageProcessor.java:135)`},
		{name: "bad offset", ext: func([]Message) map[string]string { return map[string]string{"offset": "x"} },
			wantCode: remoting.SystemError, wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.ViewMessageRequestHeader.getOffset()" is null, org.apache.rocketmq.broker.processor.QueryMessageProcessor.viewMessageById(QueryMessageProcessor.java:135)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, WithTopic("T", 2))
				for i := range 3 {
					r.send(remoting.CodeSendMessageV2, "T", int32(i%2), "m"+itoa(i), map[string]string{"UNIQ_KEY": "U" + itoa(i)})
				}
				stored := r.b.Messages("T")
				ext := tc.ext(stored)
				resp := r.invoke(remoting.NewRequest(remoting.CodeViewMessageByID, ext, nil))
				require.Equal(t, tc.wantCode, resp.Code, resp.Remark)
				require.Nil(t, resp.ExtFields)
				if tc.wantCode != remoting.Success {
					want := tc.wantRemark
					if tc.name == "inside a record" {
						want += itoa(int(stored[1].CommitLogOffset + 4))
					}
					require.Equal(t, want, resp.Remark)
					require.Empty(t, resp.Body)
					return
				}
				require.Empty(t, resp.Remark)
				msgs, err := protocol.DecodeStoredMessages(resp.Body)
				require.NoError(t, err)
				require.Len(t, msgs, 1, "one record")
				m := msgs[0]
				require.Equal(t, tc.wantBody, string(m.Body))
				var want Message
				for _, s := range stored {
					if string(s.Body) == tc.wantBody {
						want = s
					}
				}
				require.Equal(t, want.OffsetMsgID, m.MsgID)
				require.Equal(t, want.CommitLogOffset, m.CommitLogOffset)
				require.Equal(t, want.QueueOffset, m.QueueOffset)
				require.Equal(t, want.Properties, m.Properties)
				require.Equal(t, int(want.StoreSize), len(resp.Body))
			})
		})
	}
}
