package client

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// delivery is one call of a listener with one message: when, and how many times it had been
// consumed before.
type delivery struct {
	at             time.Duration
	body, topic    string
	reconsumeTimes int32
}

// failing is a concurrent listener that fails every message until it has been delivered
// succeedAt times (0: fails for ever), recording each delivery.
type failing struct {
	start     time.Time
	succeedAt int
	mu        sync.Mutex
	got       []delivery
	ch        chan delivery
}

func newFailing(succeedAt int) *failing {
	return &failing{start: time.Now(), succeedAt: succeedAt, ch: make(chan delivery, 100)}
}

func (f *failing) listener(_ context.Context, msgs []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
	status := ConsumeSuccess
	for _, m := range msgs {
		d := delivery{at: sinceIn(f.start), body: string(m.Body), topic: m.Topic, reconsumeTimes: m.ReconsumeTimes}
		f.mu.Lock()
		f.got = append(f.got, d)
		n := len(f.got)
		f.mu.Unlock()
		f.ch <- d
		if f.succeedAt == 0 || n < f.succeedAt {
			status = ReconsumeLater
		}
	}
	return status, nil
}

func (f *failing) take(t *testing.T, within time.Duration) delivery {
	t.Helper()
	select {
	case d := <-f.ch:
		return d
	case <-time.After(within):
		t.Fatalf("no delivery within %v", within)
		return delivery{}
	}
}

func oneBrokerOneQueue() []fakecluster.Option {
	return []fakecluster.Option{fakecluster.WithBrokers(1), fakecluster.WithTopic("T", 1)}
}

func TestFailedMessageComesBackAfterTheDelayLevels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The retry topic exists already: see TestOffsetsPersistedEveryIntervalAndAtShutdown.
		r := newRig(t, append(oneBrokerOneQueue(), fakecluster.WithTopic("%RETRY%cg", 1))...)
		p := r.started()
		f := newFailing(3)
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(f.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		send(t, p, "T", "x")

		first := f.take(t, time.Minute)
		require.Equal(t, delivery{at: first.at, body: "x", topic: "T"}, first)
		synctest.Wait()
		backs := r.broker("broker-a").History().Requests(remoting.CodeConsumerSendMsgBack)
		require.Len(t, backs, 1)
		h := backs[0].ExtFields
		require.Equal(t, "cg", h["group"])
		require.Equal(t, "0", h["delayLevel"], "the context's default: the broker picks 3 + reconsume times")
		require.Equal(t, "16", h["maxReconsumeTimes"])
		require.Equal(t, "T", h["originTopic"])

		// Level 3 is 10 s, level 4 30 s; the message keeps its topic and counts its tries.
		second := f.take(t, time.Minute)
		require.Equal(t, "T", second.topic, "RETRY_TOPIC restores the topic")
		require.Equal(t, int32(1), second.reconsumeTimes)
		require.InDelta(t, 10*time.Second, second.at-first.at, float64(2*time.Second))
		third := f.take(t, 2*time.Minute)
		require.Equal(t, int32(2), third.reconsumeTimes)
		require.InDelta(t, 30*time.Second, third.at-second.at, float64(2*time.Second))
		// The third try succeeds: nothing more.
		select {
		case d := <-f.ch:
			t.Fatalf("delivered again: %+v", d)
		case <-time.After(10 * time.Minute):
		}
		require.Empty(t, r.broker("broker-a").StoredMessages("%DLQ%cg"))
	})
}

func TestDeadLetterQueueAfterMaxReconsumeTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, append(oneBrokerOneQueue(), fakecluster.WithTopic("%RETRY%cg", 1))...) // see TestOffsetsPersistedEveryIntervalAndAtShutdown
		p := r.started()
		f := newFailing(0)
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(f.listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
			WithMaxReconsumeTimes(2))
		require.NoError(t, c.Start())
		send(t, p, "T", "x")
		for want := range int32(3) {
			require.Equal(t, want, f.take(t, 2*time.Minute).reconsumeTimes)
		}
		select {
		case d := <-f.ch:
			t.Fatalf("delivered after the limit: %+v", d)
		case <-time.After(time.Hour):
		}
		dlq := r.broker("broker-a").StoredMessages("%DLQ%cg")
		require.Len(t, dlq, 1)
		require.Equal(t, "x", string(dlq[0].Body))
		backs := r.broker("broker-a").History().Requests(remoting.CodeConsumerSendMsgBack)
		require.Len(t, backs, 3)
		for _, e := range backs {
			require.Equal(t, "2", e.ExtFields["maxReconsumeTimes"])
		}
	})
}

func TestRefusedSendBackIsResentToTheRetryTopic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, append(oneBrokerOneQueue(), fakecluster.WithTopic("%RETRY%cg", 1))...) // see TestOffsetsPersistedEveryIntervalAndAtShutdown
		p := r.started()
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeConsumerSendMsgBack, Action: fault.ActionError, Times: 1})
		f := newFailing(2)
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(f.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		send(t, p, "T", "x")
		first := f.take(t, time.Minute)
		second := f.take(t, time.Minute)
		require.Equal(t, "T", second.topic)
		require.Equal(t, int32(1), second.reconsumeTimes)
		require.InDelta(t, 10*time.Second, second.at-first.at, float64(2*time.Second), "delay level 3 + 0")

		var resent []fault.Entry
		for _, e := range r.broker("broker-a").History().Requests(remoting.CodeSendMessageV2) {
			if e.Topic == "%RETRY%cg" {
				resent = append(resent, e)
			}
		}
		require.Len(t, resent, 1, "the inner producer sent the copy itself")
		require.Equal(t, InnerProducerGroup, resent[0].ExtFields["a"])
		require.Equal(t, "1", resent[0].ExtFields["j"], "the header's reconsumeTimes: the message's plus one")
		require.Equal(t, "16", resent[0].ExtFields["l"], "maxReconsumeTimes")
		require.Contains(t, resent[0].ExtFields["i"], "DELAY\x013", "delay level 3 + reconsume times")
		require.Contains(t, resent[0].ExtFields["i"], "RETRY_TOPIC\x01T\x02")
	})
}
