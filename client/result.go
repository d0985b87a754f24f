package client

import (
	"strconv"

	"github.com/rocketsim/rocketsim/remoting"
)

// SendStatus is how the broker stored a message (Java SendStatus).
type SendStatus int

// Java's statuses, in Java's order.
const (
	SendOK SendStatus = iota
	FlushDiskTimeout
	FlushSlaveTimeout
	SlaveNotAvailable
)

func (s SendStatus) String() string {
	switch s {
	case SendOK:
		return "SEND_OK"
	case FlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case FlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case SlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	}
	return "SendStatus(" + strconv.Itoa(int(s)) + ")"
}

// statusOf maps a send response code to a status; false means the broker refused the message
// (Java then throws MQBrokerException).
func statusOf(code int32) (SendStatus, bool) {
	switch code {
	case remoting.Success:
		return SendOK, true
	case remoting.FlushDiskTimeout:
		return FlushDiskTimeout, true
	case remoting.FlushSlaveTimeout:
		return FlushSlaveTimeout, true
	case remoting.SlaveNotAvailable:
		return SlaveNotAvailable, true
	}
	return 0, false
}

// DefaultRegionID is the region a result names when the broker sends none.
const DefaultRegionID = "DefaultRegion"

// SendResult is Java's SendResult.
type SendResult struct {
	Status SendStatus
	// MsgID is the client's unique id (UNIQ_KEY); for a batch, the ids joined by commas.
	MsgID string
	// OffsetMsgID is the broker's id of the stored message (store host and commit-log offset).
	OffsetMsgID   string
	Queue         MessageQueue // the topic without namespace, the broker, the queue the broker used
	QueueOffset   int64
	TransactionID string
	RegionID      string
	TraceOn       bool
}

func (r *SendResult) String() string {
	return "SendResult [sendStatus=" + r.Status.String() + ", msgId=" + r.MsgID + ", offsetMsgId=" + r.OffsetMsgID +
		", messageQueue=MessageQueue [topic=" + r.Queue.Topic + ", brokerName=" + r.Queue.BrokerName +
		", queueId=" + strconv.Itoa(r.Queue.QueueID) + "], queueOffset=" + strconv.FormatInt(r.QueueOffset, 10) + "]"
}
