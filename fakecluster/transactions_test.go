package fakecluster_test

import (
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// sendHalf sends a transactional message of group "pg" and returns what END_TRANSACTION names
// it by.
func (c *client) sendHalf(addr, topic, uniq string) protocol.EndTransactionRequestHeader {
	c.t.Helper()
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: 1, SysFlag: protocol.SysFlagTransactionPrepared, BornTimestamp: time.Now().UnixMilli(),
		Properties: protocol.EncodeProperties(map[string]string{"TRAN_MSG": "true", "PGROUP": "pg", "UNIQ_KEY": uniq}),
	}
	resp, err := c.invoke(addr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("half")))
	require.NoError(c.t, err)
	require.Equal(c.t, remoting.Success, resp.Code, resp.Remark)
	sh, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
	require.NoError(c.t, err)
	_, off, err := protocol.DecodeOffsetMsgID(sh.MsgID)
	require.NoError(c.t, err)
	return protocol.EndTransactionRequestHeader{
		ProducerGroup: "pg", TranStateTableOffset: sh.QueueOffset, CommitLogOffset: off, MsgID: uniq,
	}
}

func (c *client) endTransaction(addr string, h protocol.EndTransactionRequestHeader, typ int32) {
	c.t.Helper()
	h.CommitOrRollback = typ
	resp, err := c.invoke(addr, protocol.RequestWithHeader(remoting.CodeEndTransaction, h, nil))
	require.NoError(c.t, err)
	require.Equal(c.t, remoting.Success, resp.Code, resp.Remark)
}

func TestAdminTransactions(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("Orders", 2))
	c := newClient(t, cl)
	addr := brokerOf(t, cl, "broker-a").Addr()
	h := cl.AdminHandler()

	code, v := admin(t, h, "GET", "/v1/transactions", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, []any{}, v["transactions"])

	committed := c.sendHalf(addr, "Orders", "TX-C")
	rolledBack := c.sendHalf(addr, "Orders", "TX-R")
	c.sendHalf(addr, "Orders", "TX-P")
	c.endTransaction(addr, committed, protocol.CommitOrRollbackCommit)
	c.endTransaction(addr, rolledBack, protocol.CommitOrRollbackRollback)

	code, v = admin(t, h, "GET", "/v1/transactions", "")
	require.Equal(t, http.StatusOK, code)
	rows := v["transactions"].([]any)
	require.Len(t, rows, 3)
	first := rows[0].(map[string]any)
	require.Equal(t, "broker-a", first["broker"])
	require.Equal(t, "Orders", first["topic"])
	require.EqualValues(t, 1, first["queueId"])
	require.Equal(t, "TX-C", first["msgId"])
	require.Equal(t, "pg", first["producerGroup"])
	require.EqualValues(t, committed.TranStateTableOffset, first["halfQueueOffset"])
	require.EqualValues(t, committed.CommitLogOffset, first["commitLogOffset"])
	require.Equal(t, protocol.CreateOffsetMsgID(mustAddrPort(t, addr), committed.CommitLogOffset), first["offsetMsgId"])
	require.EqualValues(t, 0, first["checkTimes"])
	require.Greater(t, first["bornTimestamp"], float64(0))
	require.Greater(t, first["endedAt"], float64(0))
	var states []any
	for _, r := range rows {
		states = append(states, r.(map[string]any)["state"])
	}
	require.Equal(t, []any{"committed", "rolledBack", "pending"}, states)
	require.EqualValues(t, 0, rows[2].(map[string]any)["endedAt"])
	require.Len(t, cl.Messages("Orders"), 1, "only the committed message is visible")
}

// The check's options reach the brokers through WithBrokerOptions; in a synctest bubble the
// 60 s interval passes in no time, and a message nobody answers is discarded.
func TestTransactionsDiscardedInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		cl := fakecluster.Start(t, fakecluster.WithMemNetwork(mem), fakecluster.WithTopic("Orders", 2),
			fakecluster.WithBrokerOptions(fakebroker.WithTransactionCheckMax(2)))
		c := newClient(t, cl)
		c.sendHalf(brokerOf(t, cl, "broker-a").Addr(), "Orders", "TX-1")
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		txs := cl.Transactions()
		require.Len(t, txs, 1)
		require.Equal(t, fakebroker.TransactionDiscarded, txs[0].State)
		require.Equal(t, 2, txs[0].CheckTimes)
		require.Len(t, cl.Messages(protocol.TransCheckMaxTimeTopic), 1)
		_, v := admin(t, cl.AdminHandler(), "GET", "/v1/transactions", "")
		require.Equal(t, "discarded", v["transactions"].([]any)[0].(map[string]any)["state"])
		require.Equal(t, strconv.Itoa(2), cl.Messages(protocol.TransCheckMaxTimeTopic)[0].Properties["TRANSACTION_CHECK_TIMES"])
	})
}

func mustAddrPort(t *testing.T, addr string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	require.NoError(t, err)
	return ap
}
