package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/internal/throttle"
)

// adminBodyLogged is how much of an admin call's body its log line shows: enough for a fault
// rule or a topic, not a whole upload.
const adminBodyLogged = 512

// logAdminActions logs, at info, every admin call that may change something (any method but GET
// and HEAD: adding a fault rule, stopping a broker, creating a topic), with its answer's status
// and the start of its body, so that a run's log says who changed the cluster and when. Reads
// are not logged: the console polls them every second. changed, when not nil, is told of each
// such call once it has been answered.
func logAdminActions(h http.Handler, logger *slog.Logger, changed func(r *http.Request, status int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, adminBodyLogged))
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		logger.Info("admin action", "method", r.Method, "path", r.URL.RequestURI(), "status", sw.status,
			"peer", r.RemoteAddr, "body", string(bytes.TrimSpace(body)))
		if changed != nil {
			changed(r, sw.status)
		}
	})
}

// statusWriter remembers the status an admin handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// hitsLoggedPerSecond bounds the fault-hit lines of one server: a rule that drops every send
// under load would otherwise write a line per message. The rest are counted, and the count is
// logged with the next hit after the second, or at the stop.
const hitsLoggedPerSecond = 10

// hitLogger logs the requests fault rules took ("fault hit", at info), read from the servers'
// request histories. It starts watching at the first rule added: watching makes every
// recorded request wake it, a cost a cluster without faults need not pay.
type hitLogger struct {
	logger  *slog.Logger
	targets map[string]*fault.History // "namesrv" or a broker's name

	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newHitLogger(logger *slog.Logger, targets map[string]*fault.History) *hitLogger {
	ctx, cancel := context.WithCancel(context.Background())
	return &hitLogger{logger: logger, targets: targets, ctx: ctx, cancel: cancel}
}

// start begins watching the histories; later calls do nothing. The histories are read from
// their oldest kept entry: before the first rule there are no hits to find.
func (h *hitLogger) start() {
	h.once.Do(func() {
		for target, hist := range h.targets {
			h.wg.Go(func() { h.watch(target, hist) })
		}
	})
}

// stop ends the watching and logs the hits not yet logged.
func (h *hitLogger) stop() {
	h.cancel()
	h.wg.Wait()
}

func (h *hitLogger) watch(target string, hist *fault.History) {
	th := throttle.Window{PerSecond: hitsLoggedPerSecond}
	flush := func(n int) {
		if n > 0 {
			h.logger.Info("fault hits not logged", "target", target, "hits", n,
				"why", fmt.Sprintf("more than %d in a second", hitsLoggedPerSecond))
		}
	}
	defer func() { flush(th.Held()) }()
	// match never accepts: WaitFor offers it every new entry, without polling, until the stop.
	_, _ = hist.WaitFor(h.ctx, func(e fault.Entry) bool {
		if e.Fault == "" {
			return false
		}
		logIt, held := th.Admit(e.Time)
		if logIt {
			flush(held)
			h.logger.Info("fault hit", "target", target, "action", string(e.Fault), "code", e.Code,
				"topic", e.Topic, "peer", e.Peer, "seq", e.Seq)
		}
		return false
	})
}
