package fakebroker

import (
	"context"
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
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

const txGroup = "tx-pg"

// halfRef is what a producer knows of a half message it sent: the send answer's offsets, as
// it names them in END_TRANSACTION.
type halfRef struct {
	uniq            string
	queueOffset     int64
	commitLogOffset int64
}

// producer is a client connection that heartbeats as a producer of txGroup and keeps the
// checks the broker sends it.
type producer struct {
	c  *remoting.Client
	mu sync.Mutex
	// checks are the CHECK_TRANSACTION_STATE requests received, in order.
	checks []*remoting.Command
}

func (r *rig) newProducer(clientID string) *producer {
	r.t.Helper()
	p := &producer{c: r.newClient()}
	p.c.Handle(remoting.CodeCheckTransactionState, func(_ context.Context, req *remoting.Request) *remoting.Command {
		cmd := *req.Command
		cmd.Body = slices.Clone(cmd.Body)
		p.mu.Lock()
		p.checks = append(p.checks, &cmd)
		p.mu.Unlock()
		return nil
	})
	hb := &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: txGroup}}}
	heartbeat(r.t, p.c, hb)
	// Heartbeats every 30 s, as a Java client's, keep the connection in the group and open
	// (both ends close a connection idle for 120 s).
	ctx := r.t.Context()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(30 * time.Second):
				_, _ = p.c.Invoke(ctx, brokerAddr, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
			}
		}
	}()
	return p
}

func (p *producer) received() []*remoting.Command {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.checks)
}

// halfHeader is a Java producer's send header for a transactional message born now.
func halfHeader(topic string, queue int32, uniq string, extra map[string]string) protocol.SendMessageRequestHeader {
	props := map[string]string{"TRAN_MSG": "true", "PGROUP": txGroup, "UNIQ_KEY": uniq, "TAGS": "TagT", "WAIT": "true"}
	for k, v := range extra {
		props[k] = v
	}
	h := sendHeader(topic, queue, props)
	h.ProducerGroup = txGroup
	h.SysFlag = protocol.SysFlagTransactionPrepared
	h.BornTimestamp = time.Now().UnixMilli()
	return h
}

// sendHalf sends a half message over c and returns what END_TRANSACTION names it by.
func (r *rig) sendHalf(c *remoting.Client, h protocol.SendMessageRequestHeader) halfRef {
	r.t.Helper()
	resp := invokeOn(r.t, c, sendReq(r.t, remoting.CodeSendMessageV2, h, []byte("money")))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	sh, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
	require.NoError(r.t, err)
	_, off, err := protocol.DecodeOffsetMsgID(sh.MsgID)
	require.NoError(r.t, err)
	return halfRef{uniq: protocol.DecodeProperties(h.Properties)["UNIQ_KEY"], queueOffset: sh.QueueOffset, commitLogOffset: off}
}

func endTx(ref halfRef, typ int32, fromCheck bool) *remoting.Command {
	return protocol.RequestWithHeader(remoting.CodeEndTransaction, protocol.EndTransactionRequestHeader{
		ProducerGroup: txGroup, TranStateTableOffset: ref.queueOffset, CommitLogOffset: ref.commitLogOffset,
		CommitOrRollback: typ, FromTransactionCheck: fromCheck, MsgID: ref.uniq, TransactionID: ref.uniq,
	}, nil)
}

// checkRef reads the half message a check names, as a producer answers it.
func checkRef(t *testing.T, check *remoting.Command) halfRef {
	t.Helper()
	h, err := protocol.DecodeCheckTransactionStateRequestHeader(check.ExtFields)
	require.NoError(t, err)
	return halfRef{uniq: h.MsgID, queueOffset: h.TranStateTableOffset, commitLogOffset: h.CommitLogOffset}
}

func transactionOf(t *testing.T, b *Broker, uniq string) Transaction {
	t.Helper()
	for _, tx := range b.Transactions() {
		if tx.MsgID == uniq {
			return tx
		}
	}
	t.Fatalf("no transaction %s", uniq)
	return Transaction{}
}

func TestEndTransactionCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		h := halfHeader("T", 2, "TX1", nil)
		h.Flag = 7
		ref := r.sendHalf(r.client, h)
		require.Empty(t, r.b.Messages("T"))
		require.Equal(t, TransactionPending, transactionOf(t, r.b, "TX1").State)

		resp := r.invoke(endTx(ref, protocol.CommitOrRollbackCommit, false))
		require.Equal(t, remoting.Success, resp.Code)
		require.Empty(t, resp.Remark)
		require.Nil(t, resp.ExtFields)

		stored := r.b.StoredMessages("T")
		require.Len(t, stored, 1)
		m := stored[0]
		require.Equal(t, int32(2), m.QueueID)
		require.Equal(t, "money", string(m.Body))
		require.Equal(t, int32(7), m.Flag)
		require.Equal(t, protocol.SysFlagTransactionCommit, protocol.TransactionType(m.SysFlag))
		require.Equal(t, ref.commitLogOffset, m.PreparedTransactionOffset)
		// Java makes the stored string before it drops these.
		require.Equal(t, "T", m.Properties["REAL_TOPIC"])
		require.Equal(t, "2", m.Properties["REAL_QID"])
		require.Equal(t, "true", m.Properties["TRAN_MSG"])
		require.Equal(t, "TX1", m.Properties["UNIQ_KEY"])
		half := r.b.StoredMessages(protocol.TransHalfTopic)
		require.Len(t, half, 1)
		require.Equal(t, storedProps(t, r.b, protocol.TransHalfTopic, 0), storedProps(t, r.b, "T", 0),
			"the half message's string, as it was")

		ops := r.b.StoredMessages(protocol.TransOpHalfTopic)
		require.Len(t, ops, 1)
		require.Equal(t, "d", ops[0].Tags())
		require.Equal(t, strconv.FormatInt(ref.queueOffset, 10), string(ops[0].Body))
		require.Equal(t, protocol.EncodeProperties(map[string]string{"TAGS": "d", "WAIT": "true"}), protocol.EncodeProperties(ops[0].Properties))
		require.Zero(t, ops[0].SysFlag)
		require.Equal(t, storeHost, ops[0].BornHost)

		tx := transactionOf(t, r.b, "TX1")
		require.Equal(t, TransactionCommitted, tx.State)
		require.Equal(t, Transaction{
			Broker: "broker-a", Topic: "T", QueueID: 2, MsgID: "TX1", ProducerGroup: txGroup,
			HalfQueueOffset: ref.queueOffset, CommitLogOffset: ref.commitLogOffset,
			OffsetMsgID: protocol.CreateOffsetMsgID(storeHost, ref.commitLogOffset), State: TransactionCommitted,
			BornTimestamp: h.BornTimestamp, EndedAt: time.Now(),
		}, tx)
	})
}

// storedProps is the properties string of a topic's i-th record as the store holds it.
func storedProps(t *testing.T, b *Broker, topic string, i int) string {
	t.Helper()
	raw, err := protocol.StoredRecordProperties(b.store.messages(topic)[i].raw)
	require.NoError(t, err)
	return raw
}

func TestEndTransactionRollbackAndUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		ref := r.sendHalf(r.client, halfHeader("T", 0, "TX1", nil))

		// Unknown is never answered, not even two-way, and changes nothing.
		_, err := remotingtest.InvokeWithin(t, r.client, brokerAddr, endTx(ref, protocol.CommitOrRollbackNone, false), 3*time.Second)
		require.ErrorIs(t, err, remoting.ErrTimeout)
		require.Empty(t, r.b.StoredMessages(protocol.TransOpHalfTopic))

		resp := r.invoke(endTx(ref, protocol.CommitOrRollbackRollback, true))
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, "not set any response code", resp.Remark, "Java's rollback answer only sets its code")
		require.Nil(t, resp.ExtFields)
		require.Empty(t, r.b.Messages("T"))
		require.Len(t, r.b.StoredMessages(protocol.TransOpHalfTopic), 1)
		require.Equal(t, TransactionRolledBack, transactionOf(t, r.b, "TX1").State)

		// Java does not look at op records: a commit after the rollback still stores the message.
		resp = r.invoke(endTx(ref, protocol.CommitOrRollbackCommit, false))
		require.Equal(t, remoting.Success, resp.Code)
		require.Len(t, r.b.Messages("T"), 1)
		require.Len(t, r.b.StoredMessages(protocol.TransOpHalfTopic), 2)
		require.Equal(t, TransactionCommitted, transactionOf(t, r.b, "TX1").State)
	})
}

func TestEndTransactionOneway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		ref := r.sendHalf(r.client, halfHeader("T", 1, "TX1", nil))
		require.NoError(t, r.client.InvokeOneway(t.Context(), brokerAddr, endTx(ref, protocol.CommitOrRollbackCommit, false)))
		synctest.Wait()
		require.Len(t, r.b.Messages("T"), 1)
		e := r.b.History().Requests(remoting.CodeEndTransaction)
		require.Len(t, e, 1)
		require.True(t, e[0].Oneway)
		require.Equal(t, []string{txGroup}, e[0].Groups)
	})
}

func TestEndTransactionRefusals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		ref := r.sendHalf(r.client, halfHeader("T", 1, "TX1", nil))
		plain := r.send(remoting.CodeSendMessageV2, "T", 0, "plain", map[string]string{"UNIQ_KEY": "P1"})
		_, plainOff, err := protocol.DecodeOffsetMsgID(plain.MsgID)
		require.NoError(t, err)
		commit := func(edit func(ext map[string]string)) *remoting.Command {
			req := endTx(ref, protocol.CommitOrRollbackCommit, false)
			edit(req.ExtFields)
			return req
		}
		for _, tc := range []struct {
			name   string
			req    *remoting.Command
			code   int32
			remark string
		}{
			{"unknown commit-log offset", commit(func(ext map[string]string) { ext["commitLogOffset"] = "999999" }),
				remoting.SystemError, "Find prepared transaction message failed"},
			{"another group", commit(func(ext map[string]string) { ext["producerGroup"] = "other" }),
				remoting.SystemError, "The producer group wrong"},
			{"no group", commit(func(ext map[string]string) { delete(ext, "producerGroup") }),
				remoting.SystemError, "The producer group wrong"},
			{"wrong queue offset", commit(func(ext map[string]string) { ext["tranStateTableOffset"] = "5" }),
				remoting.SystemError, "The transaction state table offset wrong"},
			{"no queue offset", commit(func(ext map[string]string) { delete(ext, "tranStateTableOffset") }),
				remoting.SystemError, `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.EndTransactionRequestHeader.getTranStateTableOffset()" is null, org.apache.rocketmq.broker.processor.EndTransactionProcessor.checkPrepareMessage(EndTransactionProcessor.java:174)`},
			{"no commit-log offset", commit(func(ext map[string]string) { delete(ext, "commitLogOffset") }),
				remoting.SystemError, `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.EndTransactionRequestHeader.getCommitLogOffset()" is null, org.apache.rocketmq.broker.transaction.queue.TransactionalMessageServiceImpl.commitMessage(TransactionalMessageServiceImpl.java:481)`},
			{"bad commitOrRollback", commit(func(ext map[string]string) { ext["commitOrRollback"] = "4" }),
				remoting.SystemError, "org.apache.rocketmq.remoting.exception.RemotingCommandException: commitOrRollback field wrong, org.apache.rocketmq.common.protocol.header.EndTransactionRequestHeader.checkFields(EndTransactionRequestHeader.java:60)"},
			{"no commitOrRollback", commit(func(ext map[string]string) { delete(ext, "commitOrRollback") }),
				remoting.SystemError, `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because "this.commitOrRollback" is null, org.apache.rocketmq.common.protocol.header.EndTransactionRequestHeader.checkFields(EndTransactionRequestHeader.java:48)`},
			{"no extFields", remoting.NewRequest(remoting.CodeEndTransaction, nil, nil),
				remoting.SystemError, `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because the return value of "org.apache.rocketmq.common.protocol.header.EndTransactionRequestHeader.getCommitOrRollback()" is null, org.apache.rocketmq.broker.processor.EndTransactionProcessor.processRequest(EndTransactionProcessor.java:98)`},
			{"a message that is not half", commit(func(ext map[string]string) { ext["commitLogOffset"] = strconv.FormatInt(plainOff, 10) }),
				remoting.SystemError, `java.lang.NullPointerException: Cannot invoke "String.equals(Object)" because "pgroupRead" is null, org.apache.rocketmq.broker.processor.EndTransactionProcessor.checkPrepareMessage(EndTransactionProcessor.java:168)`},
		} {
			resp := r.invoke(tc.req)
			require.Equal(t, tc.code, resp.Code, tc.name)
			require.Equal(t, tc.remark, resp.Remark, tc.name)
			require.Nil(t, resp.ExtFields, tc.name)
		}
		require.Len(t, r.b.Messages("T"), 1, "only the plain message")
		require.Empty(t, r.b.StoredMessages(protocol.TransOpHalfTopic))
	})
}

func TestEndTransactionOnSlave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithBrokerID(1))
		resp := r.invoke(endTx(halfRef{uniq: "X"}, protocol.CommitOrRollbackCommit, false))
		require.Equal(t, remoting.SlaveNotAvailable, resp.Code)
		require.Equal(t, "not set any response code", resp.Remark)
	})
}

// The check, in virtual time: 60 s after start the broker asks the group's producer about the
// half message, which answers on the copy the check names.
func TestTransactionCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4), WithTransactionCheckInterval(time.Minute))
		p := r.newProducer("192.0.2.2@p1")
		ref := r.sendHalf(p.c, halfHeader("T", 3, "TX1", map[string]string{"CUSTOM": "v"}))

		time.Sleep(time.Minute - time.Millisecond)
		synctest.Wait()
		require.Empty(t, p.received())
		time.Sleep(time.Millisecond)
		synctest.Wait()
		checks := p.received()
		require.Len(t, checks, 1)
		check := checks[0]
		require.True(t, check.IsOneway())
		h, err := protocol.DecodeCheckTransactionStateRequestHeader(check.ExtFields)
		require.NoError(t, err)
		half := r.b.StoredMessages(protocol.TransHalfTopic)
		require.Len(t, half, 2, "the original and the copy the check appended")
		copyOf := half[1]
		require.Equal(t, protocol.CheckTransactionStateRequestHeader{
			TranStateTableOffset: 1, CommitLogOffset: copyOf.CommitLogOffset, MsgID: "TX1", TransactionID: "TX1",
			OffsetMsgID: copyOf.MsgID,
		}, h)
		require.Equal(t, "1", copyOf.Properties["TRANSACTION_CHECK_TIMES"])
		require.Equal(t, "true", copyOf.Properties["WAIT"], "the copy's string is made before WAIT=false")
		require.Zero(t, copyOf.Flag)

		body, err := protocol.DecodeStoredMessages(check.Body)
		require.NoError(t, err)
		require.Len(t, body, 1)
		require.Equal(t, "T", body[0].Topic)
		require.Equal(t, int32(3), body[0].QueueID)
		require.Equal(t, "money", string(body[0].Body))
		require.Equal(t, copyOf.CommitLogOffset, body[0].CommitLogOffset)
		require.Equal(t, int64(1), body[0].QueueOffset)
		require.Equal(t, half[0].StoreTimestamp, body[0].StoreTimestamp, "the original's, as read")
		require.Equal(t, "false", body[0].Properties["WAIT"])
		require.Equal(t, "1", body[0].Properties["TRANSACTION_CHECK_TIMES"])
		require.Equal(t, "v", body[0].Properties["CUSTOM"])
		tx := transactionOf(t, r.b, "TX1")
		require.Equal(t, 1, tx.CheckTimes)
		require.Equal(t, int64(1), tx.HalfQueueOffset)

		// The producer answers on the copy; the original is no longer what the check names.
		resp := invokeOn(t, p.c, endTx(checkRef(t, check), protocol.CommitOrRollbackCommit, true))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Len(t, r.b.Messages("T"), 1)
		require.NotEqual(t, ref.commitLogOffset, r.b.StoredMessages("T")[0].PreparedTransactionOffset)

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		require.Len(t, p.received(), 1, "an ended transaction is not checked again")
		off, ok := r.b.ConsumerOffset("CID_RMQ_SYS_TRANS", protocol.TransHalfTopic, 0)
		require.True(t, ok)
		require.Equal(t, int64(2), off)
		off, ok = r.b.ConsumerOffset("CID_RMQ_SYS_TRANS", protocol.TransOpHalfTopic, 0)
		require.True(t, ok)
		require.Equal(t, int64(1), off)
		require.Equal(t, TransactionCommitted, transactionOf(t, r.b, "TX1").State)
	})
}

// Checks stop after transactionCheckMax: the half message goes to TRANS_CHECK_MAX_TIME_TOPIC.
func TestTransactionCheckMax(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4), WithTransactionCheckInterval(time.Minute), WithTransactionCheckMax(3))
		p := r.newProducer("192.0.2.2@p1")
		r.sendHalf(p.c, halfHeader("T", 0, "TX1", nil))
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		checks := p.received()
		require.Len(t, checks, 3)
		for i, c := range checks {
			body, err := protocol.DecodeStoredMessages(c.Body)
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(i+1), body[0].Properties["TRANSACTION_CHECK_TIMES"])
		}
		discarded := r.b.StoredMessages(protocol.TransCheckMaxTimeTopic)
		require.Len(t, discarded, 1)
		require.Equal(t, "3", discarded[0].Properties["TRANSACTION_CHECK_TIMES"])
		require.Equal(t, "T", discarded[0].Properties["REAL_TOPIC"])
		tc, ok := r.b.Topic(protocol.TransCheckMaxTimeTopic)
		require.True(t, ok)
		require.Equal(t, int32(1), tc.WriteQueueNums)
		require.Empty(t, r.b.Messages("T"))
		tx := transactionOf(t, r.b, "TX1")
		require.Equal(t, TransactionDiscarded, tx.State)
		require.Equal(t, 3, tx.CheckTimes)
		var oneway []string
		for _, reg := range r.b.Registrations() {
			if reg.Oneway {
				oneway = append(oneway, reg.Reason)
			}
		}
		require.Equal(t, []string{"transaction-check", "transaction-check"}, oneway, "the half topic, then the discard topic")
	})
}

// A producer that died does not get the check; another producer of the group does. Checks
// take the group's connections in turn.
func TestTransactionCheckGoesToALiveProducer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4), WithTransactionCheckInterval(time.Minute))
		p1 := r.newProducer("192.0.2.2@p1")
		p2 := r.newProducer("192.0.2.3@p2")
		r.sendHalf(p1.c, halfHeader("T", 0, "TX1", nil))
		require.NoError(t, p1.c.Close())
		require.NoError(t, r.b.AwaitClients(t.Context(), func(cs []ClientInfo) bool { return len(cs) == 1 }))
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Empty(t, p1.received())
		require.Len(t, p2.received(), 1)

		// Two live producers: the next checks alternate.
		p3 := r.newProducer("192.0.2.4@p3")
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		require.Len(t, p2.received(), 2)
		require.Len(t, p3.received(), 1)
	})
}

// Without a producer of the group the check is lost, and still counts.
func TestTransactionCheckWithoutProducer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4), WithTransactionCheckInterval(time.Minute))
		r.sendHalf(r.client, halfHeader("T", 0, "TX1", nil))
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		require.Equal(t, 2, transactionOf(t, r.b, "TX1").CheckTimes)
		require.Equal(t, TransactionPending, transactionOf(t, r.b, "TX1").State)
	})
}

// A lost END_TRANSACTION is recovered by the check; a lost check by the next one.
func TestTransactionFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4), WithTransactionCheckInterval(time.Minute))
		p := r.newProducer("192.0.2.2@p1")
		ref := r.sendHalf(p.c, halfHeader("T", 0, "TX1", nil))
		r.b.Faults().Add(fault.Rule{Code: remoting.CodeEndTransaction, Action: fault.ActionDrop, Times: 1})
		lostCheck := r.b.Faults().Add(fault.Rule{Code: remoting.CodeCheckTransactionState, Action: fault.ActionDrop, Times: 1})
		require.NoError(t, p.c.InvokeOneway(t.Context(), brokerAddr, endTx(ref, protocol.CommitOrRollbackCommit, false)))
		synctest.Wait()
		require.Empty(t, r.b.Messages("T"), "the commit was dropped")
		entries := r.b.History().Requests(remoting.CodeEndTransaction)
		require.Len(t, entries, 1)
		require.Equal(t, fault.ActionDrop, entries[0].Fault)

		time.Sleep(time.Minute)
		synctest.Wait()
		require.Equal(t, 1, lostCheck.Fired())
		require.Empty(t, p.received(), "the first check was dropped")
		time.Sleep(time.Minute)
		synctest.Wait()
		checks := p.received()
		require.Len(t, checks, 1)
		body, err := protocol.DecodeStoredMessages(checks[0].Body)
		require.NoError(t, err)
		require.Equal(t, "2", body[0].Properties["TRANSACTION_CHECK_TIMES"])
		resp := invokeOn(t, p.c, endTx(checkRef(t, checks[0]), protocol.CommitOrRollbackCommit, true))
		require.Equal(t, remoting.Success, resp.Code)
		require.Len(t, r.b.Messages("T"), 1)
	})
}

// A half message younger than transactionTimeOut, or than its CHECK_IMMUNITY_TIME_IN_SECONDS,
// waits for a later run.
func TestTransactionCheckWaitsForTheTimeout(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []Option
		props      map[string]string
		firstCheck time.Duration
		halfCopies int // in the half queue at the first check
	}{
		{name: "transactionTimeOut", opts: []Option{WithTransactionTimeout(90 * time.Second)}, firstCheck: 2 * time.Minute, halfCopies: 2},
		{name: "immunity", props: map[string]string{"CHECK_IMMUNITY_TIME_IN_SECONDS": "100"},
			// at 60 s an immune copy (TRAN_PREPARED_QUEUE_OFFSET) is appended, at 120 s checked
			firstCheck: 2 * time.Minute, halfCopies: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, append([]Option{WithTopic("T", 4), WithTransactionCheckInterval(time.Minute)}, tc.opts...)...)
				p := r.newProducer("192.0.2.2@p1")
				r.sendHalf(p.c, halfHeader("T", 0, "TX1", tc.props))
				time.Sleep(tc.firstCheck - time.Millisecond)
				synctest.Wait()
				require.Empty(t, p.received())
				time.Sleep(time.Millisecond)
				synctest.Wait()
				require.Len(t, p.received(), 1)
				require.Len(t, r.b.StoredMessages(protocol.TransHalfTopic), tc.halfCopies)
			})
		})
	}
}

func TestTransactionCheckImmunityCopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4), WithTransactionCheckInterval(time.Minute))
		r.sendHalf(r.client, halfHeader("T", 0, "TX1", map[string]string{"CHECK_IMMUNITY_TIME_IN_SECONDS": "100"}))
		time.Sleep(time.Minute)
		synctest.Wait()
		half := r.b.StoredMessages(protocol.TransHalfTopic)
		require.Len(t, half, 2)
		require.Equal(t, "0", half[1].Properties["TRAN_PREPARED_QUEUE_OFFSET"])
		// Made after renewHalfMessageInner put WAIT=false into the shared map.
		require.Equal(t, "false", half[1].Properties["WAIT"])
	})
}
