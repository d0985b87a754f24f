// Package testcert makes throw-away self-signed certificates for TLS tests: good ones, expired
// ones and ones for other hosts.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// New returns a server configuration with a fresh certificate for "localhost" and 127.0.0.1,
// and a client configuration that trusts it.
func New(tb testing.TB) (server, client *tls.Config) {
	tb.Helper()
	return Make(tb, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "localhost", "127.0.0.1")
}

// Expired is New with a certificate that expired an hour ago; the client still trusts it.
func Expired(tb testing.TB) (server, client *tls.Config) {
	tb.Helper()
	return Make(tb, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), "localhost", "127.0.0.1")
}

// Make returns a server configuration with a certificate for hosts (DNS names or IP
// addresses), valid from notBefore to notAfter, and a client configuration that trusts it.
func Make(tb testing.TB, notBefore, notAfter time.Time, hosts ...string) (server, client *tls.Config) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "rocketsim test"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
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
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}
