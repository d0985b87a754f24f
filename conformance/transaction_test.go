package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
)

// Our transactional producer and our request-reply against real RocketMQ 4.9.7. The shared
// brokers check half messages every second, once they are txTimeout old.

// waitCheck is how long a test waits for a broker's check: the timeout, a check interval, and
// room for a slow machine.
const waitCheck = txTimeout + txCheckInterval + 20*time.Second

func TestTransactionCommitRollbackAndCheck(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfTx")
	createTopic(t, c, topic, 4)
	checked := make(chan *client.MessageExt, 16)
	l := client.TransactionListenerFuncs{
		Execute: func(_ context.Context, _ *client.Message, arg any) (client.LocalTransactionState, error) {
			return arg.(client.LocalTransactionState), nil
		},
		Check: func(_ context.Context, msg *client.MessageExt) (client.LocalTransactionState, error) {
			checked <- msg
			return client.TransactionCommit, nil
		},
	}
	group := unique("ConfTxPG")
	p := newProducer(t, c, group, client.WithTransactionListener(l))
	send := func(body string, state client.LocalTransactionState) *client.TransactionSendResult {
		t.Helper()
		res, err := p.SendInTransaction(t.Context(), client.NewMessage(topic, []byte(body)), state)
		require.NoError(t, err)
		require.Equal(t, client.SendOK, res.Status)
		require.Equal(t, state, res.LocalTransactionState)
		return res
	}
	commit := send("commit", client.TransactionCommit)
	rollback := send("rollback", client.TransactionRollback)
	unknown := send("unknown", client.TransactionUnknown)

	// The commit is visible at once; the unknown one once the broker's check has asked.
	got := byUniqKey(stored(t, c, topic, 1))
	require.Contains(t, got, commit.MsgID)
	select {
	case m := <-checked:
		assert.Equal(t, unknown.MsgID, m.UniqKey(), "only the unknown transaction is checked")
		assert.Equal(t, topic, m.Topic, "the checker sees the real topic")
		assert.Equal(t, "unknown", string(m.Body))
		assert.Equal(t, group, m.Properties[protocol.PropertyProducerGroup])
		assert.Equal(t, "1", m.Properties[protocol.PropertyTransactionCheckTimes])
	case <-time.After(waitCheck):
		t.Fatal("the broker never checked the unknown transaction")
	}
	got = byUniqKey(stored(t, c, topic, 2))
	require.Contains(t, got, unknown.MsgID)
	require.NotContains(t, got, rollback.MsgID)

	// A committed message is the half message stored again: the commit type in its sysFlag,
	// and as its prepared-transaction offset the commit-log offset END_TRANSACTION named: the
	// half message's for our own commit, the copy the check appended (later in the commit log)
	// for the checker's.
	halfOffset := func(res *client.TransactionSendResult) int64 {
		_, off, err := protocol.DecodeOffsetMsgID(res.OffsetMsgID)
		require.NoError(t, err)
		return off
	}
	for _, res := range []*client.TransactionSendResult{commit, unknown} {
		m := got[res.MsgID]
		assert.Equal(t, protocol.SysFlagTransactionCommit, m.SysFlag&protocol.SysFlagTransactionRollback, res.MsgID)
		assert.Equal(t, "true", m.Properties[protocol.PropertyTransactionPrepared], "4.9.7 keeps TRAN_MSG on the committed record")
	}
	assert.Equal(t, halfOffset(commit), got[commit.MsgID].PreparedTransactionOffset)
	assert.Greater(t, got[unknown.MsgID].PreparedTransactionOffset, halfOffset(unknown))

	// The checker's commit settled it: no more checks, and the rollback stays invisible.
	time.Sleep(3 * txCheckInterval)
	assert.Empty(t, checked)
	assert.Len(t, stored(t, c, topic, 2), 2)
}

func TestRequestReply(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfRequest")
	createTopic(t, c, topic, 4)
	requester := newProducer(t, c, unique("ConfRequestPG"), client.WithRequestTimeout(20*time.Second))
	responder := newProducer(t, c, unique("ConfReplyPG"))

	type outcome struct {
		reply *client.MessageExt
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		reply, err := requester.Request(context.Background(), client.NewMessage(topic, []byte("ping")))
		done <- outcome{reply, err}
	}()

	req := stored(t, c, topic, 1)[0]
	assert.Equal(t, requester.ClientID(), req.Properties[protocol.PropertyMessageReplyToClient])
	assert.Equal(t, "20000", req.Properties[protocol.PropertyMessageTTL])
	res, err := responder.Reply(t.Context(), &req.Message, []byte("pong"))
	require.NoError(t, err)
	assert.Equal(t, client.SendOK, res.Status)

	var o outcome
	select {
	case o = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("no reply")
	}
	require.NoError(t, o.err)
	assert.Equal(t, "pong", string(o.reply.Body))
	assert.Equal(t, protocol.ReplyTopic(c.ClusterName()), o.reply.Topic)
	assert.Equal(t, req.Properties[protocol.PropertyCorrelationID], o.reply.Properties[protocol.PropertyCorrelationID])
	assert.Equal(t, protocol.MessageTypeReply, o.reply.Properties[protocol.PropertyMessageType])
	assert.Contains(t, o.reply.Properties, protocol.PropertyPushReplyTime)
	assert.Contains(t, o.reply.Properties, protocol.PropertyReplyMessageArriveTime)
	assert.Equal(t, 0, requester.Snapshot().PendingRequests)
}

// A request nobody answers fails at its deadline; a reply to a requester that has gone comes
// back from the broker with its remark.
func TestRequestTimeoutAndReplyToAGoneRequester(t *testing.T) {
	c := shared.Cluster(t)
	topic := unique("ConfRequestGone")
	createTopic(t, c, topic, 4)
	requester := newProducer(t, c, unique("ConfRequestPG"), client.WithRequestTimeout(2*time.Second))
	responder := newProducer(t, c, unique("ConfReplyPG"))

	start := time.Now()
	_, err := requester.Request(t.Context(), client.NewMessage(topic, []byte("ping")))
	took := time.Since(start)
	require.EqualError(t, err, "CODE: 10006  DESC: send request message to <"+topic+"> OK, but wait reply message timeout, 2000 ms.")
	assert.InDelta(t, 2*time.Second, took, float64(200*time.Millisecond), "at the deadline, not a scan period later")

	id := requester.ClientID()
	requester.Shutdown()
	req := stored(t, c, topic, 1)[0]
	_, err = responder.Reply(t.Context(), &req.Message, []byte("pong"))
	var be *client.BrokerError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "push reply message fail, channel of <"+id+"> not found.", be.Remark)
}
