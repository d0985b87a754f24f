package backend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Remote is a Cluster reached only over the wire, through its name server: any RocketMQ
// cluster, fake or real, that this process does not control. What it does and reads, it does
// as mqadmin would (the admin package). It cannot crash, stop or silence brokers, inject faults
// or show request history: those answer errors.ErrUnsupported (Real adds process control for
// servers this process started).
type Remote struct {
	ns      string
	rc      *remoting.Client
	timeout time.Duration

	mu      sync.Mutex
	cluster string            // brokerClusterName, learnt from the cluster info
	known   map[string]string // broker name -> master address, every one seen so far
}

var _ Cluster = (*Remote)(nil)

// ReaderGroup is the consumer group a Remote's read-back pulls name; they carry their
// subscription, so the group needs no heartbeat.
const ReaderGroup = "rocketsim_backend_reader"

// RemoteTimeout bounds each request a Remote sends.
const RemoteTimeout = 5 * time.Second

// NewRemote returns the Cluster behind the name server at nsAddr. Close closes its
// connections.
func NewRemote(nsAddr string, opts ...remoting.ClientOption) *Remote {
	return &Remote{ns: nsAddr, rc: remoting.NewClient(opts...), timeout: RemoteTimeout, known: map[string]string{}}
}

func (r *Remote) NameServerAddr() string    { return r.ns }
func (r *Remote) Dialer() remoting.DialFunc { return nil }
func (r *Remote) Close() error              { return r.rc.Close() }

// ctx bounds one request.
func (r *Remote) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, r.timeout)
}

// masters asks the name server for the cluster's master brokers, name -> address, and
// remembers them, so that a broker that has since crashed can still be named.
func (r *Remote) masters(ctx context.Context) (map[string]string, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	ci, err := admin.ClusterInfo(ctx, r.rc, r.ns)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, bd := range ci.BrokerAddrTable {
		if addr, ok := bd.MasterAddr(); ok {
			out[name] = addr
			r.known[name] = addr
			if r.cluster == "" {
				r.cluster = bd.Cluster
			}
		}
	}
	return out, nil
}

// Brokers lists the brokers the name server lists now as running, and those it listed before
// and has since dropped as not running.
func (r *Remote) Brokers() []Broker {
	live, _ := r.masters(context.Background())
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Broker
	for name, addr := range r.known {
		_, running := live[name]
		out = append(out, Broker{Name: name, Addr: addr, Running: running})
	}
	slices.SortFunc(out, func(a, b Broker) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// addrsOf returns the master addresses of the named brokers, or of every running broker.
func (r *Remote) addrsOf(ctx context.Context, brokers []string) (map[string]string, error) {
	live, err := r.masters(ctx)
	if err != nil {
		return nil, err
	}
	if len(brokers) == 0 {
		if len(live) == 0 {
			return nil, errors.New("backend: the name server lists no broker")
		}
		return live, nil
	}
	out := map[string]string{}
	for _, b := range brokers {
		addr, ok := live[b]
		if !ok {
			return nil, fmt.Errorf("%w %q (the name server lists %v)", ErrUnknownBroker, b, sortedKeys(live))
		}
		out[b] = addr
	}
	return out, nil
}

// CreateTopic sends UPDATE_AND_CREATE_TOPIC to each broker and returns once the name server
// routes the topic to all of them (a 4.9.7 broker registers before it answers; other servers
// may take a moment).
func (r *Remote) CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error {
	addrs, err := r.addrsOf(ctx, brokers)
	if err != nil {
		return err
	}
	tc := protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
	for _, name := range sortedKeys(addrs) {
		rctx, cancel := r.ctx(ctx)
		err := admin.CreateTopic(rctx, r.rc, addrs[name], tc)
		cancel()
		if err != nil {
			return fmt.Errorf("create topic %s on %s: %w", topic, name, err)
		}
	}
	return r.awaitRoute(ctx, topic, func(rd *protocol.TopicRouteData) bool {
		for name := range addrs {
			if !slices.ContainsFunc(rd.QueueDatas, func(q protocol.QueueData) bool {
				return q.BrokerName == name && q.WriteQueueNums == int32(queues)
			}) {
				return false
			}
		}
		return true
	})
}

// awaitRoute polls the route until cond holds or the request timeout has passed: a remote
// cluster offers no event to wait on.
func (r *Remote) awaitRoute(ctx context.Context, topic string, cond func(*protocol.TopicRouteData) bool) error {
	deadline := time.Now().Add(r.timeout)
	for {
		rd, ok, err := r.Route(ctx, topic)
		if err == nil && ok && cond(rd) {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("the route of %s does not show the change after %v", topic, r.timeout)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DeleteTopic deletes the topic on the brokers and then on the name server, as mqadmin
// deleteTopic does.
func (r *Remote) DeleteTopic(ctx context.Context, topic string, brokers ...string) error {
	addrs, err := r.addrsOf(ctx, brokers)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(addrs) {
		rctx, cancel := r.ctx(ctx)
		err := admin.DeleteTopicInBroker(rctx, r.rc, addrs[name], topic)
		cancel()
		if err != nil {
			return fmt.Errorf("delete topic %s on %s: %w", topic, name, err)
		}
	}
	r.mu.Lock()
	cluster := r.cluster
	r.mu.Unlock()
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	return admin.DeleteTopicInNameServer(rctx, r.rc, r.ns, topic, cluster)
}

// SetWritable sends UPDATE_BROKER_CONFIG brokerPermission=6 (or 4); a 4.9.7 broker registers
// with the new permission before it answers.
func (r *Remote) SetWritable(ctx context.Context, broker string, writable bool) error {
	addrs, err := r.addrsOf(ctx, []string{broker})
	if err != nil {
		return err
	}
	perm := protocol.PermRead
	if writable {
		perm |= protocol.PermWrite
	}
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	return admin.UpdateBrokerConfig(rctx, r.rc, addrs[broker], map[string]string{"brokerPermission": strconv.Itoa(int(perm))})
}

func (r *Remote) Crash(context.Context, string) error {
	return unsupported("crashing a broker", "remote")
}
func (r *Remote) Stop(context.Context, string) error {
	return unsupported("stopping a broker", "remote")
}
func (r *Remote) Restart(context.Context, string) error {
	return unsupported("restarting a broker", "remote")
}
func (r *Remote) Silence(context.Context, string, bool) error {
	return unsupported("silencing a broker", "remote")
}
func (r *Remote) BlackHole(context.Context, string) error {
	return unsupported("a black-hole address", "remote")
}
func (r *Remote) AddFault(string, fault.Rule) error {
	return unsupported("fault injection", "remote")
}
func (r *Remote) ClearFaults() error { return unsupported("fault injection", "remote") }
func (r *Remote) Requests(string, int32) ([]fault.Entry, error) {
	return nil, unsupported("request history", "remote")
}

func (r *Remote) Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	return admin.Route(rctx, r.rc, r.ns, topic)
}

// queues lists the queues of topic: those its route has now on running masters.
func (r *Remote) queues(ctx context.Context, topic string) (map[Queue]string, error) {
	out := map[Queue]string{}
	rd, ok, err := r.Route(ctx, topic)
	if err != nil || !ok {
		return out, err
	}
	masters := map[string]string{}
	for _, bd := range rd.BrokerDatas {
		if addr, ok := bd.MasterAddr(); ok {
			masters[bd.BrokerName] = addr
			r.mu.Lock()
			r.known[bd.BrokerName] = addr
			r.mu.Unlock()
		}
	}
	for _, qd := range rd.QueueDatas {
		addr, ok := masters[qd.BrokerName]
		if !ok {
			continue
		}
		for q := range max(qd.ReadQueueNums, qd.WriteQueueNums) {
			out[Queue{Topic: topic, Broker: qd.BrokerName, ID: q}] = addr
		}
	}
	return out, nil
}

func (r *Remote) Offsets(ctx context.Context, topic string) (Offsets, error) {
	return r.queueOffsets(ctx, topic, r.maxOffset)
}

func (r *Remote) MinOffsets(ctx context.Context, topic string) (Offsets, error) {
	return r.queueOffsets(ctx, topic, r.minOffset)
}

// queueOffsets asks, for every queue the route has now, one offset of it.
func (r *Remote) queueOffsets(ctx context.Context, topic string, of func(context.Context, string, Queue) (int64, error)) (Offsets, error) {
	qs, err := r.queues(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := Offsets{}
	for q, addr := range qs {
		off, err := of(ctx, addr, q)
		if err != nil {
			return nil, err
		}
		out[q] = off
	}
	return out, nil
}

// ScanMessages pulls every queue the route has now, and every queue of since (a queue count
// may have shrunk since: a queue that can no longer be read fails the scan rather than hiding
// its messages), from its offset in since up to where it ends now.
func (r *Remote) ScanMessages(ctx context.Context, topic string, since Offsets, fn func(*protocol.MessageExt) error) error {
	qs, err := r.queues(ctx, topic)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for q := range since {
		if _, ok := qs[q]; !ok && q.Topic == topic {
			qs[q] = r.known[q.Broker]
		}
	}
	r.mu.Unlock()
	for _, q := range sortedQueues(qs) {
		end, err := r.maxOffset(ctx, qs[q], q)
		if err != nil {
			return err
		}
		// Each pull has its own deadline: a long read-back is not one request.
		var ferr error
		_, err = admin.ReadQueue(ctx, r.rc, qs[q], ReaderGroup,
			protocol.MessageQueue{Topic: topic, BrokerName: q.Broker, QueueID: q.ID}, since[q], end,
			func(m *protocol.MessageExt) {
				if ferr == nil {
					m.BrokerName = q.Broker
					ferr = fn(m)
				}
			})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return fmt.Errorf("read %s/%d on %s: %w", topic, q.ID, q.Broker, err)
		}
	}
	return nil
}

func (r *Remote) maxOffset(ctx context.Context, addr string, q Queue) (int64, error) {
	return r.offset(ctx, addr, q, "max", admin.MaxOffset)
}

func (r *Remote) minOffset(ctx context.Context, addr string, q Queue) (int64, error) {
	return r.offset(ctx, addr, q, "min", admin.MinOffset)
}

func (r *Remote) offset(ctx context.Context, addr string, q Queue, which string,
	ask func(context.Context, *remoting.Client, string, protocol.MessageQueue) (int64, error)) (int64, error) {
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	off, err := ask(rctx, r.rc, addr, protocol.MessageQueue{Topic: q.Topic, BrokerName: q.Broker, QueueID: q.ID})
	if err != nil {
		return 0, fmt.Errorf("%s offset of %s/%d on %s: %w", which, q.Topic, q.ID, q.Broker, err)
	}
	return off, nil
}

// Clients asks every running master for the producer and consumer connections of each group
// (GET_PRODUCER_CONNECTION_LIST, GET_CONSUMER_CONNECTION_LIST): a broker answers group by
// group only, so at least one group must be named.
func (r *Remote) Clients(ctx context.Context, groups ...string) ([]Client, error) {
	if len(groups) == 0 {
		return nil, unsupported("listing clients without naming their groups", "remote")
	}
	live, err := r.masters(ctx)
	if err != nil {
		return nil, err
	}
	type key struct{ client, broker string }
	rows := map[key]*Client{}
	row := func(broker string, c protocol.Connection) *Client {
		k := key{c.ClientID, broker}
		if rows[k] == nil {
			rows[k] = &Client{ClientID: c.ClientID, Broker: broker, Addr: c.ClientAddr,
				Language: c.Language, Version: c.Version}
		}
		return rows[k]
	}
	for _, broker := range sortedKeys(live) {
		addr := live[broker]
		for _, g := range groups {
			rctx, cancel := r.ctx(ctx)
			producers, err := admin.ProducerConnections(rctx, r.rc, addr, g)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", broker, err)
			}
			for _, c := range producers {
				cr := row(broker, c)
				cr.ProducerGroups = union(cr.ProducerGroups, []string{g})
			}
			rctx, cancel = r.ctx(ctx)
			consumers, err := admin.ConsumerConnections(rctx, r.rc, addr, g)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", broker, err)
			}
			if consumers != nil {
				for _, c := range consumers.ConnectionSet {
					cr := row(broker, c)
					cr.ConsumerGroups = union(cr.ConsumerGroups, []string{g})
				}
			}
		}
	}
	return sortedClients(rows), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedQueues(m map[Queue]string) []Queue {
	keys := make([]Queue, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Queue) int {
		if c := cmp.Compare(a.Broker, b.Broker); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return keys
}
