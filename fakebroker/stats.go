package fakebroker

// stats.go serves what mqadmin reads of a broker's state and counters, as Java's
// AdminBrokerProcessor and the store it asks (rocketmq-all-4.9.7):
//
//	28 GET_BROKER_RUNTIME_INFO (brokerStatus, clusterList): a KVTable of the broker's and the
//	   store's counters (prepareRuntimeInfo, DefaultMessageStore.getRuntimeInfo,
//	   StoreStatsService.getRuntimeInfo).
//	202 GET_TOPIC_STATS_INFO (topicStatus, and the tools that read a topic's queues): each
//	   write queue's min and max offsets and the store time of its last message (0 when empty).
//	   A topic the broker does not hold is 17 TOPIC_NOT_EXIST "topic[T] not exist".
//	208 GET_CONSUME_STATS (consumerProgress, brokerConsumeStats): for the header's topic, or
//	   without one every topic the group has committed offsets on, each read queue's max offset,
//	   the group's offset (0 when none) and the store time of the message before it (0 when
//	   none); a topic the broker does not hold is left out, and so is one the group's online
//	   consumers do not subscribe to when they subscribe to something. consumeTps is the
//	   messages the group's pulls found per second over the sampled minute (see statsitems.go).
//	317 GET_BROKER_CONSUME_STATS (brokerConsumeStats): the same progress for every subscription
//	   group in the table's order (a group without offsets with an empty list), over each
//	   topic's write queues, with isOrder keeping only ordered topics, the broker's address and
//	   the total diff.
//
// The runtime info holds the keys a real 4.9.7 broker lists, with the fake's values where it
// knows them (boot time and run time, message counts and sizes, commit-log offsets, thread-pool
// capacities from the configuration, version) and plausible ones where only a real store can
// know (see DIFFERENCES.md): no disk (commitLogDiskRatio and consumeQueueDiskRatio 0.0, a
// commitLogDirCapacity of 0 B), no waiting queues, no latency (every put in the <=0ms bucket,
// putLatency99 0.00), rates of 0.0, day counters ("today morning", "yesterday morning") of 0 as
// on a broker that has not yet run through a midnight, and the earliest message time -1, which
// a real broker also answers while its first commit-log file is being written. Each delay level
// that has held messages adds scheduleMessageOffset_N, "next to deliver,max offset".

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// brokerStats counts what the store's StoreStatsService and BrokerStats count and the store
// does not hold already.
type brokerStats struct {
	bootMillis atomic.Int64 // the store's boot time, set at each Start
	gotMsgs    atomic.Int64 // messages pulls returned (getMessageTransferedMsgCount)
}

// Java 17's texts for 202 without a topic (TopicConfigManager's ConcurrentHashMap lookup) and
// for 208 without a group: ConsumerOffsetManager.whichTopicByConsumer compares each key's group
// with it when the topic is blank too, else the consumer table's lookup (once the topic exists).
// Checked against a real 4.9.7 broker.
var (
	topicStatsNeedTopic           = mapLookupKey(protocol.FieldTopic)
	consumeStatsNeedGroupAllTopic = need{field: protocol.FieldConsumerGroup, remark: `java.lang.NullPointerException: Cannot invoke "String.equals(Object)" because "group" is null, ` +
		`org.apache.rocketmq.broker.offset.ConsumerOffsetManager.whichTopicByConsumer(ConsumerOffsetManager.java:94)`}
	consumeStatsNeedGroup  = mapLookupKey(protocol.FieldConsumerGroup)
	runtimePutLatencyRange = []string{"<=0ms", "0~10ms", "10~50ms", "50~100ms", "100~200ms", "200~500ms",
		"500ms~1s", "1~2s", "2~3s", "3~4s", "4~5s", "5~10s", "10s~"}
)

func (b *Broker) statsHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeGetBrokerRuntimeInfo, b.handleGetBrokerRuntimeInfo},
		{remoting.CodeGetTopicStatsInfo, b.handleGetTopicStatsInfo},
		{remoting.CodeGetConsumeStats, b.handleGetConsumeStats},
		{remoting.CodeGetBrokerConsumeStats, b.handleGetBrokerConsumeStats},
		{remoting.CodeViewBrokerStatsData, b.handleViewBrokerStatsData},
	}
}

func (b *Broker) handleGetTopicStatsInfo(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if resp := check(cmd, topicStatsNeedTopic); resp != nil {
		return resp
	}
	h, _ := protocol.DecodeGetTopicStatsInfoRequestHeader(cmd.ExtFields)
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		return answer(cmd, remoting.TopicNotExist, "topic["+h.Topic+"] not exist")
	}
	table := &protocol.TopicStatsTable{OffsetTable: map[protocol.MessageQueue]protocol.TopicOffset{}}
	for q := range tc.WriteQueueNums {
		off := protocol.TopicOffset{MinOffset: b.store.minOffset(h.Topic, q), MaxOffset: b.store.maxOffset(h.Topic, q)}
		if off.MaxOffset > 0 {
			off.LastUpdateTimestamp = b.store.storeTimestamp(h.Topic, q, off.MaxOffset-1)
		}
		table.OffsetTable[protocol.MessageQueue{Topic: h.Topic, BrokerName: b.cfg.name, QueueID: q}] = off
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = table.Encode()
	return resp
}

func (b *Broker) handleGetConsumeStats(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetConsumeStatsRequestHeader(cmd.ExtFields)
	topics := []string{h.Topic}
	if strings.TrimSpace(h.Topic) == "" {
		if resp := check(cmd, consumeStatsNeedGroupAllTopic); resp != nil {
			return resp
		}
		topics = b.offsets.topicsOf(h.ConsumerGroup)
	} else if _, ok := b.topics.get(h.Topic); ok {
		if resp := check(cmd, consumeStatsNeedGroup); resp != nil {
			return resp
		}
	}
	stats := &protocol.ConsumeStats{OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{}}
	for _, topic := range topics {
		tc, ok := b.topics.get(topic)
		if !ok || b.subscribedElsewhere(h.ConsumerGroup, topic) {
			continue
		}
		b.addConsumeProgress(stats, h.ConsumerGroup, topic, tc.ReadQueueNums)
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = stats.Encode()
	return resp
}

// handleGetBrokerConsumeStats is fetchAllConsumeStatsInBroker: for every subscription group,
// in the table's order, one ConsumeStats per topic the group has offsets on, over the topic's
// write queues (208 counts read queues), and the sum of their diffs.
func (b *Broker) handleGetBrokerConsumeStats(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetConsumeStatsInBrokerHeader(cmd.ExtFields) // a missing isOrder is false
	list := &protocol.ConsumeStatsList{BrokerAddr: b.Addr()}
	groups, _ := b.groups.list()
	for _, g := range groups {
		// whichTopicByConsumer answers a HashSet; sorting first makes bucket collisions stable.
		topics := b.offsets.topicsOf(g.GroupName)
		slices.Sort(topics)
		perTopic := []*protocol.ConsumeStats{}
		for _, topic := range protocol.JavaHashMapOrder(topics, 16) {
			tc, ok := b.topics.get(topic)
			if !ok || (h.IsOrder && !tc.Order) || b.subscribedElsewhere(g.GroupName, topic) {
				continue
			}
			stats := &protocol.ConsumeStats{OffsetTable: map[protocol.MessageQueue]protocol.OffsetWrapper{}}
			b.addConsumeProgress(stats, g.GroupName, topic, tc.WriteQueueNums)
			list.TotalDiff += stats.TotalDiff()
			perTopic = append(perTopic, stats)
		}
		list.ConsumeStatsList = append(list.ConsumeStatsList, map[string][]*protocol.ConsumeStats{g.GroupName: perTopic})
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = list.Encode()
	return resp
}

// subscribedElsewhere is the broker's check before it counts a group's progress on a topic:
// the group's online consumers subscribe to something, and not to this topic.
func (b *Broker) subscribedElsewhere(group, topic string) bool {
	_, subs, _, online := b.clients.consumerGroup(group)
	_, subscribed := subs[topic]
	return online && !subscribed && len(subs) > 0
}

// addConsumeProgress puts queues 0..n-1 of topic in stats: each queue's max offset, the group's
// offset (0 when none) and the store time of the message before it (0 when none); and adds the
// group's pulls per second on the topic over the last minute of samples (tpsGroupGetNums).
func (b *Broker) addConsumeProgress(stats *protocol.ConsumeStats, group, topic string, n int32) {
	if it, ok := b.brokerStats().get(protocol.StatsGroupGetNums, topic+"@"+group); ok {
		stats.ConsumeTps += it.snapshot(minuteWindow).Tps
	}
	for q := range n {
		w := protocol.OffsetWrapper{BrokerOffset: b.store.maxOffset(topic, q)}
		if off, ok := b.offsets.query(group, topic, q); ok && off > 0 {
			w.ConsumerOffset = off
		}
		if w.ConsumerOffset > 0 {
			if ts := b.store.storeTimestamp(topic, q, w.ConsumerOffset-1); ts > 0 {
				w.LastTimestamp = ts
			}
		}
		stats.OffsetTable[protocol.MessageQueue{Topic: topic, BrokerName: b.cfg.name, QueueID: q}] = w
	}
}

func (b *Broker) handleGetBrokerRuntimeInfo(_ context.Context, req *remoting.Request) *remoting.Command {
	resp := answer(req.Command, remoting.Success, "")
	resp.Body = (&protocol.KVTable{Table: b.runtimeInfo(time.Now())}).Encode()
	return resp
}

// runtimeInfo is prepareRuntimeInfo's table at now.
func (b *Broker) runtimeInfo(now time.Time) map[string]string {
	puts, size, minPhys, maxPhys := b.store.totals()
	gets := b.stats.gotMsgs.Load()
	boot := b.stats.bootMillis.Load()
	timesTotal := max(puts, 1) // Java divides by it
	config, _ := b.brokerConfig()
	setting := func(name, fallback string) string {
		if v, ok := config[name]; ok {
			return v
		}
		return fallback
	}
	if puts == 0 {
		minPhys = -1 // getMinPhyOffset of a commit log without a file
	}
	distribute := "null"
	if puts > 0 {
		var sb strings.Builder
		for i, r := range runtimePutLatencyRange {
			n := int64(0)
			if i == 0 {
				n = puts
			}
			fmt.Fprintf(&sb, "[%s]:%d ", r, n)
		}
		distribute = sb.String()
	}
	commitLogDir := filepath.Join(setting("storePathRootDir", "store"), "commitlog")
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	info := map[string]string{
		"bootTimestamp":                         i64(boot),
		"runtime":                               javaRuntime(now.UnixMilli() - boot),
		"putMessageEntireTimeMax":               "0",
		"putMessageTimesTotal":                  i64(timesTotal),
		"putMessageFailedTimes":                 "0",
		"putMessageSizeTotal":                   i64(size),
		"putMessageDistributeTime":              distribute,
		"putMessageAverageSize":                 protocol.JavaDouble(float64(size) / float64(timesTotal)),
		"dispatchMaxBuffer":                     "0",
		"getMessageEntireTimeMax":               "0",
		"putTps":                                "0.0 0.0 ",
		"getFoundTps":                           "0.0 0.0 ",
		"getMissTps":                            "0.0 0.0 ",
		"getTotalTps":                           "0.0 0.0 0.0",
		"getTransferedTps":                      "0.0 0.0 ",
		"putLatency99":                          "0.00",
		"putLatency999":                         "0.00",
		"commitLogDiskRatio":                    "0.0",
		"commitLogDiskRatio_" + commitLogDir:    "0.0",
		"consumeQueueDiskRatio":                 "0.0",
		"commitLogMinOffset":                    i64(minPhys),
		"commitLogMaxOffset":                    i64(maxPhys),
		"brokerVersionDesc":                     protocol.VersionName(remoting.CurrentVersion),
		"brokerVersion":                         strconv.Itoa(int(remoting.CurrentVersion)),
		"msgPutTotalYesterdayMorning":           "0",
		"msgPutTotalTodayMorning":               "0",
		"msgPutTotalTodayNow":                   i64(puts),
		"msgGetTotalYesterdayMorning":           "0",
		"msgGetTotalTodayMorning":               "0",
		"msgGetTotalTodayNow":                   i64(gets),
		"sendThreadPoolQueueSize":               "0",
		"sendThreadPoolQueueCapacity":           setting("sendThreadPoolQueueCapacity", "10000"),
		"pullThreadPoolQueueSize":               "0",
		"pullThreadPoolQueueCapacity":           setting("pullThreadPoolQueueCapacity", "100000"),
		"queryThreadPoolQueueSize":              "0",
		"queryThreadPoolQueueCapacity":          setting("queryThreadPoolQueueCapacity", "20000"),
		"EndTransactionQueueSize":               "0",
		"EndTransactionThreadPoolQueueCapacity": setting("endTransactionPoolQueueCapacity", "100000"),
		"dispatchBehindBytes":                   "0",
		"pageCacheLockTimeMills":                "0",
		"sendThreadPoolQueueHeadWaitTimeMills":  "0",
		"pullThreadPoolQueueHeadWaitTimeMills":  "0",
		"queryThreadPoolQueueHeadWaitTimeMills": "0",
		"earliestMessageTimeStamp":              "-1",
		"startAcceptSendRequestTimeStamp":       setting("startAcceptSendRequestTimeStamp", "0"),
		"remainTransientStoreBufferNumbs":       "2147483647",
		"remainHowManyDataToFlush":              "0 B",
		"commitLogDirCapacity":                  "Total : 0 B, Free : 0 B.",
	}
	b.scheduleRunningStats(info)
	return info
}

// scheduleRunningStats is ScheduleMessageService.buildRunningStats: for each delay level that
// has held messages, the offset of the next one to deliver and the level queue's max offset.
func (b *Broker) scheduleRunningStats(info map[string]string) {
	d := &b.delays
	d.mu.Lock()
	pending := make(map[int]int, len(d.queues))
	for level, q := range d.queues {
		pending[level] = len(q.pending)
	}
	d.mu.Unlock()
	for level, n := range pending {
		maxOffset := b.store.maxOffset(protocol.ScheduleTopic, int32(level-1))
		info[fmt.Sprintf("scheduleMessageOffset_%d", level)] = fmt.Sprintf("%d,%d", maxOffset-int64(n), maxOffset)
	}
}

// javaRuntime is StoreStatsService.getFormatRuntime.
func javaRuntime(ms int64) string {
	ms = max(ms, 0)
	const minute, hour, day = 60 * 1000, 60 * 60 * 1000, 24 * 60 * 60 * 1000
	return fmt.Sprintf("[ %d days, %d hours, %d minutes, %d seconds ]",
		ms/day, ms%day/hour, ms%hour/minute, ms%minute/1000)
}

// storeTimestamp is getMessageStoreTimeStamp: the store time of the message at a queue offset,
// -1 when there is none.
func (s *store) storeTimestamp(topic string, queue int32, offset int64) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[queueKey{topic, queue}]
	if q == nil || offset < q.min || offset >= q.max() {
		return -1
	}
	return q.entries[offset-q.min].storeTimestamp
}

// totals are the messages ever stored, their records' total size and the commit log's ends.
func (s *store) totals() (messages, size, minPhys, maxPhys int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.puts, s.phys, s.minPhysLocked(), s.phys
}

// topicsOf is ConsumerOffsetManager.whichTopicByConsumer.
func (t *offsetTable) topicsOf(group string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for k := range t.m {
		if k.group == group && !seen[k.topic] {
			seen[k.topic] = true
			out = append(out, k.topic)
		}
	}
	return out
}
