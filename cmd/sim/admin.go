package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/adminhttp"
)

// adminTokenEnv holds the admin API's token when -admin-token is not given, so that it need
// not show in the process list.
const adminTokenEnv = "ROCKETSIM_ADMIN_TOKEN"

// adminFlags are the admin API's flags, shared by serve and proxy.
type adminFlags struct {
	addr  *string
	token *string
}

func addAdminFlags(fs *flag.FlagSet) adminFlags {
	return adminFlags{
		addr: fs.String("admin", "", "admin HTTP API listen address; a port alone (\":8080\") binds to loopback, and any address beyond loopback needs -admin-token (empty: no admin API)"),
		token: fs.String("admin-token", "", "bearer token every admin API request must carry (Authorization: Bearer TOKEN); default $"+adminTokenEnv+
			"; required when -admin listens beyond loopback"),
	}
}

func (f adminFlags) tokenValue() string {
	if *f.token != "" {
		return *f.token
	}
	return os.Getenv(adminTokenEnv)
}

// adminServer is the admin API; a nil one (no -admin) is valid and does nothing.
type adminServer struct {
	l     net.Listener
	token string
	srv   *http.Server
	done  chan error
}

// listenAdmin opens the admin API's listener, before anything else starts, so that a refused
// address (beyond loopback without a token, busy) fails the command at once.
func listenAdmin(f adminFlags) (*adminServer, error) {
	if *f.addr == "" {
		return nil, nil
	}
	token := f.tokenValue()
	l, err := adminhttp.Listen(*f.addr, token)
	if err != nil {
		return nil, fmt.Errorf("-admin: %w", err)
	}
	return &adminServer{l: l, token: token, done: make(chan error, 1)}, nil
}

// serve serves h behind the token, once what h reads has started, logging the calls that change
// something (see logAdminActions, which tells changed of them).
func (a *adminServer) serve(h http.Handler, logger *slog.Logger, changed func(r *http.Request, status int)) {
	if a == nil {
		return
	}
	// An event stream (GET /v1/events) never goes idle, so Shutdown would wait for it until its
	// deadline: the requests' context ends when Shutdown begins, which ends the streams.
	base, endRequests := context.WithCancel(context.Background())
	a.srv = &http.Server{Handler: logAdminActions(adminhttp.RequireToken(a.token, h), logger, changed), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:    slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return base }}
	a.srv.RegisterOnShutdown(endRequests)
	go func() { a.done <- a.srv.Serve(a.l) }()
}

// Close releases the listener of an admin API that never served (the command failed first).
func (a *adminServer) Close() {
	if a != nil && a.srv == nil {
		_ = a.l.Close()
	}
}

// URL is the admin API's base URL for the ready line; empty without one. A listener on every
// interface is named by advertise, the host the rest of the ready line names, when there is one.
func (a *adminServer) URL(advertise string) string {
	if a == nil {
		return ""
	}
	addr := a.l.Addr().(*net.TCPAddr)
	if advertise != "" && addr.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort(advertise, strconv.Itoa(addr.Port))
	}
	return "http://" + addr.String()
}

// Done reports the server's end; it never fires without one.
func (a *adminServer) Done() <-chan error {
	if a == nil {
		return nil
	}
	return a.done
}

func (a *adminServer) Shutdown(ctx context.Context) error {
	if a == nil {
		return nil
	}
	if a.srv == nil {
		return a.l.Close()
	}
	return a.srv.Shutdown(ctx)
}
