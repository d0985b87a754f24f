package fakenamesrv

// Read-only snapshots of the fake's state for tests, and a way to wait for a state without
// sleeping. No request codes; nothing here changes what clients see.

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
)

// BrokerInfo is one broker address the name server knows.
type BrokerInfo struct {
	// Cluster, Name and ID come from the broker name's entry (Java's BrokerData; the cluster is
	// the one of the name's first registration). An address that is only in the live table (a
	// broker name whose brokerId now points at another address) has Name "" and ID -1.
	Cluster string
	Name    string
	ID      int64 // 0 for a master
	Addr    string

	// Online says whether the address is in the live table: it registered and has neither
	// expired, unregistered nor lost its connection since. An address can be listed offline
	// when UNREGISTER_BROKER named another brokerId: Java keeps routing to it.
	Online       bool
	LastUpdate   time.Time // last registration (or unchanged QUERY_DATA_VERSION); zero when offline
	DataVersion  protocol.DataVersion
	HAServerAddr string
	ConnID       uint64 // the remoting.Conn it registered over (0 when offline)
}

// Brokers lists the known broker addresses, sorted by broker name, brokerId and address.
func (s *Server) Brokers() []BrokerInfo {
	r := s.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []BrokerInfo
	listed := map[string]bool{}
	for name, bd := range r.brokers.m {
		for id, addr := range bd.addrs {
			out = append(out, r.brokerInfoLocked(BrokerInfo{Cluster: bd.cluster, Name: name, ID: id, Addr: addr}))
			listed[addr] = true
		}
	}
	for addr := range r.live.m {
		if !listed[addr] {
			out = append(out, r.brokerInfoLocked(BrokerInfo{ID: -1, Addr: addr}))
		}
	}
	slices.SortFunc(out, func(a, b BrokerInfo) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Addr, b.Addr))
	})
	return out
}

func (r *registry) brokerInfoLocked(b BrokerInfo) BrokerInfo {
	if lb, ok := r.live.get(b.Addr); ok {
		b.Online = true
		b.LastUpdate = lb.lastUpdate
		b.DataVersion = lb.dataVersion
		b.HAServerAddr = lb.haServerAddr
		if lb.conn != nil {
			b.ConnID = lb.conn.ID()
		}
	}
	return b
}

// Broker returns the broker registered with address addr.
func (s *Server) Broker(addr string) (BrokerInfo, bool) {
	for _, b := range s.Brokers() {
		if b.Addr == addr {
			return b, true
		}
	}
	return BrokerInfo{}, false
}

// Topics lists the topics with queue data, sorted.
func (s *Server) Topics() []string {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	return slices.Sorted(maps.Keys(s.reg.topics.m))
}

// Route returns what a route query for topic is answered, addresses rewritten as clients get
// them, or false where it is answered TOPIC_NOT_EXIST.
func (s *Server) Route(topic string) (*protocol.TopicRouteData, bool) {
	route := s.topicRoute(topic)
	if route == nil {
		return nil, false
	}
	s.rewrite.route(route)
	return route, true
}

// ClusterInfo returns what GET_BROKER_CLUSTER_INFO is answered, addresses rewritten as clients
// get them.
func (s *Server) ClusterInfo() *protocol.ClusterInfo {
	ci := s.reg.clusterInfo()
	s.rewrite.clusterInfo(ci)
	return ci
}

// KV returns a copy of a KV config namespace, or false when it does not exist.
func (s *Server) KV(namespace string) (map[string]string, bool) { return s.kv.namespace(namespace) }

// KVNamespaces lists the KV config namespaces, sorted.
func (s *Server) KVNamespaces() []string {
	s.kv.mu.Lock()
	defer s.kv.mu.Unlock()
	return slices.Sorted(maps.Keys(s.kv.tables))
}

// Await returns once cond reports true, checking it now and after every change of brokers or
// topics (registration, expiry, connection loss, deletion; not KV changes); it does not poll.
// It returns ctx's error when ctx ends first. cond may call the snapshot methods.
func (s *Server) Await(ctx context.Context, cond func() bool) error {
	for {
		changed := s.reg.changes()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
