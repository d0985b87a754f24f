package proxy

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// relay is one listener of the proxy: a remoting.Server with its target's history and fault
// injector installed, whose every request goes on to upstream over a link of its own per client
// connection.
type relay struct {
	p        *Proxy
	upstream string
	target   *target
	// answer, when set, may replace an upstream answer before the client gets it (the name
	// server's routes and cluster info).
	answer func(req, resp *remoting.Command) *remoting.Command

	mu      sync.Mutex
	addr    string // where it listens, kept so that a restart listens there again
	srv     *remoting.Server
	stopped context.Context // ends when the listener stops: held pulls end with it
	stop    context.CancelFunc
	links   map[uint64]*link // by the client connection's ID
	hole    *hole            // what swallows connection attempts at addr, while black-holed (TCP)
	memHole bool             // addr is black-holed on the in-memory network
}

// start serves l.
func (r *relay) start(l net.Listener) error {
	srv := remoting.NewServer(remoting.WithLogger(r.p.cfg.logger), remoting.WithIdleTimeout(0))
	fault.Install(srv, r.target.hist, r.target.inj)
	srv.HandleDefault(r.forward)
	srv.OnConnOpen(r.opened)
	srv.OnConnClose(r.closed)
	stopped, stop := context.WithCancel(context.Background())
	r.mu.Lock()
	r.addr = l.Addr().String()
	r.srv, r.stopped, r.stop = srv, stopped, stop
	if r.links == nil {
		r.links = map[uint64]*link{}
	}
	r.mu.Unlock()
	return srv.Start(l)
}

// restart listens again where it listened before.
func (r *relay) restart() error {
	l, err := r.p.listen(r.listenAddr())
	if err != nil {
		return err
	}
	return r.start(l)
}

func (r *relay) listenAddr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// halt forgets the server, ending held pulls; nil when it was not serving.
func (r *relay) halt() *remoting.Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	srv := r.srv
	r.srv = nil
	if r.stop != nil {
		r.stop()
	}
	return srv
}

// close closes the listener and every connection through it at once.
func (r *relay) close() {
	if srv := r.halt(); srv != nil {
		_ = srv.Close()
	}
}

// blackHole makes the address the relay listened on swallow connection attempts; the relay
// must be closed. Doing it twice does nothing.
func (r *relay) blackHole() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hole != nil || r.memHole {
		return nil
	}
	if mem := r.p.cfg.mem; mem != nil {
		mem.SetBlackHole(r.addr, true)
		r.memHole = true
		return nil
	}
	h, err := openHole(r.addr)
	if err != nil {
		return err
	}
	r.hole = h
	return nil
}

// unhole frees the address of its black hole, if it has one, so that it refuses connections
// until the relay listens there again.
func (r *relay) unhole() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.memHole {
		r.p.cfg.mem.SetBlackHole(r.addr, false)
		r.memHole = false
	}
	if h := r.hole; h != nil {
		r.hole = nil
		return h.close()
	}
	return nil
}

// shutdown stops accepting, lets the requests in flight be answered and then closes.
func (r *relay) shutdown(ctx context.Context) error {
	if srv := r.halt(); srv != nil {
		return srv.Shutdown(ctx)
	}
	return nil
}

func (r *relay) opened(down *remoting.Conn) {
	l := &link{r: r, down: down}
	l.rc = remoting.NewClient(r.p.clientOptions()...)
	l.rc.HandleDefault(l.relayBack)
	r.mu.Lock()
	r.links[down.ID()] = l
	r.mu.Unlock()
}

func (r *relay) closed(info remoting.ConnInfo) {
	r.mu.Lock()
	l := r.links[info.ID]
	delete(r.links, info.ID)
	r.mu.Unlock()
	if l != nil {
		l.close()
	}
}

func (r *relay) link(id uint64) *link {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.links[id]
}

func (r *relay) stoppedContext() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// forward is the server's only handler: the request goes up as the client wrote it, over the
// client connection's own upstream connection, and the answer comes back (through answer, if
// set). A client whose upstream cannot be reached sees its connection closed, as it would see
// a connection to a server that is not there refused.
func (r *relay) forward(ctx context.Context, req *remoting.Request) *remoting.Command {
	l := r.link(req.Conn.ID())
	if l == nil {
		return nil // closing
	}
	up, err := l.upstream(ctx)
	if err != nil {
		r.p.log.Info("upstream unreachable: closing the client's connection", "upstream", r.upstream,
			"client", req.Conn.RemoteAddr(), "reason", err)
		_ = req.Conn.Close()
		return nil
	}
	fctx, cancel := context.WithTimeout(ctx, ForwardTimeout)
	defer cancel()
	if req.Command.Code == remoting.CodePullMessage {
		// A broker that stops drops the pulls it holds; so does the proxy's listener.
		defer context.AfterFunc(r.stoppedContext(), cancel)()
	}
	resp, err := up.Forward(fctx, req.Command)
	if err != nil {
		r.p.log.Debug("request not answered by the upstream", "upstream", r.upstream, "code", req.Command.Code,
			"opaque", req.Command.Opaque, "reason", err)
		return nil
	}
	if resp == nil || r.answer == nil {
		return resp
	}
	return r.answer(req.Command, resp)
}

// link pairs a client's connection to the proxy with the proxy's connection to the upstream
// for it: the server behind sees one channel per client, as without the proxy, and the
// requests it sends the client over that channel come down the client's connection.
type link struct {
	r    *relay
	down *remoting.Conn
	rc   *remoting.Client // holds the one upstream connection; never dials a second

	mu      sync.Mutex
	up      *remoting.Conn
	closed  bool
	watcher sync.WaitGroup
}

// upstream returns the link's upstream connection, dialing it on first use. Once it has
// closed, the link does not dial again: the client's connection is closed by then.
func (l *link) upstream(ctx context.Context) (*remoting.Conn, error) {
	l.mu.Lock()
	up, closed := l.up, l.closed
	l.mu.Unlock()
	if up != nil {
		return up, nil
	}
	if closed {
		return nil, remoting.ErrClientClosed
	}
	c, err := l.rc.Conn(ctx, l.r.upstream)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, remoting.ErrClientClosed
	}
	if l.up == nil {
		l.up = c
		l.watcher.Add(1)
		go l.watch(c)
	}
	return l.up, nil
}

// watch closes the client's connection once the upstream one has closed: the client sees the
// server close its connection.
func (l *link) watch(up *remoting.Conn) {
	defer l.watcher.Done()
	<-up.Done()
	_ = l.down.Close()
}

// close closes the upstream connection, once the client's has closed.
func (l *link) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	_ = l.rc.Close()
	l.watcher.Wait()
}

// relayBack is the upstream connection's only handler: a request the server sends the client
// goes down the client's connection through the target's fault rules, and the client's answer
// goes back up.
func (l *link) relayBack(ctx context.Context, req *remoting.Request) *remoting.Command {
	fctx, cancel := context.WithTimeout(ctx, ForwardTimeout)
	defer cancel()
	resp, err := l.r.target.inj.Forward(fctx, l.down, req.Command)
	if err != nil {
		if !errors.Is(err, remoting.ErrConnectionClosed) {
			l.r.p.log.Debug("request to the client not answered", "client", l.down.RemoteAddr(), "code", req.Command.Code, "reason", err)
		}
		return nil
	}
	return resp
}
