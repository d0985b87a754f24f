package fakebroker

// whoconsumes.go serves 300 QUERY_TOPIC_CONSUME_BY_WHO, which mqadmin's message queries
// (queryMsgByOffset, queryMsgById, ...) send to list a topic's consumer groups, as Java's
// AdminBrokerProcessor.queryTopicConsumeByWho (4.9.7): the groups whose online consumers
// subscribe to the topic (ConsumerManager.queryTopicConsumeByWho) and those with committed
// offsets on it (ConsumerOffsetManager.whichGroupByTopic), as a GroupList in HashSet order.
// Code 0, no remark, no extFields. A request without a topic is not modelled (Java meets the
// null inside its tables' iteration).

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (b *Broker) whoConsumesHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeQueryTopicConsumeByWho, b.handleQueryTopicConsumeByWho}}
}

func (b *Broker) handleQueryTopicConsumeByWho(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeQueryTopicConsumeByWhoRequestHeader(cmd.ExtFields)
	// The set is filled as Java fills it: the consumer table's groups in its
	// ConcurrentHashMap's order, then the offset table's (a HashSet made from its
	// ConcurrentHashMap's topic@group keys); where a table's own insertion order decides, Java
	// string order stands in.
	groups := b.clients.groupsSubscribing(h.Topic)
	for _, g := range b.offsets.groupsOf(h.Topic) {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = (&protocol.GroupList{Groups: protocol.JavaHashMapOrder(groups, 16)}).Encode()
	return resp
}

// Java's initial capacities of ConsumerManager.consumerTable and
// ConsumerOffsetManager.offsetTable.
const (
	consumerTableCapacity = 1024
	offsetTableCapacity   = 512
)

// groupsSubscribing is ConsumerManager.queryTopicConsumeByWho, in the consumer table's order.
func (t *clientTable) groupsSubscribing(topic string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := slices.SortedFunc(maps.Keys(t.consumers), javamap.Compare)
	javamap.OrderInTable(names, javamap.ConcurrentHashMapTableSize(consumerTableCapacity, len(names)))
	var out []string
	for _, name := range names {
		if _, ok := t.consumers[name].subs[topic]; ok {
			out = append(out, name)
		}
	}
	return out
}

// groupsOf is ConsumerOffsetManager.whichGroupByTopic: a HashSet of the groups whose
// topic@group key the offset table holds, filled in that table's order.
func (t *offsetTable) groupsOf(topic string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := map[string]string{} // topic@group -> group
	for k := range t.m {
		keys[k.topic+"@"+k.group] = k.group
	}
	ordered := slices.SortedFunc(maps.Keys(keys), javamap.Compare)
	javamap.OrderInTable(ordered, javamap.ConcurrentHashMapTableSize(offsetTableCapacity, len(ordered)))
	var out []string
	for _, k := range ordered {
		if topicOf, _, _ := strings.Cut(k, "@"); topicOf == topic {
			out = append(out, keys[k])
		}
	}
	return protocol.JavaHashMapOrder(out, 16)
}
