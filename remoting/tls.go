package remoting

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// TLSMode is how a Server treats TLS, as Java's tls.server.mode (TlsSystemConfig.tlsMode).
type TLSMode int

const (
	// TLSDisabled serves plain connections only; a peer that opens with a TLS handshake is
	// closed, as Java's HandshakeHandler does in DISABLED mode.
	TLSDisabled TLSMode = iota
	// TLSPermissive serves plain and TLS connections on the same port, told apart by their
	// first byte. It is the default of a real 4.9.7 server.
	TLSPermissive
	// TLSEnforcing serves TLS connections only; a plain peer is closed.
	TLSEnforcing
)

// tlsHandshakeRecord is the first byte of every TLS connection (a handshake record's content
// type); no RocketMQ frame starts with it below a 352 MiB length word.
const tlsHandshakeRecord = 0x16

// String is Java's name of the mode (TlsMode.getName).
func (m TLSMode) String() string {
	switch m {
	case TLSDisabled:
		return "disabled"
	case TLSPermissive:
		return "permissive"
	case TLSEnforcing:
		return "enforcing"
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// ParseTLSMode reads Java's names of the modes: disabled, permissive, enforcing.
func ParseTLSMode(s string) (TLSMode, error) {
	for _, m := range []TLSMode{TLSDisabled, TLSPermissive, TLSEnforcing} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("remoting: unknown TLS mode %q (want disabled, permissive or enforcing)", s)
}

// SelfSignedTLS returns a server configuration with a fresh self-signed certificate (ECDSA
// P-256, valid from an hour ago for a year) naming hosts (DNS names or IP addresses;
// "localhost" and 127.0.0.1 when none are given). It is what a Java server uses when
// tls.test.mode.enable is on (its default), and what a Server with a TLS mode but no
// certificate uses. Clients can only verify it by trusting it explicitly.
func SelfSignedTLS(hosts ...string) (*tls.Config, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("remoting: self-signed certificate: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("remoting: self-signed certificate: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "rocketsim self-signed", Organization: []string{"rocketsim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("remoting: self-signed certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("remoting: self-signed certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}}, nil
}

// ErrTLSRequired is the cause of a connection closed because it did not start with a TLS
// handshake on a server in TLSEnforcing mode.
var ErrTLSRequired = errors.New("remoting: plain connection refused: this server enforces TLS")

// ErrTLSDisabled is the cause of a connection closed because it started a TLS handshake on a
// server in TLSDisabled mode.
var ErrTLSDisabled = errors.New("remoting: TLS handshake refused: TLS is disabled on this server")

// sniffedConn reads what the sniffer already buffered before reading the connection itself.
type sniffedConn struct {
	net.Conn
	br *bufio.Reader
}

func (c sniffedConn) Read(b []byte) (int, error) { return c.br.Read(b) }

// establishServer decides, from the first byte the peer sends, whether the connection is TLS
// or plain, refuses what the server's mode does not allow, and completes the TLS handshake
// within the frame-read timeout. It returns the stream to read frames from and to write to.
func (c *Conn) establishServer(tlsCfg *tls.Config, mode TLSMode) (read *bufio.Reader, stream net.Conn, err error) {
	// The first byte is read on its own, so that a peer that connects and says nothing, or is
	// refused by its first byte, never holds a read buffer.
	if _, err := io.ReadFull(c.raw, c.first.b[:]); err != nil {
		return nil, nil, err
	}
	isTLS := c.first.b[0] == tlsHandshakeRecord
	switch {
	case isTLS && (mode == TLSDisabled || tlsCfg == nil):
		c.ep.stats.tlsRejected.Add(1)
		return nil, nil, ErrTLSDisabled
	case !isTLS && mode == TLSEnforcing:
		c.ep.stats.tlsRejected.Add(1)
		return nil, nil, ErrTLSRequired
	}
	c.first.r = c.raw
	br := c.borrowReader(&c.first)
	if !isTLS {
		return br, c.raw, nil
	}
	tc := tls.Server(sniffedConn{Conn: c.raw, br: br}, tlsCfg)
	if d := c.ep.cfg.frameReadTimeout; d > 0 {
		_ = c.raw.SetReadDeadline(time.Now().Add(d))
	}
	if err := tc.HandshakeContext(c.ctx); err != nil {
		if errors.Is(err, errDeadline) {
			c.ep.stats.slowFrames.Add(1)
		} else {
			c.ep.stats.handshakeFailures.Add(1)
		}
		return nil, nil, fmt.Errorf("remoting: TLS handshake failed: %w", err)
	}
	_ = c.raw.SetReadDeadline(time.Time{})
	return c.borrowReader(tc), tc, nil
}

// firstByteReader reads the byte establishServer took to tell TLS from plain, then the
// connection.
type firstByteReader struct {
	b     [1]byte
	given bool
	r     io.Reader
}

func (f *firstByteReader) Read(p []byte) (int, error) {
	if f.given || len(p) == 0 {
		return f.r.Read(p)
	}
	p[0] = f.b[0]
	f.given = true
	return 1, nil
}

// readBuffers lends server connections their read buffers, from the peer's first byte until the
// read loop ends: the short-lived connections of junk or refused peers reuse the same few
// buffers instead of leaving one to the garbage collector each.
var readBuffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

// borrowReader takes a read buffer over r; releaseReaders gives it back.
func (c *Conn) borrowReader(r io.Reader) *bufio.Reader {
	br := readBuffers.Get().(*bufio.Reader)
	br.Reset(r)
	for i := range c.borrowed {
		if c.borrowed[i] == nil {
			c.borrowed[i] = br
			break
		}
	}
	c.ep.readBuffersLent.Add(1)
	return br
}

// releaseReaders gives the connection's read buffers back; only the read loop calls it, when it
// is done reading (nothing else reads a server connection, and commands never alias the
// buffer: ReadCommand copies each frame out).
func (c *Conn) releaseReaders() {
	for i, br := range c.borrowed {
		if br != nil {
			br.Reset(nil)
			readBuffers.Put(br)
			c.borrowed[i] = nil
			c.ep.readBuffersLent.Add(-1)
		}
	}
}
