package backend

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Fake is a Cluster over rocketsim's own fakes in this process (fakecluster): everything is
// supported, and on an in-memory network (fakecluster.WithMemNetwork) inside a
// testing/synctest bubble its timers run in virtual time.
type Fake struct {
	c *fakecluster.Cluster
}

var _ Cluster = (*Fake)(nil)

// NewFake returns the Cluster view of a started fake cluster; Close closes the cluster.
func NewFake(c *fakecluster.Cluster) *Fake { return &Fake{c: c} }

// FakeCluster returns the fake cluster behind f, for what only the fakes offer (waiting on a
// server's history, snapshots).
func (f *Fake) FakeCluster() *fakecluster.Cluster { return f.c }

func (f *Fake) NameServerAddr() string    { return f.c.NameServerAddr() }
func (f *Fake) Dialer() remoting.DialFunc { return f.c.Dialer() }
func (f *Fake) Close() error              { return f.c.Close() }

func (f *Fake) Brokers() []Broker {
	var out []Broker
	for _, s := range f.c.Status().Brokers {
		out = append(out, Broker{Name: s.Name, Addr: s.Addr, Running: s.Online})
	}
	return out
}

func (f *Fake) broker(name string) (*fakebroker.Broker, error) {
	if b, ok := f.c.Broker(name); ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownBroker, name)
}

func (f *Fake) CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error {
	for _, b := range brokers {
		if _, err := f.broker(b); err != nil {
			return err
		}
	}
	return f.c.CreateTopic(ctx, topic, queues, brokers...)
}

func (f *Fake) DeleteTopic(ctx context.Context, topic string, brokers ...string) error {
	for _, b := range brokers {
		if _, err := f.broker(b); err != nil {
			return err
		}
	}
	return f.c.DeleteTopic(ctx, topic, brokers...)
}

func (f *Fake) SetWritable(ctx context.Context, broker string, writable bool) error {
	b, err := f.broker(broker)
	if err != nil {
		return err
	}
	perm := int32(protocol.PermRead)
	if writable {
		perm |= protocol.PermWrite
	}
	b.SetPermission(ctx, perm)
	return nil
}

func (f *Fake) Crash(_ context.Context, broker string) error {
	return f.known(broker, func() error { return f.c.CrashBroker(broker) })
}

func (f *Fake) Stop(ctx context.Context, broker string) error {
	return f.known(broker, func() error { return f.c.StopBroker(ctx, broker) })
}

func (f *Fake) Restart(ctx context.Context, broker string) error {
	return f.known(broker, func() error { return f.c.StartBroker(ctx, broker) })
}

func (f *Fake) Silence(ctx context.Context, broker string, on bool) error {
	return f.known(broker, func() error { return f.c.SilenceBroker(ctx, broker, on) })
}

// known runs do when the cluster has the broker (or target is the name server), so that every
// Cluster answers ErrUnknownBroker for a name it does not have.
func (f *Fake) known(target string, do func() error) error {
	if target != NameServerTarget {
		if _, err := f.broker(target); err != nil {
			return err
		}
	}
	return do()
}

// BlackHole crashes the broker and makes its address swallow connection attempts, which only
// an in-memory network can do.
func (f *Fake) BlackHole(_ context.Context, broker string) error {
	mem := f.c.Network()
	if mem == nil {
		return unsupported("a black-hole address", "fake (TCP)")
	}
	b, err := f.broker(broker)
	if err != nil {
		return err
	}
	b.Crash() // nothing answers there any more: dials hang instead of being refused
	mem.SetBlackHole(b.Addr(), true)
	return nil
}

func (f *Fake) AddFault(target string, r fault.Rule) error {
	return f.known(target, func() error {
		inj, err := f.c.Faults(target)
		if err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		inj.Add(r)
		return nil
	})
}

func (f *Fake) ClearFaults() error {
	f.c.ClearFaults()
	return nil
}

func (f *Fake) Route(_ context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	r, ok := f.c.NameServer().Route(topic)
	return r, ok, nil
}

func (f *Fake) Offsets(_ context.Context, topic string) (Offsets, error) {
	out := Offsets{}
	for _, b := range f.c.Brokers() {
		queues := int32(0)
		if tc, ok := b.Topic(topic); ok {
			queues = max(tc.ReadQueueNums, tc.WriteQueueNums)
		}
		for _, m := range b.StoredMessages(topic) { // queues of a topic since deleted or shrunk
			queues = max(queues, m.QueueID+1)
		}
		for q := range queues {
			out[Queue{Topic: topic, Broker: b.Name(), ID: q}] = b.MaxOffset(topic, q)
		}
	}
	return out, nil
}

func (f *Fake) MinOffsets(ctx context.Context, topic string) (Offsets, error) {
	ends, err := f.Offsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := Offsets{}
	for q := range ends {
		b, err := f.broker(q.Broker)
		if err != nil {
			return nil, err
		}
		out[q] = b.MinOffset(topic, q.ID)
	}
	return out, nil
}

func (f *Fake) ScanMessages(ctx context.Context, topic string, since Offsets, fn func(*protocol.MessageExt) error) error {
	for _, b := range f.c.Brokers() {
		// A queue whose messages retention dropped since the given offset cannot be read from
		// there, as a pull answers PULL_OFFSET_MOVED to a remote read-back (admin.ReadQueue).
		for q, off := range since {
			if q.Topic == topic && q.Broker == b.Name() && off < b.MinOffset(topic, q.ID) {
				return fmt.Errorf("read %s/%d on %s at %d (min offset %d): %w", topic, q.ID, q.Broker, off, b.MinOffset(topic, q.ID), admin.ErrOffsetMoved)
			}
		}
		msgs := b.StoredMessages(topic)
		slices.SortStableFunc(msgs, func(a, b *protocol.MessageExt) int { return cmp.Compare(a.QueueID, b.QueueID) })
		for _, m := range msgs {
			if m.QueueOffset < since[Queue{Topic: topic, Broker: m.BrokerName, ID: m.QueueID}] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *Fake) Clients(_ context.Context, groups ...string) ([]Client, error) {
	type key struct{ client, broker string }
	rows := map[key]*Client{}
	for _, ci := range f.c.Clients() {
		if len(groups) > 0 && !slices.ContainsFunc(groups, func(g string) bool {
			return slices.Contains(ci.ProducerGroups, g) || slices.Contains(ci.ConsumerGroups, g)
		}) {
			continue
		}
		k := key{ci.ClientID, ci.Broker}
		row := rows[k]
		if row == nil {
			row = &Client{ClientID: ci.ClientID, Broker: ci.Broker, Addr: ci.Addr, Language: ci.Language, Version: ci.Version}
			rows[k] = row
		}
		row.ProducerGroups = union(row.ProducerGroups, ci.ProducerGroups)
		row.ConsumerGroups = union(row.ConsumerGroups, ci.ConsumerGroups)
	}
	return sortedClients(rows), nil
}

func (f *Fake) Requests(target string, code int32) ([]fault.Entry, error) {
	if target == NameServerTarget {
		return f.c.NameServer().History().Requests(code), nil
	}
	b, err := f.broker(target)
	if err != nil {
		return nil, err
	}
	return b.History().Requests(code), nil
}

// union adds to have what add has that have does not, sorted.
func union(have, add []string) []string {
	for _, s := range add {
		if !slices.Contains(have, s) {
			have = append(have, s)
		}
	}
	slices.Sort(have)
	return have
}

func sortedClients[K comparable](rows map[K]*Client) []Client {
	out := make([]Client, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Client) int {
		return cmp.Or(cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.Broker, b.Broker))
	})
	return out
}

var _ Slaves = (*Fake)(nil)

func (f *Fake) slave(broker string) (*fakebroker.Broker, error) {
	s, ok := f.c.Slave(broker)
	if !ok {
		return nil, fmt.Errorf("%w: no slave of %q", ErrUnknownBroker, broker)
	}
	return s, nil
}

// CrashSlave crashes the slave's fake broker and waits until the name server has dropped it.
func (f *Fake) CrashSlave(ctx context.Context, broker string) error {
	s, err := f.slave(broker)
	if err != nil {
		return err
	}
	s.Crash()
	return f.awaitSlave(ctx, s, false)
}

// RestartSlave starts the slave's fake broker again and waits until the name server lists it.
func (f *Fake) RestartSlave(ctx context.Context, broker string) error {
	s, err := f.slave(broker)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		return err
	}
	return f.awaitSlave(ctx, s, true)
}

func (f *Fake) awaitSlave(ctx context.Context, s *fakebroker.Broker, online bool) error {
	ns := f.c.NameServer()
	return ns.Await(ctx, func() bool {
		info, ok := ns.Broker(s.Addr())
		return (ok && info.Online) == online
	})
}

// SlaveRequests reads the slave's own history.
func (f *Fake) SlaveRequests(broker string, code int32) ([]fault.Entry, error) {
	s, err := f.slave(broker)
	if err != nil {
		return nil, err
	}
	return s.History().Requests(code), nil
}
