//go:build unix

package remoting

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// On plain TCP the read loop writes the answers it served inline itself, once it has nothing
// more to read, when the writer is idle; with answers from workers queued meanwhile, every
// frame goes whole, and the inline ones in the order of their requests.
func TestReadLoopWritesItsInlineAnswers(t *testing.T) {
	srv, addr := startServer(t, tcpNet(), WithLogger(slog.New(slog.DiscardHandler)))
	srv.HandleInline(CodeSendMessageV2, echo, nil)
	srv.Handle(CodeHeartBeat, echo)
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })

	// Alone, each answer served inline goes in the read loop's own write.
	fr := NewFrameReader(nc, 0)
	for i := range 10 {
		req := request(CodeSendMessageV2, "alone")
		req.Opaque = int32(-1 - i)
		writeFrame(t, nc, req)
		resp, err := fr.ReadCommand()
		require.NoError(t, err)
		require.Equal(t, req.Opaque, resp.Opaque)
	}
	require.EqualValues(t, 10, srv.ep.directWrites.Load(), "the read loop wrote each answer itself")

	const rounds, perRound = 200, 8
	go func() {
		for r := range rounds {
			var frames []byte
			for i := range perRound {
				code := CodeSendMessageV2
				if i%4 == 3 {
					code = CodeHeartBeat // to a worker, whose answer races the read loop's
				}
				req := request(code, strings.Repeat("b", 100+i))
				req.Opaque = int32(r*perRound + i)
				frames, _ = req.AppendFrame(frames)
			}
			if _, err := nc.Write(frames); err != nil {
				return
			}
		}
	}()
	lastInline := int32(-1)
	seen := make(map[int32]bool)
	for range rounds * perRound {
		resp, err := fr.ReadCommand()
		require.NoError(t, err)
		i := resp.Opaque % perRound
		require.Equal(t, strings.Repeat("b", 100+int(i)), string(resp.Body), "answer %d whole", resp.Opaque)
		require.False(t, seen[resp.Opaque], "answer %d once", resp.Opaque)
		seen[resp.Opaque] = true
		if i%4 != 3 {
			require.Greater(t, resp.Opaque, lastInline, "inline answers in the order of their requests")
			lastInline = resp.Opaque
		}
	}
}

// pauseSignal is a logger's handler that reports the read loop's pause for unsent answers.
type pauseSignal struct {
	once   sync.Once
	paused chan struct{}
}

func (*pauseSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h *pauseSignal) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "reading paused") {
		h.once.Do(func() { close(h.paused) })
	}
	return nil
}
func (h *pauseSignal) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *pauseSignal) WithGroup(string) slog.Handler      { return h }

// A peer that sends and does not read fills the socket: the read loop's own write takes what
// the socket takes and leaves the rest to the writer, so it goes on reading until the bound of
// unsent answers pauses it, as when the writer wrote everything (it never blocks in a write),
// other connections are served meanwhile, and once the peer reads every answer arrives, in
// order.
func TestPeerNotReadingDoesNotBlockTheReadLoop(t *testing.T) {
	sig := &pauseSignal{paused: make(chan struct{})}
	srv, addr := startServer(t, tcpNet(), WithLogger(slog.New(sig)), WithMaxUnwrittenBytes(64<<10))
	srv.HandleInline(CodeSendMessageV2, echo, nil)
	srv.Handle(CodeHeartBeat, echo)
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })

	const requests = 4000 // 32 MiB each way: more than loopback's socket buffers hold
	body := strings.Repeat("x", 8<<10)
	go func() {
		for i := range requests {
			req := request(CodeSendMessageV2, body)
			req.Opaque = int32(i)
			frame, err := req.Encode()
			if err != nil {
				panic(err)
			}
			if _, err := nc.Write(frame); err != nil {
				return
			}
		}
	}()
	select {
	case <-sig.paused:
	case <-time.After(time.Minute):
		t.Fatal("the read loop never paused for unsent answers: blocked in a write?")
	}

	other := NewClient()
	t.Cleanup(func() { _ = other.Close() })
	resp, err := other.Invoke(timeoutCtx(t, time.Minute), addr, request(CodeHeartBeat, "other"))
	require.NoError(t, err)
	require.Equal(t, "other", string(resp.Body))

	fr := NewFrameReader(nc, 0)
	for i := range requests {
		resp, err := fr.ReadCommand()
		require.NoError(t, err)
		require.EqualValues(t, i, resp.Opaque)
		require.Len(t, resp.Body, len(body))
	}
}
