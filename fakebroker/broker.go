package fakebroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
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
	// acl is the live plain ACL (WithACL), nil when aclEnable is off.
	acl    *acl.Store
	aclErr error // WithACLFiles' files did not load: Start fails

	topics   *topicTable
	settings *brokerSettings
	store    *store
	clients  *clientTable
	offsets  *offsetTable
	groups   *subscriptionGroups
	locks    *rebalanceLocks
	pulls    *pullHolds
	regs     *registrations
	delays   delays
	txs      *txTable
	stats    brokerStats
	// statsTable holds the sampled statistics of the current run (statsitems.go).
	statsTable atomic.Pointer[brokerStatsTable]

	regMu sync.Mutex // serializes registrations, as Java's registerBrokerAll is synchronized

	mu      sync.Mutex
	running bool
	srv     *remoting.Server
	// pastLimits are the limit counters of the servers of earlier runs (Crash and Start).
	pastLimits remoting.LimitCounters
	nsClient   *remoting.Client
	listenOn   string // the address of the last listener, for restarts
	addr       string // advertised address
	storeHost  netip.AddrPort
	silenced   bool
	runCtx     context.Context // ends when the broker stops
	runCancel  context.CancelFunc
	loops      sync.WaitGroup
}

// New returns a broker that is not started yet.
func New(opts ...Option) *Broker {
	cfg := config{
		name:               DefaultBrokerName,
		cluster:            DefaultCluster,
		listenAddr:         "127.0.0.1:0",
		registerInterval:   DefaultRegisterInterval,
		registerDelay:      DefaultRegisterDelay,
		registerTimeout:    DefaultRegisterTimeout,
		autoCreateTopic:    true,
		autoCreateGroup:    true,
		defaultQueueNums:   DefaultTopicQueueNums,
		maxMessageSize:     DefaultMaxMessageSize,
		permission:         protocol.PermRead | protocol.PermWrite,
		clientExpiry:       DefaultClientExpiry,
		clientScanDelay:    DefaultClientScanInterval,
		clientScanInterval: DefaultClientScanInterval,
		region:             DefaultRegion,
		traceOn:            true,
		notifyConsumerIDs:  true,
		logger:             slog.Default(),
		faultSeed:          1,
		clusterTopicEnable: true,
		brokerTopicEnable:  true,

		transactionCheckInterval: DefaultTransactionCheckInterval,
		transactionTimeout:       DefaultTransactionTimeout,
		transactionCheckMax:      DefaultTransactionCheckMax,
		storeReplyMessage:        true,
		rebalanceLockExpiry:      DefaultRebalanceLockExpiry,
		statsSampling:            [windowCount]time.Duration{DefaultStatsMinuteSampling, DefaultStatsHourSampling, DefaultStatsDaySampling},
		storeLimit:               DefaultStoreLimit,
		storeSegmentSize:         DefaultStoreSegmentSize,
	}
	for _, o := range opts {
		o(&cfg)
	}
	b := &Broker{
		cfg:     cfg,
		log:     cfg.logger.With("component", "fakebroker", "broker", cfg.name),
		hist:    fault.NewHistory(cfg.historyOpts...),
		inj:     fault.NewInjector(cfg.faultSeed),
		store:   newStore(cfg.storeLimit, cfg.storeSegmentSize),
		clients: newClientTable(),
		offsets: newOffsetTable(),
		groups:  newSubscriptionGroups(),
		locks:   newRebalanceLocks(cfg.rebalanceLockExpiry),
		pulls:   newPullHolds(),
		regs:    &registrations{},
		txs:     newTxTable(),
	}
	b.statsTable.Store(&brokerStatsTable{})
	switch {
	case cfg.aclLayout.DefaultFile != "":
		b.acl, b.aclErr = acl.OpenStore(cfg.aclLayout, acl.StoreOptions{Logger: b.log})
	case cfg.acl != nil:
		b.acl = acl.NewStore(cfg.acl, cfg.aclFile, nil)
	}
	b.topics = newTopicTable(&cfg)
	b.settings = newBrokerSettings(&cfg)
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
	if b.aclErr != nil {
		return b.aclErr
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
	first := b.addr == ""
	if first {
		b.addr = b.cfg.advertisedAddr
		if b.addr == "" && b.cfg.advertisedHost != "" {
			_, port, _ := net.SplitHostPort(b.listenOn)
			b.addr = net.JoinHostPort(b.cfg.advertisedHost, port)
		}
		if b.addr == "" {
			b.addr = b.listenOn
		}
		b.storeHost = storeHostFor(b.cfg.storeHost, b.addr)
	}
	refreshNamesrv := b.settings.started(b.listenOn, b.addr, b.haServerAddr(b.addr), first)
	b.stats.bootMillis.Store(time.Now().UnixMilli())
	b.statsTable.Store(&brokerStatsTable{})
	b.locks.clear()
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

	b.statsSamplingLoops(ctx)
	b.loops.Add(1)
	go b.registerLoop(ctx)
	if refreshNamesrv {
		b.loops.Add(1)
		go b.namesrvRefreshLoop(ctx)
	}
	if b.cfg.clientScanInterval > 0 {
		b.loops.Add(1)
		go b.clientScanLoop(ctx)
	}
	if b.acl != nil && b.acl.Watched() && b.cfg.aclWatch > 0 {
		b.loops.Add(1)
		go func() {
			defer b.loops.Done()
			b.acl.Watch(ctx, b.cfg.aclWatch)
		}()
	}
	if b.cfg.transactionCheckInterval > 0 && b.cfg.brokerID == protocol.MasterID {
		// A slave does not check: Java starts the check service on masters only.
		b.loops.Add(1)
		go b.transactionCheckLoop(ctx)
	}
	return nil
}

func (b *Broker) listenLocked() (net.Listener, error) {
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

// Limits returns the limits the broker puts on its peers (remoting.WithMaxConnections and the
// like, given through WithRemotingOptions) and what they refused since it was made, over
// restarts.
func (b *Broker) Limits() (remoting.LimitSettings, remoting.LimitCounters) {
	b.mu.Lock()
	srv, past := b.srv, b.pastLimits
	running := b.running
	b.mu.Unlock()
	if srv == nil {
		// Not started yet: the settings are the options', nothing was counted.
		settings, _ := remoting.NewServer(b.cfg.remotingOpts...).Limits()
		return settings, past
	}
	settings, now := srv.Limits()
	if !running {
		now = remoting.LimitCounters{} // counted into past when it stopped
	}
	return settings, past.Add(now)
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
	_, counted := srv.Limits()
	counted.Connections = 0
	b.pastLimits = b.pastLimits.Add(counted)
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
