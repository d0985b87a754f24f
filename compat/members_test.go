package compat

// Two members of one consumer group against the fakes, as the Java 4.9.7 push consumer
// (concurrent and orderly) and the official Go push consumer run them: the queues split between
// the members when the second joins (each queue consumed by exactly one), every message is
// consumed, orderly consumption keeps each queue's order under the brokers' locks, and when one
// member shuts down the other takes over its queues from the offsets it committed.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// joinWithin bounds the wait for a joining member's split: well under the 20 s periodic
// rebalance of both clients, so only the brokers' NOTIFY_CONSUMER_IDS_CHANGED (40), which makes
// the members already running rebalance at once, can bring it in time.
const joinWithin = 12 * time.Second

// membersPerPhase is how many messages the test sends while both members run, and again after
// one has left: 5 per queue of the 8.
const membersPerPhase = 40

// delivery is one message as a member's listener got it.
type delivery struct {
	member string
	msgID  string
	queue  string // broker:queueId
	offset int64
	keys   string
}

// queueKey names a queue as the members report it.
func queueKey(broker string, queue int32) string { return fmt.Sprintf("%s:%d", broker, queue) }

// allQueues is every queue of topic in the cluster, sorted.
func allQueues(c cluster) []string {
	var out []string
	for _, q := range sortedQueues(c) {
		out = append(out, queueKey(q[0].(string), q[1].(int32)))
	}
	return out
}

// isSplit reports whether the members' shares are disjoint halves covering all queues:
// averagely, 8 queues among 2 members are 4 each.
func isSplit(shares map[string][]string, all []string) bool {
	if len(shares) != 2 {
		return false
	}
	var union []string
	for _, s := range shares {
		if len(s) != len(all)/2 {
			return false
		}
		union = append(union, s...)
	}
	slices.Sort(union)
	return slices.Equal(union, all)
}

// holderOf inverts members' shares: which member holds each queue.
func holderOf(shares map[string][]string) map[string]string {
	out := map[string]string{}
	for m, qs := range shares {
		for _, q := range qs {
			out[q] = m
		}
	}
	return out
}

// sentByKeys is what the producer sent, keyed as listeners see a message's keys.
type sentByKeys map[string]fakebroker.Message

// sendPhase sends n messages numbered from first and returns them as stored, by their keys.
func sendPhase(t *testing.T, c cluster, p officialProducer, first, n int) sentByKeys {
	t.Helper()
	ids := map[string]bool{}
	for i := first; i < first+n; i++ {
		r, err := p.SendSync(context.Background(), msgWith(i, fmt.Appendf(nil, "member body %d", i)))
		require.NoError(t, err)
		ids[r.MsgID] = true
	}
	out := sentByKeys{}
	for _, m := range c.Messages(topic) {
		if ids[m.MsgID] {
			out[strings.Join(m.Keys, " ")] = m
		}
	}
	require.Len(t, out, n)
	return out
}

// consumedAll reports whether every message of want is among ds.
func consumedAll(ds []delivery, want sentByKeys) bool {
	seen := map[string]bool{}
	for _, d := range ds {
		if _, ok := want[d.keys]; ok {
			seen[d.keys] = true
		}
	}
	return len(seen) == len(want)
}

// membersReport is what one run of two members showed, checked by checkMembers.
type membersReport struct {
	split         map[string][]string // each member's share once both ran
	deliveries    []delivery          // in the order the listeners got them
	leaver, stays string
	// sent0 went out before the second member joined (consumed by whoever held the queue
	// then); sent1 while both ran; sent2 after the leaver shut down.
	sent0, sent1, sent2 sentByKeys
	orderly             bool
	// duplicatesAllowed: a member giving queues up may hand them over before its last offsets
	// reached the broker, so the new holder consumes those messages again (counted).
	duplicatesAllowed bool
	// overlapAllowed: a member may have kept a queue the split gave the other (counted): see
	// TestOfficialPushConsumersShareAndTakeOver.
	overlapAllowed bool
}

// checkMembers checks a run: each queue consumed by its holder only while both ran, every
// message consumed, order per queue for orderly, the one who stays consuming everything sent
// after the other left. It returns how many messages were consumed more than once.
func checkMembers(t *testing.T, r membersReport) int {
	t.Helper()
	holder := holderOf(r.split)
	times := map[string]int{}
	var overlaps []string
	for _, d := range r.deliveries {
		times[d.keys]++
		var m fakebroker.Message
		var ok bool
		if m, ok = r.sent1[d.keys]; ok {
			if times[d.keys] == 1 {
				if r.overlapAllowed && holder[d.queue] != d.member {
					overlaps = append(overlaps, fmt.Sprintf("%s by %s", d.keys, d.member))
				} else {
					require.Equal(t, holder[d.queue], d.member, "%s: consumed by a member that does not hold its queue %s", d.keys, d.queue)
				}
			} else {
				// Again: only at the leaver's handover, by the one who stays, of a queue the
				// leaver held.
				// Or, where a member kept a queue off the split, by the two sharing it.
				if !r.overlapAllowed {
					require.Equal(t, r.stays, d.member, "%s consumed again", d.keys)
					require.Equal(t, r.leaver, holder[d.queue], "%s consumed again from a queue that never moved", d.keys)
				}
			}
		} else if m, ok = r.sent2[d.keys]; ok {
			require.Equal(t, r.stays, d.member, "%s consumed after %s left", d.keys, r.leaver)
			require.Equal(t, 1, times[d.keys], "%s consumed again, with no handover after it was sent", d.keys)
		} else if m, ok = r.sent0[d.keys]; !ok {
			require.Failf(t, "unexpected", "%s consumed %q, which nobody sent", d.member, d.keys)
		}
		require.Equal(t, queueKey(m.Broker, m.QueueID), d.queue, d.keys)
		require.Equal(t, m.QueueOffset, d.offset, d.keys)
		require.Equal(t, m.MsgID, d.msgID, d.keys)
	}
	for i, want := range []sentByKeys{r.sent0, r.sent1, r.sent2} {
		require.True(t, consumedAll(r.deliveries, want), "every message of phase %d consumed", i)
	}
	var dups []string
	for k, n := range times {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s x%d", k, n))
		}
	}
	slices.Sort(dups)
	if !r.duplicatesAllowed {
		require.Empty(t, dups, "consumed more than once")
	}
	if r.orderly {
		last := map[string]int64{}
		for _, d := range r.deliveries {
			if prev, ok := last[d.queue]; ok {
				require.Greater(t, d.offset, prev, "%s: order of queue %s", d.keys, d.queue)
			}
			last[d.queue] = d.offset
		}
	}
	t.Logf("split %v; %d consumed more than once %v; %d consumed by a member the split did not give the queue %v",
		r.split, len(dups), dups, len(overlaps), overlaps)
	return len(dups)
}

// locksHeldBy reports the brokers' lock tables: every queue of the topic locked by the
// client id its holder runs as.
func locksHeldBy(c cluster, group string, holder map[string]string, clientIDs map[string]string) bool {
	n := 0
	for _, b := range c.Brokers() {
		for mq, cid := range b.QueueLocks(group) {
			if mq.Topic != topic {
				continue
			}
			n++
			if cid != clientIDs[holder[queueKey(mq.BrokerName, mq.QueueID)]] {
				return false
			}
		}
	}
	return n == len(holder)
}

// lockedAllAtOnce reports whether every broker got one LOCK_BATCH_MQ from clientID naming all of
// the topic's queues there: an orderly consumer's periodic lock, not one of its rebalance's.
func lockedAllAtOnce(c cluster, clientID string) bool {
	for _, b := range c.Brokers() {
		found := false
		for _, e := range b.History().Requests(remoting.CodeLockBatchMQ) {
			body, err := protocol.DecodeLockBatchRequestBody(e.Body)
			if err != nil || body.ClientID != clientID {
				continue
			}
			n := 0
			for _, mq := range body.MQSet {
				if mq.Topic == topic {
					n++
				}
			}
			found = found || n == topicQueues
		}
		if !found {
			return false
		}
	}
	return true
}

// TestJavaPushConsumersShareAndTakeOver: two Java 4.9.7 push consumers of one group (one JVM,
// two client instances) against the fakes, with a concurrent and with an orderly listener.
func TestJavaPushConsumersShareAndTakeOver(t *testing.T) {
	peer := requireJavaPeer(t)
	for _, mode := range []string{"concurrent", "orderly"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			c := startCluster(t)
			all := allQueues(c)
			p := newProducer(t, c)
			group := uniqueName(t, "jmg")
			var flags []string
			if mode == "orderly" {
				// A member that joins can ask for a queue's lock before the one giving it up has
				// unlocked it; Java then tries again at its next periodic rebalance (20 s by
				// default), as against a real broker. The test does not wait that long.
				flags = []string{"-Drocketmq.client.rebalance.waitInterval=2000"}
			}
			run := peer.startLive(t, flags, c.NameServerAddr(), "members", topic, group, mode)

			shares := func(lines []peerLine) map[string][]string {
				out := map[string][]string{}
				for _, l := range linesOf(lines, "allocated") {
					if l.Queues == "" {
						delete(out, l.Member)
						continue
					}
					out[l.Member] = strings.Split(l.Queues, ",")
				}
				return out
			}
			// Both members compute their shares when the second joins: NOTIFY_CONSUMER_IDS_CHANGED
			// makes the first rebalance at once (its periodic rebalance is 20 s away).
			lines := run.await(t, "m1 alone holds every queue", func(lines []peerLine) bool {
				return slices.Equal(shares(lines)["m1"], all) && len(linesOf(lines, "started")) == 1
			})
			if mode == "orderly" {
				// Java locks a new queue at its rebalance, and every queue it holds 1 s after its
				// start and then every 20 s (lockMQPeriodically), from a copy of its queue table.
				// If that first round runs while the join's rebalance gives queues up, it locks
				// again queues just unlocked, and keeps them locked but unused until the lock
				// expires (60 s), against a real broker as well. The join waits for that round.
				m1 := linesOf(lines, "started")[0].ClientID
				awaitCond(t, c, "m1's first periodic lock of every queue", func() bool {
					return lockedAllAtOnce(c, m1)
				})
			}
			run.send(t, "start m2")
			within := joinWithin
			if mode == "orderly" {
				within = waitDeadline // see the rebalance interval above
			}
			// Each member prints its client id once its start returns, which can be after its
			// first allocation.
			lines = run.awaitWithin(t, within, "the members' shares split the queues", func(lines []peerLine) bool {
				return isSplit(shares(lines), all) && len(linesOf(lines, "started")) == 2
			})
			split := shares(lines)
			clientIDs := map[string]string{}
			for _, l := range linesOf(lines, "started") {
				clientIDs[l.Member] = l.ClientID
			}
			for _, b := range c.Brokers() {
				require.ElementsMatch(t, []string{clientIDs["m1"], clientIDs["m2"]}, b.ConsumerIDs(group), "%s: the group's members", b.Name())
			}
			if mode == "orderly" {
				awaitCondExplained(t, c, "the brokers' locks follow the split", func() bool {
					return locksHeldBy(c, group, holderOf(split), clientIDs)
				}, func() string { return run.explain(c, group) })
			}

			deliveries := func(lines []peerLine) []delivery {
				var out []delivery
				for _, l := range linesOf(lines, "received") {
					out = append(out, delivery{member: l.Member, msgID: l.MsgID, queue: queueKey(l.BrokerName, l.QueueID),
						offset: l.QueueOffset, keys: l.Keys})
				}
				return out
			}
			sent1 := sendPhase(t, c, p, 0, membersPerPhase)
			lines = run.await(t, "phase 1 consumed", func(lines []peerLine) bool { return consumedAll(deliveries(lines), sent1) })
			require.Equal(t, split, shares(lines), "the shares did not move while both ran")

			run.send(t, "stop m1")
			run.await(t, "m1 stopped", func(lines []peerLine) bool { return len(linesOf(lines, "stopped")) == 1 })
			// Its UNREGISTER_CLIENT took it out of the group on both brokers.
			for _, b := range c.Brokers() {
				require.Equal(t, []string{clientIDs["m2"]}, b.ConsumerIDs(group), "%s: the group's members", b.Name())
			}
			sent2 := sendPhase(t, c, p, membersPerPhase, membersPerPhase)
			run.await(t, "m2 takes over and consumes phase 2", func(lines []peerLine) bool {
				s := shares(lines)
				return slices.Equal(s["m2"], all) && consumedAll(deliveries(lines), sent2)
			})
			if mode == "orderly" {
				awaitCondExplained(t, c, "m2 holds every lock", func() bool {
					return locksHeldBy(c, group, holderOf(map[string][]string{"m2": all}), clientIDs)
				}, func() string { return run.explain(c, group) })
			}
			final := run.finish(t)
			require.Len(t, linesOf(final, "shutdown"), 1)
			checkMembers(t, membersReport{split: split, deliveries: deliveries(final),
				leaver: "m1", stays: "m2", sent1: sent1, sent2: sent2, orderly: mode == "orderly"})
		})
	}
}

// officialMembers records what two official push consumers of one group do: each member's
// latest share of the topic's queues (from the allocation it computed) and every delivery.
type officialMembers struct {
	mu         sync.Mutex
	shares     map[string][]string
	deliveries []delivery
	log        []string      // every allocation and delivery in order, for a failure's message
	changed    chan struct{} // closed and replaced at every change
	// running is how many members the test has started; stale counts allocations a member
	// computed from a list with fewer (a broker asked before the newcomer's heartbeat reached it).
	running, stale int
}

func newOfficialMembers() *officialMembers {
	return &officialMembers{shares: map[string][]string{}, changed: make(chan struct{})}
}

func (o *officialMembers) wake() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// strategy is v2.1.2's average allocation, recording the share member computed.
func (o *officialMembers) strategy(member string) consumer.AllocateStrategy {
	return func(group, cid string, mqAll []*primitive.MessageQueue, cids []string) []*primitive.MessageQueue {
		mine := consumer.AllocateByAveragely(group, cid, mqAll, cids)
		if len(mqAll) == 0 || mqAll[0].Topic != topic {
			return mine
		}
		var qs []string
		for _, mq := range mine {
			qs = append(qs, queueKey(mq.BrokerName, int32(mq.QueueId)))
		}
		slices.Sort(qs)
		o.mu.Lock()
		defer o.mu.Unlock()
		o.log = append(o.log, fmt.Sprintf("%s allocated %v of %d members", member, qs, len(cids)))
		if len(cids) < o.running {
			o.stale++
		}
		if len(qs) == 0 {
			delete(o.shares, member)
		} else {
			o.shares[member] = qs
		}
		o.wake()
		return mine
	}
}

func (o *officialMembers) listener(member string) func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
	return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		for _, m := range msgs {
			d := delivery{member: member, msgID: m.MsgId,
				queue: queueKey(m.Queue.BrokerName, int32(m.Queue.QueueId)), offset: m.QueueOffset, keys: m.GetKeys()}
			o.deliveries = append(o.deliveries, d)
			o.log = append(o.log, fmt.Sprintf("%s got %s from %s@%d", member, d.keys, d.queue, d.offset))
		}
		o.wake()
		return consumer.ConsumeSuccess, nil
	}
}

// await returns once cond holds for the shares and deliveries, checked at every change.
func (o *officialMembers) await(t *testing.T, what string, cond func(shares map[string][]string, ds []delivery) bool) {
	t.Helper()
	o.awaitWithin(t, waitDeadline, what, cond)
}

// awaitWithin is await with a deadline of its own.
func (o *officialMembers) awaitWithin(t *testing.T, within time.Duration, what string, cond func(shares map[string][]string, ds []delivery) bool) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		o.mu.Lock()
		ok, changed := cond(o.shares, o.deliveries), o.changed
		o.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			o.mu.Lock()
			defer o.mu.Unlock()
			require.Failf(t, "timed out", "waiting for %s: shares %v, %d deliveries", what, o.shares, len(o.deliveries))
		}
	}
}

func (o *officialMembers) setRunning(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.running = n
}

func (o *officialMembers) snapshot() (map[string][]string, []delivery) {
	o.mu.Lock()
	defer o.mu.Unlock()
	shares := map[string][]string{}
	for m, qs := range o.shares {
		shares[m] = slices.Clone(qs)
	}
	return shares, slices.Clone(o.deliveries)
}

// TestOfficialPushConsumersShareAndTakeOver: two official Go push consumers (v2.1.2) of one
// group against the fakes. The second joining splits the queues (the fakes push
// NOTIFY_CONSUMER_IDS_CHANGED, and v2.1.2 rebalances on it); while both run each queue is
// consumed by its holder only; when the first shuts down the second takes its queues over and
// gets everything sent afterwards. Messages consumed twice at a handover are counted and logged,
// not failed. They come at the join, from a bug of v2.1.2: a rebalance drops its queues one at a
// time, and remoteBrokerOffsetStore.persist([that queue]) commits it but deletes every other
// queue's offset from the client's table, so the other dropped queues are never committed and
// their new holder starts from the offset the last pull carried (the brokers store exactly what
// they were sent: the history shows one UPDATE_CONSUMER_OFFSET per join, not four).
//
// v2.1.2 also runs each NOTIFY_CONSUMER_IDS_CHANGED's rebalance at once on a goroutine of its
// own, without a lock (Java wakes its one rebalance thread instead). The second member's
// heartbeat reaches the brokers one after the other, so the first member hears 40 twice, and the
// first rebalance may ask the broker the heartbeat has not reached yet: it computes every queue
// for itself. When the two run together, the stale one can be applied last, and the member keeps
// queues the split gave the other (about 1 run in 40 here). Only when a member computed its share
// from such a stale list does the check count the messages consumed off the split instead of
// failing; the split itself, nothing lost and the takeover are required all the same.
func TestOfficialPushConsumersShareAndTakeOver(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	all := allQueues(c)
	group := uniqueName(t, "cg")
	o := newOfficialMembers()
	t.Cleanup(func() {
		if t.Failed() {
			o.mu.Lock()
			defer o.mu.Unlock()
			t.Logf("what the members did:\n%s", strings.Join(o.log, "\n"))
		}
	})

	// Each member runs on a client instance of its own, warmed by a producer first (see
	// awaitWarm); a producer that sends to every queue heartbeats to both brokers.
	member := func(name string, first int) (officialProducer, rocketmq.PushConsumer, sentByKeys) {
		p := newProducer(t, c)
		sent := sendPhase(t, c, p, first, len(all))
		p.awaitWarm(t, c)
		pc, err := rocketmq.NewPushConsumer(
			consumer.WithNameServer([]string{c.NameServerAddr()}),
			consumer.WithGroupName(group),
			consumer.WithInstance(p.instance),
			consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
			consumer.WithStrategy(o.strategy(name)),
		)
		require.NoError(t, err)
		require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}, o.listener(name)))
		return p, pc, sent
	}
	p1, m1, sent0 := member("m1", 1000)
	o.setRunning(1)
	require.NoError(t, m1.Start())
	stop1 := sync.OnceFunc(func() {
		require.NoError(t, m1.Shutdown())
		require.NoError(t, p1.Shutdown()) // the last user of the instance closes its connections
	})
	t.Cleanup(stop1)
	o.await(t, "m1 alone holds every queue", func(s map[string][]string, _ []delivery) bool {
		return slices.Equal(s["m1"], all)
	})
	p2, m2, warm2 := member("m2", 2000)
	maps.Copy(sent0, warm2)
	o.setRunning(2)
	require.NoError(t, m2.Start())
	t.Cleanup(func() { require.NoError(t, m2.Shutdown()) })
	o.awaitWithin(t, joinWithin, "the members' shares split the queues", func(s map[string][]string, _ []delivery) bool {
		return isSplit(s, all)
	})
	split, _ := o.snapshot()
	for _, b := range c.Brokers() {
		ids := b.ConsumerIDs(group)
		require.Len(t, ids, 2, "%s: the group's members", b.Name())
		slices.Sort(ids)
		require.True(t, strings.HasSuffix(ids[0], "@"+p1.instance) || strings.HasSuffix(ids[1], "@"+p1.instance), ids)
		require.True(t, strings.HasSuffix(ids[0], "@"+p2.instance) || strings.HasSuffix(ids[1], "@"+p2.instance), ids)
	}

	sent1 := sendPhase(t, c, p2, 0, membersPerPhase)
	o.await(t, "phase 1 consumed", func(_ map[string][]string, ds []delivery) bool {
		return consumedAll(ds, sent1) && consumedAll(ds, sent0)
	})
	shares, _ := o.snapshot()
	require.Equal(t, split, shares, "the shares did not move while both ran")

	stop1()
	o.setRunning(1)
	awaitGone(t, c, p1.instance) // v2.1.2 sends no UNREGISTER_CLIENT: its closed connections tell
	sent2 := sendPhase(t, c, p2, membersPerPhase, membersPerPhase)
	o.await(t, "m2 takes over and consumes phase 2", func(s map[string][]string, ds []delivery) bool {
		return slices.Equal(s["m2"], all) && consumedAll(ds, sent2)
	})
	_, ds := o.snapshot()
	o.mu.Lock()
	stale := o.stale
	o.mu.Unlock()
	t.Logf("%d shares computed from a member list without a running member", stale)
	checkMembers(t, membersReport{split: split, deliveries: ds, leaver: "m1", stays: "m2",
		sent0: sent0, sent1: sent1, sent2: sent2, duplicatesAllowed: true, overlapAllowed: stale > 0})
}
