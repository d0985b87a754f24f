// Package testkit is the test plumbing that needs nothing of ours, so that every package's
// tests can share it, remoting's own included: remoting's tests cannot import
// remoting/remotingtest (it imports remoting), but they can import this.
package testkit

import (
	"log/slog"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// Quiet is a logger that writes nothing: it keeps the complaints a test provokes on purpose
// (bad frames, failed registrations, panicking handlers) out of the test output.
var Quiet = slog.New(slog.DiscardHandler)

// Service is a server that serves a listener it is given: a remoting.Server, a fake name server.
type Service interface {
	Start(net.Listener) error
	Close() error
}

// Serve starts s on l and closes it when the test ends, requiring both to succeed. It returns
// the address s listens on.
func Serve(tb testing.TB, s Service, l net.Listener) string {
	tb.Helper()
	require.NoError(tb, s.Start(l))
	tb.Cleanup(func() { require.NoError(tb, s.Close()) })
	return l.Addr().String()
}
