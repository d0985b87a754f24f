package fakenamesrv

// The HTTP name-server address endpoint: no remoting codes. Clients started without a
// name-server address (and brokers with fetchNamesrvAddrByAddressServer) fetch the list over
// HTTP, every 2 minutes, from what MixAll.getWSAddr and TopAddressing.fetchNSAddr build
// (rocketmq-all-4.9.7):
//
//	http://{rocketmq.namesrv.domain}:8080/rocketmq/{rocketmq.namesrv.domain.subgroup}
//	(defaults jmenv.tbsite.net and nsaddr; a domain with a port is used as given)
//	... with a unit name: the same URL + "-" + unitName + "?nofix=1"
//
// and take a 200 answer's body, trimmed and cut at the first line break, as the
// "host:port;host:port" list. Any other status, or a failed connection, leaves the client's
// list as it was. AddrEndpoint serves such lists on any port; tests change them at runtime.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
)

// AddrEndpoint is an http.Handler serving name-server address lists at /rocketmq/{subgroup}
// and /rocketmq/{subgroup}-{unit}. It is safe for concurrent use.
type AddrEndpoint struct {
	mu       sync.Mutex
	def      string
	lists    map[string]string // path segment ("nsaddr", "nsaddr-unit1") -> list
	status   int
	requests int
}

// NewAddrEndpoint returns an endpoint that serves addrs (joined with ';') for every subgroup.
func NewAddrEndpoint(addrs ...string) *AddrEndpoint {
	return &AddrEndpoint{def: strings.Join(addrs, ";"), lists: make(map[string]string)}
}

// Set replaces the list served for every subgroup without a list of its own.
func (e *AddrEndpoint) Set(addrs ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.def = strings.Join(addrs, ";")
}

// SetFor replaces the list served for one subgroup (the default "nsaddr" unless the client
// sets rocketmq.namesrv.domain.subgroup) and unit ("" for clients without a unit name). With
// no addrs the subgroup falls back to the list given to Set.
func (e *AddrEndpoint) SetFor(subgroup, unit string, addrs ...string) {
	key := subgroup
	if unit != "" {
		key += "-" + unit
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(addrs) == 0 {
		delete(e.lists, key)
		return
	}
	e.lists[key] = strings.Join(addrs, ";")
}

// SetStatus makes the endpoint answer every request with the given HTTP status and no list
// (a broken address server); 0 or 200 restores normal answers.
func (e *AddrEndpoint) SetStatus(code int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status = code
}

// Requests returns how many requests the endpoint has received.
func (e *AddrEndpoint) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

// ServeHTTP answers GET /rocketmq/{subgroup}[-{unit}] with the list as text/plain; other paths
// are 404.
func (e *AddrEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segment, ok := strings.CutPrefix(r.URL.Path, "/rocketmq/")
	if !ok || segment == "" || strings.Contains(segment, "/") {
		http.NotFound(w, r)
		return
	}
	e.mu.Lock()
	e.requests++
	status := e.status
	list, ok := e.lists[segment]
	if !ok {
		list = e.def
	}
	e.mu.Unlock()
	if status != 0 && status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	_, _ = w.Write([]byte(list))
}

// AddrServer serves an AddrEndpoint over HTTP: NewAddrServer creates it, Start serves a
// listener, Close or Shutdown stops it.
type AddrServer struct {
	srv  *http.Server
	addr string
	done chan struct{} // closed when serving ends; nil before Start
}

// errAddrServerStarted is returned by a second Start.
var errAddrServerStarted = errors.New("fakenamesrv: the address server was started already")

// NewAddrServer returns a server of e that serves nothing until Start.
func NewAddrServer(e *AddrEndpoint) *AddrServer {
	return &AddrServer{srv: &http.Server{Handler: e}}
}

// Start serves l in the background until Close or Shutdown (Addr is valid when it returns).
// Clients reach it with -Drocketmq.namesrv.domain=host:port (a domain with a port is used
// without ":8080"). A server starts once.
func (s *AddrServer) Start(l net.Listener) error {
	if s.done != nil {
		return errAddrServerStarted
	}
	s.addr, s.done = l.Addr().String(), make(chan struct{})
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(l) // ErrServerClosed after Close, or the listener's failure
	}()
	return nil
}

// Addr returns the listener's address, "host:port", or "" before Start.
func (s *AddrServer) Addr() string { return s.addr }

// URL returns the URL a client with the default subgroup fetches: http://{Addr}/rocketmq/nsaddr.
func (s *AddrServer) URL() string { return "http://" + s.addr + "/rocketmq/nsaddr" }

// Close stops serving and closes open connections.
func (s *AddrServer) Close() error {
	err := s.srv.Close()
	s.wait()
	return err
}

// Shutdown stops serving gracefully, at most until ctx ends.
func (s *AddrServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.wait()
	return err
}

func (s *AddrServer) wait() {
	if s.done != nil {
		<-s.done
	}
}
