package client

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// The requests a broker sends a consumer when an admin asks it (mqadmin consumerStatus,
// consumerProgress -s, consumeMessage, resetOffsetByTime), sent here through the fake broker
// as mqadmin does.

func TestBrokerToConsumerRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, oneBrokerOneQueue()...)
		p := r.started()
		var results []*SendResult
		for _, body := range []string{"m0", "m1", "m2"} {
			results = append(results, send(t, p, "T", body))
		}
		var failNext bool
		got := make(chan string, 100)
		listener := func(_ context.Context, msgs []*MessageExt, _ *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error) {
			for _, m := range msgs {
				got <- string(m.Body)
			}
			if failNext {
				failNext = false
				return ReconsumeLater, errors.New("listener refused")
			}
			return ConsumeSuccess, nil
		}
		c := r.pushConsumer([]string{"T"}, WithConcurrentListener(listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		take := func(n int) []string {
			t.Helper()
			var out []string
			timeout := time.After(time.Minute)
			for len(out) < n {
				select {
				case b := <-got:
					out = append(out, b)
				case <-timeout:
					t.Fatalf("got %v of %d messages", out, n)
				}
			}
			return out
		}
		require.ElementsMatch(t, []string{"m0", "m1", "m2"}, take(3))
		synctest.Wait()
		cli := remotingtest.NewClient(t, r.mem.Dial)
		addr := r.broker("broker-a").Addr()
		mq := protocol.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}

		// GET_CONSUMER_STATUS_FROM_CLIENT (221): the member's offsets.
		status, err := admin.ConsumerStatus(background, cli, addr, "T", "cg", "")
		require.NoError(t, err)
		require.Equal(t, map[string]map[protocol.MessageQueue]int64{c.ClientID(): {mq: 3}}, status)

		// GET_CONSUMER_RUNNING_INFO (307): settings, subscriptions, queues.
		info, err := admin.ConsumerRunningInfo(background, cli, addr, "cg", c.ClientID(), true)
		require.NoError(t, err)
		require.Equal(t, "false", info.Properties[protocol.RunningInfoConsumeOrderly])
		require.Equal(t, string(protocol.ConsumePassively), info.Properties[protocol.RunningInfoConsumeType])
		require.Equal(t, "20", info.Properties[protocol.RunningInfoThreadPoolSize])
		require.Equal(t, r.c.NameServerAddr()+";", info.Properties[protocol.RunningInfoNameServerAddr])
		var topics []string
		for _, sd := range info.SubscriptionSet {
			topics = append(topics, sd.Topic)
		}
		require.ElementsMatch(t, []string{"T", "%RETRY%cg"}, topics)
		require.Contains(t, info.MQTable, mq)
		require.Equal(t, int64(3), info.MQTable[mq].CommitOffset)
		require.Contains(t, info.Jstack, "goroutine", "jstack asked for: the goroutines' stacks")

		_, err = admin.ConsumerRunningInfo(background, cli, addr, "cg", "192.0.2.9@nobody", false)
		require.ErrorContains(t, err, "not online", "the broker refuses a client it does not have")

		// CONSUME_MESSAGE_DIRECTLY (309): the listener gets the message again.
		res, err := admin.ConsumeMessageDirectly(background, cli, addr, "cg", c.ClientID(), results[1].OffsetMsgID)
		require.NoError(t, err)
		require.Equal(t, protocol.CMResultSuccess, res.ConsumeResult)
		require.True(t, res.AutoCommit)
		require.Equal(t, []string{"m1"}, take(1))

		failNext = true
		res, err = admin.ConsumeMessageDirectly(background, cli, addr, "cg", c.ClientID(), results[2].OffsetMsgID)
		require.NoError(t, err)
		require.Equal(t, protocol.CMResultThrowException, res.ConsumeResult)
		require.Equal(t, "listener refused", res.Remark)
		require.Equal(t, []string{"m2"}, take(1))
		synctest.Wait()
		require.Empty(t, got, "a direct consumption is not retried")

		// RESET_CONSUMER_CLIENT_OFFSET (220): consumed again from the offset.
		// A 4.9.7 broker resets only a group it has committed offsets of: the first persist.
		// The reset is kept off the 5 s persist grid: a periodic persist at the very instant
		// the reset ends may still send the old offset after the new one, in Java as here.
		time.Sleep(DefaultPersistConsumerOffsetDelay + 2*time.Second)
		synctest.Wait()
		offsets, err := admin.ResetOffset(background, cli, addr, "T", "cg", 0, true)
		require.NoError(t, err)
		require.Equal(t, map[protocol.MessageQueue]int64{mq: 0}, offsets)
		synctest.Wait()
		require.Empty(t, got, "nothing before the pause for pulls under way")
		begin := time.Now()
		require.ElementsMatch(t, []string{"m0", "m1", "m2"}, take(3))
		// After the pause, the queue's new pull may beat the heartbeat with its new
		// subscription version to the broker (SUBSCRIPTION_NOT_LATEST, as with Java's client):
		// then it comes a pull exception delay later.
		require.GreaterOrEqual(t, sinceIn(begin), resetOffsetPause)
		require.LessOrEqual(t, sinceIn(begin), resetOffsetPause+DefaultPullExceptionDelay)
		time.Sleep(time.Second)
		synctest.Wait()
		require.Equal(t, int64(3), c.Consumption().Offsets[MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}])
	})
}

func TestBrokerToLitePullConsumerRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, oneBrokerOneQueue()...)
		p := r.started()
		res := send(t, p, "T", "m0")
		c := r.litePull(WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Subscribe("T", "*"))
		require.NoError(t, c.Start())
		time.Sleep(DefaultRebalanceInterval) // the first rebalance brings the queue
		require.Len(t, pollAll(t, c, 1, time.Minute), 1)
		cli := remotingtest.NewClient(t, r.mem.Dial)
		addr := r.broker("broker-a").Addr()
		synctest.Wait()

		// Java's lite pull consumer is no DefaultMQPullConsumerImpl: it reports no offsets.
		status, err := admin.ConsumerStatus(background, cli, addr, "T", "cg", "")
		require.NoError(t, err)
		require.Equal(t, map[string]map[protocol.MessageQueue]int64{c.ClientID(): {}}, status)

		info, err := admin.ConsumerRunningInfo(background, cli, addr, "cg", c.ClientID(), false)
		require.NoError(t, err)
		require.Equal(t, string(protocol.ConsumeActively), info.Properties[protocol.RunningInfoConsumeType])
		require.Equal(t, "true", info.Properties["autoCommit"])

		_, err = admin.ConsumeMessageDirectly(background, cli, addr, "cg", c.ClientID(), res.OffsetMsgID)
		var se *admin.ServerError
		require.ErrorAs(t, err, &se)
		require.Equal(t, remoting.SystemError, se.Code)
		require.Contains(t, se.Remark, "is not a push consumer")
	})
}
