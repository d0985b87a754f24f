package remoting

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestUnknownCode(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		t.Run("answered", func(t *testing.T) {
			_, addr := startServer(t, nw)
			c := newClient(t, nw)
			for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
				req := request(9999, "")
				req.SerializeType = st
				resp, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, req)
				require.NoError(t, err)
				require.Equal(t, RequestCodeNotSupported, resp.Code)
				require.Equal(t, " request type 9999 not supported", resp.Remark)
				require.Equal(t, SerializeJSON, resp.SerializeType, "Java writes this answer in JSON whatever the request's type")
			}
		})
		t.Run("ignored like the name server", func(t *testing.T) {
			srv, addr := startServer(t, nw, WithIgnoreUnknownCodes(true))
			seen := make(chan int32, 1)
			srv.Use(func(next Handler) Handler {
				return func(ctx context.Context, req *Request) *Command {
					seen <- req.Command.Code
					return next(ctx, req)
				}
			})
			c := newClient(t, nw)
			// Connect first, on a budget of its own: the short deadline below is for the answer
			// that never comes, not for a dial on a busy machine.
			_, err := c.Conn(timeoutCtx(t, 10*time.Second), addr)
			require.NoError(t, err)
			_, err = c.Invoke(timeoutCtx(t, 50*time.Millisecond), addr, request(9999, ""))
			require.ErrorIs(t, err, ErrTimeout)
			require.EqualValues(t, 9999, <-seen, "interceptors see unknown codes too")
		})
	})
}

func TestOnewayRequestIsNeverAnswered(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		srv.Handle(CodeHeartBeat, echo)
		nc := dialRaw(t, nw, addr)
		oneway := request(CodeHeartBeat, "oneway")
		oneway.Opaque, oneway.Flag = 1, FlagOneway
		normal := request(CodeHeartBeat, "normal")
		normal.Opaque = 2
		writeFrame(t, nc, oneway)
		writeFrame(t, nc, normal)
		got, err := NewFrameReader(nc, 0).ReadCommand()
		require.NoError(t, err)
		require.EqualValues(t, 2, got.Opaque, "the first frame back answers the normal request")
		require.Equal(t, "normal", string(got.Body))
	})
}

func TestInterceptors(t *testing.T) {
	type tc struct {
		name    string
		timeout time.Duration // 0: 5 s
		ic      func(gate chan struct{}) Interceptor
		check   func(t *testing.T, resp *Command, err error)
	}
	cases := []tc{
		{
			name: "delay",
			ic: func(gate chan struct{}) Interceptor {
				return func(next Handler) Handler {
					return func(ctx context.Context, req *Request) *Command {
						<-gate
						return next(ctx, req)
					}
				}
			},
			check: func(t *testing.T, resp *Command, err error) {
				require.NoError(t, err)
				require.Equal(t, "payload", string(resp.Body))
			},
		},
		{
			name:    "drop",
			timeout: 100 * time.Millisecond,
			ic: func(chan struct{}) Interceptor {
				return func(Handler) Handler {
					return func(context.Context, *Request) *Command { return nil }
				}
			},
			check: func(t *testing.T, _ *Command, err error) { require.ErrorIs(t, err, ErrTimeout) },
		},
		{
			name: "answer a code",
			ic: func(chan struct{}) Interceptor {
				return func(Handler) Handler {
					return func(_ context.Context, req *Request) *Command {
						return NewResponse(req.Command, SystemBusy, "[PC_SYNCHRONIZED]broker busy")
					}
				}
			},
			check: func(t *testing.T, resp *Command, err error) {
				require.NoError(t, err)
				require.Equal(t, SystemBusy, resp.Code)
				require.Equal(t, "[PC_SYNCHRONIZED]broker busy", resp.Remark)
			},
		},
		{
			name: "replace the answer",
			ic: func(chan struct{}) Interceptor {
				return func(next Handler) Handler {
					return func(ctx context.Context, req *Request) *Command {
						resp := next(ctx, req)
						resp.Body = append([]byte("changed "), resp.Body...)
						return resp
					}
				}
			},
			check: func(t *testing.T, resp *Command, err error) {
				require.NoError(t, err)
				require.Equal(t, "changed payload", string(resp.Body))
			},
		},
		{
			name: "close the connection",
			ic: func(chan struct{}) Interceptor {
				return func(Handler) Handler {
					return func(_ context.Context, req *Request) *Command {
						req.Conn.Close()
						return nil
					}
				}
			},
			check: func(t *testing.T, _ *Command, err error) { require.ErrorIs(t, err, ErrConnectionClosed) },
		},
		{
			name: "corrupt the answer",
			ic: func(chan struct{}) Interceptor {
				return func(Handler) Handler {
					return func(ctx context.Context, req *Request) *Command {
						_ = req.Conn.WriteRaw(ctx, []byte{0, 0, 0, 5, 0, 0, 0, 99, '{'})
						return nil
					}
				}
			},
			check: func(t *testing.T, _ *Command, err error) {
				require.ErrorIs(t, err, ErrConnectionClosed)
				require.ErrorIs(t, err, ErrMalformedFrame, "the client closed the connection over the bad frame")
			},
		},
	}
	eachNet(t, func(t *testing.T, nw testNet) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				srv, addr := startServer(t, nw)
				srv.Handle(CodeSendMessage, echo)
				type seen struct {
					req  *Command
					resp *Command
				}
				history := make(chan seen, 10)
				recordHistory := func(next Handler) Handler {
					return func(ctx context.Context, req *Request) *Command {
						resp := next(ctx, req)
						history <- seen{req.Command, resp}
						return resp
					}
				}
				gate := make(chan struct{})
				srv.Use(recordHistory, tc.ic(gate))
				c := newClient(t, nw)
				result := make(chan error, 1)
				var resp *Command
				timeout := cmp.Or(tc.timeout, 5*time.Second)
				go func() {
					var err error
					resp, err = c.Invoke(timeoutCtx(t, timeout), addr, request(CodeSendMessage, "payload"))
					result <- err
				}()
				close(gate)
				err := <-result
				tc.check(t, resp, err)
				h := <-history
				require.Equal(t, CodeSendMessage, h.req.Code, "the outer interceptor saw the request")
				require.Empty(t, history)
			})
		}
	})
}

func TestHandlerPanicAnswersSystemError(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		logs := &logBuffer{}
		srv, addr := startServer(t, nw, WithLogger(logs.logger()))
		srv.Handle(CodeSendMessage, func(context.Context, *Request) *Command { panic("boom") })
		srv.Handle(CodeHeartBeat, echo)
		c := newClient(t, nw)
		req := request(CodeSendMessage, "")
		req.SerializeType = SerializeRocketMQ
		resp, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, req)
		require.NoError(t, err)
		require.Equal(t, SystemError, resp.Code)
		require.Equal(t, "boom", resp.Remark)
		require.Equal(t, SerializeJSON, resp.SerializeType, "Java writes an exception's answer in JSON")
		req = request(CodeHeartBeat, "")
		req.SerializeType = SerializeRocketMQ
		resp, err = c.Invoke(timeoutCtx(t, 5*time.Second), addr, req)
		require.NoError(t, err, "the connection survives")
		require.Equal(t, SerializeRocketMQ, resp.SerializeType, "a handler's answer keeps the request's type")
		requireContains(t, logs.String(), "handler panicked")
	})
}

func TestRequestKnowsItsConnection(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		reqs := make(chan *Request, 1)
		ended := make(chan struct{})
		srv.Handle(CodeSendMessage, func(ctx context.Context, req *Request) *Command {
			reqs <- req
			<-ctx.Done() // a handler learns that its connection closed
			close(ended)
			return nil
		})
		closed := make(chan ConnInfo, 1)
		srv.OnConnClose(func(ci ConnInfo) { closed <- ci })
		c := newClient(t, nw)
		go func() { _, _ = c.Invoke(timeoutCtx(t, time.Minute), addr, request(CodeSendMessage, "")) }()
		req := <-reqs
		conn, err := c.Conn(t.Context(), addr)
		require.NoError(t, err)
		require.Equal(t, conn.LocalAddr(), req.Conn.RemoteAddr())
		require.Equal(t, conn.RemoteAddr(), req.Conn.LocalAddr())
		require.Equal(t, addr, conn.RemoteAddr())
		require.Equal(t, netip.MustParseAddrPort(conn.LocalAddr()), req.Conn.RemoteAddrPort())
		require.False(t, req.Received.IsZero())
		require.True(t, req.Conn.Alive())

		c.CloseConn(addr)
		<-req.Conn.Done()
		<-ended
		ci := <-closed
		require.Equal(t, req.Conn.Info(), ci)
		require.Error(t, req.Conn.Err())
	})
}

func TestRespondLater(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		held := newStash(1)
		srv.Handle(CodePullMessage, held.handle)
		c := newClient(t, nw)
		result := make(chan *Command, 1)
		c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodePullMessage, ""), func(resp *Command, err error) {
			require.NoError(t, err)
			result <- resp
		})
		req := <-held.arrived
		require.NoError(t, req.Respond(NewResponse(req.Command, PullNotFound, "long poll over")))
		require.Equal(t, PullNotFound, (<-result).Code)
	})
}

// memServer starts a server with opts on a new MemNetwork, listening at broker-a:10911, and
// closes it when the test ends (inside the bubble, for a test in one).
func memServer(t *testing.T, opts ...ServerOption) (*MemNetwork, *Server) {
	t.Helper()
	mem := NewMemNetwork()
	srv := NewServer(opts...)
	l, err := mem.Listen("broker-a:10911")
	require.NoError(t, err)
	require.NoError(t, srv.Start(l))
	t.Cleanup(func() { _ = srv.Close() })
	return mem, srv
}

func TestGracefulShutdown(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv := NewServer()
		l := watchListener(nw.listen(t))
		require.NoError(t, srv.Start(l))
		t.Cleanup(func() { _ = srv.Close() })
		addr := l.Addr().String()
		arrived := make(chan struct{})
		gate := make(chan struct{})
		srv.Handle(CodeSendMessage, func(ctx context.Context, req *Request) *Command {
			close(arrived)
			<-gate
			return echo(ctx, req)
		})
		closed := make(chan ConnInfo, 1)
		srv.OnConnClose(func(ci ConnInfo) { closed <- ci })
		c := newClient(t, nw)
		result := make(chan error, 1)
		c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodeSendMessage, "in flight"), func(resp *Command, err error) {
			if err == nil && string(resp.Body) != "in flight" {
				err = errors.New("wrong answer")
			}
			result <- err
		})
		<-arrived

		shut := make(chan error, 1)
		go func() { shut <- srv.Shutdown(timeoutCtx(t, time.Minute)) }()
		// Shutdown closes the listener first: new connections are refused.
		<-l.closed
		other := NewClient(WithDialer(nw.dial))
		defer other.Close()
		_, err := other.Conn(t.Context(), addr)
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with a handler in flight", err)
		default:
		}

		close(gate)
		require.NoError(t, <-result, "the request in flight was answered")
		require.NoError(t, <-shut)
		<-closed
		require.ErrorIs(t, srv.Serve(nw.listen(t)), ErrServerClosed)
	})
}

func TestShutdownDeadlineClosesEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		l, err := mem.Listen("srv:1")
		require.NoError(t, err)
		srv := NewServer()
		require.NoError(t, srv.Start(l))
		handlerSawClose := make(chan struct{})
		srv.Handle(CodeSendMessage, func(ctx context.Context, _ *Request) *Command {
			<-ctx.Done()
			close(handlerSawClose)
			return nil
		})
		c := NewClient(WithDialer(mem.Dial))
		defer c.Close()
		result := make(chan error, 1)
		go func() {
			_, err := c.Invoke(t.Context(), "srv:1", request(CodeSendMessage, ""))
			result <- err
		}()
		synctest.Wait()

		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		require.ErrorIs(t, srv.Shutdown(ctx), context.DeadlineExceeded)
		require.Equal(t, 10*time.Second, time.Since(start))
		require.ErrorIs(t, <-result, ErrConnectionClosed)
		<-handlerSawClose
	})
}

func TestServeReturnsAfterShutdown(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv := NewServer()
		l := watchListener(nw.listen(t))
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		<-l.accepting
		require.Equal(t, l.Addr().String(), srv.Addr().String())
		require.NoError(t, srv.Shutdown(t.Context()))
		require.ErrorIs(t, <-served, ErrServerClosed)
		require.ErrorIs(t, srv.Start(nw.listen(t)), ErrServerClosed)
	})
}

func TestIdleConnectionsClose(t *testing.T) {
	cases := []struct {
		name       string
		serverIdle time.Duration
		clientIdle time.Duration
		wantClosed time.Duration // 0: never
	}{
		{"server default 120s", DefaultIdleTimeout, 0, DefaultIdleTimeout},
		{"client default 120s", 0, DefaultIdleTimeout, DefaultIdleTimeout},
		{"server configured", 30 * time.Second, 0, 30 * time.Second},
		{"disabled on both", 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := NewMemNetwork()
				l, err := mem.Listen("namesrv:9876")
				require.NoError(t, err)
				srv := NewServer(WithIdleTimeout(tc.serverIdle))
				require.NoError(t, srv.Start(l))
				defer srv.Close()
				srv.Handle(CodeHeartBeat, echo)
				var closedAt atomic.Int64
				srv.OnConnClose(func(ConnInfo) { closedAt.Store(time.Now().UnixNano()) })
				c := NewClient(WithDialer(mem.Dial), WithIdleTimeout(tc.clientIdle))
				defer c.Close()

				_, err = c.Invoke(t.Context(), "namesrv:9876", request(CodeHeartBeat, ""))
				require.NoError(t, err)
				// Traffic half-way through pushes the idle deadline back.
				time.Sleep(10 * time.Second)
				_, err = c.Invoke(t.Context(), "namesrv:9876", request(CodeHeartBeat, ""))
				require.NoError(t, err)
				start := time.Now()

				if tc.wantClosed == 0 {
					time.Sleep(time.Hour)
					synctest.Wait()
					require.True(t, c.IsConnected("namesrv:9876"))
					return
				}
				time.Sleep(tc.wantClosed - time.Nanosecond)
				synctest.Wait()
				require.True(t, c.IsConnected("namesrv:9876"))
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				require.False(t, c.IsConnected("namesrv:9876"))
				require.Equal(t, tc.wantClosed, time.Unix(0, closedAt.Load()).Sub(start))
			})
		})
	}
}

func TestBadFrameClosesOnlyThatConnection(t *testing.T) {
	frameOfLength := func(length uint32, rest ...byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, length), rest...)
	}
	cases := []struct {
		name   string
		bytes  []byte
		reason string
	}{
		{"malformed JSON header", frameOfLength(9, 0, 0, 0, 5, 'n', 'o', 't', '{', '}'), "malformed frame"},
		{"header longer than frame", frameOfLength(8, 0, 0, 0, 200, 0, 0, 0, 0), "malformed frame"},
		{"length over the limit", frameOfLength(64 << 10), "frame too large"},
		{"length word too small", frameOfLength(2), "malformed frame"},
	}
	eachNet(t, func(t *testing.T, nw testNet) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				logs := &logBuffer{}
				srv, addr := startServer(t, nw, WithLogger(logs.logger()), WithMaxFrameSize(32<<10))
				srv.Handle(CodeHeartBeat, echo)
				closed := make(chan ConnInfo, 2)
				srv.OnConnClose(func(ci ConnInfo) { closed <- ci })
				good := newClient(t, nw)
				_, err := good.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
				require.NoError(t, err)

				bad := dialRaw(t, nw, addr)
				_, err = bad.Write(tc.bytes)
				require.NoError(t, err)
				_, err = io.ReadAll(bad)
				if err != nil {
					// TCP reports a close with unread input as a reset.
					require.ErrorIs(t, err, syscall.ECONNRESET)
				}
				require.Equal(t, bad.LocalAddr().String(), (<-closed).RemoteAddr)

				resp, err := good.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, "still here"))
				require.NoError(t, err)
				require.Equal(t, "still here", string(resp.Body))
				require.Len(t, srv.Conns(), 1)
				requireContains(t, logs.String(), "bad frame")
				requireContains(t, logs.String(), tc.reason)
			})
		}
	})
}

func TestHandleDefault(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		srv.HandleDefault(func(_ context.Context, req *Request) *Command {
			return NewResponse(req.Command, RequestCodeNotSupported, "mine")
		})
		c := newClient(t, nw)
		req := request(9999, "")
		req.SerializeType = SerializeRocketMQ
		resp, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, req)
		require.NoError(t, err)
		require.Equal(t, "mine", resp.Remark)
		require.Equal(t, SerializeRocketMQ, resp.SerializeType)

		srv.HandleDefault(nil)
		resp, err = c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(9999, ""))
		require.NoError(t, err)
		require.Equal(t, " request type 9999 not supported", resp.Remark)
	})
}

func TestHandlersRunConcurrentlyOnWorkersThatAreReused(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		release := make(chan struct{})
		srv.Handle(CodePullMessage, func(_ context.Context, req *Request) *Command {
			<-release // a handler that takes its time must not hold up the connection's others
			return NewResponse(req.Command, Success, "")
		})
		srv.Handle(CodeHeartBeat, echo)
		c := newClient(t, nw)
		slow := make(chan callResult, 1)
		c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodePullMessage, ""), func(resp *Command, err error) {
			slow <- callResult{resp, err}
		})

		resp, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err, "answered while the slow handler still runs")
		require.Equal(t, Success, resp.Code)
		close(release)
		late := <-slow
		require.NoError(t, late.err)
		require.Equal(t, Success, late.resp.Code)

		// One request at a time needs no new goroutine once a worker waits: a goroutine per
		// request would create 200 here (a few are allowed for the runtime's own).
		before := goroutinesCreated()
		for range 200 {
			_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
			require.NoError(t, err)
		}
		require.Less(t, goroutinesCreated()-before, uint64(20))
	})
}

// WithMaxConcurrentHandlers(2): a third request on the connection waits until one of the two
// running handlers returns, and is then served.
func TestMaxConcurrentHandlers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, srv := memServer(t, WithMaxConcurrentHandlers(2))
		var running atomic.Int32
		release := make(chan struct{})
		srv.Handle(CodePullMessage, func(ctx context.Context, req *Request) *Command {
			running.Add(1)
			defer running.Add(-1)
			<-release
			return echo(ctx, req)
		})
		c := NewClient(WithDialer(mem.Dial))
		defer c.Close()

		answered := make(chan error, 3)
		for range 3 {
			c.InvokeAsync(t.Context(), "broker-a:10911", request(CodePullMessage, ""), func(_ *Command, err error) {
				answered <- err
			})
		}
		synctest.Wait()
		require.EqualValues(t, 2, running.Load(), "the third request waits for a handler to return")
		release <- struct{}{}
		require.NoError(t, <-answered)
		synctest.Wait()
		require.EqualValues(t, 2, running.Load(), "then it runs")
		close(release)
		require.NoError(t, <-answered)
		require.NoError(t, <-answered)
	})
}

// TestIdleWorkersRetire: the workers a burst of concurrent requests started stay for the next
// request, exit once none came for a worker idle timeout, and the connection goes on serving.
func TestIdleWorkersRetire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, srv := memServer(t, WithWorkerIdleTimeout(time.Second))
		const burst = 32
		var arrived sync.WaitGroup
		arrived.Add(burst)
		release := make(chan struct{})
		srv.Handle(CodePullMessage, func(ctx context.Context, req *Request) *Command {
			arrived.Done()
			<-release
			return echo(ctx, req)
		})
		srv.Handle(CodeHeartBeat, echo)
		c := NewClient(WithDialer(mem.Dial))
		defer c.Close()

		var answered sync.WaitGroup
		for range burst {
			answered.Add(1)
			c.InvokeAsync(t.Context(), "broker-a:10911", request(CodePullMessage, ""), func(_ *Command, err error) {
				defer answered.Done()
				if err != nil {
					t.Error(err)
				}
			})
		}
		arrived.Wait()
		require.Equal(t, burst, connWorkers(t), "one worker per request in flight")
		close(release)
		answered.Wait()

		// Retired between one and two idle timeouts after the last request.
		time.Sleep(time.Second - time.Millisecond)
		synctest.Wait()
		require.Equal(t, burst, connWorkers(t), "still waiting for the next request")
		time.Sleep(time.Second + 2*time.Millisecond)
		synctest.Wait()
		require.Zero(t, connWorkers(t), "retired after the idle timeout")

		resp, err := c.Invoke(t.Context(), "broker-a:10911", request(CodeHeartBeat, ""))
		require.NoError(t, err)
		require.Equal(t, Success, resp.Code)
	})
}

// connWorkers counts the goroutines running Conn.work, from a goroutine profile.
func connWorkers(t *testing.T) int {
	var b strings.Builder
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&b, 2))
	n := 0
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "remoting.(*Conn).work(") {
			n++
		}
	}
	return n
}

func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// HandleInline serves a request on its connection's read goroutine: while an inline handler
// runs, the connection's next request is not even read (a real inline handler must therefore
// not block; this one does, to show where it runs). A request its condition refuses, every
// request once an interceptor added with Use (which may block) is in place, and every request
// an interceptor's UseInline condition refuses go to a worker as with Handle, so the next
// request is served meanwhile.
func TestHandleInline(t *testing.T) {
	notSlow := func(cmd *Command) bool { return string(cmd.Body) != "slow" }
	pass := func(next Handler) Handler { return next }
	for _, tc := range []struct {
		name   string
		when   func(*Command) bool
		setup  func(*Server)
		inline bool
	}{
		{name: "inline", inline: true},
		{name: "its condition holds", when: func(cmd *Command) bool { return string(cmd.Body) == "slow" }, inline: true},
		{name: "its condition refuses", when: notSlow},
		{name: "an interceptor that may block", setup: func(s *Server) { s.Use(pass) }},
		{name: "an interceptor that does not block", setup: func(s *Server) { s.UseInline(nil, pass) }, inline: true},
		{name: "an interceptor's condition holds", setup: func(s *Server) { s.UseInline(func(*Command) bool { return true }, pass) }, inline: true},
		{name: "an interceptor's condition refuses", setup: func(s *Server) { s.UseInline(notSlow, pass) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem, srv := memServer(t)
				if tc.setup != nil {
					tc.setup(srv)
				}
				release := make(chan struct{})
				srv.HandleInline(CodeSendMessageV2, func(ctx context.Context, req *Request) *Command {
					if string(req.Command.Body) == "slow" {
						<-release
					}
					return echo(ctx, req)
				}, tc.when)
				var served atomic.Int32
				srv.Handle(CodeHeartBeat, func(ctx context.Context, req *Request) *Command {
					served.Add(1)
					return echo(ctx, req)
				})
				c := NewClient(WithDialer(mem.Dial))
				defer c.Close()

				answered := make(chan error, 2)
				for _, req := range []*Command{request(CodeSendMessageV2, "slow"), request(CodeHeartBeat, "")} {
					c.InvokeAsync(t.Context(), "broker-a:10911", req, func(_ *Command, err error) { answered <- err })
					synctest.Wait()
				}
				if tc.inline {
					require.Zero(t, served.Load(), "the next request waits for the inline handler")
				} else {
					require.EqualValues(t, 1, served.Load(), "the next request is served meanwhile")
					require.NoError(t, <-answered)
				}
				close(release)
				require.NoError(t, <-answered)
				if tc.inline {
					require.NoError(t, <-answered)
					require.EqualValues(t, 1, served.Load())
				}
			})
		})
	}
}

// Handle after HandleInline makes the code's handler an ordinary one again.
func TestHandleReplacesHandleInline(t *testing.T) {
	r := newRouter(false)
	r.handleInline(CodeSendMessageV2, echo, nil, false)
	cmd := request(CodeSendMessageV2, "")
	require.True(t, r.inlineFor(cmd))
	require.False(t, r.inlineFor(request(CodeHeartBeat, "")))
	r.handle(CodeSendMessageV2, echo)
	require.False(t, r.inlineFor(cmd))
	r.handleInline(CodeSendMessageV2, echo, nil, false)
	r.handle(CodeSendMessageV2, nil)
	require.False(t, r.inlineFor(cmd))
}

// A HandleInlineList handler served inline gets the header as the list read (no map), its
// condition and UseInline's see it so too; a request it does not serve inline, and every
// other handler, get the map.
func TestHandleInlineList(t *testing.T) {
	type seen struct {
		ext    map[string]string
		fields []Field
	}
	header := map[string]string{"a": "pg", "b": "T", "k": "1"}
	list := []Field{{"a", "pg"}, {"b", "T"}, {"k", "1"}}
	for _, tc := range []struct {
		name   string
		list   bool
		inline bool
		want   seen
	}{
		{name: "a list handler inline", list: true, inline: true, want: seen{fields: list}},
		{name: "a list handler on a worker", list: true, want: seen{ext: header}},
		{name: "an inline handler", inline: true, want: seen{ext: header}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem, srv := memServer(t)
				var when, guard, handler seen
				see := func(cmd *Command) seen { return seen{cmd.ExtFields, slices.Clone(cmd.Fields)} }
				cond := func(cmd *Command) bool { when = see(cmd); return tc.inline }
				h := func(ctx context.Context, req *Request) *Command {
					handler = see(req.Command)
					require.Equal(t, "T", req.Command.Ext("b"))
					resp := NewResponse(req.Command, Success, "")
					resp.ExtFields = req.Command.Header()
					return resp
				}
				srv.UseInline(func(cmd *Command) bool { guard = see(cmd); return true }, func(next Handler) Handler { return next })
				if tc.list {
					srv.HandleInlineList(CodeSendMessageV2, h, cond)
				} else {
					srv.HandleInline(CodeSendMessageV2, h, cond)
				}
				c := NewClient(WithDialer(mem.Dial))
				defer c.Close()
				resp, err := c.Invoke(t.Context(), "broker-a:10911", NewRequest(CodeSendMessageV2, header, nil))
				require.NoError(t, err)
				require.Equal(t, header, resp.ExtFields, "the answer read by the client has its map")
				require.Equal(t, tc.want, handler)
				if tc.list {
					require.Equal(t, seen{fields: list}, when, "a list handler's condition sees the list")
				}
				if tc.inline {
					require.Equal(t, tc.want, guard)
				}
			})
		})
	}
}

// An answer served inline while more requests wait in the read buffer is held for one write
// with theirs, but never past a wait of the read loop: here the loop waits for a handler
// slot that a worker holds until the client has read that answer.
func TestHeldAnswerGoesBeforeTheReadLoopWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithMaxConcurrentHandlers(1))
		srv.HandleInline(CodeSendMessageV2, echo, nil)
		gotFirst := make(chan struct{})
		srv.Handle(CodeHeartBeat, func(ctx context.Context, req *Request) *Command {
			select {
			case <-gotFirst:
			case <-ctx.Done():
			}
			return echo(ctx, req)
		})
		nc := memDial(t, mem, "broker-a:10911")
		fr := NewFrameReader(nc, 0)
		// A first request, so that the stream is established and the next write is read
		// into the buffer whole.
		writeFrame(t, nc, request(CodeSendMessageV2, ""))
		_, err := fr.ReadCommand()
		require.NoError(t, err)
		var frames []byte
		for i, code := range []int32{CodeSendMessageV2, CodeHeartBeat, CodeSendMessageV2} {
			req := request(code, "")
			req.Opaque = int32(i + 1)
			b, err := req.Encode()
			require.NoError(t, err)
			frames = append(frames, b...)
		}
		_, err = nc.Write(frames) // one write: all three wait in the server's read buffer
		require.NoError(t, err)
		first, err := fr.ReadCommand()
		require.NoError(t, err)
		require.EqualValues(t, 1, first.Opaque, "the inline answer, before the worker is let go")
		close(gotFirst)
		for range 2 {
			_, err := fr.ReadCommand()
			require.NoError(t, err)
		}
	})
}
