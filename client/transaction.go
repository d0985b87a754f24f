package client

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// MessageExt is a message as a broker stored it: Java's MessageExt. A transaction check hands
// the checker one, and a request's reply is one.
type MessageExt = protocol.MessageExt

// LocalTransactionState is what a local transaction, or the check of one, decided: Java's
// LocalTransactionState.
type LocalTransactionState int

// The states. The zero value is unknown, as Java reads a null state, so that a listener that
// returns nothing of its own commits nothing.
const (
	TransactionUnknown LocalTransactionState = iota
	TransactionCommit
	TransactionRollback
)

// String returns Java's name (UNKNOW is Java's spelling).
func (s LocalTransactionState) String() string {
	switch s {
	case TransactionUnknown:
		return "UNKNOW"
	case TransactionCommit:
		return "COMMIT_MESSAGE"
	case TransactionRollback:
		return "ROLLBACK_MESSAGE"
	}
	return "LocalTransactionState(" + strconv.Itoa(int(s)) + ")"
}

// commitOrRollback is END_TRANSACTION's commitOrRollback for a state (any state Java does not
// know ends as unknown).
func (s LocalTransactionState) commitOrRollback() int32 {
	switch s {
	case TransactionCommit:
		return protocol.CommitOrRollbackCommit
	case TransactionRollback:
		return protocol.CommitOrRollbackRollback
	}
	return protocol.CommitOrRollbackNone
}

// TransactionListener is a transactional producer's part of a transaction: Java's
// TransactionListener. An error, or a panic, means TransactionUnknown whatever the state
// returned, as Java reads a Throwable; its text travels in END_TRANSACTION's remark.
type TransactionListener interface {
	// ExecuteLocalTransaction runs the local transaction of msg, whose half message the broker
	// has stored; arg is what SendInTransaction was given. It runs on SendInTransaction's
	// goroutine with its context. msg's transaction id is its UniqKey.
	ExecuteLocalTransaction(ctx context.Context, msg *Message, arg any) (LocalTransactionState, error)
	// CheckLocalTransaction tells the broker what became of the local transaction of a half
	// message it has not heard the end of (a lost END_TRANSACTION, a TransactionUnknown, a
	// producer that died). It runs on the producer's check executor; ctx ends when the
	// producer shuts down. msg is the half message as the broker stored it, in its real topic
	// and queue, its transaction id in UniqKey.
	CheckLocalTransaction(ctx context.Context, msg *MessageExt) (LocalTransactionState, error)
}

// TransactionListenerFuncs makes a TransactionListener of two functions; a nil one answers
// TransactionUnknown.
type TransactionListenerFuncs struct {
	Execute func(ctx context.Context, msg *Message, arg any) (LocalTransactionState, error)
	Check   func(ctx context.Context, msg *MessageExt) (LocalTransactionState, error)
}

// ExecuteLocalTransaction calls Execute.
func (f TransactionListenerFuncs) ExecuteLocalTransaction(ctx context.Context, msg *Message, arg any) (LocalTransactionState, error) {
	if f.Execute == nil {
		return TransactionUnknown, nil
	}
	return f.Execute(ctx, msg, arg)
}

// CheckLocalTransaction calls Check.
func (f TransactionListenerFuncs) CheckLocalTransaction(ctx context.Context, msg *MessageExt) (LocalTransactionState, error) {
	if f.Check == nil {
		return TransactionUnknown, nil
	}
	return f.Check(ctx, msg)
}

// runLocal calls a listener method, turning an error or a panic into TransactionUnknown.
func runLocal(f func() (LocalTransactionState, error)) (state LocalTransactionState, err error) {
	defer func() {
		if r := recover(); r != nil {
			state, err = TransactionUnknown, fmt.Errorf("panic: %v", r)
		}
	}()
	state, err = f()
	if err != nil {
		state = TransactionUnknown
	}
	return state, err
}

// TransactionSendResult is Java's TransactionSendResult: the half message's send result and
// what the local transaction decided. Java copies only some of the send result's fields; all
// of them are kept here (the offset id names the half message in the broker's store).
type TransactionSendResult struct {
	SendResult
	LocalTransactionState LocalTransactionState
	// LocalTransactionError is what the local transaction returned or panicked with; Java logs
	// it and sends it in END_TRANSACTION's remark.
	LocalTransactionError error
}

// transactionIDProperty is the user property Java puts the broker's transaction id in, when
// the send answer carries one, before the local transaction runs.
const transactionIDProperty = "__transactionId__"

// SendInTransaction sends msg as the half message of a transaction, runs the local
// transaction, and ends the transaction with what it decided: Java's
// TransactionMQProducer.sendMessageInTransaction(msg, arg).
//
// The half message (TRAN_MSG=true, PGROUP the producer's group, the PREPARED sysFlag) is sent
// as Send sends, retries included; a DELAY on msg is dropped, as Java ignores a delay level in
// a transaction. The local transaction runs only when the broker answers SEND_OK; a stored but
// degraded answer (FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT, SLAVE_NOT_AVAILABLE) rolls back
// without running it. Then END_TRANSACTION goes, oneway, to the broker that stored the half
// message: commit, rollback, or unknown, which leaves the decision to the broker's check. A
// failure to send it is logged, not returned, as in Java: the check settles the transaction.
//
// A producer without WithTransactionListener answers Java's "TransactionListener is null"
// (errors.Is ErrNoTransactionListener); a failed half-message send is wrapped in Java's "send
// message Exception".
func (p *Producer) SendInTransaction(ctx context.Context, msg *Message, arg any) (*TransactionSendResult, error) {
	l := p.cfg.txListener
	if l == nil {
		return nil, clientError(-1, "TransactionListener is null", ErrNoTransactionListener)
	}
	out, err := p.single(msg)
	if err != nil {
		return nil, err
	}
	if msg.DelayLevel() != 0 {
		msg.ClearProperty(protocol.PropertyDelayTimeLevel)
	}
	if err := protocol.CheckMessage(out.topic, out.body, p.cfg.maxMessageSize); err != nil {
		return nil, validationError(err)
	}
	msg.SetProperty(protocol.PropertyTransactionPrepared, "true")
	msg.SetProperty(protocol.PropertyProducerGroup, p.Group())
	res, err := p.sendDefault(ctx, out, modeSync)
	if err != nil {
		return nil, clientError(-1, "send message Exception", err)
	}

	state, localErr := TransactionUnknown, error(nil)
	switch res.Status {
	case SendOK:
		if res.TransactionID != "" {
			msg.SetProperty(transactionIDProperty, res.TransactionID)
		}
		state, localErr = runLocal(func() (LocalTransactionState, error) { return l.ExecuteLocalTransaction(ctx, msg, arg) })
		if state != TransactionCommit {
			p.cfg.logger.Info("executeLocalTransactionBranch return "+state.String(), "msgId", res.MsgID, "err", localErr)
		}
	case FlushDiskTimeout, FlushSlaveTimeout, SlaveNotAvailable:
		state = TransactionRollback
	}
	if err := p.endTransaction(ctx, res, state, localErr); err != nil {
		p.cfg.logger.Warn("local transaction execute "+state.String()+", but end broker transaction failed", "msgId", res.MsgID, "err", err)
	}
	return &TransactionSendResult{SendResult: *res, LocalTransactionState: state, LocalTransactionError: localErr}, nil
}

// endTransaction is DefaultMQProducerImpl.endTransaction: END_TRANSACTION, oneway, to the
// master of the broker that stored the half message, which the half message's offset id (or,
// without one, its msgId, as Java does) locates in the commit log.
func (p *Producer) endTransaction(ctx context.Context, res *SendResult, state LocalTransactionState, localErr error) error {
	id := res.OffsetMsgID
	if id == "" {
		id = res.MsgID
	}
	_, offset, err := protocol.DecodeOffsetMsgID(id)
	if err != nil {
		return err
	}
	inst := p.inst.Load()
	addr := inst.masterAddr(res.Queue.BrokerName)
	if addr == "" {
		return clientError(-1, "The broker["+res.Queue.BrokerName+"] not exist", nil)
	}
	h := protocol.EndTransactionRequestHeader{
		ProducerGroup: p.cfg.group, TranStateTableOffset: res.QueueOffset, CommitLogOffset: offset,
		CommitOrRollback: state.commitOrRollback(), MsgID: res.MsgID, TransactionID: res.TransactionID,
		BrokerName: res.Queue.BrokerName,
	}
	req := inst.request(remoting.CodeEndTransaction, h, nil)
	if localErr != nil {
		req.Remark = "executeLocalTransactionBranch exception: " + localErr.Error()
	}
	// The local transaction has decided: the broker should hear it even when the caller's
	// context is about to end, within Java's sendMsgTimeout.
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.sendTimeout)
	defer cancel()
	return transportError(addr, inst.rc.InvokeOneway(octx, addr, req))
}

// ---- the broker's check ----

// endTransactionTimeout is the timeout Java sends its answer to a check with.
const endTransactionTimeout = 3 * time.Second

// maxCheckedBody bounds what the body of a checked half message inflates to. The producer
// compressed at most its maxMessageSize; the bound only keeps a broken frame from taking the
// process's memory.
const maxCheckedBody = 64 << 20

// checkEnv is a transactional producer's check executor and the context its checks get:
// Java's initTransactionEnv.
type checkEnv struct {
	exec   *executor[transactionCheck]
	ctx    context.Context
	cancel context.CancelFunc
}

func newCheckEnv(cfg config) *checkEnv {
	ctx, cancel := context.WithCancel(context.Background())
	return &checkEnv{
		exec: newExecutor(cfg.checkMinWorkers, cfg.checkMaxWorkers, cfg.checkQueue, runTransactionCheck),
		ctx:  ctx, cancel: cancel,
	}
}

// shutdown is destroyTransactionEnv: queued checks still run, with a context that has ended.
func (e *checkEnv) shutdown() {
	e.exec.shutdown()
	e.cancel()
}

// transactionCheck is one CHECK_TRANSACTION_STATE waiting for the checker.
type transactionCheck struct {
	p      *Producer
	inst   *instance
	ctx    context.Context // the checker's: ends when the producer shuts down
	group  string          // the producer's group, which the message's PGROUP named
	broker string          // the address the check came from, where the answer goes
	msg    *MessageExt
	h      protocol.CheckTransactionStateRequestHeader
}

func runTransactionCheck(c transactionCheck) { c.p.answerCheck(c) }

// serveCheckTransactionState is ClientRemotingProcessor.checkTransactionState: a broker asks,
// oneway, about a half message; the producer of its PGROUP in this instance answers on its
// check executor. Nothing is answered on the wire here.
func (inst *instance) serveCheckTransactionState(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, err := protocol.DecodeCheckTransactionStateRequestHeader(cmd.ExtFields)
	if err != nil {
		inst.cfg.logger.Warn("checkTransactionState, decode header failed", "err", err)
		return nil
	}
	msg, err := decodeCheckedMessage(cmd.Body)
	if err != nil {
		inst.cfg.logger.Warn("checkTransactionState, decode message failed", "err", err)
		return nil
	}
	msg.Topic = unwrapNamespace(inst.cfg.namespace, msg.Topic)
	group, ok := msg.Properties[protocol.PropertyProducerGroup]
	if !ok {
		inst.cfg.logger.Warn("checkTransactionState, pick producer group failed")
		return nil
	}
	inst.mu.Lock()
	p := inst.producers[group]
	inst.mu.Unlock()
	if p == nil {
		inst.cfg.logger.Debug("checkTransactionState, pick producer by group[" + group + "] failed")
		return nil
	}
	p.checkTransactionState(transactionCheck{inst: inst, group: group, broker: req.Conn.RemoteAddr(), msg: msg, h: h})
	return nil
}

// decodeCheckedMessage is MessageDecoder.decode of a check's body: one stored record, its
// body inflated.
func decodeCheckedMessage(body []byte) (*MessageExt, error) {
	msgs, err := protocol.DecodeStoredMessages(body)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%w: no record", protocol.ErrStoredMessageCorrupt)
	}
	m := msgs[0]
	if m.Body, err = m.UncompressedBody(maxCheckedBody); err != nil {
		return nil, err
	}
	return m, nil
}

// checkTransactionState is DefaultMQProducerImpl.checkTransactionState: the check goes to the
// executor. A producer that is not transactional has neither executor nor checker and ignores
// it (Java's throws a NullPointerException the remoting layer logs); a full executor drops it
// (Java's RejectedExecutionException): the broker asks again at its next check.
func (p *Producer) checkTransactionState(c transactionCheck) {
	env := p.checks.Load()
	if env == nil {
		p.cfg.logger.Warn("CheckTransactionState, pick transactionCheckListener by group[" + c.group + "] failed")
		return
	}
	c.p, c.ctx = p, env.ctx
	if !env.exec.submit(c) {
		p.cfg.logger.Error("checkTransactionState rejected: the check executor is full or shut down",
			"msgId", c.msg.UniqKey(), "broker", c.broker)
	}
}

// answerCheck runs the checker and sends its decision, oneway, to the broker that asked, with
// fromTransactionCheck true, naming the copy the check names.
func (p *Producer) answerCheck(c transactionCheck) {
	state, err := runLocal(func() (LocalTransactionState, error) {
		return p.cfg.txListener.CheckLocalTransaction(c.ctx, c.msg)
	})
	if err != nil {
		p.cfg.logger.Error("Broker call checkTransactionState, but checkLocalTransactionState exception", "err", err)
	}
	msgID := c.msg.UniqKey()
	if msgID == "" {
		msgID = c.msg.MsgID
	}
	h := protocol.EndTransactionRequestHeader{
		ProducerGroup: c.group, TranStateTableOffset: c.h.TranStateTableOffset, CommitLogOffset: c.h.CommitLogOffset,
		CommitOrRollback: state.commitOrRollback(), FromTransactionCheck: true, MsgID: msgID,
		TransactionID: c.h.TransactionID, BrokerName: c.h.BrokerName,
	}
	switch state {
	case TransactionRollback:
		p.cfg.logger.Warn("when broker check, client rollback this transaction", "msgId", msgID)
	case TransactionUnknown:
		p.cfg.logger.Warn("when broker check, client does not know this transaction state", "msgId", msgID)
	}
	req := c.inst.request(remoting.CodeEndTransaction, h, nil)
	if err != nil {
		req.Remark = "checkLocalTransactionState Exception: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), endTransactionTimeout)
	defer cancel()
	if err := c.inst.rc.InvokeOneway(ctx, c.broker, req); err != nil {
		p.cfg.logger.Error("endTransactionOneway exception", "broker", c.broker, "err", transportError(c.broker, err))
	}
}
