package fakebroker

// consumers.go serves 38 GET_CONSUMER_LIST_BY_GROUP and holds the subscription groups, as Java's
// ConsumerManageProcessor.getConsumerListByGroup and SubscriptionGroupManager (4.9.7):
//
//   - 38 answers the client ids of the group's connections (in the order they joined; Java's
//     order is its hash map's) in a GetConsumerListByGroupResponseBody; a group unknown or
//     empty is SYSTEM_ERROR "no consumer for this group, G". The answer's extFields are empty.
//   - findSubscriptionGroupConfig creates a group's config on first use when
//     autoCreateSubscriptionGroup is on (the default); the fake keeps only the names, with
//     Java's defaults (consume enabled, broadcast allowed, 1 retry queue, 16 retries).

import (
	"context"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

type subscriptionGroups struct {
	mu sync.Mutex
	m  map[string]bool
}

func newSubscriptionGroups() *subscriptionGroups { return &subscriptionGroups{m: map[string]bool{}} }

// find reports whether the group exists, creating it when autoCreate is on.
func (g *subscriptionGroups) find(group string, autoCreate bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m[group] {
		return true
	}
	if !autoCreate {
		return false
	}
	g.m[group] = true
	return true
}

func (g *subscriptionGroups) add(group string) {
	g.mu.Lock()
	g.m[group] = true
	g.mu.Unlock()
}

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

// AddSubscriptionGroup creates a subscription group, as UPDATE_AND_CREATE_SUBSCRIPTIONGROUP
// does; needed only with WithAutoCreateSubscriptionGroup(false).
func (b *Broker) AddSubscriptionGroup(group string) { b.groups.add(group) }
