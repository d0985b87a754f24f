package client

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// lockTimeout is Java's LOCK_TIMEOUT_MILLIS: how long route updates, offline-broker cleanup
// and unregistering wait for their lock.
const lockTimeout = 3 * time.Second

// Java's first delays of the scheduled tasks.
const (
	firstRoutePoll = 10 * time.Millisecond
	firstHeartbeat = time.Second
)

// instance is Java's MQClientInstance: one remoting client, one route cache and one set of
// scheduled tasks, shared by every producer and consumer with the same client id.
type instance struct {
	id  string
	cfg config
	m   *Manager

	startMu sync.Mutex // Java's synchronized start and shutdown
	state   State
	rc      *remoting.Client
	ns      *nameServers
	cancel  context.CancelFunc
	tasks   sync.WaitGroup

	mu          sync.Mutex
	producers   map[string]*Producer // the inner producer's entry is nil: it is inner
	consumers   map[string]consumerInner
	routes      map[string]*protocol.TopicRouteData
	brokerAddrs map[string]map[int64]string
	versions    map[string]map[string]int32

	nsLock   chan struct{} // Java's lockNamesrv
	hbLock   chan struct{} // Java's lockHeartbeat
	hbRounds atomic.Int64
	// routePolls counts finished scheduled route rounds (updateAllRoutes).
	routePolls atomic.Int64
	// rebalanceRounds counts finished rebalance rounds; rebalancing is set while one runs.
	rebalanceRounds atomic.Int64
	rebalancing     atomic.Bool

	// requests are the requests waiting for their reply, by correlation id: Java's
	// RequestFutureHolder, one per instance since replies come to the instance's client id.
	reqMu    sync.Mutex
	requests map[string]*replyFuture

	// inner is the instance's own producer (Java's defaultMQProducer, CLIENT_INNER_PRODUCER):
	// consumers resend through it what the broker would not take back.
	inner *Producer
	// pull is the PullMessageService; rebalanceWake wakes the RebalanceService.
	pull          *pullService
	rebalanceWake chan struct{}
	stats         *consumerStats
	// resets are the RESET_CONSUMER_CLIENT_OFFSET being carried out, one at a time (resetMu:
	// Java's synchronized resetOffset).
	resets  sync.WaitGroup
	resetMu sync.Mutex
}

func newInstance(m *Manager, id string, cfg config) *instance {
	cfg.nameServers = slices.Clone(cfg.nameServers)
	return &instance{
		id: id, cfg: cfg, m: m,
		ns:          newNameServers(cfg.nameServers),
		producers:   map[string]*Producer{InnerProducerGroup: nil},
		consumers:   make(map[string]consumerInner),
		routes:      make(map[string]*protocol.TopicRouteData),
		brokerAddrs: make(map[string]map[int64]string),
		versions:    make(map[string]map[string]int32),
		nsLock:      make(chan struct{}, 1),
		hbLock:      make(chan struct{}, 1),
		requests:    make(map[string]*replyFuture),

		rebalanceWake: make(chan struct{}, 1),
		stats:         newConsumerStats(),
	}
}

// tryLock takes a channel lock, waiting at most d (0: not at all) or until ctx ends.
func tryLock(ctx context.Context, lock chan struct{}, d time.Duration) bool {
	select {
	case lock <- struct{}{}:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case lock <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func unlock(lock chan struct{}) { <-lock }

// lockCtx takes a channel lock, waiting until ctx ends.
func lockCtx(ctx context.Context, lock chan struct{}) bool {
	select {
	case lock <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (inst *instance) registerProducer(group string, p *Producer) bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if _, ok := inst.producers[group]; ok {
		return false
	}
	inst.producers[group] = p
	return true
}

func (inst *instance) producerCount() int {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return len(inst.producers)
}

func (inst *instance) userProducers() []*Producer {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	ps := make([]*Producer, 0, len(inst.producers))
	for _, p := range inst.producers {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// start is MQClientInstance.start: the first producer starts the instance, later ones find it
// RUNNING and share it.
func (inst *instance) start() error {
	inst.startMu.Lock()
	defer inst.startMu.Unlock()
	switch inst.state {
	case StateCreateJust:
		inst.state = StateStartFailed
		ctx, cancel := context.WithCancel(context.Background())
		inst.cancel = cancel
		if inst.ns.empty() {
			inst.fetchNameServers(ctx)
		}
		opts := []remoting.ClientOption{remoting.WithLogger(inst.cfg.logger)}
		opts = append(opts, remoting.WithConnectTimeout(inst.cfg.connectTimeout))
		if inst.cfg.dialer != nil {
			opts = append(opts, remoting.WithDialer(inst.cfg.dialer))
		}
		if inst.cfg.tls != nil {
			opts = append(opts, remoting.WithTLS(inst.cfg.tls))
		}
		if creds := inst.cfg.credentials; creds != nil {
			opts = append(opts, remoting.WithRequestHook(func(_ string, req *remoting.Command) { creds.Sign(req) }))
		}
		inst.rc = remoting.NewClient(opts...)
		// What brokers push over the instance's connections (ClientRemotingProcessor).
		inst.rc.Handle(remoting.CodeCheckTransactionState, inst.serveCheckTransactionState)
		inst.rc.Handle(remoting.CodePushReplyMessageToClient, inst.serveReply)
		inst.handleConsumerRequests(ctx)
		inst.inner = newInnerProducer(inst)
		inst.pull = startPullService(inst)
		inst.tasks.Add(2)
		go inst.runTasks(ctx)
		go inst.runRebalance(ctx)
		inst.state = StateRunning
		return nil
	case StateStartFailed:
		return clientError(-1, "The Factory object["+inst.id+"] has been created before, and failed.", nil)
	}
	return nil
}

// release unregisters group and stops the instance when only its inner producer is left.
func (inst *instance) release(group string) {
	inst.mu.Lock()
	delete(inst.producers, group)
	inst.mu.Unlock()
	inst.unregisterClient(group, "")

	inst.m.mu.Lock()
	last := inst.m.releaseLocked(inst)
	inst.m.mu.Unlock()
	if last {
		inst.shutdown()
	}
}

// shutdown is MQClientInstance.shutdown once its last producer and consumer have left: the
// inner producer unregisters, the pull service, the tasks and the rebalance service stop, the
// connections close.
func (inst *instance) shutdown() {
	inst.startMu.Lock()
	defer inst.startMu.Unlock()
	if inst.state != StateRunning {
		if inst.cancel != nil {
			inst.cancel()
		}
		return
	}
	inst.mu.Lock()
	delete(inst.producers, InnerProducerGroup)
	inst.mu.Unlock()
	inst.unregisterClient(InnerProducerGroup, "")
	inst.state = StateShutdownAlready
	inst.pull.stop()
	inst.cancel()
	inst.tasks.Wait()
	inst.resets.Wait()
	_ = inst.rc.Close()
}

// task is one of the instance's periodic jobs.
type task struct {
	next  time.Time
	every time.Duration
	run   func(context.Context)
}

// runTasks runs the periodic work on one goroutine, as Java's single-threaded
// MQClientFactoryScheduledThread does: a slow task delays the others, none overlap, and each
// keeps a fixed rate (a late run is followed at once by the next one due).
func (inst *instance) runTasks(ctx context.Context) {
	defer inst.tasks.Done()
	now := time.Now()
	tasks := []*task{
		{next: now.Add(firstRoutePoll), every: inst.cfg.pollInterval, run: inst.updateAllRoutes},
		{next: now.Add(firstHeartbeat), every: inst.cfg.heartbeatInterval, run: func(ctx context.Context) {
			inst.cleanOfflineBrokers(ctx)
			inst.sendHeartbeatToAllBrokers(ctx)
		}},
		// Java's adjustThreadPool (every minute) is left out: in 4.9.7 both consume services'
		// incCorePoolSize and decCorePoolSize are empty.
		{next: now.Add(inst.cfg.persistDelay), every: inst.cfg.persistInterval, run: inst.persistAllConsumerOffset},
	}
	if len(inst.cfg.nameServers) == 0 && inst.cfg.nsFetchInterval > 0 {
		tasks = append(tasks, &task{next: now.Add(inst.cfg.nsFetchDelay), every: inst.cfg.nsFetchInterval, run: inst.fetchNameServers})
	}
	tasks = slices.DeleteFunc(tasks, func(t *task) bool { return t.every <= 0 })
	if len(tasks) == 0 {
		<-ctx.Done()
		return
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		t := slices.MinFunc(tasks, func(a, b *task) int { return a.next.Compare(b.next) })
		timer.Reset(time.Until(t.next))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		t.run(ctx)
		t.next = t.next.Add(t.every)
	}
}

func (inst *instance) request(code int32, h protocol.Header, body []byte) *remoting.Command {
	var req *remoting.Command
	if h == nil {
		req = remoting.NewRequest(code, nil, body)
	} else {
		req = protocol.RequestWithHeader(code, h, body)
	}
	req.SerializeType = inst.cfg.serializeType
	return req
}

// sendRequest is request for the send path, whose header goes out as a list (no map).
func (inst *instance) sendRequest(code int32, h protocol.FieldsHeader, body []byte) *remoting.Command {
	req := protocol.RequestWithFields(code, h, body)
	req.SerializeType = inst.cfg.serializeType
	return req
}

// invokeNameServer sends req to the chosen name server. A transport failure un-chooses it,
// so that the next request fails over to another one: Java gets the same effect by closing
// the channel on a timeout (clientCloseSocketIfTimeout).
func (inst *instance) invokeNameServer(ctx context.Context, req *remoting.Command) (*remoting.Command, error) {
	addr, err := inst.ns.pick(ctx, inst.rc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)
	defer cancel()
	resp, err := inst.rc.Invoke(ctx, addr, req)
	if err != nil {
		inst.ns.forget(addr, inst.rc)
		return nil, transportError(addr, err)
	}
	return resp, nil
}

// getRoute is MQClientAPIImpl.getTopicRouteInfoFromNameServer.
func (inst *instance) getRoute(ctx context.Context, topic string) (*protocol.TopicRouteData, error) {
	resp, err := inst.invokeNameServer(ctx, inst.request(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: topic}, nil))
	if err != nil {
		return nil, err
	}
	// Java throws MQClientException(code, remark) for any answer without a route, SUCCESS
	// with no body included.
	if resp.Code != remoting.Success || len(resp.Body) == 0 {
		return nil, &ClientError{Code: int(resp.Code), Msg: resp.Remark, codeForm: true, Err: responseCodeError(resp.Code)}
	}
	return protocol.DecodeTopicRouteData(resp.Body)
}

// updateRoute is updateTopicRouteInfoFromNameServer(topic, isDefault, producer): fetch the
// route, and when it changed or a producer lacks it, publish it to every producer of the
// instance. A non-nil standIn asks for Java's isDefault path: the route of standIn's create
// topic key (TBW102), its queues cut to standIn's default queue count. Like Java, these are the
// settings of the producer whose send needs the stand-in, not those of the instance's first
// producer.
func (inst *instance) updateRoute(ctx context.Context, topic string, standIn *Producer) (bool, error) {
	if !tryLock(ctx, inst.nsLock, lockTimeout) {
		inst.cfg.logger.Warn("updateTopicRouteInfoFromNameServer tryLock timeout 3000ms")
		return false, nil
	}
	defer unlock(inst.nsLock)
	var route *protocol.TopicRouteData
	var err error
	if standIn != nil {
		route, err = inst.getRoute(ctx, standIn.cfg.createTopicKey)
		if route != nil {
			for i := range route.QueueDatas {
				n := min(int32(standIn.cfg.topicQueueNums), route.QueueDatas[i].ReadQueueNums)
				route.QueueDatas[i].ReadQueueNums, route.QueueDatas[i].WriteQueueNums = n, n
			}
		}
	} else {
		route, err = inst.getRoute(ctx, topic)
	}
	if err != nil {
		// The cached route, if any, stays in use. Java keeps quiet about retry topics and
		// about TBW102 itself, whatever the create topic key.
		if !strings.HasPrefix(topic, retryTopicPrefix) && topic != protocol.AutoCreateTopicKey {
			inst.cfg.logger.Warn("updateTopicRouteInfoFromNameServer failed", "topic", topic, "err", err)
		}
		return false, err
	}
	inst.mu.Lock()
	changed := protocol.RouteChanged(inst.routes[topic], route) || inst.needsRouteLocked(topic)
	if changed {
		for _, bd := range route.BrokerDatas {
			inst.brokerAddrs[bd.BrokerName] = maps.Clone(bd.BrokerAddrs)
		}
		inst.routes[topic] = route.Clone()
	}
	producers := make([]*Producer, 0, len(inst.producers))
	for _, p := range inst.producers {
		if p != nil {
			producers = append(producers, p)
		}
	}
	if inst.inner != nil {
		producers = append(producers, inst.inner)
	}
	consumers := slices.Collect(maps.Values(inst.consumers))
	inst.mu.Unlock()
	if changed {
		info := newPublishInfo(topic, route)
		for _, p := range producers {
			p.setPublishInfo(topic, info)
		}
		mqs := subscribeInfo(topic, route)
		for _, c := range consumers {
			c.updateTopicSubscribeInfo(topic, mqs)
		}
	}
	return changed, nil
}

// needsRouteLocked is isNeedUpdateTopicRouteInfo: some producer has no usable queues for topic,
// or some consumer subscribes it and knows none of its queues.
func (inst *instance) needsRouteLocked(topic string) bool {
	for _, p := range inst.producers {
		if p != nil && p.needsRoute(topic) {
			return true
		}
	}
	if inst.inner != nil && inst.inner.needsRoute(topic) {
		return true
	}
	for _, c := range inst.consumers {
		if c.isSubscribeTopicNeedUpdate(topic) {
			return true
		}
	}
	return false
}

// updateAllRoutes refreshes every topic any consumer subscribes and any producer has published
// to (TBW102 included). Like
// Java's round, it ends at the first failure to get an answer from the name server (Java turns
// the RemotingException into an IllegalStateException that leaves the loop), so that a hung
// name server costs the tasks behind it one API timeout, not one per topic. A topic the name
// server refuses (an answer code, Java's MQClientException) does not end the round.
func (inst *instance) updateAllRoutes(ctx context.Context) {
	defer inst.routePolls.Add(1)
	topics := map[string]bool{}
	for _, c := range inst.allConsumers() {
		for _, t := range c.subscribedTopics() {
			topics[t] = true
		}
	}
	producers := inst.userProducers()
	if inst.inner != nil {
		producers = append(producers, inst.inner)
	}
	for _, p := range producers {
		for _, t := range p.publishTopics() {
			topics[t] = true
		}
	}
	for _, t := range slices.Sorted(maps.Keys(topics)) {
		if ctx.Err() != nil {
			return
		}
		if _, err := inst.updateRoute(ctx, t, nil); err != nil && !refusedByNameServer(err) {
			inst.cfg.logger.Warn("ScheduledTask updateTopicRouteInfoFromNameServer exception", "topic", t, "err", err)
			return
		}
	}
}

// refusedByNameServer reports whether a route query failed on the name server's answer code
// rather than on reaching it or reading its answer.
func refusedByNameServer(err error) bool {
	var code responseCodeError
	return errors.As(err, &code)
}

// cleanOfflineBrokers drops broker addresses that no cached route mentions any more.
func (inst *instance) cleanOfflineBrokers(ctx context.Context) {
	if !tryLock(ctx, inst.nsLock, lockTimeout) {
		return
	}
	defer unlock(inst.nsLock)
	inst.mu.Lock()
	defer inst.mu.Unlock()
	for name, addrs := range inst.brokerAddrs {
		kept := make(map[int64]string, len(addrs))
		for id, addr := range addrs {
			if inst.addrInRoutesLocked(addr) {
				kept[id] = addr
			}
		}
		if len(kept) == 0 {
			delete(inst.brokerAddrs, name)
			inst.cfg.logger.Info("the broker[" + name + "] name's host is offline, remove it")
			continue
		}
		inst.brokerAddrs[name] = kept
	}
}

func (inst *instance) addrInRoutesLocked(addr string) bool {
	for _, r := range inst.routes {
		for _, bd := range r.BrokerDatas {
			for _, a := range bd.BrokerAddrs {
				if a == addr {
					return true
				}
			}
		}
	}
	return false
}

// brokerTargets lists broker addresses in a stable order, masters only when asked.
func (inst *instance) brokerTargets(mastersOnly bool) []brokerTarget {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	var out []brokerTarget
	for _, name := range slices.Sorted(maps.Keys(inst.brokerAddrs)) {
		addrs := inst.brokerAddrs[name]
		for _, id := range slices.Sorted(maps.Keys(addrs)) {
			if mastersOnly && id != protocol.MasterID {
				continue
			}
			out = append(out, brokerTarget{name: name, id: id, addr: addrs[id]})
		}
	}
	return out
}

type brokerTarget struct {
	name string
	id   int64
	addr string
}

// sendHeartbeatToAllBrokers is sendHeartbeatToAllBrokerWithLock: skipped when a round is
// already running; one HEART_BEAT after another, to masters only unless the client has
// consumers, which slaves serve pulls for.
func (inst *instance) sendHeartbeatToAllBrokers(ctx context.Context) {
	inst.sendHeartbeatWithin(ctx, 0)
}

// sendHeartbeatAfterRound is sendHeartbeatToAllBrokers for a change the brokers must learn:
// it waits (up to lockTimeout) for a round already running instead of skipping. A rebalance
// gives the subscription a new version that the pulls it starts carry; a round that began
// before carries the old one, and skipped, the brokers would answer those pulls
// SUBSCRIPTION_NOT_LATEST until the next periodic heartbeat (30 s). Java 4.9.7 skips.
func (inst *instance) sendHeartbeatAfterRound(ctx context.Context) {
	inst.sendHeartbeatWithin(ctx, lockTimeout)
}

func (inst *instance) sendHeartbeatWithin(ctx context.Context, wait time.Duration) {
	if !tryLock(ctx, inst.hbLock, wait) {
		inst.cfg.logger.Warn("lock heartBeat, but failed. [" + inst.id + "]")
		return
	}
	defer unlock(inst.hbLock)
	hb := &protocol.HeartbeatData{ClientID: inst.id}
	for _, c := range inst.allConsumers() {
		hb.ConsumerDataSet = append(hb.ConsumerDataSet, c.heartbeatData())
	}
	inst.mu.Lock()
	for _, g := range slices.Sorted(maps.Keys(inst.producers)) {
		hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
	}
	inst.mu.Unlock()
	if len(hb.ProducerDataSet) == 0 && len(hb.ConsumerDataSet) == 0 {
		inst.cfg.logger.Warn("sending heartbeat, but no consumer and no producer. [" + inst.id + "]")
		return
	}
	targets := inst.brokerTargets(len(hb.ConsumerDataSet) == 0)
	if len(targets) == 0 {
		return
	}
	inst.hbRounds.Add(1)
	body := hb.Encode()
	for _, t := range targets {
		if ctx.Err() != nil {
			return
		}
		actx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)
		resp, err := inst.rc.Invoke(actx, t.addr, inst.request(remoting.CodeHeartBeat, nil, body))
		cancel()
		if err == nil && resp.Code != remoting.Success {
			err = &BrokerError{Code: resp.Code, Remark: resp.Remark, BrokerAddr: t.addr}
		}
		if err != nil {
			inst.cfg.logger.Info("send heart beat to broker failed", "broker", t.name, "addr", t.addr, "err", err)
			continue
		}
		inst.mu.Lock()
		if inst.versions[t.name] == nil {
			inst.versions[t.name] = make(map[string]int32)
		}
		inst.versions[t.name][t.addr] = resp.Version
		inst.mu.Unlock()
	}
}

// unregisterClient sends UNREGISTER_CLIENT for a producer or a consumer group to every broker
// address, slaves too.
func (inst *instance) unregisterClient(producerGroup, consumerGroup string) {
	ctx := context.Background()
	if !tryLock(ctx, inst.hbLock, lockTimeout) {
		inst.cfg.logger.Warn("lock heartBeat, but failed. [" + inst.id + "]")
		return
	}
	defer unlock(inst.hbLock)
	if inst.rc == nil {
		return
	}
	for _, t := range inst.brokerTargets(false) {
		actx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)
		resp, err := inst.rc.Invoke(actx, t.addr, inst.request(remoting.CodeUnregisterClient,
			protocol.UnregisterClientRequestHeader{ClientID: inst.id, ProducerGroup: producerGroup, ConsumerGroup: consumerGroup}, nil))
		cancel()
		if err == nil && resp.Code != remoting.Success {
			err = &BrokerError{Code: resp.Code, Remark: resp.Remark, BrokerAddr: t.addr}
		}
		if err != nil {
			inst.cfg.logger.Warn("unregister client exception", "addr", t.addr, "err", err)
		}
	}
}

// hasRoute reports whether the route cache holds topic.
func (inst *instance) hasRoute(topic string) bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	_, ok := inst.routes[topic]
	return ok
}

// masterAddr is findBrokerAddressInPublish.
func (inst *instance) masterAddr(broker string) string {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.brokerAddrs[broker][protocol.MasterID]
}

// InstanceSnapshot is a copy of what a client instance knows, for tests and diagnostics.
type InstanceSnapshot struct {
	ClientID         string
	State            State
	NameServers      []string
	ChosenNameServer string
	// ProducerGroups lists the registered groups, InnerProducerGroup included, sorted.
	ProducerGroups []string
	// ConsumerGroups lists the registered consumer groups, sorted.
	ConsumerGroups []string
	// BrokerAddrs is the broker address table: broker name -> broker id -> address.
	BrokerAddrs map[string]map[int64]string
	// Routes are the cached routes by topic.
	Routes map[string]*protocol.TopicRouteData
	// BrokerVersions is the version each broker address answered the last heartbeat with.
	BrokerVersions map[string]map[string]int32
	// HeartbeatRounds counts heartbeat rounds that had at least one broker to go to.
	HeartbeatRounds int64
	// RoutePolls counts the scheduled route rounds (every PollNameServerInterval) the instance
	// has finished; a test that must act between two of them waits for it to move.
	RoutePolls int64
	// RebalanceRounds counts the rebalance rounds the instance has finished; Rebalancing says
	// that one runs now or that a wakeup (a broker's notice, a consumer's start) waits for the
	// next. A test that must know a consumer's queues will not move on their own reads both.
	RebalanceRounds int64
	Rebalancing     bool
	// PendingRequests counts the requests waiting for their reply.
	PendingRequests int
	// Connections lists the addresses (name servers and brokers) the instance holds an open
	// connection to, sorted; a connection the peer closed goes once the instance has read
	// the close.
	Connections []string
}

func (inst *instance) snapshot() InstanceSnapshot {
	inst.startMu.Lock()
	state, rc := inst.state, inst.rc
	inst.startMu.Unlock()
	s := InstanceSnapshot{ClientID: inst.id, State: state, HeartbeatRounds: inst.hbRounds.Load(),
		RoutePolls: inst.routePolls.Load(), RebalanceRounds: inst.rebalanceRounds.Load(), Rebalancing: inst.rebalancing.Load() || len(inst.rebalanceWake) > 0}
	inst.reqMu.Lock()
	s.PendingRequests = len(inst.requests)
	inst.reqMu.Unlock()
	s.NameServers, s.ChosenNameServer = inst.ns.snapshot()
	if rc != nil {
		s.Connections = rc.Connections()
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	s.ProducerGroups = slices.Sorted(maps.Keys(inst.producers))
	s.ConsumerGroups = slices.Sorted(maps.Keys(inst.consumers))
	s.BrokerAddrs = make(map[string]map[int64]string, len(inst.brokerAddrs))
	for k, v := range inst.brokerAddrs {
		s.BrokerAddrs[k] = maps.Clone(v)
	}
	s.Routes = make(map[string]*protocol.TopicRouteData, len(inst.routes))
	for k, v := range inst.routes {
		s.Routes[k] = v.Clone()
	}
	s.BrokerVersions = make(map[string]map[string]int32, len(inst.versions))
	for k, v := range inst.versions {
		s.BrokerVersions[k] = maps.Clone(v)
	}
	return s
}

var errNoNameServer = errors.New("client: no name server address")
