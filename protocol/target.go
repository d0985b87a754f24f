package protocol

import (
	"slices"

	"github.com/rocketsim/rocketsim/remoting"
)

// RequestTarget returns the topic and the producer and consumer groups a request is about,
// read from where Java's headers keep them, for fault filters and request histories:
//
//   - SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and SEND_REPLY_MESSAGE_V2 use the one-letter names:
//     the topic is "b" and the producer group "a";
//   - HEART_BEAT names its groups in the body (producerDataSet and consumerDataSet);
//   - CHECK_TRANSACTION_STATE, which a broker sends to a producer, carries the half message as
//     its body: the topic is the message's (its real topic) and the group its PGROUP;
//   - every other header that has them calls them "topic", and "producerGroup",
//     "consumerGroup" or "group" (SEND_MESSAGE, PULL_MESSAGE, GET_ROUTEINFO_BY_TOPIC,
//     UNREGISTER_CLIENT, the offset requests, END_TRANSACTION, ...).
//
// Groups are distinct and non-empty, nil when there are none.
func RequestTarget(cmd *remoting.Command) (topic string, groups []string) {
	switch cmd.Code {
	case remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage, remoting.CodeSendReplyMessageV2:
		return cmd.Ext(FieldV2Topic), distinctNames(cmd.Ext(FieldV2ProducerGroup))
	case remoting.CodeHeartBeat:
		hb, err := DecodeHeartbeatData(cmd.Body)
		if err != nil {
			return "", nil
		}
		names := make([]string, 0, len(hb.ProducerDataSet)+len(hb.ConsumerDataSet))
		for _, p := range hb.ProducerDataSet {
			names = append(names, p.GroupName)
		}
		for _, c := range hb.ConsumerDataSet {
			names = append(names, c.GroupName)
		}
		return "", distinctNames(names...)
	case remoting.CodeCheckTransactionState:
		msgs, err := DecodeStoredMessages(cmd.Body)
		if err != nil || len(msgs) != 1 {
			return "", nil
		}
		return msgs[0].Topic, distinctNames(msgs[0].Property(PropertyProducerGroup))
	}
	return cmd.Ext(FieldTopic), distinctNames(cmd.Ext(FieldProducerGroup), cmd.Ext(FieldConsumerGroup), cmd.Ext("group"))
}

// TargetInHeader reports whether RequestTarget finds code's topic and groups in the header
// alone, so that a holder of the header (a request history) can leave them to be read later.
// HEART_BEAT's and CHECK_TRANSACTION_STATE's are in the body.
func TargetInHeader(code int32) bool {
	return code != remoting.CodeHeartBeat && code != remoting.CodeCheckTransactionState
}

func distinctNames(names ...string) []string {
	var out []string
	for _, n := range names {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
