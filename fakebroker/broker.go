// Package fakebroker is a fake Apache RocketMQ 4.9.7 Broker (a master, brokerId 0): real clients
// (the Java client, the official Go client v2.1.2, rocketsim's own) send to it, pull from it and
// heartbeat to it over the remoting protocol, and it registers with any name server (the fake
// one or a real one) over the wire, as a real broker does.
//
// One file per request family, each opening with the codes it serves and the Java behaviour it
// copies:
//
//	register.go   103 REGISTER_BROKER and 104 UNREGISTER_BROKER, which the broker sends
//	topics.go     the topic table, auto-creation from TBW102, 17 UPDATE_AND_CREATE_TOPIC
//	send.go       10 SEND_MESSAGE, 310 SEND_MESSAGE_V2, 320 SEND_BATCH_MESSAGE
//	store.go      the in-memory store: queues, offsets, commit-log offsets and message ids
//	clients.go    34 HEART_BEAT, 35 UNREGISTER_CLIENT, the client table and its expiry scan
//	pull.go       11 PULL_MESSAGE with long polling
//	offsets.go    14/15 consumer offsets, 29 SEARCH_OFFSET_BY_TIMESTAMP, 30/31 max/min offset
//	consumers.go  38 GET_CONSUMER_LIST_BY_GROUP and the subscription groups
//	sendback.go   36 CONSUMER_SEND_MSG_BACK: retries in %RETRY%group, the dead-letter %DLQ%group
//	schedule.go   delay levels: SCHEDULE_TOPIC_XXXX and delivery when due (no request code)
//	view.go       33 VIEW_MESSAGE_BY_ID: one stored message by commit-log offset
//	await.go      waiting for client-table and held-pull changes, for tests
//	introspect.go read-only snapshots of the state for tests and the admin API
//
// Every answer, error remark included, follows rocketmq-all-4.9.7's broker (the processors in
// broker/.../processor and the store they call). Any other request code is answered 3
// REQUEST_CODE_NOT_SUPPORTED with the remark " request type N not supported", as Java does.
//
// A request missing a header field is answered as the real broker answers it: where Java goes
// on with the null and answers something specific (a send without a topic: 1 "The specified
// topic is blank."), so does the fake; where Java throws (a NullPointerException when it unboxes
// the null, a NumberFormatException for an unparsable number in the headers it decodes by hand),
// the fake answers SYSTEM_ERROR without extFields, with Java 17's exception text and stack frame
// where checked against a real broker, else a java.lang.NullPointerException text naming the
// field.
//
// Known differences from a real 4.9.7 broker:
//   - Java writes the answer to a request that threw, and the late answer to a held pull, in
//     JSON even when the request was ROCKETMQ-binary; the fake answers in the request's type
//     (remoting.Request.Respond and the transport always do).
//   - A held pull is answered exactly at its suspend timeout; Java checks held pulls every 5 s,
//     so its answers come up to 5 s late.
//   - A batch message's stored properties name WAIT once; Java's string keeps the message's and
//     the batch's (10 bytes more per message, so later commit-log offsets differ by that much).
//   - Delayed messages are delivered exactly when due; Java checks each level every 100 ms
//     (and first 1 s after start). VIEW_MESSAGE_BY_ID and send-back find a message only at the
//     commit-log offset where its record starts.
//   - Not modelled: END_TRANSACTION (37) and transaction checks (half messages are stored in
//     RMQ_SYS_TRANS_HALF_TOPIC and stay there), queries by key or unique id (12), slaves and
//     HA, QUERY_DATA_VERSION before registering (forceRegister is on by default in Java too),
//     the OFFSET_MOVED_EVENT messages Java writes when it corrects a pull's offset,
//     disk-related answers (store busy, disk full), and message retention (the
//     minimum offset of every queue stays 0).
//
// Time comes from the standard time package only, so a test running the fake inside a
// testing/synctest bubble over a remoting.MemNetwork sees 120 s of client expiry or 30 s
// registration periods pass at once.
package fakebroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Defaults, as in the 4.9.7 BrokerConfig, MessageStoreConfig and the services that read them.
const (
	DefaultBrokerName = "broker-a"
	DefaultCluster    = "DefaultCluster"
	// DefaultRegisterPeriod is BrokerConfig.registerNameServerPeriod. Java clamps it to 10–60 s;
	// the fake takes any positive value.
	DefaultRegisterPeriod = 30 * time.Second
	// DefaultRegisterDelay is when Java's periodic registration first runs after start (the
	// registration at start itself is immediate).
	DefaultRegisterDelay = 10 * time.Second
	// DefaultRegisterTimeout is BrokerConfig.registerBrokerTimeoutMills.
	DefaultRegisterTimeout = 6 * time.Second
	// DefaultUnregisterTimeout is the fixed timeout of BrokerOuterAPI.unregisterBroker.
	DefaultUnregisterTimeout = 3 * time.Second
	// DefaultTopicQueueNums is BrokerConfig.defaultTopicQueueNums: TBW102's queues.
	DefaultTopicQueueNums = 8
	// DefaultMaxMessageSize is MessageStoreConfig.maxMessageSize (4 MiB).
	DefaultMaxMessageSize = 4 << 20
	// DefaultClientExpiry is ProducerManager/ConsumerManager CHANNEL_EXPIRED_TIMEOUT.
	DefaultClientExpiry = 120 * time.Second
	// DefaultClientScanPeriod is ClientHousekeepingService's period (first run after one
	// period too).
	DefaultClientScanPeriod = 10 * time.Second
	// DefaultRegion is BrokerConfig.regionId, sent back as MSG_REGION.
	DefaultRegion = "DefaultRegion"
	// DefaultTransactionCheckInterval is BrokerConfig.transactionCheckInterval: the first
	// transaction check creates RMQ_SYS_TRANS_HALF_TOPIC.
	DefaultTransactionCheckInterval = 60 * time.Second
)

// Broker is a fake broker. Create it with New, start it with Start, stop it with Shutdown (a
// clean stop that unregisters) or Crash (an abrupt one); either way Start brings it back on the
// same address with its topics, messages and consumer offsets, as a restarted broker with a
// persistent store. It is safe for concurrent use.
type Broker struct {
	cfg  config
	log  *slog.Logger
	hist *fault.History
	inj  *fault.Injector

	topics  *topicTable
	store   *store
	clients *clientTable
	offsets *offsetTable
	groups  *subscriptionGroups
	pulls   *pullHolds
	regs    *registrations
	delays  delays

	regMu sync.Mutex // serializes registrations, as Java's registerBrokerAll is synchronized

	mu        sync.Mutex
	running   bool
	srv       *remoting.Server
	nsClient  *remoting.Client
	listenOn  string // the address of the last listener, for restarts
	addr      string // advertised address
	storeHost netip.AddrPort
	silenced  bool
	runCtx    context.Context // ends when the broker stops
	runCancel context.CancelFunc
	loops     sync.WaitGroup
}

type config struct {
	name                     string
	cluster                  string
	brokerID                 int64
	listenAddr               string
	listener                 net.Listener
	listen                   func(addr string) (net.Listener, error)
	advertisedAddr           string
	haAddr                   string
	storeHost                netip.AddrPort
	nameServers              []string
	dial                     remoting.DialFunc
	registerPeriod           time.Duration
	registerDelay            time.Duration
	registerTimeout          time.Duration
	compressedRegister       bool
	autoCreateTopic          bool
	autoCreateGroup          bool
	defaultQueueNums         int32
	maxMessageSize           int
	permission               int32
	clientExpiry             time.Duration
	clientScanDelay          time.Duration
	clientScanPeriod         time.Duration
	region                   string
	traceOn                  bool
	notifyConsumerIDs        bool
	topics                   []protocol.TopicConfig
	logger                   *slog.Logger
	remotingOpts             []remoting.ServerOption
	clientOpts               []remoting.ClientOption
	faultSeed                uint64
	historyOpts              []fault.HistoryOption
	clusterTopicEnable       bool
	brokerTopicEnable        bool
	traceTopicEnable         bool
	rejectTransactional      bool
	transactionCheckInterval time.Duration
	messageDelayLevel        string
	vipChannel               bool
}

// Option configures a Broker.
type Option func(*config)

// WithVIPChannel makes the broker also serve its VIP channel, as Java's fastRemotingServer does
// on the listen port minus 2 (clients with vipChannelEnabled send there). Off by default: on
// free ports, port-2 may belong to someone else. Start fails when that port cannot be had.
func WithVIPChannel(on bool) Option { return func(c *config) { c.vipChannel = on } }

// WithName sets brokerName. Default DefaultBrokerName.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithCluster sets brokerClusterName. Default DefaultCluster.
func WithCluster(cluster string) Option { return func(c *config) { c.cluster = cluster } }

// WithBrokerID sets brokerId. Only 0 (a master) is modelled; other ids are registered as given.
func WithBrokerID(id int64) Option { return func(c *config) { c.brokerID = id } }

// WithListenAddr sets the address Start listens on ("127.0.0.1:0", the default, picks a free
// port). See WithListenFunc for in-memory networks.
func WithListenAddr(addr string) Option { return func(c *config) { c.listenAddr = addr } }

// WithListener makes the first Start serve l. A restart listens again on l's address.
func WithListener(l net.Listener) Option { return func(c *config) { c.listener = l } }

// WithListenFunc replaces net.Listen("tcp", addr), e.g. with a remoting.MemNetwork's Listen.
func WithListenFunc(f func(addr string) (net.Listener, error)) Option {
	return func(c *config) { c.listen = f }
}

// WithAdvertisedAddr sets the address the broker registers and clients are told to use
// (Java's brokerIP1:listenPort). Default: the listener's address.
func WithAdvertisedAddr(addr string) Option { return func(c *config) { c.advertisedAddr = addr } }

// WithHAServerAddr sets haServerAddr in registrations. Default: the advertised host and the
// listen port + 1, as Java's haListenPort.
func WithHAServerAddr(addr string) Option { return func(c *config) { c.haAddr = addr } }

// WithStoreHost sets the store host written into stored messages and offset message ids.
// Default: the advertised address when its host is an IP, else 127.0.0.1 with its port.
func WithStoreHost(host netip.AddrPort) Option { return func(c *config) { c.storeHost = host } }

// WithNameServers sets the name servers the broker registers with (host:port each).
func WithNameServers(addrs ...string) Option {
	return func(c *config) { c.nameServers = append([]string(nil), addrs...) }
}

// WithDialer sets how the broker connects to name servers, e.g. a MemNetwork's Dial.
func WithDialer(dial remoting.DialFunc) Option { return func(c *config) { c.dial = dial } }

// WithRegisterPeriod sets how often the broker registers after the first periodic run.
// Default DefaultRegisterPeriod.
func WithRegisterPeriod(d time.Duration) Option { return func(c *config) { c.registerPeriod = d } }

// WithRegisterDelay sets when the first periodic registration runs after Start.
// Default DefaultRegisterDelay.
func WithRegisterDelay(d time.Duration) Option { return func(c *config) { c.registerDelay = d } }

// WithRegisterTimeout bounds each two-way registration. Default DefaultRegisterTimeout.
func WithRegisterTimeout(d time.Duration) Option { return func(c *config) { c.registerTimeout = d } }

// WithCompressedRegister sets BrokerConfig.compressedRegister. Default false.
func WithCompressedRegister(on bool) Option { return func(c *config) { c.compressedRegister = on } }

// WithAutoCreateTopic sets autoCreateTopicEnable: the broker then holds TBW102 and creates
// unknown topics on send. Default true, as in 4.9.7.
func WithAutoCreateTopic(on bool) Option { return func(c *config) { c.autoCreateTopic = on } }

// WithAutoCreateSubscriptionGroup sets autoCreateSubscriptionGroup. Default true.
func WithAutoCreateSubscriptionGroup(on bool) Option {
	return func(c *config) { c.autoCreateGroup = on }
}

// WithDefaultTopicQueueNums sets defaultTopicQueueNums, TBW102's queue count. Default 8.
func WithDefaultTopicQueueNums(n int) Option {
	return func(c *config) { c.defaultQueueNums = int32(n) }
}

// WithMaxMessageSize sets maxMessageSize, the largest body stored. Default 4 MiB.
func WithMaxMessageSize(n int) Option { return func(c *config) { c.maxMessageSize = n } }

// WithPermission sets brokerPermission (protocol.PermRead|PermWrite, the default, or
// PermRead alone for a read-only broker). See Broker.SetPermission.
func WithPermission(perm int32) Option { return func(c *config) { c.permission = perm } }

// WithClientExpiry sets how long a client connection may go without a heartbeat before the
// scan drops it. Default DefaultClientExpiry.
func WithClientExpiry(d time.Duration) Option { return func(c *config) { c.clientExpiry = d } }

// WithClientScanInterval sets when the client expiry scan first runs after Start and how often
// it runs then. Default 10 s and 10 s. A period <= 0 turns the scan off.
func WithClientScanInterval(first, period time.Duration) Option {
	return func(c *config) { c.clientScanDelay, c.clientScanPeriod = first, period }
}

// WithRegion sets regionId, sent as MSG_REGION in send answers. Default DefaultRegion.
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithTraceOn sets traceOn, sent as TRACE_ON in send answers. Default true.
func WithTraceOn(on bool) Option { return func(c *config) { c.traceOn = on } }

// WithNotifyConsumerIDsChanged sets notifyConsumerIdsChangedEnable: the broker pushes
// NOTIFY_CONSUMER_IDS_CHANGED (40) to a group's consumers when the group changes. Default true.
func WithNotifyConsumerIDsChanged(on bool) Option {
	return func(c *config) { c.notifyConsumerIDs = on }
}

// WithTopics adds topics to the table the broker starts with (after the system topics).
func WithTopics(topics ...protocol.TopicConfig) Option {
	return func(c *config) { c.topics = append(c.topics, topics...) }
}

// WithTopic adds a topic with the given queue count (read and write) and perm 6.
func WithTopic(name string, queues int) Option {
	tc := protocol.NewTopicConfig(name)
	tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
	return WithTopics(tc)
}

// WithTraceTopic sets traceTopicEnable: the broker then holds RMQ_SYS_TRACE_TOPIC. Default false.
func WithTraceTopic(on bool) Option { return func(c *config) { c.traceTopicEnable = on } }

// WithRejectTransactionMessage sets rejectTransactionMessage. Default false.
func WithRejectTransactionMessage(on bool) Option {
	return func(c *config) { c.rejectTransactional = on }
}

// WithTransactionCheckInterval sets transactionCheckInterval: that long after start the broker
// creates RMQ_SYS_TRANS_HALF_TOPIC and registers it oneway, as a real one does. 0 turns it off.
// Default DefaultTransactionCheckInterval.
func WithTransactionCheckInterval(d time.Duration) Option {
	return func(c *config) { c.transactionCheckInterval = d }
}

// WithLogger sets where the broker and its transport log. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRemotingOptions passes options to the remoting.Server (idle timeout, frame size, TLS).
func WithRemotingOptions(opts ...remoting.ServerOption) Option {
	return func(c *config) { c.remotingOpts = append(c.remotingOpts, opts...) }
}

// WithNameServerClientOptions passes options to the remoting.Client the broker registers
// through (WithDialer is shorthand for one of them).
func WithNameServerClientOptions(opts ...remoting.ClientOption) Option {
	return func(c *config) { c.clientOpts = append(c.clientOpts, opts...) }
}

// WithFaultSeed seeds the fault injector's dice. Default 1.
func WithFaultSeed(seed uint64) Option { return func(c *config) { c.faultSeed = seed } }

// WithHistoryOptions configures the request history.
func WithHistoryOptions(opts ...fault.HistoryOption) Option {
	return func(c *config) { c.historyOpts = append(c.historyOpts, opts...) }
}

// New returns a broker that is not started yet.
func New(opts ...Option) *Broker {
	cfg := config{
		name:               DefaultBrokerName,
		cluster:            DefaultCluster,
		listenAddr:         "127.0.0.1:0",
		registerPeriod:     DefaultRegisterPeriod,
		registerDelay:      DefaultRegisterDelay,
		registerTimeout:    DefaultRegisterTimeout,
		autoCreateTopic:    true,
		autoCreateGroup:    true,
		defaultQueueNums:   DefaultTopicQueueNums,
		maxMessageSize:     DefaultMaxMessageSize,
		permission:         protocol.PermRead | protocol.PermWrite,
		clientExpiry:       DefaultClientExpiry,
		clientScanDelay:    DefaultClientScanPeriod,
		clientScanPeriod:   DefaultClientScanPeriod,
		region:             DefaultRegion,
		traceOn:            true,
		notifyConsumerIDs:  true,
		logger:             slog.Default(),
		faultSeed:          1,
		clusterTopicEnable: true,
		brokerTopicEnable:  true,

		transactionCheckInterval: DefaultTransactionCheckInterval,
	}
	for _, o := range opts {
		o(&cfg)
	}
	b := &Broker{
		cfg:     cfg,
		log:     cfg.logger.With("component", "fakebroker", "broker", cfg.name),
		hist:    fault.NewHistory(cfg.historyOpts...),
		inj:     fault.NewInjector(cfg.faultSeed),
		store:   newStore(),
		clients: newClientTable(),
		offsets: newOffsetTable(),
		groups:  newSubscriptionGroups(),
		pulls:   newPullHolds(),
		regs:    &registrations{},
	}
	b.topics = newTopicTable(&cfg)
	b.delays.init(cfg.messageDelayLevel)
	return b
}

// Name returns brokerName.
func (b *Broker) Name() string { return b.cfg.name }

// Cluster returns brokerClusterName.
func (b *Broker) Cluster() string { return b.cfg.cluster }

// Addr returns the advertised address ("host:port"), or "" before the first Start.
func (b *Broker) Addr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addr
}

// ListenAddr returns the address of the listener ("" before the first Start).
func (b *Broker) ListenAddr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.listenOn
}

// Running reports whether the broker is started (and neither shut down nor crashed).
func (b *Broker) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

// Faults returns the fault injector installed on every request the broker receives.
func (b *Broker) Faults() *fault.Injector { return b.inj }

// History returns the record of the requests the broker received and what it answered.
func (b *Broker) History() *fault.History { return b.hist }

// ErrRunning is returned by Start on a broker that is already running.
var ErrRunning = errors.New("fakebroker: broker already running")

// Start listens, serves, registers with every name server (a two-way REGISTER_BROKER each, as
// Java's start does; failures are logged, not returned, as in Java) and starts the periodic
// registration and the client expiry scan. After Shutdown or Crash it starts the broker again
// on the same address, with its topics, messages and offsets kept.
func (b *Broker) Start() error {
	if err := b.delayLevelsError(); err != nil {
		return err
	}
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		return ErrRunning
	}
	l, err := b.listenLocked()
	if err != nil {
		b.mu.Unlock()
		return err
	}
	b.listenOn = l.Addr().String()
	if b.addr == "" {
		b.addr = b.cfg.advertisedAddr
		if b.addr == "" {
			b.addr = b.listenOn
		}
		b.storeHost = storeHostFor(b.cfg.storeHost, b.addr)
	}
	srv := b.newServer()
	if err := srv.Start(l); err != nil {
		b.mu.Unlock()
		return err
	}
	if b.cfg.vipChannel {
		if err := b.listenVIPLocked(srv); err != nil {
			_ = srv.Close()
			b.mu.Unlock()
			return err
		}
	}
	b.srv = srv
	b.nsClient = remoting.NewClient(b.nameServerClientOptions()...)
	b.running = true
	b.runCtx, b.runCancel = context.WithCancel(context.Background())
	ctx := b.runCtx
	b.mu.Unlock()

	b.armDelays()
	b.registerAll(ctx, regStart, false, true, nil)

	b.loops.Add(1)
	go b.registerLoop(ctx)
	if b.cfg.clientScanPeriod > 0 {
		b.loops.Add(1)
		go b.clientScanLoop(ctx)
	}
	if b.cfg.transactionCheckInterval > 0 {
		b.loops.Add(1)
		go b.transactionCheckLoop(ctx)
	}
	return nil
}

func (b *Broker) listenLocked() (net.Listener, error) {
	if b.listenOn == "" && b.cfg.listener != nil {
		return b.cfg.listener, nil
	}
	addr := b.listenOn
	if addr == "" {
		addr = b.cfg.listenAddr
	}
	if b.cfg.listen != nil {
		return b.cfg.listen(addr)
	}
	return net.Listen("tcp", addr)
}

// listenVIPLocked serves srv on the VIP port too: the listen port minus 2, same host.
func (b *Broker) listenVIPLocked(srv *remoting.Server) error {
	host, port, err := net.SplitHostPort(b.listenOn)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 3 {
		return fmt.Errorf("fakebroker: no VIP port below listen port %s", port)
	}
	vip := net.JoinHostPort(host, strconv.Itoa(n-2))
	var l net.Listener
	if b.cfg.listen != nil {
		l, err = b.cfg.listen(vip)
	} else {
		l, err = net.Listen("tcp", vip)
	}
	if err != nil {
		return fmt.Errorf("fakebroker: VIP channel: %w", err)
	}
	return srv.Start(l)
}

func (b *Broker) nameServerClientOptions() []remoting.ClientOption {
	opts := []remoting.ClientOption{remoting.WithLogger(b.cfg.logger)}
	if b.cfg.dial != nil {
		opts = append(opts, remoting.WithDialer(b.cfg.dial))
	}
	return append(opts, b.cfg.clientOpts...)
}

// storeHostFor picks the store host: the configured one, else the advertised address when its
// host is an IP, else 127.0.0.1 with the advertised port.
func storeHostFor(configured netip.AddrPort, advertised string) netip.AddrPort {
	if configured.IsValid() {
		return configured
	}
	if ap, err := netip.ParseAddrPort(advertised); err == nil {
		return ap
	}
	port := uint16(0)
	if _, p, err := net.SplitHostPort(advertised); err == nil {
		if n, err := strconv.ParseUint(p, 10, 16); err == nil {
			port = uint16(n)
		}
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
}

// Shutdown stops the broker as Java's BrokerController.shutdown does: it stops the scheduled
// work and the server (requests in flight are answered, held pulls are dropped), then sends
// UNREGISTER_BROKER (104) to every name server. When ctx ends first, connections are closed at
// once. The broker can be started again.
func (b *Broker) Shutdown(ctx context.Context) error {
	srv, client, ok := b.halt()
	if !ok {
		return nil
	}
	err := srv.Shutdown(ctx)
	b.unregisterAll(ctx, client)
	_ = client.Close()
	return err
}

// Crash stops the broker abruptly: the listener and every connection (clients' and its own to
// the name servers) close at once, nothing is unregistered, as when the process is killed. A
// name server sees the broker's connection close and drops it. The broker can be started again.
func (b *Broker) Crash() {
	srv, client, ok := b.halt()
	if !ok {
		return
	}
	_ = client.Close()
	_ = srv.Close()
}

// Close is Crash, for t.Cleanup and io.Closer.
func (b *Broker) Close() error {
	b.Crash()
	return nil
}

// halt stops the loops and forgets the server; it reports false when the broker was not running.
func (b *Broker) halt() (*remoting.Server, *remoting.Client, bool) {
	b.mu.Lock()
	if !b.running {
		b.mu.Unlock()
		return nil, nil, false
	}
	b.running = false
	b.runCancel()
	srv, client := b.srv, b.nsClient
	b.mu.Unlock()
	b.loops.Wait()
	b.pulls.dropAll()
	b.disarmDelays()
	return srv, client, true
}

// Silence stops (true) or resumes (false) every REGISTER_BROKER while the broker stays up and
// keeps serving clients: to a name server it looks like a broker whose registrations are lost,
// and after 120 s it expires there. UNREGISTER_BROKER on Shutdown is still sent.
func (b *Broker) Silence(on bool) {
	b.mu.Lock()
	b.silenced = on
	b.mu.Unlock()
}

// Silenced reports whether registrations are silenced.
func (b *Broker) Silenced() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.silenced
}

// ---- the server and its handlers ----

type handlerEntry struct {
	code    int32
	handler remoting.Handler
}

func (b *Broker) newServer() *remoting.Server {
	opts := append([]remoting.ServerOption{remoting.WithLogger(b.cfg.logger)}, b.cfg.remotingOpts...)
	srv := remoting.NewServer(opts...)
	fault.Install(srv, b.hist, b.inj)
	srv.OnConnClose(b.connClosed)
	seen := map[int32]bool{}
	for _, family := range [][]handlerEntry{
		b.sendHandlers(), b.topicHandlers(), b.clientHandlers(), b.pullHandlers(),
		b.offsetHandlers(), b.consumerHandlers(), b.sendBackHandlers(), b.viewHandlers(),
	} {
		for _, e := range family {
			if seen[e.code] {
				panic("fakebroker: request code registered twice: " + strconv.Itoa(int(e.code)))
			}
			seen[e.code] = true
			srv.Handle(e.code, e.handler)
		}
	}
	// Codes nobody handles reach the broker's default processor (AdminBrokerProcessor), whose
	// answer, unlike the transport's own, keeps the request's serialize type (checked against a
	// real 4.9.7 broker by realrmq's differential test).
	srv.HandleDefault(func(_ context.Context, req *remoting.Request) *remoting.Command {
		return remoting.NewResponse(req.Command, remoting.RequestCodeNotSupported,
			" request type "+strconv.Itoa(int(req.Command.Code))+" not supported")
	})
	return srv
}

// connClosed is Java's ClientHousekeepingService.onChannelClose: the connection leaves every
// producer and consumer group at once, and its held pulls are forgotten.
func (b *Broker) connClosed(info remoting.ConnInfo) {
	b.pulls.dropConn(info.ID)
	b.clientsConnClosed(info.ID)
}

// ---- answers ----

// faqSuffix is Java's FAQUrl.suggestTodo(FAQUrl.APPLY_TOPIC_URL) (every FAQ url of 4.9.7 is the
// same page).
const faqSuffix = "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

// answer returns a response without a custom header: Java's createResponseCommand(null), whose
// JSON has no extFields at all.
func answer(req *remoting.Command, code int32, remark string) *remoting.Command {
	return remoting.NewResponse(req, code, remark)
}

// answerWithHeader returns a response built from a response-header class, as Java's
// createResponseCommand(XResponseHeader.class): its extFields exist even when empty ({}).
func answerWithHeader(req *remoting.Command, code int32, remark string) *remoting.Command {
	resp := remoting.NewResponse(req, code, remark)
	resp.ExtFields = map[string]string{}
	return resp
}

// Java answers a processor that throws with SYSTEM_ERROR and the exception's text and first
// stack frame (RemotingHelper.exceptionSimpleDesc), without extFields. The texts below are Java
// 17's, checked against a real 4.9.7 broker where a frame is given.

const javaHeaderPackage = "org.apache.rocketmq.common.protocol.header."

// headerFailure is the answer to a header that failed to decode, or nil. Only the headers Java
// decodes by hand (FastCodesHeader: send v2, pull) throw on an unparsable number; the others
// log it and leave the field null, which the handler meets later (see need). A checkFields
// failure (FieldInvalid) always throws.
func headerFailure(req *remoting.Command, err error, fastCodes bool) *remoting.Command {
	if err == nil {
		return nil // before he exists: errors.As makes it escape, an allocation per request
	}
	var he *protocol.HeaderError
	if !errors.As(err, &he) {
		return nil
	}
	switch {
	case he.Kind == protocol.FieldMalformed && fastCodes:
		return answer(req, remoting.SystemError, numberFormatException(he.Value))
	case he.Kind == protocol.FieldInvalid:
		return answer(req, remoting.SystemError, "org.apache.rocketmq.remoting.exception.RemotingCommandException: "+he.Error())
	}
	return nil
}

// numberFormatException is the text of Integer.parseInt or Long.parseLong failing on s.
func numberFormatException(s string) string {
	return `java.lang.NumberFormatException: For input string: "` + s +
		`", java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)`
}

// need is a header field a handler cannot go on without: Java meets it as null and throws.
type need struct {
	field  string // the extField key
	boxed  string // "Integer" or "Long" for a number Java unboxes, "" for a map key
	remark string
}

// unboxed is a number Java unboxes: the helpful NullPointerException of Java 17 names the
// header class's getter; frame, when known, is the stack frame Java adds.
func unboxed(class, getterField, field, boxed, frame string) need {
	method := "intValue"
	if boxed == "Long" {
		method = "longValue"
	}
	r := `java.lang.NullPointerException: Cannot invoke "java.lang.` + boxed + "." + method +
		`()" because the return value of "` + javaHeaderPackage + class + ".get" + upperFirst(getterField) + `()" is null`
	if frame != "" {
		r += ", " + frame
	}
	return need{field: field, boxed: boxed, remark: r}
}

// keyed is a string Java uses as a key of a map that refuses null.
func keyed(field string) need {
	return need{field: field, remark: "java.lang.NullPointerException: the custom field <" + field + "> is null"}
}

// missing reports whether a needed field is absent, or (for a number) unparsable, which Java's
// reflective decoder also leaves null.
func (n need) missing(ext map[string]string) bool {
	v, ok := ext[n.field]
	if !ok {
		return true
	}
	switch n.boxed {
	case "Integer":
		_, err := strconv.ParseInt(v, 10, 32)
		return err != nil
	case "Long":
		_, err := strconv.ParseInt(v, 10, 64)
		return err != nil
	}
	return false
}

// check answers the first missing field of needs, or returns nil.
func check(req *remoting.Command, needs ...need) *remoting.Command {
	for _, n := range needs {
		if n.missing(req.ExtFields) {
			return answer(req, remoting.SystemError, n.remark)
		}
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// remoteAddr is Java's RemotingHelper.parseChannelRemoteAddr of the request's connection.
func remoteAddr(req *remoting.Request) string {
	if req.Conn == nil {
		return ""
	}
	return req.Conn.RemoteAddr()
}

func parseHost(addr string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	return ap
}

func (b *Broker) currentStoreHost() netip.AddrPort {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.storeHost
}

// brokerIP1 is the host part of the advertised address, which Java quotes in some remarks.
func (b *Broker) brokerIP1() string {
	b.mu.Lock()
	addr := b.addr
	b.mu.Unlock()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func (b *Broker) permission() int32 { return b.topics.brokerPermission() }

func (b *Broker) String() string {
	return fmt.Sprintf("fakebroker{%s/%s %s}", b.cfg.cluster, b.cfg.name, b.Addr())
}

// every runs one of the broker's scheduled tasks, as Java's scheduled executors do: first after
// first, then after whatever the task returns, until ctx ends. It counts in b.loops.
func (b *Broker) every(ctx context.Context, first time.Duration, task func() (next time.Duration)) {
	defer b.loops.Done()
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(task())
	}
}
