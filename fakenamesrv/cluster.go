package fakenamesrv

// Cluster-wide queries and admin requests.
//
//	106 GET_BROKER_CLUSTER_INFO             no header
//	206 GET_ALL_TOPIC_LIST_FROM_NAMESERVER  no header
//	216 DELETE_TOPIC_IN_NAMESRV             header DeleteTopicFromNamesrvRequestHeader
//	                                        (topic, clusterName)
//	304 GET_SYSTEM_TOPIC_LIST_FROM_NS       no header
//	311 GET_UNIT_TOPIC_LIST                 no header
//	312 GET_HAS_UNIT_SUB_TOPIC_LIST         no header
//	313 GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST  no header
//
// Java (DefaultRequestProcessor and RouteInfoManager at rocketmq-all-4.9.7):
//
//   - 106: code 0, body ClusterInfo {"brokerAddrTable":{name:BrokerData},"clusterAddrTable":
//     {cluster:[names]}} in plain fastjson (bare brokerId keys), whatever the client's version.
//     Brokers that expired or were unregistered are gone from it; an address whose live entry
//     went while its brokerId stayed (UNREGISTER_BROKER with another id) is still listed.
//   - 206: code 0, body {"topicList":[...]} of every topic with queue data.
//   - 216: with a clusterName, the queue data of that cluster's brokers is removed from the
//     topic (and the topic once it has none); without one (absent or empty), the topic goes
//     altogether. Always code 0, no header; an unknown topic or cluster changes nothing. The
//     brokers still hold the topic and bring it back at their next registration with a new
//     DataVersion.
//   - 224: code 0, body {"topicList":[...]} of the topics with queue data on any of the
//     cluster's brokers, broker by broker, poured into one HashSet. An unknown cluster, or no
//     cluster field, is an empty list: Java's lookup throws and the catch logs it.
//   - 304: code 0, body {"brokerAddr":A,"topicList":[...]} listing every cluster name and
//     broker name, A the first address of the first broker name (left out when none).
//   - 311, 312, 313: code 0, body {"topicList":[...]} of the topics whose first broker's queue
//     data has the unit flag (topicSysFlag bit 0), the unit-sub flag (bit 1), or the unit-sub
//     flag without the unit flag.

import (
	"context"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (s *Server) clusterHandlersTable() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeGetBrokerClusterInfo, s.handleGetBrokerClusterInfo},
		{remoting.CodeGetAllTopicListFromNameServer, s.handleGetAllTopicList},
		{remoting.CodeDeleteTopicInNamesrv, s.handleDeleteTopicInNamesrv},
		{remoting.CodeGetTopicsByCluster, s.handleGetTopicsByCluster},
		{remoting.CodeGetSystemTopicListFromNS, s.handleGetSystemTopicList},
		{remoting.CodeGetUnitTopicList, s.topicListHandler(func(flag int32) bool { return flag&protocol.TopicSysFlagUnit != 0 })},
		{remoting.CodeGetHasUnitSubTopicList, s.topicListHandler(func(flag int32) bool {
			return flag&protocol.TopicSysFlagUnitSub != 0
		})},
		{remoting.CodeGetHasUnitSubUnUnitTopicList, s.topicListHandler(func(flag int32) bool {
			return flag&protocol.TopicSysFlagUnit == 0 && flag&protocol.TopicSysFlagUnitSub != 0
		})},
	}
}

func (s *Server) handleGetBrokerClusterInfo(_ context.Context, req *remoting.Request) *remoting.Command {
	ci := s.reg.clusterInfo()
	s.rewrite.clusterInfo(ci)
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = ci.Encode()
	return resp
}

func (s *Server) handleGetAllTopicList(_ context.Context, req *remoting.Request) *remoting.Command {
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = (&protocol.TopicList{Topics: s.reg.allTopics()}).Encode()
	return resp
}

func (s *Server) handleGetTopicsByCluster(_ context.Context, req *remoting.Request) *remoting.Command {
	h, _ := protocol.DecodeGetTopicsByClusterRequestHeader(req.Command.ExtFields) // none: no cluster
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = (&protocol.TopicList{Topics: s.reg.topicsInCluster(h.Cluster)}).Encode()
	return resp
}

func (s *Server) handleDeleteTopicInNamesrv(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeDeleteTopicFromNamesrvRequestHeader(cmd.ExtFields)
	if h.ClusterName != "" {
		s.reg.deleteTopicInCluster(h.Topic, h.ClusterName)
	} else {
		s.reg.deleteTopic(h.Topic)
	}
	return remoting.NewResponse(cmd, remoting.Success, "")
}

func (s *Server) handleGetSystemTopicList(_ context.Context, req *remoting.Request) *remoting.Command {
	topics, addr := s.reg.systemTopics()
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.Body = (&protocol.TopicList{Topics: topics, BrokerAddr: addr}).Encode()
	return resp
}

func (s *Server) topicListHandler(pick func(sysFlag int32) bool) remoting.Handler {
	return func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.Body = (&protocol.TopicList{Topics: s.reg.topicsByFirstQueue(pick)}).Encode()
		return resp
	}
}
