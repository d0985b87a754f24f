package remoting

import (
	"crypto/tls"
	"errors"
	"os"
	"sync/atomic"
	"time"
)

// Defaults of the limits a Server puts on its peers. Java has no equivalent for most of them
// (its bounds are its thread pools' queues and the operating system's); ours are generous
// enough that no well-behaved client meets them, and small enough that a hostile or broken peer
// cannot hold a server's memory or goroutines.
const (
	// DefaultMaxConnections is the number of open connections a Server accepts; beyond it a
	// new connection is closed at once.
	DefaultMaxConnections = 10000
	// DefaultMaxInflightRequests is how many requests of one connection may be queued or
	// served at once; beyond it a request is answered SYSTEM_BUSY, as a broker whose send
	// queue (sendThreadPoolQueueCapacity, 10000) is full answers.
	DefaultMaxInflightRequests = 10000
	// DefaultMaxHeaderSize is the largest header accepted from the peer. A send header with
	// Java's largest properties (32767 bytes, JSON-escaped) fits several times over.
	DefaultMaxHeaderSize = 256 << 10
	// DefaultFrameReadTimeout is how long a frame (or a TLS handshake) may take to arrive
	// once its first byte has, so that a peer trickling bytes does not hold a connection.
	DefaultFrameReadTimeout = 60 * time.Second
	// DefaultMaxUnwrittenBytes is how many bytes of answers may wait unsent to one peer
	// before the server stops reading that peer's requests (Netty's high water mark, which
	// Java's servers leave unbounded): a peer that floods requests and never reads its answers
	// then stalls itself instead of growing the server's memory.
	DefaultMaxUnwrittenBytes = 256 << 10
)

// OverloadRemark is the remark of the SYSTEM_BUSY answer to a request beyond the in-flight
// limit: Java's answer when its processor pool rejects a request (NettyRemotingAbstract).
const OverloadRemark = "[OVERLOAD]system busy, start flow control for a while"

// ErrHeaderTooLarge is returned for a frame whose header exceeds the configured limit.
var ErrHeaderTooLarge = errors.New("remoting: header too large")

// ErrFrameReadTimeout is the cause of a connection closed because a frame, or its TLS
// handshake, did not arrive whole within the frame-read timeout.
var ErrFrameReadTimeout = errors.New("remoting: frame not received within the frame-read timeout")

// ErrNotReading is the cause of a connection closed because its peer went on sending requests
// over the in-flight limit while a frame's worth of our answers waited unread.
var ErrNotReading = errors.New("remoting: peer over its in-flight limit does not read its answers")

var errDeadline = os.ErrDeadlineExceeded

// LimitSettings are the limits a Server enforces (0: none).
type LimitSettings struct {
	MaxConnections      int           `json:"maxConnections"`
	MaxInflightRequests int           `json:"maxInflightRequests"`
	MaxFrameSize        int           `json:"maxFrameSize"`
	MaxHeaderSize       int           `json:"maxHeaderSize"`
	IdleTimeout         time.Duration `json:"-"`
	FrameReadTimeout    time.Duration `json:"-"`
	MaxUnwrittenBytes   int           `json:"maxUnwrittenBytes"`
	TLSMode             TLSMode       `json:"-"`
}

// LimitCounters count what a Server refused or cut short since it was created.
type LimitCounters struct {
	// Connections is the number open now.
	Connections int64 `json:"connections"`
	// RejectedConnections were closed at once, beyond MaxConnections.
	RejectedConnections int64 `json:"rejectedConnections"`
	// BusyRequests were answered SYSTEM_BUSY (or, oneway, dropped) beyond MaxInflightRequests.
	BusyRequests int64 `json:"busyRequests"`
	// FramesTooLarge, HeadersTooLarge and MalformedFrames closed their connections.
	FramesTooLarge  int64 `json:"framesTooLarge"`
	HeadersTooLarge int64 `json:"headersTooLarge"`
	MalformedFrames int64 `json:"malformedFrames"`
	// IdleClosed connections had neither read nor written a frame for the idle timeout.
	IdleClosed int64 `json:"idleClosed"`
	// SlowFrames closed connections whose frame or TLS handshake did not arrive whole within
	// the frame-read timeout.
	SlowFrames int64 `json:"slowFrames"`
	// TLSRejected were plain connections to an enforcing server, or TLS ones to a server
	// with TLS disabled; HandshakeFailures were TLS handshakes that failed otherwise.
	TLSRejected       int64 `json:"tlsRejected"`
	HandshakeFailures int64 `json:"handshakeFailures"`
	// ReadPauses are the times a connection's requests stopped being read because more than
	// MaxUnwrittenBytes of its answers waited unsent; reading resumes once half are sent.
	ReadPauses int64 `json:"readPauses"`
}

// Add returns the sum of two sets of counters (a server restarted keeps its history).
func (a LimitCounters) Add(b LimitCounters) LimitCounters {
	return LimitCounters{
		Connections:         a.Connections + b.Connections,
		RejectedConnections: a.RejectedConnections + b.RejectedConnections,
		BusyRequests:        a.BusyRequests + b.BusyRequests,
		FramesTooLarge:      a.FramesTooLarge + b.FramesTooLarge,
		HeadersTooLarge:     a.HeadersTooLarge + b.HeadersTooLarge,
		MalformedFrames:     a.MalformedFrames + b.MalformedFrames,
		IdleClosed:          a.IdleClosed + b.IdleClosed,
		SlowFrames:          a.SlowFrames + b.SlowFrames,
		TLSRejected:         a.TLSRejected + b.TLSRejected,
		HandshakeFailures:   a.HandshakeFailures + b.HandshakeFailures,
		ReadPauses:          a.ReadPauses + b.ReadPauses,
	}
}

// limitStats are an endpoint's counters.
type limitStats struct {
	rejectedConns, busy, framesTooLarge, headersTooLarge, malformed atomic.Int64
	idleClosed, slowFrames, tlsRejected, handshakeFailures          atomic.Int64
	readPauses                                                      atomic.Int64
}

func (s *limitStats) snapshot() LimitCounters {
	return LimitCounters{
		RejectedConnections: s.rejectedConns.Load(),
		BusyRequests:        s.busy.Load(),
		FramesTooLarge:      s.framesTooLarge.Load(),
		HeadersTooLarge:     s.headersTooLarge.Load(),
		MalformedFrames:     s.malformed.Load(),
		IdleClosed:          s.idleClosed.Load(),
		SlowFrames:          s.slowFrames.Load(),
		TLSRejected:         s.tlsRejected.Load(),
		HandshakeFailures:   s.handshakeFailures.Load(),
		ReadPauses:          s.readPauses.Load(),
	}
}

// Limits returns what the server enforces and what it has refused so far.
func (s *Server) Limits() (LimitSettings, LimitCounters) {
	s.mu.Lock()
	open := int64(len(s.conns))
	s.mu.Unlock()
	c := s.ep.stats.snapshot()
	c.Connections = open
	mode := s.cfg.tlsMode
	if s.cfg.tlsConfig != nil && !s.cfg.tlsModeSet {
		mode = TLSEnforcing
	}
	return LimitSettings{
		MaxConnections:      s.cfg.maxConnections,
		MaxInflightRequests: s.cfg.maxInflight,
		MaxFrameSize:        s.cfg.maxFrameSize,
		MaxHeaderSize:       s.cfg.maxHeaderSize,
		IdleTimeout:         s.cfg.idleTimeout,
		FrameReadTimeout:    s.cfg.frameReadTimeout,
		MaxUnwrittenBytes:   s.cfg.maxUnwritten,
		TLSMode:             mode,
	}, c
}

type serverOnlyOption func(*serverConfig)

func (o serverOnlyOption) applyServer(c *serverConfig) { o(c) }

// WithMaxConnections bounds the connections open at once; a connection beyond it is closed as
// soon as it is accepted, and counted. 0 removes the bound. Default DefaultMaxConnections.
func WithMaxConnections(n int) ServerOption {
	return serverOnlyOption(func(c *serverConfig) { c.maxConnections = n })
}

// WithMaxInflightRequests bounds the requests of one connection queued or being served; a
// request beyond it is answered SYSTEM_BUSY with OverloadRemark (a oneway one is dropped), and
// counted; a peer that goes on while more than a maximum frame of those answers waits unread
// is closed. Requests answered later (long polling) stop counting once their handler returns.
// 0 removes the bound. Default DefaultMaxInflightRequests.
func WithMaxInflightRequests(n int) ServerOption {
	return serverOnlyOption(func(c *serverConfig) { c.maxInflight = n })
}

// WithMaxUnwrittenBytes bounds the answers that may wait unsent to one peer: past it, the
// server reads no more of that peer's requests until half of them are sent, and counts the
// pause. A peer that reads its answers never notices; one that floods requests without reading
// stalls itself, and the idle timeout closes it if it stays so. 0 removes the bound. Default
// DefaultMaxUnwrittenBytes.
func WithMaxUnwrittenBytes(n int) ServerOption {
	return serverOnlyOption(func(c *serverConfig) { c.maxUnwritten = n })
}

// WithMaxHeaderSize sets the largest frame header accepted from the peer; a bigger one
// closes the connection. 0 leaves only the format's own bound (16 MiB). Default
// DefaultMaxHeaderSize.
func WithMaxHeaderSize(n int) Option {
	return sharedOption(func(c *endpointConfig) { c.maxHeaderSize = n })
}

// WithFrameReadTimeout bounds the time from a frame's first byte to its last (and a TLS
// handshake's, on a server); a peer slower than that is closed, and counted. 0 removes the
// bound, leaving the idle timeout. Default DefaultFrameReadTimeout.
func WithFrameReadTimeout(d time.Duration) Option {
	return sharedOption(func(c *endpointConfig) { c.frameReadTimeout = d })
}

// WithTLSMode sets which connections a Server takes: TLSDisabled (plain only), TLSPermissive
// (plain and TLS on one port) or TLSEnforcing (TLS only). With a TLS mode and no WithTLS
// configuration, the server makes a self-signed certificate when it starts serving
// (SelfSignedTLS), as a Java server in its default test mode does. Default: TLSEnforcing with
// WithTLS, TLSDisabled without.
func WithTLSMode(m TLSMode) ServerOption {
	return serverOnlyOption(func(c *serverConfig) {
		c.tlsMode = m
		c.tlsModeSet = true
	})
}

// serverTLS returns the configuration and mode connections are accepted with, making the
// self-signed certificate on first use.
func (s *Server) serverTLS() (*tls.Config, TLSMode, error) {
	s.tlsOnce.Do(func() {
		s.tlsCfg = s.cfg.tlsConfig
		s.mode = s.cfg.tlsMode
		if !s.cfg.tlsModeSet {
			s.mode = TLSDisabled
			if s.tlsCfg != nil {
				s.mode = TLSEnforcing
			}
		}
		if s.mode != TLSDisabled && s.tlsCfg == nil {
			s.tlsCfg, s.tlsErr = SelfSignedTLS()
		}
	})
	return s.tlsCfg, s.mode, s.tlsErr
}
