package remoting

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/internal/testkit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testNet is a network the transport tests run over: real loopback TCP or a MemNetwork.
type testNet struct {
	name   string
	listen func(tb testing.TB) net.Listener
	dial   DialFunc
	mem    *MemNetwork // nil for TCP
}

func tcpNet() testNet {
	var d net.Dialer
	return testNet{
		name: "tcp",
		listen: func(tb testing.TB) net.Listener {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(tb, err)
			return l
		},
		dial: d.DialContext,
	}
}

func memNet() testNet {
	n := NewMemNetwork()
	return testNet{
		name: "memnet",
		listen: func(tb testing.TB) net.Listener {
			l, err := n.Listen("server:0")
			require.NoError(tb, err)
			return l
		},
		dial: n.Dial,
		mem:  n,
	}
}

// eachNet runs f once over loopback TCP and once over a fresh MemNetwork.
func eachNet(t *testing.T, f func(t *testing.T, nw testNet)) {
	t.Helper()
	for _, mk := range []func() testNet{tcpNet, memNet} {
		nw := mk()
		t.Run(nw.name, func(t *testing.T) { f(t, nw) })
	}
}

// startServer starts a server on a new listener of nw; it is closed when the test ends.
func startServer(t *testing.T, nw testNet, opts ...ServerOption) (*Server, string) {
	t.Helper()
	s := NewServer(opts...)
	return s, testkit.Serve(t, s, nw.listen(t))
}

func newClient(t *testing.T, nw testNet, opts ...ClientOption) *Client {
	t.Helper()
	c := NewClient(append([]ClientOption{WithDialer(nw.dial)}, opts...)...)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// echo answers SUCCESS with the request's body and extFields.
func echo(_ context.Context, req *Request) *Command {
	resp := NewResponse(req.Command, Success, "")
	resp.Body = req.Command.Body
	resp.ExtFields = req.Command.ExtFields
	return resp
}

func request(code int32, body string) *Command {
	return NewRequest(code, nil, []byte(body))
}

func timeoutCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// stash is a handler that answers nothing and keeps the requests for the test to answer later.
type stash struct {
	mu      sync.Mutex
	reqs    []*Request
	arrived chan *Request
}

func newStash(buffer int) *stash { return &stash{arrived: make(chan *Request, buffer)} }

func (s *stash) handle(_ context.Context, req *Request) *Command {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	s.arrived <- req
	return nil
}

// logBuffer collects what a slog.Logger writes, for asserting on logged reasons.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// writeFrame writes cmd on a raw connection, for tests that play a misbehaving peer.
func writeFrame(t *testing.T, w io.Writer, cmd *Command) {
	t.Helper()
	frame, err := cmd.Encode()
	require.NoError(t, err)
	_, err = w.Write(frame)
	require.NoError(t, err)
}

func dialRaw(t *testing.T, nw testNet, addr string) net.Conn {
	t.Helper()
	c, err := nw.dial(t.Context(), "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func itoa(i int) string { return strconv.Itoa(i) }

func requireContains(t *testing.T, s, sub string) {
	t.Helper()
	require.True(t, strings.Contains(s, sub), "%q does not contain %q", s, sub)
}

// watchedListener tells the test when Accept is first called and when the listener closes.
type watchedListener struct {
	net.Listener
	accepting  chan struct{}
	closed     chan struct{}
	acceptOnce sync.Once
	closeOnce  sync.Once
}

func watchListener(l net.Listener) *watchedListener {
	return &watchedListener{Listener: l, accepting: make(chan struct{}), closed: make(chan struct{})}
}

func (w *watchedListener) Accept() (net.Conn, error) {
	w.acceptOnce.Do(func() { close(w.accepting) })
	return w.Listener.Accept()
}

func (w *watchedListener) Close() error {
	err := w.Listener.Close()
	w.closeOnce.Do(func() { close(w.closed) })
	return err
}
