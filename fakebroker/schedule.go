package fakebroker

// schedule.go is the delay-level path of the store, after Java's CommitLog.asyncPutMessage and
// ScheduleMessageService (4.9.7). No request codes: it serves the sends of send.go and the
// send-backs of sendback.go.
//
//   - A message whose DELAY property is a level > 0 (and that is not a transaction prepare or
//     rollback) is stored in SCHEDULE_TOPIC_XXXX, queue level-1, with its topic and queue kept
//     in REAL_TOPIC and REAL_QID; a level over the highest is lowered to it (and DELAY
//     rewritten). Its consume-queue tagsCode is the deliver time, store time + the level's delay
//     (computeDeliverTimestamp); DelayedMessages shows it as DeliverAt.
//   - The levels are MessageStoreConfig.messageDelayLevel, "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m
//     8m 9m 10m 20m 30m 1h 2h" by default (WithMessageDelayLevel), parsed as parseDelayLevel
//     does: space-separated, each a number and a unit s, m, h or d. A string Java cannot parse
//     makes the store fail to load, and Start fails.
//   - When a message falls due it is stored again in its real topic and queue by messageTimeup:
//     body, flag, sysFlag, born time and host, reconsume times and the properties as stored in
//     the schedule topic. Java 4.9.7 builds the stored properties string before it clears DELAY
//     and sets WAIT=false, so the delivered message still carries DELAY, REAL_TOPIC and REAL_QID
//     (and WAIT when the producer sent it). Only then do consumers see it.
//   - Each level is delivered in queue order, as Java's one timer task per level does. Java
//     checks a level every 100 ms and first 1 s after start; the fake delivers exactly when due
//     (a message that fell due while the broker was down is delivered as soon as it starts).
//     Timers stop on Shutdown and Crash and start again on Start; the schedule queues, like
//     every message, survive.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// DefaultMessageDelayLevel is MessageStoreConfig.messageDelayLevel.
const DefaultMessageDelayLevel = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"

// WithMessageDelayLevel sets messageDelayLevel, the delay of each level (level 1 first), e.g.
// "1s 5s 10s". Default DefaultMessageDelayLevel. A string Java's parseDelayLevel rejects makes
// Start fail.
func WithMessageDelayLevel(levels string) Option {
	return func(c *config) { c.messageDelayLevel = levels }
}

// parseDelayLevels is ScheduleMessageService.parseDelayLevel.
func parseDelayLevels(s string) ([]time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
	// Java's split(" ") drops trailing empty strings only.
	fields := strings.Split(strings.TrimRight(s, " "), " ")
	out := make([]time.Duration, 0, len(fields))
	for _, f := range fields {
		if f == "" {
			return nil, fmt.Errorf("fakebroker: messageDelayLevel %q: an empty level", s)
		}
		unit, ok := units[f[len(f)-1]]
		if !ok {
			return nil, fmt.Errorf("fakebroker: messageDelayLevel %q: level %q has no unit s, m, h or d", s, f)
		}
		n, err := strconv.ParseInt(f[:len(f)-1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("fakebroker: messageDelayLevel %q: level %q: %w", s, f, err)
		}
		out = append(out, time.Duration(n)*unit)
	}
	return out, nil
}

// delays is the broker's ScheduleMessageService: the parsed levels and the messages waiting
// in each level's queue.
type delays struct {
	levels []time.Duration // level 1 first
	err    error           // the levels did not parse: Start fails

	mu     sync.Mutex
	armed  bool // the broker runs: timers may fire
	queues map[int]*delayQueue
}

// delayQueue is one level's queue of waiting messages, in queue order, and its timer.
type delayQueue struct {
	pending []*delayedMessage
	tok     *delayToken // the armed timer, nil when none
	busy    bool        // a delivery is storing messages
}

// delayToken identifies one arming of a level's timer, so that a stale callback does nothing.
type delayToken struct{ timer *time.Timer }

// delayedMessage is a message waiting in the schedule topic.
type delayedMessage struct {
	msg   *storedMessage
	level int
	due   time.Time // the consume queue's tagsCode
}

func (d *delays) init(spec string) {
	if spec == "" {
		spec = DefaultMessageDelayLevel
	}
	d.levels, d.err = parseDelayLevels(spec)
	d.queues = map[int]*delayQueue{}
}

func (d *delays) maxLevel() int { return len(d.levels) }

// delayMessage is what CommitLog.asyncPutMessage does to a message with a delay level: it goes
// to SCHEDULE_TOPIC_XXXX, queue level-1, its topic and queue kept in REAL_TOPIC and REAL_QID
// (a level over the highest is lowered to it). It reports whether m was delayed.
func (b *Broker) delayMessage(m *protocol.MessageExt) bool {
	switch protocol.TransactionType(m.SysFlag) {
	case protocol.SysFlagTransactionNotType, protocol.SysFlagTransactionCommit:
	default:
		return false
	}
	level := m.DelayLevel()
	if level <= 0 {
		return false
	}
	if maxLevel := b.delays.maxLevel(); level > maxLevel {
		level = maxLevel
		m.SetDelayLevel(level)
	}
	m.Properties[protocol.PropertyRealTopic] = m.Topic
	m.Properties[protocol.PropertyRealQueueID] = strconv.Itoa(int(m.QueueID))
	m.RawProperties = "" // it lacks the two: the store writes the map, or the caller encodes it again
	m.Topic, m.QueueID = protocol.ScheduleTopic, int32(level-1)
	return true
}

// scheduleDelivery queues a message stored in the schedule topic for delivery at its store
// time plus its level's delay (computeDeliverTimestamp).
func (b *Broker) scheduleDelivery(sm *storedMessage) {
	level := int(sm.delayLevel)
	if level <= 0 || level > b.delays.maxLevel() {
		return
	}
	dm := &delayedMessage{msg: sm, level: level, due: time.UnixMilli(sm.storeTimestamp).Add(b.delays.levels[level-1])}
	d := &b.delays
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[level]
	if q == nil {
		q = &delayQueue{}
		d.queues[level] = q
	}
	// Keep queue order even when two sends of a level finish out of order.
	i, _ := slices.BinarySearchFunc(q.pending, sm.queueOffset, func(x *delayedMessage, off int64) int {
		return cmpInt64(x.msg.queueOffset, off)
	})
	q.pending = slices.Insert(q.pending, i, dm)
	if i == 0 && q.tok != nil { // a new head: its time may be earlier
		q.tok.timer.Stop()
		q.tok = nil
	}
	b.armLevelLocked(level, q)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// armLevelLocked starts the level's timer for its head, unless stopped, armed or delivering.
func (b *Broker) armLevelLocked(level int, q *delayQueue) {
	d := &b.delays
	if !d.armed || q.tok != nil || q.busy || len(q.pending) == 0 {
		return
	}
	tok := &delayToken{}
	tok.timer = time.AfterFunc(time.Until(q.pending[0].due), func() { b.deliverLevel(level, tok) })
	q.tok = tok
}

// armDelays starts the timers of the messages still waiting (at Start).
func (b *Broker) armDelays() {
	d := &b.delays
	d.mu.Lock()
	defer d.mu.Unlock()
	d.armed = true
	for level, q := range d.queues {
		b.armLevelLocked(level, q)
	}
}

// disarmDelays stops the timers (when the broker stops); the messages wait for the next Start.
func (b *Broker) disarmDelays() {
	d := &b.delays
	d.mu.Lock()
	defer d.mu.Unlock()
	d.armed = false
	for _, q := range d.queues {
		if q.tok != nil {
			q.tok.timer.Stop()
			q.tok = nil
		}
	}
}

// deliverLevel is DeliverDelayedMessageTimerTask.executeOnTimeup: the level's messages that are
// due are stored in their real topics, in queue order; the timer is then armed for the next.
func (b *Broker) deliverLevel(level int, tok *delayToken) {
	d := &b.delays
	d.mu.Lock()
	q := d.queues[level]
	if q == nil || q.tok != tok || !d.armed {
		d.mu.Unlock()
		return
	}
	q.tok = nil
	now := time.Now()
	n := 0
	for n < len(q.pending) && !q.pending[n].due.After(now) {
		n++
	}
	due := slices.Clone(q.pending[:n])
	q.pending = slices.Delete(q.pending, 0, n)
	q.busy = true
	d.mu.Unlock()

	for _, dm := range due {
		b.deliver(dm)
	}

	d.mu.Lock()
	q.busy = false
	b.armLevelLocked(level, q)
	d.mu.Unlock()
}

// deliver is ScheduleMessageService.messageTimeup and the put that follows.
func (b *Broker) deliver(dm *delayedMessage) {
	src := dm.msg.message()
	queue, err := strconv.Atoi(src.Property(protocol.PropertyRealQueueID))
	if err != nil {
		b.log.Warn("fakebroker: delayed message without a real queue", "msgId", src.MsgID)
		return
	}
	m := &protocol.MessageExt{}
	m.Topic, m.QueueID = src.Property(protocol.PropertyRealTopic), int32(queue)
	m.Body, m.Flag, m.SysFlag = src.Body, src.Flag, src.SysFlag
	// The properties string is built before DELAY is cleared: it is stored unchanged.
	m.Properties = maps.Clone(src.Properties)
	m.BornTimestamp, m.BornHost, m.ReconsumeTimes = src.BornTimestamp, src.BornHost, src.ReconsumeTimes
	if _, err := b.put([]*protocol.MessageExt{m}); err != nil {
		b.log.Warn("fakebroker: delayed message not delivered", "msgId", src.MsgID, "reason", err)
	}
}

// DelayedMessage is a message waiting in SCHEDULE_TOPIC_XXXX for its delay.
type DelayedMessage struct {
	Message
	Level int
	// DeliverAt is when it falls due: the consume queue's tagsCode in Java.
	DeliverAt time.Time
}

// DelayedMessages returns the messages waiting for their delay, by level, then queue order.
func (b *Broker) DelayedMessages() []DelayedMessage {
	d := &b.delays
	d.mu.Lock()
	var waiting []*delayedMessage
	for _, level := range slices.Sorted(maps.Keys(d.queues)) {
		waiting = append(waiting, d.queues[level].pending...)
	}
	d.mu.Unlock()
	out := make([]DelayedMessage, len(waiting))
	for i, dm := range waiting {
		out[i] = DelayedMessage{Message: b.toMessage(dm.msg), Level: dm.level, DeliverAt: dm.due}
	}
	return out
}

// errDelayLevels wraps the parse error Start returns.
var errDelayLevels = errors.New("fakebroker: the store cannot load")

func (b *Broker) delayLevelsError() error {
	if b.delays.err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", errDelayLevels, b.delays.err)
}
