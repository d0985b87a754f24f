package admin

import (
	"context"
	"fmt"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The admin requests a broker answers by asking a group's consumers (mqadmin resetOffsetByTime,
// consumerStatus, consumeMessage). The broker's refusals come back as *ServerError: a group
// without members is CONSUMER_NOT_ONLINE for ResetOffset and SYSTEM_ERROR "The Consumer <G>
// <C> not online" for ConsumerRunningInfo and ConsumeMessageDirectly; a consumer's own refusal
// of 307 or 309 is passed back by the broker as it is.

// ResetOffsetTimestampEnd asks ResetOffset for the end of each queue.
const ResetOffsetTimestampEnd = -1

// ResetOffset sends INVOKE_BROKER_TO_RESET_OFFSET (222): the broker works out, for each write
// queue of topic it holds, the offset of the message stored at timestamp (ms since the epoch;
// ResetOffsetTimestampEnd for the end), keeping the group's committed offset where that is
// smaller unless force is set, tells every consumer of the group online (RESET_CONSUMER_CLIENT_OFFSET)
// and returns those offsets. The broker's own committed offsets do not change: the consumers
// commit the new ones.
func ResetOffset(ctx context.Context, cli *remoting.Client, addr, topic, group string, timestamp int64, force bool) (map[protocol.MessageQueue]int64, error) {
	op := fmt.Sprintf("reset offset of %s on %s", group, topic)
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeInvokeBrokerToResetOffset,
		protocol.ResetOffsetRequestHeader{Topic: topic, Group: group, Timestamp: timestamp, IsForce: force}, nil))
	if err != nil {
		return nil, err
	}
	body, err := protocol.DecodeResetOffsetBody(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return body.OffsetTable, nil
}

// ConsumerStatus sends INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223): the broker asks the group's
// consumers online (only clientID's when it is not "") for their offsets on topic
// (GET_CONSUMER_STATUS_FROM_CLIENT) and returns them by client id; a consumer that does not
// answer within 5 s is left out.
func ConsumerStatus(ctx context.Context, cli *remoting.Client, addr, topic, group, clientID string) (map[string]map[protocol.MessageQueue]int64, error) {
	op := fmt.Sprintf("consumer status of %s on %s", group, topic)
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeInvokeBrokerToGetConsumerStatus,
		protocol.GetConsumerStatusRequestHeader{Topic: topic, Group: group, ClientAddr: clientID}, nil))
	if err != nil {
		return nil, err
	}
	body, err := protocol.DecodeGetConsumerStatusBody(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return body.ConsumerTable, nil
}

// ConsumerRunningInfo sends GET_CONSUMER_RUNNING_INFO (307) for consumer clientID of group; the
// broker passes it on to that consumer, which tells its settings, subscriptions, queues and
// rates (and its threads' stacks with jstack).
func ConsumerRunningInfo(ctx context.Context, cli *remoting.Client, addr, group, clientID string, jstack bool) (*protocol.ConsumerRunningInfo, error) {
	op := fmt.Sprintf("running info of %s in %s", clientID, group)
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetConsumerRunningInfo,
		protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: group, ClientID: clientID, JstackEnable: jstack}, nil))
	if err != nil {
		return nil, err
	}
	info, err := protocol.DecodeConsumerRunningInfo(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return info, nil
}

// ConsumeMessageDirectly sends CONSUME_MESSAGE_DIRECTLY (309): the broker reads the message
// offsetMsgID names (it must be the broker's own: offset message ids hold the store's address)
// and gives it to consumer clientID of group, whose listener consumes it once more, outside its
// queues, and reports how that went.
func ConsumeMessageDirectly(ctx context.Context, cli *remoting.Client, addr, group, clientID, offsetMsgID string) (*protocol.ConsumeMessageDirectlyResult, error) {
	op := fmt.Sprintf("consume %s directly in %s by %s", offsetMsgID, group, clientID)
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeConsumeMessageDirectly,
		protocol.ConsumeMessageDirectlyResultRequestHeader{ConsumerGroup: group, ClientID: clientID, MsgID: offsetMsgID}, nil))
	if err != nil {
		return nil, err
	}
	result, err := protocol.DecodeConsumeMessageDirectlyResult(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return result, nil
}
