package fakebroker

// connections.go serves 204 GET_PRODUCER_CONNECTION_LIST, 203 GET_CONSUMER_CONNECTION_LIST and
// 328 GET_ALL_PRODUCER_INFO (what mqadmin producerConnection, consumerConnection and producer
// ask), as Java's AdminBrokerProcessor.getProducerConnectionList, getConsumerConnectionList and
// getAllProducerInfo (4.9.7) read the client table that clients.go keeps:
//
//   - Each connection in the group is listed with the client id its heartbeat gave, the
//     connection's remote address, and the language and version of the heartbeat's request.
//     Another connection of the same client id is another entry. Java lists them from a hash
//     map keyed by channel into a HashSet, so its order is arbitrary; the fake lists them in
//     the order the connections were opened.
//   - 204 answers SUCCESS with a ProducerConnection while ProducerManager's table has the
//     group, even with no connection left: a connection that closes or expires leaves its
//     group in the table, only UNREGISTER_CLIENT of its last member removes it. A group not in
//     the table is SYSTEM_ERROR "the producer group[G] not exist".
//   - 203 answers SUCCESS with a ConsumerConnection (the connections, the group's subscriptions
//     by topic, and the consume type, message model and consume-from-where of its latest
//     heartbeat) while the group has a member; a consumer group always leaves the table with
//     its last member, so otherwise it is 206 CONSUMER_NOT_ONLINE "the consumer group[G] not
//     online".
//   - 328 answers SUCCESS with a ProducerTableInfo (ProducerManager.getProducerTable): every
//     producer group that has a connection, each connection with its client id, Netty's
//     remoteAddress().toString() ("/" and the address), the heartbeat's language and version,
//     and the time of its last heartbeat. A group left in the table without connections is
//     not listed (Java adds a group's entry with its first connection). Groups come in the
//     order of Java's HashMap; a group's connections in the order they joined (Java's follow a
//     ConcurrentHashMap keyed by channel).
//   - No answer has extFields (createResponseCommand(null)). Without the group field Java
//     looks null up in a ConcurrentHashMap, which throws: SYSTEM_ERROR with Java 17's
//     NullPointerException text.

import (
	"context"
	"maps"
	"slices"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (b *Broker) connectionHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeGetProducerConnectionList, b.handleGetProducerConnectionList},
		{remoting.CodeGetConsumerConnectionList, b.handleGetConsumerConnectionList},
		{remoting.CodeGetAllProducerInfo, b.handleGetAllProducerInfo},
	}
}

func (b *Broker) handleGetAllProducerInfo(_ context.Context, req *remoting.Request) *remoting.Command {
	resp := answer(req.Command, remoting.Success, "")
	resp.Body = b.clients.producerTable().Encode()
	return resp
}

// producerTable is ProducerManager.getProducerTable: the groups that have a connection.
func (t *clientTable) producerTable() *protocol.ProducerTableInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	info := &protocol.ProducerTableInfo{Data: map[string][]protocol.ProducerInfo{}}
	for group, table := range t.producers {
		if len(table) == 0 {
			continue
		}
		list := make([]protocol.ProducerInfo, 0, len(table))
		for _, id := range slices.Sorted(maps.Keys(table)) {
			ch := table[id]
			list = append(list, protocol.ProducerInfo{
				ClientID: ch.clientID, RemoteIP: "/" + ch.conn.RemoteAddr(), Language: ch.language.String(),
				Version: ch.version, LastUpdateTimestamp: ch.lastUpdate.UnixMilli(),
			})
		}
		info.Data[group] = list
	}
	return info
}

func (b *Broker) handleGetProducerConnectionList(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetProducerConnectionListRequestHeader(cmd.ExtFields)
	if resp := check(cmd, mapLookupKey(protocol.FieldProducerGroup)); resp != nil {
		return resp
	}
	pc, ok := b.clients.producerConnection(h.ProducerGroup)
	if !ok {
		return answer(cmd, remoting.SystemError, "the producer group["+h.ProducerGroup+"] not exist")
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = pc.Encode()
	return resp
}

func (b *Broker) handleGetConsumerConnectionList(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetConsumerConnectionListRequestHeader(cmd.ExtFields)
	if resp := check(cmd, mapLookupKey(protocol.FieldConsumerGroup)); resp != nil {
		return resp
	}
	cc, ok := b.clients.consumerConnection(h.ConsumerGroup)
	if !ok {
		return answer(cmd, remoting.ConsumerNotOnline, "the consumer group["+h.ConsumerGroup+"] not online")
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = cc.Encode()
	return resp
}

// producerConnection lists a producer group's connections; ok is false when the group is not
// in the table.
func (t *clientTable) producerConnection(group string) (*protocol.ProducerConnection, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	table, ok := t.producers[group]
	if !ok {
		return nil, false
	}
	pc := &protocol.ProducerConnection{ConnectionSet: []protocol.Connection{}}
	for _, id := range slices.Sorted(maps.Keys(table)) {
		pc.ConnectionSet = append(pc.ConnectionSet, table[id].connection())
	}
	return pc, true
}

// consumerConnection describes a consumer group; ok is false when the group is not in the
// table.
func (t *clientTable) consumerConnection(group string) (*protocol.ConsumerConnection, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.consumers[group]
	if g == nil {
		return nil, false
	}
	cc := &protocol.ConsumerConnection{
		ConnectionSet:     make([]protocol.Connection, 0, len(g.order)),
		SubscriptionTable: maps.Clone(g.subs),
		ConsumeType:       g.consumeType,
		MessageModel:      g.messageModel,
		ConsumeFromWhere:  g.consumeFromWhere,
	}
	for _, id := range slices.Sorted(slices.Values(g.order)) {
		cc.ConnectionSet = append(cc.ConnectionSet, g.channels[id].connection())
	}
	return cc, true
}

// connection is the Connection Java makes of a ClientChannelInfo.
func (ch *clientChannel) connection() protocol.Connection {
	return protocol.Connection{
		ClientID: ch.clientID, ClientAddr: ch.conn.RemoteAddr(),
		Language: ch.language.String(), Version: ch.version,
	}
}
