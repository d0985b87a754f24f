package fakenamesrv

// The route-info state: Java's RouteInfoManager (namesrv/routeinfo/RouteInfoManager.java at
// rocketmq-all-4.9.7), table by table:
//
//	topicQueueTable   topic -> broker name -> QueueData       HashMap(1024) of HashMap()
//	brokerAddrTable   broker name -> BrokerData (cluster, brokerId -> address)   HashMap(128)
//	clusterAddrTable  cluster -> set of broker names           HashMap(32) of HashSet()
//	brokerLiveTable   broker address -> last update, DataVersion, connection, HA address
//	                                                           HashMap(256)
//	filterServerTable broker address -> filter servers         HashMap(256)
//
// and the rules that change them:
//
//   - REGISTER_BROKER adds the broker name to its cluster, puts brokerId -> address into the
//     name's BrokerData (dropping another id that held the same address: a slave turned
//     master), and, for a master only, copies its topic configs into topicQueueTable when its
//     DataVersion differs from the one last registered from that address or the address is
//     new. Topics a broker stops listing are never removed by a registration. The BrokerData
//     keeps the cluster of its first registration.
//   - UNREGISTER_BROKER removes the address from the live table and the brokerId from the
//     BrokerData; when that was the last address of the name, the name leaves its cluster (an
//     empty cluster goes too) and every topic, and a topic left with no queue data is deleted.
//   - a closed connection (onChannelDestroy) finds the live address registered over it (or,
//     when none was, takes the connection's remote address) and removes that address the same
//     way, searching every BrokerData for it.
//   - the scan removes and disconnects addresses whose last update is more than the expiry ago.
//
// Lists in answers come out in the order Java's hash maps iterate: by bucket, then in insertion
// order, in a table sized for the most entries the map ever held (a Java table never shrinks).

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Initial capacities of RouteInfoManager's tables, which decide their iteration order.
const (
	topicQueueTableCapacity  = 1024
	brokerAddrTableCapacity  = 128
	clusterAddrTableCapacity = 32
	brokerLiveTableCapacity  = 256
	defaultHashMapCapacity   = 16
)

// javaMap is a map that knows the order a java.util.HashMap with the same history iterates.
type javaMap[V any] struct {
	capacity int
	m        map[string]V
	order    []string // insertion order of the present keys
	most     int      // the most entries ever held
}

func newJavaMap[V any](capacity int) *javaMap[V] {
	return &javaMap[V]{capacity: capacity, m: make(map[string]V)}
}

func (j *javaMap[V]) get(k string) (V, bool) {
	v, ok := j.m[k]
	return v, ok
}

func (j *javaMap[V]) put(k string, v V) {
	if _, ok := j.m[k]; !ok {
		j.order = append(j.order, k)
		j.most = max(j.most, len(j.order))
	}
	j.m[k] = v
}

func (j *javaMap[V]) remove(k string) (V, bool) {
	v, ok := j.m[k]
	if ok {
		delete(j.m, k)
		j.order = slices.DeleteFunc(j.order, func(s string) bool { return s == k })
	}
	return v, ok
}

func (j *javaMap[V]) contains(k string) bool {
	_, ok := j.m[k]
	return ok
}

func (j *javaMap[V]) len() int { return len(j.m) }

// keys lists the keys in Java iteration order.
func (j *javaMap[V]) keys() []string {
	return javaOrder(j.order, javamap.HashMapTableSize(j.capacity, j.most))
}

// javaOrder returns keys (given in insertion order) sorted stably by their bucket in a Java
// hash table of size n.
func javaOrder(keys []string, n int) []string {
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b string) int {
		return cmp.Compare(javamap.Bucket(javamap.HashCode(a), n), javamap.Bucket(javamap.HashCode(b), n))
	})
	return out
}

// freshSetOrder is the order of a new HashSet() filled with keys in the order given.
func freshSetOrder(keys []string) []string {
	return javaOrder(keys, javamap.HashMapTableSize(defaultHashMapCapacity, len(keys)))
}

type brokerData struct {
	cluster string // of the first registration, as Java's BrokerData keeps it
	name    string
	addrs   map[int64]string
}

func (b *brokerData) protocol() protocol.BrokerData {
	return protocol.BrokerData{Cluster: b.cluster, BrokerName: b.name, BrokerAddrs: maps.Clone(b.addrs)}
}

type liveBroker struct {
	lastUpdate   time.Time
	dataVersion  protocol.DataVersion
	conn         *remoting.Conn // nil when registered without one
	haServerAddr string
}

type registry struct {
	mu       sync.Mutex
	topics   *javaMap[*javaMap[protocol.QueueData]]
	brokers  *javaMap[*brokerData]
	clusters *javaMap[*javaMap[struct{}]]
	live     *javaMap[*liveBroker]
	filters  map[string][]string

	changed chan struct{} // closed and replaced on every change someone waits for
}

func newRegistry() *registry {
	return &registry{
		topics:   newJavaMap[*javaMap[protocol.QueueData]](topicQueueTableCapacity),
		brokers:  newJavaMap[*brokerData](brokerAddrTableCapacity),
		clusters: newJavaMap[*javaMap[struct{}]](clusterAddrTableCapacity),
		live:     newJavaMap[*liveBroker](brokerLiveTableCapacity),
		filters:  make(map[string][]string),
		changed:  make(chan struct{}),
	}
}

// notifyLocked wakes whoever waits for a change (see Server.Await).
func (r *registry) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// changes returns a channel closed at the next change.
func (r *registry) changes() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// registration is one REGISTER_BROKER.
type registration struct {
	cluster, addr, name, haServerAddr string
	id                                int64
	topics                            map[string]protocol.TopicConfig
	dataVersion                       protocol.DataVersion
	filterServers                     []string
	conn                              *remoting.Conn
}

// register is RouteInfoManager.registerBroker. For a slave it returns its master's address
// and HA address, when the master is registered and alive.
func (r *registry) register(g registration, now time.Time) (haServerAddr, masterAddr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.notifyLocked()

	names, ok := r.clusters.get(g.cluster)
	if !ok {
		names = newJavaMap[struct{}](defaultHashMapCapacity)
		r.clusters.put(g.cluster, names)
	}
	names.put(g.name, struct{}{})

	first := false
	bd, ok := r.brokers.get(g.name)
	if !ok {
		first = true
		bd = &brokerData{cluster: g.cluster, name: g.name, addrs: make(map[int64]string)}
		r.brokers.put(g.name, bd)
	}
	// One address, one brokerId: a slave switched to master drops its old id.
	for id, addr := range bd.addrs {
		if addr == g.addr && id != g.id {
			delete(bd.addrs, id)
		}
	}
	_, had := bd.addrs[g.id]
	bd.addrs[g.id] = g.addr
	first = first || !had

	if g.id == protocol.MasterID && (first || r.topicConfigChangedLocked(g.addr, g.dataVersion)) {
		for _, topic := range topicTableOrder(g.topics) {
			r.updateQueueDataLocked(g.name, g.topics[topic])
		}
	}

	r.live.put(g.addr, &liveBroker{lastUpdate: now, dataVersion: g.dataVersion, conn: g.conn, haServerAddr: g.haServerAddr})
	if len(g.filterServers) == 0 {
		delete(r.filters, g.addr)
	} else {
		r.filters[g.addr] = slices.Clone(g.filterServers)
	}

	if g.id != protocol.MasterID {
		if master, ok := bd.addrs[protocol.MasterID]; ok {
			if lb, ok := r.live.get(master); ok {
				return lb.haServerAddr, master
			}
		}
	}
	return "", ""
}

// topicTableOrder is the order Java iterates the topic table of a registration: the
// ConcurrentHashMap fastjson reads it into, in a table sized for its topics (topics sharing a
// bucket in Java string order, where Java would keep the order of the broker's JSON).
func topicTableOrder(topics map[string]protocol.TopicConfig) []string {
	names := slices.SortedFunc(maps.Keys(topics), javamap.Compare)
	return javaOrder(names, javamap.ConcurrentHashMapTableSize(0, len(names)))
}

func (r *registry) topicConfigChangedLocked(addr string, dv protocol.DataVersion) bool {
	lb, ok := r.live.get(addr)
	return !ok || lb.dataVersion != dv
}

// updateQueueDataLocked is createAndUpdateQueueData: the broker's queue data for the topic is
// replaced, keeping its place among the topic's brokers.
func (r *registry) updateQueueDataLocked(brokerName string, tc protocol.TopicConfig) {
	qd := protocol.QueueData{
		BrokerName:     brokerName,
		ReadQueueNums:  tc.ReadQueueNums,
		WriteQueueNums: tc.WriteQueueNums,
		Perm:           tc.Perm,
		TopicSysFlag:   tc.TopicSysFlag,
	}
	queues, ok := r.topics.get(tc.TopicName)
	if !ok {
		queues = newJavaMap[protocol.QueueData](defaultHashMapCapacity)
		r.topics.put(tc.TopicName, queues)
	}
	queues.put(brokerName, qd)
}

// unregister is RouteInfoManager.unregisterBroker: note that it removes the BrokerData entry
// by brokerId, whatever address it holds.
func (r *registry) unregister(cluster, addr, name string, id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.notifyLocked()

	r.live.remove(addr)
	delete(r.filters, addr)
	bd, ok := r.brokers.get(name)
	if !ok {
		return
	}
	delete(bd.addrs, id)
	if len(bd.addrs) > 0 {
		return
	}
	r.brokers.remove(name)
	if names, ok := r.clusters.get(cluster); ok {
		names.remove(name)
		if names.len() == 0 {
			r.clusters.remove(cluster)
		}
	}
	r.removeTopicsOfBrokerLocked(name)
}

// removeTopicsOfBrokerLocked drops the broker name from every topic, and the topics left with
// no queue data.
func (r *registry) removeTopicsOfBrokerLocked(name string) {
	for _, topic := range r.topics.keys() {
		queues, _ := r.topics.get(topic)
		queues.remove(name)
		if queues.len() == 0 {
			r.topics.remove(topic)
		}
	}
}

// connClosed is RouteInfoManager.onChannelDestroy for a connection that closed.
func (r *registry) connClosed(info remoting.ConnInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.channelDestroyedLocked(info.RemoteAddr, info.ID)
}

// channelDestroyedLocked is onChannelDestroy(remoteAddr, channel): it removes the first live
// address (in table order) registered over the connection, and only that one; when none was,
// it takes remoteAddr for the broker's address (the connection's remote address, which is a
// broker's address only by accident, or the expired address during a scan). So brokers that
// share one connection to the name server are not all removed when it closes, as in Java.
func (r *registry) channelDestroyedLocked(remoteAddr string, connID uint64) {
	addr := ""
	for _, a := range r.live.keys() {
		if lb, _ := r.live.get(a); lb.conn != nil && lb.conn.ID() == connID {
			addr = a
			break
		}
	}
	if addr == "" {
		addr = remoteAddr
	}
	r.destroyLocked(addr)
}

// destroyLocked removes a broker address as onChannelDestroy does once it has the address.
func (r *registry) destroyLocked(addr string) {
	if addr == "" {
		return
	}
	_, wasLive := r.live.remove(addr)
	delete(r.filters, addr)

	nameFound := ""
	removeName := false
	for _, name := range r.brokers.keys() {
		if nameFound != "" {
			break
		}
		bd, _ := r.brokers.get(name)
		for _, id := range slices.Sorted(maps.Keys(bd.addrs)) {
			if bd.addrs[id] == addr {
				nameFound = name
				delete(bd.addrs, id)
				break
			}
		}
		if len(bd.addrs) == 0 {
			removeName = true
			r.brokers.remove(name)
		}
	}
	if nameFound != "" && removeName {
		for _, cluster := range r.clusters.keys() {
			names, _ := r.clusters.get(cluster)
			if _, ok := names.remove(nameFound); ok {
				if names.len() == 0 {
					r.clusters.remove(cluster)
				}
				break
			}
		}
	}
	if removeName {
		r.removeTopicsOfBrokerLocked(nameFound)
	}
	if wasLive || nameFound != "" {
		r.notifyLocked()
	}
}

// scan is RouteInfoManager.scanNotActiveBroker: each address whose last update is more than
// expiry before now leaves the live table, then goes through onChannelDestroy with its
// connection, as in Java. The connections are returned for the caller to close (Java closes
// them), outside the lock that the close hooks take.
func (r *registry) scan(now time.Time, expiry time.Duration) (removed []string, conns []*remoting.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, addr := range r.live.keys() {
		lb, ok := r.live.get(addr)
		if !ok || !lb.lastUpdate.Add(expiry).Before(now) {
			continue
		}
		r.live.remove(addr)
		removed = append(removed, addr)
		var id uint64
		if lb.conn != nil {
			conns = append(conns, lb.conn)
			id = lb.conn.ID()
		}
		r.channelDestroyedLocked(addr, id)
		r.notifyLocked()
	}
	return removed, conns
}

// queryDataVersion is the state half of QUERY_DATA_VERSION: whether the broker's version
// differs from the one registered from addr (a broker holding the same one counts as a sign of
// life), and the registered one.
func (r *registry) queryDataVersion(addr string, dv protocol.DataVersion, now time.Time) (changed bool, current *protocol.DataVersion) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lb, ok := r.live.get(addr)
	changed = !ok || lb.dataVersion != dv
	if !ok {
		return changed, nil
	}
	if !changed {
		lb.lastUpdate = now
	}
	v := lb.dataVersion
	return changed, &v
}

// route is RouteInfoManager.pickupTopicRouteData: nil when the topic has no queue data or
// none of its brokers is known.
func (r *registry) route(topic string) *protocol.TopicRouteData {
	r.mu.Lock()
	defer r.mu.Unlock()
	queues, ok := r.topics.get(topic)
	if !ok {
		return nil
	}
	d := &protocol.TopicRouteData{FilterServerTable: map[string][]string{}}
	names := queues.keys()
	for _, name := range names {
		qd, _ := queues.get(name)
		d.QueueDatas = append(d.QueueDatas, qd)
	}
	for _, name := range freshSetOrder(names) {
		bd, ok := r.brokers.get(name)
		if !ok {
			continue
		}
		d.BrokerDatas = append(d.BrokerDatas, bd.protocol())
		for _, addr := range bd.addrs {
			if list, ok := r.filters[addr]; ok {
				d.FilterServerTable[addr] = slices.Clone(list)
			}
		}
	}
	if len(d.BrokerDatas) == 0 {
		return nil
	}
	return d
}

// clusterInfo is getAllClusterInfo.
func (r *registry) clusterInfo() *protocol.ClusterInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	ci := &protocol.ClusterInfo{
		BrokerAddrTable:  make(map[string]protocol.BrokerData, r.brokers.len()),
		ClusterAddrTable: make(map[string][]string, r.clusters.len()),
	}
	for name, bd := range r.brokers.m {
		ci.BrokerAddrTable[name] = bd.protocol()
	}
	for cluster, names := range r.clusters.m {
		ci.ClusterAddrTable[cluster] = names.keys()
	}
	return ci
}

// allTopics is getAllTopicList: topicQueueTable's keys poured into a new HashSet.
func (r *registry) allTopics() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return freshSetOrder(r.topics.keys())
}

// topicsInCluster is getTopicsByCluster: for each of the cluster's broker names in turn, the
// topics with queue data there, in one new HashSet.
func (r *registry) topicsInCluster(cluster string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names, ok := r.clusters.get(cluster)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, name := range names.keys() {
		for _, topic := range r.topics.keys() {
			if queues, _ := r.topics.get(topic); !seen[topic] && queues.contains(name) {
				seen[topic] = true
				out = append(out, topic)
			}
		}
	}
	return freshSetOrder(out)
}

// deleteTopic is deleteTopic(topic): the topic goes whatever brokers hold it.
func (r *registry) deleteTopic(topic string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.topics.remove(topic); ok {
		r.notifyLocked()
	}
}

// deleteTopicInCluster is deleteTopic(topic, cluster): only the cluster's brokers' queue data
// goes, and the topic with the last of it.
func (r *registry) deleteTopicInCluster(topic, cluster string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names, ok := r.clusters.get(cluster)
	if !ok || names.len() == 0 {
		return
	}
	queues, ok := r.topics.get(topic)
	if !ok {
		return
	}
	for _, name := range names.keys() {
		queues.remove(name)
	}
	if queues.len() == 0 {
		r.topics.remove(topic)
	}
	r.notifyLocked()
}

// systemTopics is getSystemTopicList: every cluster name and broker name (the "topics" named
// after them), and the first address of the first broker name that has one.
func (r *registry) systemTopics() (topics []string, brokerAddr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			topics = append(topics, s)
		}
	}
	for _, cluster := range r.clusters.keys() {
		add(cluster)
		names, _ := r.clusters.get(cluster)
		for _, name := range names.keys() {
			add(name)
		}
	}
	for _, name := range r.brokers.keys() {
		bd, _ := r.brokers.get(name)
		if len(bd.addrs) > 0 {
			brokerAddr = bd.addrs[firstBrokerID(bd.addrs)]
			break
		}
	}
	return freshSetOrder(topics), brokerAddr
}

// firstBrokerID is the brokerId a HashMap<Long,String> holding addrs iterates first.
func firstBrokerID(addrs map[int64]string) int64 {
	n := javamap.HashMapTableSize(defaultHashMapCapacity, len(addrs))
	ids := slices.Sorted(maps.Keys(addrs))
	return slices.MinFunc(ids, func(a, b int64) int {
		return cmp.Or(cmp.Compare(javamap.Bucket(javamap.LongHashCode(a), n), javamap.Bucket(javamap.LongHashCode(b), n)), cmp.Compare(a, b))
	})
}

// topicsByFirstQueue is topicQueueTableIter: the topics whose first queue data (in the
// topic's table order) has a topicSysFlag pick accepts.
func (r *registry) topicsByFirstQueue(pick func(sysFlag int32) bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, topic := range r.topics.keys() {
		queues, _ := r.topics.get(topic)
		if names := queues.keys(); len(names) > 0 {
			if qd, _ := queues.get(names[0]); pick(qd.TopicSysFlag) {
				out = append(out, topic)
			}
		}
	}
	return freshSetOrder(out)
}
