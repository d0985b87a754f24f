// Package fakenamesrv is a fake Apache RocketMQ 4.9.7 NameServer: real brokers and clients (the
// Java client, the official Go client, rocketsim's own) talk to it over the remoting protocol
// and cannot tell it from the real one for the requests listed below.
//
// One file per request family, each opening with the codes it serves and the Java behaviour it
// copies:
//
//	register.go  103 REGISTER_BROKER, 104 UNREGISTER_BROKER, 322 QUERY_DATA_VERSION
//	route.go     105 GET_ROUTEINFO_BY_TOPIC
//	cluster.go   106 GET_BROKER_CLUSTER_INFO, 206 GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
//	             216 DELETE_TOPIC_IN_NAMESRV, 224 GET_TOPICS_BY_CLUSTER,
//	             304 GET_SYSTEM_TOPIC_LIST_FROM_NS,
//	             311/312/313 the unit topic lists
//	kv.go        100 PUT_KV_CONFIG, 101 GET_KV_CONFIG, 102 DELETE_KV_CONFIG,
//	             219 GET_KVLIST_BY_NAMESPACE
//	config.go    318 UPDATE_NAMESRV_CONFIG, 319 GET_NAMESRV_CONFIG: the name server's own settings
//	perm.go      205 WIPE_WRITE_PERM_OF_BROKER, 327 ADD_WRITE_PERM_OF_BROKER
//	liveness.go  the 10 s scan that drops brokers silent for 120 s, and removal on connection close
//	httpaddr.go  the HTTP name-server address endpoint (/rocketmq/nsaddr) clients poll
//	rewrite.go   optional rewriting of the broker addresses handed to clients
//	introspect.go read-only snapshots of the state for tests
//
// The state (registry.go) follows Java's RouteInfoManager table by table, lists come out in the
// order Java's hash maps iterate, and every answer, error remark included, is what a real 4.9.7
// name server on Java 17 sends (checked request by request against one).
//
// Like the real name server, the fake sends no answer at all to a request code it does not
// serve; the requester times out. Skipped: the pre-3.0.11 REGISTER_BROKER body (a request whose version is below 3.0.11's ordinal is read
// like any other) and a negative version (Java fails it with an ArrayIndexOutOfBoundsException).
//
// Known differences in answers to malformed requests: Java answers a processor's exception in
// JSON even to a ROCKETMQ-binary request, the fake in the request's encoding; a QUERY_DATA_VERSION
// body that is not JSON gets fastjson's exception class with the fake's own message; and header
// fields a request leaves out (Java's nulls) become empty strings in the fake's state, where
// Java keys its tables by null.
//
// Time comes from the standard time package only, so a test running the fake inside a
// testing/synctest bubble over a remoting.MemNetwork sees 120 s of broker expiry pass at once.
package fakenamesrv

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// Defaults, as fixed in the 4.9.7 name server (NamesrvController, RouteInfoManager).
const (
	// DefaultBrokerExpiry is RouteInfoManager.BROKER_CHANNEL_EXPIRED_TIME: a broker whose last
	// registration is older than this is removed by the next scan.
	DefaultBrokerExpiry = 120 * time.Second
	// DefaultScanDelay is when the first scan for expired brokers runs after Start.
	DefaultScanDelay = 5 * time.Second
	// DefaultScanInterval is how often the scan runs after the first.
	DefaultScanInterval = 10 * time.Second
)

// Server is a fake name server. Create it with New, give it listeners with Start or Listen,
// and stop it with Close or Shutdown. It is safe for concurrent use.
type Server struct {
	cfg     config
	srv     *remoting.Server
	reg     *registry
	kv      *kvStore
	conf    *namesrvConfig
	rewrite *rewriter
	hist    *fault.History
	inj     *fault.Injector
	log     *slog.Logger

	mu       sync.Mutex
	scanning bool
	closed   bool
	stopScan chan struct{}
	scanDone chan struct{}
}

type config struct {
	expiry         time.Duration
	scanDelay      time.Duration
	scanInterval   time.Duration
	orderMessages  bool
	logger         *slog.Logger
	remotingOpts   []remoting.ServerOption
	faultSeed      uint64
	historyOpts    []fault.HistoryOption
	kv             []kvEntry
	rewriteMap     map[string]string
	rewriteFunc    func(string) string
	disableScanner bool
}

type kvEntry struct{ namespace, key, value string }

// Option configures a Server.
type Option func(*config)

// WithBrokerExpiry sets how long a broker may go without registering before the scan removes
// it. Default DefaultBrokerExpiry (120 s, fixed in Java).
func WithBrokerExpiry(d time.Duration) Option {
	return func(c *config) { c.expiry = d }
}

// WithScanInterval sets when the expiry scan first runs after Start (delay) and how often it
// runs then (interval). Defaults DefaultScanDelay and DefaultScanInterval (5 s and 10 s, fixed
// in Java). An interval <= 0 turns the scan off (ScanNotActiveBrokers still works).
func WithScanInterval(delay, interval time.Duration) Option {
	return func(c *config) {
		c.scanDelay, c.scanInterval = delay, interval
		c.disableScanner = interval <= 0
	}
}

// WithOrderMessageEnable sets Java's NamesrvConfig.orderMessageEnable: when true, route answers
// carry orderTopicConf, the topic's value in KV namespace ORDER_TOPIC_CONFIG. Default false,
// as in Java, where routes never carry it unless the operator turns it on.
func WithOrderMessageEnable(on bool) Option {
	return func(c *config) { c.orderMessages = on }
}

// WithKVConfig puts a KV config item in place before the server starts, as a real name server
// loads its kvConfig.json (for example namespace ORDER_TOPIC_CONFIG, key a topic, value
// "broker-a:4;broker-b:4"). Repeatable.
func WithKVConfig(namespace, key, value string) Option {
	return func(c *config) { c.kv = append(c.kv, kvEntry{namespace, key, value}) }
}

// WithAddrRewrite makes the server hand clients reachable instead of advertised broker
// addresses: from (what the broker registered) becomes to in route and cluster answers.
// Repeatable; see also Server.SetAddrRewrite.
func WithAddrRewrite(from, to string) Option {
	return func(c *config) {
		if c.rewriteMap == nil {
			c.rewriteMap = make(map[string]string)
		}
		c.rewriteMap[from] = to
	}
}

// WithAddrRewriteFunc rewrites every broker address not covered by WithAddrRewrite with f
// (return the address unchanged to leave it alone), e.g. to replace a container's host with
// 127.0.0.1 and a mapped port.
func WithAddrRewriteFunc(f func(addr string) string) Option {
	return func(c *config) { c.rewriteFunc = f }
}

// WithLogger sets where the server and its transport log. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRemotingOptions passes options to the underlying remoting.Server (idle timeout, frame
// size, TLS, ...). remoting.WithIgnoreUnknownCodes(true) is always set, after them.
func WithRemotingOptions(opts ...remoting.ServerOption) Option {
	return func(c *config) { c.remotingOpts = append(c.remotingOpts, opts...) }
}

// WithFaultSeed seeds the fault injector's dice (rules with a probability). Default 1.
func WithFaultSeed(seed uint64) Option {
	return func(c *config) { c.faultSeed = seed }
}

// WithHistoryOptions configures the request history (how many entries and body bytes it keeps).
func WithHistoryOptions(opts ...fault.HistoryOption) Option {
	return func(c *config) { c.historyOpts = append(c.historyOpts, opts...) }
}

// New returns a name server that is not listening yet.
func New(opts ...Option) *Server {
	cfg := config{
		expiry:       DefaultBrokerExpiry,
		scanDelay:    DefaultScanDelay,
		scanInterval: DefaultScanInterval,
		logger:       slog.Default(),
		faultSeed:    1,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:     cfg,
		reg:     newRegistry(),
		kv:      newKVStore(),
		conf:    newNamesrvConfig(cfg.orderMessages),
		rewrite: newRewriter(cfg.rewriteMap, cfg.rewriteFunc),
		hist:    fault.NewHistory(cfg.historyOpts...),
		inj:     fault.NewInjector(cfg.faultSeed),
		log:     cfg.logger.With("component", "fakenamesrv"),
	}
	for _, e := range cfg.kv {
		s.kv.put(e.namespace, e.key, e.value)
	}
	ropts := append([]remoting.ServerOption{remoting.WithLogger(cfg.logger)}, cfg.remotingOpts...)
	ropts = append(ropts, remoting.WithIgnoreUnknownCodes(true))
	s.srv = remoting.NewServer(ropts...)
	fault.Install(s.srv, s.hist, s.inj)
	s.srv.OnConnClose(s.connClosed)
	s.registerHandlers()
	return s
}

// registerHandlers wires each request family; a code registered twice is a programming error.
func (s *Server) registerHandlers() {
	seen := map[int32]bool{}
	for _, family := range [][]handlerEntry{
		s.registerHandlersTable(), s.routeHandlersTable(), s.clusterHandlersTable(), s.kvHandlersTable(),
		s.configHandlersTable(), s.permHandlersTable(),
	} {
		for _, e := range family {
			if seen[e.code] {
				panic("fakenamesrv: request code registered twice: " + remoting.RequestCodeName(e.code))
			}
			seen[e.code] = true
			s.srv.Handle(e.code, e.handler)
		}
	}
}

type handlerEntry struct {
	code    int32
	handler remoting.Handler
}

// Start serves l in the background (Addr is valid when it returns) and starts the expiry
// scan on the first call. More listeners may be added with further calls.
func (s *Server) Start(l net.Listener) error {
	if err := s.srv.Start(l); err != nil {
		return err
	}
	s.conf.listening(l.Addr())
	s.startScan()
	return nil
}

// Listen listens on the TCP address addr ("127.0.0.1:0" picks a free port) and serves it.
func (s *Server) Listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Start(l)
}

// Addr returns the address of the first listener ("host:port"), or "" before Start.
func (s *Server) Addr() string {
	a := s.srv.Addr()
	if a == nil {
		return ""
	}
	return a.String()
}

// Faults returns the fault injector installed on every request the server receives.
func (s *Server) Faults() *fault.Injector { return s.inj }

// Limits returns the limits the server puts on its peers (remoting.WithMaxConnections and the
// like, given through WithRemotingOptions) and what they refused so far.
func (s *Server) Limits() (remoting.LimitSettings, remoting.LimitCounters) { return s.srv.Limits() }

// History returns the record of the requests the server received and what it answered.
func (s *Server) History() *fault.History { return s.hist }

// Close stops the scan, closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.stopScanning()
	return s.srv.Close()
}

// Shutdown stops the scan and accepting, lets requests in flight finish and be answered,
// then closes the connections; when ctx ends first it closes everything at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopScanning()
	return s.srv.Shutdown(ctx)
}

func (s *Server) startScan() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scanning || s.closed || s.cfg.disableScanner {
		return
	}
	s.scanning = true
	s.stopScan = make(chan struct{})
	s.scanDone = make(chan struct{})
	go s.scanLoop(s.stopScan, s.scanDone)
}

func (s *Server) stopScanning() {
	s.mu.Lock()
	s.closed = true
	stop, done := s.stopScan, s.scanDone
	s.stopScan, s.scanning = nil, false
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// javaNull is what Java prints for a String it holds as null: a header field the request did
// not carry.
const javaNull = "null"

// orNull renders the header field key of ext as Java's processors print it: its value, or
// "null" when the request did not carry it.
func orNull(ext map[string]string, key, value string) string {
	if _, ok := ext[key]; !ok {
		return javaNull
	}
	return value
}

// javaException answers as Java's NettyRemotingAbstract does when a processor throws: code 1
// SYSTEM_ERROR with RemotingHelper.exceptionSimpleDesc (the exception's toString, ", ", the top
// stack frame) as remark, and no header.
//
// Java writes that answer in its default serialize type (JSON) whatever the request's; the
// remoting transport answers in the request's type, so a ROCKETMQ-binary request gets the same
// answer in binary.
func javaException(req *remoting.Command, desc string) *remoting.Command {
	return remoting.NewResponse(req, remoting.SystemError, desc)
}

// withHeader returns a response for a Java handler that created it with a response header
// class: its extFields are present even when every field is null ("extFields":{} in JSON).
func withHeader(req *remoting.Command, code int32, remark string) *remoting.Command {
	resp := remoting.NewResponse(req, code, remark)
	resp.ExtFields = map[string]string{}
	return resp
}
