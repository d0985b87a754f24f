package realrmq

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// What mqadmin reads and changes beyond the earlier groups: the name server's own configuration
// (318, 319) and the write permission it hands out (205, 327), a topic's groups (300), cleaning
// consume queues (306), the broker's runtime info (28), a topic's queue stats (202) and a group's consume
// stats (208) and every group's (317), every producer (328), a queue's consume-queue entries (321),
// cleaning unused topics (316) and expired commit-log files (329). They run last: the name-server
// updates are put back at the end.

const (
	diffStatsTopic  = "DiffStatsTopic"
	diffStatsCG     = "diff-stats-cg"
	diffUnusedTopic = "DiffUnusedTopic"
	diffAdminPG     = "diff-admin-pg" // the harness's client as a producer, for mqadmin producer
	diffAdminCG     = "diff-admin-cg" // and as a consumer of the stats topic's TagA, for queryCq
)

// adminHeartbeat is the harness's client heartbeating as a producer of diffAdminPG and a
// consumer of diffStatsTopic's TagA in diffAdminCG.
func adminHeartbeat(*side) *remoting.Command {
	hb := &protocol.HeartbeatData{
		ClientID:        "127.0.0.1@diffadmin",
		ProducerDataSet: []protocol.ProducerData{{GroupName: diffAdminPG}},
		ConsumerDataSet: []protocol.ConsumerData{{
			GroupName: diffAdminCG, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
			ConsumeFromWhere: protocol.ConsumeFromLastOffset,
			SubscriptionDataSet: []protocol.SubscriptionData{{
				Topic: diffStatsTopic, SubString: "TagA", TagsSet: []string{"TagA"}, CodeSet: []int32{2598919}, // "TagA".hashCode()
				SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag,
			}},
		}},
	}
	return remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
}

// queryCq is QUERY_CONSUME_QUEUE as mqadmin queryCq sends it (group "": without -g).
func queryCq(topic string, queue int32, index int64, count int32, group string) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodeQueryConsumeQueue, protocol.QueryConsumeQueueRequestHeader{
			Topic: topic, QueueID: queue, Index: index, Count: count, ConsumerGroup: group}, nil)
	}
}

func maxOffsetReq(topic string, queue int32) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: topic, QueueID: queue}, nil)
	}
}

var physicOffset = regexp.MustCompile(`"physicOffset":\d+`)

// normConsumeQueue masks the entries' commit-log offsets, which depend on everything each
// broker stored before (the sizes and tags codes are compared).
func normConsumeQueue(_ *side, a *answer) {
	a.Body = physicOffset.ReplaceAllString(a.Body, `"physicOffset":<clo>`)
}

// normProducerTable keeps the diff- producer groups of a ProducerTableInfo, in the body's order
// (a HashMap's), each connection with its last heartbeat's time masked; other tests' clients
// of the shared cluster may be listed too.
func normProducerTable(s *side, a *answer) {
	if a.Body == "" {
		return
	}
	table, err := protocol.DecodeProducerTableInfo([]byte(a.Body))
	if err != nil {
		a.Body = "undecodable: " + err.Error()
		return
	}
	var groups []string
	for g := range table.Data {
		if strings.HasPrefix(g, "diff-") {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(x, y string) int {
		return strings.Index(a.Body, `"`+x+`":[`) - strings.Index(a.Body, `"`+y+`":[`)
	})
	var sb strings.Builder
	for _, g := range groups {
		fmt.Fprintf(&sb, "%s:", g)
		for _, p := range table.Data[g] {
			ts := "0"
			if p.LastUpdateTimestamp != 0 {
				ts = "<ts>"
			}
			fmt.Fprintf(&sb, " [clientId=%s remoteIP=%s language=%s version=%d lastUpdateTimestamp=%s]",
				p.ClientID, s.addrs(p.RemoteIP), p.Language, p.Version, ts)
		}
		sb.WriteString("\n")
	}
	a.Body = "diff- groups in order:\n" + sb.String()
}

func adminCases() []diffCase {
	on := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	body := func(code int32, text string) func(*side) *remoting.Command {
		return func(*side) *remoting.Command {
			var b []byte
			if text != "" {
				b = []byte(text)
			}
			return remoting.NewRequest(code, nil, b)
		}
	}
	getNamesrvConfig := body(remoting.CodeGetNamesrvConfig, "")
	topicStats := func(topic string) func(*side) *remoting.Command {
		return on(remoting.CodeGetTopicStatsInfo, protocol.GetTopicStatsInfoRequestHeader{Topic: topic})
	}
	viewStats := func(name, key string) func(*side) *remoting.Command {
		return on(remoting.CodeViewBrokerStatsData, protocol.ViewBrokerStatsDataRequestHeader{StatsName: name, StatsKey: key})
	}
	consumeStats := func(group, topic string) func(*side) *remoting.Command {
		return on(remoting.CodeGetConsumeStats, protocol.GetConsumeStatsRequestHeader{ConsumerGroup: group, Topic: topic})
	}
	return []diffCase{
		// mqadmin getNamesrvConfig and updateNamesrvConfig.
		{name: "get namesrv config", code: remoting.CodeGetNamesrvConfig, target: "ns", req: getNamesrvConfig, norm: normNamesrvConfig},
		{name: "update namesrv config", code: remoting.CodeUpdateNamesrvConfig, target: "ns",
			req: body(remoting.CodeUpdateNamesrvConfig, "serverWorkerThreads=+9\nclusterTest=TRUE\nproductEnvName=diff\nrocketsimNoSuchKey=1\nserverSelectorThreads=x\n")},
		{name: "update namesrv config path", code: remoting.CodeUpdateNamesrvConfig, target: "ns",
			req: body(remoting.CodeUpdateNamesrvConfig, "kvConfigPath=/nowhere\nserverWorkerThreads=2\n")},
		{name: "update namesrv config malformed escape", code: remoting.CodeUpdateNamesrvConfig, target: "ns",
			req: body(remoting.CodeUpdateNamesrvConfig, `productEnvName=\u12`)},
		{name: "update namesrv config without body", code: remoting.CodeUpdateNamesrvConfig, target: "ns",
			req: body(remoting.CodeUpdateNamesrvConfig, "")},
		{name: "get namesrv config after updates", code: remoting.CodeGetNamesrvConfig, target: "ns", req: getNamesrvConfig, norm: normNamesrvConfig},
		{name: "update namesrv config back", code: remoting.CodeUpdateNamesrvConfig, target: "ns",
			req: body(remoting.CodeUpdateNamesrvConfig, "serverWorkerThreads=8\nclusterTest=false\nproductEnvName=center\n")},

		// A topic of four queues, two messages in queue 0 and one in queue 2, and a group that
		// committed offset 1 on queue 0: mqadmin topicStatus, consumerProgress.
		{name: "stats topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
				Topic: diffStatsTopic, DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 4, WriteQueueNums: 4,
				Perm: 6, TopicFilterType: protocol.SingleTag})},
		{name: "stats send 1", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffStatsTopic, 0, []byte("s1")), norm: normMsgID},
		{name: "stats send 2", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffStatsTopic, 0, []byte("s2")), norm: normMsgID},
		{name: "stats send 3", code: remoting.CodeSendMessageV2, target: brokerA,
			req: sendReq(remoting.CodeSendMessageV2, diffStatsTopic, 2, []byte("s3")), norm: normMsgID},
		{name: "stats commit offset", code: remoting.CodeUpdateConsumerOffset, target: brokerA,
			req: on(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
				ConsumerGroup: diffStatsCG, Topic: diffStatsTopic, QueueID: 0, CommitOffset: 1})},
		{name: "topic stats", code: remoting.CodeGetTopicStatsInfo, target: brokerA, req: topicStats(diffStatsTopic),
			norm: normTimestamps, settled: bodyHas(`"queueId":2,"topic":"DiffStatsTopic"}:{"lastUpdateTimestamp":<`)},
		// mqadmin statsAll: the broker's sampled statistics, once a 10 s sample has counted the
		// three sends (rates masked: they depend on when the broker began sampling).
		{name: "view stats: topic puts", code: remoting.CodeViewBrokerStatsData, target: brokerA,
			req: viewStats(protocol.StatsTopicPutNums, diffStatsTopic), norm: normStatsRates,
			settled: bodyHas(`"statsMinute":{"avgpt":1.0,"sum":3,`), settleWithin: 15 * time.Second},
		{name: "view stats: topic put bytes", code: remoting.CodeViewBrokerStatsData, target: brokerA,
			req: viewStats(protocol.StatsTopicPutSize, diffStatsTopic), norm: normStatsRates},
		{name: "view stats: a topic without sends", code: remoting.CodeViewBrokerStatsData, target: brokerA,
			req: viewStats(protocol.StatsTopicPutNums, "DiffNoSuchTopic")},
		{name: "view stats: an unknown statistic", code: remoting.CodeViewBrokerStatsData, target: brokerA,
			req: viewStats("DIFF_NO_SUCH_STATS", diffStatsTopic)},
		{name: "view stats without header", code: remoting.CodeViewBrokerStatsData, target: brokerA,
			req: body(remoting.CodeViewBrokerStatsData, "")},
		{name: "topic stats of a topic the broker does not hold", code: remoting.CodeGetTopicStatsInfo, target: brokerA,
			req: topicStats("DiffNoSuchTopic")},
		{name: "topic stats without topic", code: remoting.CodeGetTopicStatsInfo, target: brokerA,
			req: body(remoting.CodeGetTopicStatsInfo, "")},
		{name: "consume stats", code: remoting.CodeGetConsumeStats, target: brokerA, req: consumeStats(diffStatsCG, diffStatsTopic),
			norm: normTimestamps},
		{name: "consume stats without topic", code: remoting.CodeGetConsumeStats, target: brokerA, req: consumeStats(diffStatsCG, ""),
			norm: normTimestamps},
		{name: "consume stats of a group without offsets", code: remoting.CodeGetConsumeStats, target: brokerA,
			req: consumeStats("diff-no-such-cg", diffStatsTopic)},
		{name: "consume stats of a group without offsets, no topic", code: remoting.CodeGetConsumeStats, target: brokerA,
			req: consumeStats("diff-no-such-cg", "")},
		{name: "consume stats of a topic the broker does not hold", code: remoting.CodeGetConsumeStats, target: brokerA,
			req: consumeStats(diffStatsCG, "DiffNoSuchTopic")},
		{name: "consume stats without group", code: remoting.CodeGetConsumeStats, target: brokerA,
			req: body(remoting.CodeGetConsumeStats, "")},
		{name: "consume stats without group, with topic", code: remoting.CodeGetConsumeStats, target: brokerA,
			req: func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeGetConsumeStats, map[string]string{"topic": diffStatsTopic}, nil)
			}},
		{name: "consume stats without group, unknown topic", code: remoting.CodeGetConsumeStats, target: brokerA,
			req: func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeGetConsumeStats, map[string]string{"topic": "DiffNoSuchTopic"}, nil)
			}},

		// mqadmin brokerConsumeStats: every subscription group, each with the topics it has
		// offsets on (the stats group's on the stats topic), and the total diff.
		{name: "broker consume stats", code: remoting.CodeGetBrokerConsumeStats, target: brokerA,
			req: on(remoting.CodeGetBrokerConsumeStats, protocol.GetConsumeStatsInBrokerHeader{}), norm: normBrokerConsumeStats},
		{name: "broker consume stats, ordered topics only", code: remoting.CodeGetBrokerConsumeStats, target: brokerA,
			req: on(remoting.CodeGetBrokerConsumeStats, protocol.GetConsumeStatsInBrokerHeader{IsOrder: true}), norm: normBrokerConsumeStats},
		{name: "broker consume stats without header", code: remoting.CodeGetBrokerConsumeStats, target: brokerA,
			req: body(remoting.CodeGetBrokerConsumeStats, ""), norm: normBrokerConsumeStats},

		// mqadmin wipeWritePerm and addWritePerm: the name server's queue data of the broker, until
		// its next registration.
		{name: "wipe write perm", code: remoting.CodeWipeWritePermOfBroker, target: "ns",
			req: on(remoting.CodeWipeWritePermOfBroker, protocol.WritePermOfBrokerRequestHeader{BrokerName: brokerA})},
		{name: "route after wipe", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq(diffStatsTopic)},
		{name: "add write perm", code: remoting.CodeAddWritePermOfBroker, target: "ns",
			req: on(remoting.CodeAddWritePermOfBroker, protocol.WritePermOfBrokerRequestHeader{BrokerName: brokerA})},
		{name: "route after add", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq(diffStatsTopic)},
		{name: "wipe write perm of an unknown broker", code: remoting.CodeWipeWritePermOfBroker, target: "ns",
			req: on(remoting.CodeWipeWritePermOfBroker, protocol.WritePermOfBrokerRequestHeader{BrokerName: "diff-nobody"})},
		{name: "add write perm without broker", code: remoting.CodeAddWritePermOfBroker, target: "ns",
			req: body(remoting.CodeAddWritePermOfBroker, "")},

		// mqadmin queryMsgByKey and queryMsgByUniqueKey: the stats topic's three messages carry
		// KEYS K1 and UNIQ_KEY DIFFUNIQ310 (sendReq).
		{name: "query by key", code: remoting.CodeQueryMessage, target: brokerA, req: queryMessage("K1", 32, false),
			norm: normQueryMessage, settled: func(c *remoting.Command) bool { return c.Code == remoting.Success }},
		{name: "query by key, one", code: remoting.CodeQueryMessage, target: brokerA, req: queryMessage("K1", 1, false), norm: normQueryMessage},
		{name: "query by unique key", code: remoting.CodeQueryMessage, target: brokerA, req: queryMessage("DIFFUNIQ310", 1, true),
			norm: normQueryMessage},
		{name: "query by an unknown key", code: remoting.CodeQueryMessage, target: brokerA, req: queryMessage("DiffNoSuchKey", 32, false),
			norm: normQueryMessage},

		// The groups of a topic, which mqadmin's message queries ask for.
		{name: "who consumes", code: remoting.CodeQueryTopicConsumeByWho, target: brokerA,
			req: on(remoting.CodeQueryTopicConsumeByWho, protocol.QueryTopicConsumeByWhoRequestHeader{Topic: diffStatsTopic})},
		{name: "who consumes the consumer topic", code: remoting.CodeQueryTopicConsumeByWho, target: brokerA,
			req: on(remoting.CodeQueryTopicConsumeByWho, protocol.QueryTopicConsumeByWhoRequestHeader{Topic: diffConsTopic})},
		{name: "who consumes an unknown topic", code: remoting.CodeQueryTopicConsumeByWho, target: brokerA,
			req: on(remoting.CodeQueryTopicConsumeByWho, protocol.QueryTopicConsumeByWhoRequestHeader{Topic: "DiffNoSuchTopic"})},

		// mqadmin brokerStatus and clusterList.
		{name: "broker runtime info", code: remoting.CodeGetBrokerRuntimeInfo, target: brokerA,
			req: body(remoting.CodeGetBrokerRuntimeInfo, ""), norm: normRuntimeInfo},
		// mqadmin exportMetadata: the topics it leaves out (TBW102 is one even without auto-creation).
		{name: "system topic list", code: remoting.CodeGetSystemTopicListFromBroker, target: brokerA,
			req: body(remoting.CodeGetSystemTopicListFromBroker, "")},
		{name: "system topic list without auto-creation", code: remoting.CodeGetSystemTopicListFromBroker, target: brokerNoAuto,
			req: body(remoting.CodeGetSystemTopicListFromBroker, "")},

		// mqadmin producer: every producer group with a connection (the diff- ones compared).
		{name: "admin client heartbeat", code: remoting.CodeHeartBeat, target: brokerA, req: adminHeartbeat},
		{name: "all producer info", code: remoting.CodeGetAllProducerInfo, target: brokerA,
			req: on(remoting.CodeGetAllProducerInfo, protocol.GetAllProducerInfoRequestHeader{}), norm: normProducerTable},

		// mqadmin queryCq: the stats topic's queue 0 holds two messages (tags TagA); queue 1 was
		// only read (topic stats), which makes an empty consume queue on a real broker.
		{name: "query consume queue", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 0, 10, ""), norm: normConsumeQueue},
		{name: "query consume queue, one from 1", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 1, 1, ""), norm: normConsumeQueue},
		{name: "query consume queue, count 0", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 1, 0, ""), norm: normConsumeQueue},
		{name: "query consume queue with a subscribed group", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 0, 10, diffAdminCG), norm: normConsumeQueue},
		{name: "query consume queue with a group not online", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 0, 10, "diff-no-such-cg"), norm: normConsumeQueue},
		{name: "query consume queue at the max index", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 2, 10, "")},
		{name: "query consume queue only read", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 1, 0, 10, "")},
		{name: "query consume queue nobody used", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq("DiffNeverUsedTopic", 0, 0, 10, "")},
		{name: "query consume queue without topic", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: body(remoting.CodeQueryConsumeQueue, "")},

		// mqadmin cleanUnusedTopic: a delayed message falls due to a topic deleted meanwhile, which
		// gives the topic a consume queue again without a config; cleaning drops that queue (its
		// offsets start from 0 again) and keeps the stats topic's.
		{name: "unused: create topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
				Topic: diffUnusedTopic, DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 1, WriteQueueNums: 1,
				Perm: 6, TopicFilterType: protocol.SingleTag})},
		{name: "unused: send delayed 1 s", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: func(*side) *remoting.Command {
				h := sendHeader(diffUnusedTopic, 0, map[string]string{"DELAY": "1", "UNIQ_KEY": "DIFFUNUSED", "WAIT": "true"})
				return protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("due"))
			}},
		{name: "unused: delete topic", code: remoting.CodeDeleteTopicInBroker, target: brokerA,
			req: on(remoting.CodeDeleteTopicInBroker, protocol.DeleteTopicRequestHeader{Topic: diffUnusedTopic})},
		{name: "unused: max offset once delivered", code: remoting.CodeGetMaxOffset, target: brokerA,
			req: maxOffsetReq(diffUnusedTopic, 0), settled: dispatched, settleWithin: 10 * time.Second},
		{name: "unused: query consume queue", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffUnusedTopic, 0, 0, 10, ""), norm: normConsumeQueue},
		{name: "clean unused topic", code: remoting.CodeCleanUnusedTopic, target: brokerA,
			req: body(remoting.CodeCleanUnusedTopic, "")},
		{name: "unused: query consume queue after cleaning", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffUnusedTopic, 0, 0, 10, "")},
		{name: "unused: max offset after cleaning", code: remoting.CodeGetMaxOffset, target: brokerA,
			req: maxOffsetReq(diffUnusedTopic, 0)},
		{name: "unused: a used topic keeps its queue", code: remoting.CodeQueryConsumeQueue, target: brokerA,
			req: queryCq(diffStatsTopic, 0, 0, 10, ""), norm: normConsumeQueue},

		// mqadmin deleteExpiredCommitLog: a real broker asks its clean-up service to delete the
		// files past fileReservedTime (72 h: none here); the fake has no files.
		{name: "delete expired commit log", code: remoting.CodeDeleteExpiredCommitLog, target: brokerA,
			req: body(remoting.CodeDeleteExpiredCommitLog, "")},

		// mqadmin cleanExpiredCQ, last: a real broker drops its empty consume queues' files.
		{name: "clean expired consume queues", code: remoting.CodeCleanExpiredConsumeQueue, target: brokerA,
			req: body(remoting.CodeCleanExpiredConsumeQueue, "")},
	}
}

// queryMessage is QUERY_MESSAGE for key on the stats topic over all time, as mqadmin sends it
// (with the unique-key flag for a unique key: the broker then takes its own maxNum).
func queryMessage(key string, maxNum int32, unique bool) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		ext := protocol.QueryMessageRequestHeader{Topic: diffStatsTopic, Key: key, MaxNum: maxNum,
			BeginTimestamp: 0, EndTimestamp: math.MaxInt64}.ToExt()
		if unique {
			ext[protocol.FieldUniqueKeyQuery] = "true"
		}
		return remoting.NewRequest(remoting.CodeQueryMessage, ext, nil)
	}
}

// normQueryMessage normalises the records as normStored does and the index's last update,
// which is whatever each store indexed last.
func normQueryMessage(s *side, a *answer) {
	normStored(s, a)
	for _, f := range []string{protocol.FieldIndexLastUpdateTimestamp, protocol.FieldIndexLastUpdatePhyoffset} {
		if v, ok := a.Ext[f]; ok && v != "0" {
			a.Ext[f] = "<set>"
		}
	}
}

// bodyHas is a settled check: the answer's body, timestamps normalised, contains s (the real
// broker dispatches a message to its consume queue a moment after answering the send).
func bodyHas(s string) func(*remoting.Command) bool {
	return func(c *remoting.Command) bool {
		a := answer{Body: string(c.Body)}
		normTimestamps(nil, &a)
		return strings.Contains(a.Body, s)
	}
}

var statsRate = regexp.MustCompile(`"tps":[-0-9.E]+`)

// normStatsRates masks a BrokerStatsData's rates: a window's growth over the time between its
// first and last samples, which depends on when the broker began sampling.
func normStatsRates(_ *side, a *answer) {
	a.Body = statsRate.ReplaceAllString(a.Body, `"tps":<tps>`)
}

var timestampField = regexp.MustCompile(`"(lastUpdateTimestamp|lastTimestamp)":([1-9]\d*)`)

// normTimestamps replaces the store times in a TopicStatsTable or ConsumeStats by <ts> (0, an
// empty queue's, stays).
func normTimestamps(_ *side, a *answer) {
	a.Body = timestampField.ReplaceAllString(a.Body, `"$1":<ts>`)
}

// normBrokerConsumeStats is normTimestamps with the broker's own address, which each side
// names in the body, replaced by <broker>.
func normBrokerConsumeStats(s *side, a *answer) {
	normTimestamps(s, a)
	a.Body = strings.ReplaceAll(a.Body, `"brokerAddr":"`+s.brokers[brokerA]+`"`, `"brokerAddr":"<broker>"`)
}

// namesrvConfigDeployment are the GET_NAMESRV_CONFIG settings that belong to a deployment: the
// real name server's work folder and the port picked for each run.
var namesrvConfigDeployment = map[string]string{
	"rocketmqHome": "", "kvConfigPath": "<path>", "configStorePath": "<path>", "listenPort": "<port>",
}

// normNamesrvConfig reduces the configuration to its settings, sorted (the order is the
// Properties table's), without the deployment's.
func normNamesrvConfig(_ *side, a *answer) {
	a.Body = sortedProperties(a.Body, namesrvConfigDeployment)
}

func sortedProperties(text string, deployment map[string]string) string {
	if text == "" {
		return ""
	}
	props, err := protocol.DecodeJavaProperties([]byte(text))
	if err != nil {
		return "undecodable: " + err.Error()
	}
	lines := make([]string, 0, len(props))
	for k, v := range props {
		if mask, ok := deployment[k]; ok {
			if mask == "" {
				continue
			}
			v = mask
		}
		lines = append(lines, k+"="+v)
	}
	slices.Sort(lines)
	return fmt.Sprintf("%d settings, sorted:\n%s", len(lines), strings.Join(lines, "\n"))
}

// runtimeInfoCompared are the runtime-info values both sides must agree on; the others are
// counters of what each store did and saw (earlier cases' messages and pulls, internal topics,
// the real store's timings, disk and rates; see fakebroker/DIFFERENCES.md), compared by key only.
var runtimeInfoCompared = map[string]bool{
	"brokerVersion": true, "brokerVersionDesc": true, "sendThreadPoolQueueCapacity": true,
	"pullThreadPoolQueueCapacity": true, "queryThreadPoolQueueCapacity": true,
	"EndTransactionThreadPoolQueueCapacity": true, "startAcceptSendRequestTimeStamp": true,
	"remainTransientStoreBufferNumbs": true, "commitLogMinOffset": true,
}

// normRuntimeInfo lists the runtime info's keys, sorted, with the values of runtimeInfoCompared;
// the per-path commit-log disk ratio's key loses its path.
func normRuntimeInfo(_ *side, a *answer) {
	table, err := protocol.DecodeKVTable([]byte(a.Body))
	if err != nil {
		a.Body = "undecodable: " + err.Error()
		return
	}
	lines := make([]string, 0, len(table.Table))
	for k, v := range table.Table {
		if strings.HasPrefix(k, "commitLogDiskRatio_") {
			k = "commitLogDiskRatio_<path>"
		}
		if !runtimeInfoCompared[k] {
			v = "<counter>"
		}
		lines = append(lines, k+"="+v)
	}
	slices.Sort(lines)
	a.Body = fmt.Sprintf("%d keys, sorted:\n%s", len(lines), strings.Join(lines, "\n"))
}
