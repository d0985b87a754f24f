package proxy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const (
	// DefaultListenAddr is where the proxy's name server listens unless WithListenAddr says
	// otherwise; its broker listeners take free ports on the same host.
	DefaultListenAddr = "127.0.0.1:0"
	// ForwardTimeout bounds how long a forwarded request waits for its answer: far longer than
	// any server holds a request (a consumer's pull is held for the 15 to 30 s it asks), so
	// that it only ends the wait of a request the server never answers (a name server ignores
	// codes it does not know) instead of keeping it until the connection closes.
	ForwardTimeout = 5 * time.Minute
	// NameServerTarget names the proxy's name server where a broker name is expected.
	NameServerTarget = "namesrv"
)

// ErrUnknownBroker is returned for a broker name the proxy has no listener for.
var ErrUnknownBroker = errors.New("proxy: unknown broker")

// Option configures a Proxy.
type Option func(*config)

type config struct {
	listenAddr  string
	logger      *slog.Logger
	mem         *remoting.MemNetwork
	historyOpts []fault.HistoryOption
	faultSeed   uint64
}

// WithListenAddr sets where the proxy's name server listens ("host:0" picks a free port); the
// broker listeners take free ports on the same host. Default DefaultListenAddr.
func WithListenAddr(addr string) Option { return func(c *config) { c.listenAddr = addr } }

// WithLogger sets where the proxy logs. Default: logs are discarded.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithMemNetwork runs the proxy on an in-memory network instead of TCP: it listens there and
// reaches the upstream there (a fakecluster.WithMemNetwork cluster), so that a testing/synctest
// bubble drives its delays in virtual time. Create mem, and start the proxy, inside that
// bubble.
func WithMemNetwork(mem *remoting.MemNetwork) Option { return func(c *config) { c.mem = mem } }

// WithHistoryOptions configures every history the proxy keeps (its name server's and each
// broker name's).
func WithHistoryOptions(opts ...fault.HistoryOption) Option {
	return func(c *config) { c.historyOpts = append(c.historyOpts, opts...) }
}

// WithFaultSeed seeds the fault injectors' probability rolls. Default 1.
func WithFaultSeed(seed uint64) Option { return func(c *config) { c.faultSeed = seed } }

// Proxy is a proxy in front of one upstream name server and the brokers it names. New creates
// it, Start starts it, Shutdown or Close stop it. Once started, it is safe for concurrent use.
type Proxy struct {
	cfg      config
	upstream string
	log      *slog.Logger
	own      *remoting.Client // the proxy's own questions to the upstream, never recorded
	nsTarget *target
	ns       *relay

	mu      sync.Mutex
	started bool
	closed  bool
	host    string             // where broker listeners listen: the name server's host
	fronts  map[string]*front  // upstream broker address -> its listeners
	targets map[string]*target // broker name -> the faults and history its addresses share
	cluster string             // brokerClusterName, from the latest answer that named one

	// brokerFeed tells the admin API's event streams of every crash, stop and start of a
	// broker's listeners, whether the admin API or Go code made it.
	brokerFeed adminhttp.BrokerFeed
	// marks are the timeline's marks, made from Go (Mark) or through any AdminHandler.
	marks adminhttp.Marks
}

// Mark puts a labelled mark on the admin API's timeline, as POST /v1/marks does.
func (p *Proxy) Mark(label string) adminhttp.Mark { return p.marks.Add(label) }

// target is the fault injector and history of one server as the admin API names it.
type target struct {
	hist *fault.History
	inj  *fault.Injector
}

// front is what the proxy puts in front of one upstream broker address: a listener clients are
// told instead, and one on its port minus 2 for the VIP channel (nil when the upstream port
// has no VIP port below it).
type front struct {
	name     string
	id       int64
	upstream string
	main     *relay
	vip      *relay

	op      sync.Mutex // serializes crashes, stops, black holes and starts
	holed   bool       // its addresses are black holes; guarded by op
	mu      sync.Mutex // guards running, which answers read while a stop drains
	running bool
}

// relays returns the front's listeners: main, and the VIP one when it has one.
func (f *front) relays() []*relay {
	if f.vip == nil {
		return []*relay{f.main}
	}
	return []*relay{f.main, f.vip}
}

// unhole frees the front's addresses of their black holes. The caller holds f.op.
func (f *front) unhole() error {
	f.holed = false
	var errs []error
	for _, r := range f.relays() {
		errs = append(errs, r.unhole())
	}
	return errors.Join(errs...)
}

func (f *front) setRunning(on bool) {
	f.mu.Lock()
	f.running = on
	f.mu.Unlock()
}

// Broker is one upstream broker address and the proxy's listener in front of it.
type Broker struct {
	Name     string
	ID       int64  // brokerId: 0 for a master
	Addr     string // the proxy's listener: what clients are told
	Upstream string // the broker's own address
	Running  bool   // false after CrashBroker or StopBroker, until StartBroker
}

// New returns a proxy in front of the name server at upstream ("host:port"). Nothing listens
// until Start.
func New(upstream string, opts ...Option) (*Proxy, error) {
	cfg := config{listenAddr: DefaultListenAddr, logger: slog.New(slog.DiscardHandler), faultSeed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if _, _, err := net.SplitHostPort(upstream); err != nil {
		return nil, fmt.Errorf("proxy: upstream name server %q: %w", upstream, err)
	}
	if _, _, err := net.SplitHostPort(cfg.listenAddr); err != nil {
		return nil, fmt.Errorf("proxy: listen address %q: %w", cfg.listenAddr, err)
	}
	p := &Proxy{
		cfg:      cfg,
		upstream: upstream,
		log:      cfg.logger.With("component", "proxy"),
		fronts:   map[string]*front{},
		targets:  map[string]*target{},
	}
	p.own = remoting.NewClient(p.clientOptions()...)
	p.nsTarget = p.newTarget()
	p.ns = &relay{p: p, upstream: upstream, target: p.nsTarget, answer: p.rewriteAnswer}
	return p, nil
}

func (p *Proxy) newTarget() *target {
	return &target{hist: fault.NewHistory(p.cfg.historyOpts...), inj: fault.NewInjector(p.cfg.faultSeed)}
}

// clientOptions are those of every connection the proxy opens to the upstream: no idle
// timeout of its own (the server behind keeps its own, and the client's keeps the other end).
func (p *Proxy) clientOptions() []remoting.ClientOption {
	opts := []remoting.ClientOption{remoting.WithLogger(p.cfg.logger), remoting.WithIdleTimeout(0)}
	if p.cfg.mem != nil {
		opts = append(opts, remoting.WithDialer(p.cfg.mem.Dial))
	}
	return opts
}

func (p *Proxy) listen(addr string) (net.Listener, error) {
	if p.cfg.mem != nil {
		return p.cfg.mem.Listen(addr)
	}
	return net.Listen("tcp", addr)
}

var errStarted = errors.New("proxy: started already")

// Start listens as a name server, asks the upstream name server for its brokers
// (GET_BROKER_CLUSTER_INFO) and opens a listener in front of each of their addresses. It fails
// when the upstream cannot be asked; what it had opened is closed then.
func (p *Proxy) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.started {
		p.mu.Unlock()
		return errStarted
	}
	p.started = true
	p.mu.Unlock()
	l, err := p.listen(p.cfg.listenAddr)
	if err != nil {
		return fmt.Errorf("proxy: name server: %w", err)
	}
	host, _, _ := net.SplitHostPort(l.Addr().String())
	p.mu.Lock()
	p.host = host
	p.mu.Unlock()
	if err := p.ns.start(l); err != nil {
		_ = p.Close()
		return fmt.Errorf("proxy: name server: %w", err)
	}
	if err := p.Refresh(ctx); err != nil {
		_ = p.Close()
		return err
	}
	p.log.Info("proxy started", "namesrv", p.NameServerAddr(), "upstream", p.upstream)
	return nil
}

// Refresh asks the upstream name server for its brokers now and opens a listener in front of
// any address the proxy has none for yet (answers to clients do that too, as they pass).
func (p *Proxy) Refresh(ctx context.Context) error {
	ci, err := admin.ClusterInfo(ctx, p.own, p.upstream)
	if err != nil {
		return fmt.Errorf("proxy: asking the upstream name server %s for its brokers: %w", p.upstream, err)
	}
	for _, name := range slices.Sorted(maps.Keys(ci.BrokerAddrTable)) {
		bd := ci.BrokerAddrTable[name]
		for _, id := range slices.Sorted(maps.Keys(bd.BrokerAddrs)) {
			if _, err := p.frontFor(bd.Cluster, name, id, bd.BrokerAddrs[id]); err != nil {
				return err
			}
		}
	}
	return nil
}

// frontFor returns the front of an upstream broker address, opening it (listening on two new
// ports) the first time.
func (p *Proxy) frontFor(cluster, name string, id int64, upstream string) (*front, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("proxy: closed")
	}
	if cluster != "" {
		p.cluster = cluster
	}
	if f, ok := p.fronts[upstream]; ok {
		return f, nil
	}
	t := p.targets[name]
	if t == nil {
		t = p.newTarget()
		p.targets[name] = t
	}
	f := &front{name: name, id: id, upstream: upstream, main: &relay{p: p, upstream: upstream, target: t}}
	vipUpstream, hasVIP := vipAddr(upstream)
	if hasVIP {
		f.vip = &relay{p: p, upstream: vipUpstream, target: t}
	}
	mainL, vipL, err := p.listenPair(hasVIP)
	if err != nil {
		return nil, fmt.Errorf("proxy: listening in front of %s (%s): %w", name, upstream, err)
	}
	if err := f.main.start(mainL); err != nil {
		return nil, err
	}
	if vipL != nil {
		if err := f.vip.start(vipL); err != nil {
			f.main.close()
			return nil, err
		}
	}
	f.running = true
	p.fronts[upstream] = f
	p.log.Info("listening in front of a broker", "broker", name, "id", id, "upstream", upstream, "addr", f.main.listenAddr())
	return f, nil
}

// vipAddr is MixAll.brokerVIPChannel: the same host, port minus 2.
func vipAddr(addr string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 3 {
		return "", false
	}
	return net.JoinHostPort(host, strconv.Itoa(n-2)), true
}

// listenPair listens on a free port of the proxy's host and, with vip, on that port minus 2
// too: a client with vipChannelEnabled dials the port it was told minus 2. It takes the lower
// port first and tries the one 2 above it, a few times, as nothing reserves a pair. The caller
// holds p.mu.
func (p *Proxy) listenPair(vip bool) (main, vipL net.Listener, err error) {
	free := net.JoinHostPort(p.host, "0")
	if !vip {
		main, err = p.listen(free)
		return main, nil, err
	}
	for range 64 {
		low, err := p.listen(free)
		if err != nil {
			return nil, nil, err
		}
		_, port, _ := net.SplitHostPort(low.Addr().String())
		n, _ := strconv.Atoi(port)
		if n+2 <= 65535 {
			if high, err := p.listen(net.JoinHostPort(p.host, strconv.Itoa(n+2))); err == nil {
				return high, low, nil
			}
		}
		_ = low.Close()
	}
	return nil, nil, errors.New("no two free ports 2 apart")
}

// NameServerAddr is the address clients use as their name server.
func (p *Proxy) NameServerAddr() string { return p.ns.listenAddr() }

// Dialer is how clients reach the proxy: the in-memory network's Dial with WithMemNetwork,
// nil (plain TCP) otherwise.
func (p *Proxy) Dialer() remoting.DialFunc {
	if p.cfg.mem == nil {
		return nil
	}
	return p.cfg.mem.Dial
}

// Upstream is the name server the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// Brokers lists every upstream broker address the proxy has a listener for, by name, then
// brokerId.
func (p *Proxy) Brokers() []Broker {
	p.mu.Lock()
	fronts := make([]*front, 0, len(p.fronts))
	for _, f := range p.fronts {
		fronts = append(fronts, f)
	}
	p.mu.Unlock()
	out := make([]Broker, 0, len(fronts))
	for _, f := range fronts {
		out = append(out, Broker{Name: f.name, ID: f.id, Addr: f.main.listenAddr(), Upstream: f.upstream, Running: f.isRunning()})
	}
	slices.SortFunc(out, func(a, b Broker) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Broker returns the master listener of the named broker; false when the proxy has none.
func (p *Proxy) Broker(name string) (Broker, bool) {
	for _, b := range p.Brokers() {
		if b.Name == name && b.ID == protocol.MasterID {
			return b, true
		}
	}
	return Broker{}, false
}

// master returns the front of the named broker's master.
func (p *Proxy) master(name string) (*front, error) { return p.frontID(name, protocol.MasterID) }

// frontID returns the front of the named broker's address with brokerId id.
func (p *Proxy) frontID(name string, id int64) (*front, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.fronts {
		if f.name == name && f.id == id {
			return f, nil
		}
	}
	if id != protocol.MasterID {
		return nil, fmt.Errorf("%w %q with brokerId %d", ErrUnknownBroker, name, id)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownBroker, name)
}

// Faults returns the fault injector of NameServerTarget or of a broker name (shared by its
// master, slaves and VIP listeners); false for a name the proxy has no listener for.
func (p *Proxy) Faults(target string) (*fault.Injector, bool) {
	t, ok := p.target(target)
	if !ok {
		return nil, false
	}
	return t.inj, true
}

// History returns the requests NameServerTarget or a broker name received through the proxy.
func (p *Proxy) History(target string) (*fault.History, bool) {
	t, ok := p.target(target)
	if !ok {
		return nil, false
	}
	return t.hist, true
}

func (p *Proxy) target(name string) (*target, bool) {
	if name == NameServerTarget {
		return p.nsTarget, true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.targets[name]
	return t, ok
}

// ClearFaults removes every fault rule.
func (p *Proxy) ClearFaults() {
	p.nsTarget.inj.Clear()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.targets {
		t.inj.Clear()
	}
}

// CrashBroker takes the named broker's master offline as its clients see a crash: its
// listeners and every connection through them close at once (with the upstream connections
// behind them), and from now on the proxy's name server leaves it out of its answers. The
// broker behind is untouched.
func (p *Proxy) CrashBroker(name string) error { return p.CrashBrokerID(name, protocol.MasterID) }

// CrashBrokerID is CrashBroker for the address of the named broker with brokerId id: a
// slave's crash as clients see it, its master untouched.
func (p *Proxy) CrashBrokerID(name string, id int64) error {
	f, err := p.frontID(name, id)
	if err != nil {
		return err
	}
	f.op.Lock()
	defer f.op.Unlock()
	if f.isRunning() {
		defer p.brokerChanged(f, adminhttp.BrokerCrashed)
	}
	f.setRunning(false)
	f.main.close()
	if f.vip != nil {
		f.vip.close()
	}
	return nil
}

// StopBroker takes the named broker's master offline as a clean stop looks to its clients: the
// name server's answers leave it out at once, as after its UNREGISTER_BROKER; requests in
// flight are answered (a held pull is dropped, as a stopping broker drops it), then its
// connections close. When ctx ends first, they close at once.
func (p *Proxy) StopBroker(ctx context.Context, name string) error {
	f, err := p.master(name)
	if err != nil {
		return err
	}
	f.op.Lock()
	defer f.op.Unlock()
	if f.isRunning() {
		defer p.brokerChanged(f, adminhttp.BrokerStopped)
	}
	f.setRunning(false)
	errs := []error{f.main.shutdown(ctx)}
	if f.vip != nil {
		errs = append(errs, f.vip.shutdown(ctx))
	}
	return errors.Join(errs...)
}

// StartBroker listens again in front of the named broker's master, on the addresses it had,
// and the name server's answers name it again. Starting a running broker does nothing.
func (p *Proxy) StartBroker(ctx context.Context, name string) error {
	return p.StartBrokerID(ctx, name, protocol.MasterID)
}

// StartBrokerID is StartBroker for the address of the named broker with brokerId id.
func (p *Proxy) StartBrokerID(_ context.Context, name string, id int64) error {
	f, err := p.frontID(name, id)
	if err != nil {
		return err
	}
	f.op.Lock()
	defer f.op.Unlock()
	if f.isRunning() {
		return nil
	}
	if err := f.unhole(); err != nil {
		return fmt.Errorf("proxy: restarting %s: %w", name, err)
	}
	if err := f.main.restart(); err != nil {
		return fmt.Errorf("proxy: restarting %s: %w", name, err)
	}
	if f.vip != nil {
		if err := f.vip.restart(); err != nil {
			f.main.close()
			return fmt.Errorf("proxy: restarting %s's VIP channel: %w", name, err)
		}
	}
	f.setRunning(true)
	p.brokerChanged(f, adminhttp.BrokerStarted)
	return nil
}

// BlackHoleBroker takes the named broker's master offline as CrashBroker does (its listeners
// and connections close, the name server's answers leave it out), then makes the addresses it
// listened on swallow connection attempts, as when the broker's host is cut off from the
// network: a client that still has the address (from a route it got before) neither connects
// nor is refused, its dial hangs until its connect timeout. StartBroker listens there again.
// Black-holing a black-holed broker does nothing. On TCP it needs Linux (see hole); elsewhere it
// fails with errors.ErrUnsupported, after the crash.
func (p *Proxy) BlackHoleBroker(name string) error {
	f, err := p.master(name)
	if err != nil {
		return err
	}
	f.op.Lock()
	defer f.op.Unlock()
	if f.holed {
		return nil
	}
	f.setRunning(false)
	f.main.close()
	if f.vip != nil {
		f.vip.close()
	}
	for _, r := range f.relays() {
		if err := r.blackHole(); err != nil {
			_ = f.unhole()
			return err
		}
	}
	f.holed = true
	p.brokerChanged(f, adminhttp.BrokerBlackHoled)
	return nil
}

// brokerChanged tells the admin API's event streams that f's broker is now in state.
func (p *Proxy) brokerChanged(f *front, state string) {
	p.brokerFeed.Publish(adminhttp.BrokerEvent{Name: f.name, Addr: f.main.listenAddr(), State: state, Online: f.isRunning()})
}

func (f *front) isRunning() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.running
}

// Route is the route of topic as the proxy's clients are given it: the upstream name server's
// answer with the proxy's addresses and without the brokers it has taken offline. It is asked
// on a connection of the proxy's own, so it is neither recorded nor harmed by fault rules.
func (p *Proxy) Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	rd, ok, err := admin.Route(ctx, p.own, p.upstream, topic)
	if err != nil || !ok {
		return nil, false, err
	}
	if err := p.clientRoute(rd); err != nil {
		return nil, false, err
	}
	if len(rd.QueueDatas) == 0 {
		return nil, false, nil
	}
	return rd, true, nil
}

// Cluster returns the brokerClusterName of the brokers the proxy has seen.
func (p *Proxy) Cluster() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cluster
}

// relays returns every relay, the name server's first.
func (p *Proxy) relays() []*relay {
	out := []*relay{p.ns}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.fronts {
		out = append(out, f.main)
		if f.vip != nil {
			out = append(out, f.vip)
		}
	}
	return out
}

// Shutdown stops every listener cleanly: requests in flight are answered (held pulls are
// dropped), then the connections close. When ctx ends first, they close at once.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	var errs []error
	for _, r := range p.relays() {
		errs = append(errs, r.shutdown(ctx), r.unhole())
	}
	errs = append(errs, p.own.Close())
	return errors.Join(errs...)
}

// Close closes every listener and connection at once.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	errs := []error{}
	for _, r := range p.relays() {
		r.close()
		errs = append(errs, r.unhole())
	}
	return errors.Join(append(errs, p.own.Close())...)
}
