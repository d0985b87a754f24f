package remoting

import (
	"context"
	"errors"
	mrand "math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/internal/testcert"
)

func TestRoundTripInBothSerializeTypes(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		srv.Handle(CodeSendMessageV2, echo)
		c := newClient(t, nw)
		for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
			req := NewRequest(CodeSendMessageV2, map[string]string{"a": "1", "b": "topic"}, []byte("body"))
			req.SerializeType = st
			resp, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, req)
			require.NoError(t, err)
			require.Equal(t, st, resp.SerializeType, "answered in the request's serialize type")
			require.True(t, resp.IsResponse())
			require.Equal(t, req.Opaque, resp.Opaque)
			require.Equal(t, "body", string(resp.Body))
			require.Equal(t, "topic", resp.Ext("b"))
		}
	})
}

func TestTenThousandConcurrentRequestsOnOneConnection(t *testing.T) {
	const n = 10_000
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		held := newStash(n)
		srv.Handle(CodeSendMessage, held.handle)
		c := newClient(t, nw)

		var wrong, failed atomic.Int32
		var wg sync.WaitGroup
		wg.Add(n)
		for i := range n {
			want := "req-" + itoa(i)
			c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodeSendMessage, want), func(resp *Command, err error) {
				defer wg.Done()
				if err != nil {
					failed.Add(1)
				} else if string(resp.Body) != want {
					wrong.Add(1)
				}
			})
		}
		// All n are in flight at once before any is answered; answer them in random order.
		for range n {
			<-held.arrived
		}
		held.mu.Lock()
		reqs := slices.Clone(held.reqs)
		held.mu.Unlock()
		mrand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
		for _, r := range reqs {
			resp := NewResponse(r.Command, Success, "")
			resp.Body = r.Command.Body
			require.NoError(t, r.Respond(resp))
		}
		wg.Wait()
		require.Zero(t, failed.Load())
		require.Zero(t, wrong.Load(), "answers matched to the wrong requests")
		require.Len(t, srv.Conns(), 1, "all requests shared one connection")
	})
}

func TestConcurrentSyncInvokes(t *testing.T) {
	const goroutines, each = 500, 10
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		srv.Handle(CodeSendMessage, echo)
		c := newClient(t, nw)
		errs := make(chan error, goroutines)
		for g := range goroutines {
			go func() {
				for i := range each {
					want := itoa(g) + "/" + itoa(i)
					resp, err := c.Invoke(timeoutCtx(t, time.Minute), addr, request(CodeSendMessage, want))
					if err == nil && string(resp.Body) != want {
						err = errors.New("got " + string(resp.Body) + " for " + want)
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range goroutines {
			require.NoError(t, <-errs)
		}
		require.Len(t, srv.Conns(), 1)
	})
}

// TestAsyncCallbackRunsExactlyOnce brings about each outcome, then the events that could race
// it (a late answer, the connection closing, the client closing), and counts callbacks once
// every goroutine of the transport has exited.
func TestAsyncCallbackRunsExactlyOnce(t *testing.T) {
	type outcome struct {
		name    string
		timeout time.Duration
		// act brings about the outcome once the request is at the server (req nil when it
		// never gets there).
		act       func(c *Client, req *Request, cancel context.CancelFunc)
		wantErr   error
		toRefused bool
	}
	answer := func(_ *Client, req *Request, _ context.CancelFunc) {
		_ = req.Respond(NewResponse(req.Command, Success, ""))
	}
	outcomes := []outcome{
		{name: "success", timeout: time.Minute, act: answer},
		{name: "timeout", timeout: 50 * time.Millisecond, act: func(*Client, *Request, context.CancelFunc) {}, wantErr: ErrTimeout},
		{name: "cancel", timeout: time.Minute, act: func(_ *Client, _ *Request, cancel context.CancelFunc) { cancel() }, wantErr: context.Canceled},
		{name: "connection loss", timeout: time.Minute, act: func(_ *Client, req *Request, _ context.CancelFunc) { req.Conn.Close() }, wantErr: ErrConnectionClosed},
		{name: "client close", timeout: time.Minute, act: func(c *Client, _ *Request, _ context.CancelFunc) { c.Close() }, wantErr: ErrClientClosed},
		{name: "connect refused", timeout: time.Minute, toRefused: true, wantErr: syscall.ECONNREFUSED},
	}
	eachNet(t, func(t *testing.T, nw testNet) {
		for _, o := range outcomes {
			t.Run(o.name, func(t *testing.T) {
				before := goleak.IgnoreCurrent()
				srv := NewServer()
				l := nw.listen(t)
				require.NoError(t, srv.Start(l))
				addr := l.Addr().String()
				held := newStash(1)
				srv.Handle(CodeSendMessage, held.handle)
				c := NewClient(WithDialer(nw.dial))
				if o.toRefused {
					refusing := nw.listen(t)
					addr = refusing.Addr().String()
					require.NoError(t, refusing.Close())
				}

				var calls atomic.Int32
				first := make(chan error, 1)
				ctx, cancel := context.WithTimeout(t.Context(), o.timeout)
				defer cancel()
				c.InvokeAsync(ctx, addr, request(CodeSendMessage, "x"), func(_ *Command, err error) {
					if calls.Add(1) == 1 {
						first <- err
					}
				})
				var req *Request
				if !o.toRefused {
					req = <-held.arrived
					o.act(c, req, cancel)
				}
				err := <-first
				if o.wantErr == nil {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, o.wantErr)
				}

				// Everything else that could complete the request now happens too.
				if req != nil {
					answer(c, req, cancel)
					req.Conn.Close()
				}
				cancel()
				require.NoError(t, c.Close())
				require.NoError(t, srv.Close())
				goleak.VerifyNone(t, before)
				require.EqualValues(t, 1, calls.Load())
			})
		}
	})
}

func TestConnectionLossFailsPendingRequestsAtOnce(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		const each = 5
		held := newStash(2 * each)
		srv.Handle(CodeSendMessage, held.handle)
		srv.Handle(CodeHeartBeat, echo)
		var accepted atomic.Int32
		srv.OnConnOpen(func(*Conn) { accepted.Add(1) })
		c := newClient(t, nw)

		// Deadlines an hour away: if the requests were failed by their deadlines rather than by
		// the close, the test would hang.
		ctx := timeoutCtx(t, time.Hour)
		errs := make(chan error, 2*each)
		for range each {
			go func() {
				_, err := c.Invoke(ctx, addr, request(CodeSendMessage, "sync"))
				errs <- err
			}()
			c.InvokeAsync(ctx, addr, request(CodeSendMessage, "async"), func(_ *Command, err error) { errs <- err })
		}
		var req *Request
		for range 2 * each {
			req = <-held.arrived
		}
		req.Conn.Close()
		for range 2 * each {
			err := <-errs
			require.ErrorIs(t, err, ErrConnectionClosed)
			require.NotErrorIs(t, err, ErrTimeout)
		}

		// The dead connection is replaced on the next request.
		_, err := c.Invoke(ctx, addr, request(CodeHeartBeat, ""))
		require.NoError(t, err)
		require.EqualValues(t, 2, accepted.Load())
	})
}

func TestTimeoutKeepsTheSharedConnectionUnlessAsked(t *testing.T) {
	for _, closeOnTimeout := range []bool{false, true} {
		eachNet(t, func(t *testing.T, nw testNet) {
			srv, addr := startServer(t, nw)
			held := newStash(1)
			srv.Handle(CodeSendMessage, held.handle)
			gate := make(chan struct{})
			arrived := make(chan struct{})
			srv.Handle(CodeHeartBeat, func(ctx context.Context, req *Request) *Command {
				close(arrived)
				select {
				case <-gate:
				case <-ctx.Done():
				}
				return echo(ctx, req)
			})
			c := newClient(t, nw, WithCloseOnTimeout(closeOnTimeout))

			other := make(chan error, 1)
			c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodeHeartBeat, "other"), func(_ *Command, err error) { other <- err })
			<-arrived
			_, err := c.Invoke(timeoutCtx(t, 50*time.Millisecond), addr, request(CodeSendMessage, "slow"))
			require.ErrorIs(t, err, ErrTimeout)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
			require.NotErrorIs(t, err, ErrConnectionClosed)

			if closeOnTimeout {
				require.ErrorIs(t, <-other, ErrConnectionClosed)
				require.False(t, c.IsConnected(addr))
				close(gate)
				return
			}
			close(gate)
			require.NoError(t, <-other, "the request in flight beside the timed-out one still succeeds")
			require.True(t, c.IsConnected(addr))
			require.Len(t, srv.Conns(), 1)
		})
	}
}

func TestServerRequestOnClientConnection(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		conns := make(chan *Conn, 1)
		srv.Handle(CodeHeartBeat, func(ctx context.Context, req *Request) *Command {
			conns <- req.Conn
			return echo(ctx, req)
		})
		c := newClient(t, nw)
		c.Handle(CodeCheckTransactionState, func(_ context.Context, req *Request) *Command {
			resp := NewResponse(req.Command, Success, "checked "+req.Command.Ext("tranStateTableOffset"))
			return resp
		})
		_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err)
		back := <-conns

		resp, err := back.Invoke(timeoutCtx(t, 5*time.Second),
			NewRequest(CodeCheckTransactionState, map[string]string{"tranStateTableOffset": "42"}, nil))
		require.NoError(t, err)
		require.Equal(t, "checked 42", resp.Remark)

		resp, err = back.Invoke(timeoutCtx(t, 5*time.Second), request(CodeNotifyConsumerIDsChanged, ""))
		require.NoError(t, err)
		require.Equal(t, RequestCodeNotSupported, resp.Code, "a client without a handler answers like Java")
	})
}

// rawPeer accepts one connection on nw and hands it to the test, which plays the server.
func rawPeer(t *testing.T, nw testNet) (addr string, accepted <-chan net.Conn) {
	t.Helper()
	l := nw.listen(t)
	ch := make(chan net.Conn, 1)
	go func() {
		nc, err := l.Accept()
		_ = l.Close()
		if err == nil {
			ch <- nc
		}
		close(ch)
	}()
	t.Cleanup(func() {
		_ = l.Close()
		if nc, ok := <-ch; ok {
			_ = nc.Close()
		}
	})
	return l.Addr().String(), ch
}

func TestPeerRequestsAreNotConfusedWithResponses(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		addr, accepted := rawPeer(t, nw)
		logs := &logBuffer{}
		c := newClient(t, nw, WithLogger(logs.logger()))
		pushed := make(chan *Command, 1)
		c.Handle(CodeCheckTransactionState, func(_ context.Context, req *Request) *Command {
			pushed <- req.Command
			return NewResponse(req.Command, Success, "state")
		})
		result := make(chan *Command, 1)
		c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodeSendMessage, "mine"), func(resp *Command, err error) {
			require.NoError(t, err)
			result <- resp
		})
		nc := <-accepted
		fr := NewFrameReader(nc, 0)
		req, err := fr.ReadCommand()
		require.NoError(t, err)

		// A request of the peer's that happens to carry our opaque, then an answer with an
		// opaque nobody asked for, then the real answer.
		push := request(CodeCheckTransactionState, "")
		push.Opaque = req.Opaque
		writeFrame(t, nc, push)
		stray := NewResponse(req, SystemError, "stray")
		stray.Opaque = req.Opaque + 1000
		writeFrame(t, nc, stray)
		writeFrame(t, nc, NewResponse(req, Success, "real"))

		got := <-result
		require.Equal(t, "real", got.Remark)
		require.Equal(t, CodeCheckTransactionState, (<-pushed).Code)
		answer, err := fr.ReadCommand()
		require.NoError(t, err)
		require.True(t, answer.IsResponse())
		require.Equal(t, req.Opaque, answer.Opaque)
		require.Equal(t, "state", answer.Remark)
		requireContains(t, logs.String(), "response matched no request")
	})
}

func TestClientCloseFailsEverythingPending(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		held := newStash(2)
		srv.Handle(CodeSendMessage, held.handle)
		c := NewClient(WithDialer(nw.dial))
		ctx := timeoutCtx(t, time.Hour)
		errs := make(chan error, 2)
		go func() {
			_, err := c.Invoke(ctx, addr, request(CodeSendMessage, ""))
			errs <- err
		}()
		c.InvokeAsync(ctx, addr, request(CodeSendMessage, ""), func(_ *Command, err error) { errs <- err })
		<-held.arrived
		<-held.arrived
		require.NoError(t, c.Close())
		for range 2 {
			err := <-errs
			require.ErrorIs(t, err, ErrClientClosed)
			require.ErrorIs(t, err, ErrConnectionClosed)
		}
		_, err := c.Invoke(ctx, addr, request(CodeSendMessage, ""))
		require.ErrorIs(t, err, ErrClientClosed)
		c.InvokeAsync(ctx, addr, request(CodeSendMessage, ""), func(_ *Command, err error) { errs <- err })
		require.ErrorIs(t, <-errs, ErrClientClosed)
		require.ErrorIs(t, c.InvokeOneway(ctx, addr, request(CodeSendMessage, "")), ErrClientClosed)
		require.NoError(t, c.Close(), "Close twice is fine")
	})
}

func TestCloseConnAndIsConnected(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		srv.Handle(CodeHeartBeat, echo)
		closed := make(chan ConnInfo, 2)
		srv.OnConnClose(func(ci ConnInfo) { closed <- ci })
		c := newClient(t, nw)
		require.False(t, c.IsConnected(addr))
		require.False(t, c.CloseConn(addr))

		_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err)
		require.True(t, c.IsConnected(addr))
		first := srv.Conns()[0].ID()

		require.True(t, c.CloseConn(addr))
		require.False(t, c.IsConnected(addr))
		require.Equal(t, first, (<-closed).ID, "the server learns of the close at once")

		_, err = c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err)
		require.True(t, c.IsConnected(addr))
		require.NotEqual(t, first, srv.Conns()[0].ID())
	})
}

func TestAsyncPermitsExhausted(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		held := newStash(2)
		srv.Handle(CodeSendMessage, held.handle)
		srv.Handle(CodeHeartBeat, echo)
		c := newClient(t, nw, WithAsyncPermits(2))
		done := make(chan error, 3)
		for range 2 {
			c.InvokeAsync(timeoutCtx(t, time.Minute), addr, request(CodeSendMessage, ""), func(_ *Command, err error) { done <- err })
		}
		<-held.arrived
		<-held.arrived

		c.InvokeAsync(timeoutCtx(t, 30*time.Millisecond), addr, request(CodeHeartBeat, ""), func(_ *Command, err error) { done <- err })
		err := <-done
		require.ErrorIs(t, err, ErrTooManyRequests)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		requireContains(t, err.Error(), "invokeAsync: tryAcquire semaphore timeout")

		_, err = c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err, "sync requests take no permit, as in Java")

		for _, r := range held.reqs {
			require.NoError(t, r.Respond(NewResponse(r.Command, Success, "")))
		}
		require.NoError(t, <-done)
		require.NoError(t, <-done)
		c.InvokeAsync(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""), func(_ *Command, err error) { done <- err })
		require.NoError(t, <-done, "answered requests gave their permits back")
	})
}

func TestOnewayPermitsExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		mem.SetBufferSize(1024)
		// A peer that never reads: the first oneway request cannot be written and keeps its
		// permit.
		l, err := mem.Listen("stuck:1")
		require.NoError(t, err)
		defer l.Close()
		c := NewClient(WithDialer(mem.Dial), WithOnewayPermits(1))
		defer c.Close()

		first := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			first <- c.InvokeOneway(ctx, "stuck:1", request(CodeSendMessage, string(make([]byte, 64<<10))))
		}()
		synctest.Wait()

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err = c.InvokeOneway(ctx, "stuck:1", request(CodeSendMessage, "second"))
		require.ErrorIs(t, err, ErrTooManyRequests)
		requireContains(t, err.Error(), "invokeOneway: tryAcquire semaphore timeout")
		require.Equal(t, time.Second, time.Since(start))

		require.ErrorIs(t, <-first, ErrTimeout, "the unwritten oneway request fails at its deadline")
	})
}

func TestInvokeOnewayReturnsOnceWritten(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		got := make(chan *Command, 1)
		srv.Handle(CodeUnregisterClient, func(_ context.Context, req *Request) *Command {
			got <- req.Command
			return NewResponse(req.Command, Success, "must not be sent")
		})
		srv.Handle(CodeHeartBeat, echo)
		logs := &logBuffer{}
		c := newClient(t, nw, WithLogger(logs.logger()))
		require.NoError(t, c.InvokeOneway(timeoutCtx(t, 5*time.Second), addr, request(CodeUnregisterClient, "bye")))
		req := <-got
		require.True(t, req.IsOneway())
		require.Equal(t, "bye", string(req.Body))
		// A round trip behind it proves that no answer to the oneway request came first.
		_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
		require.NoError(t, err)
		require.NotContains(t, logs.String(), "response matched no request")
	})
}

func TestConnectErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		eachNet(t, func(t *testing.T, nw testNet) {
			l := nw.listen(t)
			addr := l.Addr().String()
			require.NoError(t, l.Close())
			c := newClient(t, nw)
			_, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, ""))
			var ce *ConnectError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, addr, ce.Addr)
			require.ErrorIs(t, err, syscall.ECONNREFUSED)
			requireContains(t, err.Error(), "connect to "+addr+" failed")
		})
	})
	t.Run("black hole", func(t *testing.T) {
		cases := []struct {
			name           string
			connectTimeout time.Duration
			requestTimeout time.Duration
			want           time.Duration
		}{
			{"connect timeout first", DefaultConnectTimeout, 10 * time.Second, 3 * time.Second},
			{"request deadline first", DefaultConnectTimeout, time.Second, time.Second},
			{"configured connect timeout", 500 * time.Millisecond, 10 * time.Second, 500 * time.Millisecond},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					mem := NewMemNetwork()
					mem.SetBlackHole("lost:9876", true)
					c := NewClient(WithDialer(mem.Dial), WithConnectTimeout(tc.connectTimeout))
					defer c.Close()
					ctx, cancel := context.WithTimeout(t.Context(), tc.requestTimeout)
					defer cancel()
					start := time.Now()
					_, err := c.Invoke(ctx, "lost:9876", request(CodeGetRouteInfoByTopic, ""))
					require.Equal(t, tc.want, time.Since(start))
					var ce *ConnectError
					require.ErrorAs(t, err, &ce)
					require.Equal(t, "lost:9876", ce.Addr)
					require.ErrorIs(t, err, context.DeadlineExceeded)
				})
			})
		}
	})
	// On TCP, net reports a dial's deadline as the socket's (os.ErrDeadlineExceeded) when its
	// poller sees it before the context's watcher does; it is the connect timeout all the same.
	t.Run("socket deadline", func(t *testing.T) {
		timedOut := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
		c := NewClient(WithDialer(func(context.Context, string, string) (net.Conn, error) { return nil, timedOut }))
		defer c.Close()
		_, err := c.Invoke(timeoutCtx(t, 5*time.Second), "lost:9876", request(CodeGetRouteInfoByTopic, ""))
		var ce *ConnectError
		require.ErrorAs(t, err, &ce)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.Equal(t, "remoting: connect to lost:9876 failed: dial tcp: i/o timeout", err.Error())
	})
}

// TestVirtualTimeExchange runs a client and a server inside a synctest bubble over memnet:
// long handlers and timeouts take no wall time and fire exactly on time.
func TestVirtualTimeExchange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, srv := memServer(t)
		srv.Handle(CodePullMessage, func(ctx context.Context, req *Request) *Command {
			time.Sleep(30 * time.Second)
			return echo(ctx, req)
		})
		srv.Handle(CodeSendMessage, func(context.Context, *Request) *Command { return nil })
		c := NewClient(WithDialer(mem.Dial))
		defer c.Close()

		start := time.Now()
		_, err := c.Invoke(t.Context(), "broker-a:10911", request(CodePullMessage, ""))
		require.NoError(t, err)
		require.Equal(t, 30*time.Second, time.Since(start))

		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		start = time.Now()
		_, err = c.Invoke(ctx, "broker-a:10911", request(CodeSendMessage, ""))
		require.ErrorIs(t, err, ErrTimeout)
		require.Equal(t, 3*time.Second, time.Since(start), "sync timeout at its deadline")

		ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start = time.Now()
		fired := make(chan time.Duration, 1)
		c.InvokeAsync(ctx, "broker-a:10911", request(CodeSendMessage, ""), func(_ *Command, err error) {
			require.ErrorIs(t, err, ErrTimeout)
			fired <- time.Since(start)
		})
		require.Equal(t, 5*time.Second, <-fired, "async timeout at its deadline")
		require.True(t, c.IsConnected("broker-a:10911"))
	})
}

func TestInvokeWithExpiredContextSendsNothing(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		srv, addr := startServer(t, nw)
		var got atomic.Int32
		srv.Handle(CodeSendMessage, func(ctx context.Context, req *Request) *Command {
			got.Add(1)
			return echo(ctx, req)
		})
		c := newClient(t, nw)
		conn, err := c.Conn(timeoutCtx(t, 5*time.Second), addr)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err = conn.Invoke(ctx, request(CodeSendMessage, ""))
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, conn.InvokeOneway(ctx, request(CodeSendMessage, "")), context.Canceled)
		_, err = c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeSendMessage, ""))
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Load())
	})
}

func TestTLS(t *testing.T) {
	eachNet(t, func(t *testing.T, nw testNet) {
		serverTLS, clientTLS := testcert.New(t)
		srv, addr := startServer(t, nw, WithTLS(serverTLS))
		srv.Handle(CodeHeartBeat, echo)
		if nw.mem != nil {
			// The certificate names 127.0.0.1; memnet addresses are names.
			clientTLS.ServerName = "localhost"
		}
		c := newClient(t, nw, WithTLS(clientTLS))
		resp, err := c.Invoke(timeoutCtx(t, 5*time.Second), addr, request(CodeHeartBeat, "secret"))
		require.NoError(t, err)
		require.Equal(t, "secret", string(resp.Body))

		plain := newClient(t, nw, WithConnectTimeout(time.Second))
		_, err = plain.Invoke(timeoutCtx(t, time.Second), addr, request(CodeHeartBeat, ""))
		require.Error(t, err, "a client without TLS gets nowhere")
	})
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// TestTimeoutLateness reports how late timeouts fire over real loopback. It asserts nothing
// about wall time; the figures are for the record (Java's table scan is 1-2 s late).
func TestTimeoutLateness(t *testing.T) {
	if testing.Short() {
		t.Skip("measures real time")
	}
	nw := tcpNet()
	srv, addr := startServer(t, nw)
	srv.Handle(CodeSendMessage, func(context.Context, *Request) *Command { return nil })
	c := newClient(t, nw)
	_, _ = c.Conn(t.Context(), addr)

	const n = 300
	timeoutOf := func(i int) time.Duration { return 20*time.Millisecond + time.Duration(i%50)*time.Millisecond }
	measure := func(mode string) []time.Duration {
		late := make(chan time.Duration, n)
		for i := range n {
			ctx, cancel := context.WithTimeout(t.Context(), timeoutOf(i))
			deadline, _ := ctx.Deadline()
			switch mode {
			case "async":
				c.InvokeAsync(ctx, addr, request(CodeSendMessage, ""), func(_ *Command, err error) {
					defer cancel()
					if !errors.Is(err, ErrTimeout) {
						t.Errorf("async: %v", err)
					}
					late <- time.Since(deadline)
				})
			case "sync":
				go func() {
					defer cancel()
					_, err := c.Invoke(ctx, addr, request(CodeSendMessage, ""))
					if !errors.Is(err, ErrTimeout) {
						t.Errorf("sync: %v", err)
					}
					late <- time.Since(deadline)
				}()
			default: // the runtime's own timers, for scale
				go func() {
					defer cancel()
					<-ctx.Done()
					late <- time.Since(deadline)
				}()
			}
		}
		out := make([]time.Duration, 0, n)
		for range n {
			out = append(out, <-late)
		}
		slices.Sort(out)
		return out
	}
	for _, mode := range []string{"baseline (context timers alone)", "sync", "async"} {
		l := measure(mode)
		t.Logf("%s timeout lateness over loopback, %d requests: p50 %v  p99 %v  max %v",
			mode, n, percentile(l, 0.50), percentile(l, 0.99), l[len(l)-1])
	}
}
