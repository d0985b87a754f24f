package fakebroker

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// pullRig is a rig with topic T (4 queues) and a consumer group cg subscribed to it on the
// rig's connection.
func pullRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	r := newRig(t, append([]Option{WithTopic("T", 4)}, opts...)...)
	heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
	return r
}

func (r *rig) pull(h protocol.PullMessageRequestHeader) *remoting.Command {
	r.t.Helper()
	return r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, h, nil))
}

func pullAnswer(t *testing.T, resp *remoting.Command) protocol.PullMessageResponseHeader {
	t.Helper()
	h, err := protocol.DecodePullMessageResponseHeader(resp.ExtFields)
	require.NoError(t, err)
	return h
}

func TestPullReturnsStoredMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		var sent []protocol.SendMessageResponseHeader
		for i := range 5 {
			sent = append(sent, r.send(remoting.CodeSendMessageV2, "T", 1, "m"+itoa(i),
				map[string]string{"TAGS": "TagA", "KEYS": "K" + itoa(i), "UNIQ_KEY": "U" + itoa(i)}))
		}
		h := pullHeader("cg", "T", 1, 1)
		h.MaxMsgNums = 3
		resp := r.pull(h)
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, "FOUND", resp.Remark)
		require.Equal(t, protocol.PullMessageResponseHeader{NextBeginOffset: 4, MinOffset: 0, MaxOffset: 5}, pullAnswer(t, resp))

		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 3)
		stored := r.b.Messages("T")
		for i, m := range msgs {
			want := stored[i+1]
			require.Equal(t, "T", m.Topic)
			require.Equal(t, int32(1), m.QueueID)
			require.Equal(t, int64(i+1), m.QueueOffset)
			require.Equal(t, sent[i+1].MsgID, m.MsgID)
			require.Equal(t, want.CommitLogOffset, m.CommitLogOffset)
			require.Equal(t, "m"+itoa(i+1), string(m.Body))
			require.Equal(t, "U"+itoa(i+1), m.UniqKey())
			require.Equal(t, "DefaultCluster", m.Property("CLUSTER"))
			require.Equal(t, storeHost, m.StoreHost)
			require.Equal(t, want.BornHost, m.BornHost.String())
			require.Equal(t, want.StoreTimestamp, m.StoreTimestamp)
			require.Equal(t, want.StoreSize, m.StoreSize)
		}
	})
}

func TestPullStatuses(t *testing.T) {
	cases := []struct {
		name       string
		queue      int32
		offset     int64
		tags       string // subscription in the request ("" = the heartbeat's "*")
		wantCode   int32
		wantRemark string
		wantNext   int64
	}{
		{"empty queue at 0", 3, 0, "", remoting.PullNotFound, "NO_MESSAGE_IN_QUEUE", 0},
		{"empty queue past 0", 3, 5, "", remoting.PullOffsetMoved, "NO_MESSAGE_IN_QUEUE", 0},
		{"at the end", 0, 2, "", remoting.PullNotFound, "OFFSET_OVERFLOW_ONE", 2},
		{"past the end", 0, 7, "", remoting.PullOffsetMoved, "OFFSET_OVERFLOW_BADLY", 2},
		{"before the start", 0, -1, "", remoting.PullOffsetMoved, "OFFSET_TOO_SMALL", 0},
		{"nothing matches the tags", 0, 0, "TagZ", remoting.PullRetryImmediately, "NO_MATCHED_MESSAGE", 2},
		{"tags match", 0, 0, "TagZ || TagB", remoting.Success, "FOUND", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := pullRig(t)
				r.send(remoting.CodeSendMessageV2, "T", 0, "a", map[string]string{"TAGS": "TagA"})
				r.send(remoting.CodeSendMessageV2, "T", 0, "b", map[string]string{"TAGS": "TagB"})
				h := pullHeader("cg", "T", tc.queue, tc.offset)
				h.SysFlag = 0 // no suspension: answered at once
				if tc.tags != "" {
					h.SysFlag |= protocol.PullSysFlagSubscription
					h.Subscription = tc.tags
				}
				resp := r.pull(h)
				require.Equal(t, tc.wantCode, resp.Code, resp.Remark)
				require.Equal(t, tc.wantRemark, resp.Remark)
				require.Equal(t, tc.wantNext, pullAnswer(t, resp).NextBeginOffset)
				if tc.wantCode == remoting.Success {
					msgs, err := protocol.DecodeStoredMessages(resp.Body)
					require.NoError(t, err)
					require.Len(t, msgs, 1)
					require.Equal(t, "TagB", msgs[0].Tags())
				}
			})
		})
	}
}

func TestPullRefusals(t *testing.T) {
	cases := []struct {
		name       string
		opts       []Option
		edit       func(h *protocol.PullMessageRequestHeader)
		ext        func(ext map[string]string)
		wantCode   int32
		wantRemark string // "@peer" stands for the consumer's address
		noExt      bool
	}{
		{name: "unknown topic", edit: func(h *protocol.PullMessageRequestHeader) { h.Topic = "Nope" },
			wantCode: remoting.TopicNotExist, wantRemark: "topic[Nope] not exist, apply first please! \nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{name: "queue id out of range", edit: func(h *protocol.PullMessageRequestHeader) { h.QueueID = 4 },
			wantCode: remoting.SystemError, wantRemark: "queueId[4] is illegal, topic:[T] topicConfig.readQueueNums:[4] consumer:[/@peer]"},
		{name: "broker not readable", opts: []Option{WithPermission(protocol.PermWrite)},
			wantCode: remoting.NoPermission, wantRemark: "the broker[127.0.0.1] pulling message is forbidden"},
		{name: "topic not readable", opts: []Option{WithTopics(protocol.TopicConfig{TopicName: "W", ReadQueueNums: 1, WriteQueueNums: 1, Perm: protocol.PermWrite, TopicFilterType: protocol.SingleTag})},
			edit:     func(h *protocol.PullMessageRequestHeader) { h.Topic = "W"; h.QueueID = 0 },
			wantCode: remoting.NoPermission, wantRemark: "the topic[W] pulling message is forbidden"},
		{name: "group without heartbeat", edit: func(h *protocol.PullMessageRequestHeader) { h.ConsumerGroup = "other" },
			wantCode: remoting.SubscriptionNotExist, wantRemark: "the consumer's group info not exist\nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{name: "topic not subscribed", opts: []Option{WithTopic("U", 1)},
			edit:     func(h *protocol.PullMessageRequestHeader) { h.Topic = "U"; h.QueueID = 0 },
			wantCode: remoting.SubscriptionNotExist, wantRemark: "the consumer's subscription not exist\nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{name: "newer subscription than the heartbeat's", edit: func(h *protocol.PullMessageRequestHeader) { h.SubVersion = 2 },
			wantCode: remoting.SubscriptionNotLatest, wantRemark: "the consumer's subscription not latest"},
		{name: "no subscription group", opts: []Option{WithAutoCreateSubscriptionGroup(false)},
			edit:     func(h *protocol.PullMessageRequestHeader) { h.ConsumerGroup = "ghost" },
			wantCode: remoting.SubscriptionGroupNotExist, wantRemark: "subscription group [ghost] does not exist, \nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{name: "SQL92 filter", edit: func(h *protocol.PullMessageRequestHeader) {
			h.SysFlag |= protocol.PullSysFlagSubscription
			h.Subscription, h.ExpressionType = "a > 1", "SQL92"
		}, wantCode: remoting.SystemError, wantRemark: "The broker does not support consumer to filter message by SQL92"},
		{name: "queue id missing", ext: func(ext map[string]string) { delete(ext, "queueId") },
			wantCode: remoting.SystemError, noExt: true,
			wantRemark: `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of ` +
				`"org.apache.rocketmq.common.protocol.header.PullMessageRequestHeader.getQueueId()" is null, ` +
				`org.apache.rocketmq.broker.processor.PullMessageProcessor.processRequest(PullMessageProcessor.java:143)`},
		{name: "number unparsable", ext: func(ext map[string]string) { ext["queueOffset"] = "x1" },
			wantCode: remoting.SystemError, noExt: true,
			wantRemark: `java.lang.NumberFormatException: For input string: "x1", java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := pullRig(t, tc.opts...)
				h := pullHeader("cg", "T", 0, 0)
				if tc.edit != nil {
					tc.edit(&h)
				}
				req := protocol.RequestWithHeader(remoting.CodePullMessage, h, nil)
				if tc.ext != nil {
					tc.ext(req.ExtFields)
				}
				resp := r.invoke(req)
				require.Equal(t, tc.wantCode, resp.Code, resp.Remark)
				entries := r.b.History().Requests(remoting.CodePullMessage)
				want := tc.wantRemark
				if len(entries) > 0 {
					want = strings.ReplaceAll(want, "@peer", entries[len(entries)-1].Peer)
				}
				require.Equal(t, want, resp.Remark)
				if tc.noExt {
					require.Nil(t, resp.ExtFields)
				} else {
					require.Equal(t, map[string]string{}, resp.ExtFields)
				}
				require.Zero(t, r.b.HeldPulls())
			})
		})
	}
}

func TestPullLongPollingWakesOnSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		producer := r.newClient()
		start := time.Now()
		done := make(chan *remoting.Command, 1)
		go func() { done <- r.pull(pullHeader("cg", "T", 2, 0)) }()
		synctest.Wait()
		require.Equal(t, 1, r.b.HeldPulls())

		time.Sleep(2 * time.Second)
		// A message for another queue does not wake it.
		invokeOn(t, producer, sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 1, nil), []byte("other")))
		synctest.Wait()
		require.Equal(t, 1, r.b.HeldPulls())
		invokeOn(t, producer, sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 2, nil), []byte("wake")))
		resp := <-done
		require.Equal(t, 2*time.Second, time.Since(start))
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, "FOUND", resp.Remark)
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, "wake", string(msgs[0].Body))
		require.Zero(t, r.b.HeldPulls())

		// The history records the late answer.
		entries := r.b.History().Requests(remoting.CodePullMessage)
		require.True(t, entries[0].Answered)
		require.Equal(t, remoting.Success, entries[0].ResponseCode)
	})
}

func TestPullLongPollingTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		start := time.Now()
		h := pullHeader("cg", "T", 0, 0)
		h.SuspendTimeoutMillis = 15_000
		resp := r.pull(h)
		require.Equal(t, 15*time.Second, time.Since(start))
		require.Equal(t, remoting.PullNotFound, resp.Code)
		require.Equal(t, "NO_MESSAGE_IN_QUEUE", resp.Remark)
		require.Zero(t, r.b.HeldPulls())
	})
}

// A held pull with a tag filter wakes only for a message it would match.
func TestPullLongPollingHonoursTheFilter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		sub := consumerData("cg", "T")
		sub.SubscriptionDataSet[0].SubString = "TagB"
		sub.SubscriptionDataSet[0].TagsSet = []string{"TagB"}
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{sub}})
		consumer := r.newClient()
		done := make(chan *remoting.Command, 1)
		go func() {
			done <- invokeOn(t, consumer, protocol.RequestWithHeader(remoting.CodePullMessage, pullHeader("cg", "T", 0, 0), nil))
		}()
		synctest.Wait()
		r.send(remoting.CodeSendMessageV2, "T", 0, "a", map[string]string{"TAGS": "TagA"})
		synctest.Wait()
		require.Equal(t, 1, r.b.HeldPulls())
		r.send(remoting.CodeSendMessageV2, "T", 0, "b", map[string]string{"TAGS": "TagB"})
		resp := <-done
		require.Equal(t, remoting.Success, resp.Code)
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, "b", string(msgs[0].Body))
		require.Equal(t, int64(2), pullAnswer(t, resp).NextBeginOffset)
	})
}

func TestPullHeldRequestDroppedWithItsConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		consumer := r.newClient()
		go func() {
			_, _ = remotingtest.InvokeWithin(t, consumer, brokerAddr, protocol.RequestWithHeader(remoting.CodePullMessage, pullHeader("cg", "T", 0, 0), nil), time.Minute)
		}()
		synctest.Wait()
		require.Equal(t, 1, r.b.HeldPulls())
		require.NoError(t, consumer.Close())
		synctest.Wait()
		require.Zero(t, r.b.HeldPulls())
	})
}

func TestPullCommitsOffset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		r.send(remoting.CodeSendMessageV2, "T", 0, "a", nil)
		h := pullHeader("cg", "T", 0, 1)
		h.SysFlag = protocol.PullSysFlagCommitOffset
		h.CommitOffset = 1
		resp := r.pull(h)
		require.Equal(t, remoting.PullNotFound, resp.Code)
		off, ok := r.b.ConsumerOffset("cg", "T", 0)
		require.True(t, ok)
		require.Equal(t, int64(1), off)
	})
}

// Java's in-memory transfer limit: at most 32 messages per pull, whatever maxMsgNums says.
func TestPullTransferLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		for range 40 {
			r.send(remoting.CodeSendMessageV2, "T", 0, "x", nil)
		}
		h := pullHeader("cg", "T", 0, 0)
		h.MaxMsgNums = 100
		resp := r.pull(h)
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 32)
		require.Equal(t, int64(32), pullAnswer(t, resp).NextBeginOffset)
	})
}

func TestPullHeldRequestsDroppedOnCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		consumer := r.newClient()
		errc := make(chan error, 1)
		go func() {
			_, err := remotingtest.InvokeWithin(t, consumer, brokerAddr, protocol.RequestWithHeader(remoting.CodePullMessage, pullHeader("cg", "T", 0, 0), nil), time.Minute)
			errc <- err
		}()
		synctest.Wait()
		require.Equal(t, 1, r.b.HeldPulls())
		r.b.Crash()
		require.Error(t, <-errc)
		require.Zero(t, r.b.HeldPulls())
	})
}

// The official Go client's consumer heartbeat (its codeSet holds the tag hashes as JSON
// strings, its subVersion is in nanoseconds) and its pull (subVersion 0, no subscription in the
// request) filter by tag as a Java consumer's do.
func TestPullGoClientConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		hb := `{"clientID":"192.0.2.2@77","producerDataSet":[],"consumerDataSet":[{"groupName":"go_cg",` +
			`"consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",` +
			`"subscriptionDataSet":[{"classFilterMode":false,"topic":"T","subString":"TagB","tagsSet":["TagB"],` +
			`"codeSet":["2598920"],"subVersion":1700000000123456789,"expressionType":"TAG"}],"unitMode":false}]}`
		req := remoting.NewRequest(remoting.CodeHeartBeat, map[string]string{}, []byte(hb))
		req.Language, req.Version = remoting.LanguageGo, 317
		require.Equal(t, remoting.Success, r.invoke(req).Code)
		r.send(remoting.CodeSendMessage, "T", 0, "a", map[string]string{"TAGS": "TagA"})
		r.send(remoting.CodeSendMessage, "T", 0, "b", map[string]string{"TAGS": "TagB"})
		h := pullHeader("go_cg", "T", 0, 0)
		h.SysFlag = protocol.PullSysFlagSuspend
		resp := r.pull(h)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, "b", string(msgs[0].Body))
	})
}

// Java's executeRequestWhenWakeup writes a held pull's answer as processRequest created it: in
// JSON, even when the pull came with a binary header; an immediate answer keeps the request's
// serialize type.
func TestPullAnswerSerializeType(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		binaryPull := func(offset int64) *remoting.Command {
			req := protocol.RequestWithHeader(remoting.CodePullMessage, pullHeader("cg", "T", 0, offset), nil)
			req.SerializeType = remoting.SerializeRocketMQ
			return r.invoke(req)
		}
		r.send(remoting.CodeSendMessageV2, "T", 0, "first", nil)
		now := binaryPull(0)
		require.Equal(t, remoting.Success, now.Code)
		require.Equal(t, remoting.SerializeRocketMQ, now.SerializeType)

		done := make(chan *remoting.Command, 1)
		go func() { done <- binaryPull(1) }()
		synctest.Wait()
		require.Equal(t, 1, r.b.HeldPulls())
		r.send(remoting.CodeSendMessageV2, "T", 0, "second", nil)
		late := <-done
		require.Equal(t, remoting.Success, late.Code)
		require.Equal(t, remoting.SerializeJSON, late.SerializeType)
	})
}

// A pull answered PULL_OFFSET_MOVED leaves a record of the correction in OFFSET_MOVED_EVENT, as
// generateOffsetMovedEvent writes it; a tag filter on the group finds it.
func TestPullOffsetMovedWritesEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m", nil)
		h := pullHeader("cg", "T", 0, 0)
		h.SysFlag, h.Subscription = protocol.PullSysFlagSubscription, "*"
		require.Equal(t, remoting.Success, r.pull(h).Code)
		require.Empty(t, r.b.StoredMessages(protocol.OffsetMovedEventTopic), "no correction, no event")

		h.QueueOffset = 7
		resp := r.pull(h)
		require.Equal(t, remoting.PullOffsetMoved, resp.Code)
		events := r.b.StoredMessages(protocol.OffsetMovedEventTopic)
		require.Len(t, events, 1)
		ev := events[0]
		require.Equal(t, int32(0), ev.QueueID)
		body, err := protocol.DecodeOffsetMovedEvent(ev.Body)
		require.NoError(t, err)
		require.Equal(t, &protocol.OffsetMovedEvent{ConsumerGroup: "cg",
			MessageQueue:  protocol.MessageQueue{Topic: "T", BrokerName: DefaultBrokerName, QueueID: 0},
			OffsetRequest: 7, OffsetNew: 1}, body)
		require.Equal(t, `{"consumerGroup":"cg","messageQueue":{"brokerName":"broker-a","queueId":0,"topic":"T"},"offsetNew":1,"offsetRequest":7}`, string(ev.Body))
		require.Equal(t, brokerAddr, ev.BornHost.String())
		require.Equal(t, time.Now().UnixMilli(), ev.BornTimestamp)

		// An empty queue past 0 too; the event is found by the group as its tag.
		h.QueueID, h.QueueOffset = 1, 3
		require.Equal(t, remoting.PullOffsetMoved, r.pull(h).Code)
		byTag := pullHeader("cg", protocol.OffsetMovedEventTopic, 0, 0)
		byTag.SysFlag, byTag.Subscription, byTag.ConsumerGroup = protocol.PullSysFlagSubscription, "cg", "reader"
		resp = r.pull(byTag)
		require.Equal(t, remoting.Success, resp.Code)
		msgs, err := protocol.DecodeStoredMessages(resp.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 2)
		props, err := protocol.StoredRecordProperties(resp.Body[:msgs[0].StoreSize])
		require.NoError(t, err)
		require.Equal(t, "KEYS\x01cg\x02DELAY\x010\x02TAGS\x01cg", props, "Java's order (checked with the 4.9.7 jars)")
		second, err := protocol.DecodeOffsetMovedEvent(msgs[1].Body)
		require.NoError(t, err)
		require.Equal(t, protocol.OffsetMovedEvent{ConsumerGroup: "cg",
			MessageQueue:  protocol.MessageQueue{Topic: "T", BrokerName: DefaultBrokerName, QueueID: 1},
			OffsetRequest: 3, OffsetNew: 0}, *second)
		byTag.Subscription = "other"
		require.Equal(t, remoting.PullRetryImmediately, r.pull(byTag).Code)
	})
}
