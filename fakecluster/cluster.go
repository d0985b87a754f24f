// Package fakecluster starts a fake RocketMQ cluster, a fakenamesrv name server and N
// fakebroker brokers registered with it over the wire, in one call, and serves the admin HTTP
// API that tools in any language use to read what was stored and to inject faults.
//
// In a Go test:
//
//	c := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4))
//	// point any RocketMQ client at c.NameServerAddr(); read c.Messages("Orders") afterwards.
//
// Elsewhere (sim serve, a load run), New creates a cluster, Start starts it, and Shutdown or
// Close stops it.
//
// The cluster runs on loopback TCP by default, or on a remoting.MemNetwork (WithMemNetwork) so
// that a testing/synctest bubble can drive its 30 s registrations and 120 s expiry in virtual
// time.
//
// WithTLS serves TLS (Java's permissive or enforcing mode) on every server, and
// WithServerOptions sets their limits on peers; GET /v1/limits reports both.
package fakecluster

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/rocketsim/rocketsim/acl"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// DefaultStartTimeout bounds how long Start waits for every broker to appear on the name server.
const DefaultStartTimeout = 10 * time.Second

// ErrUnknownBroker is returned for a broker name the cluster does not have.
var ErrUnknownBroker = errors.New("fakecluster: unknown broker")

// Cluster is a fake cluster: created by New, started by Start. Once Start has returned, its
// methods are safe for concurrent use.
type Cluster struct {
	cfg     config
	names   []string // the brokers' names, in order
	started bool
	ns      *fakenamesrv.Server
	brokers []*fakebroker.Broker // in name order: broker-a, broker-b, ...; empty until Start
	slaves  []*fakebroker.Broker // brokerId 1 of each name, with WithSlaves
	// brokerFeed tells GET /v1/events of every crash, stop, start and silence of a broker,
	// whether the admin API or Go code made it.
	brokerFeed adminhttp.BrokerFeed
	// marks are the timeline's marks, made from Go (Mark) or through any AdminHandler.
	marks adminhttp.Marks
}

// Mark puts a labelled mark on the admin API's timeline (GET /v1/events, GET /v1/marks, the
// web console), as POST /v1/marks does: a plan step, a test's phase.
func (c *Cluster) Mark(label string) adminhttp.Mark { return c.marks.Add(label) }

// Marks is the timeline's marks, those of Mark and of POST /v1/marks alike.
func (c *Cluster) Marks() *adminhttp.Marks { return &c.marks }

type topicSpec struct {
	config  protocol.TopicConfig
	brokers []string // nil: every broker
}

type config struct {
	brokers      int
	slaves       bool
	cluster      string
	host         string
	advertise    string
	nsAddr       string
	autoCreate   bool
	topics       []topicSpec
	mem          *remoting.MemNetwork
	logger       *slog.Logger
	nsOpts       []fakenamesrv.Option
	brokerOpts   []fakebroker.Option
	perBroker    map[string][]fakebroker.Option
	startTimeout time.Duration
	serverOpts   []remoting.ServerOption
	tlsMode      remoting.TLSMode
	acl          *acl.Validator
	aclAdmin     acl.Credentials
	aclLayout    acl.Layout
	aclWatch     time.Duration
}

// Option configures a cluster.
type Option func(*config)

// WithBrokers sets how many brokers to start (named broker-a, broker-b, ...). Default 1.
func WithBrokers(n int) Option { return func(c *config) { c.brokers = n } }

// WithSlaves(true) gives every broker name a slave: a second broker with the same name and
// topics, brokerId 1, registered with the name server, so that routes list a master and a
// slave address. The slave does not replicate the master's store (clients write to masters
// only); it is there for what clients do with slave addresses: heartbeats when they consume,
// unregister on shutdown, cleanup when it goes away. Default false.
func WithSlaves(on bool) Option { return func(c *config) { c.slaves = on } }

// WithCluster sets the brokers' brokerClusterName. Default DefaultCluster.
func WithCluster(name string) Option { return func(c *config) { c.cluster = name } }

// WithHost sets the host every server listens on. Default 127.0.0.1.
func WithHost(host string) Option { return func(c *config) { c.host = host } }

// WithAdvertisedHost sets the host the brokers register with the name server, each with its
// own port, and the host NameServerAddr names: for servers listening on every interface
// (WithHost("0.0.0.0")), as in a container, where the listen address reaches nobody. Default:
// the listen addresses as they are.
func WithAdvertisedHost(host string) Option { return func(c *config) { c.advertise = host } }

// WithNameServerAddr sets the name server's listen address ("host:0" picks a free port).
func WithNameServerAddr(addr string) Option { return func(c *config) { c.nsAddr = addr } }

// WithAutoCreateTopic sets the brokers' autoCreateTopicEnable: a send to an unknown topic
// creates it from TBW102, as on a default 4.9.7 broker. Default true.
func WithAutoCreateTopic(on bool) Option { return func(c *config) { c.autoCreate = on } }

// WithTopic creates a topic with the given read and write queue count on every broker.
func WithTopic(name string, queues int) Option {
	return WithTopicOn(name, queues)
}

// WithTopicOn creates a topic on the named brokers only (every broker when none is named).
func WithTopicOn(name string, queues int, brokers ...string) Option {
	return WithTopicConfig(topicConfig(name, queues), brokers...)
}

// WithTopicConfig creates a topic with a full configuration on the named brokers (every broker
// when none is named).
func WithTopicConfig(tc protocol.TopicConfig, brokers ...string) Option {
	return func(c *config) { c.topics = append(c.topics, topicSpec{config: tc, brokers: brokers}) }
}

// WithMemNetwork runs the cluster on an in-memory network instead of loopback TCP: clients
// reach it with remoting.WithDialer(mem.Dial). Create mem, and start the cluster, inside the
// testing/synctest bubble that uses them.
func WithMemNetwork(mem *remoting.MemNetwork) Option { return func(c *config) { c.mem = mem } }

// WithLogger sets the logger of every server. Default: logs are discarded.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithNameServerOptions passes options to the name server (expiry, scan interval, KV config...).
func WithNameServerOptions(opts ...fakenamesrv.Option) Option {
	return func(c *config) { c.nsOpts = append(c.nsOpts, opts...) }
}

// WithBrokerOptions passes options to every broker; they are applied after the cluster's own,
// so they win over them.
func WithBrokerOptions(opts ...fakebroker.Option) Option {
	return func(c *config) { c.brokerOpts = append(c.brokerOpts, opts...) }
}

// WithBrokerOptionsFor passes options to one broker, after those of WithBrokerOptions.
func WithBrokerOptionsFor(name string, opts ...fakebroker.Option) Option {
	return func(c *config) {
		if c.perBroker == nil {
			c.perBroker = map[string][]fakebroker.Option{}
		}
		c.perBroker[name] = append(c.perBroker[name], opts...)
	}
}

// WithServerOptions passes transport options to the servers of the name server and of every
// broker: limits (remoting.WithMaxConnections, WithMaxInflightRequests, WithMaxFrameSize,
// WithMaxHeaderSize, WithIdleTimeout, WithFrameReadTimeout) or TLS. They come before the
// options given to WithNameServerOptions and WithBrokerOptions, which win over them.
func WithServerOptions(opts ...remoting.ServerOption) Option {
	return func(c *config) { c.serverOpts = append(c.serverOpts, opts...) }
}

// WithTLS serves TLS on the name server and every broker in mode (remoting.TLSPermissive: plain
// and TLS on the same ports; remoting.TLSEnforcing: TLS only), with cfg's certificate or, when
// cfg is nil, a self-signed one made at start as a Java server in test mode does. When TLS is
// enforced, the brokers register over TLS (trusting any certificate, as a Java broker with
// tls.enable=true does by default), and so do the cluster's own admin requests.
func WithTLS(cfg *tls.Config, mode remoting.TLSMode) Option {
	return func(c *config) {
		c.tlsMode = mode
		if cfg != nil {
			c.serverOpts = append(c.serverOpts, remoting.WithTLS(cfg))
		}
		c.serverOpts = append(c.serverOpts, remoting.WithTLSMode(mode))
	}
}

// WithACL turns on aclEnable on every broker: requests are checked by v (acl.NewValidator of a
// plain_acl.yml) and refused as a 4.9.7 broker refuses them. The name server checks nothing, as
// a 4.9.7 one does not. The cluster's own requests to its brokers (DeleteTopic, the group and
// consumer calls of the admin API) are signed with admin, which the config should know as an
// admin account; zero credentials send them unsigned.
func WithACL(v *acl.Validator, admin acl.Credentials) Option {
	return func(c *config) { c.acl, c.aclAdmin = v, admin }
}

// WithACLFiles turns on aclEnable on every broker with the ACL files of layout (a 4.9.7
// ROCKETMQ_HOME's conf/plain_acl.yml and conf/acl), watched every watch: see
// fakebroker.WithACLFiles. Each broker loads and watches the files itself, as brokers sharing
// one ROCKETMQ_HOME do; a change one broker writes reaches the others at their watcher's next
// look. admin signs the cluster's own requests, as in WithACL.
func WithACLFiles(layout acl.Layout, watch time.Duration, admin acl.Credentials) Option {
	return func(c *config) { c.aclLayout, c.aclWatch, c.aclAdmin = layout, watch, admin }
}

// WithStartTimeout bounds how long Start waits for the brokers to register. Default 10 s.
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

func topicConfig(name string, queues int) protocol.TopicConfig {
	tc := protocol.NewTopicConfig(name)
	tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
	return tc
}

// BrokerName returns the name of the i-th broker (0-based): broker-a, broker-b, ..., broker-z,
// broker-27, ...
func BrokerName(i int) string {
	if i < 26 {
		return "broker-" + string(rune('a'+i))
	}
	return fmt.Sprintf("broker-%d", i+1)
}

// Start starts a cluster for a test (New, then Cluster.Start) and stops it (abruptly, as a
// killed process) when the test and its subtests end. It fails the test when the cluster
// cannot start.
func Start(tb testing.TB, opts ...Option) *Cluster {
	tb.Helper()
	c, err := New(opts...)
	if err != nil {
		tb.Fatalf("fakecluster: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	if err := c.Start(tb.Context()); err != nil {
		tb.Fatalf("fakecluster: %v", err)
	}
	return c
}

// errStarted is returned by a second Start.
var errStarted = errors.New("fakecluster: the cluster was started already")

// New returns a cluster that is not started (nothing listens yet): it checks the options and
// creates the name server. Start starts it.
func New(opts ...Option) (*Cluster, error) {
	cfg := config{
		brokers:      1,
		cluster:      "DefaultCluster",
		host:         "127.0.0.1",
		autoCreate:   true,
		logger:       slog.New(slog.DiscardHandler),
		startTimeout: DefaultStartTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.brokers < 0 {
		return nil, fmt.Errorf("fakecluster: %d brokers", cfg.brokers)
	}
	names := make([]string, cfg.brokers)
	for i := range names {
		names[i] = BrokerName(i)
	}
	for _, ts := range cfg.topics {
		for _, b := range ts.brokers {
			if !slices.Contains(names, b) {
				return nil, fmt.Errorf("%w %q for topic %s", ErrUnknownBroker, b, ts.config.TopicName)
			}
		}
	}
	for name := range cfg.perBroker {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("%w %q", ErrUnknownBroker, name)
		}
	}
	c := &Cluster{cfg: cfg, names: names}
	c.ns = fakenamesrv.New(append([]fakenamesrv.Option{fakenamesrv.WithLogger(cfg.logger),
		fakenamesrv.WithRemotingOptions(cfg.serverOpts...)}, cfg.nsOpts...)...)
	return c, nil
}

// Start starts the cluster: the name server listens, then every broker starts and registers
// with it. Start returns once the name server lists every broker and every topic given by
// options, so a route query made right after it is answered; ctx and WithStartTimeout bound
// that wait. When Start fails, what it had started is closed. A cluster starts once; brokers
// stopped later come back with StartBroker.
func (c *Cluster) Start(ctx context.Context) error {
	if c.started {
		return errStarted
	}
	c.started = true
	nsAddr := cmp.Or(c.cfg.nsAddr, net.JoinHostPort(c.cfg.host, "0"))
	l, err := c.listen(nsAddr)
	if err != nil {
		return fmt.Errorf("fakecluster: name server: %w", err)
	}
	if err := c.ns.Start(l); err != nil {
		_ = l.Close()
		return fmt.Errorf("fakecluster: name server: %w", err)
	}
	for _, name := range c.names {
		b := fakebroker.New(c.brokerOptions(name)...)
		if err := b.Start(); err != nil {
			_ = c.Close()
			return fmt.Errorf("fakecluster: %s: %w", name, err)
		}
		c.brokers = append(c.brokers, b)
	}
	if c.cfg.slaves {
		for _, name := range c.names {
			s := fakebroker.New(append(c.brokerOptions(name), fakebroker.WithBrokerID(1))...)
			if err := s.Start(); err != nil {
				_ = c.Close()
				return fmt.Errorf("fakecluster: slave of %s: %w", name, err)
			}
			c.slaves = append(c.slaves, s)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, c.cfg.startTimeout)
	defer cancel()
	if err := c.ns.Await(ctx, c.ready); err != nil {
		_ = c.Close()
		return fmt.Errorf("fakecluster: brokers did not register with the name server: %w", err)
	}
	return nil
}

func (c *Cluster) listen(addr string) (net.Listener, error) {
	if c.cfg.mem != nil {
		return c.cfg.mem.Listen(addr)
	}
	return net.Listen("tcp", addr)
}

func (c *Cluster) brokerOptions(name string) []fakebroker.Option {
	opts := []fakebroker.Option{
		fakebroker.WithName(name),
		fakebroker.WithCluster(c.cfg.cluster),
		fakebroker.WithLogger(c.cfg.logger),
		fakebroker.WithListenAddr(net.JoinHostPort(c.cfg.host, "0")),
		fakebroker.WithNameServers(c.ns.Addr()),
		fakebroker.WithAutoCreateTopic(c.cfg.autoCreate),
	}
	if c.cfg.advertise != "" {
		opts = append(opts, fakebroker.WithAdvertisedHost(c.cfg.advertise))
	}
	if c.cfg.mem != nil {
		opts = append(opts, fakebroker.WithListenFunc(c.cfg.mem.Listen), fakebroker.WithDialer(c.cfg.mem.Dial))
	}
	opts = append(opts, fakebroker.WithRemotingOptions(c.cfg.serverOpts...))
	switch {
	case c.cfg.aclLayout.DefaultFile != "":
		opts = append(opts, fakebroker.WithACLFiles(c.cfg.aclLayout, c.cfg.aclWatch))
	case c.cfg.acl != nil:
		opts = append(opts, fakebroker.WithACL(c.cfg.acl))
	}
	if c.cfg.tlsMode == remoting.TLSEnforcing {
		opts = append(opts, fakebroker.WithNameServerClientOptions(remoting.WithTLS(trustAnyServer())))
	}
	for _, ts := range c.cfg.topics {
		if len(ts.brokers) == 0 || slices.Contains(ts.brokers, name) {
			opts = append(opts, fakebroker.WithTopics(ts.config))
		}
	}
	opts = append(opts, c.cfg.brokerOpts...)
	return append(opts, c.cfg.perBroker[name]...)
}

// ready reports whether every running, unsilenced broker is online on the name server and every
// topic from the options has a route.
func (c *Cluster) ready() bool {
	for _, b := range append(c.Brokers(), c.slaves...) {
		if !b.Running() || b.Silenced() {
			continue
		}
		if info, ok := c.ns.Broker(b.Addr()); !ok || !info.Online {
			return false
		}
	}
	for _, ts := range c.cfg.topics {
		if _, ok := c.ns.Route(ts.config.TopicName); !ok {
			return false
		}
	}
	return true
}

// NameServerAddr returns the address clients use as their name server ("host:port").
// With WithAdvertisedHost it is that host with the name server's port.
func (c *Cluster) NameServerAddr() string {
	addr := c.ns.Addr()
	if c.cfg.advertise == "" || addr == "" {
		return addr
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort(c.cfg.advertise, port)
}

// NameServer returns the name server, for its history, faults and snapshots.
func (c *Cluster) NameServer() *fakenamesrv.Server { return c.ns }

// Network returns the in-memory network the cluster runs on, or nil on TCP.
func (c *Cluster) Network() *remoting.MemNetwork { return c.cfg.mem }

// Dialer returns how clients reach the cluster: the MemNetwork's Dial, or nil for plain TCP.
func (c *Cluster) Dialer() remoting.DialFunc {
	if c.cfg.mem == nil {
		return nil
	}
	return c.cfg.mem.Dial
}

// trustAnyServer is the TLS configuration of a Java client with tls.enable=true and
// tls.client.authServer off (TlsHelper in 4.9.7): encrypted, no certificate checked.
func trustAnyServer() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // Java's default; the fakes' own traffic
}

// ServerLimits is one server's limits and what they refused, as GET /v1/limits lists them.
type ServerLimits = adminhttp.ServerLimits

// Limits returns the limits of the name server and of every broker (slaves included) and what
// they refused so far.
func (c *Cluster) Limits() []ServerLimits {
	out := []ServerLimits{adminhttp.NewServerLimits(adminhttp.NameServerTarget, c.ns.Addr(), c.ns.Limits)}
	for _, b := range append(c.Brokers(), c.slaves...) {
		out = append(out, adminhttp.NewServerLimits(b.Name(), b.Addr(), b.Limits))
	}
	return out
}

// Brokers returns the brokers in name order.
func (c *Cluster) Brokers() []*fakebroker.Broker { return slices.Clone(c.brokers) }

// Slaves returns the slaves (WithSlaves) in name order.
func (c *Cluster) Slaves() []*fakebroker.Broker { return slices.Clone(c.slaves) }

// Broker returns the broker with the given name; false when the cluster has none of that name.
func (c *Cluster) Broker(name string) (*fakebroker.Broker, bool) { return byName(c.brokers, name) }

// Slave returns the slave of the named broker; false when there is none (no such broker, or
// no WithSlaves).
func (c *Cluster) Slave(name string) (*fakebroker.Broker, bool) { return byName(c.slaves, name) }

func byName(brokers []*fakebroker.Broker, name string) (*fakebroker.Broker, bool) {
	i := slices.IndexFunc(brokers, func(b *fakebroker.Broker) bool { return b.Name() == name })
	if i < 0 {
		return nil, false
	}
	return brokers[i], true
}

// broker is Broker for the operations on a named broker, which fail with ErrUnknownBroker.
func (c *Cluster) broker(name string) (*fakebroker.Broker, error) {
	if b, ok := c.Broker(name); ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownBroker, name)
}

// CrashBroker stops a broker as a killed process stops: its listener and connections close at
// once and nothing is unregistered; the name server drops it when its connection closes, which
// CrashBroker waits for.
func (c *Cluster) CrashBroker(name string) error {
	b, err := c.broker(name)
	if err != nil {
		return err
	}
	if b.Running() {
		defer c.brokerChanged(b, adminhttp.BrokerCrashed) // once the name server dropped it
	}
	b.Crash()
	// The name server drops the broker when it notices the closed connection; wait for that,
	// so that the caller sees the cluster as clients will from now on.
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.startTimeout)
	defer cancel()
	return c.ns.Await(ctx, func() bool {
		info, ok := c.ns.Broker(b.Addr())
		return !ok || !info.Online
	})
}

// StopBroker stops a broker cleanly: requests in flight are answered and it unregisters from
// the name server.
func (c *Cluster) StopBroker(ctx context.Context, name string) error {
	b, err := c.broker(name)
	if err != nil {
		return err
	}
	if b.Running() {
		defer c.brokerChanged(b, adminhttp.BrokerStopped)
	}
	return b.Shutdown(ctx)
}

// brokerChanged tells the admin API's event streams that b is now in state.
func (c *Cluster) brokerChanged(b *fakebroker.Broker, state string) {
	c.brokerFeed.Publish(adminhttp.BrokerEvent{Name: b.Name(), Addr: b.Addr(), State: state, Online: b.Running()})
}

// StartBroker brings a stopped or crashed broker back on its address, with its topics and
// messages, and returns once the name server lists it again. Starting a running broker is a
// no-op.
func (c *Cluster) StartBroker(ctx context.Context, name string) error {
	b, err := c.broker(name)
	if err != nil {
		return err
	}
	switch err := b.Start(); {
	case err == nil:
		defer c.brokerChanged(b, adminhttp.BrokerStarted) // once the name server lists it
	case !errors.Is(err, fakebroker.ErrRunning):
		return err
	}
	if b.Silenced() {
		return nil
	}
	return c.ns.Await(ctx, func() bool {
		info, ok := c.ns.Broker(b.Addr())
		return ok && info.Online
	})
}

// SilenceBroker stops (true) or resumes (false) a broker's registrations while it keeps serving
// clients: the name server expires it after its broker expiry (120 s by default). Resuming
// registers at once.
func (c *Cluster) SilenceBroker(ctx context.Context, name string, on bool) error {
	b, err := c.broker(name)
	if err != nil {
		return err
	}
	b.Silence(on)
	state := adminhttp.BrokerSilenced
	if !on {
		b.RegisterNow(ctx)
		state = adminhttp.BrokerUnsilenced
	}
	c.brokerChanged(b, state)
	return nil
}

// CreateTopic creates or updates a topic with the given queue count on the named brokers
// (every broker when none is named), as mqadmin updateTopic does: each broker registers the
// change with the name server before CreateTopic returns, so routes change at once.
func (c *Cluster) CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error {
	return c.CreateTopicConfig(ctx, topicConfig(topic, queues), brokers...)
}

// CreateTopicConfig is CreateTopic with a full topic configuration (permission, order...).
func (c *Cluster) CreateTopicConfig(ctx context.Context, tc protocol.TopicConfig, brokers ...string) error {
	targets, err := c.pick(brokers)
	if err != nil {
		return err
	}
	if err := protocol.CheckTopic(tc.TopicName); err != nil {
		return err
	}
	for _, b := range targets {
		b.CreateTopic(ctx, tc)
	}
	return ctx.Err()
}

// DeleteTopic deletes a topic as mqadmin deleteTopic does, over the wire: DELETE_TOPIC_IN_BROKER
// to each named broker (every running broker when none is named), which drops it from its
// table and its consume queues (its stored messages stay, as on a real broker), then
// DELETE_TOPIC_IN_NAMESRV to the name server for the cluster. Brokers that were not named and
// still hold the topic write it again, so their queues stay routed.
func (c *Cluster) DeleteTopic(ctx context.Context, topic string, brokers ...string) error {
	targets, err := c.pick(brokers)
	if err != nil {
		return err
	}
	if len(brokers) == 0 {
		// mqadmin asks the masters the name server lists: a stopped broker is not among them.
		targets = slices.DeleteFunc(targets, func(b *fakebroker.Broker) bool { return !b.Running() })
	}
	cli := c.adminClient()
	defer cli.Close()
	addrs := make([]string, len(targets))
	for i, b := range targets {
		addrs[i] = b.Addr()
	}
	if err := admin.DeleteTopic(ctx, cli, []string{c.ns.Addr()}, c.cfg.cluster, addrs, topic); err != nil {
		return fmt.Errorf("fakecluster: %w", err)
	}
	// A name server only takes queue data from a registration whose data version moved, so the
	// remaining brokers rewrite their config (a new version) rather than merely register again.
	for _, b := range c.brokers {
		if tc, has := b.Topic(topic); has && b.Running() && !slices.Contains(targets, b) {
			b.CreateTopic(ctx, tc)
		}
	}
	return ctx.Err()
}

func (c *Cluster) pick(names []string) ([]*fakebroker.Broker, error) {
	if len(names) == 0 {
		return c.Brokers(), nil
	}
	var out []*fakebroker.Broker
	for _, name := range names {
		b, err := c.broker(name)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Messages returns the messages stored for topic on every broker, by broker, queue and offset.
func (c *Cluster) Messages(topic string) []fakebroker.Message {
	var out []fakebroker.Message
	for _, b := range c.brokers {
		out = append(out, b.Messages(topic)...)
	}
	slices.SortStableFunc(out, func(a, b fakebroker.Message) int {
		return cmp.Or(cmp.Compare(a.Broker, b.Broker), cmp.Compare(a.QueueID, b.QueueID),
			cmp.Compare(a.QueueOffset, b.QueueOffset))
	})
	return out
}

// Transactions returns every master's half messages and their state, by broker, in the order
// each broker stored them.
func (c *Cluster) Transactions() []fakebroker.Transaction {
	var out []fakebroker.Transaction
	for _, b := range c.brokers {
		out = append(out, b.Transactions()...)
	}
	return out
}

// Clients returns every broker's client table (masters, then slaves), one row per connection.
func (c *Cluster) Clients() []fakebroker.ClientInfo {
	var out []fakebroker.ClientInfo
	for _, b := range append(c.Brokers(), c.slaves...) {
		out = append(out, b.Clients()...)
	}
	return out
}

// Faults returns the fault injector of "namesrv" or of the named broker.
func (c *Cluster) Faults(target string) (*fault.Injector, error) {
	if target == NameServerTarget {
		return c.ns.Faults(), nil
	}
	b, err := c.broker(target)
	if err != nil {
		return nil, err
	}
	return b.Faults(), nil
}

// ClearFaults removes every fault rule from every server.
func (c *Cluster) ClearFaults() {
	c.ns.Faults().Clear()
	for _, b := range c.brokers {
		b.Faults().Clear()
	}
}

// NameServerTarget names the name server where a broker name is expected (faults, admin API).
const NameServerTarget = "namesrv"

// AwaitRoute returns once the name server's route for topic satisfies cond (any route when cond
// is nil), checking after every registration; it does not poll.
func (c *Cluster) AwaitRoute(ctx context.Context, topic string, cond func(*protocol.TopicRouteData) bool) error {
	return c.ns.Await(ctx, func() bool {
		r, ok := c.ns.Route(topic)
		return ok && (cond == nil || cond(r))
	})
}

// Shutdown stops the cluster cleanly: brokers unregister, then the name server stops.
func (c *Cluster) Shutdown(ctx context.Context) error {
	var errs []error
	for _, b := range append(c.Brokers(), c.slaves...) {
		errs = append(errs, b.Shutdown(ctx))
	}
	errs = append(errs, c.ns.Shutdown(ctx))
	return errors.Join(errs...)
}

// Close stops the cluster at once, as killed processes stop.
func (c *Cluster) Close() error {
	for _, b := range append(c.Brokers(), c.slaves...) {
		b.Crash()
	}
	return c.ns.Close()
}
