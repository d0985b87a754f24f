package client

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// topicQueues returns the queues of T a push consumer consumes, sorted.
func topicQueues(c *PushConsumer) []MessageQueue {
	var out []MessageQueue
	for mq := range c.Consumption().Queues {
		if mq.Topic == "T" {
			out = append(out, mq)
		}
	}
	return sortedQueues(out)
}

// requireSplit checks that the members together consume T's 8 queues, each exactly once,
// with the sizes given.
func requireSplit(t *testing.T, sizes []int, members ...*PushConsumer) {
	t.Helper()
	seen := map[MessageQueue]int{}
	var got []int
	for _, c := range members {
		qs := topicQueues(c)
		got = append(got, len(qs))
		for _, mq := range qs {
			seen[mq]++
		}
	}
	require.Equal(t, sizes, got)
	require.Len(t, seen, 8, "every queue consumed")
	for mq, n := range seen {
		require.Equal(t, 1, n, "%v consumed by one member only", mq)
	}
}

func TestRebalanceOnNotificationAndPeriodically(t *testing.T) {
	for _, notified := range []bool{true, false} {
		name := map[bool]string{true: "at once on NOTIFY_CONSUMER_IDS_CHANGED", false: "within one period without it"}[notified]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster2Brokers()...)
				if !notified {
					for _, b := range []string{"broker-a", "broker-b"} {
						r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeNotifyConsumerIDsChanged, Action: fault.ActionDrop})
					}
				}
				p := r.started()
				k := newCollector()
				c1 := r.pushConsumer([]string{"T"}, WithInstanceName("one"), WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
				require.NoError(t, c1.Start())
				synctest.Wait()
				requireSplit(t, []int{8}, c1)

				c2 := r.pushConsumer([]string{"T"}, WithInstanceName("two"), WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
				joined := time.Now()
				require.NoError(t, c2.Start())
				synctest.Wait()
				if notified {
					requireSplit(t, []int{4, 4}, c1, c2)
					require.Zero(t, sinceIn(joined), "no time passed")
				} else {
					require.Len(t, topicQueues(c1), 8, "c1 does not know yet")
					time.Sleep(DefaultRebalanceInterval)
					synctest.Wait()
					requireSplit(t, []int{4, 4}, c1, c2)
				}

				// The messages go to one member each, once.
				sent := sendN(t, p, "T", "m", 32)
				require.ElementsMatch(t, sent, bodies(k.take(t, 32, time.Minute)))
				k.none(t, 30*time.Second)

				// One leaves: the other takes its queues over.
				left := time.Now()
				c2.Shutdown()
				synctest.Wait()
				if !notified {
					time.Sleep(DefaultRebalanceInterval)
					synctest.Wait()
				}
				requireSplit(t, []int{8}, c1)
				if notified {
					require.Zero(t, sinceIn(left), "taken over at once")
				}
				sent = sendN(t, p, "T", "n", 16)
				require.ElementsMatch(t, sent, bodies(k.take(t, 16, time.Minute)))
			})
		})
	}
}

func TestQueueMovingAwayPersistsItsOffsetFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		sendN(t, p, "T", "m", 32)
		k := newCollector()
		// No periodic persist in this test: what the broker has came from the drop.
		long := WithPersistConsumerOffsetInterval(time.Hour, time.Hour)
		c1 := r.pushConsumer([]string{"T"}, long, WithInstanceName("one"), WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c1.Start())
		k.take(t, 32, time.Minute)
		synctest.Wait()
		before := c1.Consumption().Offsets

		c2 := r.pushConsumer([]string{"T"}, long, WithInstanceName("two"), WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c2.Start())
		synctest.Wait()
		requireSplit(t, []int{4, 4}, c1, c2)
		// Only c1 sends UPDATE_CONSUMER_OFFSET here (c2's persist waits an hour), so the
		// requests name what c1 persisted. The brokers' stored offsets are no witness: c2
		// rebalances as it starts, before c1 has heard of it, so it may read a moved queue's
		// offset before c1 persisted it, consume those messages again (Java's at-least-once)
		// and carry a lower commit offset on its pulls (the race detector's scheduling makes
		// that happen). For the same reason there is no check for duplicates here.
		moved := topicQueues(c2)
		for _, mq := range moved {
			var persisted []string
			for _, e := range r.broker(mq.BrokerName).History().Requests(remoting.CodeUpdateConsumerOffset) {
				if e.ExtFields["consumerGroup"] == "cg" && e.ExtFields["topic"] == "T" && e.ExtFields["queueId"] == strconv.Itoa(int(mq.QueueID)) {
					persisted = append(persisted, e.ExtFields["commitOffset"])
				}
			}
			require.Equal(t, []string{strconv.FormatInt(before[mq], 10)}, persisted, "%v persisted once, when it moved", mq)
		}
		for _, mq := range moved {
			require.NotContains(t, slices.Collect(maps.Keys(c1.Consumption().Offsets)), mq, "c1 forgot the offset of a queue it gave up")
		}
	})
}

// A test that must know a consumer's queues will not move on their own (the brokers' notices
// of its own join, say) reads RebalanceRounds and Rebalancing from the instance's snapshot:
// a queued wakeup and a running round both count as under way.
func TestSnapshotSaysWhenARebalanceIsUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener))
		require.NoError(t, c.Start())
		synctest.Wait()
		s := c.Snapshot()
		require.False(t, s.Rebalancing, "the start's rounds are over")
		rounds := s.RebalanceRounds
		require.Positive(t, rounds, "the start rebalanced")

		// A round whose consumer-list query the broker holds for a second.
		for _, b := range []string{"broker-a", "broker-b"} {
			r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeGetConsumerListByGroup, Action: fault.ActionDelay, Delay: time.Second})
		}
		c.inst.Load().rebalanceImmediately()
		require.True(t, c.Snapshot().Rebalancing, "a queued wakeup is under way")
		synctest.Wait()
		s = c.Snapshot()
		require.True(t, s.Rebalancing, "a running round is under way")
		require.Equal(t, rounds, s.RebalanceRounds)

		time.Sleep(5 * time.Second)
		synctest.Wait()
		s = c.Snapshot()
		require.False(t, s.Rebalancing)
		require.Equal(t, rounds+1, s.RebalanceRounds)

		// The periodic round counts as under way too, while it runs.
		rounds, sawRunning := s.RebalanceRounds, false
		for deadline := time.Now().Add(DefaultRebalanceInterval + 10*time.Second); time.Now().Before(deadline); {
			time.Sleep(500 * time.Millisecond)
			synctest.Wait()
			if s = c.Snapshot(); s.RebalanceRounds > rounds {
				break
			}
			sawRunning = sawRunning || s.Rebalancing
		}
		require.Equal(t, rounds+1, s.RebalanceRounds, "the periodic round ran")
		require.True(t, sawRunning, "and was seen running")
		require.False(t, s.Rebalancing)
	})
}
