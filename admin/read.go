package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// ReaderGroup is the consumer group a pull names when the caller names none. A 4.9.7 broker
// creates its subscription group on first use (autoCreateSubscriptionGroup), and the pulls
// carry their subscription, so the group needs no heartbeat.
const ReaderGroup = "rocketsim_admin_reader"

// PullBatch is how many messages one pull asks for: a broker's in-memory transfer limit.
const PullBatch = 32

// MaxOffset asks a broker for GET_MAX_OFFSET (30): the offset the queue's next message gets (0
// for a queue or topic the broker does not know). mq.BrokerName, when set, travels as the
// request's broker name.
func MaxOffset(ctx context.Context, cli *remoting.Client, addr string, mq protocol.MessageQueue) (int64, error) {
	return queueOffset(ctx, cli, addr, "max offset of "+queueName(mq), protocol.RequestWithHeader(remoting.CodeGetMaxOffset,
		protocol.GetMaxOffsetRequestHeader{Topic: mq.Topic, QueueID: mq.QueueID, BrokerName: mq.BrokerName}, nil))
}

// MinOffset asks a broker for GET_MIN_OFFSET (31): the offset of the queue's oldest message
// still stored.
func MinOffset(ctx context.Context, cli *remoting.Client, addr string, mq protocol.MessageQueue) (int64, error) {
	return queueOffset(ctx, cli, addr, "min offset of "+queueName(mq), protocol.RequestWithHeader(remoting.CodeGetMinOffset,
		protocol.GetMinOffsetRequestHeader{Topic: mq.Topic, QueueID: mq.QueueID, BrokerName: mq.BrokerName}, nil))
}

func queueOffset(ctx context.Context, cli *remoting.Client, addr, op string, req *remoting.Command) (int64, error) {
	resp, err := invoke(ctx, cli, addr, op, req)
	if err != nil {
		return 0, err
	}
	h, err := protocol.DecodeOffsetResponseHeader(resp.ExtFields)
	if err != nil {
		return 0, decodeErr(op, addr, err)
	}
	return h.Offset, nil
}

// PullResult is a broker's answer to one pull.
type PullResult struct {
	// Code is remoting.Success (messages found), PullNotFound (none at the offset yet),
	// PullRetryImmediately (none matched) or PullOffsetMoved (the offset is out of range).
	Code            int32
	Messages        []*protocol.MessageExt // BrokerName set to the pulled queue's
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
}

// Pull sends one PULL_MESSAGE (11) for up to PullBatch messages of mq from offset, in group
// (ReaderGroup when ""). The pull carries its subscription, "*" (sysFlag FLAG_SUBSCRIPTION), and
// neither commits an offset nor waits. A topic the broker does not hold gives a *ServerError
// matching ErrTopicNotExist, a queue id it does not have one matching ErrIllegalQueue.
func Pull(ctx context.Context, cli *remoting.Client, addr, group string, mq protocol.MessageQueue, offset int64) (*PullResult, error) {
	if group == "" {
		group = ReaderGroup
	}
	op := fmt.Sprintf("pull %s at %d", queueName(mq), offset)
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
		ConsumerGroup: group, Topic: mq.Topic, QueueID: mq.QueueID, QueueOffset: offset, MaxMsgNums: PullBatch,
		SysFlag: protocol.PullSysFlagSubscription, Subscription: "*", ExpressionType: protocol.ExpressionTypeTag,
		BrokerName: mq.BrokerName,
	}, nil), remoting.Success, remoting.PullNotFound, remoting.PullRetryImmediately, remoting.PullOffsetMoved)
	if err != nil {
		return nil, err
	}
	h, err := protocol.DecodePullMessageResponseHeader(resp.ExtFields)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	res := &PullResult{Code: resp.Code, NextBeginOffset: h.NextBeginOffset, MinOffset: h.MinOffset, MaxOffset: h.MaxOffset}
	if resp.Code == remoting.Success {
		if res.Messages, err = protocol.DecodeStoredMessages(resp.Body); err != nil {
			return nil, decodeErr(op, addr, err)
		}
		for _, m := range res.Messages {
			m.BrokerName = mq.BrokerName
		}
	}
	return res, nil
}

// ReadQueue pulls mq from offset from up to offset to (not included), or until the queue has
// nothing more when to < 0, calls each for every message of that range in queue order, and
// returns the offset it read up to. It fails with ErrOffsetMoved when from is out of the queue's range (its
// messages were deleted), with ErrNoProgress when an answer does not move the offset on though
// the range is not read, and as Pull fails.
func ReadQueue(ctx context.Context, cli *remoting.Client, addr, group string, mq protocol.MessageQueue, from, to int64, each func(*protocol.MessageExt)) (int64, error) {
	off := from
	for to < 0 || off < to {
		res, err := Pull(ctx, cli, addr, group, mq, off)
		if err != nil {
			return off, err
		}
		switch res.Code {
		case remoting.Success:
			for _, m := range res.Messages {
				if to >= 0 && m.QueueOffset >= to {
					break
				}
				each(m)
			}
		case remoting.PullOffsetMoved:
			return off, fmt.Errorf("admin: read %s at %d from %s: %w", queueName(mq), off, addr, ErrOffsetMoved)
		case remoting.PullNotFound:
			if to < 0 {
				return off, nil // read up to the end
			}
		}
		if res.NextBeginOffset <= off {
			return off, fmt.Errorf("admin: read %s at %d from %s: code %d, next offset %d: %w",
				queueName(mq), off, addr, res.Code, res.NextBeginOffset, ErrNoProgress)
		}
		off = res.NextBeginOffset
	}
	// The last batch may have run past to: the range was read up to to.
	return max(min(off, to), from), nil
}

// Broker names a broker to read from.
type Broker struct {
	Name string
	Addr string
}

// maxQueues bounds the queues TopicMessages tries on a broker: it reads queue ids up from 0
// until the broker says the id is illegal.
const maxQueues = 32

// TopicMessages reads every message of topic that the brokers hold, each queue from offset 0
// to its end, in group (ReaderGroup when ""), ordered by broker (as given), queue and offset.
// A broker that does not hold the topic gives nothing, and so does a queue whose start was
// deleted (ErrOffsetMoved); any other failure, an unreachable broker among them, is an error.
func TopicMessages(ctx context.Context, cli *remoting.Client, group string, brokers []Broker, topic string) ([]*protocol.MessageExt, error) {
	var all []*protocol.MessageExt
	for _, b := range brokers {
		for q := range int32(maxQueues) {
			mq := protocol.MessageQueue{Topic: topic, BrokerName: b.Name, QueueID: q}
			_, err := ReadQueue(ctx, cli, b.Addr, group, mq, 0, -1, func(m *protocol.MessageExt) { all = append(all, m) })
			if errors.Is(err, ErrTopicNotExist) || errors.Is(err, ErrIllegalQueue) {
				break
			}
			if err != nil && !errors.Is(err, ErrOffsetMoved) {
				return nil, err
			}
		}
	}
	return all, nil
}
