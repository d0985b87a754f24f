package fakebroker

// statsitems.go keeps the statistics a real broker samples for VIEW_BROKER_STATS_DATA (315,
// mqadmin statsAll), as Java's BrokerStatsManager over StatsItemSet and StatsItem do in
// rocketmq-all-4.9.7:
//
//   - A statistic is a name (protocol.StatsTopicPutNums, ...) and a key (a topic, topic@group,
//     ...). Its item exists from its first count; until then, and for a name the broker does
//     not keep, 315 answers that it does not exist.
//   - An item counts a value and a number of calls. Three samplers, started with the broker,
//     record both every 10 s, every 10 min and every hour, keeping the last 7, 7 and 25
//     samples: a minute, an hour and a day. An item's first sample in a window comes after a
//     made-up one of zeros a period earlier, so what was counted before it shows.
//   - A window answers what grew between its first and last samples (sum), per second (tps)
//     and per call (avgpt, 0 without calls). An empty window answers zeros.
//   - What is counted, as the broker's processors count it: a stored send or reply by its
//     stored topic (SCHEDULE_TOPIC_XXXX for a delayed one, the half topic for a prepared one)
//     in TOPIC_PUT_NUMS and TOPIC_PUT_SIZE (the stored bytes), the broker's total in
//     BROKER_PUT_NUMS (value only); a delayed one also in QUEUE_PUT_NUMS and QUEUE_PUT_SIZE by
//     topic@queueId; a send-back in SNDBCK_PUT_NUMS by origin-topic@group (and the delay topic
//     as above, but not the broker's total); a pull that found messages in GROUP_GET_NUMS and
//     GROUP_GET_SIZE by topic@group, BROKER_GET_NUMS, and its time in GROUP_GET_LATENCY by
//     queueId@topic@group; the transaction check's reads of half and op messages as pulls of
//     CID_RMQ_SYS_TRANS. Delayed messages falling due are not counted: 4.9.7 counts them only
//     on its asynchronous delivery path, which is off by default. Items stay when their topic
//     or group is deleted unless autoDeleteUnusedStats is on.
//   - A restarted broker starts its statistics afresh, as a new JVM does.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Java's sampling periods (StatsItemSet.init).
const (
	DefaultStatsMinuteSampling = 10 * time.Second
	DefaultStatsHourSampling   = 10 * time.Minute
	DefaultStatsDaySampling    = time.Hour
)

type statsWindow int

const (
	minuteWindow statsWindow = iota
	hourWindow
	dayWindow
	windowCount
)

// statsWindowSamples is how many samples each window keeps.
var statsWindowSamples = [windowCount]int{7, 7, 25}

type statsSample struct {
	at           int64 // ms
	times, value int64
}

type statsItem struct {
	value, times atomic.Int64

	mu      sync.Mutex
	windows [windowCount][]statsSample
}

func (it *statsItem) add(value, times int64) {
	it.value.Add(value)
	if times != 0 {
		it.times.Add(times)
	}
}

func (it *statsItem) sample(w statsWindow, now time.Time, period time.Duration) {
	it.mu.Lock()
	defer it.mu.Unlock()
	list := it.windows[w]
	if len(list) == 0 {
		list = append(list, statsSample{at: now.Add(-period).UnixMilli()})
	}
	list = append(list, statsSample{at: now.UnixMilli(), times: it.times.Load(), value: it.value.Load()})
	if len(list) > statsWindowSamples[w] {
		list = slices.Delete(list, 0, 1)
	}
	it.windows[w] = list
}

// snapshot is StatsItem.computeStatsData. Two samples at the same millisecond (a period under
// 1 ms) divide by zero as Java does; the encoder writes that as null, as fastjson does.
func (it *statsItem) snapshot(w statsWindow) protocol.BrokerStatsItem {
	it.mu.Lock()
	defer it.mu.Unlock()
	list := it.windows[w]
	if len(list) == 0 {
		return protocol.BrokerStatsItem{}
	}
	first, last := list[0], list[len(list)-1]
	sum := last.value - first.value
	s := protocol.BrokerStatsItem{Sum: sum, Tps: float64(sum) * 1000 / float64(last.at-first.at)}
	if calls := last.times - first.times; calls > 0 {
		s.Avgpt = float64(sum) / float64(calls)
	}
	return s
}

type statsKey struct{ name, key string }

// brokerStatsTable holds every item by name and key. A sync.Map: items are created once and
// read on every send and pull.
type brokerStatsTable struct {
	items sync.Map // statsKey -> *statsItem
}

func (t *brokerStatsTable) add(name, key string, value, times int64) {
	k := statsKey{name, key}
	v, ok := t.items.Load(k)
	if !ok {
		v, _ = t.items.LoadOrStore(k, &statsItem{})
	}
	v.(*statsItem).add(value, times)
}

func (t *brokerStatsTable) get(name, key string) (*statsItem, bool) {
	v, ok := t.items.Load(statsKey{name, key})
	if !ok {
		return nil, false
	}
	return v.(*statsItem), true
}

func (t *brokerStatsTable) sampleAll(w statsWindow, now time.Time, period time.Duration) {
	t.items.Range(func(_, v any) bool {
		v.(*statsItem).sample(w, now, period)
		return true
	})
}

// deleteWhere removes the items of the named statistics whose key matches.
func (t *brokerStatsTable) deleteWhere(names []string, match func(key string) bool) {
	t.items.Range(func(k, _ any) bool {
		sk := k.(statsKey)
		if slices.Contains(names, sk.name) && match(sk.key) {
			t.items.Delete(k)
		}
		return true
	})
}

// The statistics BrokerStatsManager.onTopicDeleted and onGroupDeleted remove.
var (
	statsByTopic        = []string{protocol.StatsTopicPutNums, protocol.StatsTopicPutSize}
	statsByTopicPrefix  = []string{protocol.StatsQueuePutNums, protocol.StatsQueuePutSize, protocol.StatsGroupGetNums, protocol.StatsGroupGetSize, protocol.StatsQueueGetNums, protocol.StatsQueueGetSize, protocol.StatsSendBackPutNums}
	statsByGroupSuffix  = []string{protocol.StatsGroupGetNums, protocol.StatsGroupGetSize, protocol.StatsQueueGetNums, protocol.StatsQueueGetSize, protocol.StatsSendBackPutNums, protocol.StatsGroupGetLatency}
	statsByTopicInfix   = []string{protocol.StatsGroupGetLatency}
	autoDeleteStatsName = "autoDeleteUnusedStats"
)

func (t *brokerStatsTable) topicDeleted(topic string) {
	t.deleteWhere(statsByTopic, func(key string) bool { return key == topic })
	t.deleteWhere(statsByTopicPrefix, func(key string) bool { return strings.HasPrefix(key, topic+"@") })
	t.deleteWhere(statsByTopicInfix, func(key string) bool { return strings.Contains(key, "@"+topic+"@") })
}

func (t *brokerStatsTable) groupDeleted(group string) {
	t.deleteWhere(statsByGroupSuffix, func(key string) bool { return strings.HasSuffix(key, "@"+group) })
}

// brokerStats returns the statistics of the broker's current run.
func (b *Broker) brokerStats() *brokerStatsTable { return b.statsTable.Load() }

// countPut counts messages stored by a send, a batch or a reply, by their stored topic.
func (b *Broker) countPut(topic string, msgs int, bytes int) {
	t := b.brokerStats()
	t.add(protocol.StatsTopicPutNums, topic, int64(msgs), 1)
	t.add(protocol.StatsTopicPutSize, topic, int64(bytes), 1)
	t.add(protocol.StatsBrokerPutNums, b.cfg.cluster, int64(msgs), 0)
}

// countSend is countPut for a send, which also counts a delayed message's delay queue.
func (b *Broker) countSend(stored *protocol.MessageExt, msgs int, bytes int) {
	b.countPut(stored.Topic, msgs, bytes)
	if stored.Topic == protocol.ScheduleTopic {
		b.countDelayQueuePut(stored.QueueID, bytes)
	}
}

func (b *Broker) countDelayQueuePut(queue int32, bytes int) {
	t := b.brokerStats()
	key := protocol.ScheduleTopic + "@" + strconv.Itoa(int(queue))
	t.add(protocol.StatsQueuePutNums, key, 1, 1)
	t.add(protocol.StatsQueuePutSize, key, int64(bytes), 1)
}

// countSendBack counts a stored send-back: by the topic it came from and the group that sent it
// back, and, when it waits in the delay topic, that topic's puts (without the broker's total).
func (b *Broker) countSendBack(stored *protocol.MessageExt, bytes int, originTopic, group string) {
	t := b.brokerStats()
	if stored.Topic == protocol.ScheduleTopic {
		t.add(protocol.StatsTopicPutNums, stored.Topic, 1, 1)
		t.add(protocol.StatsTopicPutSize, stored.Topic, int64(bytes), 1)
		b.countDelayQueuePut(stored.QueueID, bytes)
	}
	t.add(protocol.StatsSendBackPutNums, originTopic+"@"+group, 1, 1)
}

// countGet counts the messages a pull (or the transaction check) found.
func (b *Broker) countGet(group, topic string, res getResult) {
	if res.status != statusFound {
		return
	}
	bytes := 0
	for _, sm := range res.msgs {
		bytes += len(sm.raw)
	}
	t := b.brokerStats()
	key := topic + "@" + group
	t.add(protocol.StatsGroupGetNums, key, int64(len(res.msgs)), 1)
	t.add(protocol.StatsGroupGetSize, key, int64(bytes), 1)
	t.add(protocol.StatsBrokerGetNums, b.cfg.cluster, int64(len(res.msgs)), 0)
}

// countGetLatency counts a consumer's pull that found messages and how long it took.
func (b *Broker) countGetLatency(group, topic string, queue int32, took time.Duration) {
	key := strconv.Itoa(int(queue)) + "@" + topic + "@" + group
	b.brokerStats().add(protocol.StatsGroupGetLatency, key, took.Milliseconds(), 1)
}

// forgetTopicStats and forgetGroupStats are what deleting a topic or a subscription group does
// to the statistics: nothing unless autoDeleteUnusedStats is on.
func (b *Broker) forgetTopicStats(topic string) {
	if b.settings.bool(autoDeleteStatsName) {
		b.brokerStats().topicDeleted(topic)
	}
}

func (b *Broker) forgetGroupStats(group string) {
	if b.settings.bool(autoDeleteStatsName) {
		b.brokerStats().groupDeleted(group)
	}
}

// statsSamplingLoops starts a sampler per window whose period is not 0, each first at once.
func (b *Broker) statsSamplingLoops(ctx context.Context) {
	t := b.brokerStats()
	for w, period := range b.cfg.statsSampling {
		if period <= 0 {
			continue
		}
		b.loops.Add(1)
		go b.every(ctx, 0, func() time.Duration {
			t.sampleAll(statsWindow(w), time.Now(), period)
			return period
		})
	}
}

func (b *Broker) handleViewBrokerStatsData(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	// Java's reflective decoder leaves a missing field null, which the lookup then fails on.
	h, _ := protocol.DecodeViewBrokerStatsDataRequestHeader(cmd.ExtFields)
	name, key := h.StatsName, h.StatsKey
	_, hasName := cmd.ExtFields[protocol.FieldStatsName]
	_, hasKey := cmd.ExtFields[protocol.FieldStatsKey]
	var it *statsItem
	ok := hasName && hasKey
	if ok {
		it, ok = b.brokerStats().get(name, key)
	}
	if !ok {
		if !hasName {
			name = "null"
		}
		if !hasKey {
			key = "null"
		}
		return answer(cmd, remoting.SystemError, fmt.Sprintf("The stats <%s> <%s> not exist", name, key))
	}
	data := &protocol.BrokerStatsData{
		StatsMinute: it.snapshot(minuteWindow),
		StatsHour:   it.snapshot(hourWindow),
		StatsDay:    it.snapshot(dayWindow),
	}
	resp := answer(cmd, remoting.Success, "")
	resp.Body = data.Encode()
	return resp
}
