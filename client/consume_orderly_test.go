package client

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// sendToQueues sends n messages round the queues given, "<queue>-<i>" each, in order.
func sendToQueues(t *testing.T, p *Producer, mqs []MessageQueue, n int) {
	t.Helper()
	for i := range n {
		mq := mqs[i%len(mqs)]
		_, err := p.SendToQueue(background, NewMessage(mq.Topic, fmt.Appendf(nil, "%s/%d-%d", mq.BrokerName, mq.QueueID, i)), mq)
		require.NoError(t, err)
	}
}

// allQueuesOfT are T's 8 queues in fakecluster2Brokers.
func allQueuesOfT() []MessageQueue {
	var out []MessageQueue
	for _, b := range []string{"broker-a", "broker-b"} {
		for q := range 4 {
			out = append(out, MessageQueue{Topic: "T", BrokerName: b, QueueID: q})
		}
	}
	return out
}

// locksOf returns who holds T's queues of broker b for group cg.
func (r *rig) locksOf(b string) map[int32]string {
	out := map[int32]string{}
	for mq, id := range r.broker(b).QueueLocks("cg") {
		if mq.Topic == "T" {
			out[mq.QueueID] = id
		}
	}
	return out
}

func TestOrderlyKeepsTheOrderOfEachQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		mqs := allQueuesOfT()
		sendToQueues(t, p, mqs, 160)
		// Each call takes a while, so that the consume goroutines overlap.
		o := newOrderlyCollector(0)
		o.work = 10 * time.Millisecond
		c := r.pushConsumer([]string{"T"}, WithOrderlyListener(o.listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
			WithConsumeMessageBatchMaxSize(3), WithPullBatchSize(7))
		require.NoError(t, c.Start())
		got := o.take(t, 160, time.Minute)
		o.none(t, 30*time.Second)
		perQueue := map[MessageQueue][]string{}
		for _, d := range got {
			require.Equal(t, d.queue.Topic, "T")
			perQueue[d.queue] = append(perQueue[d.queue], d.body)
		}
		for qi, mq := range mqs {
			var want []string
			for i := qi; i < 160; i += len(mqs) {
				want = append(want, fmt.Sprintf("%s/%d-%d", mq.BrokerName, mq.QueueID, i))
			}
			require.Equal(t, want, perQueue[mq], "%v in the order sent", mq)
		}
		// Clustering: the member holds the broker lock of every queue it consumes.
		for _, b := range []string{"broker-a", "broker-b"} {
			require.Equal(t, map[int32]string{0: c.ClientID(), 1: c.ClientID(), 2: c.ClientID(), 3: c.ClientID()}, r.locksOf(b), b)
		}
		// Shutdown gives the locks back.
		c.Shutdown()
		for _, b := range []string{"broker-a", "broker-b"} {
			require.Empty(t, r.locksOf(b), b)
		}
	})
}

func TestOrderlyFailureSuspendsTheQueueAndRetriesLocally(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, oneBrokerOneQueue()...)
		p := r.started()
		sendN(t, p, "T", "m", 3)
		o := newOrderlyCollector(3) // the first three calls fail
		c := r.pushConsumer([]string{"T"}, WithOrderlyListener(o.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		got := o.take(t, 6, time.Minute)
		var seq []string
		for _, d := range got {
			seq = append(seq, fmt.Sprintf("%s#%d", d.body, d.reconsume))
		}
		require.Equal(t, []string{"m0#0", "m0#1", "m0#2", "m0#3", "m1#0", "m2#0"}, seq,
			"m0 is retried in place, the queue's later messages wait for it")
		for i := 1; i <= 3; i++ {
			require.Equal(t, DefaultSuspendCurrentQueue, got[i].at-got[i-1].at)
		}
		o.none(t, time.Minute)
		require.Empty(t, r.broker("broker-a").History().Requests(remoting.CodeConsumerSendMsgBack), "nothing goes back to the broker")
		require.Empty(t, r.c.Messages("%RETRY%cg"))
		time.Sleep(DefaultPersistConsumerOffsetDelay)
		synctest.Wait()
		off, ok := r.broker("broker-a").ConsumerOffset("cg", "T", 0)
		require.True(t, ok)
		require.Equal(t, int64(3), off)
	})
}

func TestOrderlyMaxReconsumeTimesThenDeadLetterQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, oneBrokerOneQueue()...)
		p := r.started()
		sendN(t, p, "T", "m", 2)
		o := newOrderlyCollector(3) // m0 fails every time it is given
		c := r.pushConsumer([]string{"T"}, WithOrderlyListener(o.listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
			WithMaxReconsumeTimes(2))
		require.NoError(t, c.Start())
		got := o.take(t, 4, time.Minute)
		var seq []string
		for _, d := range got {
			seq = append(seq, fmt.Sprintf("%s#%d", d.body, d.reconsume))
		}
		require.Equal(t, []string{"m0#0", "m0#1", "m0#2", "m1#0"}, seq, "m0 given up after its third try, then the queue goes on")
		o.none(t, time.Minute)
		// Java's orderly service sends it to %RETRY%cg with its reconsume times at the limit,
		// and the broker moves it to the dead-letter queue.
		synctest.Wait()
		dlq := r.c.Messages("%DLQ%cg")
		require.Len(t, dlq, 1)
		require.Equal(t, "m0", string(dlq[0].Body))
		require.Equal(t, "T", dlq[0].Properties[protocol.PropertyRetryTopic])
		require.Empty(t, r.c.Messages("%RETRY%cg"))
	})
}

func TestLockedQueueWaitsForTheBrokersLockExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, oneBrokerOneQueue()...)
		p := r.started()
		o1 := newOrderlyCollector(0)
		c1 := r.pushConsumer([]string{"T"}, WithInstanceName("one"), WithOrderlyListener(o1.listener))
		require.NoError(t, c1.Start())
		time.Sleep(2 * time.Second)
		synctest.Wait()
		// c1 goes away without its unlock reaching the broker, as a crashed member would.
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeUnlockBatchMQ, Action: fault.ActionDrop})
		lastRenewal := r.broker("broker-a").History().Requests(remoting.CodeLockBatchMQ)
		renewedAt := lastRenewal[len(lastRenewal)-1].Time
		c1.Shutdown()
		require.Equal(t, map[int32]string{0: c1.ClientID()}, r.locksOf("broker-a"))

		o2 := newOrderlyCollector(0)
		c2 := r.pushConsumer([]string{"T"}, WithInstanceName("two"), WithOrderlyListener(o2.listener))
		require.NoError(t, c2.Start())
		send(t, p, "T", "waiting")
		until := time.Until(renewedAt.Add(fakebroker.DefaultRebalanceLockExpiry))
		o2.none(t, until)
		require.Equal(t, map[int32]string{0: c1.ClientID()}, r.locksOf("broker-a"), "the lapsed member's lock holds for 60 s")
		require.Empty(t, topicQueues(c2), "c2 cannot take a queue it cannot lock")
		// The next rebalance after the expiry takes the lock and the queue.
		got := o2.take(t, 1, DefaultRebalanceInterval+time.Second)
		require.Equal(t, "waiting", got[0].body)
		require.Equal(t, map[int32]string{0: c2.ClientID()}, r.locksOf("broker-a"))
	})
}

// A rebalance round still locking a new queue when Shutdown comes finishes first, so that the
// consumer gives that lock back with the others instead of leaving it to the broker's expiry.
func TestShutdownWaitsForTheRoundLockingANewQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		r.started()
		c := r.pushConsumer([]string{"T", "U"}, WithOrderlyListener(newOrderlyCollector(0).listener))
		require.NoError(t, c.Start())
		synctest.Wait()
		require.Len(t, r.locksOf("broker-a"), 4)

		require.NoError(t, r.c.CreateTopic(background, "U", 2, "broker-a"))
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeLockBatchMQ, Action: fault.ActionDelay, Delay: 500 * time.Millisecond})
		inst := c.inst.Load()
		_, err := inst.updateRoute(background, "U", nil)
		require.NoError(t, err)
		inst.rebalanceImmediately()
		synctest.Wait()
		require.True(t, inst.snapshot().Rebalancing, "the round waits for U's lock")

		c.Shutdown()
		// Whatever the round still had on its way has reached the broker by now.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		for _, b := range []string{"broker-a", "broker-b"} {
			require.Empty(t, r.broker(b).QueueLocks("cg"), "%s: every lock given back", b)
		}
	})
}

func TestUnlockDelayForAQueueGivenUpWithMessagesCached(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		delay time.Duration
	}{
		{"default", nil, DefaultUnlockDelay},
		{"5s", []Option{WithUnlockDelay(5 * time.Second)}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakebrokerOneBrokerTwoQueues()...)
				p := r.started()
				sendToQueues(t, p, []MessageQueue{{Topic: "T", BrokerName: "broker-a", QueueID: 0}, {Topic: "T", BrokerName: "broker-a", QueueID: 1}}, 2)
				// c1's listener suspends every batch for 30 s: its messages stay cached, and no
				// batch is under way when the queue moves.
				o1 := newOrderlyCollector(1000)
				o1.suspend = 30 * time.Second
				c1 := r.pushConsumer([]string{"T"}, append(tc.opts, WithInstanceName("one"), WithOrderlyListener(o1.listener),
					WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				require.NoError(t, c1.Start())
				o1.take(t, 2, time.Minute)
				c2 := r.pushConsumer([]string{"T"}, append(tc.opts, WithInstanceName("two"), WithOrderlyListener(newOrderlyCollector(0).listener),
					WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				joined := time.Now()
				require.NoError(t, c2.Start())
				synctest.Wait()
				require.Len(t, topicQueues(c1), 1, "c1 gave one queue up")
				var unlocks []time.Duration
				for _, e := range r.broker("broker-a").History().Requests(remoting.CodeUnlockBatchMQ) {
					unlocks = append(unlocks, e.Time.Sub(joined))
				}
				require.Empty(t, unlocks, "not unlocked while its messages are cached")
				time.Sleep(tc.delay)
				synctest.Wait()
				for _, e := range r.broker("broker-a").History().Requests(remoting.CodeUnlockBatchMQ) {
					unlocks = append(unlocks, e.Time.Sub(joined))
				}
				require.Equal(t, []time.Duration{tc.delay}, unlocks)
			})
		})
	}
}

func fakebrokerOneBrokerTwoQueues() []fakecluster.Option {
	return []fakecluster.Option{fakecluster.WithBrokers(1), fakecluster.WithTopic("T", 2)}
}
