package client

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

// pullsOf counts broker-a's pulls of topic (the retry topic's long polls come and go beside).
func pullsOf(r *rig, topic string) int {
	n := 0
	for _, e := range r.broker("broker-a").History().Requests(remoting.CodePullMessage) {
		if e.Topic == topic {
			n++
		}
	}
	return n
}

func TestFlowControlPerQueue(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opt      Option
		bodySize int
		// most is how much may be cached: a pull is sent while the cache is at the
		// threshold, not above it, and brings a whole batch.
		mostCount int
		mostBytes int64
	}{
		{"message count", WithPullThresholdForQueue(10), 10, 10 + 4, 14 * 10},
		{"size in MiB", WithPullThresholdSizeForQueue(1), 300 << 10, 40, (1<<20 + 1<<20 - 1) + 4*(300<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				for i := range 40 {
					body := bytes.Repeat([]byte{byte('a' + i%26)}, tc.bodySize)
					_, err := p.Send(background, NewMessage("T", body))
					require.NoError(t, err)
				}
				// The listener holds every batch until released, or until the consumer shuts
				// down: a failed check below must not leave Shutdown waiting on it for ever.
				release := make(chan struct{})
				consumed := make(chan int, 100)
				listener := func(ctx context.Context, msgs []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
					select {
					case <-release:
					case <-ctx.Done():
						return ReconsumeLater, ctx.Err()
					}
					consumed <- len(msgs)
					return ConsumeSuccess, nil
				}
				c := r.pushConsumer([]string{"T"}, tc.opt, WithConcurrentListener(listener), WithConsumeFromWhere(ConsumeFromFirstOffset),
					WithPullBatchSize(4), WithConsumeGoroutines(1, 1))
				releaseAll := sync.OnceFunc(func() { close(release) })
				t.Cleanup(releaseAll) // runs before the consumer's Shutdown
				require.NoError(t, c.Start())
				time.Sleep(5 * time.Second)
				synctest.Wait()
				info := c.Consumption().Queues[MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}]
				require.LessOrEqual(t, int(info.CachedMsgCount), tc.mostCount)
				require.LessOrEqual(t, int64(info.CachedMsgSizeInMiB)<<20, tc.mostBytes)
				require.Less(t, int(info.CachedMsgCount), 40, "flow control held pulls back")
				pulls := pullsOf(r, "T")
				time.Sleep(10 * time.Second)
				synctest.Wait()
				require.Equal(t, pulls, pullsOf(r, "T"), "no pull while the cache is full")

				releaseAll()
				total := 0
				for total < 40 {
					select {
					case n := <-consumed:
						total += n
					case <-time.After(time.Minute):
						t.Fatalf("consumed %d of 40", total)
					}
				}
			})
		})
	}
}
