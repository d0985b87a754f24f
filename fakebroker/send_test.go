package fakebroker

import (
	"context"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

var storeHost = netip.MustParseAddrPort(brokerAddr)

// requireChained checks that stored messages sit one after another in the commit log and
// carry the offset ids of their positions.
func requireChained(t *testing.T, msgs []Message) {
	t.Helper()
	for i, m := range msgs {
		require.Equal(t, protocol.CreateOffsetMsgID(storeHost, m.CommitLogOffset), m.OffsetMsgID)
		require.Equal(t, storeHost.String(), m.StoreHost)
		if i > 0 {
			require.Equal(t, msgs[i-1].CommitLogOffset+int64(msgs[i-1].StoreSize), m.CommitLogOffset)
		}
	}
}

func TestSendStoresWithOffsetsAndIDs(t *testing.T) {
	for _, code := range []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2} {
		t.Run(remoting.RequestCodeName(code), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, WithTopic("T", 4))
				props := map[string]string{"KEYS": "K1", "TAGS": "TagA", "WAIT": "true", "UNIQ_KEY": "U1", "p": "v"}
				var answers []protocol.SendMessageResponseHeader
				for i, q := range []int32{0, 2, 0, 0} {
					answers = append(answers, r.send(code, "T", q, "body-"+itoa(i), props))
				}
				// Per-queue logical offsets from 0; ids in commit-log order.
				require.Equal(t, []int64{0, 0, 1, 2}, []int64{
					answers[0].QueueOffset, answers[1].QueueOffset, answers[2].QueueOffset, answers[3].QueueOffset})
				require.Equal(t, int32(2), answers[1].QueueID)
				require.Equal(t, protocol.CreateOffsetMsgID(storeHost, 0), answers[0].MsgID)
				require.Equal(t, "DefaultRegion", answers[0].MsgRegion)
				require.True(t, *answers[0].TraceOn)

				msgs := r.b.Messages("T")
				require.Len(t, msgs, 4)
				requireChained(t, msgs)
				for i, m := range msgs {
					require.Equal(t, answers[i].MsgID, m.OffsetMsgID)
					require.Equal(t, answers[i].QueueOffset, m.QueueOffset)
					require.Equal(t, "body-"+itoa(i), string(m.Body))
					require.Equal(t, "U1", m.MsgID)
					require.Equal(t, "TagA", m.Tags)
					require.Equal(t, []string{"K1"}, m.Keys)
					// CLUSTER added, WAIT not stored.
					require.Equal(t, map[string]string{"KEYS": "K1", "TAGS": "TagA", "UNIQ_KEY": "U1", "p": "v", "CLUSTER": "DefaultCluster"}, m.Properties)
					require.Equal(t, int64(1_700_000_000_000), m.BornTimestamp)
					require.True(t, strings.HasPrefix(m.BornHost, "127.0.0.1:"), m.BornHost)
					require.Equal(t, "broker-a", m.Broker)
				}
				require.Equal(t, int64(3), r.b.MaxOffset("T", 0))
				require.Equal(t, int64(1), r.b.MaxOffset("T", 2))
			})
		})
	}
}

func TestSendBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		r.send(remoting.CodeSendMessageV2, "T", 1, "first", nil)
		var batch []*protocol.Message
		for i := range 3 {
			m := protocol.NewMessage("T", []byte("b"+itoa(i)))
			m.SetKeys("K-batch-" + itoa(i))
			m.SetUniqKey("U" + itoa(i))
			m.Flag = int32(i)
			batch = append(batch, m)
		}
		body, err := protocol.EncodeBatch(batch)
		require.NoError(t, err)
		resp := r.invoke(sendReq(t, remoting.CodeSendBatchMessage,
			sendHeader("T", 1, map[string]string{"WAIT": "true"}), body))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		h, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
		require.NoError(t, err)
		require.Equal(t, int64(1), h.QueueOffset)

		msgs := r.b.Messages("T")
		require.Len(t, msgs, 4)
		requireChained(t, msgs)
		var ids []string
		for i, m := range msgs[1:] {
			ids = append(ids, m.OffsetMsgID)
			require.Equal(t, int64(i+1), m.QueueOffset)
			require.Equal(t, "b"+itoa(i), string(m.Body))
			require.Equal(t, int32(i), m.Flag)
			require.Equal(t, "U"+itoa(i), m.MsgID)
			// The message's properties, then the batch's with CLUSTER.
			require.Equal(t, map[string]string{
				"KEYS": "K-batch-" + itoa(i), "UNIQ_KEY": "U" + itoa(i), "WAIT": "true", "CLUSTER": "DefaultCluster",
			}, m.Properties)
		}
		require.Equal(t, strings.Join(ids, ","), h.MsgID)
	})
}

// A batch is what the header says, whatever the code.
func TestSendBatchFlagDecidesNotTheCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		body, err := protocol.EncodeBatch([]*protocol.Message{protocol.NewMessage("T", []byte("a")), protocol.NewMessage("T", []byte("b"))})
		require.NoError(t, err)
		h := sendHeader("T", 0, nil)
		h.Batch = true
		resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, body))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Len(t, strings.Split(resp.ExtFields["msgId"], ","), 2)
	})
}

func TestSendCompressedBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		plain := []byte(strings.Repeat("rocketsim ", 1000))
		z, err := protocol.Compress(plain, protocol.DefaultCompressLevel)
		require.NoError(t, err)
		h := sendHeader("T", 3, nil)
		h.SysFlag = protocol.SysFlagCompressed | protocol.SysFlagCompressionZLIB
		resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, z))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		m := r.b.Messages("T")[0]
		require.Equal(t, plain, m.Body)
		require.Equal(t, z, m.StoredBody)
		require.Equal(t, int32(0x301), m.SysFlag)
	})
}

func TestSendAutoCreate(t *testing.T) {
	cases := []struct {
		name          string
		opts          []Option
		defaultTopic  string
		queueNums     int32
		wantCode      int32
		wantQueues    int32
		wantRegisters int
	}{
		{"from TBW102", nil, "TBW102", 4, remoting.Success, 4, 2},
		{"capped by TBW102's write queues", nil, "TBW102", 16, remoting.Success, 8, 2},
		{"smaller TBW102", []Option{WithDefaultTopicQueueNums(2)}, "TBW102", 4, remoting.Success, 2, 2},
		{"disabled", []Option{WithAutoCreateTopic(false)}, "TBW102", 4, remoting.TopicNotExist, 0, 1},
		{"unknown default topic", nil, "NoSuchDefault", 4, remoting.TopicNotExist, 0, 1},
		{"default without inherit", []Option{WithTopic("Plain", 4)}, "Plain", 4, remoting.TopicNotExist, 0, 1},
		// Any topic with the inherit bit is a template in Java, the cluster topic too.
		{"cluster topic as template", []Option{WithAutoCreateTopic(false)}, "DefaultCluster", 4, remoting.Success, 4, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tc.opts...)
				h := sendHeader("Fresh", 0, nil)
				h.DefaultTopic, h.DefaultTopicQueueNums = tc.defaultTopic, tc.queueNums
				resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, []byte("x")))
				require.Equal(t, tc.wantCode, resp.Code, resp.Remark)
				require.Equal(t, "DefaultRegion", resp.ExtFields["MSG_REGION"])
				require.Equal(t, "true", resp.ExtFields["TRACE_ON"])
				synctest.Wait()
				require.Len(t, r.ns.registrations(), tc.wantRegisters)
				topic, ok := r.b.Topic("Fresh")
				if tc.wantCode != remoting.Success {
					require.False(t, ok)
					require.Equal(t, "topic[Fresh] not exist, apply first please!\nSee http://rocketmq.apache.org/docs/faq/ for further details.", resp.Remark)
					require.Empty(t, r.b.Messages("Fresh"))
					return
				}
				require.True(t, ok)
				require.Equal(t, tc.wantQueues, topic.ReadQueueNums)
				require.Equal(t, tc.wantQueues, topic.WriteQueueNums)
				require.Equal(t, int32(6), topic.Perm)
				require.Len(t, r.b.Messages("Fresh"), 1)
			})
		})
	}
}

func TestSendRefusals(t *testing.T) {
	const maxSize = 1024
	type msgCase struct {
		name       string
		opts       []Option
		code       int32
		edit       func(h *protocol.SendMessageRequestHeader, body *[]byte)
		ext        func(ext map[string]string)
		wantCode   int32
		wantRemark string // "" = any; "@peer" is replaced by the client's address
		noExt      bool   // Java threw: no extFields at all
	}
	big := strings.Repeat("x", maxSize+1)
	illegal := "the message is illegal, maybe msg body or properties length not matched. msg body length limit 1024B, msg properties length limit 32KB."
	cases := []msgCase{
		{name: "queue id out of range", code: remoting.CodeSendMessageV2,
			edit:     func(h *protocol.SendMessageRequestHeader, _ *[]byte) { h.QueueID = 4 },
			wantCode: remoting.SystemError,
			wantRemark: "request queueId[4] is illegal, TopicConfig [topicName=T, readQueueNums=4, writeQueueNums=4, perm=RW-, " +
				"topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false] Producer: @peer"},
		{name: "body over maxMessageSize", code: remoting.CodeSendMessage,
			edit:     func(_ *protocol.SendMessageRequestHeader, b *[]byte) { *b = []byte(big) },
			wantCode: remoting.MessageIllegal, wantRemark: illegal},
		{name: "batch body over maxMessageSize", code: remoting.CodeSendBatchMessage,
			edit: func(_ *protocol.SendMessageRequestHeader, b *[]byte) {
				*b, _ = protocol.EncodeBatch([]*protocol.Message{protocol.NewMessage("T", []byte(big))})
			},
			wantCode: remoting.MessageIllegal, wantRemark: illegal},
		{name: "properties over 32767 bytes", code: remoting.CodeSendMessageV2,
			edit: func(h *protocol.SendMessageRequestHeader, _ *[]byte) {
				h.Properties = protocol.EncodeProperties(map[string]string{"big": strings.Repeat("p", 32760)})
			},
			wantCode: remoting.MessageIllegal, wantRemark: illegal},
		{name: "illegal topic name", code: remoting.CodeSendMessageV2,
			edit:     func(h *protocol.SendMessageRequestHeader, _ *[]byte) { h.Topic = "bad topic" },
			wantCode: remoting.SystemError, wantRemark: "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"},
		{name: "topic too long", code: remoting.CodeSendMessageV2,
			edit:     func(h *protocol.SendMessageRequestHeader, _ *[]byte) { h.Topic = strings.Repeat("t", 128) },
			wantCode: remoting.SystemError, wantRemark: "The specified topic is longer than topic max length."},
		{name: "topic missing", code: remoting.CodeSendMessageV2,
			ext:      func(ext map[string]string) { delete(ext, "b") },
			wantCode: remoting.SystemError, wantRemark: "The specified topic is blank."},
		{name: "system topic", code: remoting.CodeSendMessageV2,
			edit:     func(h *protocol.SendMessageRequestHeader, _ *[]byte) { h.Topic = "SCHEDULE_TOPIC_XXXX" },
			wantCode: remoting.NoPermission, wantRemark: "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden."},
		{name: "read-only broker, ordered topic", code: remoting.CodeSendMessageV2,
			opts:     []Option{WithPermission(protocol.PermRead)},
			edit:     func(h *protocol.SendMessageRequestHeader, _ *[]byte) { h.Topic = "Ordered" },
			wantCode: remoting.NoPermission, wantRemark: "the broker[127.0.0.1] sending message is forbidden"},
		{name: "read-only broker, plain topic is still stored (4.9.7)", code: remoting.CodeSendMessageV2,
			opts:     []Option{WithPermission(protocol.PermRead)},
			wantCode: remoting.Success},
		{name: "transaction refused", code: remoting.CodeSendMessageV2,
			opts: []Option{WithRejectTransactionMessage(true)},
			edit: func(h *protocol.SendMessageRequestHeader, _ *[]byte) {
				h.Properties = protocol.EncodeProperties(map[string]string{"TRAN_MSG": "true"})
			},
			wantCode: remoting.NoPermission, wantRemark: "the broker[127.0.0.1] sending transaction message is forbidden"},
		{name: "delayed batch", code: remoting.CodeSendBatchMessage,
			edit: func(h *protocol.SendMessageRequestHeader, b *[]byte) {
				h.Properties = protocol.EncodeProperties(map[string]string{"DELAY": "3"})
				*b, _ = protocol.EncodeBatch([]*protocol.Message{protocol.NewMessage("T", []byte("a"))})
			},
			wantCode: remoting.MessageIllegal, wantRemark: illegal},
		{name: "v2 queue id missing", code: remoting.CodeSendMessageV2,
			ext:      func(ext map[string]string) { delete(ext, "e") },
			wantCode: remoting.SystemError, noExt: true,
			wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.SendMessageRequestHeader.getQueueId()" is null, ` +
				`org.apache.rocketmq.broker.processor.AbstractSendMessageProcessor.msgCheck(AbstractSendMessageProcessor.java:218)`},
		{name: "v1 queue id unparsable reads as null", code: remoting.CodeSendMessage,
			ext:      func(ext map[string]string) { ext["queueId"] = "abc" },
			wantCode: remoting.SystemError, noExt: true,
			wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.SendMessageRequestHeader.getQueueId()" is null, ` +
				`org.apache.rocketmq.broker.processor.AbstractSendMessageProcessor.msgCheck(AbstractSendMessageProcessor.java:218)`},
		{name: "v2 number unparsable throws", code: remoting.CodeSendMessageV2,
			ext:      func(ext map[string]string) { ext["d"] = "zz" },
			wantCode: remoting.SystemError, noExt: true,
			wantRemark: `java.lang.NumberFormatException: For input string: "zz", java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)`},
		{name: "born timestamp missing", code: remoting.CodeSendMessage,
			ext:      func(ext map[string]string) { delete(ext, "bornTimestamp") },
			wantCode: remoting.SystemError, noExt: true,
			wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.SendMessageRequestHeader.getBornTimestamp()" is null, ` +
				`org.apache.rocketmq.broker.processor.SendMessageProcessor.asyncSendMessage(SendMessageProcessor.java:297)`},
		{name: "default topic missing for a new topic", code: remoting.CodeSendMessageV2,
			edit:     func(h *protocol.SendMessageRequestHeader, _ *[]byte) { h.Topic = "Fresh" },
			ext:      func(ext map[string]string) { delete(ext, "c") },
			wantCode: remoting.SystemError, noExt: true, wantRemark: "java.lang.NullPointerException: the custom field <c> is null"},
		{name: "producer group missing is fine", code: remoting.CodeSendMessageV2,
			ext:      func(ext map[string]string) { delete(ext, "a") },
			wantCode: remoting.Success},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				opts := append([]Option{WithTopic("T", 4), WithMaxMessageSize(maxSize)}, tc.opts...)
				mem := remoting.NewMemNetwork()
				ns := newStubNS(t, mem, nsAddr)
				ns.setKV(map[string]string{"Ordered": "broker-a:4"})
				b := New(append(append(baseOptions(mem, nsAddr), WithTopic("Ordered", 4)), opts...)...)
				require.NoError(t, b.Start())
				defer b.Crash()
				r := &rig{t: t, mem: mem, ns: ns, b: b}
				r.client = r.newClient()

				h := sendHeader("T", 0, nil)
				body := []byte("hello")
				if tc.edit != nil {
					tc.edit(&h, &body)
				}
				req := sendReq(t, tc.code, h, body)
				if tc.ext != nil {
					tc.ext(req.ExtFields)
				}
				resp := r.invoke(req)
				require.Equal(t, tc.wantCode, resp.Code, resp.Remark)
				remark := tc.wantRemark
				if strings.Contains(remark, "@peer") {
					entries := b.History().Requests(tc.code)
					remark = strings.ReplaceAll(remark, "@peer", entries[len(entries)-1].Peer)
				}
				if remark != "" {
					require.Equal(t, remark, resp.Remark)
				}
				if tc.noExt {
					require.Nil(t, resp.ExtFields)
				} else {
					require.Equal(t, "DefaultRegion", resp.ExtFields["MSG_REGION"])
					require.Equal(t, "true", resp.ExtFields["TRACE_ON"])
				}
				if tc.wantCode != remoting.Success {
					require.Empty(t, b.Messages("T"))
					require.Empty(t, b.Messages("Ordered"))
				}
			})
		})
	}
}

func TestSendNegativeQueueIDPicksAQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		for range 20 {
			h := r.send(remoting.CodeSendMessageV2, "T", -1, "x", nil)
			require.GreaterOrEqual(t, h.QueueID, int32(0))
			require.Less(t, h.QueueID, int32(4))
		}
	})
}

func TestSendRetryTopicAndDeadLetterQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithAutoCreateTopic(false))
		send := func(times int32) protocol.SendMessageResponseHeader {
			h := sendHeader("%RETRY%cg", 0, nil)
			h.ReconsumeTimes = &times
			resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, []byte("retry")))
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			out, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
			require.NoError(t, err)
			return out
		}
		send(3)
		tc, ok := r.b.Topic("%RETRY%cg")
		require.True(t, ok, "retry topic created on send")
		// Without a template topic Java creates it with 1 queue (createTopicInSendMessageBackMethod).
		require.Equal(t, int32(1), tc.WriteQueueNums)
		require.Len(t, r.b.Messages("%RETRY%cg"), 1)

		send(16) // 16 = the group's retryMaxTimes: to the dead-letter queue
		require.Len(t, r.b.Messages("%RETRY%cg"), 1)
		dlq := r.b.Messages("%DLQ%cg")
		require.Len(t, dlq, 1)
		require.Equal(t, int32(0), dlq[0].QueueID)
		tc, ok = r.b.Topic("%DLQ%cg")
		require.True(t, ok)
		require.Equal(t, int32(6), tc.Perm)
	})
}

func TestSendTransactionHalfMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		h := sendHeader("T", 2, map[string]string{"TRAN_MSG": "true", "PGROUP": "pg", "WAIT": "true"})
		h.SysFlag = protocol.SysFlagTransactionPrepared
		resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, h, []byte("half")))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, "2", resp.ExtFields["queueId"])
		require.Empty(t, r.b.Messages("T"), "consumers must not see a half message")
		half := r.b.Messages("RMQ_SYS_TRANS_HALF_TOPIC")
		require.Len(t, half, 1)
		require.Equal(t, "T", half[0].Properties["REAL_TOPIC"])
		require.Equal(t, "2", half[0].Properties["REAL_QID"])
		require.Equal(t, int32(0), protocol.TransactionType(half[0].SysFlag))
		// Unlike a plain message, a half message keeps WAIT: Java puts it back into the map
		// the half message's string is made from, after CLUSTER.
		require.Equal(t, "REAL_TOPIC\x01T\x02TRAN_MSG\x01true\x02CLUSTER\x01DefaultCluster\x02PGROUP\x01pg\x02WAIT\x01true\x02REAL_QID\x012", storedProps(t, r.b, protocol.TransHalfTopic, 0))
	})
}

func TestSendDelayedMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		start := time.Now()
		h := r.send(remoting.CodeSendMessageV2, "T", 3, "later", map[string]string{"DELAY": "2", "UNIQ_KEY": "D1"})
		require.Equal(t, int32(3), h.QueueID)
		require.Empty(t, r.b.Messages("T"))
		sched := r.b.Messages("SCHEDULE_TOPIC_XXXX")
		require.Len(t, sched, 1)
		require.Equal(t, int32(1), sched[0].QueueID) // level 2 -> queue 1

		time.Sleep(4 * time.Second)
		synctest.Wait()
		require.Empty(t, r.b.Messages("T"))
		time.Sleep(time.Second)
		synctest.Wait()
		got := r.b.Messages("T")
		require.Len(t, got, 1)
		require.Equal(t, int32(3), got[0].QueueID)
		require.Equal(t, "D1", got[0].MsgID)
		require.Equal(t, "later", string(got[0].Body))
		// Java 4.9.7's messageTimeup builds the stored properties before it clears DELAY.
		require.Equal(t, "2", got[0].Properties["DELAY"])
		require.Equal(t, "T", got[0].Properties["REAL_TOPIC"])
		require.Equal(t, 5*time.Second, time.UnixMilli(got[0].StoreTimestamp).Sub(start))
	})
}

// A broker that is down when a delayed message falls due delivers it after its restart.
func TestSendDelayedMessageSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		r.send(remoting.CodeSendMessageV2, "T", 0, "later", map[string]string{"DELAY": "3"}) // 10 s
		r.b.Crash()
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Empty(t, r.b.Messages("T"))
		require.NoError(t, r.b.Start())
		synctest.Wait()
		require.Len(t, r.b.Messages("T"), 1)
	})
}

func TestSendConcurrentSendersGetDistinctOffsets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1))
		const senders, each = 8, 25
		done := make(chan []int64, senders)
		for range senders {
			c := r.newClient()
			go func() {
				var offs []int64
				for range each {
					resp := invokeOn(t, c, sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 0, nil), []byte("x")))
					h, _ := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
					offs = append(offs, h.QueueOffset)
				}
				done <- offs
			}()
		}
		var all []int64
		for range senders {
			all = append(all, <-done...)
		}
		slices.Sort(all)
		for i, off := range all {
			require.Equal(t, int64(i), off)
		}
		msgs := r.b.Messages("T")
		require.Len(t, msgs, senders*each)
		requireChained(t, msgs)
		ids := map[string]bool{}
		for _, m := range msgs {
			ids[m.OffsetMsgID] = true
		}
		require.Len(t, ids, senders*each)
	})
}

func TestCreateTopicThenSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithAutoCreateTopic(false))
		tc := protocol.NewTopicConfig("Made")
		tc.ReadQueueNums, tc.WriteQueueNums = 2, 2
		r.b.CreateTopic(context.Background(), tc)
		r.send(remoting.CodeSendMessage, "Made", 1, "x", nil)
		require.Len(t, r.b.Messages("Made"), 1)
	})
}

// Sends are served on the connection's read goroutine (remoting.Server.HandleInline) only when
// they cannot block: to a topic the broker has, not a retry topic (whose dead-letter topic may
// be created). Creating a topic registers the broker with the name servers, which may wait.
func TestSendsServedInlineOnlyToKnownTopics(t *testing.T) {
	b := New(WithTopic("T", 4), WithTopic("%RETRY%G", 1))
	inline := b.inlineHandlers()
	for code, key := range map[int32]string{
		remoting.CodeSendMessage:      protocol.FieldTopic,
		remoting.CodeSendMessageV2:    protocol.FieldV2Topic,
		remoting.CodeSendBatchMessage: protocol.FieldV2Topic,
	} {
		when := inline[code]
		require.NotNil(t, when, "code %d", code)
		for topic, want := range map[string]bool{"T": true, "NEW": false, "%RETRY%G": false, "": false} {
			cmd := remoting.NewRequest(code, map[string]string{key: topic}, nil)
			require.Equal(t, want, when(cmd), "code %d, topic %q", code, topic)
		}
	}
	require.Len(t, inline, 3, "nothing else is served inline")
}

// Every field a send needs (sendNeeds, answered with Java's exception when it lacks one) is one
// the send header's decoder requires: a header without it, or with a word where its number is
// due, does not decode. lacks relies on that to skip its search when the header decoded.
func TestSendNeedsAreRequiredByTheDecoder(t *testing.T) {
	for _, code := range []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2} {
		needs := sendNeedsV1
		if code != remoting.CodeSendMessage {
			needs = sendNeedsV2
		}
		for _, n := range []need{needs.topic, needs.defaultTopic, needs.defaultTopicQueueNums, needs.queueID,
			needs.sysFlag, needs.flag, needs.bornTimestamp, needs.batchSysFlag, needs.batchFlag, needs.batchBornTimestamp} {
			req := sendReq(t, code, sendHeader("T", 0, nil), nil)
			require.NotNil(t, req.ExtFields, "the request carries its header as a map")
			_, err := protocol.DecodeSendMessageRequest(code, req.ExtFields)
			require.NoError(t, err)

			without := maps.Clone(req.ExtFields)
			delete(without, n.field)
			_, err = protocol.DecodeSendMessageRequest(code, without)
			require.Error(t, err, "code %d without %s", code, n.field)
			if n.boxed != "" {
				word := maps.Clone(req.ExtFields)
				word[n.field] = "x"
				_, err = protocol.DecodeSendMessageRequest(code, word)
				require.Error(t, err, "code %d with %s=x", code, n.field)
			}
		}
	}
}
