package remoting

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/testkit"
)

// startMemServer serves a quiet server on a MemNetwork inside a synctest bubble.
func startMemServer(t *testing.T, mem *MemNetwork, addr string, opts ...ServerOption) *Server {
	t.Helper()
	srv := NewServer(append([]ServerOption{WithLogger(testkit.Quiet)}, opts...)...)
	l, err := mem.Listen(addr)
	require.NoError(t, err)
	require.NoError(t, srv.Start(l))
	t.Cleanup(func() { _ = srv.Close() })
	srv.Handle(CodeHeartBeat, echo)
	return srv
}

func memDial(t *testing.T, mem *MemNetwork, addr string) net.Conn {
	t.Helper()
	nc, err := mem.Dial(t.Context(), "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return nc
}

// roundTrip sends a heartbeat with opaque on nc and reads the next frame back.
func roundTrip(t *testing.T, nc net.Conn, opaque int32) (*Command, error) {
	t.Helper()
	req := request(CodeHeartBeat, "")
	req.Opaque = opaque
	writeFrame(t, nc, req)
	return NewFrameReader(nc, 0).ReadCommand()
}

func counters(s *Server) LimitCounters {
	_, c := s.Limits()
	return c
}

// Beyond the maximum a new connection is closed at once; once one closes, there is room again.
func TestMaxConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithMaxConnections(2))
		first, second := memDial(t, mem, "broker-a:10911"), memDial(t, mem, "broker-a:10911")
		for _, nc := range []net.Conn{first, second} {
			_, err := roundTrip(t, nc, 1)
			require.NoError(t, err)
		}
		third := memDial(t, mem, "broker-a:10911")
		// Closed on accept: a request written after the close may fail to write (broken
		// pipe) or be dropped, as it lands; what is certain is that nothing is ever read.
		synctest.Wait()
		_, err := NewFrameReader(third, 0).ReadCommand()
		require.ErrorIs(t, err, io.EOF, "the third connection is closed without an answer")
		require.Equal(t, LimitCounters{Connections: 2, RejectedConnections: 1}, counters(srv))

		require.NoError(t, first.Close())
		synctest.Wait()
		_, err = roundTrip(t, memDial(t, mem, "broker-a:10911"), 1)
		require.NoError(t, err)
		_, err = roundTrip(t, second, 2)
		require.NoError(t, err, "the connections within the limit were never disturbed")
	})
}

// Beyond the in-flight maximum a request is answered SYSTEM_BUSY at once, in JSON with Java's
// remark, a oneway one dropped; the requests within the limit are served as usual.
func TestMaxInflightRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithMaxInflightRequests(2))
		gate := make(chan struct{})
		srv.Handle(CodeSendMessage, func(ctx context.Context, req *Request) *Command {
			<-gate
			return echo(ctx, req)
		})
		nc := memDial(t, mem, "broker-a:10911")
		for opaque := range int32(3) {
			req := request(CodeSendMessage, "")
			req.Opaque = opaque + 1
			writeFrame(t, nc, req)
		}
		oneway := request(CodeSendMessage, "")
		oneway.Opaque, oneway.Flag = 4, FlagOneway
		writeFrame(t, nc, oneway)
		fr := NewFrameReader(nc, 0)
		busy, err := fr.ReadCommand()
		require.NoError(t, err)
		require.EqualValues(t, 3, busy.Opaque)
		require.Equal(t, SystemBusy, busy.Code)
		require.Equal(t, OverloadRemark, busy.Remark)
		require.Equal(t, SerializeJSON, busy.SerializeType)
		synctest.Wait()
		require.EqualValues(t, 2, counters(srv).BusyRequests, "the oneway request was refused too")

		close(gate)
		for range 2 {
			resp, err := fr.ReadCommand()
			require.NoError(t, err)
			require.Equal(t, Success, resp.Code)
		}
		req := request(CodeSendMessage, "")
		req.Opaque = 5
		writeFrame(t, nc, req)
		resp, err := fr.ReadCommand()
		require.NoError(t, err)
		require.Equal(t, Success, resp.Code, "room again once the requests were answered")
	})
}

// A frame or header over its limit, or garbage, closes its connection and is counted; the
// server goes on serving the others.
func TestOversizedAndMalformedFramesClose(t *testing.T) {
	big := strings.Repeat("x", 2048)
	cases := []struct {
		name  string
		frame func(t *testing.T) []byte
		want  LimitCounters
	}{
		{"frame too large", func(t *testing.T) []byte {
			b, err := request(CodeHeartBeat, big).Encode()
			require.NoError(t, err)
			return b
		}, LimitCounters{FramesTooLarge: 1}},
		{"header too large", func(t *testing.T) []byte {
			req := request(CodeHeartBeat, "")
			req.ExtFields = map[string]string{"padding": big[:512]}
			b, err := req.Encode()
			require.NoError(t, err)
			return b
		}, LimitCounters{HeadersTooLarge: 1}},
		{"malformed", func(*testing.T) []byte {
			return []byte{0, 0, 0, 8, 0, 0, 0, 99, 'j', 'u', 'n', 'k'}
		}, LimitCounters{MalformedFrames: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := NewMemNetwork()
				srv := startMemServer(t, mem, "namesrv:9876", WithMaxFrameSize(1024), WithMaxHeaderSize(256))
				good := memDial(t, mem, "namesrv:9876")
				_, err := roundTrip(t, good, 1)
				require.NoError(t, err)

				bad := memDial(t, mem, "namesrv:9876")
				_, err = bad.Write(tc.frame(t))
				require.NoError(t, err)
				_, err = NewFrameReader(bad, 0).ReadCommand()
				require.ErrorIs(t, err, io.EOF)
				synctest.Wait()
				tc.want.Connections = 1
				require.Equal(t, tc.want, counters(srv))

				_, err = roundTrip(t, good, 2)
				require.NoError(t, err)
			})
		})
	}
}

// A peer that trickles a frame a byte a second is closed once the frame-read timeout has passed
// since its first byte, though it is never idle; a slow frame within the timeout is served.
func TestTricklingPeerIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithFrameReadTimeout(10*time.Second))
		frame, err := request(CodeHeartBeat, strings.Repeat("x", 100)).Encode()
		require.NoError(t, err)

		slow := memDial(t, mem, "broker-a:10911")
		for _, part := range [][]byte{frame[:10], frame[10:]} {
			_, err := slow.Write(part)
			require.NoError(t, err)
			time.Sleep(9 * time.Second)
		}
		_, err = NewFrameReader(slow, 0).ReadCommand()
		require.NoError(t, err, "9 s from first byte to last is within the timeout")

		trickler := memDial(t, mem, "broker-a:10911")
		start := time.Now()
		var closedAt time.Duration
		for i := range frame {
			if _, err := trickler.Write(frame[i : i+1]); err != nil {
				closedAt = time.Since(start)
				break
			}
			pause := time.Second
			if i == 0 {
				pause = 500 * time.Millisecond // off the whole seconds: no write races the deadline
			}
			time.Sleep(pause)
		}
		require.Equal(t, 10500*time.Millisecond, closedAt, "the first write after the 10 s timeout finds the connection closed")
		require.EqualValues(t, 1, counters(srv).SlowFrames)
	})
}

// A connection that sends nothing is closed at the idle timeout, and counted.
func TestIdleCloseIsCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithIdleTimeout(30*time.Second))
		nc := memDial(t, mem, "broker-a:10911")
		start := time.Now()
		_, err := nc.Read(make([]byte, 1))
		require.Error(t, err)
		require.Equal(t, 30*time.Second, time.Since(start))
		synctest.Wait()
		require.EqualValues(t, 1, counters(srv).IdleClosed)
	})
}

// A TLS handshake started and never finished is closed at the frame-read timeout.
func TestStalledHandshakeIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithTLSMode(TLSPermissive), WithFrameReadTimeout(5*time.Second))
		nc := memDial(t, mem, "broker-a:10911")
		_, err := nc.Write([]byte{tlsHandshakeRecord, 3, 1})
		require.NoError(t, err)
		start := time.Now()
		_, err = nc.Read(make([]byte, 1))
		require.True(t, err != nil && !errors.Is(err, context.Canceled))
		require.Equal(t, 5*time.Second, time.Since(start))
		synctest.Wait()
		require.EqualValues(t, 1, counters(srv).SlowFrames)
	})
}

func TestLimitSettingsDefaults(t *testing.T) {
	settings, _ := NewServer().Limits()
	require.Equal(t, LimitSettings{
		MaxConnections: DefaultMaxConnections, MaxInflightRequests: DefaultMaxInflightRequests,
		MaxFrameSize: DefaultMaxFrameSize, MaxHeaderSize: DefaultMaxHeaderSize,
		IdleTimeout: DefaultIdleTimeout, FrameReadTimeout: DefaultFrameReadTimeout, MaxUnwrittenBytes: DefaultMaxUnwrittenBytes, TLSMode: TLSDisabled,
	}, settings)
}

// A peer over its in-flight limit that never reads its SYSTEM_BUSY answers does not make them
// pile up without end: once a frame's worth waits unsent, the connection is closed.
func TestFloodingPeerThatDoesNotReadIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		mem.SetBufferSize(4096)
		srv := startMemServer(t, mem, "broker-a:10911", WithMaxInflightRequests(1), WithMaxFrameSize(64<<10))
		srv.Handle(CodeSendMessage, func(ctx context.Context, req *Request) *Command {
			<-ctx.Done()
			return nil
		})
		nc := memDial(t, mem, "broker-a:10911")
		frame, err := request(CodeSendMessage, "").Encode()
		require.NoError(t, err)
		sent := 0
		for ; sent < 100000; sent++ {
			if _, err := nc.Write(frame); err != nil {
				break
			}
		}
		require.Less(t, sent, 100000, "the server closed the connection")
		busy := counters(srv).BusyRequests
		require.Greater(t, busy, int64(64<<10/200), "answered busy until a frame's worth waited")
		require.Less(t, busy, int64(2*(64<<10+8192)/100), "and not much longer")
	})
}

// A peer that sends requests and does not read the answers is no longer read from once more
// than the bound of answers waits unsent: its own writes stall instead of the server's memory
// growing, and once it reads, every request is answered.
func TestPeerNotReadingIsPausedNotBuffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		mem.SetBufferSize(4096)
		const bound = 16 << 10
		// Answers still being made when the bound is crossed add to it: with at most this many
		// handlers at once, the overshoot has a fixed ceiling (with thousands, it depends on
		// how far the handlers got before the writer caught up).
		const handlers = 8
		srv := startMemServer(t, mem, "broker-a:10911", WithMaxUnwrittenBytes(bound), WithMaxConcurrentHandlers(handlers))
		nc := memDial(t, mem, "broker-a:10911")
		const requests = 2000
		body := strings.Repeat("x", 100) // echoed: each answer is as big as its request
		var written atomic.Int64
		go func() {
			for i := range requests {
				req := request(CodeHeartBeat, body)
				req.Opaque = int32(i)
				frame, err := req.Encode()
				if err != nil {
					panic(err)
				}
				if _, err := nc.Write(frame); err != nil {
					return
				}
				written.Add(1)
			}
		}()
		synctest.Wait() // everyone blocked: the peer on its writes, the server on not reading
		require.Less(t, written.Load(), int64(requests), "the peer's writes stall")
		require.Positive(t, counters(srv).ReadPauses)
		var unwritten []int
		srv.mu.Lock()
		for c := range srv.conns {
			c.wmu.Lock()
			unwritten = append(unwritten, c.unwritten)
			c.wmu.Unlock()
		}
		srv.mu.Unlock()
		require.Len(t, unwritten, 1)
		// Past the bound by the answers to requests already read when it was crossed, at most:
		// those in the handlers and the one the read loop was handing over.
		answer, err := echo(t.Context(), &Request{Command: request(CodeHeartBeat, body)}).AppendFrame(nil)
		require.NoError(t, err)
		require.LessOrEqual(t, unwritten[0], bound+(handlers+1)*len(answer), "unsent answers stay near the bound, far below all %d", requests)

		fr := NewFrameReader(nc, 0)
		answered := map[int32]bool{}
		for range requests {
			resp, err := fr.ReadCommand()
			require.NoError(t, err)
			answered[resp.Opaque] = true
		}
		require.Len(t, answered, requests, "each request answered once")
		require.EqualValues(t, requests, written.Load())
	})
}

// After a burst of requests served at once, a connection keeps at most maxIdleWorkers of the
// goroutines that served them, instead of every one for a worker idle timeout; and no more
// than the server's handler bound ever ran at once.
func TestBurstLeavesFewWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911", WithMaxConcurrentHandlers(300))
		release := make(chan struct{})
		var running, most atomic.Int32
		srv.Handle(CodeSendMessage, func(_ context.Context, req *Request) *Command {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
			running.Add(-1)
			return NewResponse(req.Command, Success, "")
		})
		nc := memDial(t, mem, "broker-a:10911")
		_, err := roundTrip(t, nc, 0) // the connection and its first worker exist
		require.NoError(t, err)
		synctest.Wait()
		base := runtime.NumGoroutine()

		const burst = 400
		go func() {
			for i := range burst {
				req := request(CodeSendMessage, "")
				req.Opaque = int32(i + 1)
				frame, err := req.Encode()
				if err != nil {
					panic(err)
				}
				if _, err := nc.Write(frame); err != nil {
					return
				}
			}
		}()
		synctest.Wait()
		require.EqualValues(t, 300, running.Load(), "the handler bound holds the rest back")
		close(release)
		fr := NewFrameReader(nc, 0)
		for range burst {
			_, err := fr.ReadCommand()
			require.NoError(t, err)
		}
		synctest.Wait()
		require.EqualValues(t, 300, most.Load())
		require.LessOrEqual(t, runtime.NumGoroutine()-base, maxIdleWorkers, "workers left after the burst")
	})
}

// A peer that connects and says nothing holds no read buffer, however long it stays; one that
// sends a frame holds one until its connection closes, and one refused at its first bytes gives
// it back at once.
func TestReadBufferOnlyFromFirstByteToClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911")
		lent := func() int64 { return srv.ep.readBuffersLent.Load() }

		var silent []net.Conn
		for range 20 {
			silent = append(silent, memDial(t, mem, "broker-a:10911"))
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Len(t, srv.Conns(), 20)
		require.Zero(t, lent(), "silent peers")

		good := memDial(t, mem, "broker-a:10911")
		_, err := roundTrip(t, good, 1)
		require.NoError(t, err)
		require.Equal(t, int64(1), lent(), "a peer that sent a frame")

		bad := memDial(t, mem, "broker-a:10911")
		_, err = bad.Write([]byte{0, 0, 0, 8, 0, 0, 0, 99, 'j', 'u', 'n', 'k'})
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, bad)
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, int64(1), lent(), "a peer closed over junk gave its buffer back")

		require.NoError(t, good.Close())
		for _, nc := range silent {
			require.NoError(t, nc.Close())
		}
		synctest.Wait()
		require.Zero(t, lent(), "every connection closed")
	})
}

// goroutinesIn counts the goroutines whose stack holds fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), fn)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// A half-open peer (connected, never a byte) costs the server one goroutine, its read loop
// waiting for the first byte, and no writer nor the channels of its handlers: a thousand of
// them were a thousand idle writer stacks.
func TestWriterOnlyFromFirstByte(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "broker-a:10911")
		const writer, reader = "remoting.(*Conn).writeLoop(", "remoting.(*Conn).readLoop("

		for range 20 {
			memDial(t, mem, "broker-a:10911")
		}
		synctest.Wait()
		require.Len(t, srv.Conns(), 20)
		require.Equal(t, 20, goroutinesIn(reader), "read loops of silent peers")
		require.Zero(t, goroutinesIn(writer), "writers of silent peers")
		for _, c := range srv.Conns() {
			require.True(t, c.jobs == nil && c.slots == nil && c.writable == nil, "a silent peer's handler channels")
		}

		good := memDial(t, mem, "broker-a:10911")
		res, err := roundTrip(t, good, 7)
		require.NoError(t, err)
		require.Equal(t, int32(7), res.Opaque)
		require.Equal(t, 1, goroutinesIn(writer), "the writer of a peer that sent a frame")

		// A graceful shutdown closes the silent peers at once, with no writer to do it, not
		// when their idle time is up.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		require.NoError(t, srv.Shutdown(ctx))
		synctest.Wait()
		require.Empty(t, srv.Conns())
		require.Zero(t, goroutinesIn(writer)+goroutinesIn(reader))
	})
}
