package realrmq

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The cases run in order on both sides; later ones rely on what earlier ones did (a topic
// created, messages sent). Names are unique to this test, so the shared real cluster's other
// users do not see them.

const (
	diffCluster   = "DiffCluster"
	diffBroker    = "diff-broker"
	diffMaster    = "192.0.2.1:10911" // made up: a name server never dials brokers
	diffSlave     = "192.0.2.2:10911"
	diffNSTopic   = "DiffNSTopic"
	diffTopic     = "DiffTopic"
	diffAutoTopic = "DiffAutoTopic"
	diffPG        = "diff-pg"
	diffPGClosed  = "diff-pg-closed" // only on the second connection, which closes
	diffCG        = "diff-cg"
	diffClientID  = "127.0.0.1@diff"
	diffKVNS      = "DIFF_NS"
)

// diffVersion is fixed so that the name server's answers about it are comparable.
var diffVersion = protocol.DataVersion{Timestamp: 1_700_000_000_000, Counter: 1}

func registerReq(id int64, addr string, crc func([]byte) int32) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		tc := protocol.NewTopicConfig(diffNSTopic)
		tc.ReadQueueNums, tc.WriteQueueNums = 4, 4
		body, err := (&protocol.RegisterBrokerBody{
			TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{
				TopicConfigTable: map[string]protocol.TopicConfig{diffNSTopic: tc},
				DataVersion:      diffVersion,
			},
			FilterServerList: []string{},
		}).Encode(false)
		if err != nil {
			panic(err)
		}
		return protocol.RequestWithHeader(remoting.CodeRegisterBroker, protocol.RegisterBrokerRequestHeader{
			BrokerName: diffBroker, BrokerAddr: addr, ClusterName: diffCluster,
			HAServerAddr: strings.Replace(addr, ":10911", ":10912", 1), BrokerID: id, BodyCRC32: crc(body),
		}, body)
	}
}

// binaryHeader sends the request with the ROCKETMQ binary header instead of JSON.
func binaryHeader(req func(*side) *remoting.Command) func(*side) *remoting.Command {
	return func(s *side) *remoting.Command {
		c := req(s)
		c.SerializeType = remoting.SerializeRocketMQ
		return c
	}
}

// edit changes the request's extFields after the typed header filled them, to send what no
// well-behaved client sends (a missing or unparsable field).
func edit(req func(*side) *remoting.Command, f func(ext map[string]string)) func(*side) *remoting.Command {
	return func(s *side) *remoting.Command {
		c := req(s)
		f(c.ExtFields)
		return c
	}
}

// diffUnitBroker registers (id 0) or unregisters a broker of diffCluster holding one topic
// per combination of the unit flags (TopicSysFlag bits 0 and 1), for the name server's unit
// topic lists (311-313), which list topics by their first broker's flag.
const (
	diffUnitBroker = "diff-unit"
	diffUnitAddr   = "192.0.2.3:10911"
)

func registerUnitReq(*side) *remoting.Command {
	table := map[string]protocol.TopicConfig{}
	for name, flag := range map[string]int32{"DiffPlainTopic": 0, "DiffUnitTopic": protocol.TopicSysFlagUnit,
		"DiffUnitSubTopic": protocol.TopicSysFlagUnitSub, "DiffUnitBothTopic": protocol.TopicSysFlagUnit | protocol.TopicSysFlagUnitSub} {
		tc := protocol.NewTopicConfig(name)
		tc.ReadQueueNums, tc.WriteQueueNums, tc.TopicSysFlag = 2, 2, flag
		table[name] = tc
	}
	body, err := (&protocol.RegisterBrokerBody{
		TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{TopicConfigTable: table, DataVersion: diffVersion},
		FilterServerList:            []string{},
	}).Encode(false)
	if err != nil {
		panic(err)
	}
	return protocol.RequestWithHeader(remoting.CodeRegisterBroker, protocol.RegisterBrokerRequestHeader{
		BrokerName: diffUnitBroker, BrokerAddr: diffUnitAddr, ClusterName: diffCluster,
		HAServerAddr: "192.0.2.3:10912", BodyCRC32: protocol.BodyCRC32(body),
	}, body)
}

func routeReq(topic string) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: topic}, nil)
	}
}

func nameServerCases() []diffCase {
	badCRC := func(b []byte) int32 { return protocol.BodyCRC32(b) ^ 1 }
	queryVersion := func(v protocol.DataVersion) func(*side) *remoting.Command {
		return func(*side) *remoting.Command {
			return protocol.RequestWithHeader(remoting.CodeQueryDataVersion, protocol.QueryDataVersionRequestHeader{
				BrokerName: diffBroker, BrokerAddr: diffMaster, ClusterName: diffCluster, BrokerID: 0,
			}, v.Encode())
		}
	}
	route := routeReq
	kv := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	plain := func(code int32) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return remoting.NewRequest(code, nil, nil) }
	}
	unregister := func(id int64, addr string) func(*side) *remoting.Command {
		return func(*side) *remoting.Command {
			return protocol.RequestWithHeader(remoting.CodeUnregisterBroker, protocol.UnRegisterBrokerRequestHeader{
				BrokerName: diffBroker, BrokerAddr: addr, ClusterName: diffCluster, BrokerID: id,
			}, nil)
		}
	}
	return []diffCase{
		{name: "register master", code: remoting.CodeRegisterBroker, target: "ns", req: registerReq(0, diffMaster, protocol.BodyCRC32)},
		{name: "register slave", code: remoting.CodeRegisterBroker, target: "ns", req: registerReq(1, diffSlave, protocol.BodyCRC32)},
		{name: "register bad crc", code: remoting.CodeRegisterBroker, target: "ns", req: registerReq(0, diffMaster, badCRC)},
		{name: "data version unchanged", code: remoting.CodeQueryDataVersion, target: "ns", req: queryVersion(diffVersion)},
		{name: "data version changed", code: remoting.CodeQueryDataVersion, target: "ns",
			req: queryVersion(protocol.DataVersion{Timestamp: diffVersion.Timestamp, Counter: 2})},
		{name: "data version without body", code: remoting.CodeQueryDataVersion, target: "ns",
			req: func(s *side) *remoting.Command {
				c := queryVersion(diffVersion)(s)
				c.Body = nil
				return c
			}},
		{name: "route existing", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: route(diffNSTopic)},
		{name: "route missing", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: route("DiffNoSuchTopic")},
		{name: "route for an old client", code: remoting.CodeGetRouteInfoByTopic, target: "ns",
			req: func(s *side) *remoting.Command {
				c := route(diffNSTopic)(s)
				c.Version = 100 // before V4_9_4: brokerAddrs keys unquoted
				return c
			}},
		{name: "data version of unknown broker", code: remoting.CodeQueryDataVersion, target: "ns",
			req: func(s *side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeQueryDataVersion, protocol.QueryDataVersionRequestHeader{
					BrokerName: "diff-none", BrokerAddr: "192.0.2.99:10911", ClusterName: diffCluster,
				}, diffVersion.Encode())
			}},
		{name: "route binary header", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: binaryHeader(route(diffNSTopic))},
		{name: "route without topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: plain(remoting.CodeGetRouteInfoByTopic)},
		{name: "route of a broker topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: route("TBW102")},
		{name: "cluster info", code: remoting.CodeGetBrokerClusterInfo, target: "ns", req: plain(remoting.CodeGetBrokerClusterInfo)},
		{name: "all topics", code: remoting.CodeGetAllTopicListFromNameServer, target: "ns",
			req: plain(remoting.CodeGetAllTopicListFromNameServer), norm: normTopicList},
		// DefaultMQAdminExt.fetchTopicsByCLuster: the real brokers' cluster, the diff brokers' and
		// an unknown one.
		{name: "topics by cluster", code: remoting.CodeGetTopicsByCluster, target: "ns", req: topicsByCluster(DefaultCluster), norm: normTopicList},
		{name: "topics by the diff cluster", code: remoting.CodeGetTopicsByCluster, target: "ns", req: topicsByCluster(diffCluster), norm: normTopicList},
		{name: "topics by an unknown cluster", code: remoting.CodeGetTopicsByCluster, target: "ns", req: topicsByCluster("DiffNoSuchCluster")},
		{name: "topics by cluster without header", code: remoting.CodeGetTopicsByCluster, target: "ns", req: plain(remoting.CodeGetTopicsByCluster)},
		// DefaultMQAdminExt.getSystemTopicList and the unit topic lists (no header; a binary
		// request is answered in binary). The system list names every cluster and broker (in
		// the order of a fresh HashSet) and the first broker's master address.
		{name: "system topics", code: remoting.CodeGetSystemTopicListFromNS, target: "ns", req: plain(remoting.CodeGetSystemTopicListFromNS)},
		{name: "system topics binary header", code: remoting.CodeGetSystemTopicListFromNS, target: "ns",
			req: binaryHeader(plain(remoting.CodeGetSystemTopicListFromNS))},
		{name: "unit topics before any", code: remoting.CodeGetUnitTopicList, target: "ns", req: plain(remoting.CodeGetUnitTopicList)},
		{name: "register unit broker", code: remoting.CodeRegisterBroker, target: "ns", req: registerUnitReq},
		{name: "system topics with the unit broker", code: remoting.CodeGetSystemTopicListFromNS, target: "ns",
			req: plain(remoting.CodeGetSystemTopicListFromNS)},
		{name: "unit topics", code: remoting.CodeGetUnitTopicList, target: "ns", req: plain(remoting.CodeGetUnitTopicList), norm: normTopicList},
		{name: "unit topics binary header", code: remoting.CodeGetUnitTopicList, target: "ns",
			req: binaryHeader(plain(remoting.CodeGetUnitTopicList))},
		{name: "unit-sub topics", code: remoting.CodeGetHasUnitSubTopicList, target: "ns",
			req: plain(remoting.CodeGetHasUnitSubTopicList), norm: normTopicList},
		{name: "unit-sub topics binary header", code: remoting.CodeGetHasUnitSubTopicList, target: "ns",
			req: binaryHeader(plain(remoting.CodeGetHasUnitSubTopicList))},
		{name: "unit-sub non-unit topics", code: remoting.CodeGetHasUnitSubUnUnitTopicList, target: "ns",
			req: plain(remoting.CodeGetHasUnitSubUnUnitTopicList), norm: normTopicList},
		{name: "unit-sub non-unit topics binary header", code: remoting.CodeGetHasUnitSubUnUnitTopicList, target: "ns",
			req: binaryHeader(plain(remoting.CodeGetHasUnitSubUnUnitTopicList))},
		{name: "unregister unit broker", code: remoting.CodeUnregisterBroker, target: "ns",
			req: func(*side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeUnregisterBroker, protocol.UnRegisterBrokerRequestHeader{
					BrokerName: diffUnitBroker, BrokerAddr: diffUnitAddr, ClusterName: diffCluster,
				}, nil)
			}},
		{name: "unit topics after unregister", code: remoting.CodeGetUnitTopicList, target: "ns", req: plain(remoting.CodeGetUnitTopicList)},
		{name: "put kv", code: remoting.CodePutKVConfig, target: "ns",
			req: kv(remoting.CodePutKVConfig, protocol.PutKVConfigRequestHeader{Namespace: diffKVNS, Key: "k1", Value: "v1"})},
		{name: "put kv without extFields", code: remoting.CodePutKVConfig, target: "ns", req: plain(remoting.CodePutKVConfig)},
		{name: "get kv", code: remoting.CodeGetKVConfig, target: "ns",
			req: kv(remoting.CodeGetKVConfig, protocol.GetKVConfigRequestHeader{Namespace: diffKVNS, Key: "k1"})},
		{name: "kv list", code: remoting.CodeGetKVListByNamespace, target: "ns",
			req: func(*side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeGetKVListByNamespace, protocol.GetKVListByNamespaceRequestHeader{Namespace: diffKVNS}, nil)
			}},
		{name: "delete kv", code: remoting.CodeDeleteKVConfig, target: "ns",
			req: kv(remoting.CodeDeleteKVConfig, protocol.DeleteKVConfigRequestHeader{Namespace: diffKVNS, Key: "k1"})},
		{name: "get kv without extFields", code: remoting.CodeGetKVConfig, target: "ns", req: plain(remoting.CodeGetKVConfig)},
		{name: "get kv missing", code: remoting.CodeGetKVConfig, target: "ns",
			req: kv(remoting.CodeGetKVConfig, protocol.GetKVConfigRequestHeader{Namespace: diffKVNS, Key: "k1"})},
		{name: "kv list emptied", code: remoting.CodeGetKVListByNamespace, target: "ns",
			req: func(*side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeGetKVListByNamespace, protocol.GetKVListByNamespaceRequestHeader{Namespace: diffKVNS}, nil)
			}},
		{name: "kv list missing", code: remoting.CodeGetKVListByNamespace, target: "ns",
			req: func(*side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeGetKVListByNamespace, protocol.GetKVListByNamespaceRequestHeader{Namespace: "DIFF_NONE"}, nil)
			}},
		{name: "unregister without brokerId", code: remoting.CodeUnregisterBroker, target: "ns",
			req: edit(unregister(1, diffSlave), func(ext map[string]string) { delete(ext, "brokerId") })},
		{name: "unregister slave", code: remoting.CodeUnregisterBroker, target: "ns", req: unregister(1, diffSlave)},
		{name: "unregister master", code: remoting.CodeUnregisterBroker, target: "ns", req: unregister(0, diffMaster)},
		{name: "route after unregister", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: route(diffNSTopic)},
		{name: "register again", code: remoting.CodeRegisterBroker, target: "ns", req: registerReq(0, diffMaster, protocol.BodyCRC32)},
		{name: "delete topic", code: remoting.CodeDeleteTopicInNamesrv, target: "ns",
			req: func(*side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeDeleteTopicInNamesrv, protocol.DeleteTopicFromNamesrvRequestHeader{Topic: diffNSTopic}, nil)
			}},
		{name: "route after delete", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: route(diffNSTopic)},
		{name: "unregister last", code: remoting.CodeUnregisterBroker, target: "ns", req: unregister(0, diffMaster)},
		{name: "unregister unknown broker", code: remoting.CodeUnregisterBroker, target: "ns", req: unregister(0, "192.0.2.99:10911")},
		{name: "unknown code", code: 9999, target: "ns", req: plain(9999), timeout: 2 * time.Second},
	}
}

// ---- broker ----

func sendHeader(topic string, queue int32, props map[string]string) protocol.SendMessageRequestHeader {
	return protocol.SendMessageRequestHeader{
		ProducerGroup: diffPG, Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queue, BornTimestamp: time.Now().UnixMilli(), Properties: protocol.EncodeProperties(props),
	}
}

func sendReq(code int32, topic string, queue int32, body []byte) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		h := sendHeader(topic, queue, map[string]string{
			protocol.PropertyTags: "TagA", protocol.PropertyKeys: "K1", "UNIQ_KEY": "DIFFUNIQ" + fmt.Sprint(code),
			"WAIT": "true",
		})
		hdr, err := h.HeaderFor(code)
		if err != nil {
			panic(err)
		}
		return protocol.RequestWithHeader(code, hdr, body)
	}
}

func batchReq(topic string, queue int32) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		var msgs []*protocol.Message
		for i := range 2 {
			m := protocol.NewMessage(topic, fmt.Appendf(nil, "batch-%d", i))
			m.SetTags("TagB")
			m.SetUniqKey(fmt.Sprintf("DIFFBATCH%d", i))
			msgs = append(msgs, m)
		}
		body, err := protocol.EncodeBatch(msgs)
		if err != nil {
			panic(err)
		}
		h := sendHeader(topic, queue, map[string]string{"WAIT": "true"})
		h.Batch = true
		return protocol.RequestWithHeader(remoting.CodeSendBatchMessage, h.V2(), body)
	}
}

// rememberOffset keeps the commit-log offset of the message a send stored.
func rememberOffset(key string) func(*testing.T, *side, *remoting.Command) {
	return func(t *testing.T, s *side, resp *remoting.Command) {
		if resp.Code != remoting.Success {
			return
		}
		_, off, err := protocol.DecodeOffsetMsgID(strings.Split(resp.Ext("msgId"), ",")[0])
		if err != nil {
			t.Errorf("%s: msgId %q: %v", s.name, resp.Ext("msgId"), err)
			return
		}
		s.vars[key] = off
	}
}

func pullReq(queue int32, offset int64) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
			ConsumerGroup: diffCG, Topic: diffTopic, QueueID: queue, QueueOffset: offset, MaxMsgNums: 32,
			SysFlag: protocol.PullSysFlagSubscription, Subscription: "*", ExpressionType: protocol.ExpressionTypeTag,
		}, nil)
	}
}

// found settles a route request once the name server knows the topic, and a pull once the
// broker has dispatched the messages to their consume queue.
func found(c *remoting.Command) bool { return c.Code == remoting.Success }

// foundAll settles a pull once the queue holds n messages: found alone settles as soon as the
// first is dispatched, and Java's store dispatches the last ones a moment after their sends
// were answered.
func foundAll(n int) func(*remoting.Command) bool {
	return func(c *remoting.Command) bool { return found(c) && c.Ext("maxOffset") == strconv.Itoa(n) }
}

// dispatched settles a max-offset request once the message sent before it is in its consume
// queue: Java's store dispatches from the commit log a moment after the send is answered.
func dispatched(c *remoting.Command) bool { return c.Ext("offset") != "0" }

func brokerCases() []diffCase {
	on := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	createTopic := func(topic string) func(*side) *remoting.Command {
		return on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
			Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 4, WriteQueueNums: 4,
			Perm: 6, TopicFilterType: protocol.SingleTag,
		})
	}
	heartbeatOf := func(producerGroups ...string) *remoting.Command {
		hb := &protocol.HeartbeatData{
			ClientID: diffClientID,
			ConsumerDataSet: []protocol.ConsumerData{{
				GroupName: diffCG, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
				ConsumeFromWhere: protocol.ConsumeFromLastOffset,
				SubscriptionDataSet: []protocol.SubscriptionData{{
					Topic: diffTopic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag,
				}},
			}},
		}
		for _, g := range producerGroups {
			hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
		}
		return remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
	}
	heartbeat := func(*side) *remoting.Command { return heartbeatOf(diffPG) }
	// The same client heartbeats over a second connection, which later closes.
	secondHeartbeat := func(t *testing.T, ctx context.Context, s *side) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		resp, err := s.second.Invoke(ctx, s.brokers[brokerA], heartbeatOf(diffPG, diffPGClosed))
		if err != nil || resp.Code != remoting.Success {
			t.Errorf("%s: heartbeat over the second connection: %v %v", s.name, err, resp)
		}
	}
	closeSecond := func(_ *testing.T, _ context.Context, s *side) { s.second.CloseConn(s.brokers[brokerA]) }
	producerConns := func(group string) func(*side) *remoting.Command {
		return on(remoting.CodeGetProducerConnectionList, protocol.GetProducerConnectionListRequestHeader{ProducerGroup: group})
	}
	consumerConns := func(group string) func(*side) *remoting.Command {
		return on(remoting.CodeGetConsumerConnectionList, protocol.GetConsumerConnectionListRequestHeader{ConsumerGroup: group})
	}
	// listing settles a connection list once the broker has seen the second connection close.
	listing := func(n int) func(*remoting.Command) bool {
		return func(c *remoting.Command) bool {
			return c.Code == remoting.Success && strings.Count(string(c.Body), `"clientId"`) == n
		}
	}
	maxOffset := func(topic string, queue int32) func(*side) *remoting.Command {
		return on(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: topic, QueueID: queue})
	}
	deleteTopic := func(topic string) func(*side) *remoting.Command {
		return on(remoting.CodeDeleteTopicInBroker, protocol.DeleteTopicRequestHeader{Topic: topic})
	}
	big := make([]byte, 4<<20+1)
	return []diffCase{
		{name: "create topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA, req: createTopic(diffTopic)},
		{name: "create system topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA, req: createTopic("TBW102")},
		{name: "create bad filter type", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: edit(createTopic("DiffBadFilter"), func(ext map[string]string) { ext["topicFilterType"] = "XX" })},
		{name: "create bad name", code: remoting.CodeUpdateAndCreateTopic, target: brokerA, req: createTopic("bad topic!")},
		{name: "create topic without perm", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: edit(createTopic("DiffNoPerm"), func(ext map[string]string) { delete(ext, "perm") })},
		{name: "heartbeat", code: remoting.CodeHeartBeat, target: brokerA, req: heartbeat},
		{name: "heartbeat without body", code: remoting.CodeHeartBeat, target: brokerA,
			req: func(*side) *remoting.Command { return remoting.NewRequest(remoting.CodeHeartBeat, nil, nil) }},
		{name: "consumer list", code: remoting.CodeGetConsumerListByGroup, target: brokerA,
			req: on(remoting.CodeGetConsumerListByGroup, protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: diffCG})},
		{name: "consumer list unknown group", code: remoting.CodeGetConsumerListByGroup, target: brokerA,
			req: on(remoting.CodeGetConsumerListByGroup, protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: "diff-none"})},
		// mqadmin producerConnection / consumerConnection: the connection that heartbeated, by
		// client id, address, language and version; the consumer group's subscriptions and
		// consume settings.
		{name: "producer connections", code: remoting.CodeGetProducerConnectionList, target: brokerA, req: producerConns(diffPG)},
		{name: "consumer connections", code: remoting.CodeGetConsumerConnectionList, target: brokerA, req: consumerConns(diffCG)},
		{name: "producer connections unknown group", code: remoting.CodeGetProducerConnectionList, target: brokerA,
			req: producerConns("diff-none")},
		{name: "consumer connections unknown group", code: remoting.CodeGetConsumerConnectionList, target: brokerA,
			req: consumerConns("diff-none")},
		{name: "producer connections of a consumer group", code: remoting.CodeGetProducerConnectionList, target: brokerA,
			req: producerConns(diffCG)},
		{name: "producer connections without group", code: remoting.CodeGetProducerConnectionList, target: brokerA,
			req: edit(producerConns(diffPG), func(ext map[string]string) { delete(ext, "producerGroup") })},
		{name: "consumer connections without group", code: remoting.CodeGetConsumerConnectionList, target: brokerA,
			req: edit(consumerConns(diffCG), func(ext map[string]string) { delete(ext, "consumerGroup") })},
		// Both connections of one client id are listed (the same after normalising addresses,
		// so Java's arbitrary order does not matter).
		{name: "producer connections of two connections", code: remoting.CodeGetProducerConnectionList, target: brokerA,
			before: secondHeartbeat, req: producerConns(diffPG)},
		{name: "consumer connections of two connections", code: remoting.CodeGetConsumerConnectionList, target: brokerA,
			req: consumerConns(diffCG)},
		// A closed connection leaves its groups; a producer group it was alone in stays, empty.
		{name: "producer connections after a connection closed", code: remoting.CodeGetProducerConnectionList, target: brokerA,
			before: closeSecond, settled: listing(1), req: producerConns(diffPG)},
		{name: "producer connections of a group whose connection closed", code: remoting.CodeGetProducerConnectionList,
			target: brokerA, settled: listing(0), req: producerConns(diffPGClosed)},
		{name: "consumer connections after a connection closed", code: remoting.CodeGetConsumerConnectionList, target: brokerA,
			settled: listing(1), req: consumerConns(diffCG)},
		{name: "send v1", code: remoting.CodeSendMessage, target: brokerA, req: sendReq(remoting.CodeSendMessage, diffTopic, 0, []byte("v1")),
			norm: normMsgID, after: rememberOffset("v1")},
		{name: "send v2", code: remoting.CodeSendMessageV2, target: brokerA, req: sendReq(remoting.CodeSendMessageV2, diffTopic, 1, []byte("v2")),
			norm: normMsgID},
		{name: "send batch", code: remoting.CodeSendBatchMessage, target: brokerA, req: batchReq(diffTopic, 2), norm: normMsgID},
		{name: "send v1 binary header", code: remoting.CodeSendMessage, target: brokerA,
			req: binaryHeader(sendReq(remoting.CodeSendMessage, diffTopic, 3, []byte("bin"))), norm: normMsgID},
		{name: "send unparsable number", code: remoting.CodeSendMessageV2, target: brokerA,
			req: edit(sendReq(remoting.CodeSendMessageV2, diffTopic, 0, []byte("x")), func(ext map[string]string) { ext["d"] = "zz" })},
		{name: "send without topic", code: remoting.CodeSendMessageV2, target: brokerA,
			req: edit(sendReq(remoting.CodeSendMessageV2, diffTopic, 0, []byte("x")), func(ext map[string]string) { delete(ext, "b") })},
		{name: "send illegal topic", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, "bad topic!", 0, []byte("x")), norm: normMsgID},
		{name: "send v2 with batch flag", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: func(s *side) *remoting.Command {
				c := batchReq(diffTopic, 3)(s)
				c.Code = remoting.CodeSendMessageV2
				return c
			}},
		{name: "send batch code without batch flag", code: remoting.CodeSendBatchMessage, target: brokerA, norm: normMsgID,
			req: func(s *side) *remoting.Command {
				c := sendReq(remoting.CodeSendMessageV2, diffTopic, 3, []byte("single"))(s)
				c.Code = remoting.CodeSendBatchMessage
				return c
			}},
		{name: "send to TBW102", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, protocol.AutoCreateTopicKey, 0, []byte("x")), norm: normMsgID},
		{name: "send properties too long", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: func(*side) *remoting.Command {
				h := sendHeader(diffTopic, 0, map[string]string{"BIG": strings.Repeat("p", 32760)})
				return protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("x"))
			}},
		{name: "send bad queue id", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffTopic, 9, []byte("x")), norm: normMsgID},
		{name: "send auto-create", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffAutoTopic, 0, []byte("auto")), norm: normMsgID},
		{name: "send missing topic without auto-create", code: remoting.CodeSendMessageV2, target: brokerNoAuto,
			req: sendReq(remoting.CodeSendMessageV2, diffAutoTopic+"B", 0, []byte("x")), norm: normMsgID},
		{name: "send system topic", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, "SCHEDULE_TOPIC_XXXX", 0, []byte("x")), norm: normMsgID},
		{name: "send too big", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffTopic, 3, big), norm: normMsgID},
		{name: "max offset", code: remoting.CodeGetMaxOffset, target: brokerA, settled: dispatched, req: maxOffset(diffTopic, 0)},
		{name: "min offset", code: remoting.CodeGetMinOffset, target: brokerA, req: on(remoting.CodeGetMinOffset, protocol.GetMinOffsetRequestHeader{Topic: diffTopic, QueueID: 0})},
		{name: "max offset unknown topic", code: remoting.CodeGetMaxOffset, target: brokerA,
			req: maxOffset("DiffNone", 0)},
		{name: "search offset", code: remoting.CodeSearchOffsetByTimestamp, target: brokerA,
			req: on(remoting.CodeSearchOffsetByTimestamp, protocol.SearchOffsetRequestHeader{Topic: diffTopic, QueueID: 2, Timestamp: 0})},
		{name: "pull found", code: remoting.CodePullMessage, target: brokerA, settled: found, req: pullReq(0, 0), norm: normStored},
		// Java appends the batch header's properties (CLUSTER added) to each inner message's
		// property string as they are, so WAIT, set by both, is stored twice; so does the fake.
		{name: "pull found batch", code: remoting.CodePullMessage, target: brokerA, settled: found, req: pullReq(2, 0), norm: normStored},
		{name: "pull no new msg", code: remoting.CodePullMessage, target: brokerA, req: pullReq(0, 1)},
		{name: "pull offset overflow", code: remoting.CodePullMessage, target: brokerA, req: pullReq(0, 5)},
		{name: "pull empty queue", code: remoting.CodePullMessage, target: brokerA, req: pullReq(1, 5)},
		{name: "pull missing topic", code: remoting.CodePullMessage, target: brokerA,
			req: edit(pullReq(0, 0), func(ext map[string]string) { ext["topic"] = "DiffNoSuchTopic" })},
		{name: "pull newer subscription", code: remoting.CodePullMessage, target: brokerA,
			req: edit(pullReq(0, 0), func(ext map[string]string) { ext["sysFlag"] = "0"; ext["subVersion"] = "5" })},
		{name: "pull with heartbeat subscription", code: remoting.CodePullMessage, target: brokerA, norm: normStored,
			req: edit(pullReq(0, 0), func(ext map[string]string) { ext["sysFlag"] = "0" })},
		{name: "pull SQL92 filter", code: remoting.CodePullMessage, target: brokerA,
			req: edit(pullReq(0, 0), func(ext map[string]string) { ext["subscription"] = "a > 1"; ext["expressionType"] = "SQL92" })},
		{name: "pull bad queue id", code: remoting.CodePullMessage, target: brokerA, req: pullReq(9, 0)},
		{name: "pull group without heartbeat", code: remoting.CodePullMessage, target: brokerA,
			req: edit(pullReq(0, 0), func(ext map[string]string) { ext["consumerGroup"] = "diff-nohb"; ext["sysFlag"] = "0" })},
		{name: "query offset new group", code: remoting.CodeQueryConsumerOffset, target: brokerA,
			req: on(remoting.CodeQueryConsumerOffset, protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: diffCG, Topic: diffTopic, QueueID: 0})},
		{name: "query offset without queueId", code: remoting.CodeQueryConsumerOffset, target: brokerA,
			req: edit(on(remoting.CodeQueryConsumerOffset, protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: diffCG, Topic: diffTopic}),
				func(ext map[string]string) { delete(ext, "queueId") })},
		{name: "update offset", code: remoting.CodeUpdateConsumerOffset, target: brokerA,
			req: on(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
				ConsumerGroup: diffCG, Topic: diffTopic, QueueID: 0, CommitOffset: 1})},
		{name: "query offset", code: remoting.CodeQueryConsumerOffset, target: brokerA,
			req: on(remoting.CodeQueryConsumerOffset, protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: diffCG, Topic: diffTopic, QueueID: 0})},
		{name: "view message", code: remoting.CodeViewMessageByID, target: brokerA,
			req: func(s *side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeViewMessageByID, protocol.ViewMessageRequestHeader{Offset: s.vars["v1"]}, nil)
			}, norm: normStored},
		{name: "send back", code: remoting.CodeConsumerSendMsgBack, target: brokerA,
			req: func(s *side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
					Offset: s.vars["v1"], Group: diffCG, DelayLevel: 0, OriginTopic: diffTopic,
				}, nil)
			}},
		{name: "unregister client", code: remoting.CodeUnregisterClient, target: brokerA,
			req: on(remoting.CodeUnregisterClient, protocol.UnregisterClientRequestHeader{
				ClientID: diffClientID, ProducerGroup: diffPG, ConsumerGroup: diffCG})},
		{name: "consumer list after unregister", code: remoting.CodeGetConsumerListByGroup, target: brokerA,
			req: on(remoting.CodeGetConsumerListByGroup, protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: diffCG})},
		{name: "producer connections after unregister", code: remoting.CodeGetProducerConnectionList, target: brokerA,
			req: producerConns(diffPG)},
		{name: "consumer connections after unregister", code: remoting.CodeGetConsumerConnectionList, target: brokerA,
			req: consumerConns(diffCG)},
		{name: "send back to DLQ", code: remoting.CodeConsumerSendMsgBack, target: brokerA,
			req: func(s *side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
					Offset: s.vars["v1"], Group: diffCG, DelayLevel: -1, OriginTopic: diffTopic,
				}, nil)
			}},
		{name: "send back bad offset", code: remoting.CodeConsumerSendMsgBack, target: brokerA,
			req: func(s *side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
					Offset: 1 << 40, Group: diffCG, DelayLevel: 0, OriginTopic: diffTopic,
				}, nil)
			}},
		{name: "max offset of DLQ", code: remoting.CodeGetMaxOffset, target: brokerA, settled: dispatched, req: maxOffset("%DLQ%"+diffCG, 0)},
		{name: "max offset of retry topic", code: remoting.CodeGetMaxOffset, target: brokerA, req: maxOffset("%RETRY%"+diffCG, 0)},
		{name: "max offset of delay level 3", code: remoting.CodeGetMaxOffset, target: brokerA, settled: dispatched, req: maxOffset("SCHEDULE_TOPIC_XXXX", 2)},
		{name: "send delayed", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: func(*side) *remoting.Command {
				h := sendHeader(diffTopic, 1, map[string]string{"DELAY": "2", "UNIQ_KEY": "DIFFDELAY", "WAIT": "true"})
				return protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("later"))
			}},
		{name: "max offset of delay level 2", code: remoting.CodeGetMaxOffset, target: brokerA, settled: dispatched, req: maxOffset("SCHEDULE_TOPIC_XXXX", 1)},
		{name: "send batch missing topic without auto-create", code: remoting.CodeSendBatchMessage, target: brokerNoAuto,
			req: batchReq(diffAutoTopic+"C", 0), norm: normMsgID},
		{name: "search offset future", code: remoting.CodeSearchOffsetByTimestamp, target: brokerA,
			req: on(remoting.CodeSearchOffsetByTimestamp, protocol.SearchOffsetRequestHeader{Topic: diffTopic, QueueID: 2, Timestamp: 1 << 50})},
		{name: "query offset unknown topic", code: remoting.CodeQueryConsumerOffset, target: brokerA,
			req: on(remoting.CodeQueryConsumerOffset, protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: diffCG, Topic: "DiffNone", QueueID: 0})},
		{name: "view bad offset", code: remoting.CodeViewMessageByID, target: brokerA,
			req: on(remoting.CodeViewMessageByID, protocol.ViewMessageRequestHeader{Offset: 1 << 40})},
		{name: "create read-only topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
				Topic: "DiffReadOnly", DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 2, WriteQueueNums: 3,
				Perm: 4, TopicFilterType: protocol.SingleTag,
			})},
		{name: "send to read-only topic", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, "DiffReadOnly", 2, []byte("ro")), norm: normMsgID},
		// What the brokers told their name server along the way (auto-creation and the
		// retry topic travel in oneway registrations).
		{name: "route of created topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq(diffTopic)},
		{name: "route of read-only topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq("DiffReadOnly")},
		{name: "route of auto-created topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", settled: found, req: routeReq(diffAutoTopic)},
		{name: "route of retry topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", settled: found, req: routeReq("%RETRY%" + diffCG)},
		{name: "route of DLQ topic", code: remoting.CodeGetRouteInfoByTopic, target: "ns", settled: found, req: routeReq("%DLQ%" + diffCG)},
		{name: "all topics at the end", code: remoting.CodeGetAllTopicListFromNameServer, target: "ns", norm: normTopicList,
			settled: func(c *remoting.Command) bool {
				return strings.Contains(string(c.Body), diffAutoTopic) && strings.Contains(string(c.Body), "%DLQ%")
			},
			req: func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeGetAllTopicListFromNameServer, nil, nil)
			}},
		{name: "get all topic config", code: remoting.CodeGetAllTopicConfig, target: brokerA,
			req:  func(*side) *remoting.Command { return remoting.NewRequest(remoting.CodeGetAllTopicConfig, nil, nil) },
			norm: normTopicConfigTable},
		// mqadmin deleteTopic's first half: the broker forgets the topic and its consume queues
		// but does not register, so the name server still routes it.
		{name: "delete topic in broker", code: remoting.CodeDeleteTopicInBroker, target: brokerA, req: deleteTopic(diffTopic)},
		{name: "route after delete in broker", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq(diffTopic)},
		{name: "max offset of deleted topic", code: remoting.CodeGetMaxOffset, target: brokerA, req: maxOffset(diffTopic, 0)},
		{name: "pull deleted topic", code: remoting.CodePullMessage, target: brokerA, req: pullReq(0, 0)},
		{name: "max offset of a delay level after delete", code: remoting.CodeGetMaxOffset, target: brokerA,
			req: maxOffset("SCHEDULE_TOPIC_XXXX", 1)},
		{name: "delete unknown topic", code: remoting.CodeDeleteTopicInBroker, target: brokerA, req: deleteTopic("DiffNone")},
		{name: "delete system topic", code: remoting.CodeDeleteTopicInBroker, target: brokerA, req: deleteTopic("SCHEDULE_TOPIC_XXXX")},
		{name: "delete the cluster's topic", code: remoting.CodeDeleteTopicInBroker, target: brokerA, req: deleteTopic("DefaultCluster")},
		{name: "delete bad name", code: remoting.CodeDeleteTopicInBroker, target: brokerA, req: deleteTopic("bad topic!")},
		{name: "delete light message queue", code: remoting.CodeDeleteTopicInBroker, target: brokerA, req: deleteTopic("%LMQ%diff")},
		{name: "delete without extFields", code: remoting.CodeDeleteTopicInBroker, target: brokerA,
			req: func(*side) *remoting.Command { return remoting.NewRequest(remoting.CodeDeleteTopicInBroker, nil, nil) }},
		{name: "unknown code", code: 9999, target: brokerA,
			req: func(*side) *remoting.Command { return remoting.NewRequest(9999, nil, nil) }},
		{name: "unknown code binary header", code: 9999, target: brokerA,
			// Java's AdminBrokerProcessor answers through the processor callback, which keeps
			// the request's serialize type; so does the fake's default handler.
			req: binaryHeader(func(*side) *remoting.Command { return remoting.NewRequest(9999, nil, nil) })},
		{name: "unregister client nothing", code: remoting.CodeUnregisterClient, target: brokerA,
			req: func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeUnregisterClient, map[string]string{}, nil)
			}},
		// mqadmin getBrokerConfig and updateBrokerConfig. The version counts the updates that
		// parsed (an empty body and an unparsable one do not), whatever they changed.
		{name: "get broker config", code: remoting.CodeGetBrokerConfig, target: brokerA, req: getBrokerConfig, norm: normBrokerConfig},
		{name: "update broker config", code: remoting.CodeUpdateBrokerConfig, target: brokerA,
			req: updateBrokerConfig("defaultQueryMaxNum=33\nrocketsimNoSuchSetting=1\n")},
		{name: "update values that do not parse", code: remoting.CodeUpdateBrokerConfig, target: brokerA,
			req: updateBrokerConfig("defaultQueryMaxNum=many\ndiskFallRecorded=yes\nflushDiskType=sync\n")},
		{name: "update setter named after another field", code: remoting.CodeUpdateBrokerConfig, target: brokerA,
			req: updateBrokerConfig("enableBatchPush=true\nhaMasterAddress=192.0.2.1:10912")},
		{name: "update without body", code: remoting.CodeUpdateBrokerConfig, target: brokerA, req: updateBrokerConfig("")},
		{name: "update comments only", code: remoting.CodeUpdateBrokerConfig, target: brokerA, req: updateBrokerConfig("# nothing\n")},
		{name: "update malformed escape", code: remoting.CodeUpdateBrokerConfig, target: brokerA,
			req: updateBrokerConfig(`defaultQueryMaxNum=1\nx=\u12`)},
		{name: "get broker config after updates", code: remoting.CodeGetBrokerConfig, target: brokerA, req: getBrokerConfig, norm: normBrokerConfig},
		// mqadmin updateBrokerConfig -k brokerPermission -v 4: the broker registers before it
		// answers, so the route shows it read-only at once.
		{name: "update brokerPermission read-only", code: remoting.CodeUpdateBrokerConfig, target: brokerA,
			req: updateBrokerConfig("brokerPermission=4")},
		{name: "route of a read-only broker", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq(diffAutoTopic)},
		{name: "send to a read-only broker", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffAutoTopic, 0, []byte("ro")), norm: normMsgID},
		{name: "update back", code: remoting.CodeUpdateBrokerConfig, target: brokerA,
			req: updateBrokerConfig("brokerPermission=6\ndefaultQueryMaxNum=32\ndiskFallRecorded=true\nenableBatchPush=false\n")},
		{name: "route of a writable broker again", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq(diffAutoTopic)},
		{name: "get broker config at the end", code: remoting.CodeGetBrokerConfig, target: brokerA, req: getBrokerConfig, norm: normBrokerConfig},
	}
}

func getBrokerConfig(*side) *remoting.Command {
	return remoting.NewRequest(remoting.CodeGetBrokerConfig, nil, nil)
}

// updateBrokerConfig sends body as it is ("" for none), as mqadmin's properties2String text.
func updateBrokerConfig(body string) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return remoting.NewRequest(remoting.CodeUpdateBrokerConfig, nil, b)
	}
}

// topicsByCluster is GET_TOPICS_BY_CLUSTER as mqadmin sends it.
func topicsByCluster(cluster string) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodeGetTopicsByCluster, protocol.GetTopicsByClusterRequestHeader{Cluster: cluster}, nil)
	}
}
