package proxy

// The name server's answers that name brokers: GET_ROUTEINFO_BY_TOPIC (105) and
// GET_BROKER_CLUSTER_INFO (106). Clients are told the proxy's listeners instead of the brokers'
// addresses, and a broker the proxy has taken offline is left out as a real name server leaves
// out a broker whose channel closed (RouteInfoManager.onChannelDestroy in 4.9.7): its address
// goes from brokerAddrs; a broker name left without addresses goes from the broker list, its
// queues from every topic and its name from its cluster; a topic left without queues is
// TOPIC_NOT_EXIST.

import (
	"fmt"
	"slices"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// rewriteAnswer is the name server relay's answer hook.
func (p *Proxy) rewriteAnswer(req, resp *remoting.Command) *remoting.Command {
	if resp.Code != remoting.Success {
		return resp
	}
	var err error
	switch req.Code {
	case remoting.CodeGetRouteInfoByTopic:
		resp, err = p.rewriteRouteAnswer(req, resp)
	case remoting.CodeGetBrokerClusterInfo:
		resp, err = p.rewriteClusterAnswer(resp)
	}
	if err != nil {
		// Passing the answer on would send the client to the brokers directly, around every
		// rule: refuse it instead, where the client and the operator see why.
		p.log.Error("cannot rewrite the name server's answer", "code", req.Code, "reason", err)
		out := remoting.NewResponse(req, remoting.SystemError, "rocketsim proxy: "+err.Error())
		out.SerializeType = resp.SerializeType
		return out
	}
	return resp
}

func (p *Proxy) rewriteRouteAnswer(req, resp *remoting.Command) (*remoting.Command, error) {
	rd, err := protocol.DecodeTopicRouteData(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading a route answer: %w", err)
	}
	standard, known := protocol.RouteJSONForm(resp.Body)
	if !known {
		h, _ := protocol.DecodeGetRouteInfoRequestHeader(req.ExtFields)
		standard = protocol.WantsStandardRouteJSON(req.Version, h.StandardJSONOnly())
	}
	if err := p.clientRoute(rd); err != nil {
		return nil, err
	}
	if len(rd.QueueDatas) == 0 {
		h, _ := protocol.DecodeGetRouteInfoRequestHeader(req.ExtFields)
		out := *resp
		out.Code, out.Remark, out.Body = remoting.TopicNotExist, protocol.TopicNotExistRemark(h.Topic), nil
		return &out, nil
	}
	resp.Body = rd.Encode(standard)
	return resp, nil
}

func (p *Proxy) rewriteClusterAnswer(resp *remoting.Command) (*remoting.Command, error) {
	ci, err := protocol.DecodeClusterInfo(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading a cluster answer: %w", err)
	}
	for name, bd := range ci.BrokerAddrTable {
		if err := p.clientBrokerData(&bd); err != nil {
			return nil, err
		}
		if len(bd.BrokerAddrs) > 0 {
			ci.BrokerAddrTable[name] = bd
			continue
		}
		delete(ci.BrokerAddrTable, name)
		for cluster, names := range ci.ClusterAddrTable {
			names = slices.DeleteFunc(names, func(n string) bool { return n == name })
			if len(names) == 0 {
				delete(ci.ClusterAddrTable, cluster)
			} else {
				ci.ClusterAddrTable[cluster] = names
			}
		}
	}
	resp.Body = ci.Encode()
	return resp, nil
}

// clientRoute turns a route as the upstream gave it into the route the proxy's clients get.
func (p *Proxy) clientRoute(rd *protocol.TopicRouteData) error {
	gone := map[string]bool{} // broker names left without an address
	kept := rd.BrokerDatas[:0]
	for _, bd := range rd.BrokerDatas {
		if err := p.clientBrokerData(&bd); err != nil {
			return err
		}
		if len(bd.BrokerAddrs) == 0 {
			gone[bd.BrokerName] = true
			continue
		}
		kept = append(kept, bd)
	}
	rd.BrokerDatas = kept
	rd.QueueDatas = slices.DeleteFunc(rd.QueueDatas, func(q protocol.QueueData) bool { return gone[q.BrokerName] })
	if len(rd.FilterServerTable) > 0 {
		table := make(map[string][]string, len(rd.FilterServerTable))
		for addr, servers := range rd.FilterServerTable {
			if f, ok := p.knownFront(addr); ok {
				if !f.isRunning() {
					continue
				}
				addr = f.main.listenAddr()
			}
			table[addr] = servers
		}
		rd.FilterServerTable = table
	}
	return nil
}

// clientBrokerData replaces each address of bd with the proxy's listener in front of it
// (opening one for an address seen for the first time) and drops those taken offline.
func (p *Proxy) clientBrokerData(bd *protocol.BrokerData) error {
	for id, addr := range bd.BrokerAddrs {
		f, err := p.frontFor(bd.Cluster, bd.BrokerName, id, addr)
		if err != nil {
			return err
		}
		if !f.isRunning() {
			delete(bd.BrokerAddrs, id)
			continue
		}
		bd.BrokerAddrs[id] = f.main.listenAddr()
	}
	return nil
}

func (p *Proxy) knownFront(upstream string) (*front, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.fronts[upstream]
	return f, ok
}
