package client

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// updatesSince counts the UPDATE_CONSUMER_OFFSET requests of group cg the brokers got at or
// after from.
func (r *rig) updatesSince(from time.Time) int {
	n := 0
	for _, b := range []string{"broker-a", "broker-b"} {
		for _, e := range r.broker(b).History().Requests(remoting.CodeUpdateConsumerOffset) {
			if !e.Time.Before(from) && e.ExtFields["consumerGroup"] == "cg" {
				n++
			}
		}
	}
	return n
}

// requireCommittedToTheEnd checks that the brokers keep, for group cg, every queue of T
// consumed to its end.
func (r *rig) requireCommittedToTheEnd(t *testing.T) {
	t.Helper()
	for _, b := range []string{"broker-a", "broker-b"} {
		for q := range int32(4) {
			end := r.broker(b).MaxOffset("T", q)
			got, ok := r.broker(b).ConsumerOffset("cg", "T", q)
			require.True(t, ok, "%s queue %d has an offset", b, q)
			require.Equal(t, end, got, "%s queue %d", b, q)
		}
	}
}

func TestOffsetsPersistedEveryIntervalAndAtShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The group's retry topic exists already, on both brokers: otherwise the first
		// heartbeat creates it, and whether the consumer's first route fetch sees it on one
		// broker, both or neither is a race (Java's consumer then takes it at the next
		// route poll).
		r := newRig(t, append(fakecluster2Brokers(), fakecluster.WithTopic("%RETRY%cg", 1))...)
		p := r.started()
		sendN(t, p, "T", "m", 24)
		k := newCollector()
		start := time.Now()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		// A first pull may overtake the heartbeat with the rebalance's new subscription
		// version (SUBSCRIPTION_NOT_LATEST) and come again a pull exception delay later.
		k.take(t, 24, 5*time.Second)
		synctest.Wait()
		require.Zero(t, r.updatesSince(start), "nothing persisted before the task's first run")

		time.Sleep(DefaultPersistConsumerOffsetDelay - sinceIn(start))
		synctest.Wait()
		first := r.updatesSince(start)
		require.Equal(t, 10, first, "one UPDATE_CONSUMER_OFFSET per queue at 10 s, %RETRY%cg's included")
		r.requireCommittedToTheEnd(t)
		time.Sleep(DefaultPersistConsumerOffsetInterval)
		synctest.Wait()
		require.Equal(t, 2*first, r.updatesSince(start), "and every 5 s after")

		// What is consumed after the last round is persisted at shutdown.
		time.Sleep(time.Second)
		sendN(t, p, "T", "n", 8)
		k.take(t, 8, time.Second)
		synctest.Wait()
		before := time.Now()
		c.Shutdown()
		synctest.Wait() // the updates are oneway
		require.Equal(t, 10, r.updatesSince(before), "Shutdown persists every queue")
		r.requireCommittedToTheEnd(t)

		// A restart resumes from the committed offsets: ConsumeFromWhere is only for a queue
		// without one.
		sendN(t, p, "T", "o", 3)
		k2 := newCollector()
		c2 := r.pushConsumer([]string{"T"}, WithConcurrentListener(k2.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c2.Start())
		require.ElementsMatch(t, []string{"o0", "o1", "o2"}, bodies(k2.take(t, 3, time.Minute)))
		k2.none(t, 30*time.Second)
	})
}

func TestConsumeFromWhere(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want []string
	}{
		{"last offset", []Option{WithConsumeFromWhere(ConsumeFromLastOffset)}, []string{"new"}},
		{"first offset", []Option{WithConsumeFromWhere(ConsumeFromFirstOffset)}, []string{"old0", "old1", "mid", "new"}},
		// The timestamp is set below, nearer mid than old1: the broker answers the offset of the
		// message stored nearest to it, before or after (getOffsetInQueueByTime).
		{"timestamp", nil, []string{"mid", "new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithBrokers(1), fakecluster.WithTopic("T", 1))
				p := r.started()
				sendN(t, p, "T", "old", 2)
				time.Sleep(90 * time.Second)
				between := time.Now()
				time.Sleep(30 * time.Second)
				send(t, p, "T", "mid")
				// The fake answers a group without an offset as a fresh 4.9.7 store does (offset
				// 0 while the queue's first message is in memory), where ConsumeFromWhere never
				// comes into play; QUERY_NOT_FOUND is its answer once that message is on disk only.
				r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeQueryConsumerOffset, Group: "cg", Action: fault.ActionError,
					ResponseCode: remoting.QueryNotFound, Remark: "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first"})
				opts := tc.opts
				if opts == nil {
					opts = []Option{WithConsumeFromWhere(ConsumeFromTimestamp), WithConsumeTimestamp(between)}
				}
				k := newCollector()
				c := r.pushConsumer([]string{"T"}, append(opts, WithConcurrentListener(k.listener))...)
				require.NoError(t, c.Start())
				time.Sleep(5 * time.Second)
				synctest.Wait()
				send(t, p, "T", "new")
				require.ElementsMatch(t, tc.want, bodies(k.take(t, len(tc.want), time.Minute)))
				k.none(t, 30*time.Second)
			})
		})
	}
}
