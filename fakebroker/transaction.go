package fakebroker

// transaction.go serves 37 END_TRANSACTION and runs the transaction check, as Java's
// EndTransactionProcessor, TransactionalMessageBridge, TransactionalMessageServiceImpl,
// TransactionalMessageCheckService, DefaultTransactionalMessageCheckListener and
// Broker2Client.checkProducerTransactionState (4.9.7). send.go stores the half messages
// (TRAN_MSG=true): in RMQ_SYS_TRANS_HALF_TOPIC queue 0, their topic and queue kept in REAL_TOPIC
// and REAL_QID, their sysFlag without transaction bits.
//
//   - END_TRANSACTION names a half message by its commit-log offset and its half queue offset,
//     from a producer's own decision (fromTransactionCheck false) or from its answer to a check
//     (true). TRANSACTION_NOT_TYPE (unknown) does nothing and is never answered, not even when
//     sent two-way. Commit and rollback find the record at the commit-log offset (else
//     SYSTEM_ERROR "Find prepared transaction message failed"), check its PGROUP ("The producer
//     group wrong") and queue offset ("The transaction state table offset wrong"), then:
//       - commit stores the message again in its real topic and queue, where pulls find it:
//         the half record's body, flag, born time and host, reconsume times and properties (Java
//         builds the stored string before it drops TRAN_MSG, REAL_TOPIC and REAL_QID, so the
//         committed record still carries them), sysFlag with the commit bits, and the half
//         record's commit-log offset as its prepared-transaction offset;
//       - rollback stores nothing of the message;
//       - both write an op record to RMQ_SYS_TRANS_OP_HALF_TOPIC (the half message's queue):
//         tag "d", the half queue offset as its body, born at and from the broker.
//     The answer is SUCCESS without extFields, and without remark after a commit; after a
//     rollback its remark is "not set any response code", the text every Java response starts
//     with, which the rollback path never replaces. Java looks no further: a half message can be
//     committed twice, or committed after a rollback, and each time its message is stored
//     again. A slave answers SLAVE_NOT_AVAILABLE (remark "not set any response code").
//   - The check runs transactionCheckInterval (60 s) after start and again that long after each
//     run. It creates RMQ_SYS_TRANS_HALF_TOPIC (1 queue) when missing, with a oneway
//     registration, then reads each half queue from where the last run stopped against the op
//     records (its progress is committed as the offsets of consumer group CID_RMQ_SYS_TRANS on
//     the half and op queues, as Java does), in order:
//       - a half message with an op record is done;
//       - one whose TRANSACTION_CHECK_TIMES has reached transactionCheckMax (15), or that was
//         born more than 72 h ago (fileReservedTime), is discarded: stored in
//         TRANS_CHECK_MAX_TIME_TOPIC (created with 1 queue and a oneway registration);
//       - one stored after the run began, or born less than transactionTimeOut (6 s, or its
//         CHECK_IMMUNITY_TIME_IN_SECONDS) ago, ends the run for its queue;
//       - any other is checked: a copy with TRANSACTION_CHECK_TIMES one up (1 the first time) is
//         appended to the half queue, the original is passed, and CHECK_TRANSACTION_STATE (39)
//         goes, oneway, to one live connection of the message's PGROUP, taken in turn
//         (getAvailableChannel); without one the check is lost and still counts. The header
//         names the copy's queue and commit-log offsets and offset id, and the UNIQ_KEY as
//         msgId and transactionId; the body is the copy in the stored encoding with its real
//         topic and queue, and WAIT=false among its properties (Java's shared property map has
//         it by then). The producer ends the copy, not the original. A copy loses the half
//         message's flag and reconsume times, as renewHalfMessageInner leaves them out.
//   - Faults: END_TRANSACTION is a request like any other; the check goes out through the
//     injector's InvokeOneway, so a rule for code 39 drops or delays it.
//   - Transactions lists every half message with its state, for tests and the admin API.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const (
	// fileReservedTime is MessageStoreConfig.fileReservedTime: the check discards a half message
	// born longer ago (needSkip).
	fileReservedTime = 72 * time.Hour
	// maxCheckTime is MAX_PROCESS_TIME_LIMIT: one run spends at most this long on a queue.
	maxCheckTime = 60 * time.Second
	// opPullNums is how many op records the check reads at a time.
	opPullNums = 32
	// checkMaxTimeQueueNums is TCMT_QUEUE_NUMS, TRANS_CHECK_MAX_TIME_TOPIC's queue count.
	checkMaxTimeQueueNums = 1
)

// Answers of END_TRANSACTION (EndTransactionProcessor and TransactionalMessageServiceImpl).
const (
	// remarkNotSet is the remark a Java response starts with (createResponseCommand): the
	// answers to a rollback and on a slave only set their code, so it stays.
	remarkNotSet           = "not set any response code"
	frameEndTxCheckFields  = javaHeaderPackage + classEndTransaction + ".checkFields(" + classEndTransaction + ".java:60)"
	remarkHalfNotFound     = "Find prepared transaction message failed"
	remarkGroupWrong       = "The producer group wrong"
	remarkQueueOffsetWrong = "The transaction state table offset wrong"
)

const (
	classEndTransaction     = "EndTransactionRequestHeader"
	frameEndTransaction     = "org.apache.rocketmq.broker.processor.EndTransactionProcessor."
	frameTransactionService = "org.apache.rocketmq.broker.transaction.queue.TransactionalMessageServiceImpl."
)

// Fields END_TRANSACTION cannot do without, and Java 17's texts when they are null: checkFields
// compares commitOrRollback, a request without extFields is not decoded at all and meets the
// null in processRequest's switch, and the offsets are unboxed where commit, rollback and
// checkPrepareMessage read them.
var (
	endTxNeedsType = need{field: protocol.FieldCommitOrRollback, boxed: "Integer",
		remark: `java.lang.NullPointerException: Cannot invoke "java.lang.Integer.intValue()" because "this.commitOrRollback" is null, ` +
			javaHeaderPackage + classEndTransaction + ".checkFields(" + classEndTransaction + ".java:48)"}
	endTxWithoutExtFields = unboxed(classEndTransaction, "commitOrRollback", protocol.FieldCommitOrRollback, "Integer",
		frameEndTransaction+"processRequest(EndTransactionProcessor.java:98)")
	endTxCommitNeedsOffset = unboxed(classEndTransaction, "commitLogOffset", protocol.FieldCommitLogOffset, "Long",
		frameTransactionService+"commitMessage(TransactionalMessageServiceImpl.java:481)")
	endTxRollbackNeedsOffset = unboxed(classEndTransaction, "commitLogOffset", protocol.FieldCommitLogOffset, "Long",
		frameTransactionService+"rollbackMessage(TransactionalMessageServiceImpl.java:486)")
	endTxNeedsQueueOffset = unboxed(classEndTransaction, "tranStateTableOffset", protocol.FieldTranStateTableOffset, "Long",
		frameEndTransaction+"checkPrepareMessage(EndTransactionProcessor.java:174)")
)

// pgroupNull is checkPrepareMessage meeting a record without PGROUP.
const pgroupNull = `java.lang.NullPointerException: Cannot invoke "String.equals(Object)" because "pgroupRead" is null, ` +
	frameEndTransaction + "checkPrepareMessage(EndTransactionProcessor.java:168)"

// realQueueIDNull is endMessageTransaction parsing a REAL_QID the record lacks.
const realQueueIDNull = "java.lang.NumberFormatException: Cannot parse null string, java.base/java.lang.Integer.parseInt(Integer.java:630)"

func (b *Broker) transactionHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeEndTransaction, b.handleEndTransaction}}
}

func (b *Broker) handleEndTransaction(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if cmd.ExtFields == nil {
		return check(cmd, endTxWithoutExtFields)
	}
	h, err := protocol.DecodeEndTransactionRequestHeader(cmd.ExtFields)
	if resp := headerFailure(cmd, err, false); resp != nil {
		// checkFields throws, and Java's answer names where.
		resp.Remark += ", " + frameEndTxCheckFields
		return resp
	}
	if resp := check(cmd, endTxNeedsType); resp != nil {
		return resp
	}
	if b.cfg.brokerID != protocol.MasterID {
		return answer(cmd, remoting.SlaveNotAvailable, remarkNotSet)
	}
	switch h.CommitOrRollback {
	case protocol.CommitOrRollbackNone:
		b.log.Warn("fakebroker: a producer ended a transaction as unknown",
			"producer", remoteAddr(req), "fromTransactionCheck", h.FromTransactionCheck, "msgId", h.MsgID)
		return nil
	case protocol.CommitOrRollbackRollback:
		b.log.Warn("fakebroker: a producer rolled a transaction back",
			"producer", remoteAddr(req), "fromTransactionCheck", h.FromTransactionCheck, "msgId", h.MsgID)
	}
	commit := h.CommitOrRollback == protocol.CommitOrRollbackCommit
	needOffset := endTxRollbackNeedsOffset
	if commit {
		needOffset = endTxCommitNeedsOffset
	}
	if resp := check(cmd, needOffset); resp != nil {
		return resp
	}
	sm, ok := b.store.lookup(h.CommitLogOffset)
	if !ok {
		return answer(cmd, remoting.SystemError, remarkHalfNotFound)
	}
	half := sm.message()
	if resp := checkPrepareMessage(cmd, half, h); resp != nil {
		return resp
	}
	if commit {
		if resp := b.commitHalf(cmd, sm, half, h); resp != nil {
			return resp
		}
	}
	b.writeOpRecord(half)
	state := TransactionRolledBack
	if commit {
		state = TransactionCommitted
	}
	b.txs.ended(h.CommitLogOffset, state)
	if !commit {
		return answer(cmd, remoting.Success, remarkNotSet)
	}
	return answer(cmd, remoting.Success, "")
}

// checkPrepareMessage is EndTransactionProcessor.checkPrepareMessage. The commit-log offset
// always matches: the fake finds a record only where it starts.
func checkPrepareMessage(cmd *remoting.Command, half *protocol.MessageExt, h protocol.EndTransactionRequestHeader) *remoting.Command {
	group, ok := half.Properties[protocol.PropertyProducerGroup]
	if !ok {
		return answer(cmd, remoting.SystemError, pgroupNull)
	}
	if _, sent := cmd.ExtFields[protocol.FieldProducerGroup]; !sent || group != h.ProducerGroup {
		return answer(cmd, remoting.SystemError, remarkGroupWrong)
	}
	if resp := check(cmd, endTxNeedsQueueOffset); resp != nil {
		return resp
	}
	if half.QueueOffset != h.TranStateTableOffset {
		return answer(cmd, remoting.SystemError, remarkQueueOffsetWrong)
	}
	return nil
}

// commitHalf is endMessageTransaction and sendFinalMessage: the half message stored again in
// its real topic and queue. It returns the answer when that fails.
func (b *Broker) commitHalf(cmd *remoting.Command, sm *storedMessage, half *protocol.MessageExt, h protocol.EndTransactionRequestHeader) *remoting.Command {
	realQID, ok := half.Properties[protocol.PropertyRealQueueID]
	if !ok {
		return answer(cmd, remoting.SystemError, realQueueIDNull)
	}
	queue, err := strconv.ParseInt(realQID, 10, 32)
	if err != nil {
		return answer(cmd, remoting.SystemError, numberFormatException(realQID))
	}
	order := sm.propertyOrder()
	m := &protocol.MessageExt{}
	m.Topic, m.QueueID = half.Properties[protocol.PropertyRealTopic], int32(queue)
	m.Body, m.Flag = half.Body, half.Flag
	m.BornTimestamp, m.BornHost, m.ReconsumeTimes = half.BornTimestamp, half.BornHost, half.ReconsumeTimes
	m.SysFlag = protocol.WithTransactionType(half.SysFlag, protocol.SysFlagTransactionCommit)
	m.PreparedTransactionOffset = h.CommitLogOffset
	// The stored string is made while the map still holds what the next lines drop.
	m.RawProperties = protocol.EncodeProperties(half.Properties, order...)
	props := maps.Clone(half.Properties)
	for _, name := range []string{protocol.PropertyRealTopic, protocol.PropertyRealQueueID, protocol.PropertyTransactionPrepared} {
		delete(props, name)
	}
	m.Properties = props
	order = slices.DeleteFunc(order, func(name string) bool { _, ok := props[name]; return !ok })
	if _, err := b.storeMessage(m, order); err != nil {
		return answer(cmd, remoting.MessageIllegal, fmt.Sprintf("The message is illegal, maybe msg body or properties length not matched. msg body length limit %dB, msg properties length limit 32KB.", b.cfg.maxMessageSize))
	}
	return nil
}

// propertyOrder is the order the record's property names were put in, as its stored string
// shows it.
func (sm *storedMessage) propertyOrder() []string {
	raw, err := protocol.StoredRecordProperties(sm.raw)
	if err != nil {
		panic("fakebroker: stored record at " + strconv.FormatInt(sm.commitLogOffset, 10) + " does not decode: " + err.Error())
	}
	return protocol.PropertyNames(raw)
}

// storeMessage is MessageStore.putMessage for a message the broker makes itself: a delay level
// sends it to SCHEDULE_TOPIC_XXXX (the stored properties are then encoded again, with
// REAL_TOPIC and REAL_QID), and a message too big for the commit log is refused. order is the
// order the names of m.Properties were put in, which Java's HashMap keeps for names that share a
// bucket; m.RawProperties, when set, is the string to store otherwise.
func (b *Broker) storeMessage(m *protocol.MessageExt, order []string) (*storedMessage, error) {
	if b.delayMessage(m) {
		for _, name := range []string{protocol.PropertyRealTopic, protocol.PropertyRealQueueID} {
			if !slices.Contains(order, name) {
				order = append(order, name)
			}
		}
		m.RawProperties = protocol.EncodeProperties(m.Properties, order...)
	}
	if code, remark := b.checkStoreMessage(m); code != remoting.Success {
		return nil, errorString(remark)
	}
	res, err := b.put([]*protocol.MessageExt{m})
	if err != nil {
		return nil, err
	}
	if m.Topic == protocol.ScheduleTopic {
		b.scheduleDelivery(&res.stored[0])
	}
	return &res.stored[0], nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// writeOpRecord is TransactionalMessageBridge.putOpMessage with REMOVETAG: the half message's
// queue offset, in the op queue of its half queue. Java builds the stored string from the
// Message constructor's TAGS and WAIT=true, before it sets WAIT=false and a UNIQ_KEY.
func (b *Broker) writeOpRecord(half *protocol.MessageExt) {
	op := &protocol.MessageExt{}
	op.Topic, op.QueueID = protocol.TransOpHalfTopic, half.QueueID
	op.Body = []byte(strconv.FormatInt(half.QueueOffset, 10))
	op.Properties = map[string]string{
		protocol.PropertyTags: protocol.TransactionOpRemoveTag, protocol.PropertyWaitStoreMsgOK: "true",
	}
	op.RawProperties = protocol.EncodeProperties(op.Properties, protocol.PropertyTags, protocol.PropertyWaitStoreMsgOK)
	op.BornTimestamp, op.BornHost = time.Now().UnixMilli(), b.currentStoreHost()
	if _, err := b.put([]*protocol.MessageExt{op}); err != nil {
		b.log.Error("fakebroker: transaction op record not written", "halfQueueOffset", half.QueueOffset, "reason", err)
	}
}

// ---- the check ----

// transactionCheckLoop is TransactionalMessageCheckService: a check every
// transactionCheckInterval, the first that long after start.
func (b *Broker) transactionCheckLoop(ctx context.Context) {
	b.every(ctx, b.cfg.transactionCheckInterval, func() time.Duration {
		b.checkTransactions(ctx)
		return b.cfg.transactionCheckInterval
	})
}

// checkTransactions is TransactionalMessageServiceImpl.check.
func (b *Broker) checkTransactions(ctx context.Context) {
	// fetchMessageQueues: selectTopicConfig creates the half topic when it is missing.
	tc, created := b.topics.createInSendMessageBack(protocol.TransHalfTopic, 1, protocol.PermRead|protocol.PermWrite, 0)
	if created {
		b.registerOneway(regTransaction)
	}
	for q := range tc.ReadQueueNums {
		b.checkHalfQueue(ctx, q)
	}
}

// consumeOffset is TransactionalMessageBridge.fetchConsumeOffset: the check's progress in a
// queue, or the queue's min offset.
func (b *Broker) consumeOffset(topic string, queue int32) int64 {
	if off, ok := b.offsets.query(protocol.TransactionCheckGroup, topic, queue); ok && off >= 0 {
		return off
	}
	return b.store.minOffset(topic, queue)
}

// opReading is the op records read so far in one run (fillOpRemoveMap's state): the half
// offsets they remove, with the op offset of each, and the op offsets done with.
type opReading struct {
	removed map[int64]int64
	done    []int64
	last    getResult // the last read of the op queue
	found   []*protocol.MessageExt
}

// fill is fillOpRemoveMap: it reads up to 32 op records from opOffset on.
func (b *Broker) fillOpReading(r *opReading, queue int32, opOffset, minHalfOffset int64) {
	r.last = b.store.get(protocol.TransOpHalfTopic, queue, opOffset, opPullNums, nil)
	b.countGet(protocol.TransactionCheckGroup, protocol.TransOpHalfTopic, r.last)
	r.found = nil
	switch r.last.status {
	case statusOffsetTooSmall, statusOffsetOverflowBad, statusNoMatchedMessage:
		b.offsets.commit(protocol.TransactionCheckGroup, protocol.TransOpHalfTopic, queue, r.last.nextBeginOffset)
		return
	case statusNoMessageInQueue, statusOffsetOverflowOne:
		return
	}
	for _, sm := range r.last.msgs {
		op := sm.message()
		r.found = append(r.found, op)
		halfOffset, err := strconv.ParseInt(string(op.Body), 10, 64)
		if err != nil {
			halfOffset = -1 // getLong's answer to a body it cannot read
		}
		if op.Tags() != protocol.TransactionOpRemoveTag {
			b.log.Error("fakebroker: an op record with an unknown tag", "tags", op.Tags(), "opOffset", op.QueueOffset)
			continue
		}
		if halfOffset < minHalfOffset {
			r.done = append(r.done, op.QueueOffset)
		} else {
			r.removed[halfOffset] = op.QueueOffset
		}
	}
}

// checkHalfQueue is the body of TransactionalMessageServiceImpl.check for one half queue.
func (b *Broker) checkHalfQueue(ctx context.Context, queue int32) {
	start := time.Now()
	startMs := start.UnixMilli()
	timeout := b.cfg.transactionTimeout.Milliseconds()
	halfOffset := b.consumeOffset(protocol.TransHalfTopic, queue)
	opOffset := b.consumeOffset(protocol.TransOpHalfTopic, queue)
	ops := &opReading{removed: map[int64]int64{}}
	b.fillOpReading(ops, queue, opOffset, halfOffset)
	misses := 0
	newOffset, i := halfOffset, halfOffset
	for ctx.Err() == nil {
		if time.Since(start) > maxCheckTime {
			break
		}
		if opOff, ok := ops.removed[i]; ok {
			delete(ops.removed, i)
			ops.done = append(ops.done, opOff)
			newOffset = i + 1
			i++
			continue
		}
		got := b.store.get(protocol.TransHalfTopic, queue, i, 1, nil)
		b.countGet(protocol.TransactionCheckGroup, protocol.TransHalfTopic, got)
		if len(got.msgs) == 0 {
			if misses++; misses > 1 {
				break
			}
			if got.status == statusNoMessageInQueue || got.status == statusOffsetOverflowOne {
				break
			}
			i = got.nextBeginOffset
			newOffset = i
			continue
		}
		half := got.msgs[0].message()
		order := got.msgs[0].propertyOrder()
		if b.needDiscard(half, &order) || time.Since(time.UnixMilli(half.BornTimestamp)) > fileReservedTime {
			b.discardHalf(half, order)
			newOffset = i + 1
			i++
			continue
		}
		if half.StoreTimestamp >= startMs {
			break // stored during this run: the next run sees it
		}
		age := time.Now().UnixMilli() - half.BornTimestamp
		immunity := timeout
		if v, ok := half.Properties[protocol.PropertyCheckImmunityTimeInSeconds]; ok {
			immunity = immunityTime(v, timeout)
			if age < immunity {
				if b.checkPrepareQueueOffset(ops, half, order) {
					newOffset = i + 1
					i++
					continue
				}
			}
		} else if 0 <= age && age < immunity {
			break // too young: the queue's later messages are younger still
		}
		// Java checks when no op record is left to read and the message is older than its
		// immunity (strictly: a millisecond later, which virtual time never reaches on its
		// own, so the fake checks at the instant), or when an op record was born long after
		// the run began, or when the message was born in the future.
		needCheck := len(ops.found) == 0 && age >= immunity ||
			len(ops.found) > 0 && ops.found[len(ops.found)-1].BornTimestamp-startMs > timeout ||
			age <= -1
		if !needCheck {
			if len(ops.found) == 0 {
				// Nothing more to read and the message still immune: Java reads the op queue
				// again until its clock moves on, the fake leaves it to the next run, as
				// virtual time would not move on at all.
				break
			}
			b.fillOpReading(ops, queue, ops.last.nextBeginOffset, halfOffset)
			continue
		}
		if !b.renewHalf(half, order, false) {
			break // Java tries the same offset again at once; a store that refused it refuses again
		}
		b.sendCheck(ctx, half, order)
		newOffset = i + 1
		i++
	}
	if newOffset != halfOffset {
		b.offsets.commit(protocol.TransactionCheckGroup, protocol.TransHalfTopic, queue, newOffset)
	}
	if newOpOffset := opOffsetAfter(ops.done, opOffset); newOpOffset != opOffset {
		b.offsets.commit(protocol.TransactionCheckGroup, protocol.TransOpHalfTopic, queue, newOpOffset)
	}
}

// immunityTime is getImmunityTime: CHECK_IMMUNITY_TIME_IN_SECONDS in ms, or the timeout when it
// is not a number (getLong's -1).
func immunityTime(v string, timeout int64) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n == -1 {
		return timeout
	}
	return n * 1000
}

// opOffsetAfter is calculateOpOffset: the op offset moves past the records done with, as far
// as they follow each other.
func opOffsetAfter(done []int64, old int64) int64 {
	slices.Sort(done)
	next := old
	for _, off := range done {
		if off != next {
			break
		}
		next++
	}
	return next
}

// needDiscard is TransactionalMessageServiceImpl.needDiscard: true when the message has been
// checked transactionCheckMax times; otherwise TRANSACTION_CHECK_TIMES goes one up in its
// properties (1 the first time), ahead of the check.
func (b *Broker) needDiscard(half *protocol.MessageExt, order *[]string) bool {
	times := 1
	if v, ok := half.Properties[protocol.PropertyTransactionCheckTimes]; ok {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			n = -1 // getInt
		}
		if int(n) >= b.cfg.transactionCheckMax {
			return true
		}
		times = int(n) + 1
	}
	putProperty(half, order, protocol.PropertyTransactionCheckTimes, strconv.Itoa(times))
	return false
}

// putProperty puts a property as Java's HashMap.put does: a new name goes after the others in
// insertion order.
func putProperty(m *protocol.MessageExt, order *[]string, name, value string) {
	if _, ok := m.Properties[name]; !ok {
		*order = append(*order, name)
	}
	m.Properties[name] = value
}

// checkPrepareQueueOffset decides for a message still immune (CHECK_IMMUNITY_TIME_IN_SECONDS)
// whether the run passes it: yes when an op record removes the half offset it was first
// stored at, or once a copy of it has been appended.
func (b *Broker) checkPrepareQueueOffset(ops *opReading, half *protocol.MessageExt, order []string) bool {
	v, ok := half.Properties[protocol.PropertyTransactionPreparedQueueOffset]
	if !ok {
		return b.renewHalf(half, order, true)
	}
	prepared, err := strconv.ParseInt(v, 10, 64)
	if err != nil || prepared == -1 {
		return false
	}
	if opOff, ok := ops.removed[prepared]; ok {
		delete(ops.removed, prepared)
		ops.done = append(ops.done, opOff)
		return true
	}
	return b.renewHalf(half, order, true)
}

// renewHalf is putBackHalfMsgQueue (renewHalfMessageInner) and, for an immune message,
// putImmunityMsgBackToHalfQueue: a copy of the half message at the end of its half queue. The
// copy's stored string is made before renewHalfMessageInner puts WAIT=false into the property
// map the copy shares with half (for an immune message it is made again after, with
// TRAN_PREPARED_QUEUE_OFFSET). half then names the copy: its offsets and id.
func (b *Broker) renewHalf(half *protocol.MessageExt, order []string, immune bool) bool {
	c := &protocol.MessageExt{}
	c.Topic, c.QueueID, c.Body, c.SysFlag = half.Topic, half.QueueID, half.Body, half.SysFlag
	c.BornTimestamp, c.BornHost = half.BornTimestamp, half.BornHost
	c.Properties = half.Properties
	c.RawProperties = protocol.EncodeProperties(half.Properties, order...)
	putProperty(half, &order, protocol.PropertyWaitStoreMsgOK, "false")
	if immune {
		prepared, ok := half.Properties[protocol.PropertyTransactionPreparedQueueOffset]
		if !ok {
			prepared = strconv.FormatInt(half.QueueOffset, 10)
		}
		putProperty(half, &order, protocol.PropertyTransactionPreparedQueueOffset, prepared)
		c.RawProperties = protocol.EncodeProperties(half.Properties, order...)
	}
	sm, err := b.storeMessage(c, order)
	if err != nil {
		b.log.Error("fakebroker: half message not put back", "queueOffset", half.QueueOffset, "reason", err)
		return false
	}
	b.txs.renewed(half.CommitLogOffset, c, checkTimes(half))
	half.QueueOffset, half.CommitLogOffset, half.MsgID = sm.queueOffset, sm.commitLogOffset, c.MsgID
	return true
}

// checkTimes reads TRANSACTION_CHECK_TIMES, 0 when absent or unreadable.
func checkTimes(m *protocol.MessageExt) int {
	n, _ := strconv.Atoi(m.Properties[protocol.PropertyTransactionCheckTimes])
	return n
}

// discardHalf is DefaultTransactionalMessageCheckListener.resolveDiscardMsg: the half message,
// checked too often, is stored in TRANS_CHECK_MAX_TIME_TOPIC, where nobody reads it.
func (b *Broker) discardHalf(half *protocol.MessageExt, order []string) {
	b.log.Error("fakebroker: a half message has been checked too many times, so discard it by moving it to system topic TRANS_CHECK_MAXTIME_TOPIC",
		"msgId", half.MsgID, "realTopic", half.Properties[protocol.PropertyRealTopic])
	if _, created := b.topics.createInSendMessageBack(protocol.TransCheckMaxTimeTopic, checkMaxTimeQueueNums,
		protocol.PermRead|protocol.PermWrite, 0); created {
		b.registerOneway(regTransaction)
	}
	m := &protocol.MessageExt{}
	m.Topic, m.QueueID = protocol.TransCheckMaxTimeTopic, 0
	m.Body, m.Flag, m.SysFlag = half.Body, half.Flag, half.SysFlag
	m.BornTimestamp, m.BornHost, m.ReconsumeTimes = half.BornTimestamp, half.BornHost, half.ReconsumeTimes
	m.Properties = half.Properties
	m.RawProperties = protocol.EncodeProperties(half.Properties, order...)
	if _, err := b.storeMessage(m, order); err != nil {
		b.log.Error("fakebroker: discarded half message not stored", "msgId", half.MsgID, "reason", err)
	}
	b.txs.ended(half.CommitLogOffset, TransactionDiscarded)
}

// sendCheck is AbstractTransactionalMessageCheckListener.sendCheckMessage and
// Broker2Client.checkProducerTransactionState: CHECK_TRANSACTION_STATE, oneway, to a producer
// of the message's group. Java sends it from an executor; the fake from a goroutine of its own,
// so that a delay fault on 39 holds up that check only.
func (b *Broker) sendCheck(ctx context.Context, half *protocol.MessageExt, order []string) {
	uniq := half.Properties[protocol.PropertyUniqClientMessageID]
	h := protocol.CheckTransactionStateRequestHeader{
		TranStateTableOffset: half.QueueOffset, CommitLogOffset: half.CommitLogOffset,
		MsgID: uniq, TransactionID: uniq, OffsetMsgID: half.MsgID,
	}
	queue, err := strconv.ParseInt(half.Properties[protocol.PropertyRealQueueID], 10, 32)
	if err != nil {
		b.log.Error("fakebroker: send check message error", "reason", err)
		return
	}
	m := *half
	m.Topic, m.QueueID, m.StoreSize = half.Properties[protocol.PropertyRealTopic], int32(queue), 0
	m.RawProperties = protocol.EncodeProperties(half.Properties, order...)
	body, err := protocol.EncodeStoredMessage(&m)
	if err != nil {
		b.log.Error("fakebroker: send check message error", "reason", err)
		return
	}
	group := half.Properties[protocol.PropertyProducerGroup]
	conn := b.clients.availableProducer(group)
	if conn == nil {
		b.log.Warn("fakebroker: check transaction failed, channel is null", "groupId", group)
		return
	}
	req := protocol.RequestWithHeader(remoting.CodeCheckTransactionState, h, body)
	b.loops.Add(1) // the check loop holds a count: Wait cannot be under way
	go func() {
		defer b.loops.Done()
		if err := b.inj.InvokeOneway(ctx, conn, req); err != nil {
			b.log.Error("fakebroker: check transaction failed because invoke producer exception",
				"group", group, "msgId", half.MsgID, "error", err)
		}
	}()
}

// ---- what tests and the admin API see ----

// TransactionState is where a half message stands.
type TransactionState string

const (
	// TransactionPending: neither ended nor discarded yet.
	TransactionPending TransactionState = "pending"
	// TransactionCommitted: a commit stored its message in the real topic (the last end wins
	// when a producer ended it more than once).
	TransactionCommitted TransactionState = "committed"
	// TransactionRolledBack: a rollback ended it; its message was not stored.
	TransactionRolledBack TransactionState = "rolledBack"
	// TransactionDiscarded: checked transactionCheckMax times without an end, it went to
	// TRANS_CHECK_MAX_TIME_TOPIC.
	TransactionDiscarded TransactionState = "discarded"
)

// Transaction is a half message and what became of it. The check appends copies of a half
// message as it checks it; they are the same transaction, and HalfQueueOffset,
// CommitLogOffset and OffsetMsgID name the latest copy, which the next check names.
type Transaction struct {
	Broker        string
	Topic         string // the real topic
	QueueID       int32  // the real queue
	MsgID         string // UNIQ_KEY: the producer's id and transaction id; "" when the message has none
	ProducerGroup string
	// HalfQueueOffset is the latest copy's offset in RMQ_SYS_TRANS_HALF_TOPIC.
	HalfQueueOffset int64
	CommitLogOffset int64
	OffsetMsgID     string
	State           TransactionState
	// CheckTimes is the latest copy's TRANSACTION_CHECK_TIMES: how many times the check asked
	// (or would have asked, when no producer of the group was there).
	CheckTimes    int
	BornTimestamp int64 // ms since the epoch
	// EndedAt is when END_TRANSACTION (or the discard) settled it; zero while pending.
	EndedAt time.Time
}

// txTable indexes the transactions by the commit-log offset of each of their copies.
type txTable struct {
	mu    sync.Mutex
	list  []*Transaction
	byOff map[int64]*Transaction
}

func newTxTable() *txTable { return &txTable{byOff: map[int64]*Transaction{}} }

// prepared records a half message the send path stored.
func (t *txTable) prepared(broker string, m *protocol.MessageExt) {
	qid, _ := strconv.ParseInt(m.Properties[protocol.PropertyRealQueueID], 10, 32)
	tx := &Transaction{
		Broker: broker, Topic: m.Properties[protocol.PropertyRealTopic], QueueID: int32(qid),
		MsgID: m.UniqKey(), ProducerGroup: m.Properties[protocol.PropertyProducerGroup],
		HalfQueueOffset: m.QueueOffset, CommitLogOffset: m.CommitLogOffset, OffsetMsgID: m.MsgID,
		State: TransactionPending, CheckTimes: checkTimes(m), BornTimestamp: m.BornTimestamp,
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.list = append(t.list, tx)
	t.byOff[m.CommitLogOffset] = tx
}

// renewed records a copy the check appended, with its TRANSACTION_CHECK_TIMES.
func (t *txTable) renewed(from int64, c *protocol.MessageExt, checks int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := t.byOff[from]
	if tx == nil {
		return
	}
	t.byOff[c.CommitLogOffset] = tx
	tx.HalfQueueOffset, tx.CommitLogOffset, tx.OffsetMsgID = c.QueueOffset, c.CommitLogOffset, c.MsgID
	tx.CheckTimes = checks
}

// ended settles the transaction of the copy at a commit-log offset.
func (t *txTable) ended(off int64, state TransactionState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tx := t.byOff[off]; tx != nil {
		tx.State, tx.EndedAt = state, time.Now()
	}
}

func (t *txTable) snapshot() []Transaction {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Transaction, len(t.list))
	for i, tx := range t.list {
		out[i] = *tx
	}
	return out
}

// Transactions returns every half message the broker took, in the order they were stored,
// with its state.
func (b *Broker) Transactions() []Transaction { return b.txs.snapshot() }
