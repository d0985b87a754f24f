package client

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rocketsim/rocketsim/protocol"
)

// Message is what a producer sends: protocol.Message, Java's Message.
type Message = protocol.Message

// NewMessage returns a message for topic with body, as Java's Message(topic, body).
func NewMessage(topic string, body []byte) *Message { return protocol.NewMessage(topic, body) }

// WithGroup sets the producer group. Without it the group is DEFAULT_PRODUCER, which Start
// refuses as Java's checkConfig does.
func WithGroup(group string) Option { return func(c *config) { c.group = group } }

// Producer sends messages to RocketMQ brokers: Java's DefaultMQProducer. Create it with
// NewProducer, Start it, send, and Shutdown it. Its methods are safe for concurrent use.
type Producer struct {
	mu       sync.Mutex // serialises Start and Shutdown
	cfg      config
	state    atomic.Int32
	inst     atomic.Pointer[instance]
	clientID string

	pubMu   sync.RWMutex
	publish map[string]*publishInfo

	faults *latencyFaults
	ids    *protocol.UniqIDGenerator

	// async runs the async sends, from Start on; shut down, it rejects them.
	async atomic.Pointer[asyncExecutor]
	// checks runs a transactional producer's checker, from Start on.
	checks atomic.Pointer[checkEnv]
}

// NewProducer returns a producer in state CREATE_JUST. Nothing is checked or connected until
// Start, as in Java.
func NewProducer(opts ...Option) (*Producer, error) {
	cfg := defaultConfig()
	cfg.group = protocol.DefaultProducerGroup
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.nameServers) == 0 {
		cfg.nameServers = nameServersFromEnv()
	}
	if cfg.clientIP == "" {
		cfg.clientIP = localIP()
	}
	if cfg.manager == nil {
		cfg.manager = DefaultManager
	}
	if cfg.sendTimeout <= 0 || cfg.apiTimeout <= 0 || cfg.requestTimeout <= 0 {
		return nil, errors.New("client: send, API and request timeouts must be positive")
	}
	p := &Producer{cfg: cfg, publish: make(map[string]*publishInfo)}
	if cfg.latencyTable != nil {
		p.faults = newLatencyFaults(*cfg.latencyTable)
	}
	ip, err := netip.ParseAddr(cfg.clientIP)
	if err != nil {
		ip = netip.Addr{}
	}
	p.ids = protocol.NewUniqIDGenerator(protocol.NewUniqIDPrefix(ip), nil)
	return p, nil
}

// State returns the producer's service state.
func (p *Producer) State() State { return State(p.state.Load()) }

// Group returns the producer group, with the namespace once started.
func (p *Producer) Group() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg.group
}

// ClientID returns the id of the client instance ("ip@instance[@unit]"), "" before Start.
func (p *Producer) ClientID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clientID
}

// Start is DefaultMQProducerImpl.start: check the configuration, join (or create and start)
// the client instance of this client id, and send a first round of heartbeats. A failed check
// leaves the producer START_FAILED for good; a duplicate group leaves it CREATE_JUST so that it
// can start once its group is changed (SetGroup).
func (p *Producer) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.State(); s != StateCreateJust {
		return &StateError{State: s, Msg: suggestFAQ("The producer service state not OK, maybe started once, " + s.String())}
	}
	p.state.Store(int32(StateStartFailed))
	if p.cfg.namespace != "" {
		p.cfg.group = wrapNamespace(p.cfg.namespace, p.cfg.group)
	}
	if err := protocol.CheckProducerGroup(p.cfg.group); err != nil {
		return validationError(err)
	}
	if p.cfg.group != InnerProducerGroup && p.cfg.instanceName == DefaultInstanceName {
		p.cfg.instanceName = pidInstanceName()
	}
	p.clientID = buildClientID(p.cfg.clientIP, p.cfg.instanceName, p.cfg.unitName, false)
	if p.cfg.txListener != nil {
		// Java's initTransactionEnv, before the group joins an instance whose connections may
		// already carry checks for it.
		p.checks.Store(newCheckEnv(p.cfg))
	}
	inst, err := p.cfg.manager.acquire(p.cfg, p.clientID, p.cfg.group, p)
	if err != nil {
		p.state.Store(int32(StateCreateJust))
		return err
	}
	p.setPublishInfo(p.cfg.createTopicKey, newPublishInfo(p.cfg.createTopicKey, nil))
	if err := inst.start(); err != nil {
		return err
	}
	p.inst.Store(inst)
	p.async.Store(newAsyncExecutor(p.cfg.asyncWorkers, p.cfg.asyncQueue))
	p.state.Store(int32(StateRunning))
	inst.sendHeartbeatToAllBrokers(context.Background())
	return nil
}

// newInnerProducer is the instance's own producer (Java's defaultMQProducer of
// MQClientInstance, group CLIENT_INNER_PRODUCER, started with the instance): consumers resend
// through it the messages a broker would not take back. Like Java's, it has the producer
// defaults and the instance's client settings; it sends topics as they are, since the
// consumer has already named the retry topic in full.
func newInnerProducer(inst *instance) *Producer {
	cfg := defaultConfig()
	cfg.group = InnerProducerGroup
	cfg.clientIP, cfg.vipChannel, cfg.logger, cfg.manager = inst.cfg.clientIP, inst.cfg.vipChannel, inst.cfg.logger, inst.m
	p := &Producer{cfg: cfg, publish: make(map[string]*publishInfo), clientID: inst.id}
	ip, err := netip.ParseAddr(cfg.clientIP)
	if err != nil {
		ip = netip.Addr{}
	}
	p.ids = protocol.NewUniqIDGenerator(protocol.NewUniqIDPrefix(ip), nil)
	p.inst.Store(inst)
	p.setPublishInfo(cfg.createTopicKey, newPublishInfo(cfg.createTopicKey, nil))
	p.state.Store(int32(StateRunning))
	return p
}

// SetGroup changes the group of a producer in state CREATE_JUST, typically after Start
// failed on a duplicate group; in any other state it does nothing, since Java's group only
// matters at start.
func (p *Producer) SetGroup(group string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.State() == StateCreateJust {
		p.cfg.group = group
	}
}

// Shutdown is DefaultMQProducerImpl.shutdown: a RUNNING producer stops taking async sends,
// unregisters its group from every broker and leaves the client instance, which stops when its
// last producer leaves. Async sends already queued still run, as Java's executor shutdown lets
// them, without Shutdown waiting for them: those that start once the producer has stopped fail
// with the not-running error. In any other state it does nothing.
func (p *Producer) Shutdown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.State() != StateRunning {
		return
	}
	p.async.Load().shutdown()
	p.inst.Load().release(p.cfg.group)
	if env := p.checks.Load(); env != nil {
		env.shutdown()
	}
	p.state.Store(int32(StateShutdownAlready))
}

// running is makeSureStateOK.
func (p *Producer) running() (*instance, error) {
	if s := p.State(); s != StateRunning {
		return nil, &StateError{State: s, Msg: suggestFAQ("The producer service state not OK, " + s.String())}
	}
	return p.inst.Load(), nil
}

// Snapshot returns a copy of what the producer's client instance knows.
func (p *Producer) Snapshot() InstanceSnapshot {
	if inst := p.inst.Load(); inst != nil {
		return inst.snapshot()
	}
	return InstanceSnapshot{State: StateCreateJust}
}

// PublishInfo returns the queues the producer can write for each topic it knows, TBW102
// included; a topic whose route is not known yet has none.
func (p *Producer) PublishInfo() map[string][]MessageQueue {
	p.pubMu.RLock()
	defer p.pubMu.RUnlock()
	out := make(map[string][]MessageQueue, len(p.publish))
	for t, info := range p.publish {
		out[t] = slices.Clone(info.queues)
	}
	return out
}

func (p *Producer) publishInfo(topic string) *publishInfo {
	p.pubMu.RLock()
	defer p.pubMu.RUnlock()
	return p.publish[topic]
}

func (p *Producer) setPublishInfo(topic string, info *publishInfo) {
	p.pubMu.Lock()
	p.publish[topic] = info
	p.pubMu.Unlock()
}

func (p *Producer) publishIfAbsent(topic string) {
	p.pubMu.Lock()
	if p.publish[topic] == nil {
		p.publish[topic] = newPublishInfo(topic, nil)
	}
	p.pubMu.Unlock()
}

func (p *Producer) publishTopics() []string {
	p.pubMu.RLock()
	defer p.pubMu.RUnlock()
	return slices.Collect(maps.Keys(p.publish))
}

// needsRoute is isPublishTopicNeedUpdate.
func (p *Producer) needsRoute(topic string) bool {
	info := p.publishInfo(topic)
	return info == nil || len(info.queues) == 0
}

// wrapNamespace is NamespaceUtil.wrapNamespace for the common cases: a name already in the
// namespace, or a system topic, stays as it is.
func wrapNamespace(ns, name string) string {
	if ns == "" || strings.HasPrefix(name, ns+"%") || protocol.IsSystemTopic(name) || name == InnerProducerGroup {
		return name
	}
	return ns + "%" + name
}

func unwrapNamespace(ns, name string) string {
	if ns == "" {
		return name
	}
	return strings.TrimPrefix(name, ns+"%")
}
