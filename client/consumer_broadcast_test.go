package client

import (
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// offsetFile reads a broadcasting consumer's offset file.
func offsetFile(t *testing.T, dir, clientID string) map[protocol.MessageQueue]int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, clientID, "cg", "offsets.json"))
	require.NoError(t, err)
	w, err := protocol.DecodeOffsetSerializeWrapper(data)
	require.NoError(t, err)
	return w.OffsetTable
}

// endsOfT is what each of T's queues holds, as the offset file names them.
func (r *rig) endsOfT() map[protocol.MessageQueue]int64 {
	out := map[protocol.MessageQueue]int64{}
	for _, b := range []string{"broker-a", "broker-b"} {
		for q := range int32(4) {
			out[protocol.MessageQueue{Topic: "T", BrokerName: b, QueueID: q}] = r.broker(b).MaxOffset("T", q)
		}
	}
	return out
}

func TestBroadcastingEveryMemberConsumesEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		dir := t.TempDir()
		broadcast := []Option{WithMessageModel(Broadcasting), WithConsumeFromWhere(ConsumeFromFirstOffset), WithOffsetStoreDir(dir)}
		k1, k2 := newCollector(), newCollector()
		c1 := r.pushConsumer([]string{"T"}, append(broadcast, WithInstanceName("one"), WithConcurrentListener(k1.listener))...)
		c2 := r.pushConsumer([]string{"T"}, append(broadcast, WithInstanceName("two"), WithConcurrentListener(k2.listener))...)
		require.NoError(t, c1.Start())
		require.NoError(t, c2.Start())
		sent := sendN(t, p, "T", "m", 20)
		require.ElementsMatch(t, sent, bodies(k1.take(t, 20, time.Minute)), "every member gets every message")
		require.ElementsMatch(t, sent, bodies(k2.take(t, 20, time.Minute)))
		require.Len(t, topicQueues(c1), 8, "a broadcasting member consumes every queue")
		require.Len(t, topicQueues(c2), 8)
		require.NotContains(t, c1.Consumption().Subscriptions, "%RETRY%cg", "no retry topic in broadcasting")

		// The offsets go to each member's file, every 5 s after the first 10 s, never to a
		// broker.
		time.Sleep(DefaultPersistConsumerOffsetDelay)
		synctest.Wait()
		for _, c := range []*PushConsumer{c1, c2} {
			require.Empty(t, cmp.Diff(r.endsOfT(), offsetFile(t, dir, c.ClientID())), c.ClientID())
		}
		for _, b := range []string{"broker-a", "broker-b"} {
			for _, e := range r.broker(b).History().Requests(remoting.CodeUpdateConsumerOffset) {
				require.NotEqual(t, "cg", e.ExtFields["consumerGroup"], "no broker offsets in broadcasting")
			}
			_, ok := r.broker(b).ConsumerOffset("cg", "T", 0)
			require.False(t, ok)
		}
	})
}

func TestBroadcastingRestartResumesFromTheOffsetFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		dir := t.TempDir()
		broadcast := []Option{WithMessageModel(Broadcasting), WithConsumeFromWhere(ConsumeFromFirstOffset), WithOffsetStoreDir(dir),
			WithInstanceName("one"), WithPersistConsumerOffsetInterval(time.Hour, time.Hour)}
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, append(broadcast, WithConcurrentListener(k.listener))...)
		require.NoError(t, c.Start())
		first := sendN(t, p, "T", "a", 16)
		require.ElementsMatch(t, first, bodies(k.take(t, 16, time.Minute)))
		synctest.Wait()
		c.Shutdown() // persists: the periodic task has not run
		require.Empty(t, cmp.Diff(r.endsOfT(), offsetFile(t, dir, c.ClientID())))

		later := sendN(t, p, "T", "b", 8)
		k2 := newCollector()
		again := r.pushConsumer([]string{"T"}, append(broadcast, WithConcurrentListener(k2.listener))...)
		require.NoError(t, again.Start())
		require.ElementsMatch(t, later, bodies(k2.take(t, 8, time.Minute)), "only what came after the shutdown")
		k2.none(t, 30*time.Second)

		// Another member, with a file of its own (none yet), starts from the first offset.
		k3 := newCollector()
		other := r.pushConsumer([]string{"T"}, append(broadcast, WithInstanceName("other"), WithConcurrentListener(k3.listener))...)
		require.NoError(t, other.Start())
		require.ElementsMatch(t, append(first, later...), bodies(k3.take(t, 24, time.Minute)))
	})
}

func TestBroadcastingDropsFailedMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, oneBrokerOneQueue()...)
		p := r.started()
		f := newFailing(0)
		c := r.pushConsumer([]string{"T"}, WithMessageModel(Broadcasting), WithConsumeFromWhere(ConsumeFromFirstOffset),
			WithConcurrentListener(f.listener))
		require.NoError(t, c.Start())
		send(t, p, "T", "once")
		require.Equal(t, "once", f.take(t, time.Minute).body)
		select {
		case d := <-f.ch:
			t.Fatalf("a failed broadcast message came again: %+v", d)
		case <-time.After(time.Minute):
		}
		require.Empty(t, r.broker("broker-a").History().Requests(remoting.CodeConsumerSendMsgBack), "Java drops it")
		require.Equal(t, int64(1), c.Consumption().Offsets[queueA0], "and moves on")
	})
}
