package load

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// external reaches a cluster through its name server over the wire: it creates the run's
// topics when they have no route, notes where each queue stands before the run, and reads the
// run's messages back afterwards with PULL_MESSAGE.
type external struct {
	ns    string
	rc    *remoting.Client
	start map[queueKey]int64 // max offset of each queue before the run
	// startBroker is the broker name of each queue routed before the run.
	startBroker map[queueKey]string
	broken      bool // prepare failed: do not read back
}

type queueKey struct {
	topic, addr string
	queue       int32
}

const (
	externalTimeout = 5 * time.Second
	verifyGroup     = "rocketsim_load_verify"
)

func newExternal(ns string) *external {
	return &external{ns: ns, rc: remoting.NewClient(), start: make(map[queueKey]int64), startBroker: make(map[queueKey]string)}
}

func (e *external) close() { _ = e.rc.Close() }

// bounded gives one request (or one batch of pulls) externalTimeout.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, externalTimeout)
}

// answered renders an error as load's messages always have: a server's answer as "code N
// remark", anything else as it is.
func answered(err error) string {
	var se *admin.ServerError
	if errors.As(err, &se) {
		return fmt.Sprintf("code %d %s", se.Code, se.Remark)
	}
	return err.Error()
}

func (e *external) route(ctx context.Context, topic string) (*protocol.TopicRouteData, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	rd, ok, err := admin.Route(ctx, e.rc, e.ns, topic)
	switch {
	case err != nil:
		return nil, fmt.Errorf("route of %s: %s", topic, answered(err))
	case !ok:
		return nil, fmt.Errorf("route of %s: code %d no route", topic, remoting.TopicNotExist)
	}
	return rd, nil
}

// prepare creates missing topics on every master (falling back on the brokers' auto-create)
// and records the queues' offsets.
func (e *external) prepare(ctx context.Context, topics []string, queues int, note func(string, ...any)) error {
	for _, t := range topics {
		rd, err := e.route(ctx, t)
		if err != nil {
			if err := e.createTopic(ctx, t, queues); err != nil {
				note("topic %s has no route and could not be created (%v): relying on the brokers' auto-create", t, err)
				continue
			}
			deadline := time.Now().Add(externalTimeout)
			for rd == nil && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				rd, _ = e.route(ctx, t)
			}
			if rd == nil {
				note("topic %s was created but has no route yet", t)
				continue
			}
		}
		if err := e.eachQueue(rd, t, func(k queueKey, broker string) error {
			off, err := e.maxOffset(ctx, k, broker)
			e.start[k], e.startBroker[k] = off, broker
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func (e *external) createTopic(ctx context.Context, topic string, queues int) error {
	cctx, cancel := bounded(ctx)
	ci, err := admin.ClusterInfo(cctx, e.rc, e.ns)
	cancel()
	if err != nil {
		return fmt.Errorf("cluster info: %s", answered(err))
	}
	tc := protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
	created := 0
	var errs []error
	for _, bd := range ci.BrokerAddrTable {
		addr, ok := bd.MasterAddr()
		if !ok {
			continue
		}
		cctx, cancel := bounded(ctx)
		err := admin.CreateTopic(cctx, e.rc, addr, tc)
		cancel()
		var se *admin.ServerError
		switch {
		case errors.As(err, &se):
			errs = append(errs, fmt.Errorf("%s: %s", bd.BrokerName, answered(err)))
		case err != nil:
			errs = append(errs, err)
		default:
			created++
		}
	}
	if created == 0 {
		return errors.Join(append(errs, errors.New("no master broker took the topic"))...)
	}
	return nil
}

// eachQueue calls f for every readable queue of the route on its master.
func (e *external) eachQueue(rd *protocol.TopicRouteData, topic string, f func(queueKey, string) error) error {
	masters := make(map[string]string)
	for _, bd := range rd.BrokerDatas {
		if addr, ok := bd.MasterAddr(); ok {
			masters[bd.BrokerName] = addr
		}
	}
	for _, qd := range rd.QueueDatas {
		addr, ok := masters[qd.BrokerName]
		if !ok {
			continue
		}
		for q := range max(qd.ReadQueueNums, qd.WriteQueueNums) {
			if err := f(queueKey{topic: topic, addr: addr, queue: q}, qd.BrokerName); err != nil {
				return err
			}
		}
	}
	return nil
}

func (k queueKey) messageQueue(broker string) protocol.MessageQueue {
	return protocol.MessageQueue{Topic: k.topic, BrokerName: broker, QueueID: k.queue}
}

func (e *external) maxOffset(ctx context.Context, k queueKey, broker string) (int64, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	off, err := admin.MaxOffset(ctx, e.rc, k.addr, k.messageQueue(broker))
	if err != nil {
		return 0, fmt.Errorf("max offset of %s/%d: %s", k.topic, k.queue, answered(err))
	}
	return off, nil
}

// readBack pulls every queue of the run's topics from where it stood before the run and counts
// the messages whose key starts with prefix.
func (e *external) readBack(ctx context.Context, topics []string, prefix string) (map[int64]int32, error) {
	r := &runner{prefix: prefix}
	stored := make(map[int64]int32)
	for _, t := range topics {
		rd, err := e.route(ctx, t)
		if err != nil {
			return nil, err
		}
		// The queues routed now, and those routed before the run (a queue count may have
		// shrunk): a queue that can no longer be read fails the read-back rather than hiding
		// its messages.
		queues := make(map[queueKey]string)
		_ = e.eachQueue(rd, t, func(k queueKey, broker string) error { queues[k] = broker; return nil })
		for k, broker := range e.startBroker {
			if k.topic == t {
				if _, ok := queues[k]; !ok {
					queues[k] = broker
				}
			}
		}
		for k, broker := range queues {
			err := e.pullQueue(ctx, k, broker, e.start[k], func(m *protocol.MessageExt) {
				if seq, ok := r.parseKey(m.Properties[KeyProperty]); ok {
					stored[seq]++
				}
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return stored, nil
}

// pullQueue reads the queue from where it stood before the run up to where it stands now, a
// batch of admin.PullBatch messages (one pull) at a time, each with its own externalTimeout.
func (e *external) pullQueue(ctx context.Context, k queueKey, broker string, from int64, f func(*protocol.MessageExt)) error {
	end, err := e.maxOffset(ctx, k, broker)
	if err != nil {
		return err
	}
	for off := from; off < end; {
		bctx, cancel := bounded(ctx)
		next, err := admin.ReadQueue(bctx, e.rc, k.addr, verifyGroup, k.messageQueue(broker), off, min(off+admin.PullBatch, end), f)
		cancel()
		switch {
		case errors.Is(err, admin.ErrOffsetMoved):
			return fmt.Errorf("pull %s/%d at %d: offset moved (messages deleted)", k.topic, k.queue, next)
		case errors.Is(err, admin.ErrNoProgress):
			return fmt.Errorf("pull %s/%d at %d: no progress", k.topic, k.queue, next)
		case err != nil:
			return fmt.Errorf("pull %s/%d at %d: %s", k.topic, k.queue, next, answered(err))
		}
		off = next
	}
	return nil
}
