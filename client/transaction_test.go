package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const moreInfo = "\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/"

// checkInterval is a broker's default transactionCheckInterval: in a bubble it passes at once.
const checkInterval = 60 * time.Second

// tap records every byte a client writes, so that a test can read what a broker's history
// keeps no trace of: the remark of a request.
type tap struct {
	dial remoting.DialFunc
	mu   sync.Mutex
	out  []*bytes.Buffer
}

func newTap(dial remoting.DialFunc) *tap { return &tap{dial: dial} }

func (tp *tap) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := tp.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	buf := &bytes.Buffer{}
	tp.mu.Lock()
	tp.out = append(tp.out, buf)
	tp.mu.Unlock()
	return &tappedConn{Conn: c, tap: tp, buf: buf}, nil
}

type tappedConn struct {
	net.Conn
	tap *tap
	buf *bytes.Buffer
}

func (c *tappedConn) Write(b []byte) (int, error) {
	c.tap.mu.Lock()
	c.buf.Write(b)
	c.tap.mu.Unlock()
	return c.Conn.Write(b)
}

// requests returns the requests with code the client wrote, connection by connection.
func (tp *tap) requests(t *testing.T, code int32) []*remoting.Command {
	t.Helper()
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out []*remoting.Command
	for _, b := range tp.out {
		fr := remoting.NewFrameReader(bytes.NewReader(b.Bytes()), 0)
		for {
			cmd, err := fr.ReadCommand()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			if cmd.Code == code && !cmd.IsResponse() {
				out = append(out, cmd)
			}
		}
	}
	return out
}

// txListener answers with the given states and counts the checks.
type txListener struct {
	execute func(msg *Message, arg any) (LocalTransactionState, error)
	check   func(msg *MessageExt) (LocalTransactionState, error)

	mu      sync.Mutex
	checked []*MessageExt
}

func (l *txListener) ExecuteLocalTransaction(_ context.Context, msg *Message, arg any) (LocalTransactionState, error) {
	return l.execute(msg, arg)
}

func (l *txListener) CheckLocalTransaction(_ context.Context, msg *MessageExt) (LocalTransactionState, error) {
	l.mu.Lock()
	l.checked = append(l.checked, msg)
	l.mu.Unlock()
	if l.check == nil {
		return TransactionUnknown, nil
	}
	return l.check(msg)
}

func (l *txListener) checks() []*MessageExt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*MessageExt(nil), l.checked...)
}

func answering(execute, check LocalTransactionState) *txListener {
	return &txListener{
		execute: func(*Message, any) (LocalTransactionState, error) { return execute, nil },
		check:   func(*MessageExt) (LocalTransactionState, error) { return check, nil },
	}
}

// endTransactions decodes the END_TRANSACTION requests a broker received.
func endTransactions(t *testing.T, b *fakebroker.Broker) []protocol.EndTransactionRequestHeader {
	t.Helper()
	var out []protocol.EndTransactionRequestHeader
	for _, e := range b.History().Requests(remoting.CodeEndTransaction) {
		require.True(t, e.Oneway, "END_TRANSACTION goes oneway")
		h, err := protocol.DecodeEndTransactionRequestHeader(e.ExtFields)
		require.NoError(t, err)
		out = append(out, h)
	}
	return out
}

func TestTransactionCommitDelivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		var gotArgs []any
		l := &txListener{execute: func(msg *Message, arg any) (LocalTransactionState, error) {
			gotArgs = append(gotArgs, arg)
			txs := r.c.Transactions()
			require.Equal(t, fakebroker.TransactionPending, txs[len(txs)-1].State)
			require.Equal(t, msg.UniqKey(), txs[len(txs)-1].MsgID, "the transaction id is the message's id")
			require.Len(t, r.c.Messages("T"), len(txs)-1, "a half message is not delivered")
			return TransactionCommit, nil
		}}
		p := r.started(WithTransactionListener(l))
		var results []*TransactionSendResult
		for i := range 2 {
			msg := NewMessage("T", []byte("pay-"+strconv.Itoa(i)))
			res, err := p.SendInTransaction(background, msg, i)
			require.NoError(t, err)
			require.Equal(t, TransactionCommit, res.LocalTransactionState)
			require.NoError(t, res.LocalTransactionError)
			require.Equal(t, SendOK, res.Status)
			require.Equal(t, msg.UniqKey(), res.MsgID)
			results = append(results, res)
			synctest.Wait() // END_TRANSACTION is oneway
		}
		require.Equal(t, []any{0, 1}, gotArgs)

		stored := r.c.Messages("T")
		require.Len(t, stored, 2)
		txs := r.c.Transactions()
		require.Len(t, txs, 2)
		b := r.broker("broker-a")
		sends := b.History().Requests(remoting.CodeSendMessageV2)
		require.Len(t, sends, 2)
		var want []protocol.EndTransactionRequestHeader
		bodies := map[string]string{}
		for _, m := range stored {
			bodies[m.MsgID] = string(m.Body)
		}
		for i, res := range results {
			require.Equal(t, "pay-"+strconv.Itoa(i), bodies[res.MsgID])
			require.Equal(t, fakebroker.TransactionCommitted, txs[i].State)

			// The half message: TRAN_MSG and PGROUP, and the PREPARED sysFlag.
			sh, err := protocol.DecodeSendMessageRequest(remoting.CodeSendMessageV2, sends[i].ExtFields)
			require.NoError(t, err)
			require.Equal(t, protocol.SysFlagTransactionPrepared, sh.SysFlag)
			props := protocol.DecodeProperties(sh.Properties)
			require.Equal(t, "true", props[protocol.PropertyTransactionPrepared])
			require.Equal(t, "pg", props[protocol.PropertyProducerGroup])

			// END_TRANSACTION names the half message by the send result, as Java's endTransaction.
			require.EqualValues(t, i, res.QueueOffset, "the half queue's offset")
			want = append(want, protocol.EndTransactionRequestHeader{
				ProducerGroup: "pg", TranStateTableOffset: res.QueueOffset, CommitLogOffset: txs[i].CommitLogOffset,
				CommitOrRollback: protocol.CommitOrRollbackCommit, MsgID: res.MsgID, BrokerName: "broker-a",
			})
		}
		require.Empty(t, cmp.Diff(want, endTransactions(t, b)))

		// Nothing left for the check to ask about.
		time.Sleep(2 * checkInterval)
		synctest.Wait()
		require.Empty(t, l.checks())
		require.Len(t, r.c.Messages("T"), 2)
	})
}

func TestTransactionRollbackNeverDelivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		l := answering(TransactionRollback, TransactionCommit)
		p := r.started(WithTransactionListener(l))
		res, err := p.SendInTransaction(background, NewMessage("T", []byte("refund")), nil)
		require.NoError(t, err)
		require.Equal(t, TransactionRollback, res.LocalTransactionState)

		time.Sleep(3 * checkInterval)
		synctest.Wait()
		require.Empty(t, r.c.Messages("T"))
		require.Equal(t, fakebroker.TransactionRolledBack, r.c.Transactions()[0].State)
		require.Empty(t, l.checks(), "a rolled-back transaction is never checked, so never committed")
		ends := endTransactions(t, r.broker("broker-a"))
		require.Len(t, ends, 1)
		require.Equal(t, protocol.CommitOrRollbackRollback, ends[0].CommitOrRollback)
	})
}

// An unknown local transaction is settled by the broker's check: 60 s later (virtual), the
// checker commits, and END_TRANSACTION names the copy the check named.
func TestTransactionUnknownThenCheckCommits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		l := answering(TransactionUnknown, TransactionCommit)
		p := r.started(WithTransactionListener(l))
		msg := NewMessage("T", []byte("pay"))
		msg.SetTags("TagTx")
		res, err := p.SendInTransaction(background, msg, nil)
		require.NoError(t, err)
		require.Equal(t, TransactionUnknown, res.LocalTransactionState)

		time.Sleep(checkInterval - time.Second)
		synctest.Wait()
		require.Empty(t, l.checks(), "no check before transactionCheckInterval")
		require.Empty(t, r.c.Messages("T"))

		time.Sleep(time.Second)
		synctest.Wait()
		checked := l.checks()
		require.Len(t, checked, 1)
		m := checked[0]
		require.Equal(t, "T", m.Topic, "the checker sees the real topic")
		require.Equal(t, "pay", string(m.Body))
		require.Equal(t, "TagTx", m.Tags())
		require.Equal(t, res.MsgID, m.UniqKey())
		require.Equal(t, "pg", m.Properties[protocol.PropertyProducerGroup])
		require.Equal(t, "1", m.Properties[protocol.PropertyTransactionCheckTimes])

		stored := r.c.Messages("T")
		require.Len(t, stored, 1)
		require.Equal(t, res.MsgID, stored[0].MsgID)
		tx := r.c.Transactions()[0]
		require.Equal(t, fakebroker.TransactionCommitted, tx.State)
		ends := endTransactions(t, r.broker("broker-a"))
		require.Len(t, ends, 2)
		require.Equal(t, protocol.CommitOrRollbackNone, ends[0].CommitOrRollback)
		require.Empty(t, cmp.Diff(protocol.EndTransactionRequestHeader{
			ProducerGroup: "pg", TranStateTableOffset: tx.HalfQueueOffset, CommitLogOffset: tx.CommitLogOffset,
			CommitOrRollback: protocol.CommitOrRollbackCommit, FromTransactionCheck: true, MsgID: res.MsgID,
			TransactionID: res.MsgID,
		}, ends[1]))
	})
}

// END_TRANSACTION lost on its way: the broker's check asks, and the checker's commit settles it.
func TestTransactionLostEndRecoveredByTheCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeEndTransaction, Action: fault.ActionDrop, Times: 1})
		l := answering(TransactionCommit, TransactionCommit)
		p := r.started(WithTransactionListener(l))
		res, err := p.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
		require.NoError(t, err)
		require.Equal(t, TransactionCommit, res.LocalTransactionState)
		synctest.Wait()
		require.Empty(t, r.c.Messages("T"), "the commit was dropped")

		time.Sleep(checkInterval)
		synctest.Wait()
		require.Len(t, l.checks(), 1)
		require.Len(t, r.c.Messages("T"), 1)
		require.Equal(t, fakebroker.TransactionCommitted, r.c.Transactions()[0].State)
	})
}

// The producer that sent the half message died; another producer of its group, in another
// process (another client instance), answers the check.
func TestTransactionCheckAnsweredByAnotherProducerOfTheGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		first := answering(TransactionUnknown, TransactionRollback)
		p1 := r.started(WithInstanceName("one"), WithTransactionListener(first))
		second := answering(TransactionUnknown, TransactionCommit)
		p2 := r.started(WithInstanceName("two"), WithTransactionListener(second))
		res, err := p1.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
		require.NoError(t, err)

		time.Sleep(2 * firstHeartbeat) // p2 learns the broker from TBW102's route and heartbeats to it
		synctest.Wait()
		require.True(t, hasClient(r.c, p2.ClientID(), "pg"), "p2 is a producer of pg on the broker")
		p1.Shutdown()

		time.Sleep(checkInterval)
		synctest.Wait()
		require.Empty(t, first.checks())
		checked := second.checks()
		require.Len(t, checked, 1)
		require.Equal(t, res.MsgID, checked[0].UniqKey())
		require.Len(t, r.c.Messages("T"), 1)
		require.Equal(t, fakebroker.TransactionCommitted, r.c.Transactions()[0].State)
	})
}

func hasClient(c *fakecluster.Cluster, clientID, group string) bool {
	for _, row := range c.ClientRows() {
		if row.ClientID == clientID {
			for _, g := range row.ProducerGroups {
				if g == group {
					return true
				}
			}
		}
	}
	return false
}

// A checker that never knows: the broker checks transactionCheckMax times, then discards the
// half message, and the checker hears no more of it.
func TestTransactionChecksStopAfterTheMaximum(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4), fakecluster.WithBrokerOptions(fakebroker.WithTransactionCheckMax(3)))
		l := answering(TransactionUnknown, TransactionUnknown)
		p := r.started(WithTransactionListener(l))
		_, err := p.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
		require.NoError(t, err)

		time.Sleep(10 * checkInterval)
		synctest.Wait()
		checked := l.checks()
		require.Len(t, checked, 3)
		for i, m := range checked {
			require.Equal(t, strconv.Itoa(i+1), m.Properties[protocol.PropertyTransactionCheckTimes])
		}
		tx := r.c.Transactions()[0]
		require.Equal(t, fakebroker.TransactionDiscarded, tx.State)
		require.Empty(t, r.c.Messages("T"))
		var answers []int32
		for _, h := range endTransactions(t, r.broker("broker-a")) {
			answers = append(answers, h.CommitOrRollback)
		}
		require.Equal(t, []int32{0, 0, 0, 0}, answers, "the send's unknown, then three checks answered unknown")
	})
}

// The check decodes what the broker sends: a body compressed by the producer comes inflated,
// and a namespace is taken off the topic.
func TestTransactionCheckOfACompressedBodyInANamespace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("ns%T", 4))
		l := answering(TransactionUnknown, TransactionCommit)
		p := r.started(WithNamespace("ns"), WithTransactionListener(l), WithCompression(10, 5))
		body := bytes.Repeat([]byte("x"), 100)
		_, err := p.SendInTransaction(background, NewMessage("T", body), nil)
		require.NoError(t, err)
		time.Sleep(checkInterval)
		synctest.Wait()
		checked := l.checks()
		require.Len(t, checked, 1)
		require.Equal(t, "T", checked[0].Topic)
		require.Equal(t, body, checked[0].Body)
		require.Equal(t, "ns%pg", checked[0].Properties[protocol.PropertyProducerGroup])
		stored := r.c.Messages("ns%T")
		require.Len(t, stored, 1)
		require.Equal(t, body, stored[0].Body)
	})
}

// What the local transaction or the checker fail with travels in END_TRANSACTION's remark,
// with Java's prefixes, and the transaction stays unknown.
func TestTransactionFailuresAreUnknownWithJavasRemarks(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name        string
		listener    *txListener
		wantLocal   string
		wantChecked string
	}{
		{"errors", &txListener{
			execute: func(*Message, any) (LocalTransactionState, error) { return TransactionCommit, boom },
			check:   func(*MessageExt) (LocalTransactionState, error) { return TransactionCommit, boom },
		}, "executeLocalTransactionBranch exception: boom", "checkLocalTransactionState Exception: boom"},
		{"panics", &txListener{
			execute: func(*Message, any) (LocalTransactionState, error) { panic("boom") },
			check:   func(*MessageExt) (LocalTransactionState, error) { panic("boom") },
		}, "executeLocalTransactionBranch exception: panic: boom", "checkLocalTransactionState Exception: panic: boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithTopic("T", 4))
				tp := newTap(r.mem.Dial)
				p := r.started(WithDialer(tp.Dial), WithTransactionListener(tc.listener))
				res, err := p.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
				require.NoError(t, err)
				require.Equal(t, TransactionUnknown, res.LocalTransactionState, "an error is unknown, whatever the state")
				require.Error(t, res.LocalTransactionError)

				time.Sleep(checkInterval)
				synctest.Wait()
				require.Len(t, tc.listener.checks(), 1)
				var remarks []string
				var types []string
				for _, cmd := range tp.requests(t, remoting.CodeEndTransaction) {
					remarks = append(remarks, cmd.Remark)
					types = append(types, cmd.ExtFields[protocol.FieldCommitOrRollback])
				}
				require.Equal(t, []string{tc.wantLocal, tc.wantChecked}, remarks)
				require.Equal(t, []string{"0", "0"}, types)
				require.Empty(t, r.c.Messages("T"))
			})
		})
	}
}

// A half message the broker stored without SEND_OK is rolled back without running the local
// transaction, as Java does.
func TestTransactionHalfNotStoredOKRollsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionOverride,
			ResponseCode: remoting.FlushDiskTimeout, Times: 1})
		ran := false
		p := r.started(WithTransactionListener(&txListener{execute: func(*Message, any) (LocalTransactionState, error) {
			ran = true
			return TransactionCommit, nil
		}}))
		res, err := p.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
		require.NoError(t, err)
		require.False(t, ran)
		require.Equal(t, FlushDiskTimeout, res.Status)
		require.Equal(t, TransactionRollback, res.LocalTransactionState)
		synctest.Wait()
		require.Equal(t, fakebroker.TransactionRolledBack, r.c.Transactions()[0].State)
		require.Empty(t, r.c.Messages("T"))
	})
}

// A delay level means nothing in a transaction: Java drops it before the half message goes.
func TestTransactionDropsTheDelayLevel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started(WithTransactionListener(answering(TransactionCommit, TransactionCommit)))
		msg := NewMessage("T", []byte("pay"))
		msg.SetDelayLevel(3)
		_, err := p.SendInTransaction(background, msg, nil)
		require.NoError(t, err)
		synctest.Wait()
		require.NotContains(t, msg.Properties, protocol.PropertyDelayTimeLevel)
		stored := r.c.Messages("T")
		require.Len(t, stored, 1, "delivered at once, not scheduled")
		require.NotContains(t, stored[0].Properties, protocol.PropertyDelayTimeLevel)
		require.Empty(t, r.c.Messages(protocol.ScheduleTopic))
	})
}

func TestSendInTransactionRefusals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		plain := r.started(WithInstanceName("plain"), WithGroup("plain"))
		_, err := plain.SendInTransaction(background, NewMessage("T", []byte("x")), nil)
		require.EqualError(t, err, "TransactionListener is null"+moreInfo)
		require.ErrorIs(t, err, ErrNoTransactionListener)
		var ce *ClientError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, -1, ce.Code)

		idle := r.producer(WithTransactionListener(answering(TransactionCommit, TransactionCommit)))
		_, err = idle.SendInTransaction(background, NewMessage("T", []byte("x")), nil)
		require.EqualError(t, err, "send message Exception"+moreInfo)
		require.ErrorIs(t, err, ErrNotRunning)

		tx := r.started(WithTransactionListener(answering(TransactionCommit, TransactionCommit)))
		_, err = tx.SendInTransaction(background, NewMessage("T", nil), nil)
		require.EqualError(t, err, "CODE: 13  DESC: the message body is null"+moreInfo, "Java's checkMessage, not wrapped")
		_, err = tx.SendInTransaction(background, nil, nil)
		require.Error(t, err)
	})
}

// A check goes to the producer of the message's group: in an instance where that producer is
// a plain one, nobody answers it, not even a transactional producer of another group.
func TestCheckToAPlainProducerIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		tx := r.started(WithInstanceName("tx"), WithTransactionListener(answering(TransactionUnknown, TransactionCommit)))
		_, err := tx.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
		require.NoError(t, err)
		tx.Shutdown()
		other := answering(TransactionUnknown, TransactionCommit)
		r.started(WithInstanceName("plain"), WithGroup("other"), WithTransactionListener(other))
		plain := r.started(WithInstanceName("plain"))
		send(t, plain, "T", "other") // learns the broker, heartbeats to it

		time.Sleep(checkInterval)
		synctest.Wait()
		require.Equal(t, fakebroker.TransactionPending, r.c.Transactions()[0].State)
		require.Equal(t, 1, r.c.Transactions()[0].CheckTimes, "the broker asked")
		require.Empty(t, other.checks())
		require.Len(t, endTransactions(t, r.broker("broker-a")), 1, "only the send's own unknown")
	})
}

// The check executor is bounded as Java's checkExecutor: core workers, a queue, then workers up
// to the maximum; a check beyond that is dropped, and the broker asks again later.
func TestTransactionCheckExecutorIsBounded(t *testing.T) {
	tests := []struct {
		name                      string
		minWorkers, maxWorkers, q int
		pending                   int
		wantRunning, wantAnswered int
	}{
		{"one worker, one waiting", 1, 1, 1, 3, 1, 2},
		{"a second worker once the queue is full", 1, 2, 1, 4, 2, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithTopic("T", 4))
				gate := make(chan struct{})
				var started atomic.Int32
				l := &txListener{
					execute: func(*Message, any) (LocalTransactionState, error) { return TransactionUnknown, nil },
					check: func(*MessageExt) (LocalTransactionState, error) {
						started.Add(1)
						<-gate
						return TransactionCommit, nil
					},
				}
				p := r.started(WithTransactionListener(l), WithTransactionCheckExecutor(tc.minWorkers, tc.maxWorkers, tc.q))
				for range tc.pending {
					_, err := p.SendInTransaction(background, NewMessage("T", []byte("pay")), nil)
					require.NoError(t, err)
				}
				time.Sleep(checkInterval)
				synctest.Wait()
				require.EqualValues(t, tc.wantRunning, started.Load())
				close(gate)
				synctest.Wait()
				require.Len(t, l.checks(), tc.wantAnswered)
				require.Len(t, r.c.Messages("T"), tc.wantAnswered)

				time.Sleep(checkInterval)
				synctest.Wait()
				require.Len(t, r.c.Messages("T"), tc.pending, "the dropped checks come again")
			})
		})
	}
}

func TestTransactionCheckExecutorOption(t *testing.T) {
	tests := []struct {
		opts               []Option
		minW, maxW, queued int
	}{
		{nil, 1, 1, 2000},
		{[]Option{WithTransactionCheckExecutor(2, 4, 10)}, 2, 4, 10},
		{[]Option{WithTransactionCheckExecutor(0, 0, 0)}, 1, 1, 2000},
	}
	for _, tc := range tests {
		p, err := NewProducer(append([]Option{WithManager(NewManager())}, tc.opts...)...)
		require.NoError(t, err)
		require.Equal(t, []int{tc.minW, tc.maxW, tc.queued}, []int{p.cfg.checkMinWorkers, p.cfg.checkMaxWorkers, p.cfg.checkQueue})
	}
}

func TestLocalTransactionStateNames(t *testing.T) {
	require.Equal(t, "COMMIT_MESSAGE", TransactionCommit.String())
	require.Equal(t, "ROLLBACK_MESSAGE", TransactionRollback.String())
	require.Equal(t, "UNKNOW", TransactionUnknown.String())
	require.Equal(t, "LocalTransactionState(7)", LocalTransactionState(7).String())
	var zero LocalTransactionState
	require.Equal(t, TransactionUnknown, zero)
}
