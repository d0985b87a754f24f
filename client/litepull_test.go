package client

import (
	"context"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

// litePull returns a lite pull consumer of group cg, shut down when the test ends.
func (r *rig) litePull(opts ...Option) *LitePullConsumer {
	r.t.Helper()
	c, err := NewLitePullConsumer(r.consumerOptions(opts...)...)
	require.NoError(r.t, err)
	r.t.Cleanup(c.Shutdown)
	return c
}

// moreInfoFAQ ends the text of Java's MQClientException(message, cause).
const moreInfoFAQ = "\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/"

var queueA0 = MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}

// pollAll polls until it has n messages, each Poll given a second; the test fails after
// within.
func pollAll(t *testing.T, c *LitePullConsumer, n int, within time.Duration) []*MessageExt {
	t.Helper()
	deadline := time.Now().Add(within)
	var out []*MessageExt
	for len(out) < n {
		if !time.Now().Before(deadline) {
			t.Fatalf("polled %d of %d messages within %v", len(out), n, within)
		}
		ctx, cancel := context.WithTimeout(background, time.Second)
		msgs, err := c.Poll(ctx)
		cancel()
		require.NoError(t, err)
		out = append(out, msgs...)
	}
	return out
}

func TestPollWaitsForItsTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		ctx  time.Duration // 0: no deadline of its own
		want time.Duration
	}{
		{"default", nil, 0, DefaultPollTimeout},
		{"2s", []Option{WithPollTimeout(2 * time.Second)}, 0, 2 * time.Second},
		{"an earlier context deadline wins", []Option{WithPollTimeout(2 * time.Second)}, 500 * time.Millisecond, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				c := r.litePull(tc.opts...)
				require.NoError(t, c.Assign([]MessageQueue{queueA0}))
				require.NoError(t, c.Start())
				ctx := background
				if tc.ctx > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.ctx)
					defer cancel()
				}
				begin := time.Now()
				msgs, err := c.Poll(ctx)
				require.NoError(t, err, "an empty poll is no error")
				require.Empty(t, msgs)
				require.Equal(t, tc.want, sinceIn(begin))

				// A message that arrives while Poll waits is returned at once.
				go func() {
					time.Sleep(300 * time.Millisecond)
					send(t, p, "T", "soon")
				}()
				begin = time.Now()
				msgs, err = c.Poll(background)
				require.NoError(t, err)
				require.Equal(t, []string{"soon"}, bodies(msgs))
				require.Equal(t, 300*time.Millisecond, sinceIn(begin))
			})
		})
	}
}

func TestAutoCommitAndCommit(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		// committedAt is when, polling every second, Committed first shows all ten messages
		// (0: never, until Commit).
		committedAt time.Duration
	}{
		{"auto commit every 5s by default", nil, 6 * time.Second},
		{"auto commit every 2s", []Option{WithAutoCommitInterval(2 * time.Second)}, 3 * time.Second},
		{"auto commit every 1s", []Option{WithAutoCommitInterval(time.Second)}, 2 * time.Second},
		{"under 1s ignored, as Java's setter does", []Option{WithAutoCommitInterval(time.Second - time.Millisecond)}, 6 * time.Second},
		{"no auto commit", []Option{WithAutoCommit(false)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				sendN(t, p, "T", "m", 10)
				c := r.litePull(append(tc.opts, WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				require.NoError(t, c.Assign([]MessageQueue{queueA0}))
				require.NoError(t, c.Start())
				begin := time.Now()
				msgs, err := c.Poll(background)
				require.NoError(t, err)
				require.Len(t, msgs, 10, "one pull of the default batch of 10")
				require.Zero(t, sinceIn(begin))
				seen := time.Duration(0)
				// Eight polls: the offset persist's first round, at 10 s, would race Shutdown's
				// oneway update, which the broker may then handle first.
				for range 8 {
					pollAllowEmpty(t, c)
					off, err := c.Committed(background, queueA0)
					require.NoError(t, err)
					if off == 10 {
						seen = sinceIn(begin)
						break
					}
					// A 4.9.7 broker answers 0 for a group without an offset in a queue whose
					// first message is still at offset 0.
					require.Equal(t, int64(0), off, "nothing committed yet")
				}
				require.Equal(t, tc.committedAt, seen)
				if tc.committedAt == 0 {
					c.Commit()
					off, err := c.Committed(background, queueA0)
					require.NoError(t, err)
					require.Equal(t, int64(10), off)
				}
				// Shutdown persists what was committed, oneway as Java's.
				c.Shutdown()
				synctest.Wait()
				got, ok := r.broker("broker-a").ConsumerOffset("cg", "T", 0)
				require.True(t, ok)
				require.Equal(t, int64(10), got)
			})
		})
	}
}

// pollAllowEmpty polls for a second and expects nothing.
func pollAllowEmpty(t *testing.T, c *LitePullConsumer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(background, time.Second)
	defer cancel()
	msgs, err := c.Poll(ctx)
	require.NoError(t, err)
	require.Empty(t, msgs)
}

func TestPullGoroutinesLimitPullsInFlight(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want int
	}{
		{"default 20: every queue at once", nil, 8},
		{"one", []Option{WithPullGoroutines(1)}, 1},
		{"three", []Option{WithPullGoroutines(3)}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster2Brokers()...)
				c := r.litePull(tc.opts...)
				require.NoError(t, c.Start())
				mqs, err := c.FetchMessageQueues(background, "T")
				require.NoError(t, err)
				require.Len(t, mqs, 8)
				require.NoError(t, c.Assign(mqs))
				// Nothing to pull: the brokers hold each pull for 20 s (long polling), so the
				// pulls under way are the pulls the brokers have got.
				time.Sleep(time.Second)
				synctest.Wait()
				held := 0
				for _, b := range []string{"broker-a", "broker-b"} {
					held += len(r.broker(b).History().Requests(remoting.CodePullMessage))
				}
				// The history records a pull once it is answered: none has been.
				require.Zero(t, held)
				time.Sleep(DefaultBrokerSuspendMaxTime)
				synctest.Wait()
				for _, b := range []string{"broker-a", "broker-b"} {
					held += len(r.broker(b).History().Requests(remoting.CodePullMessage))
				}
				require.Equal(t, tc.want, held, "pulls answered after the first long-polling round")
			})
		})
	}
}

func TestPullThresholdForAll(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		pulls int
	}{
		// Pulling stops while the cached pulls times the batch size exceed the threshold.
		{"20 messages: three pulls of 10", []Option{WithPullThresholdForAll(20)}, 3},
		{"default 10000: all 100 in ten pulls", nil, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				sendN(t, p, "T", "m", 100)
				c := r.litePull(append(tc.opts, WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				require.NoError(t, c.Assign([]MessageQueue{queueA0}))
				require.NoError(t, c.Start())
				time.Sleep(10 * time.Second)
				synctest.Wait()
				found := 0
				for _, e := range r.broker("broker-a").History().Requests(remoting.CodePullMessage) {
					if e.ResponseCode == remoting.Success && e.Topic == "T" {
						found++
					}
				}
				require.Equal(t, tc.pulls, found)
				// Polling empties the cache and pulling goes on: nothing is lost.
				got := pollAll(t, c, 100, time.Minute)
				for i, m := range got {
					require.Equal(t, "m"+strconv.Itoa(i), string(m.Body))
				}
			})
		})
	}
}

func TestLitePullSubscribeSharesTheQueuesOfTheGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		member := func(name string) *LitePullConsumer {
			c := r.litePull(WithInstanceName(name), WithConsumeFromWhere(ConsumeFromFirstOffset))
			require.NoError(t, c.Subscribe("T", "*"))
			require.NoError(t, c.Start())
			return c
		}
		c1, c2 := member("one"), member("two")
		require.Empty(t, c1.Assignment(), "Java's lite pull consumer waits for a rebalance")
		time.Sleep(DefaultRebalanceInterval)
		synctest.Wait()
		a1, a2 := c1.Assignment(), c2.Assignment()
		require.Len(t, a1, 4)
		require.Len(t, a2, 4)
		require.ElementsMatch(t, allQueuesOfT(), append(a1, a2...), "each queue to one member")

		sent := sendN(t, p, "T", "m", 40)
		var got []string
		for _, c := range []*LitePullConsumer{c1, c2} {
			n := 0
			for _, m := range pollUntilQuiet(t, c) {
				require.Contains(t, c.Assignment(), MessageQueue{Topic: "T", BrokerName: m.BrokerName, QueueID: int(m.QueueID)})
				got = append(got, string(m.Body))
				n++
			}
			require.NotZero(t, n)
		}
		require.ElementsMatch(t, sent, got, "every message once")

		// One leaves: the broker tells the other, which takes every queue at once. Offsets
		// reach the broker only as committed (as Java's): without the Commit, what c2 polled
		// within the last auto-commit interval would come to c1 again. The persist task takes
		// them there; Shutdown's own persist is oneway and races its UNREGISTER_CLIENT, which a
		// broker serves on another pool (so c1 could read the old offsets, on a real broker too).
		c2.Commit()
		time.Sleep(DefaultPersistConsumerOffsetInterval)
		synctest.Wait()
		c2.Shutdown()
		synctest.Wait()
		require.ElementsMatch(t, allQueuesOfT(), c1.Assignment())
		later := sendN(t, p, "T", "n", 16)
		require.ElementsMatch(t, later, bodies(pollAll(t, c1, 16, time.Minute)))
	})
}

// pollUntilQuiet polls until a poll of a second brings nothing.
func pollUntilQuiet(t *testing.T, c *LitePullConsumer) []*MessageExt {
	t.Helper()
	var out []*MessageExt
	for {
		ctx, cancel := context.WithTimeout(background, time.Second)
		msgs, err := c.Poll(ctx)
		cancel()
		require.NoError(t, err)
		if len(msgs) == 0 {
			return out
		}
		out = append(out, msgs...)
	}
}

func TestLitePullSeek(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakebrokerOneBrokerTwoQueues()...)
		p := r.started()
		for i := range 5 {
			_, err := p.SendToQueue(background, NewMessage("T", []byte("m"+strconv.Itoa(i))), queueA0)
			require.NoError(t, err)
			_, err = p.SendToQueue(background, NewMessage("T", []byte("other")), MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 1})
			require.NoError(t, err)
		}
		c := r.litePull(WithConsumeFromWhere(ConsumeFromFirstOffset))
		_, err := c.Poll(background)
		require.ErrorIs(t, err, ErrConsumerNotRunning)
		require.NoError(t, c.Assign([]MessageQueue{queueA0}))
		require.ErrorIs(t, c.Subscribe("T", "*"), ErrSubscriptionConflict)
		require.NoError(t, c.Start())
		all := []string{"m0", "m1", "m2", "m3", "m4"}
		require.Equal(t, all, bodies(pollUntilQuiet(t, c)))

		require.NoError(t, c.Seek(background, queueA0, 3))
		require.Equal(t, []string{"m3", "m4"}, bodies(pollUntilQuiet(t, c)), "from offset 3 on")
		require.NoError(t, c.SeekToBegin(background, queueA0))
		require.Equal(t, all, bodies(pollUntilQuiet(t, c)))
		require.NoError(t, c.SeekToEnd(background, queueA0))
		require.Empty(t, pollUntilQuiet(t, c))
		_, err = p.SendToQueue(background, NewMessage("T", []byte("new")), queueA0)
		require.NoError(t, err)
		require.Equal(t, []string{"new"}, bodies(pollUntilQuiet(t, c)))

		require.EqualError(t, c.Seek(background, queueA0, 7), "Seek offset illegal, seek offset = 7, min offset = 0, max offset = 6"+moreInfoFAQ)
		other := MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 1}
		require.EqualError(t, c.Seek(background, other, 0),
			"The message queue is not in assigned list, message queue: MessageQueue [topic=T, brokerName=broker-a, queueId=1]"+moreInfoFAQ)

		// What was committed is persisted at Shutdown: a consumer of the group started again
		// goes on from there.
		c.Commit()
		c.Shutdown()
		synctest.Wait() // the oneway offset updates are in
		_, err = p.SendToQueue(background, NewMessage("T", []byte("after")), queueA0)
		require.NoError(t, err)
		again := r.litePull(WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, again.Assign([]MessageQueue{queueA0}))
		require.NoError(t, again.Start())
		require.Equal(t, []string{"after"}, bodies(pollUntilQuiet(t, again)))
	})
}
