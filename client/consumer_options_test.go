package client

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The push consumer's timing and pulling options, each shown by what a user sees change.

// requestTimes returns when broker got each request of code about topic ("" for any), measured
// from start.
func (r *rig) requestTimes(broker string, code int32, topic string, start time.Time) []time.Duration {
	var out []time.Duration
	for _, e := range r.broker(broker).History().Requests(code) {
		if topic == "" || e.Topic == topic {
			out = append(out, e.Time.Sub(start))
		}
	}
	return out
}

func TestPostSubscriptionWhenPull(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(strconv.FormatBool(on), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				c := r.pushConsumer(nil, WithConcurrentListener(newCollector().listener), WithPostSubscriptionWhenPull(on))
				require.NoError(t, c.Subscribe("T", "A || B"))
				require.NoError(t, c.Start())
				time.Sleep(brokerSuspendMaxTime + time.Second) // the history has a long poll once it is answered
				synctest.Wait()
				pulls := 0
				for _, e := range r.broker("broker-a").History().Requests(remoting.CodePullMessage) {
					if e.Topic != "T" {
						continue
					}
					pulls++
					flag, err := strconv.Atoi(e.ExtFields["sysFlag"])
					require.NoError(t, err)
					if on {
						require.Equal(t, "A || B", e.ExtFields["subscription"], "the expression travels with the pull")
						require.NotZero(t, int32(flag)&protocol.PullSysFlagSubscription)
					} else {
						require.Empty(t, e.ExtFields["subscription"], "the broker uses the heartbeat's subscription")
						require.Zero(t, int32(flag)&protocol.PullSysFlagSubscription)
					}
				}
				require.NotZero(t, pulls)
			})
		})
	}
}

func TestPullExceptionDelay(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		delay time.Duration
	}{
		{"default", nil, DefaultPullExceptionDelay},
		{"3s", []Option{WithPullExceptionDelay(3 * time.Second)}, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodePullMessage, Topic: "T", Action: fault.ActionError, ResponseCode: remoting.SystemError})
				start := time.Now()
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithConcurrentListener(newCollector().listener))...)
				require.NoError(t, c.Start())
				time.Sleep(10 * time.Second)
				synctest.Wait()
				times := r.requestTimes("broker-a", remoting.CodePullMessage, "T", start)
				require.Len(t, times, int(10*time.Second/tc.delay)+1, "%v", times)
				for i := 1; i < len(times); i++ {
					require.Equal(t, tc.delay, times[i]-times[i-1], "a refused pull is tried again after the delay: %v", times)
				}
			})
		})
	}
}

func TestRebalanceInterval(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []Option
		interval time.Duration
	}{
		{"default", nil, DefaultRebalanceInterval},
		{"5s", []Option{WithRebalanceInterval(5 * time.Second)}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster2Brokers()...)
				for _, b := range []string{"broker-a", "broker-b"} {
					r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeNotifyConsumerIDsChanged, Action: fault.ActionDrop})
				}
				listener := WithConcurrentListener(newCollector().listener)
				c1 := r.pushConsumer([]string{"T"}, append(tc.opts, WithInstanceName("one"), listener)...)
				require.NoError(t, c1.Start())
				synctest.Wait()
				c2 := r.pushConsumer([]string{"T"}, append(tc.opts, WithInstanceName("two"), listener)...)
				require.NoError(t, c2.Start())
				synctest.Wait()
				time.Sleep(tc.interval - time.Millisecond)
				synctest.Wait()
				require.Len(t, topicQueues(c1), 8, "c1 has not rebalanced yet")
				time.Sleep(time.Millisecond)
				synctest.Wait()
				requireSplit(t, []int{4, 4}, c1, c2)
			})
		})
	}
}

// orderlyCollector is an orderly listener that hands every message to a channel; its first
// failures calls return SuspendCurrentQueueAMoment.
type orderlyCollector struct {
	start    time.Time
	failures int
	suspend  time.Duration // the context's SuspendCurrentQueueTime when failing
	work     time.Duration // how long each call takes

	mu    sync.Mutex
	calls int
	ch    chan orderlyDelivery
}

type orderlyDelivery struct {
	at        time.Duration
	queue     MessageQueue
	body      string
	reconsume int32
	suspended bool
}

func newOrderlyCollector(failures int) *orderlyCollector {
	return &orderlyCollector{start: time.Now(), failures: failures, ch: make(chan orderlyDelivery, 10000)}
}

func (o *orderlyCollector) listener(_ context.Context, msgs []*MessageExt, oc *ConsumeOrderlyContext) (ConsumeOrderlyStatus, error) {
	o.mu.Lock()
	o.calls++
	fail := o.calls <= o.failures
	o.mu.Unlock()
	time.Sleep(o.work)
	for _, m := range msgs {
		o.ch <- orderlyDelivery{at: sinceIn(o.start), queue: oc.MessageQueue, body: string(m.Body), reconsume: m.ReconsumeTimes, suspended: fail}
	}
	if fail {
		if o.suspend > 0 {
			oc.SuspendCurrentQueueTime = o.suspend
		}
		return SuspendCurrentQueueAMoment, nil
	}
	return ConsumeOrderlySuccess, nil
}

// take waits (in virtual time) for n deliveries; the test fails after within without them.
func (o *orderlyCollector) take(t *testing.T, n int, within time.Duration) []orderlyDelivery {
	t.Helper()
	return takeFrom(t, o.ch, n, within)
}

// none checks that nothing is delivered within d.
func (o *orderlyCollector) none(t *testing.T, d time.Duration) {
	t.Helper()
	noneFrom(t, o.ch, d, func(got orderlyDelivery) string { return fmt.Sprintf("delivery %+v", got) })
}

func TestSuspendCurrentQueueDelay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		context time.Duration // the listener's SuspendCurrentQueueTime
		pause   time.Duration
	}{
		{"default", nil, 0, DefaultSuspendCurrentQueue},
		{"7s", []Option{WithSuspendCurrentQueueDelay(7 * time.Second)}, 0, 7 * time.Second},
		{"the context's time wins", []Option{WithSuspendCurrentQueueDelay(7 * time.Second)}, 3 * time.Second, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				send(t, p, "T", "first")
				o := newOrderlyCollector(2)
				o.suspend = tc.context
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithOrderlyListener(o.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				require.NoError(t, c.Start())
				got := o.take(t, 3, time.Minute)
				for i, d := range got {
					require.Equal(t, "first", d.body)
					require.Equal(t, int32(i), d.reconsume, "each suspension counts as a reconsumption")
				}
				require.Equal(t, tc.pause, got[1].at-got[0].at)
				require.Equal(t, tc.pause, got[2].at-got[1].at)
				o.none(t, time.Minute)
			})
		})
	}
}

func TestConsumeTimeoutSendsStuckMessagesBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		timeout time.Duration
	}{
		{"default", nil, DefaultConsumeTimeout},
		{"1m", []Option{WithConsumeTimeout(time.Minute)}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				send(t, p, "T", "stuck")
				start := time.Now()
				var mu sync.Mutex
				calls := 0
				got := make(chan delivery, 10)
				listener := func(ctx context.Context, msgs []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
					mu.Lock()
					calls++
					first := calls == 1
					mu.Unlock()
					got <- delivery{at: sinceIn(start), body: string(msgs[0].Body), topic: msgs[0].Topic, reconsumeTimes: msgs[0].ReconsumeTimes}
					if first {
						<-ctx.Done() // stuck until the consumer shuts down
					}
					return ConsumeSuccess, nil
				}
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithConcurrentListener(listener), WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				require.NoError(t, c.Start())
				first := <-got
				require.Zero(t, first.reconsumeTimes)

				// The cleaner runs every timeout and sends back what started more than a
				// timeout ago: the stuck message goes at the second run, at delay level 3 (10 s).
				select {
				case again := <-got:
					require.Equal(t, "stuck", again.body)
					require.Equal(t, "T", again.topic)
					require.Equal(t, int32(1), again.reconsumeTimes)
					require.Equal(t, 2*tc.timeout+10*time.Second, again.at)
				case <-time.After(2*tc.timeout + time.Minute):
					t.Fatalf("the stuck message did not come back within %v", 2*tc.timeout+time.Minute)
				}
				backs := r.broker("broker-a").History().Requests(remoting.CodeConsumerSendMsgBack)
				require.Len(t, backs, 1)
				require.Equal(t, "3", backs[0].ExtFields["delayLevel"])
			})
		})
	}
}

func TestShutdownTimeoutLetsQueuedBatchesFinish(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []Option
		calls    int
		finished int
		took     time.Duration
	}{
		{"default: queued batches dropped", nil, 1, 0, 0},
		{"10s: all five run", []Option{WithShutdownTimeout(10 * time.Second)}, 5, 5, 5 * time.Second},
		{"2.5s: three run, the third cut short", []Option{WithShutdownTimeout(2500 * time.Millisecond)}, 3, 2, 2500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				sendN(t, p, "T", "m", 5)
				var mu sync.Mutex
				calls, finished := 0, 0
				started := make(chan struct{}, 5)
				listener := func(ctx context.Context, _ []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
					mu.Lock()
					calls++
					mu.Unlock()
					started <- struct{}{}
					select {
					case <-time.After(time.Second): // a second's work
					case <-ctx.Done():
						return ReconsumeLater, ctx.Err()
					}
					mu.Lock()
					finished++
					mu.Unlock()
					return ConsumeSuccess, nil
				}
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithConcurrentListener(listener), WithConsumeGoroutines(1, 1),
					WithConsumeFromWhere(ConsumeFromFirstOffset))...)
				require.NoError(t, c.Start())
				<-started
				synctest.Wait()
				begin := time.Now()
				c.Shutdown()
				require.Equal(t, tc.took, sinceIn(begin))
				mu.Lock()
				defer mu.Unlock()
				require.Equal(t, tc.calls, calls)
				require.Equal(t, tc.finished, finished)
			})
		})
	}
}

func TestRebalanceLockInterval(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want []time.Duration
	}{
		// The rebalance locks T's queue as it takes it; the renewals start a second later.
		{"default", nil, []time.Duration{0, time.Second, 21 * time.Second, 41 * time.Second}},
		{"7s", []Option{WithRebalanceLockInterval(7 * time.Second)}, []time.Duration{0, time.Second, 8 * time.Second, 15 * time.Second, 22 * time.Second, 29 * time.Second, 36 * time.Second, 43 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				start := time.Now()
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithOrderlyListener(newOrderlyCollector(0).listener))...)
				require.NoError(t, c.Start())
				time.Sleep(45 * time.Second)
				synctest.Wait()
				// The retry topic's queue is locked too, in the same renewals, but taken when its
				// route comes, which may be one rebalance later: only T's locks are counted.
				var times []time.Duration
				for _, e := range r.broker("broker-a").History().Requests(remoting.CodeLockBatchMQ) {
					body, err := protocol.DecodeLockBatchRequestBody(e.Body)
					require.NoError(t, err)
					if slices.Contains(body.MQSet, protocol.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}) {
						times = append(times, e.Time.Sub(start))
					}
				}
				require.Equal(t, tc.want, times)
				require.Equal(t, c.ClientID(), r.broker("broker-a").QueueLocks("cg")[protocol.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}],
					"the broker's 60 s lock kept by the renewals")
			})
		})
	}
}

func TestRebalanceLockExpiry(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		// consumedAt15s: a message sent 15 s after the last renewal is consumed at once.
		consumedAt15s bool
	}{
		{"default 30s: still trusted", nil, true},
		{"10s: expired, not consumed", []Option{WithRebalanceLockExpiry(10 * time.Second)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				p := r.started()
				o := newOrderlyCollector(0)
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithOrderlyListener(o.listener))...)
				require.NoError(t, c.Start())
				time.Sleep(1500 * time.Millisecond) // the lock taken and renewed once, at 1 s
				synctest.Wait()
				// From now on the broker refuses every lock request.
				refuse := r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeLockBatchMQ, Action: fault.ActionError, ResponseCode: remoting.SystemError})
				time.Sleep(15 * time.Second)
				synctest.Wait()
				send(t, p, "T", "late")
				if tc.consumedAt15s {
					require.Equal(t, "late", o.take(t, 1, time.Second)[0].body)
					return
				}
				o.none(t, 30*time.Second)
				refuse.Remove()
				require.Equal(t, "late", o.take(t, 1, 5*time.Second)[0].body, "consumed once the lock is taken again")
			})
		})
	}
}

func TestPullExpiryRetakesAStalledQueue(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want int // pulls of T within 25 s
	}{
		{"default 120s", nil, 1},
		{"10s: dropped and taken anew at the 20s rebalance", []Option{WithPullExpiry(10 * time.Second)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, oneBrokerOneQueue()...)
				// The broker never answers a pull: it hangs until the client gives up at 30 s.
				r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodePullMessage, Topic: "T", Action: fault.ActionDrop})
				start := time.Now()
				c := r.pushConsumer([]string{"T"}, append(tc.opts, WithConcurrentListener(newCollector().listener))...)
				require.NoError(t, c.Start())
				time.Sleep(25 * time.Second)
				synctest.Wait()
				times := r.requestTimes("broker-a", remoting.CodePullMessage, "T", start)
				require.Len(t, times, tc.want, "%v", times)
				if tc.want == 2 {
					require.Equal(t, DefaultRebalanceInterval, times[1])
				}
			})
		})
	}
}
