package remoting

import (
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// A crowd of peers sending junk gets a few lines a second, not one each: the rest are counted,
// and the count is logged with the next line let through and when the server closes.
func TestCloseLogsAreBounded(t *testing.T) {
	junk := []byte{0, 0, 0, 8, 0, 0, 0, 99, 'j', 'u', 'n', 'k'}
	closeBad := func(t *testing.T, mem *MemNetwork, n int) {
		for range n {
			nc := memDial(t, mem, "namesrv:9876")
			_, err := nc.Write(junk)
			require.NoError(t, err)
			_, err = io.Copy(io.Discard, nc) // until the server closes it
			require.NoError(t, err)
		}
		synctest.Wait()
	}
	lines := func(b *logBuffer, msg string) (n int, held []string) {
		for l := range strings.Lines(b.String()) {
			if strings.Contains(l, msg) {
				n++
			}
			if strings.Contains(l, "connection closes not logged") {
				held = append(held, l)
			}
		}
		return n, held
	}

	synctest.Test(t, func(t *testing.T) {
		var logs logBuffer
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "namesrv:9876", WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), WithCloseLogsPerSecond(5))

		closeBad(t, mem, 50)
		n, held := lines(&logs, "bad frame")
		require.Equal(t, 5, n, "lines in the first second")
		require.Empty(t, held, "the count waits for the next line let through")
		require.Equal(t, int64(50), counters(srv).MalformedFrames, "every close is still counted")

		time.Sleep(time.Second)
		closeBad(t, mem, 7)
		n, held = lines(&logs, "bad frame")
		require.Equal(t, 10, n, "lines after a second more")
		require.Len(t, held, 1)
		require.Contains(t, held[0], "closes=45")

		require.NoError(t, srv.Close())
		_, held = lines(&logs, "bad frame")
		require.Len(t, held, 2, "the close logs the count still held")
		require.Contains(t, held[1], "closes=2")
	})

	// A level the logger leaves out is not counted either, and 0 lifts the bound.
	for _, tc := range []struct {
		name      string
		level     slog.Level
		perSecond int
		want      int
	}{
		{"level left out", slog.LevelError, 5, 0},
		{"no bound", slog.LevelInfo, 0, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs logBuffer
				mem := NewMemNetwork()
				srv := startMemServer(t, mem, "namesrv:9876",
					WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: tc.level}))),
					WithCloseLogsPerSecond(tc.perSecond))
				closeBad(t, mem, 20)
				require.NoError(t, srv.Close())
				n, held := lines(&logs, "bad frame")
				require.Equal(t, tc.want, n)
				require.Empty(t, held)
			})
		})
	}
}

// withAttrsCounter counts the loggers made from it (slog's With), the cost a connection's
// logger has before it logs anything.
type withAttrsCounter struct {
	slog.Handler
	made *atomic.Int64
}

func (h withAttrsCounter) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.made.Add(1)
	return withAttrsCounter{h.Handler.WithAttrs(attrs), h.made}
}

// A connection makes its logger, with its identity, only for a line it logs: connections that
// log nothing at the logger's level cost no attribute formatting.
func TestConnLoggerOnlyForALine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs logBuffer
		var made atomic.Int64
		mem := NewMemNetwork()
		srv := startMemServer(t, mem, "namesrv:9876",
			WithLogger(slog.New(withAttrsCounter{slog.NewTextHandler(&logs, nil), &made})))
		for i := range 10 {
			nc := memDial(t, mem, "namesrv:9876")
			_, err := roundTrip(t, nc, int32(i))
			require.NoError(t, err)
			require.NoError(t, nc.Close())
		}
		synctest.Wait()
		require.Zero(t, made.Load(), "connections that logged nothing")

		nc := memDial(t, mem, "namesrv:9876")
		_, err := nc.Write([]byte{0, 0, 0, 8, 0, 0, 0, 99, 'j', 'u', 'n', 'k'})
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, nc)
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, int64(1), made.Load())
		require.Contains(t, logs.String(), "conn=", "the line names its connection")
		require.NoError(t, srv.Close())
	})
}
