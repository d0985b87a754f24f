package remoting

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/internal/throttle"
)

// DefaultCloseLogsPerSecond bounds the lines a Server logs, at info and above, about the
// connections it closes for what their peers did (bad or slow frames, refused TLS, idle, not
// reading their answers): a thousand hostile peers would otherwise write thousands of lines a
// second, and the logging would cost more than the peers.
const DefaultCloseLogsPerSecond = 10

// WithCloseLogsPerSecond sets how many lines about closed connections a Server logs in a
// second (at info and above; debug lines are not bounded); the rest are counted, and the count
// is logged with the next line let through, or when the server closes. n <= 0 logs every one.
// Default DefaultCloseLogsPerSecond.
func WithCloseLogsPerSecond(n int) ServerOption {
	return serverOnlyOption(func(c *serverConfig) { c.closeLogsPerSecond = n })
}

// logThrottle lets perSecond lines through in each second and counts the rest, as the
// fault-hit log of sim serve does (both with throttle.Window).
type logThrottle struct {
	perSecond int
	now       func() time.Time

	mu sync.Mutex
	w  throttle.Window
}

// log writes the line through the logger line returns unless this second's lines are spent,
// in which case it is only counted. When a line goes through after some were held back, a line
// with their count goes first, through l. Nothing is counted for a level l does not log. line
// is called only for a line that goes through: a connection's logger, with its attributes, is
// made only then.
func (t *logThrottle) log(l *slog.Logger, line func() *slog.Logger, level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	t.mu.Lock()
	t.w.PerSecond = t.perSecond
	ok, held := t.w.Admit(t.now())
	t.mu.Unlock()
	if !ok {
		return
	}
	t.logHeld(l, held)
	line().Log(ctx, level, msg, args...)
}

// flush logs the count of the lines held back, if any (when the server closes).
func (t *logThrottle) flush(l *slog.Logger) {
	t.mu.Lock()
	held := t.w.Held()
	t.mu.Unlock()
	t.logHeld(l, held)
}

func (t *logThrottle) logHeld(l *slog.Logger, held int) {
	if held > 0 {
		l.Warn("remoting: connection closes not logged", "closes", held,
			"why", fmt.Sprintf("more than %d lines in a second", t.perSecond))
	}
}
