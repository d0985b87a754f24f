package fakenamesrv

// Route queries.
//
//	105 GET_ROUTEINFO_BY_TOPIC  header GetRouteInfoRequestHeader (topic, acceptStandardJsonOnly)
//
// Java (DefaultRequestProcessor.getRouteInfoByTopic and RouteInfoManager.pickupTopicRouteData
// at rocketmq-all-4.9.7):
//
//   - A topic with queue data on at least one broker name that has addresses: code 0, body the
//     TopicRouteData. Its queueDatas list the topic's brokers in the order of the topic's
//     HashMap, brokerDatas (copies of each BrokerData) in the order of a HashSet of those names,
//     filterServerTable the filter servers of the brokers' addresses.
//   - The body is standard JSON (quoted, sorted map keys: {"0":"addr"}) when the request's
//     version is at least V4_9_4's ordinal (the 4.9.7 Java client sends 407) or it asks with
//     acceptStandardJsonOnly=true; otherwise plain fastjson, whose brokerAddrs keys are bare
//     numbers ({0:"addr"}), which old clients and the official Go client (version 317) get.
//   - orderTopicConf is set from KV namespace ORDER_TOPIC_CONFIG, key the topic, only when the
//     name server runs with orderMessageEnable (default false: never set).
//   - Otherwise code 17 TOPIC_NOT_EXIST, remark "No topic route info in name server for the
//     topic: T" + "\nSee http://rocketmq.apache.org/docs/faq/ for further details.", no body.
//     A request without a topic is answered so for the topic "null".
//
// Addresses are rewritten for clients when the server has address rewrites (rewrite.go).

import (
	"context"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// TopicNotExistRemark is the remark of the answer 17 to a route query for a topic the name
// server has no route for (protocol.TopicNotExistRemark).
func TopicNotExistRemark(topic string) string { return protocol.TopicNotExistRemark(topic) }

func (s *Server) routeHandlersTable() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeGetRouteInfoByTopic, s.handleGetRouteInfo},
	}
}

func (s *Server) handleGetRouteInfo(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetRouteInfoRequestHeader(cmd.ExtFields)
	route := s.topicRoute(h.Topic)
	if route == nil {
		return remoting.NewResponse(cmd, remoting.TopicNotExist,
			TopicNotExistRemark(orNull(cmd.ExtFields, protocol.FieldTopic, h.Topic)))
	}
	s.rewrite.route(route)
	resp := remoting.NewResponse(cmd, remoting.Success, "")
	resp.Body = route.Encode(protocol.WantsStandardRouteJSON(cmd.Version, h.StandardJSONOnly()))
	return resp
}

// topicRoute is the route the server gives for topic, before address rewriting; nil when it
// answers TOPIC_NOT_EXIST.
func (s *Server) topicRoute(topic string) *protocol.TopicRouteData {
	route := s.reg.route(topic)
	if route != nil && s.conf.orderMessageEnable() {
		route.OrderTopicConf, _ = s.kv.get(NamespaceOrderTopicConfig, topic)
	}
	return route
}
