package client

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
)

// Defaults of DefaultMQProducer and ClientConfig in Java 4.9.7.
const (
	DefaultInstanceName            = "DEFAULT"
	DefaultCreateTopicKey          = "TBW102"
	DefaultTopicQueueNums          = 4
	DefaultSendTimeout             = 3 * time.Second
	DefaultRetryTimes              = 2
	DefaultRetryTimesAsync         = 2
	DefaultCompressOver            = 4096
	DefaultCompressLevel           = 5
	DefaultMaxMessageSize          = 4 << 20
	DefaultPollNameServerInterval  = 30 * time.Second
	DefaultHeartbeatInterval       = 30 * time.Second
	DefaultMQClientAPITimeout      = 3 * time.Second
	DefaultNameServerDomain        = "jmenv.tbsite.net"
	DefaultNameServerSubgroup      = "nsaddr"
	DefaultNameServerFetchInterval = 2 * time.Minute
	DefaultNameServerFetchDelay    = 10 * time.Second
	// DefaultCheckThreadPoolMinSize, DefaultCheckThreadPoolMaxSize and
	// DefaultCheckRequestHoldMax size the transaction check executor as TransactionMQProducer's
	// checkThreadPoolMinSize, checkThreadPoolMaxSize and checkRequestHoldMax do.
	DefaultCheckThreadPoolMinSize = 1
	DefaultCheckThreadPoolMaxSize = 1
	DefaultCheckRequestHoldMax    = 2000
	// DefaultRequestTimeout is how long a request waits for its reply. Java's request methods
	// take the timeout as an argument and have no default; its examples pass 3000 ms.
	DefaultRequestTimeout = 3 * time.Second
)

// DefaultRetryResponseCodes are the broker answers after which a sync send tries again
// (Java 4.9.7 retryResponseCodes). SYSTEM_BUSY is not among them in 4.9.7; Java added it in
// 5.3.0, and WithRetryResponseCodes can add it here.
var DefaultRetryResponseCodes = []int32{
	remoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError,
	remoting.NoPermission, remoting.NoBuyerID, remoting.NotInCurrentUnit,
}

// config is everything a producer or a consumer and its client instance are configured with.
type config struct {
	group             string
	namespace         string
	instanceName      string
	clientIP          string
	unitName          string
	nameServers       []string
	nsDomain          string
	nsSubgroup        string
	nsFetchInterval   time.Duration
	nsFetchDelay      time.Duration
	sendTimeout       time.Duration
	attemptTimeout    time.Duration // 0: an attempt may use the whole remaining budget
	retries           int
	asyncRetries      int
	asyncWorkers      int
	asyncQueue        int
	retryNotStored    bool
	retryCodes        []int32
	compressOver      int
	compressLevel     int
	maxMessageSize    int
	createTopicKey    string
	topicQueueNums    int
	pollInterval      time.Duration
	heartbeatInterval time.Duration
	apiTimeout        time.Duration
	connectTimeout    time.Duration
	vipChannel        bool
	tls               *tls.Config
	credentials       *acl.Credentials
	latencyTable      *LatencyTable // nil: latency fault tolerance off, as Java's default
	sendAttemptHook   func(SendAttempt)
	dialer            remoting.DialFunc
	manager           *Manager
	httpClient        *http.Client
	serializeType     remoting.SerializeType
	logger            *slog.Logger

	txListener      TransactionListener // nil: not a transactional producer
	checkMinWorkers int
	checkMaxWorkers int
	checkQueue      int
	requestTimeout  time.Duration

	consumerConfig
}

func defaultConfig() config {
	return config{
		instanceName:      DefaultInstanceName,
		nsDomain:          DefaultNameServerDomain,
		nsSubgroup:        DefaultNameServerSubgroup,
		nsFetchInterval:   DefaultNameServerFetchInterval,
		nsFetchDelay:      DefaultNameServerFetchDelay,
		sendTimeout:       DefaultSendTimeout,
		retries:           DefaultRetryTimes,
		asyncRetries:      DefaultRetryTimesAsync,
		asyncWorkers:      runtime.NumCPU(),
		asyncQueue:        DefaultAsyncSenderQueueSize,
		retryCodes:        DefaultRetryResponseCodes,
		compressOver:      DefaultCompressOver,
		compressLevel:     DefaultCompressLevel,
		maxMessageSize:    DefaultMaxMessageSize,
		createTopicKey:    DefaultCreateTopicKey,
		topicQueueNums:    DefaultTopicQueueNums,
		pollInterval:      DefaultPollNameServerInterval,
		heartbeatInterval: DefaultHeartbeatInterval,
		apiTimeout:        DefaultMQClientAPITimeout,
		connectTimeout:    remoting.DefaultConnectTimeout,
		logger:            slog.New(slog.DiscardHandler),
		checkMinWorkers:   DefaultCheckThreadPoolMinSize,
		checkMaxWorkers:   DefaultCheckThreadPoolMaxSize,
		checkQueue:        DefaultCheckRequestHoldMax,
		requestTimeout:    DefaultRequestTimeout,
		consumerConfig:    defaultConsumerConfig(),
	}
}

// nameServersFromEnv reads NAMESRV_ADDR as Java's ClientConfig does: ';'-separated, and a
// value that starts with "http://" is cut to what follows its last '/'.
func nameServersFromEnv() []string { return parseNameServers(os.Getenv("NAMESRV_ADDR")) }

func parseNameServers(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "http://") {
		s = s[strings.LastIndex(s, "/")+1:]
	}
	return splitNameServers(s)
}

// splitNameServers splits a ';'-separated list. Java splits without trimming and would try to
// connect to " host:port" or ""; spaces around and empty entries are dropped here.
func splitNameServers(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ";") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Option configures a Producer, a PushConsumer or a LitePullConsumer; each ignores the options
// that are not about it.
type Option func(*config)

// WithNamespace prefixes the group and topics with "namespace%", as Java's namespace does.
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// WithInstanceName sets the instance name; producers with the same client IP, instance name
// and unit name share one client instance. "DEFAULT" (the default) is replaced by
// "PID#nanotime" at start, as Java 4.9+ does, so default producers never share.
func WithInstanceName(name string) Option { return func(c *config) { c.instanceName = name } }

// WithClientIP overrides the address the client reports in its client id and message ids.
func WithClientIP(ip string) Option { return func(c *config) { c.clientIP = ip } }

// WithUnitName appends "@unit" to the client id and "-unit?nofix=1" to the name-server URL.
func WithUnitName(unit string) Option { return func(c *config) { c.unitName = unit } }

// WithNameServers sets the name-server list ("host:port" each). Without it the producer reads
// NAMESRV_ADDR, and without that it fetches the list over HTTP (WithNameServerDomain).
func WithNameServers(addrs ...string) Option {
	return func(c *config) { c.nameServers = append([]string(nil), addrs...) }
}

// WithNameServerDomain sets where the HTTP name-server list is fetched:
// http://domain:8080/rocketmq/subgroup (no ":8080" when domain has a port), every interval,
// the first time after delay, and once at start.
func WithNameServerDomain(domain, subgroup string, interval, delay time.Duration) Option {
	return func(c *config) {
		c.nsDomain, c.nsSubgroup, c.nsFetchInterval, c.nsFetchDelay = domain, subgroup, interval, delay
	}
}

// WithSendTimeout sets the total budget of a send, retries included (Java sendMsgTimeout).
// A context deadline, when earlier, wins.
func WithSendTimeout(d time.Duration) Option { return func(c *config) { c.sendTimeout = d } }

// WithAttemptTimeout caps each attempt of a sync send while retries remain, so that a hung
// broker cannot eat the whole budget (Java 5.3.3 sendMsgMaxTimeoutPerRequest). 0: no cap.
func WithAttemptTimeout(d time.Duration) Option { return func(c *config) { c.attemptTimeout = d } }

// WithRetries sets how many times a failed sync send is tried again (Java
// retryTimesWhenSendFailed, default 2).
func WithRetries(n int) Option { return func(c *config) { c.retries = max(n, 0) } }

// WithAsyncRetries sets how many times an async send is tried again after a network failure
// (Java retryTimesWhenSendAsyncFailed, default 2).
func WithAsyncRetries(n int) Option { return func(c *config) { c.asyncRetries = max(n, 0) } }

// WithAsyncSenderExecutor sizes the executor that runs SendAsync and SendBatchAsync, Java's
// defaultAsyncSenderExecutor: up to workers sends are worked on at once (default
// runtime.NumCPU(), Java's availableProcessors) and up to queueSize more wait for a worker
// (default DefaultAsyncSenderQueueSize, 50,000); beyond that a send is rejected. Values below 1
// stand for the defaults.
func WithAsyncSenderExecutor(workers, queueSize int) Option {
	return func(c *config) {
		c.asyncWorkers, c.asyncQueue = workers, queueSize
		if workers < 1 {
			c.asyncWorkers = runtime.NumCPU()
		}
		if queueSize < 1 {
			c.asyncQueue = DefaultAsyncSenderQueueSize
		}
	}
}

// WithRetryAnotherBrokerWhenNotStoreOK makes a sync send whose result is not SEND_OK try
// again (Java retryAnotherBrokerWhenNotStoreOK, default false).
func WithRetryAnotherBrokerWhenNotStoreOK(on bool) Option {
	return func(c *config) { c.retryNotStored = on }
}

// WithRetryResponseCodes replaces the broker answers after which a sync send tries again.
func WithRetryResponseCodes(codes ...int32) Option {
	return func(c *config) { c.retryCodes = append([]int32(nil), codes...) }
}

// WithCompression sets the body size from which bodies are zlib-compressed and the level
// (Java compressMsgBodyOverHowmuch 4096, level 5).
func WithCompression(overBytes, level int) Option {
	return func(c *config) { c.compressOver, c.compressLevel = overBytes, level }
}

// WithMaxMessageSize sets the largest body a send accepts (Java maxMessageSize, 4 MiB).
func WithMaxMessageSize(n int) Option { return func(c *config) { c.maxMessageSize = n } }

// WithCreateTopicKey sets the topic whose route stands in for a topic that has none yet, and
// that the broker creates new topics from (Java createTopicKey, "TBW102"), with the number of
// queues such a topic gets (Java defaultTopicQueueNums, 4).
func WithCreateTopicKey(key string, queueNums int) Option {
	return func(c *config) { c.createTopicKey, c.topicQueueNums = key, queueNums }
}

// WithPollNameServerInterval sets how often routes are refreshed (Java 30 s).
func WithPollNameServerInterval(d time.Duration) Option {
	return func(c *config) { c.pollInterval = d }
}

// WithHeartbeatInterval sets how often offline brokers are cleaned up and heartbeats sent
// (Java 30 s).
func WithHeartbeatInterval(d time.Duration) Option {
	return func(c *config) { c.heartbeatInterval = d }
}

// WithMQClientAPITimeout bounds route queries, heartbeats and unregistering (Java 3 s).
func WithMQClientAPITimeout(d time.Duration) Option { return func(c *config) { c.apiTimeout = d } }

// WithConnectTimeout bounds connecting to a name server or a broker, whatever the budget of
// the request that needs the connection (Java's connectTimeoutMillis, the system property
// com.rocketmq.remoting.client.connect.timeout: 3 s); 0 leaves only that budget. It is the client instance's: the first
// producer or consumer of an instance sets it.
func WithConnectTimeout(d time.Duration) Option { return func(c *config) { c.connectTimeout = d } }

// WithVIPChannel sends to the broker's VIP port (its port minus 2), as Java's
// vipChannelEnabled does.
func WithVIPChannel(on bool) Option { return func(c *config) { c.vipChannel = on } }

// WithTLS connects to brokers and name servers over TLS.
func WithTLS(cfg *tls.Config) Option { return func(c *config) { c.tls = cfg } }

// WithCredentials signs every request the client sends, to brokers and name servers, as Java's
// AclClientRPCHook does, for servers with aclEnable=true. Producers and consumers that share a
// client instance (the same client id) share the credentials of the first one started, as
// Java's share the first one's RPC hook.
func WithCredentials(c acl.Credentials) Option {
	return func(cfg *config) { cfg.credentials = &c }
}

// WithLatencyFaultTolerance turns on Java's sendLatencyFaultEnable with the given table
// (DefaultLatencyTable is Java's); nil turns it off.
func WithLatencyFaultTolerance(table *LatencyTable) Option {
	return func(c *config) { c.latencyTable = table }
}

// SendAttempt is one attempt of a send as it ended: what Java's SendMessageHook sees around
// each sendKernelImpl, so that a caller can tell the brokers' share of the traffic, failures
// and retries apart, which a send's one result cannot show.
type SendAttempt struct {
	Broker  string // the broker name of the attempt's queue
	Retry   bool   // not the send's first attempt
	Latency time.Duration
	Err     error // nil when the broker answered (oneway: the request was written)
}

// WithSendAttemptHook calls f after every attempt of a producer's sends (sync, async, oneway,
// batch, to a chosen queue), from the goroutine that saw it end; f must be quick.
func WithSendAttemptHook(f func(SendAttempt)) Option {
	return func(c *config) { c.sendAttemptHook = f }
}

// WithDialer replaces how connections are made, e.g. with remoting.MemNetwork.Dial.
func WithDialer(dial remoting.DialFunc) Option { return func(c *config) { c.dialer = dial } }

// WithManager sets the client-instance manager the producer registers with; nil means
// DefaultManager.
func WithManager(m *Manager) Option { return func(c *config) { c.manager = m } }

// WithHTTPClient sets the client that fetches the name-server list over HTTP; tests give one
// whose Transport dials a remoting.MemNetwork. Default: a client with Java's 3 s timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithBinaryHeader sends every request with the ROCKETMQ binary header instead of JSON, as a
// Java client started with -Drocketmq.serialize.type=ROCKETMQ does.
func WithBinaryHeader(on bool) Option {
	return func(c *config) {
		c.serializeType = remoting.SerializeJSON
		if on {
			c.serializeType = remoting.SerializeRocketMQ
		}
	}
}

// WithLogger sets where the client logs what Java logs (failed heartbeats, route errors).
// Default: discarded.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithTransactionListener makes the producer transactional, as Java's TransactionMQProducer
// with a TransactionListener: SendInTransaction runs l's local transaction after the half
// message is stored, and the broker's checks of a half message it has no answer for are
// answered by l's checker, on the producer's check executor (WithTransactionCheckExecutor).
func WithTransactionListener(l TransactionListener) Option {
	return func(c *config) { c.txListener = l }
}

// WithTransactionCheckExecutor sizes the executor that runs a transactional producer's
// checker, Java's checkExecutor: minWorkers run checks at once (checkThreadPoolMinSize, 1), up
// to queueSize more wait (checkRequestHoldMax, 2000), and when the queue is full up to
// maxWorkers run (checkThreadPoolMaxSize, 1); beyond that a check is dropped, and the broker
// asks again at its next check. Values below 1 stand for the defaults.
func WithTransactionCheckExecutor(minWorkers, maxWorkers, queueSize int) Option {
	return func(c *config) {
		c.checkMinWorkers, c.checkMaxWorkers, c.checkQueue = minWorkers, maxWorkers, queueSize
		if minWorkers < 1 {
			c.checkMinWorkers = DefaultCheckThreadPoolMinSize
		}
		if maxWorkers < 1 {
			c.checkMaxWorkers = DefaultCheckThreadPoolMaxSize
		}
		if queueSize < 1 {
			c.checkQueue = DefaultCheckRequestHoldMax
		}
	}
}

// WithRequestTimeout sets how long Request and its forms wait for the reply, the send
// included (Java's request(..., timeout); default DefaultRequestTimeout). A context deadline,
// when earlier, wins. The request's TTL property carries it in milliseconds.
func WithRequestTimeout(d time.Duration) Option { return func(c *config) { c.requestTimeout = d } }
