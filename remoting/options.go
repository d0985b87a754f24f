package remoting

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"
)

// Defaults, named after the Java settings (NettyClientConfig / NettyServerConfig and the
// com.rocketmq.remoting.* system properties of rocketmq-all-4.9.7) they mirror.
const (
	// DefaultConnectTimeout is Java's client.connect.timeout (connectTimeoutMillis).
	DefaultConnectTimeout = 3 * time.Second
	// DefaultIdleTimeout is Java's client.channel.maxIdleTimeSeconds and
	// serverChannelMaxIdleTimeSeconds: a connection with neither reads nor writes for this
	// long is closed.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultClientAsyncPermits is Java's clientAsyncSemaphoreValue.
	DefaultClientAsyncPermits = 65535
	// DefaultClientOnewayPermits is Java's clientOnewaySemaphoreValue.
	DefaultClientOnewayPermits = 65535
	// DefaultServerAsyncPermits is Java's serverAsyncSemaphoreValue: requests a server sends
	// to its clients (e.g. CHECK_TRANSACTION_STATE) asynchronously.
	DefaultServerAsyncPermits = 64
	// DefaultServerOnewayPermits is Java's serverOnewaySemaphoreValue.
	DefaultServerOnewayPermits = 256
	// DefaultMaxConcurrentHandlers bounds the handlers running at once for one connection of
	// a Server. Java has no per-connection bound (its processor pools are per server, a single thread
	// for sends by default). Beyond it a request waits in the connection until a handler is
	// free, and the peer's writes stall behind it: a client with thousands of requests in
	// flight is served as fast (handlers take microseconds), while a peer flooding requests
	// holds 256 goroutines, not tens of thousands. A handler held by a delay fault counts too:
	// more than 256 delayed requests of one connection are delayed in turns.
	DefaultMaxConcurrentHandlers = 256
	// DefaultClientMaxConcurrentHandlers is a Client's bound: the requests a server sends its
	// clients are few, and a client's handler may wait on an answer that its own connection
	// must go on reading.
	DefaultClientMaxConcurrentHandlers = 65535
	// DefaultWorkerIdleTimeout is how long a connection's handler goroutine waits for the next
	// request before it exits (up to twice this: it checks once per period). Under load a
	// worker waits microseconds, so it is reused; after a burst the goroutines it left (and
	// their grown stacks) are given back.
	DefaultWorkerIdleTimeout = 10 * time.Second
)

// DialFunc opens a connection; net.Dialer.DialContext and MemNetwork.Dial have this shape.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// ClientOption configures a Client.
type ClientOption interface{ applyClient(*clientConfig) }

// ServerOption configures a Server.
type ServerOption interface{ applyServer(*serverConfig) }

// Option configures either side: the settings a Client and a Server share.
type Option interface {
	ClientOption
	ServerOption
}

// endpointConfig holds what both sides use for their connections.
type endpointConfig struct {
	logger                *slog.Logger
	maxFrameSize          int
	maxHeaderSize         int
	idleTimeout           time.Duration
	frameReadTimeout      time.Duration
	tlsConfig             *tls.Config
	asyncPermits          int
	onewayPermits         int
	maxConcurrentHandlers int
	workerIdleTimeout     time.Duration
	ignoreUnknownCodes    bool
	closeOnTimeout        bool
}

type clientConfig struct {
	endpointConfig
	connectTimeout time.Duration
	dial           DialFunc
	requestHook    func(addr string, req *Command)
}

type serverConfig struct {
	endpointConfig
	maxConnections int
	maxInflight    int
	maxUnwritten   int
	tlsMode        TLSMode
	tlsModeSet     bool
	// closeLogsPerSecond bounds the info and warn lines about connections closed for their
	// peers' doing (see WithCloseLogsPerSecond).
	closeLogsPerSecond int
}

func defaultEndpointConfig() endpointConfig {
	return endpointConfig{
		logger:                slog.Default(),
		maxFrameSize:          DefaultMaxFrameSize,
		maxHeaderSize:         DefaultMaxHeaderSize,
		idleTimeout:           DefaultIdleTimeout,
		frameReadTimeout:      DefaultFrameReadTimeout,
		maxConcurrentHandlers: DefaultMaxConcurrentHandlers,
		workerIdleTimeout:     DefaultWorkerIdleTimeout,
	}
}

func newClientConfig(opts []ClientOption) clientConfig {
	cfg := clientConfig{endpointConfig: defaultEndpointConfig(), connectTimeout: DefaultConnectTimeout}
	cfg.asyncPermits = DefaultClientAsyncPermits
	cfg.onewayPermits = DefaultClientOnewayPermits
	cfg.maxConcurrentHandlers = DefaultClientMaxConcurrentHandlers
	for _, o := range opts {
		o.applyClient(&cfg)
	}
	if cfg.dial == nil {
		cfg.dial = dialTCP
	}
	return cfg
}

func newServerConfig(opts []ServerOption) serverConfig {
	cfg := serverConfig{endpointConfig: defaultEndpointConfig(),
		maxConnections: DefaultMaxConnections, maxInflight: DefaultMaxInflightRequests,
		maxUnwritten: DefaultMaxUnwrittenBytes, closeLogsPerSecond: DefaultCloseLogsPerSecond}
	cfg.asyncPermits = DefaultServerAsyncPermits
	cfg.onewayPermits = DefaultServerOnewayPermits
	for _, o := range opts {
		o.applyServer(&cfg)
	}
	return cfg
}

type sharedOption func(*endpointConfig)

func (o sharedOption) applyClient(c *clientConfig) { o(&c.endpointConfig) }
func (o sharedOption) applyServer(c *serverConfig) { o(&c.endpointConfig) }

type clientOnlyOption func(*clientConfig)

func (o clientOnlyOption) applyClient(c *clientConfig) { o(c) }

// WithLogger sets where connection events go (bad frames, unmatched responses, closes).
// Default: slog.Default() at construction time.
func WithLogger(l *slog.Logger) Option {
	return sharedOption(func(c *endpointConfig) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithMaxFrameSize sets the largest frame accepted from the peer; a bigger length word closes
// the connection. Default DefaultMaxFrameSize (Java's com.rocketmq.remoting.frameMaxLength).
func WithMaxFrameSize(n int) Option {
	return sharedOption(func(c *endpointConfig) { c.maxFrameSize = n })
}

// WithIdleTimeout closes connections that neither read nor wrote a frame for d.
// 0 disables. Default DefaultIdleTimeout (120 s).
func WithIdleTimeout(d time.Duration) Option {
	return sharedOption(func(c *endpointConfig) { c.idleTimeout = d })
}

// WithTLS turns on TLS: a Client handshakes as a client after dialing (ServerName defaults to
// the host of the address) and verifies the server's certificate as cfg says (a Java client,
// tls.enable=true, trusts any certificate unless tls.client.authServer: InsecureSkipVerify is
// that); a Server takes TLS connections with cfg's certificate, only TLS ones unless
// WithTLSMode says otherwise.
func WithTLS(cfg *tls.Config) Option {
	return sharedOption(func(c *endpointConfig) { c.tlsConfig = cfg })
}

// WithAsyncPermits bounds the async requests in flight (all connections of the endpoint
// together; n < 1 counts as 1). Defaults: client 65535 (clientAsyncSemaphoreValue), server 64
// (serverAsyncSemaphoreValue).
func WithAsyncPermits(n int) Option {
	return sharedOption(func(c *endpointConfig) { c.asyncPermits = n })
}

// WithOnewayPermits bounds the oneway requests not yet written (n < 1 counts as 1). Defaults: client 65535
// (clientOnewaySemaphoreValue), server 256 (serverOnewaySemaphoreValue).
func WithOnewayPermits(n int) Option {
	return sharedOption(func(c *endpointConfig) { c.onewayPermits = n })
}

// WithMaxConcurrentHandlers bounds the inbound requests served at once on one connection;
// beyond it the connection stops reading until a handler returns. Default
// DefaultMaxConcurrentHandlers on a Server, DefaultClientMaxConcurrentHandlers on a Client.
func WithMaxConcurrentHandlers(n int) Option {
	return sharedOption(func(c *endpointConfig) { c.maxConcurrentHandlers = n })
}

// WithWorkerIdleTimeout sets how long a goroutine that served a request on a connection waits
// for the next one before it exits (between d and 2d after its last request); 0 keeps it until
// the connection closes. Default DefaultWorkerIdleTimeout.
func WithWorkerIdleTimeout(d time.Duration) Option {
	return sharedOption(func(c *endpointConfig) { c.workerIdleTimeout = d })
}

// WithIgnoreUnknownCodes(true) leaves requests with no handler unanswered, as the real name
// server does, instead of answering REQUEST_CODE_NOT_SUPPORTED as brokers and clients do.
// Default false.
func WithIgnoreUnknownCodes(on bool) Option {
	return sharedOption(func(c *endpointConfig) { c.ignoreUnknownCodes = on })
}

// WithCloseOnTimeout closes the connection when a sync request on it times out, failing every
// other request pending on it: Java's client.closeSocketIfTimeout, which is true in Java.
// Default false, because one slow answer should not cost the answers already on their way.
func WithCloseOnTimeout(on bool) Option {
	return sharedOption(func(c *endpointConfig) { c.closeOnTimeout = on })
}

// WithConnectTimeout bounds dialing (and the TLS handshake) of a new connection, whatever the
// deadline of the request that caused it. 0 leaves only the request's own deadline.
// Default DefaultConnectTimeout (client.connect.timeout, 3 s).
func WithConnectTimeout(d time.Duration) ClientOption {
	return clientOnlyOption(func(c *clientConfig) { c.connectTimeout = d })
}

// WithRequestHook runs hook on every request the client sends (sync, async and oneway), just
// before it is written, with the address it goes to: Java's RPCHook.doBeforeRequest, where
// AclClientRPCHook signs requests. The hook may change the request's fields and body.
func WithRequestHook(hook func(addr string, req *Command)) ClientOption {
	return clientOnlyOption(func(c *clientConfig) { c.requestHook = hook })
}

// WithDialer replaces the dialer, for example with MemNetwork.Dial. Default: a net.Dialer with
// TCP keepalive off, as Java's client sets SO_KEEPALIVE false.
func WithDialer(dial DialFunc) ClientOption {
	return clientOnlyOption(func(c *clientConfig) { c.dial = dial })
}
