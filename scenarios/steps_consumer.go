package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing/synctest"
	"time"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// consumerState is one named push consumer of the scenario.
type consumerState struct {
	name, group, topic string
	c                  *client.PushConsumer
	started            time.Time // when its Start was called
	// fails is how often the listener fails each message before it succeeds; -1 fails for ever
	// (orderly, -2, gives the consumer an orderly listener instead).
	fails int
}

// consumption is one message handed to a listener: by which consumer, when, and how often it
// had been consumed before.
type consumption struct {
	consumer  string
	key       string // UNIQ_KEY: a retried message keeps it
	queue     client.MessageQueue
	offset    int64 // in its queue
	reconsume int32
	at        time.Time
}

// consumeBook records every delivery of the scenario's consumers. Listeners run on the
// consumers' goroutines, in real time on the real backend, hence the lock.
type consumeBook struct {
	mu  sync.Mutex
	got []consumption
}

// add records c and returns how often its consumer has now been handed that message, which is
// what a listener that fails the first N deliveries decides by.
func (b *consumeBook) add(c consumption) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, c)
	n := 0
	for _, g := range b.got {
		if g.key == c.key && g.consumer == c.consumer {
			n++
		}
	}
	return n
}

// of returns the deliveries to consumer (every consumer when empty), oldest first.
func (b *consumeBook) of(consumer string) []consumption {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []consumption
	for _, g := range b.got {
		if consumer == "" || g.consumer == consumer {
			out = append(out, g)
		}
	}
	return out
}

// consumerTuner adds options to every consumer of the scenario (shorter intervals on a backend
// with scaled wall time).
type consumerTuner interface {
	ConsumerOptions() []client.Option
}

// startWords maps a feature's words to where a new group starts.
var startWords = map[string]client.ConsumeFromWhere{
	"the first offset": client.ConsumeFromFirstOffset,
	"the last offset":  client.ConsumeFromLastOffset,
	"the current time": client.ConsumeFromTimestamp,
}

// Consumer steps: push consumers of our client in clustering mode, their listeners, and what
// they consumed.
func (w *World) consumerSteps() []stepDef {
	return []stepDef{
		step(`^consumers? "([^"]*)" in group "([^"]*)" subscribed to "([^"]*)" (?:has|have) started$`,
			"creates push consumers (each with a client instance of its own, named after it) subscribed to every tag of the "+
				"topic, whose listener succeeds, and starts them, which must succeed; a new group starts at the first offset",
			func(names, group, topic string) error {
				for _, name := range splitList(names, ",") {
					if err := w.newConsumer(name, group, topic, 0, client.WithConsumeFromWhere(client.ConsumeFromFirstOffset)); err != nil {
						return err
					}
					if err := w.startConsumer(name); err != nil {
						return err
					}
				}
				return nil
			}).alias("push consumer", "DefaultMQPushConsumer", "subscribe", "join", "joins"),
		step(`^a consumer "([^"]*)" in group "([^"]*)" subscribed to "([^"]*)" starting from (the first offset|the last offset|the current time|the time (\d+) seconds ago)$`,
			"creates a push consumer (not started) whose group, when the broker has no offset for a queue, starts there "+
				"(ConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET, CONSUME_FROM_LAST_OFFSET, CONSUME_FROM_TIMESTAMP with the time of "+
				"this step, or that long before it; the client counts it to the second, as Java's yyyyMMddHHmmss string does)",
			func(name, group, topic, where, ago string) error {
				from, ok := startWords[where]
				if !ok {
					from = client.ConsumeFromTimestamp
				}
				opts := []client.Option{client.WithConsumeFromWhere(from)}
				if from == client.ConsumeFromTimestamp {
					var now time.Time
					_ = w.in(func() error { now = time.Now(); return nil })
					// Scaled as the time that passed between the sends was.
					opts = append(opts, client.WithConsumeTimestamp(now.Add(-w.scale(time.Duration(atoi32(ago))*time.Second))))
				}
				return w.newConsumer(name, group, topic, 0, opts...)
			}).alias("ConsumeFromWhere", "consume from", "timestamp", "first offset", "last offset"),
		step(`^a consumer "([^"]*)" in group "([^"]*)" subscribed to "([^"]*)" that fails (every message|each message (\d+) times?)(?: and retries at most (\d+) times)?$`,
			"creates a push consumer (not started, from the first offset) whose listener answers RECONSUME_LATER for every "+
				"message, or for each message's first N deliveries; maxReconsumeTimes is 16 unless said",
			func(name, group, topic, what, n, retries string) error {
				fails := -1
				if strings.HasPrefix(what, "each") {
					fails = int(atoi32(n))
				}
				opts := []client.Option{client.WithConsumeFromWhere(client.ConsumeFromFirstOffset)}
				if retries != "" {
					opts = append(opts, client.WithMaxReconsumeTimes(int(atoi32(retries))))
				}
				return w.newConsumer(name, group, topic, fails, opts...)
			}).alias("RECONSUME_LATER", "fails", "retry", "maxReconsumeTimes"),
		step(`^orderly consumers? "([^"]*)" in group "([^"]*)" subscribed to "([^"]*)" (?:has|have) started$`,
			"creates push consumers with an orderly listener (MessageListenerOrderly) that consumes every message, from the "+
				"first offset, and starts them: each consumes a queue only while it holds the queue's lock on the broker "+
				"(LOCK_BATCH_MQ), one batch at a time",
			func(names, group, topic string) error {
				for _, name := range splitList(names, ",") {
					if err := w.newConsumer(name, group, topic, orderly, client.WithConsumeFromWhere(client.ConsumeFromFirstOffset)); err != nil {
						return err
					}
					if err := w.startConsumer(name); err != nil {
						return err
					}
				}
				return nil
			}).alias("MessageListenerOrderly", "ordered", "in order", "sequential"),
		step(`^broadcasting consumers? "([^"]*)" in group "([^"]*)" subscribed to "([^"]*)"(?: with instance name "([^"]*)")? (?:has|have) started$`,
			"creates push consumers in broadcasting mode (each gets every message of the topic) whose listener succeeds, "+
				"from the first offset, keeping their offsets in files of the scenario's own directory (Java's "+
				"LocalFileOffsetStore, per client id and group), and starts them; with an instance name, that one instead of "+
				"the consumer's name, so that a consumer can take over another's offset file",
			func(names, group, topic, instance string) error {
				for _, name := range splitList(names, ",") {
					opts := w.broadcasting(client.WithConsumeFromWhere(client.ConsumeFromFirstOffset))
					if instance != "" {
						opts = append(opts, client.WithInstanceName(instance))
					}
					if err := w.newConsumer(name, group, topic, 0, opts...); err != nil {
						return err
					}
					if err := w.startConsumer(name); err != nil {
						return err
					}
				}
				return nil
			}).alias("BROADCASTING", "broadcast", "every member", "fan-out", "LocalFileOffsetStore"),
		step(`^a broadcasting consumer "([^"]*)" in group "([^"]*)" subscribed to "([^"]*)" that fails every message$`,
			"creates a push consumer (not started) in broadcasting mode whose listener answers RECONSUME_LATER for every message",
			func(name, group, topic string) error {
				return w.newConsumer(name, group, topic, -1, w.broadcasting(client.WithConsumeFromWhere(client.ConsumeFromFirstOffset))...)
			}).alias("broadcast failure", "not retried"),
		step(`^"([^"]*)" drops UNLOCK_BATCH_MQ$`,
			"the broker loses every UNLOCK_BATCH_MQ from now on: an orderly consumer's locks stay until they expire, as "+
				"when its process is killed",
			func(broker string) error {
				return w.addFault(broker, fault.Rule{Code: remoting.CodeUnlockBatchMQ, Action: fault.ActionDrop})
			}).alias("unlock lost", "keeps the lock", "42"),
		step(`^consumer "([^"]*)" received the messages of each queue in the order they were stored$`,
			"the queue offsets of the messages handed to the consumer's listener rise, queue by queue, without a gap or a repeat",
			func(name string) error {
				last := map[client.MessageQueue]int64{}
				for _, g := range w.consumed.of(name) {
					prev, seen := last[g.queue]
					if seen && g.offset != prev+1 {
						return fmt.Errorf("consumer %s got offset %d of %s/%d after offset %d", name, g.offset, g.queue.BrokerName, g.queue.QueueID, prev)
					}
					last[g.queue] = g.offset
				}
				return nil
			}).alias("order", "ordered", "sequence"),
		step(`^consumer "([^"]*)" (?:starts|has started)$`,
			"starts the consumer, which must succeed", w.startConsumer).alias("start consumer"),
		step(`^consumer "([^"]*)" shuts down$`,
			"shuts the consumer down: it persists its offsets, unregisters its group and leaves its client instance",
			func(name string) error {
				cs, err := w.consumer(name)
				if err != nil {
					return err
				}
				return w.in(func() error { cs.c.Shutdown(); return nil })
			}).alias("leaves", "stops", "shutdown"),
		step(`^the brokers drop NOTIFY_CONSUMER_IDS_CHANGED$`,
			"every broker of the scenario loses its notices to consumers that their group changed, so that only the "+
				"periodic rebalance can tell them",
			func() error {
				if w.cluster == nil {
					return errors.New("the scenario has no cluster")
				}
				for _, b := range w.cluster.Brokers() {
					if err := w.addFault(b.Name, fault.Rule{Code: remoting.CodeNotifyConsumerIDsChanged, Action: fault.ActionDrop}); err != nil {
						return err
					}
				}
				return nil
			}).alias("no notification", "notice lost", "40"),
		step(`^"([^"]*)" drops offset updates$`,
			"the broker loses every UPDATE_CONSUMER_OFFSET from now on, as if the consumers' persists never came (a killed "+
				"process's last ones never do); offsets committed with pulls still count",
			func(broker string) error {
				return w.addFault(broker, fault.Rule{Code: remoting.CodeUpdateConsumerOffset, Action: fault.ActionDrop})
			}).alias("crash", "offsets lost", "persist lost"),

		step(`^"([^"]*)" has no offset for group "([^"]*)"$`,
			"the broker answers every QUERY_CONSUMER_OFFSET of the group QUERY_NOT_FOUND (22), as 4.9.7 does for a queue the "+
				"group never committed once the queue's first message is cut by retention or no longer in memory "+
				"(ConsumerManageProcessor.queryConsumerOffset): the consumer's ConsumeFromWhere then decides where it starts",
			func(broker, group string) error {
				return w.addFault(broker, fault.Rule{Code: remoting.CodeQueryConsumerOffset, Group: w.consumerGroup(group),
					Action: fault.ActionError, ResponseCode: remoting.QueryNotFound,
					Remark: "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first"})
			}).onReal("the scenario's proxy answers for the broker, which never sees the query").
			alias("QUERY_NOT_FOUND", "no offset", "new group", "retention", "swapped out", "ConsumeFromWhere"),

		step(`^consumer "([^"]*)" (still )?consumes (\d+) queues? of "([^"]*)"(?: on "([^"]*)")?(?: within (\d+) minutes?)?$`,
			"the consumer holds that many queues of the topic (on that broker only, when one is named) after its last rebalance; "+
				"\"still\" reads it once, otherwise the fakes may take up to 3 of the feature's seconds to get there and real "+
				"servers 10 (a new member sets its queues up one offset query each, slower on a loaded machine), or the minutes said (a topic whose route the consumer learns at its next poll, 30 s, is rebalanced within "+
				"20 s more)",
			func(name, still string, n int, topic, broker, minutes string) error {
				check := func() error {
					qs, err := w.queuesOf(name, topic)
					if err != nil {
						return err
					}
					if broker != "" {
						qs = slices.DeleteFunc(qs, func(q client.MessageQueue) bool { return q.BrokerName != broker })
					}
					if len(qs) != n {
						return fmt.Errorf("consumer %s consumes %d queues of %s, want %d: %v", name, len(qs), topic, n, qs)
					}
					return nil
				}
				if still != "" {
					return w.in(func() error {
						err := check()
						if err != nil {
							// Which periodic rebalance could have run: say when each consumer started.
							var when []string
							for _, cs := range w.consumers {
								when = append(when, fmt.Sprintf("%s started %v ago", cs.name, time.Since(cs.started)))
							}
							slices.Sort(when)
							err = fmt.Errorf("%w (%s)", err, strings.Join(when, ", "))
						}
						return err
					})
				}
				within := w.rebalanceWithin()
				if minutes != "" {
					within = time.Duration(atoi32(minutes)) * time.Minute
				}
				return w.eventually(within, check)
			}).alias("holds", "queues", "allocated"),
		step(`^consumer "([^"]*)" has finished rebalancing$`,
			"no rebalance round of the consumer's client instance runs or waits for its turn (a broker's notice of the "+
				"group's change wakes one), and on a backend on the wall clock none started within a second of the feature's "+
				"time since (it waits up to 10): its queues move again only at its next period, on a notice or when it shuts down",
			func(name string) error {
				cs, err := w.consumer(name)
				if err != nil {
					return err
				}
				if w.bubble != nil {
					return w.in(func() error {
						if s := cs.c.Snapshot(); s.Rebalancing {
							return fmt.Errorf("consumer %s is rebalancing (%d rounds so far)", name, s.RebalanceRounds)
						}
						return nil
					})
				}
				// A notice already on its way may land just after a look: idle twice in a row,
				// with no round between the looks, a feature's second apart.
				gap := w.scale(time.Second)
				prev := int64(-1)
				return w.eventually(10*time.Second, func() error {
					s := cs.c.Snapshot()
					if s.Rebalancing {
						prev = -1
						return fmt.Errorf("consumer %s is rebalancing (%d rounds so far)", name, s.RebalanceRounds)
					}
					if s.RebalanceRounds != prev {
						prev = s.RebalanceRounds
						time.Sleep(gap)
						return fmt.Errorf("consumer %s has just rebalanced (%d rounds so far)", name, s.RebalanceRounds)
					}
					return nil
				})
			}).alias("settled", "rebalance over", "idle"),
		step(`^consumers "([^"]*)" consume (\d+) queues of "([^"]*)" each, and no queue twice$`,
			"each consumer holds that many queues of the topic, and no queue is held by two of them; the fakes may take up "+
				"to 3 of the feature's seconds to get there, real servers 10 (a new member sets its queues up one offset query "+
				"each, slower on a loaded machine)",
			func(names string, n int, topic string) error {
				return w.eventually(w.rebalanceWithin(), func() error {
					seen := map[client.MessageQueue]string{}
					for _, name := range splitList(names, ",") {
						qs, err := w.queuesOf(name, topic)
						if err != nil {
							return err
						}
						if len(qs) != n {
							return fmt.Errorf("consumer %s consumes %d queues of %s, want %d: %v", name, len(qs), topic, n, qs)
						}
						for _, q := range qs {
							if other, dup := seen[q]; dup {
								return fmt.Errorf("queue %s/%d is consumed by %s and %s", q.BrokerName, q.QueueID, other, name)
							}
							seen[q] = name
						}
					}
					return nil
				})
			}).alias("split", "share", "rebalanced", "allocation"),
		step(`^consumer "([^"]*)" receives (\d+) messages?(?:, and no more within (\d+) seconds)?$`,
			"within a minute the consumer's listener was handed that many messages in all (retries count); with \"no more\", "+
				"that much time passes after that and nothing more comes",
			func(name string, n int, settle string) error {
				if _, err := w.consumer(name); err != nil {
					return err
				}
				check := func() error {
					if got := len(w.consumed.of(name)); got != n {
						return fmt.Errorf("consumer %s received %d messages, want %d", name, got, n)
					}
					return nil
				}
				if err := w.eventually(time.Minute, check); err != nil || settle == "" {
					return err
				}
				if err := w.sleep(time.Duration(atoi32(settle)) * time.Second); err != nil {
					return err
				}
				return check()
			}).alias("consumed", "gets", "delivered"),
		step(`^consumer "([^"]*)" receives the last (\d+) messages sent, each once, and no more within (\d+) seconds$`,
			"within a minute the consumer's listener was handed exactly the last N messages the scenario's producers sent "+
				"with \"sends N messages\", each once and nothing else; then that much time passes and nothing more comes",
			func(name string, n, settle int) error {
				if _, err := w.consumer(name); err != nil {
					return err
				}
				check := func() error {
					want := w.sent[max(len(w.sent)-n, 0):]
					got := w.consumed.of(name)
					seen := map[string]bool{}
					older := 0
					for _, g := range got {
						if seen[g.key] {
							return fmt.Errorf("consumer %s received %s twice", name, g.key)
						}
						seen[g.key] = true
						if !slices.Contains(want, g.key) {
							older++
						}
					}
					if len(got) != len(want) || older > 0 {
						return fmt.Errorf("consumer %s received %d messages, %d of them sent before the last %d of the %d sent",
							name, len(got), older, n, len(w.sent))
					}
					return nil
				}
				if err := w.eventually(time.Minute, check); err != nil {
					return err
				}
				if err := w.sleep(time.Duration(settle) * time.Second); err != nil {
					return err
				}
				return check()
			}).alias("consumed", "which messages", "newest", "start offset"),
		step(`^within (\d+) seconds consumer "([^"]*)" receives at most the last (\d+) messages consumer "([^"]*)" received, and nothing else$`,
			"after that time, the consumer was handed no message but those among the other consumer's last N deliveries, "+
				"each at most once: a pull carries the offset consumed when it leaves, so fewer may come again",
			func(secs int, name string, n int, before string) error {
				if _, err := w.consumer(name); err != nil {
					return err
				}
				if err := w.sleep(time.Duration(secs) * time.Second); err != nil {
					return err
				}
				earlier := w.consumed.of(before)
				last := map[string]bool{}
				for _, g := range earlier[max(len(earlier)-n, 0):] {
					last[g.key] = true
				}
				got := w.consumed.of(name)
				seen := map[string]bool{}
				for _, g := range got {
					if !last[g.key] || seen[g.key] {
						return fmt.Errorf("consumer %s received %d messages, %s not among the last %d that %s received once",
							name, len(got), g.key, n, before)
					}
					seen[g.key] = true
				}
				return nil
			}).alias("duplicates", "at most", "persist window"),
		step(`^group "([^"]*)" consumed each of the (\d+) messages once$`,
			"within a minute the group's consumers were handed that many different messages, each to one consumer once",
			func(group string, n int) error {
				return w.eventually(time.Minute, func() error {
					seen := map[string]string{}
					total := 0
					for _, g := range w.consumed.of("") {
						if w.consumers[g.consumer].group != group {
							continue
						}
						total++
						if other, dup := seen[g.key]; dup {
							return fmt.Errorf("message %s was consumed by %s and by %s", g.key, other, g.consumer)
						}
						seen[g.key] = g.consumer
					}
					if total != n {
						return fmt.Errorf("group %s consumed %d messages, want %d", group, total, n)
					}
					return nil
				})
			}).alias("exactly once", "duplicates", "each message"),
		step(`^consumer "([^"]*)" receives the message (\d+) times within (\d+) (seconds?|minutes?|hours?)$`,
			"the consumer's listener was handed the scenario's one message that many times (the first delivery and its "+
				"retries) within that time, and not once more",
			func(name string, n, within int, unit string) error {
				if _, err := w.consumer(name); err != nil {
					return err
				}
				d := time.Duration(within) * time.Second
				switch unit[0] {
				case 'm':
					d = time.Duration(within) * time.Minute
				case 'h':
					d = time.Duration(within) * time.Hour
				}
				err := w.eventually(d, func() error {
					if got := len(w.consumed.of(name)); got < n {
						return fmt.Errorf("consumer %s received the message %d times, want %d", name, got, n)
					}
					return nil
				})
				if err != nil {
					return err
				}
				if got := len(w.consumed.of(name)); got != n {
					return fmt.Errorf("consumer %s received the message %d times, want %d", name, got, n)
				}
				return nil
			}).alias("comes back", "redelivered", "retried"),
		step(`^the deliveries to consumer "([^"]*)" were ([\d, and]+) seconds apart$`,
			"the time between one delivery of the message and the next, in order (Java's delay levels: 3 + reconsume "+
				"times, 10 s, 30 s, 1 min, 2 min, ...); exact on the fakes, up to 3 of the feature's seconds later on real servers",
			func(name, gaps string) error {
				want := splitList(strings.ReplaceAll(gaps, " and ", ","), ",")
				got := w.consumed.of(name)
				if len(got) != len(want)+1 {
					return fmt.Errorf("consumer %s received the message %d times, want %d", name, len(got), len(want)+1)
				}
				for i, s := range want {
					d := time.Duration(atoi32(s)) * time.Second
					gap := got[i+1].at.Sub(got[i].at)
					if !w.closeTo(gap, d, 3*time.Second) {
						return fmt.Errorf("delivery %d came %v after delivery %d, want %v (the backend's %v)", i+2, gap, i+1, d, w.scale(d))
					}
				}
				return nil
			}).alias("delay level", "apart", "backoff"),
		step(`^the deliveries to consumer "([^"]*)" counted ([\d, and]+) reconsume times$`,
			"each delivery of the message carried that reconsume count, in order",
			func(name, counts string) error {
				want := splitList(strings.ReplaceAll(counts, " and ", ","), ",")
				var got []string
				for _, g := range w.consumed.of(name) {
					got = append(got, fmt.Sprint(g.reconsume))
				}
				if !slices.Equal(got, want) {
					return fmt.Errorf("the deliveries counted %v reconsume times, want %v", got, want)
				}
				return nil
			}).alias("reconsumeTimes", "retry count"),
		step(`^the (dead-letter|retry) queue of group "([^"]*)" holds (\d+) messages?$`,
			"%DLQ%<group> (or %RETRY%<group>) holds that many messages on the scenario's brokers (read from its queues' max offsets), at once "+
				"on the fakes; on real servers within 3 of the feature's seconds (the send-back that stores it follows the "+
				"listener's answer)",
			func(which, group string, n int) error {
				prefix := map[string]string{"dead-letter": "%DLQ%", "retry": "%RETRY%"}[which]
				return w.onServers(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					// The backend names the scenario's topics, so %DLQ% + the feature's group name is the
					// dead-letter topic of the group the consumers were given (see consumerGroup), and
					// %RETRY% + it the retry topic.
					offs, err := c.Offsets(ctx, prefix+group)
					if err != nil {
						return err
					}
					total := int64(0)
					for _, o := range offs {
						total += o
					}
					if total != int64(n) {
						return fmt.Errorf("%s%s holds %d messages, want %d", prefix, group, total, n)
					}
					return nil
				})
			}).alias("DLQ", "dead letter", "%DLQ%", "%RETRY%"),
	}
}

// newConsumer creates a push consumer subscribed to every tag of topic. Its instance name is
// its own name, so that the consumers of a scenario are members of their group apart.
func (w *World) newConsumer(name, group, topic string, fails int, opts ...client.Option) error {
	if _, dup := w.consumers[name]; dup {
		return fmt.Errorf("consumer %q already exists", name)
	}
	if w.cluster == nil {
		return errors.New("the scenario has no cluster")
	}
	cs := &consumerState{name: name, group: group, topic: topic, fails: fails}
	listener := client.WithConcurrentListener(w.listener(cs))
	if fails == orderly {
		listener = client.WithOrderlyListener(w.orderlyListener(cs))
	}
	base := []client.Option{
		client.WithGroup(w.consumerGroup(group)),
		client.WithInstanceName(name),
		client.WithManager(w.manager),
		client.WithLogger(slog.New(slog.DiscardHandler)),
		client.WithNameServers(w.cluster.NameServerAddr()),
		listener,
	}
	if d := w.cluster.Dialer(); d != nil {
		// As for producers: an instance that reads its name servers over HTTP stays on the
		// bubble's network.
		base = append(base, client.WithDialer(d), client.WithHTTPClient(httpClientOver(d)))
	}
	if t, ok := w.cluster.(consumerTuner); ok {
		base = append(base, t.ConsumerOptions()...)
	}
	err := w.in(func() error {
		var err error
		if cs.c, err = client.NewPushConsumer(append(base, opts...)...); err != nil {
			return err
		}
		return cs.c.Subscribe(w.topic(topic), "*")
	})
	if err != nil {
		return err
	}
	if w.consumers == nil {
		w.consumers = map[string]*consumerState{}
	}
	w.consumers[name] = cs
	return nil
}

// broadcasting returns the options of a broadcasting consumer: its offsets go to files in a
// directory of the scenario's, removed when the scenario ends.
func (w *World) broadcasting(opts ...client.Option) []client.Option {
	if w.offsetDir == "" {
		w.offsetDir = w.bt.TempDir()
	}
	return append(opts, client.WithMessageModel(client.Broadcasting), client.WithOffsetStoreDir(w.offsetDir))
}

// orderly, given to newConsumer as fails, makes an orderly consumer.
const orderly = -2

// consumerGroup is the group's name on the servers: a shared real cluster gives every scenario
// groups of its own, as it does topics, so that members of another scenario's group never
// take part in this one's rebalance.
func (w *World) consumerGroup(group string) string { return w.topic(group) }

// listener records every message and answers as the consumer's failures say.
func (w *World) listener(cs *consumerState) client.ConcurrentListener {
	return func(_ context.Context, msgs []*client.MessageExt, _ *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
		status := client.ConsumeSuccess
		for _, m := range msgs {
			n := w.consumed.add(w.consumptionOf(cs, m))
			if cs.fails < 0 || n <= cs.fails {
				status = client.ReconsumeLater
			}
		}
		return status, nil
	}
}

func (w *World) consumptionOf(cs *consumerState, m *client.MessageExt) consumption {
	return consumption{consumer: cs.name, key: m.UniqKey(), reconsume: m.ReconsumeTimes, at: time.Now(), offset: m.QueueOffset,
		queue: client.MessageQueue{Topic: m.Topic, BrokerName: m.BrokerName, QueueID: int(m.QueueID)}}
}

// orderlyListener records every message and consumes it.
func (w *World) orderlyListener(cs *consumerState) client.OrderlyListener {
	return func(_ context.Context, msgs []*client.MessageExt, _ *client.ConsumeOrderlyContext) (client.ConsumeOrderlyStatus, error) {
		for _, m := range msgs {
			w.consumed.add(w.consumptionOf(cs, m))
		}
		return client.ConsumeOrderlySuccess, nil
	}
}

func (w *World) consumer(name string) (*consumerState, error) {
	if cs, ok := w.consumers[name]; ok {
		return cs, nil
	}
	return nil, fmt.Errorf("no consumer %q", name)
}

func (w *World) startConsumer(name string) error {
	cs, err := w.consumer(name)
	if err != nil {
		return err
	}
	return w.in(func() error {
		cs.started = time.Now()
		if err := cs.c.Start(); err != nil {
			return fmt.Errorf("consumer %s did not start: %w", name, err)
		}
		return nil
	})
}

// queuesOf returns the queues of topic the consumer holds now, sorted.
func (w *World) queuesOf(name, topic string) ([]client.MessageQueue, error) {
	cs, err := w.consumer(name)
	if err != nil {
		return nil, err
	}
	var out []client.MessageQueue
	for mq := range cs.c.Consumption().Queues {
		if mq.Topic == w.topic(topic) {
			out = append(out, mq)
		}
	}
	slices.SortFunc(out, func(a, b client.MessageQueue) int {
		return strings.Compare(fmt.Sprintf("%s/%03d", a.BrokerName, a.QueueID), fmt.Sprintf("%s/%03d", b.BrokerName, b.QueueID))
	})
	return out, nil
}

func (w *World) stopConsumers() error {
	for _, cs := range w.consumers {
		cs.c.Shutdown()
	}
	return nil
}

// onServers checks what the servers hold: at once in the bubble, where every server has done
// its part once the scenario's goroutines are idle; on the wall clock for up to 3 of the
// feature's seconds, as a real broker does some of its part on threads of its own (it forgets a
// closed connection's client on its event thread, stores a send-back after the answer).
func (w *World) onServers(check func(backend.Cluster) error) error {
	if w.cluster == nil {
		return errors.New("the scenario has no cluster")
	}
	within := time.Duration(0)
	if w.bubble == nil {
		within = 3 * time.Second
	}
	return w.eventually(within, func() error { return check(w.cluster) })
}

// rebalanceWithin is how long a consumer may take to hold the queues a rebalance gives it:
// 3 of the feature's seconds in the bubble; on the wall clock 10 (a second), as a new member
// sets its queues up one offset query each and a loaded machine saw 0.3 s not enough. Still
// well inside a rebalance period (20 s), so a notice that was missed is not hidden.
func (w *World) rebalanceWithin() time.Duration {
	if w.bubble != nil {
		return 3 * time.Second
	}
	return 10 * time.Second
}

// eventually checks cond until it holds, for at most within of the feature's time: in the
// bubble virtual time passes a second at a time, on the wall clock it polls.
func (w *World) eventually(within time.Duration, cond func() error) error {
	within = w.scale(within)
	tick := w.scale(time.Second) / 10
	if w.bubble != nil {
		// A second of virtual time, or a thousandth of a long wait (18 s of a 5 h one): each
		// look costs a synctest.Wait of wall time, and what the steps then check was recorded
		// when it happened, not when it was seen.
		tick = max(time.Second, within/1000)
	}
	return w.in(func() error {
		deadline := time.Now().Add(within)
		for {
			err := cond()
			if err == nil || !time.Now().Before(deadline) {
				return err
			}
			time.Sleep(tick)
			if w.bubble != nil {
				synctest.Wait()
			}
		}
	})
}

// closeTo reports whether a measured gap is the feature's want: within a second in virtual time
// (the delay level's timer and the pull that brings the message back), and on the wall clock
// from a little under the scaled want to late scaled slack after it.
func (w *World) closeTo(got, want, late time.Duration) bool {
	if w.bubble != nil {
		return got >= want && got <= want+time.Second
	}
	return got >= w.scale(want)-w.scale(time.Second)/2 && got <= w.scale(want)+w.scale(late)
}
