package compat

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The Java client's TransactionMQProducer against the fakes: half messages, END_TRANSACTION
// after the local transaction, and the broker's check answered by the producer's checker. The
// brokers check every second (a real broker's default is 60 s), once a half message is a second
// old.
func TestJavaTransactionProducer(t *testing.T) {
	peer := requireJavaPeer(t)
	c := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic(topic, topicQueues),
		fakecluster.WithBrokerOptions(fakebroker.WithTransactionCheckInterval(time.Second),
			fakebroker.WithTransactionTimeout(time.Second)))
	group := uniqueName(t, "jtx")
	const n = 9 // i % 3: 0 commit, 1 rollback, 2 unknown, then committed by the check
	run := peer.run(t, nil, c.NameServerAddr(), "transaction", topic, group, fmt.Sprint(n))
	require.Empty(t, run.clientComplaints(t), "the Java client's log: no WARN or ERROR")

	results := linesOf(run.lines, "transaction")
	require.Len(t, results, n)
	states := map[int]string{0: "COMMIT_MESSAGE", 1: "ROLLBACK_MESSAGE", 2: "UNKNOW"}
	for _, l := range results {
		require.Equal(t, "SEND_OK", l.Status)
		require.Equal(t, states[l.I%3], l.LocalTransactionState, "message %d", l.I)
		// TransactionSendResult takes it from the send answer, where a 4.9.7 broker puts none
		// (the differential test pins that answer).
		require.Empty(t, l.TransactionID)
	}
	var checkedIdx []int
	for _, l := range linesOf(run.lines, "check") {
		require.Equal(t, 2, l.I%3, "only the unknown ones are checked")
		require.NotEmpty(t, l.CheckTimes)
		checkedIdx = append(checkedIdx, l.I)
	}
	slices.Sort(checkedIdx)
	require.Equal(t, []int{2, 5, 8}, slices.Compact(checkedIdx))

	// Committed by the producer or from the check: visible; rolled back: never.
	awaitCond(t, c, "every committed message stored", func() bool { return len(c.Messages(topic)) == 6 })
	var got []int
	for _, m := range c.Messages(topic) {
		i := indexOf(t, m)
		requireSameMessage(t, i, javaBody("transaction", i), m)
		require.Equal(t, protocol.SysFlagTransactionCommit, protocol.TransactionType(m.SysFlag))
		require.Equal(t, group, m.Properties["PGROUP"])
		got = append(got, i)
	}
	slices.Sort(got)
	require.Equal(t, []int{0, 2, 3, 5, 6, 8}, got)

	byMsg := map[string]fakebroker.Transaction{}
	for _, tx := range c.Transactions() {
		byMsg[tx.MsgID] = tx
	}
	require.Len(t, byMsg, n)
	for _, l := range results {
		want := fakebroker.TransactionCommitted
		if l.I%3 == 1 {
			want = fakebroker.TransactionRolledBack
		}
		require.Equal(t, want, byMsg[l.MsgID].State, "message %d", l.I)
		require.Equal(t, group, byMsg[l.MsgID].ProducerGroup)
	}
	var fromCheck int
	for _, b := range c.Brokers() {
		for _, e := range b.History().Requests(remoting.CodeEndTransaction) {
			require.True(t, e.Oneway, "the Java client ends transactions oneway")
			if e.ExtFields[protocol.FieldFromTransactionCheck] == "true" {
				fromCheck++
			}
		}
	}
	require.GreaterOrEqual(t, fromCheck, 3, "each unknown message ended from its check")
}

// The Java client's request() against the fakes: a responder in the same JVM replies through a
// producer of its own, and the broker pushes each reply to the requester (326).
func TestJavaRequestReply(t *testing.T) {
	peer := requireJavaPeer(t)
	c := startCluster(t)
	group := uniqueName(t, "jreq")
	const n = 4
	run := peer.run(t, nil, c.NameServerAddr(), "request", topic, group, fmt.Sprint(n))
	require.Empty(t, run.clientComplaints(t, consumerStartNoise(group+"-responder")...),
		"the Java client's log: nothing but the responder's start")

	requests := linesOf(run.lines, "request")
	require.Len(t, requests, n)
	for _, l := range requests {
		require.Equal(t, "reply to "+string(javaBody("request", l.I)), l.Reply)
		require.NotEmpty(t, l.CorrelationID)
	}
	for _, l := range linesOf(run.lines, "replied") {
		require.Equal(t, "SEND_OK", l.Status, "the broker pushed the reply and stored it")
	}

	replyTopic := protocol.ReplyTopic(fakebroker.DefaultCluster)
	awaitCond(t, c, "every reply stored", func() bool { return len(c.Messages(replyTopic)) == n })
	for _, m := range c.Messages(replyTopic) {
		require.Equal(t, "reply", m.Properties["MSG_TYPE"])
		require.NotEmpty(t, m.Properties["CORRELATION_ID"])
		require.Contains(t, m.Properties["REPLY_TO_CLIENT"], "@"+group)
	}
	var pushed int
	for _, b := range c.Brokers() {
		for _, e := range b.History().Requests(remoting.CodeSendReplyMessageV2) {
			require.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
			pushed++
		}
	}
	require.Equal(t, n, pushed)
}
