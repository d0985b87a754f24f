package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
)

// txBook is what the scenario's transactions did: the half messages its producers sent, and
// what each producer's checker was asked and answers. Checkers run on the client's check
// executor, in real time on the real backend, hence the lock.
type txBook struct {
	mu sync.Mutex
	// ours holds the transaction ids (UNIQ_KEY) of the scenario's half messages. A shared real
	// cluster also asks about other scenarios' half messages of the same group; a checker
	// answers those unknown and does not count them.
	ours    map[string]bool
	answers map[string]client.LocalTransactionState // producer -> what its checker answers
	checks  map[string]map[string]int               // producer -> transaction id -> checks
	last    string                                  // the id of the last transaction sent
}

func (b *txBook) init() {
	if b.ours == nil {
		b.ours, b.answers, b.checks = map[string]bool{}, map[string]client.LocalTransactionState{}, map[string]map[string]int{}
	}
}

// listener is the transaction listener of producer name: its local transaction decides what
// the send step asked for (the send's arg), its checker answers what the scenario set.
func (b *txBook) listener(name string) client.TransactionListener {
	return client.TransactionListenerFuncs{
		Execute: func(_ context.Context, msg *client.Message, arg any) (client.LocalTransactionState, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.init()
			if id := msg.UniqKey(); id != "" {
				b.ours[id] = true
			}
			return arg.(client.LocalTransactionState), nil
		},
		Check: func(_ context.Context, msg *client.MessageExt) (client.LocalTransactionState, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.init()
			id := msg.UniqKey()
			if !b.ours[id] {
				return client.TransactionUnknown, nil
			}
			if b.checks[name] == nil {
				b.checks[name] = map[string]int{}
			}
			b.checks[name][id]++
			return b.answers[name], nil
		},
	}
}

func (b *txBook) setAnswer(producer string, s client.LocalTransactionState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	b.answers[producer] = s
}

// asked returns how often producer's checker was asked about transaction id, or about any of
// the scenario's transactions when id is empty.
func (b *txBook) asked(producer, id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for tx, c := range b.checks[producer] {
		if id == "" || tx == id {
			n += c
		}
	}
	return n
}

func (b *txBook) lastID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// stateWords maps a feature's words to a local transaction's decision.
var stateWords = map[string]client.LocalTransactionState{
	"commit": client.TransactionCommit, "commits": client.TransactionCommit,
	"rollback": client.TransactionRollback, "rolls back": client.TransactionRollback,
	"unknown": client.TransactionUnknown, "returns unknown": client.TransactionUnknown,
}

// Transaction steps: transactional producers of our client, their local transactions and
// checkers, and what the broker's check asks them.
func (w *World) transactionSteps() []stepDef {
	return []stepDef{
		step(`^a transactional producer "([^"]*)" in group "([^"]*)"(?: with instance name "([^"]*)")? whose checker answers (commit|rollback|unknown)$`,
			"creates a producer (not started) with a transaction listener: its local transaction decides as each send asks, "+
				"and its checker answers the broker's checks of the scenario's half messages as said (a check of a half "+
				"message the scenario did not send is answered unknown and not counted); producers of one group need "+
				"instance names of their own",
			func(name, group, instance, answer string) error {
				w.tx.setAnswer(name, stateWords[answer])
				opts := []client.Option{client.WithTransactionListener(w.tx.listener(name))}
				if instance != "" {
					opts = append(opts, client.WithInstanceName(instance))
				}
				return w.newProducer(name, group, true, opts...)
			}).alias("TransactionMQProducer", "transaction listener", "checker", "half message"),
		step(`^the checker of producer "([^"]*)" answers (commit|rollback|unknown)$`,
			"from now on the producer's checker answers the broker's checks so",
			func(name, answer string) error {
				if _, err := w.producer(name); err != nil {
					return err
				}
				w.tx.setAnswer(name, stateWords[answer])
				return nil
			}).alias("check answer", "checkLocalTransaction"),
		step(`^producer "([^"]*)" sends a message to "([^"]*)" in a transaction that (commits|rolls back|returns unknown)$`,
			"one transactional send (sendMessageInTransaction): the half message, then the local transaction, which decides so, "+
				"then END_TRANSACTION with that decision; the half message's send must succeed with SEND_OK",
			func(name, topic, decision string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if err := w.awaitListedInGroup(ps); err != nil {
					return err
				}
				out := &sendOutcome{topic: topic}
				w.last = out
				var res *client.TransactionSendResult
				err = w.in(func() error {
					start := time.Now()
					res, out.err = ps.p.SendInTransaction(context.Background(), w.newBody(topic, 16), stateWords[decision])
					out.elapsed = time.Since(start)
					return nil
				})
				if err != nil {
					return err
				}
				if out.err != nil {
					return fmt.Errorf("the transactional send failed: %w", out.err)
				}
				out.result = &res.SendResult
				if res.Status != client.SendOK || res.LocalTransactionState != stateWords[decision] {
					return fmt.Errorf("the transaction sent its half message with %s and ended %s", res.Status, res.LocalTransactionState)
				}
				w.tx.mu.Lock()
				w.tx.init()
				w.tx.ours[res.MsgID], w.tx.last = true, res.MsgID
				w.tx.mu.Unlock()
				return nil
			}).
			onReal("the send first waits until the scenario's brokers list the producer in its group (its first "+
				"heartbeat, 1 s after its start, fixed as in Java: ten of the book's seconds there), so that the "+
				"broker's first check of the half message, due 6 of the book's seconds after it, finds the producer as "+
				"on the fakes; a check that finds no producer of the group is lost and still counts").
			alias("sendMessageInTransaction", "SendInTransaction", "transactional send", "local transaction"),
		step(`^the checker of producer "([^"]*)" was asked about the transaction (once|at least once|\d+ times)$`,
			"the broker's check (CHECK_TRANSACTION_STATE) asked the producer's checker about the scenario's last transaction "+
				"that many times so far",
			func(name, times string) error {
				if _, err := w.producer(name); err != nil {
					return err
				}
				id := w.tx.lastID()
				if id == "" {
					return errors.New("no transaction yet")
				}
				got := w.tx.asked(name, id)
				var ok bool
				switch times {
				case "once":
					ok = got == 1
				case "at least once":
					ok = got > 0
				default:
					n, _ := strconv.Atoi(strings.Fields(times)[0])
					ok = got == n
				}
				if ok {
					return nil
				}
				return fmt.Errorf("the checker of %s was asked %d times about the transaction, want %s", name, got, times)
			}).
			onReal("the shared brokers check every 6 s, a tenth of Java's 60 s, as the features' time is scaled; "+
				"a count holds once the transaction is settled or given up").
			alias("checked", "check", "CHECK_TRANSACTION_STATE", "asked back"),
		step(`^the checker of producer "([^"]*)" was not asked$`,
			"no check asked the producer's checker about any of the scenario's transactions",
			func(name string) error {
				if _, err := w.producer(name); err != nil {
					return err
				}
				if n := w.tx.asked(name, ""); n != 0 {
					return fmt.Errorf("the checker of %s was asked %d times", name, n)
				}
				return nil
			}).alias("never checked", "no check"),
	}
}

// awaitListedInGroup waits, on real servers, until every running broker of the scenario lists
// the producer's client id among the connections of its group (GET_PRODUCER_CONNECTION_LIST,
// asked of the brokers behind the proxy): the table a 4.9.7 broker takes a check's channel
// from (ProducerManager.getAvailableChannel). The broker's check of a half message counts
// (TRANSACTION_CHECK_TIMES one up) even when it finds no channel and sends nothing
// (AbstractTransactionalMessageCheckListener.sendCheckMessage logs "channel is null"). On the
// book's clock Java's producer heartbeats 1 s after its start, before a half message can first
// be checked (transactionTimeOut, 6 s); on the scaled wall clock that first heartbeat, fixed at
// 1 s, is ten of the book's seconds, so a check round falling between 0.6 s after the send and
// the heartbeat would be lost, and a count of checks one short. The fakes run the book's clock:
// nothing to wait for there.
func (w *World) awaitListedInGroup(ps *producerState) error {
	if w.backend.Virtual() {
		return nil
	}
	id, group := ps.p.ClientID(), ps.p.Group()
	// Two heartbeat periods (2.5 s each on real servers) and the first one's second.
	return w.eventually(time.Minute, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), w.scale(time.Minute))
		defer cancel()
		return listedInGroup(ctx, w.cluster, id, group)
	})
}

// listedInGroup returns nil once every running broker of c lists client id among the
// connections of producer group.
func listedInGroup(ctx context.Context, c backend.Cluster, id, group string) error {
	clients, err := c.Clients(ctx, group)
	if err != nil {
		return err
	}
	for _, b := range c.Brokers() {
		if b.Running && !slices.ContainsFunc(clients, func(c backend.Client) bool {
			return c.Broker == b.Name && c.ClientID == id
		}) {
			return fmt.Errorf("%s does not list client %s in producer group %s yet", b.Name, id, group)
		}
	}
	return nil
}
