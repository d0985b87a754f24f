package protocol

import "strconv"

// Headers of transactional messages: the producer ends a half message (END_TRANSACTION 37)
// and the broker asks the producer about one it has not heard of (CHECK_TRANSACTION_STATE 39).

// Values of EndTransactionRequestHeader.CommitOrRollback: the transaction bits of a message's
// sysFlag (Java MessageSysFlag TRANSACTION_NOT_TYPE, _COMMIT_TYPE and _ROLLBACK_TYPE).
const (
	CommitOrRollbackNone     = SysFlagTransactionNotType
	CommitOrRollbackCommit   = SysFlagTransactionCommit
	CommitOrRollbackRollback = SysFlagTransactionRollback
)

// EndTransactionRequestHeader is the header of END_TRANSACTION (37), usually sent oneway.
type EndTransactionRequestHeader struct {
	ProducerGroup        string // required
	TranStateTableOffset int64  // required: the half message's queue offset
	CommitLogOffset      int64  // required: the half message's commit-log offset
	// CommitOrRollback is required and must be one of the CommitOrRollback constants (Java's
	// checkFields).
	CommitOrRollback int32
	// FromTransactionCheck tells an answer to CHECK_TRANSACTION_STATE from the producer's own
	// decision; Java initialises it to false, so it is always written.
	FromTransactionCheck bool
	MsgID                string // required: the client's unique message id
	TransactionID        string
	BrokerName           string
}

var endTransactionRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "EndTransactionRequestHeader", []string{
		FieldProducerGroup, FieldTranStateTableOffset, FieldCommitLogOffset, FieldCommitOrRollback,
		FieldFromTransactionCheck, FieldMsgID, FieldTransactionID,
	}},
	rpcRequestHeader,
)

func (h EndTransactionRequestHeader) HeaderFields() []string { return endTransactionRequestFields }
func (h EndTransactionRequestHeader) FastHeader() bool       { return false }

func (h EndTransactionRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 8)
	h.WriteExt(ext)
	return ext
}

func (h EndTransactionRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldProducerGroup] = h.ProducerGroup
	putInt64(ext, FieldTranStateTableOffset, h.TranStateTableOffset)
	putInt64(ext, FieldCommitLogOffset, h.CommitLogOffset)
	putInt32(ext, FieldCommitOrRollback, h.CommitOrRollback)
	putBool(ext, FieldFromTransactionCheck, h.FromTransactionCheck)
	ext[FieldMsgID] = h.MsgID
	putOptString(ext, FieldTransactionID, h.TransactionID)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

// DecodeEndTransactionRequestHeader also runs Java's checkFields: any other commitOrRollback
// fails with FieldInvalid and Java's text "commitOrRollback field wrong".
func DecodeEndTransactionRequestHeader(ext map[string]string) (EndTransactionRequestHeader, error) {
	r := extReader{ext: ext, header: "EndTransactionRequestHeader"}
	h := EndTransactionRequestHeader{
		ProducerGroup:        r.str(FieldProducerGroup, true),
		TranStateTableOffset: r.int64(FieldTranStateTableOffset, true),
		CommitLogOffset:      r.int64(FieldCommitLogOffset, true),
		CommitOrRollback:     r.int32(FieldCommitOrRollback, true),
		FromTransactionCheck: r.bool(FieldFromTransactionCheck, false),
		MsgID:                r.str(FieldMsgID, true),
		TransactionID:        r.str(FieldTransactionID, false),
		BrokerName:           r.str(FieldBrokerNameRPC, false),
	}
	switch h.CommitOrRollback {
	case CommitOrRollbackNone, CommitOrRollbackCommit, CommitOrRollbackRollback:
	default:
		r.fail(FieldCommitOrRollback, strconv.FormatInt(int64(h.CommitOrRollback), 10), FieldInvalid,
			"commitOrRollback field wrong")
	}
	return h, r.result()
}

// CheckTransactionStateRequestHeader is the header of CHECK_TRANSACTION_STATE (39), which a
// broker pushes to a producer of the group, oneway; the body is the half message.
type CheckTransactionStateRequestHeader struct {
	TranStateTableOffset int64 // required
	CommitLogOffset      int64 // required
	MsgID                string
	TransactionID        string
	OffsetMsgID          string
	BrokerName           string
}

var checkTransactionStateRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "CheckTransactionStateRequestHeader", []string{
		FieldTranStateTableOffset, FieldCommitLogOffset, FieldMsgID, FieldTransactionID, FieldOffsetMsgID,
	}},
	rpcRequestHeader,
)

func (h CheckTransactionStateRequestHeader) HeaderFields() []string {
	return checkTransactionStateRequestFields
}
func (h CheckTransactionStateRequestHeader) FastHeader() bool { return false }

func (h CheckTransactionStateRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 6)
	h.WriteExt(ext)
	return ext
}

func (h CheckTransactionStateRequestHeader) WriteExt(ext map[string]string) {
	putInt64(ext, FieldTranStateTableOffset, h.TranStateTableOffset)
	putInt64(ext, FieldCommitLogOffset, h.CommitLogOffset)
	putOptString(ext, FieldMsgID, h.MsgID)
	putOptString(ext, FieldTransactionID, h.TransactionID)
	putOptString(ext, FieldOffsetMsgID, h.OffsetMsgID)
	putOptString(ext, FieldBrokerNameRPC, h.BrokerName)
}

func DecodeCheckTransactionStateRequestHeader(ext map[string]string) (CheckTransactionStateRequestHeader, error) {
	r := extReader{ext: ext, header: "CheckTransactionStateRequestHeader"}
	h := CheckTransactionStateRequestHeader{
		TranStateTableOffset: r.int64(FieldTranStateTableOffset, true),
		CommitLogOffset:      r.int64(FieldCommitLogOffset, true),
		MsgID:                r.str(FieldMsgID, false),
		TransactionID:        r.str(FieldTransactionID, false),
		OffsetMsgID:          r.str(FieldOffsetMsgID, false),
		BrokerName:           r.str(FieldBrokerNameRPC, false),
	}
	return h, r.result()
}
