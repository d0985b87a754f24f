package fault

import (
	"slices"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// target is the topic and the groups a request is about, for rule filters and the history.
type target struct {
	topic  string
	groups []string
}

// requestTarget reads a request's topic and groups from where Java's headers keep them. It
// belongs with the typed headers in protocol/ and lives here only until protocol/ offers the
// same; it decodes nothing itself (the heartbeat body goes to protocol's decoder).
//
//   - SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and SEND_REPLY_MESSAGE_V2 shorten their field
//     names: the topic is "b" and the producer group "a";
//   - HEART_BEAT names its groups in the body (producerDataSet and consumerDataSet);
//   - every other header that has them calls them "topic", and "producerGroup",
//     "consumerGroup" or "group" (SEND_MESSAGE, PULL_MESSAGE, GET_ROUTEINFO_BY_TOPIC,
//     UNREGISTER_CLIENT, the offset requests, CONSUMER_SEND_MSG_BACK, END_TRANSACTION, ...).
func requestTarget(cmd *remoting.Command) target {
	switch cmd.Code {
	case remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage, remoting.CodeSendReplyMessageV2:
		return target{topic: cmd.Ext("b"), groups: nonEmpty(cmd.Ext("a"))}
	case remoting.CodeHeartBeat:
		hb, err := protocol.DecodeHeartbeatData(cmd.Body)
		if err != nil {
			return target{}
		}
		var groups []string
		for _, p := range hb.ProducerDataSet {
			groups = append(groups, p.GroupName)
		}
		for _, c := range hb.ConsumerDataSet {
			groups = append(groups, c.GroupName)
		}
		return target{groups: nonEmpty(groups...)}
	}
	return target{
		topic:  cmd.Ext("topic"),
		groups: nonEmpty(cmd.Ext("producerGroup"), cmd.Ext("consumerGroup"), cmd.Ext("group")),
	}
}

// nonEmpty returns the distinct non-empty names, in order, or nil when there are none.
func nonEmpty(names ...string) []string {
	var out []string
	for _, n := range names {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
