package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// sendBack gives the message at offset back for group cg.
func (r *rig) sendBack(h protocol.ConsumerSendMsgBackRequestHeader, version int32) *remoting.Command {
	r.t.Helper()
	req := protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, h, nil)
	req.Version = version
	return r.invoke(req)
}

func TestSendBack(t *testing.T) {
	const v497 = 407 // MQVersion V4_9_7
	two := int32(2)
	cases := []struct {
		name       string
		opts       []Option
		reconsume  int32 // the original message's reconsumeTimes
		edit       func(h *protocol.ConsumerSendMsgBackRequestHeader)
		ext        map[string]string // replaces the header when set
		version    int32
		wantCode   int32
		wantRemark string
		// a successful send-back: where the message goes and after how long
		wantTopic string
		wantDelay int // level; 0 = dead-letter queue, no delay
		wantAfter time.Duration
	}{
		{name: "broker picks the level", edit: func(h *protocol.ConsumerSendMsgBackRequestHeader) {},
			wantTopic: "%RETRY%cg", wantDelay: 3, wantAfter: 10 * time.Second},
		{name: "broker picks the level after retries", reconsume: 2,
			wantTopic: "%RETRY%cg", wantDelay: 5, wantAfter: time.Minute},
		{name: "consumer's level", edit: func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.DelayLevel = 1 },
			wantTopic: "%RETRY%cg", wantDelay: 1, wantAfter: time.Second},
		{name: "level over the highest", edit: func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.DelayLevel = 30 },
			wantTopic: "%RETRY%cg", wantDelay: 18, wantAfter: 2 * time.Hour},
		{name: "negative level: dead letter", edit: func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.DelayLevel = -1 },
			wantTopic: "%DLQ%cg"},
		{name: "16 retries: dead letter", reconsume: 16, wantTopic: "%DLQ%cg"},
		{name: "header's max reconsume times", reconsume: 2,
			edit:      func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.MaxReconsumeTimes = &two },
			wantTopic: "%DLQ%cg"},
		{name: "header's max reconsume times before V3_4_9 ignored", reconsume: 2, version: 120,
			edit:      func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.MaxReconsumeTimes = &two },
			wantTopic: "%RETRY%cg", wantDelay: 5, wantAfter: time.Minute},
		{name: "unknown offset", edit: func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.Offset = 999_999 },
			wantCode: remoting.SystemError, wantRemark: "look message by offset failed, 999999"},
		{name: "offset inside a record", edit: func(h *protocol.ConsumerSendMsgBackRequestHeader) { h.Offset++ },
			wantCode: remoting.SystemError, wantRemark: "look message by offset failed, 1"},
		{name: "no subscription group", opts: []Option{WithAutoCreateSubscriptionGroup(false)},
			wantCode: remoting.SubscriptionGroupNotExist, wantRemark: "subscription group not exist, cg " + faqSuffix},
		{name: "read-only broker", opts: []Option{WithPermission(protocol.PermRead)},
			wantCode: remoting.NoPermission, wantRemark: "the broker[127.0.0.1] sending message is forbidden"},
		{name: "no offset", ext: map[string]string{"group": "cg", "delayLevel": "0"},
			wantCode: remoting.SystemError, wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.ConsumerSendMsgBackRequestHeader.getOffset()" is null, org.apache.rocketmq.broker.processor.SendMessageProcessor.asyncConsumerSendMsgBack(SendMessageProcessor.java:168)`},
		{name: "no delay level", ext: map[string]string{"group": "cg", "offset": "0"},
			wantCode: remoting.SystemError, wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of "org.apache.rocketmq.common.protocol.header.ConsumerSendMsgBackRequestHeader.getDelayLevel()" is null, org.apache.rocketmq.broker.processor.SendMessageProcessor.asyncConsumerSendMsgBack(SendMessageProcessor.java:181)`},
		{name: "no group", ext: map[string]string{"offset": "0", "delayLevel": "0"},
			wantCode: remoting.SystemError, wantRemark: "java.lang.NullPointerException: the custom field <group> is null"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := consumerRig(t, tc.opts...)
				h := sendHeader("T", 1, map[string]string{"UNIQ_KEY": "U1", "TAGS": "TagA", "KEYS": "K1"})
				h.ReconsumeTimes = &tc.reconsume
				resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, []byte("body")))
				require.Equal(t, remoting.Success, resp.Code, resp.Remark)
				orig := r.b.Messages("T")[0]
				require.Equal(t, int64(0), orig.CommitLogOffset)

				back := protocol.ConsumerSendMsgBackRequestHeader{Offset: orig.CommitLogOffset, Group: "cg",
					OriginMsgID: "U1", OriginTopic: "T"}
				if tc.edit != nil {
					tc.edit(&back)
				}
				version := tc.version
				if version == 0 {
					version = v497
				}
				var req *remoting.Command
				if tc.ext != nil {
					req = remoting.NewRequest(remoting.CodeConsumerSendMsgBack, tc.ext, nil)
					req.Version = version
					resp = r.invoke(req)
				} else {
					resp = r.sendBack(back, version)
				}
				wantCode := tc.wantCode
				if tc.wantTopic != "" {
					wantCode = remoting.Success
				}
				require.Equal(t, wantCode, resp.Code, resp.Remark)
				require.Equal(t, tc.wantRemark, resp.Remark)
				require.Nil(t, resp.ExtFields, "Java's createResponseCommand(null)")
				if tc.wantTopic == "" {
					require.Empty(t, r.b.Messages("%DLQ%cg"))
					require.Empty(t, r.b.Messages(protocol.ScheduleTopic))
					return
				}

				// The retry topic is created in any case; the DLQ topic on the way there.
				retry, ok := r.b.Topic("%RETRY%cg")
				require.True(t, ok)
				require.Equal(t, int32(1), retry.ReadQueueNums)
				require.Equal(t, int32(1), retry.WriteQueueNums)
				require.Equal(t, protocol.PermRead|protocol.PermWrite, retry.Perm)
				wantProps := map[string]string{
					"UNIQ_KEY": "U1", "TAGS": "TagA", "KEYS": "K1", "CLUSTER": "DefaultCluster",
					"RETRY_TOPIC": "T", "WAIT": "false", "ORIGIN_MESSAGE_ID": orig.OffsetMsgID,
					"DELAY": itoa(tc.wantDelay),
				}
				if tc.wantDelay == 0 {
					dlq, ok := r.b.Topic("%DLQ%cg")
					require.True(t, ok)
					require.Equal(t, int32(1), dlq.WriteQueueNums)
					require.Equal(t, protocol.PermRead|protocol.PermWrite, dlq.Perm)
					require.Empty(t, r.b.Messages(protocol.ScheduleTopic))
					got := r.b.Messages("%DLQ%cg")
					require.Len(t, got, 1)
					require.Equal(t, wantProps, got[0].Properties)
					require.Equal(t, tc.reconsume+1, got[0].ReconsumeTimes)
					require.Equal(t, "body", string(got[0].Body))
					return
				}
				_, dlq := r.b.Topic("%DLQ%cg")
				require.False(t, dlq)
				sched := r.b.Messages(protocol.ScheduleTopic)
				require.Len(t, sched, 1)
				require.Equal(t, int32(tc.wantDelay-1), sched[0].QueueID)
				wantProps["REAL_TOPIC"], wantProps["REAL_QID"] = "%RETRY%cg", "0"
				require.Equal(t, wantProps, sched[0].Properties)
				require.Equal(t, tc.reconsume+1, sched[0].ReconsumeTimes)

				time.Sleep(tc.wantAfter - time.Millisecond)
				synctest.Wait()
				require.Empty(t, r.peek("%RETRY%cg", 0), "invisible before the delay")
				time.Sleep(time.Millisecond)
				synctest.Wait()
				got := r.peek("%RETRY%cg", 0)
				require.Len(t, got, 1)
				m := got[0]
				require.Equal(t, "%RETRY%cg", m.Topic)
				require.Equal(t, wantProps, m.Properties)
				require.Equal(t, tc.reconsume+1, m.ReconsumeTimes)
				require.Equal(t, "body", string(m.Body))
				require.Equal(t, int64(1_700_000_000_000), m.BornTimestamp)
				require.Equal(t, "U1", m.UniqKey(), "the consumer's msgId stays the same")
			})
		})
	}
}

// A retried message given back again keeps its first id and topic, and counts on.
func TestSendBackOfARetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := consumerRig(t)
		r.send(remoting.CodeSendMessageV2, "T", 0, "body", map[string]string{"UNIQ_KEY": "U1"})
		orig := r.b.Messages("T")[0]
		resp := r.sendBack(protocol.ConsumerSendMsgBackRequestHeader{Offset: orig.CommitLogOffset, Group: "cg"}, 407)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		first := r.b.Messages("%RETRY%cg")
		require.Len(t, first, 1)

		resp = r.sendBack(protocol.ConsumerSendMsgBackRequestHeader{Offset: first[0].CommitLogOffset, Group: "cg"}, 407)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		delayed := r.b.DelayedMessages()
		require.Len(t, delayed, 1)
		require.Equal(t, 4, delayed[0].Level, "3 + reconsumeTimes 1")
		time.Sleep(30 * time.Second)
		synctest.Wait()
		second := r.b.Messages("%RETRY%cg")
		require.Len(t, second, 2)
		require.Equal(t, int32(2), second[1].ReconsumeTimes)
		require.Equal(t, orig.OffsetMsgID, second[1].Properties["ORIGIN_MESSAGE_ID"])
		require.Equal(t, "T", second[1].Properties["RETRY_TOPIC"])
		require.Equal(t, "4", second[1].Properties["DELAY"])
	})
}
