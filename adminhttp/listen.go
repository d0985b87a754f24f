package adminhttp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path"
	"strings"
)

// ErrTokenRequired is Listen's answer to an address that is not loopback when no token is given:
// the admin API can crash brokers and drop every request, so it is never open to a network
// without one.
var ErrTokenRequired = errors.New("adminhttp: an admin API listening beyond loopback needs a bearer token")

// Listen opens the admin API's listener. An address without a host (":8080") binds to
// 127.0.0.1, not to every interface as net.Listen would; any other address is taken as given,
// and when what was bound is not a loopback address (0.0.0.0, ::, a host's own address) token
// must be set. The check is on the bound address, so a host name is judged by what it
// resolved to.
func Listen(addr, token string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("adminhttp: listen address %q: %w", addr, err)
	}
	if host == "" {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := l.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && token == "" {
		_ = l.Close()
		return nil, fmt.Errorf("%w: %s is not loopback (give a token, or listen on 127.0.0.1)", ErrTokenRequired, addr)
	}
	return l, nil
}

// RequireToken serves h only to requests that carry "Authorization: Bearer <token>"; any other
// gets 401 with a WWW-Authenticate challenge (RFC 6750) and a JSON error. An empty token lets
// every request through, for a loopback-only API.
//
// The web console's own files (GET / asked for by a browser, GET /console/...) are served
// without the token: a browser navigating to a page cannot set a header, and the files are the
// same static page for everyone, holding no state of the servers. The page then asks for the
// token and sends it on each of its calls (console.js).
func RequireToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isConsoleFile(r) {
			h.ServeHTTP(w, r)
			return
		}
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rocketsim"`)
			WriteError(w, http.StatusUnauthorized, errors.New("the admin API needs an Authorization: Bearer token"))
			return
		}
		// Constant time, so that the answer's timing does not tell how much of a guess was right.
		if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rocketsim", error="invalid_token"`)
			WriteError(w, http.StatusUnauthorized, errors.New("wrong admin API token"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isConsoleFile says whether r asks for the console's page, script or style sheet (console.go).
func isConsoleFile(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	// An unclean path ("/console/../v1/cluster") is not let through, though the mux would only
	// redirect it: what passes here must be a console file by its name alone.
	p := r.URL.Path
	return p == path.Clean(p) && ((p == "/" && wantsHTML(r)) || strings.HasPrefix(p, "/console/"))
}
