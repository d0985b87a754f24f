package client

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// sendToQueue0 sends the bodies, in order, to queue 0 of broker-a's topic T.
func sendToQueue0(t *testing.T, p *Producer, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		_, err := p.SendToQueue(context.Background(), NewMessage("T", []byte(b)), MessageQueue{Topic: "T", BrokerName: "broker-a"})
		require.NoError(t, err)
	}
}

// A pull that found messages waits WithPullInterval before its queue's next pull (Java's
// pullInterval); without one, the next pull leaves at once.
func TestPullIntervalSpacesAQueuesPulls(t *testing.T) {
	t.Run("10 s", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, fakecluster2Brokers()...)
			sendToQueue0(t, r.started(), "m0", "m1", "m2")
			k := newCollector()
			c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
				WithPullBatchSize(1), WithPullInterval(10*time.Second))
			require.NoError(t, c.Start())
			require.Equal(t, []string{"m0"}, bodies(k.take(t, 1, 5*time.Second)))
			k.none(t, 9*time.Second)
			require.Equal(t, []string{"m1"}, bodies(k.take(t, 1, 2*time.Second)))
			k.none(t, 9*time.Second)
			require.Equal(t, []string{"m2"}, bodies(k.take(t, 1, 2*time.Second)))
		})
	})
	t.Run("none", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, fakecluster2Brokers()...)
			sendToQueue0(t, r.started(), "m0", "m1", "m2")
			k := newCollector()
			c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
				WithPullBatchSize(1))
			require.NoError(t, c.Start())
			// Consumed on 20 goroutines: in any order.
			require.ElementsMatch(t, []string{"m0", "m1", "m2"}, bodies(k.take(t, 3, time.Second)))
		})
	})
}

// A suspended consumer sends no pulls (a pull already held by the broker still answers), and
// Resume pulls again at once.
func TestSuspendAndResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		sendToQueue0(t, p, "before")
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		require.Equal(t, []string{"before"}, bodies(k.take(t, 1, 5*time.Second)))

		c.Suspend()
		// The pulls the broker holds (15 s at most) come back empty and are not sent again.
		time.Sleep(20 * time.Second)
		sendToQueue0(t, p, "while suspended 1", "while suspended 2")
		k.none(t, time.Minute)

		// A suspended consumer's queues look again every second (Java's
		// PULL_TIME_DELAY_MILLS_WHEN_SUSPEND), so the next pull leaves within a second.
		c.Resume()
		require.ElementsMatch(t, []string{"while suspended 1", "while suspended 2"}, bodies(k.take(t, 2, 3*time.Second)))
	})
}
