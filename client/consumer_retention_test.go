package client

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
)

// A broker whose store keeps 8 KiB (two 4 KiB segments): of thirty 1 KB messages it keeps the
// newest few, as a real broker keeps what its deleted files left.
func retentionRig(t *testing.T) (*rig, *Producer, *fakebroker.Broker) {
	r := newRig(t, fakecluster.WithTopic("T", 1),
		fakecluster.WithBrokerOptions(fakebroker.WithStoreLimit(8192), fakebroker.WithStoreSegmentSize(4096)))
	return r, r.started(), r.c.Brokers()[0]
}

func sendPadded(t *testing.T, p *Producer, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		send(t, p, "T", fmt.Sprintf("m%02d", i)+strings.Repeat(".", 1000))
	}
}

func shortBodies(msgs []*MessageExt) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Body[:3]))
	}
	return out
}

// A new group from the first offset on a cut queue: the broker has no offset 0 to give
// (QUERY_CONSUMER_OFFSET answers 22), so the consumer starts at the queue's min offset and gets
// every message still kept, and none of those dropped.
func TestPushConsumerFromFirstOffsetAfterRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, p, b := retentionRig(t)
		sendPadded(t, p, 0, 30)
		minOff := b.MinOffset("T", 0)
		require.Positive(t, minOff)
		var kept []string
		for i := minOff; i < 30; i++ {
			kept = append(kept, fmt.Sprintf("m%02d", i))
		}
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		require.ElementsMatch(t, kept, shortBodies(k.take(t, len(kept), time.Minute)))
		k.none(t, 30*time.Second)
	})
}

// A group whose committed offset retention overtook: its pull is answered PULL_OFFSET_MOVED
// with the min offset, the consumer moves there and goes on with what is kept.
func TestPushConsumerOffsetMovedByRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, p, b := retentionRig(t)
		sendPadded(t, p, 0, 2)
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		require.ElementsMatch(t, []string{"m00", "m01"}, shortBodies(k.take(t, 2, time.Minute)))
		c.Shutdown() // its offset, 2, stays with the broker

		sendPadded(t, p, 2, 30)
		minOff := b.MinOffset("T", 0)
		require.Greater(t, minOff, int64(2), "retention passed the group's offset")
		c2 := r.pushConsumer([]string{"T"}, WithConcurrentListener(k.listener))
		require.NoError(t, c2.Start())
		var kept []string
		for i := minOff; i < 30; i++ {
			kept = append(kept, fmt.Sprintf("m%02d", i))
		}
		require.ElementsMatch(t, kept, shortBodies(k.take(t, len(kept), 2*time.Minute)))
		k.none(t, 30*time.Second)
	})
}
