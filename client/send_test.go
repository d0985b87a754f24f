package client

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestSendResultAndStoredMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started()
		msg := NewMessage("T", []byte("hello"))
		msg.SetTags("TagA")
		msg.SetKeys("k1", "k2")
		res, err := p.Send(background, msg)
		require.NoError(t, err)

		stored := r.c.Messages("T")
		require.Len(t, stored, 1)
		m := stored[0]
		require.Equal(t, SendOK, res.Status)
		require.Equal(t, msg.UniqKey(), res.MsgID, "the id is set on the caller's message, as Java does")
		require.Len(t, res.MsgID, 32)
		require.Equal(t, strings.ToUpper(res.MsgID), res.MsgID)
		require.Equal(t, m.MsgID, res.MsgID)
		require.Equal(t, m.OffsetMsgID, res.OffsetMsgID)
		require.Equal(t, MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: int(m.QueueID)}, res.Queue)
		require.Equal(t, m.QueueOffset, res.QueueOffset)
		require.Equal(t, DefaultRegionID, res.RegionID)
		require.True(t, res.TraceOn)
		require.Equal(t, "TagA", m.Tags)
		require.Equal(t, []string{"k1", "k2"}, m.Keys)
		require.Equal(t, "hello", string(m.Body))

		// The request is a JSON SEND_MESSAGE_V2 as the Java client sends it.
		e := r.broker("broker-a").History().Requests(remoting.CodeSendMessageV2)[0]
		require.Equal(t, remoting.SerializeJSON, e.SerializeType)
		require.Equal(t, "pg", e.ExtFields["a"])
		require.Equal(t, "TBW102", e.ExtFields["c"])
		require.Equal(t, "4", e.ExtFields["d"])
		require.Equal(t, "broker-a", e.ExtFields["n"])
	})
}

func TestBinaryHeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started(WithBinaryHeader(true))
		send(t, p, "T", "x")
		e := r.broker("broker-a").History().Requests(remoting.CodeSendMessageV2)[0]
		require.Equal(t, remoting.SerializeRocketMQ, e.SerializeType)
		ns := r.c.NameServer().History().Requests(remoting.CodeGetRouteInfoByTopic)
		require.Equal(t, remoting.SerializeRocketMQ, ns[0].SerializeType)
	})
}

func TestCompressionFromThreshold(t *testing.T) {
	tests := []struct {
		size       int
		opts       []Option
		compressed bool
	}{
		{4095, nil, false}, {4096, nil, true}, {10000, nil, true},
		{99, []Option{WithCompression(100, 9)}, false}, {100, []Option{WithCompression(100, 9)}, true},
	}
	for _, tc := range tests {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, fakecluster.WithTopic("T", 4))
			p := r.started(tc.opts...)
			body := bytes.Repeat([]byte("a"), tc.size)
			send(t, p, "T", string(body))
			m := r.c.Messages("T")[0]
			require.Equal(t, body, m.Body)
			want := int32(0)
			if tc.compressed {
				want = protocol.SysFlagCompressed | protocol.SysFlagCompressionZLIB
			}
			require.Equal(t, want, m.SysFlag&(protocol.SysFlagCompressed|protocol.SysFlagCompressionTypeMask), "size %d", tc.size)
		})
	}
}

func TestSendToNewTopicUsesTBW102(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithBrokers(2))
		p := r.started(WithCreateTopicKey("TBW102", 2))
		res := send(t, p, "Fresh", "x")
		require.Contains(t, []string{"broker-a", "broker-b"}, res.Queue.BrokerName)
		require.Less(t, res.Queue.QueueID, 2, "queues capped at defaultTopicQueueNums")
		require.Len(t, r.c.Messages("Fresh"), 1)
		require.Contains(t, p.PublishInfo(), "Fresh")
	})
}

// Java cuts the stand-in route with the settings of the producer whose send needs it
// (updateTopicRouteInfoFromNameServer(topic, true, defaultMQProducer)), not with those of the
// producer that created the shared instance.
func TestStandInRouteUsesTheSendingProducersSettings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		template := protocol.NewTopicConfig("Template")
		template.ReadQueueNums, template.WriteQueueNums = 8, 8
		template.Perm = protocol.PermInherit | protocol.PermRead | protocol.PermWrite
		r := newRig(t, fakecluster.WithBrokers(2), fakecluster.WithTopicConfig(template, "broker-b"))
		first := r.started(WithInstanceName("shared"))
		p := r.started(WithInstanceName("shared"), WithGroup("pg2"), WithCreateTopicKey("Template", 2))

		res := send(t, p, "Fresh", "x")
		require.Equal(t, "broker-b", res.Queue.BrokerName)
		want := []MessageQueue{{"Fresh", "broker-b", 0}, {"Fresh", "broker-b", 1}}
		require.Equal(t, want, p.PublishInfo()["Fresh"], "Template's route, cut to 2 queues")
		require.Equal(t, want, first.PublishInfo()["Fresh"], "published to every producer of the instance")
		var asked []string
		for _, e := range r.c.NameServer().History().Requests(remoting.CodeGetRouteInfoByTopic) {
			asked = append(asked, e.Topic)
		}
		require.Contains(t, asked, "Template")
		require.NotContains(t, asked, protocol.AutoCreateTopicKey)
	})
}

func TestMessageChecks(t *testing.T) {
	const moreInfo = "\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/"
	tests := []struct {
		name string
		msg  *Message
		want string
		code int
	}{
		{"nil message", nil, "CODE: 13  DESC: the message is null" + moreInfo, 13},
		{"blank topic", NewMessage(" ", []byte("x")), "The specified topic is blank" + moreInfo, -1},
		{"illegal topic", NewMessage("a b", []byte("x")), "The specified topic[a b] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$" + moreInfo, -1},
		{"forbidden topic", NewMessage("SCHEDULE_TOPIC_XXXX", []byte("x")), "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden." + moreInfo, -1},
		{"nil body", NewMessage("T", nil), "CODE: 13  DESC: the message body is null" + moreInfo, 13},
		{"empty body", NewMessage("T", []byte{}), "CODE: 13  DESC: the message body length is zero" + moreInfo, 13},
		{"too big", NewMessage("T", make([]byte, 4<<20+1)), "CODE: 13  DESC: the message body size over max value, MAX: 4194304" + moreInfo, 13},
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		p := r.started()
		for _, tc := range tests {
			_, err := p.Send(background, tc.msg)
			require.EqualError(t, err, tc.want, tc.name)
			var ce *ClientError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.code, ce.Code, tc.name)
		}

		small := r.started(WithGroup("small"), WithMaxMessageSize(10))
		_, err := small.Send(background, NewMessage("T", make([]byte, 11)))
		require.EqualError(t, err, "CODE: 13  DESC: the message body size over max value, MAX: 10"+moreInfo)
		_, err = small.Send(background, NewMessage("T", make([]byte, 10)))
		require.NoError(t, err)
	})
}

func TestNoRoute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithAutoCreateTopic(false))
		p := r.started()
		_, err := p.Send(background, NewMessage("Nowhere", []byte("x")))
		require.EqualError(t, err, "No route info of this topic: Nowhere"+seeFAQ)
		var ce *ClientError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, CodeNotFoundTopic, ce.Code)
	})
}

func TestNoNameServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		// No list and an HTTP endpoint that does not answer: the list stays empty.
		p, err := NewProducer(WithGroup("pg"), WithManager(NewManager()), WithDialer(mem.Dial),
			WithHTTPClient(memHTTPClient(mem)), WithNameServerDomain("nowhere:80", "nsaddr", time.Minute, time.Second))
		require.NoError(t, err)
		require.NoError(t, p.Start())
		defer p.Shutdown()
		_, err = p.Send(background, NewMessage("T", []byte("x")))
		require.EqualError(t, err, "No name server address, please set it."+seeFAQ)
		var ce *ClientError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, CodeNoNameServer, ce.Code)
	})
}

func TestSyncRetryRules(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		code       int32
		retried    bool
		wantErr    error
		wantStatus SendStatus
	}{
		{"topic not exist is retried", nil, remoting.TopicNotExist, true, nil, SendOK},
		{"service not available is retried", nil, remoting.ServiceNotAvailable, true, nil, SendOK},
		{"system error is retried", nil, remoting.SystemError, true, nil, SendOK},
		{"no permission is retried", nil, remoting.NoPermission, true, nil, SendOK},
		{"system busy is not (4.9.7)", nil, remoting.SystemBusy, false, ErrSystemBusy, 0},
		{"message illegal is not", nil, remoting.MessageIllegal, false, ErrMessageIllegal, 0},
		{"system busy is when WithRetryResponseCodes names it (Java 5.3)",
			[]Option{WithRetryResponseCodes(remoting.SystemBusy)}, remoting.SystemBusy, true, nil, SendOK},
		{"system error is not when WithRetryResponseCodes leaves it out",
			[]Option{WithRetryResponseCodes(remoting.SystemBusy)}, remoting.SystemError, false, ErrSystemError, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster2Brokers()...)
				for _, b := range []string{"broker-a", "broker-b"} {
					r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: tc.code, Remark: "no", Times: 1})
				}
				p := r.started(tc.opts...) // each broker refuses once: attempt 3 succeeds
				res, err := p.Send(background, NewMessage("T", []byte("x")))
				sends := r.requests("broker-a", remoting.CodeSendMessageV2) + r.requests("broker-b", remoting.CodeSendMessageV2)
				if tc.retried {
					require.NoError(t, err)
					require.Equal(t, tc.wantStatus, res.Status)
					require.Equal(t, 3, sends)
					require.Len(t, r.c.Messages("T"), 1)
					return
				}
				require.Equal(t, 1, sends)
				require.ErrorIs(t, err, tc.wantErr)
				var be *BrokerError
				require.ErrorAs(t, err, &be)
				require.Equal(t, tc.code, be.Code)
				require.Equal(t, "no", be.Remark)
			})
		})
	}
}

func TestSyncRetriesExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		for _, b := range []string{"broker-a", "broker-b"} {
			r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: remoting.SystemError, Remark: "down"})
		}
		p := r.started()
		_, err := p.Send(background, NewMessage("T", []byte("x")))
		var ce *ClientError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, int(remoting.SystemError), ce.Code)
		require.Regexp(t, `^Send \[3\] times, still failed, cost \[0\]ms, Topic: T, BrokersSent: \[broker-(a|b), broker-(a|b), broker-(a|b)\]`, err.Error())
		require.ErrorIs(t, err, ErrSystemError)
		require.Equal(t, 3, r.requests("broker-a", remoting.CodeSendMessageV2)+r.requests("broker-b", remoting.CodeSendMessageV2))
	})
}

// With a per-attempt cap, each hung attempt times out exactly at the cap and the retry goes to
// the other broker, all within one budget.
func TestSyncTimeoutFiresAtDeadlineAndRetriesOnAnotherBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started(WithAttemptTimeout(time.Second))
		for _, b := range []string{"broker-a", "broker-b"} {
			r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDelay, Delay: time.Hour, Times: 1})
		}
		start := time.Now()
		res, err := p.Send(background, NewMessage("T", []byte("x")))
		// Attempts 1 and 2 hang on different brokers and time out at 1 s each; attempt 3 goes
		// back to the first broker, whose rule has retired, and succeeds.
		require.NoError(t, err)
		require.Equal(t, 2*time.Second, sinceIn(start))
		require.Len(t, r.c.Messages("T"), 1)
		require.Equal(t, res.Queue.BrokerName, r.c.Messages("T")[0].Broker)
	})
}

func TestSyncTimeoutMovesToAnotherBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDelay, Delay: time.Hour})
		p := r.started(WithAttemptTimeout(500 * time.Millisecond))
		slow := 0
		// Eight sends walk over all eight queues, so some first attempts go to broker-a.
		for range 8 {
			start := time.Now()
			res, err := p.Send(background, NewMessage("T", []byte("x")))
			require.NoError(t, err)
			require.Equal(t, "broker-b", res.Queue.BrokerName)
			if d := sinceIn(start); d != 0 {
				require.Equal(t, 500*time.Millisecond, d, "the timeout fires at the cap, not later")
				slow++
			}
		}
		require.Positive(t, slow)
	})
}

// Without a cap the first attempt may use the whole budget, as in Java: the send fails at
// exactly the send timeout.
func TestSyncTimeoutUsesTheWholeBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		for _, b := range []string{"broker-a", "broker-b"} {
			r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDelay, Delay: time.Hour})
		}
		p := r.started()
		start := time.Now()
		_, err := p.Send(background, NewMessage("T", []byte("x")))
		require.Equal(t, DefaultSendTimeout, sinceIn(start))
		require.EqualError(t, err, "sendDefaultImpl call timeout")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, remoting.ErrTimeout, "the last attempt's timeout is kept as the cause")
		var tm *TooMuchRequestError
		require.ErrorAs(t, err, &tm)

		// A context deadline shorter than the send timeout wins.
		ctx, cancel := context.WithTimeout(background, 700*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err = p.Send(ctx, NewMessage("T", []byte("x")))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 700*time.Millisecond, sinceIn(start))
	})
}

func TestSendToQueueAndSelector(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		mq := MessageQueue{Topic: "T", BrokerName: "broker-b", QueueID: 3}
		res, err := p.SendToQueue(background, NewMessage("T", []byte("x")), mq)
		require.NoError(t, err)
		require.Equal(t, mq, res.Queue)

		_, err = p.SendToQueue(background, NewMessage("T", []byte("x")), MessageQueue{Topic: "U", BrokerName: "broker-b"})
		require.ErrorContains(t, err, "message's topic not equal mq's topic")

		var seen []MessageQueue
		res, err = p.SendWithSelector(background, NewMessage("T", []byte("x")), func(qs []MessageQueue, _ *Message) (MessageQueue, error) {
			seen = qs
			return qs[len(qs)-1], nil
		})
		require.NoError(t, err)
		require.Len(t, seen, 8)
		require.Equal(t, MessageQueue{Topic: "T", BrokerName: "broker-b", QueueID: 3}, res.Queue)

		_, err = p.SendWithSelector(background, NewMessage("T", []byte("x")), func([]MessageQueue, *Message) (MessageQueue, error) {
			return MessageQueue{}, nil
		})
		require.ErrorContains(t, err, "select message queue return null.")
		boom := errors.New("boom")
		_, err = p.SendWithSelector(background, NewMessage("T", []byte("x")), func([]MessageQueue, *Message) (MessageQueue, error) {
			return MessageQueue{}, boom
		})
		require.ErrorContains(t, err, "select message queue threw exception.")
		require.ErrorIs(t, err, boom)
	})
}

func TestBatchAndOneway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started()
		msgs := []*Message{NewMessage("T", []byte("a")), NewMessage("T", []byte("b")), NewMessage("T", bytes.Repeat([]byte("c"), 5000))}
		res, err := p.SendBatch(background, msgs...)
		require.NoError(t, err)
		ids := strings.Split(res.MsgID, ",")
		require.Len(t, ids, 3)
		stored := r.c.Messages("T")
		require.Len(t, stored, 3)
		for i, m := range stored {
			require.Equal(t, ids[i], m.MsgID)
			require.Zero(t, m.SysFlag&protocol.SysFlagCompressed, "batches are never compressed")
		}
		e := r.broker("broker-a").History().Requests(remoting.CodeSendBatchMessage)
		require.Len(t, e, 1)
		require.Equal(t, "true", e[0].ExtFields["m"])

		_, err = p.SendBatch(background, NewMessage("T", []byte("a")), NewMessage("U", []byte("b")))
		require.ErrorContains(t, err, "Failed to initiate the MessageBatch")

		require.NoError(t, p.SendOneway(background, NewMessage("T", []byte("one way"))))
		synctest.Wait()
		require.Len(t, r.c.Messages("T"), 4)
	})
}

func TestNamespace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("ns1%T", 4))
		p := r.started(WithNamespace("ns1"))
		require.Equal(t, "ns1%pg", p.Group())
		res := send(t, p, "T", "x")
		require.Equal(t, "T", res.Queue.Topic, "the result names the topic without namespace")
		require.Len(t, r.c.Messages("ns1%T"), 1)
	})
}

func TestLatencyFaultToleranceAvoidsSlowBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDelay, Delay: 600 * time.Millisecond})
		p := r.started(WithLatencyFaultTolerance(&DefaultLatencyTable))
		for range 20 {
			send(t, p, "T", "x")
		}
		// One slow send benches broker-a for 30 s: at most one of the 20 went there.
		require.LessOrEqual(t, r.requests("broker-a", remoting.CodeSendMessageV2), 1)
	})
}

func TestPublishInfoSnapshotIsACopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		send(t, p, "T", "x")
		a := p.PublishInfo()
		a["T"][0].BrokerName = "mutated"
		b := p.PublishInfo()
		require.Empty(t, cmp.Diff([]MessageQueue{{"T", "broker-a", 0}, {"T", "broker-a", 1}, {"T", "broker-a", 2}, {"T", "broker-a", 3},
			{"T", "broker-b", 0}, {"T", "broker-b", 1}, {"T", "broker-b", 2}, {"T", "broker-b", 3}}, b["T"]))
		s := p.Snapshot()
		s.BrokerAddrs["broker-a"][0] = "mutated"
		require.NotEqual(t, "mutated", p.Snapshot().BrokerAddrs["broker-a"][0])
	})
}

func TestSendBatchAsync(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started()
		type outcome struct {
			res *SendResult
			err error
		}
		got := make(chan outcome, 2)
		cb := func(res *SendResult, err error) { got <- outcome{res, err} }

		p.SendBatchAsync(background, cb, NewMessage("T", []byte("a")), NewMessage("T", []byte("b")))
		ok := <-got
		require.NoError(t, ok.err)
		ids := strings.Split(ok.res.MsgID, ",")
		stored := r.c.Messages("T")
		require.Len(t, stored, 2)
		require.Equal(t, ids, []string{stored[0].MsgID, stored[1].MsgID})
		require.Len(t, r.broker("broker-a").History().Requests(remoting.CodeSendBatchMessage), 1)

		p.SendBatchAsync(background, cb, NewMessage("T", []byte("a")), NewMessage("U", []byte("b")))
		bad := <-got
		require.ErrorContains(t, bad.err, "Failed to initiate the MessageBatch")
		synctest.Wait()
		require.Empty(t, got, "each callback runs once")
	})
}

// The attempt hook sees every attempt of a send, as Java's SendMessageHook does: the broker,
// whether it retried an earlier attempt, and how it ended; a send to a chosen queue is one
// attempt, and so is an async send that succeeds.
func TestSendAttemptHook(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		var mu sync.Mutex
		var seen []SendAttempt
		p := r.started(WithSendAttemptHook(func(a SendAttempt) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, a)
		}))
		attempts := func() []SendAttempt {
			mu.Lock()
			defer mu.Unlock()
			out := seen
			seen = nil
			return out
		}
		for _, b := range []string{"broker-a", "broker-b"} {
			r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: remoting.SystemError, Remark: "no", Times: 1})
		}
		res, err := p.Send(background, NewMessage("T", []byte("x")))
		require.NoError(t, err)
		got := attempts()
		require.Len(t, got, 3, "each broker refuses once: attempt 3 succeeds")
		require.Equal(t, []bool{false, true, true}, []bool{got[0].Retry, got[1].Retry, got[2].Retry})
		require.ErrorIs(t, got[0].Err, ErrSystemError)
		require.ErrorIs(t, got[1].Err, ErrSystemError)
		require.NoError(t, got[2].Err)
		require.NotEqual(t, got[0].Broker, got[1].Broker, "the retry goes to the other broker")
		require.Equal(t, res.Queue.BrokerName, got[2].Broker)

		done := make(chan error, 1)
		p.SendAsync(background, NewMessage("T", []byte("x")), func(_ *SendResult, err error) { done <- err })
		require.NoError(t, <-done)
		got = attempts()
		require.Len(t, got, 1)
		require.False(t, got[0].Retry)
		require.NoError(t, got[0].Err)

		pick := func(qs []MessageQueue, _ *Message) (MessageQueue, error) { return qs[0], nil }
		res, err = p.SendWithSelector(background, NewMessage("T", []byte("x")), pick)
		require.NoError(t, err)
		got = attempts()
		require.Len(t, got, 1)
		require.Equal(t, res.Queue.BrokerName, got[0].Broker)
		require.False(t, got[0].Retry)
		require.NoError(t, got[0].Err)
	})
}
