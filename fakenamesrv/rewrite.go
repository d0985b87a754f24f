package fakenamesrv

// Address rewriting: no request codes and no Java counterpart (a real name server hands out
// what brokers registered). A broker in a container or behind NAT registers the address it
// listens on (brokerIP1:listenPort), which clients outside cannot reach; the fake can hand
// clients a reachable address instead, so tests need no brokerIP1 tricks.
//
// Rewritten: the broker addresses in route answers (105: brokerAddrs, filterServerTable keys)
// and cluster answers (106: brokerAddrs). Not rewritten: what brokers see (the masterAddr a
// slave gets from 103 stays the master's own, which it reaches on the brokers' network), and
// the fake's state and snapshots, which keep what was registered.

import (
	"maps"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
)

type rewriter struct {
	mu sync.RWMutex
	m  map[string]string
	f  func(string) string
}

func newRewriter(m map[string]string, f func(string) string) *rewriter {
	return &rewriter{m: maps.Clone(m), f: f}
}

// addr returns what clients are told for the registered address a.
func (r *rewriter) addr(a string) string {
	r.mu.RLock()
	to, ok := r.m[a]
	f := r.f
	r.mu.RUnlock()
	switch {
	case ok:
		return to
	case f != nil:
		return f(a)
	}
	return a
}

func (r *rewriter) active() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.m) > 0 || r.f != nil
}

func (r *rewriter) brokerData(b *protocol.BrokerData) {
	for id, a := range b.BrokerAddrs {
		b.BrokerAddrs[id] = r.addr(a)
	}
}

func (r *rewriter) route(d *protocol.TopicRouteData) {
	if !r.active() {
		return
	}
	for i := range d.BrokerDatas {
		r.brokerData(&d.BrokerDatas[i])
	}
	if len(d.FilterServerTable) > 0 {
		table := make(map[string][]string, len(d.FilterServerTable))
		for a, list := range d.FilterServerTable {
			table[r.addr(a)] = list
		}
		d.FilterServerTable = table
	}
}

func (r *rewriter) clusterInfo(ci *protocol.ClusterInfo) {
	if !r.active() {
		return
	}
	for name, b := range ci.BrokerAddrTable {
		r.brokerData(&b)
		ci.BrokerAddrTable[name] = b
	}
}

// SetAddrRewrite makes the server tell clients to instead of the registered broker address
// from, from the next answer on; to == "" removes the rewrite of from.
func (s *Server) SetAddrRewrite(from, to string) {
	s.rewrite.mu.Lock()
	defer s.rewrite.mu.Unlock()
	if to == "" {
		delete(s.rewrite.m, from)
		return
	}
	if s.rewrite.m == nil {
		s.rewrite.m = make(map[string]string)
	}
	s.rewrite.m[from] = to
}

// AddrRewrites returns the rewrites set with WithAddrRewrite and SetAddrRewrite.
func (s *Server) AddrRewrites() map[string]string {
	s.rewrite.mu.RLock()
	defer s.rewrite.mu.RUnlock()
	return maps.Clone(s.rewrite.m)
}

// ClientAddr returns the address clients are told for the registered broker address addr.
func (s *Server) ClientAddr(addr string) string { return s.rewrite.addr(addr) }
