// Package backend is the one seam for "a RocketMQ cluster under test": the behaviour book
// (scenarios) and load runs (load, sim load) drive and read every cluster through Cluster, so a
// step or a load run does not know whether the servers are rocketsim's fakes in this process
// (Fake), real RocketMQ reached over the wire (Remote, and Real when this process also controls
// the servers' processes), or any cluster behind rocketsim's proxy (Proxy), which adds the
// fakes' fault rules, request history and crashes as clients see them.
//
// The interface speaks neutral types only: a stored message is a *protocol.MessageExt (what any
// broker, fake or real, hands back on a pull), a client row is a Client, a recorded request is a
// fault.Entry (what every recorder in rocketsim writes: the fakes' histories and, in front of real
// servers, a proxy's), a fault is a fault.Rule. What a cluster cannot do (real servers keep no
// request history; only the fakes and a proxy inject faults) answers errors.ErrUnsupported, and the
// scenarios that need it are tagged so that they do not run there.
package backend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// NameServerTarget names the name server where a broker name is expected (faults, requests).
const NameServerTarget = "namesrv"

// ErrUnknownBroker is returned for a broker name the cluster does not have.
var ErrUnknownBroker = errors.New("backend: unknown broker")

// Cluster is a RocketMQ cluster under test: where clients connect, what an operator or a
// failure does to it, and what it stored and saw. Methods a cluster cannot carry out return an
// error wrapping errors.ErrUnsupported. Implementations are safe for concurrent use.
type Cluster interface {
	// NameServerAddr is the address clients use as their name server.
	NameServerAddr() string
	// Dialer is how clients reach the cluster; nil means plain TCP.
	Dialer() remoting.DialFunc
	// Brokers lists the cluster's master brokers by name, running or not.
	Brokers() []Broker

	// CreateTopic creates or updates topic with queues read and write queues on the named
	// brokers (every broker when none is named), as mqadmin updateTopic does; the route shows
	// it when CreateTopic returns.
	CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error
	// DeleteTopic deletes topic from the named brokers (every broker when none is named) and
	// from the name server, as mqadmin deleteTopic does.
	DeleteTopic(ctx context.Context, topic string, brokers ...string) error
	// SetWritable gives a broker's write permission back or takes it away (brokerPermission
	// 6 or 4), as mqadmin updateBrokerConfig does.
	SetWritable(ctx context.Context, broker string, writable bool) error

	// Crash stops a broker as a killed process stops, and returns once the name server has
	// dropped it.
	Crash(ctx context.Context, broker string) error
	// Stop stops a broker cleanly: it unregisters from the name server.
	Stop(ctx context.Context, broker string) error
	// Restart brings a crashed or stopped broker back with what it stored, and returns once
	// the name server lists it again.
	Restart(ctx context.Context, broker string) error
	// Silence stops (on) or resumes a broker's registrations while it keeps serving clients.
	Silence(ctx context.Context, broker string, on bool) error
	// BlackHole makes connection attempts to a broker hang instead of being refused.
	BlackHole(ctx context.Context, broker string) error
	// AddFault adds a fault rule to a server: a broker's name or NameServerTarget.
	AddFault(target string, r fault.Rule) error
	// ClearFaults removes every fault rule from every server.
	ClearFaults() error

	// Route is what the name server answers for topic; false when it answers TOPIC_NOT_EXIST.
	Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error)
	// Offsets returns where every queue of topic ends now (its max offset), on every broker
	// that routes or stores it.
	Offsets(ctx context.Context, topic string) (Offsets, error)
	// MinOffsets returns where every queue of topic starts now (its min offset: the oldest
	// message the broker still stores; above 0 once retention dropped the queue's first
	// messages), for the queues Offsets lists.
	MinOffsets(ctx context.Context, topic string) (Offsets, error)
	// ScanMessages calls f with every message stored for topic from the given offsets on (a
	// queue not in since is read from its first message; nil since reads everything), queue by
	// queue; BrokerName is set. It stops at f's first error and returns it.
	ScanMessages(ctx context.Context, topic string, since Offsets, f func(*protocol.MessageExt) error) error
	// Clients returns one row per client and broker whose heartbeats named any of groups
	// (producer or consumer groups). A cluster that can list every client returns them all
	// when no group is given; real brokers can only be asked group by group.
	Clients(ctx context.Context, groups ...string) ([]Client, error)
	// Requests returns what a server (a broker's name or NameServerTarget) received with
	// code, oldest first.
	Requests(target string, code int32) ([]fault.Entry, error)

	// Close stops what the backend started for this cluster (a shared cluster's view
	// stops nothing).
	Close() error
}

// Broker is one master broker of a cluster.
type Broker struct {
	Name    string
	Addr    string // as clients are told it
	Running bool
}

// Client is one client's presence on one broker: the groups its heartbeats named there.
type Client struct {
	ClientID       string
	Broker         string
	Addr           string // the client's address as the broker sees it
	Language       string
	Version        int32
	ProducerGroups []string
	ConsumerGroups []string
}

// Queue identifies one queue of a topic on one broker.
type Queue struct {
	Topic  string
	Broker string
	ID     int32
}

// Offsets maps queues to offsets: where each ended when Offsets was asked.
type Offsets map[Queue]int64

// Messages returns every message stored for topic, ordered by store time, then broker, then
// commit-log offset: the order in which they were stored across the cluster.
func Messages(ctx context.Context, c Cluster, topic string) ([]*protocol.MessageExt, error) {
	var out []*protocol.MessageExt
	err := c.ScanMessages(ctx, topic, nil, func(m *protocol.MessageExt) error {
		out = append(out, m)
		return nil
	})
	slices.SortStableFunc(out, func(a, b *protocol.MessageExt) int {
		return cmp.Or(cmp.Compare(a.StoreTimestamp, b.StoreTimestamp), cmp.Compare(a.BrokerName, b.BrokerName),
			cmp.Compare(a.CommitLogOffset, b.CommitLogOffset))
	})
	return out, err
}

// unsupported is the error of a method a cluster cannot carry out.
func unsupported(what, backend string) error {
	return fmt.Errorf("%s: %w by the %s backend", what, errors.ErrUnsupported, backend)
}

// Slaves is what a cluster whose broker names have a slave (brokerId 1) beside their master
// offers about those slaves: the fakes (fakecluster.WithSlaves) and a proxy in front of a
// cluster with slaves (its listener in front of each slave). It is apart from Cluster because
// most clusters under test run masters only; callers ask for it with a type assertion.
type Slaves interface {
	// CrashSlave stops the named broker's slave as a killed process stops, as its clients see
	// it, and returns once the routes clients are given leave it out.
	CrashSlave(ctx context.Context, broker string) error
	// RestartSlave brings the slave back and returns once the routes name it again.
	RestartSlave(ctx context.Context, broker string) error
	// SlaveRequests returns what the named broker's slave received with code, oldest first.
	SlaveRequests(broker string, code int32) ([]fault.Entry, error)
}
