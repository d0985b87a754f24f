package admin

import (
	"cmp"
	"context"
	"slices"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// ProducerConnections asks a broker for GET_PRODUCER_CONNECTION_LIST (204): the connections
// whose heartbeats named group, sorted by client id. A 4.9.7 broker answers SYSTEM_ERROR "the
// producer group[G] not exist" when none did; that is an empty list here.
func ProducerConnections(ctx context.Context, cli *remoting.Client, addr, group string) ([]protocol.Connection, error) {
	op := "producer connections of " + group
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetProducerConnectionList,
		protocol.GetProducerConnectionListRequestHeader{ProducerGroup: group}, nil), remoting.Success, remoting.SystemError)
	if err != nil {
		return nil, err
	}
	if resp.Code == remoting.SystemError {
		if resp.Remark == "the producer group["+group+"] not exist" {
			return nil, nil
		}
		return nil, &ServerError{Op: op, Addr: addr, Code: resp.Code, Remark: resp.Remark}
	}
	pc, err := protocol.DecodeProducerConnection(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	sortConnections(pc.ConnectionSet)
	return pc.ConnectionSet, nil
}

// ConsumerConnections asks a broker for GET_CONSUMER_CONNECTION_LIST (203): the group's
// connections (sorted by client id) and what its heartbeats said it consumes. A 4.9.7 broker
// answers CONSUMER_NOT_ONLINE when no connection is in the group; that is an empty
// ConsumerConnection here.
func ConsumerConnections(ctx context.Context, cli *remoting.Client, addr, group string) (*protocol.ConsumerConnection, error) {
	op := "consumer connections of " + group
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetConsumerConnectionList,
		protocol.GetConsumerConnectionListRequestHeader{ConsumerGroup: group}, nil), remoting.Success, remoting.ConsumerNotOnline)
	if err != nil {
		return nil, err
	}
	if resp.Code == remoting.ConsumerNotOnline {
		return &protocol.ConsumerConnection{SubscriptionTable: map[string]protocol.SubscriptionData{}}, nil
	}
	cc, err := protocol.DecodeConsumerConnection(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	sortConnections(cc.ConnectionSet)
	return cc, nil
}

// sortConnections orders what Java keeps in a HashSet of identity-hashed objects.
func sortConnections(conns []protocol.Connection) {
	slices.SortFunc(conns, func(a, b protocol.Connection) int {
		return cmp.Or(cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.ClientAddr, b.ClientAddr))
	})
}

// ProducerTable asks a broker for GET_ALL_PRODUCER_INFO (328), as mqadmin producer does: every
// producer group with a connection, each with its connections (client id, remote address,
// language, version, last heartbeat), sorted by client id.
func ProducerTable(ctx context.Context, cli *remoting.Client, addr string) (map[string][]protocol.ProducerInfo, error) {
	const op = "all producer info"
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetAllProducerInfo,
		protocol.GetAllProducerInfoRequestHeader{}, nil))
	if err != nil {
		return nil, err
	}
	info, err := protocol.DecodeProducerTableInfo(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	for _, list := range info.Data {
		slices.SortStableFunc(list, func(a, b protocol.ProducerInfo) int { return cmp.Compare(a.ClientID, b.ClientID) })
	}
	return info.Data, nil
}
