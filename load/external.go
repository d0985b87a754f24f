package load

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	pullBatch       = 32
	// pullFlagSubscription is PullSysFlag.FLAG_SUBSCRIPTION: the subscription travels in the
	// request, so the broker needs no heartbeat of the verifying group.
	pullFlagSubscription = 0x4
)

func newExternal(ns string) *external {
	return &external{ns: ns, rc: remoting.NewClient(), start: make(map[queueKey]int64), startBroker: make(map[queueKey]string)}
}

func (e *external) close() { _ = e.rc.Close() }

func (e *external) invoke(ctx context.Context, addr string, req *remoting.Command) (*remoting.Command, error) {
	ctx, cancel := context.WithTimeout(ctx, externalTimeout)
	defer cancel()
	return e.rc.Invoke(ctx, addr, req)
}

func (e *external) route(ctx context.Context, topic string) (*protocol.TopicRouteData, error) {
	resp, err := e.invoke(ctx, e.ns, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: topic}, nil))
	if err != nil {
		return nil, err
	}
	if resp.Code != remoting.Success {
		return nil, fmt.Errorf("route of %s: code %d %s", topic, resp.Code, resp.Remark)
	}
	return protocol.DecodeTopicRouteData(resp.Body)
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
	resp, err := e.invoke(ctx, e.ns, remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
	if err != nil {
		return err
	}
	if resp.Code != remoting.Success {
		return fmt.Errorf("cluster info: code %d %s", resp.Code, resp.Remark)
	}
	ci, err := protocol.DecodeClusterInfo(resp.Body)
	if err != nil {
		return err
	}
	created := 0
	var errs []error
	for _, bd := range ci.BrokerAddrTable {
		addr, ok := bd.MasterAddr()
		if !ok {
			continue
		}
		h := protocol.CreateTopicRequestHeader{Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey,
			ReadQueueNums: int32(queues), WriteQueueNums: int32(queues), Perm: protocol.PermRead | protocol.PermWrite,
			TopicFilterType: protocol.SingleTag}
		resp, err := e.invoke(ctx, addr, protocol.RequestWithHeader(remoting.CodeUpdateAndCreateTopic, h, nil))
		switch {
		case err != nil:
			errs = append(errs, err)
		case resp.Code != remoting.Success:
			errs = append(errs, fmt.Errorf("%s: code %d %s", bd.BrokerName, resp.Code, resp.Remark))
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

func (e *external) maxOffset(ctx context.Context, k queueKey, broker string) (int64, error) {
	resp, err := e.invoke(ctx, k.addr, protocol.RequestWithHeader(remoting.CodeGetMaxOffset,
		protocol.GetMaxOffsetRequestHeader{Topic: k.topic, QueueID: k.queue, BrokerName: broker}, nil))
	if err != nil {
		return 0, err
	}
	if resp.Code != remoting.Success {
		return 0, fmt.Errorf("max offset of %s/%d: code %d %s", k.topic, k.queue, resp.Code, resp.Remark)
	}
	h, err := protocol.DecodeOffsetResponseHeader(resp.ExtFields)
	return h.Offset, err
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

func (e *external) pullQueue(ctx context.Context, k queueKey, broker string, from int64, f func(*protocol.MessageExt)) error {
	end, err := e.maxOffset(ctx, k, broker)
	if err != nil {
		return err
	}
	for off := from; off < end; {
		h := protocol.PullMessageRequestHeader{ConsumerGroup: verifyGroup, Topic: k.topic, QueueID: k.queue,
			QueueOffset: off, MaxMsgNums: pullBatch, SysFlag: pullFlagSubscription, Subscription: "*",
			SubVersion: time.Now().UnixMilli(), ExpressionType: "TAG", BrokerName: broker}
		resp, err := e.invoke(ctx, k.addr, protocol.RequestWithHeader(remoting.CodePullMessage, h, nil))
		if err != nil {
			return err
		}
		switch resp.Code {
		case remoting.Success, remoting.PullNotFound, remoting.PullRetryImmediately, remoting.PullOffsetMoved:
		default:
			return fmt.Errorf("pull %s/%d at %d: code %d %s", k.topic, k.queue, off, resp.Code, resp.Remark)
		}
		rh, err := protocol.DecodePullMessageResponseHeader(resp.ExtFields)
		if err != nil {
			return fmt.Errorf("pull %s/%d at %d: code %d: %w", k.topic, k.queue, off, resp.Code, err)
		}
		switch resp.Code {
		case remoting.Success:
			msgs, err := protocol.DecodeStoredMessages(resp.Body)
			if err != nil {
				return err
			}
			for _, m := range msgs {
				f(m)
			}
		case remoting.PullNotFound, remoting.PullRetryImmediately:
			if rh.NextBeginOffset <= off {
				return fmt.Errorf("pull %s/%d at %d: code %d stuck", k.topic, k.queue, off, resp.Code)
			}
		case remoting.PullOffsetMoved:
			return fmt.Errorf("pull %s/%d at %d: offset moved (messages deleted)", k.topic, k.queue, off)
		}
		if rh.NextBeginOffset <= off {
			return fmt.Errorf("pull %s/%d at %d: no progress", k.topic, k.queue, off)
		}
		off = rh.NextBeginOffset
	}
	return nil
}
