package fakebroker

// consumers.go serves 38 GET_CONSUMER_LIST_BY_GROUP, as Java's
// ConsumerManageProcessor.getConsumerListByGroup (4.9.7): the client ids of the group's
// connections (in the order they joined; Java's order is its hash map's) in a
// GetConsumerListByGroupResponseBody; a group unknown or empty is SYSTEM_ERROR "no consumer for
// this group, G". The answer's extFields are empty. The subscription groups are
// subscriptiongroups.go's.

import (
	"context"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (b *Broker) consumerHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeGetConsumerListByGroup, b.handleGetConsumerListByGroup}}
}

func (b *Broker) handleGetConsumerListByGroup(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetConsumerListByGroupRequestHeader(cmd.ExtFields)
	if resp := check(cmd, keyed(protocol.FieldConsumerGroup)); resp != nil {
		return resp
	}
	ids, _, _, ok := b.clients.consumerGroup(h.ConsumerGroup)
	if !ok || len(ids) == 0 {
		return answerWithHeader(cmd, remoting.SystemError, "no consumer for this group, "+h.ConsumerGroup)
	}
	resp := answerWithHeader(cmd, remoting.Success, "")
	resp.Body = (&protocol.GetConsumerListByGroupResponseBody{ConsumerIDList: ids}).Encode()
	return resp
}
