package fakebroker

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func orderQueues(ids ...int32) []protocol.MessageQueue {
	var out []protocol.MessageQueue
	for _, id := range ids {
		out = append(out, protocol.MessageQueue{Topic: "OrderTopic", BrokerName: DefaultBrokerName, QueueID: id})
	}
	return out
}

// lock sends LOCK_BATCH_MQ for client and returns the queue ids it holds afterwards, sorted.
func (r *rig) lock(client, group string, mqs []protocol.MessageQueue) []int32 {
	r.t.Helper()
	body := &protocol.LockBatchRequestBody{ConsumerGroup: group, ClientID: client, MQSet: mqs}
	resp := r.invoke(remoting.NewRequest(remoting.CodeLockBatchMQ, nil, body.Encode()))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	require.Nil(r.t, resp.ExtFields)
	require.Empty(r.t, resp.Remark)
	got, err := protocol.DecodeLockBatchResponseBody(resp.Body)
	require.NoError(r.t, err)
	ids := []int32{}
	for _, mq := range got.LockOKMQSet {
		ids = append(ids, mq.QueueID)
	}
	slices.Sort(ids)
	return ids
}

func (r *rig) unlock(client, group string, mqs []protocol.MessageQueue) {
	r.t.Helper()
	body := &protocol.UnlockBatchRequestBody{ConsumerGroup: group, ClientID: client, MQSet: mqs}
	resp := r.invoke(remoting.NewRequest(remoting.CodeUnlockBatchMQ, nil, body.Encode()))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	require.Nil(r.t, resp.Body)
}

// A second client cannot take a locked queue until the lock lapses, 60 s after it was last
// taken or renewed; the holder renews by locking again, and gives it up by unlocking.
func TestRebalanceLocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		all := orderQueues(0, 1, 2, 3)
		require.Equal(t, []int32{0, 1}, r.lock("A", "cg", orderQueues(0, 1)))
		require.Equal(t, []int32{2, 3}, r.lock("B", "cg", all), "B gets only what A does not hold")
		require.Equal(t, []int32{0, 1}, r.lock("A", "other", orderQueues(0, 1)), "locks are per group")
		require.Equal(t, map[protocol.MessageQueue]string{all[0]: "A", all[1]: "A", all[2]: "B", all[3]: "B"}, r.b.QueueLocks("cg"))

		time.Sleep(DefaultRebalanceLockExpiry)
		require.Equal(t, []int32{0}, r.lock("A", "cg", orderQueues(0)), "A renews queue 0 at exactly 60 s")
		require.Equal(t, []int32{2, 3}, r.lock("B", "cg", all), "queue 1 is 60 s old: not lapsed yet")
		time.Sleep(time.Millisecond)
		require.Equal(t, []int32{1, 2, 3}, r.lock("B", "cg", all), "queue 1 lapsed; queue 0 was renewed")
		require.Equal(t, []int32{0}, r.lock("A", "cg", all))

		r.unlock("B", "cg", orderQueues(0, 1)) // 0 is A's: untouched
		require.Equal(t, []int32{0, 1}, r.lock("A", "cg", all))
		require.Equal(t, map[protocol.MessageQueue]string{all[0]: "A", all[1]: "A", all[2]: "B", all[3]: "B"}, r.b.QueueLocks("cg"))

		// A lock outlives its holder's connection and group membership.
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: "A", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "OrderTopic")}})
		require.NoError(t, r.client.Close())
		r.client = r.newClient()
		require.Equal(t, []int32{2, 3}, r.lock("B", "cg", all))
		time.Sleep(DefaultRebalanceLockExpiry + time.Millisecond)
		require.Equal(t, []int32{0, 1, 2, 3}, r.lock("B", "cg", all))
	})
}

func TestRebalanceLockExpiryIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithRebalanceLockExpiry(3*time.Second))
		require.Equal(t, []int32{0}, r.lock("A", "cg", orderQueues(0)))
		time.Sleep(3 * time.Second)
		require.Empty(t, r.lock("B", "cg", orderQueues(0)))
		time.Sleep(time.Millisecond)
		require.Equal(t, []int32{0}, r.lock("B", "cg", orderQueues(0)))
		require.Empty(t, r.b.QueueLocks("nobody"))
	})
}

func TestRebalanceLocksLostOnRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		require.Equal(t, []int32{0}, r.lock("A", "cg", orderQueues(0)))
		r.restart()
		require.Empty(t, r.b.QueueLocks("cg"))
		require.Equal(t, []int32{0}, r.lock("B", "cg", orderQueues(0)))
	})
}

func TestLockBatchRefusals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		for _, code := range []int32{remoting.CodeLockBatchMQ, remoting.CodeUnlockBatchMQ} {
			resp := r.invoke(remoting.NewRequest(code, nil, nil))
			require.Equal(t, remoting.SystemError, resp.Code)
			require.Equal(t, nullBodyRemark, resp.Remark)
			resp = r.invoke(remoting.NewRequest(code, nil, []byte(`{"mqSet":7}`)))
			require.Equal(t, remoting.SystemError, resp.Code)
		}
		resp := r.invoke(remoting.NewRequest(remoting.CodeLockBatchMQ, nil,
			(&protocol.LockBatchRequestBody{ClientID: "A", MQSet: orderQueues(0)}).Encode()))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, mapLookupKey("").remark, resp.Remark)
		// Nothing to lock: an empty answer, whatever the group.
		resp = r.invoke(remoting.NewRequest(remoting.CodeLockBatchMQ, nil, []byte(`{"clientId":"A"}`)))
		require.Equal(t, remoting.Success, resp.Code)
		require.JSONEq(t, `{"lockOKMQSet":[]}`, string(resp.Body))
	})
}
