package adminhttp_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/adminhttp"
)

func TestListenBindsLoopbackUnlessToldWithAToken(t *testing.T) {
	for _, tc := range []struct {
		name, addr, token string
		loopback          bool
		err               error
	}{
		{"a port alone is loopback", ":0", "", true, nil},
		{"loopback as given", "127.0.0.1:0", "", true, nil},
		{"localhost", "localhost:0", "", true, nil},
		{"every interface without a token", "0.0.0.0:0", "", false, adminhttp.ErrTokenRequired},
		{"every interface with a token", "0.0.0.0:0", "s3cret", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := adminhttp.Listen(tc.addr, tc.token)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Contains(t, err.Error(), tc.addr+" is not loopback")
				return
			}
			require.NoError(t, err)
			defer l.Close()
			assert.Equal(t, tc.loopback, l.Addr().(*net.TCPAddr).IP.IsLoopback(), l.Addr().String())
		})
	}
	_, err := adminhttp.Listen("no-port", "")
	require.ErrorContains(t, err, `listen address "no-port"`)
}

func TestRequireToken(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, tc := range []struct {
		name, token, header string
		status              int
		challenge           string
	}{
		{"no token set lets all through", "", "", http.StatusNoContent, ""},
		{"missing header", "s3cret", "", http.StatusUnauthorized, `Bearer realm="rocketsim"`},
		{"another scheme", "s3cret", "Basic czNjcmV0", http.StatusUnauthorized, `Bearer realm="rocketsim"`},
		{"wrong token", "s3cret", "Bearer guess", http.StatusUnauthorized, `Bearer realm="rocketsim", error="invalid_token"`},
		{"a prefix of the token", "s3cret", "Bearer s3c", http.StatusUnauthorized, `Bearer realm="rocketsim", error="invalid_token"`},
		{"right token", "s3cret", "Bearer s3cret", http.StatusNoContent, ""},
		{"scheme in any case", "s3cret", "bearer s3cret", http.StatusNoContent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v1/cluster", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			w := httptest.NewRecorder()
			adminhttp.RequireToken(tc.token, ok).ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.challenge, w.Header().Get("WWW-Authenticate"))
			if tc.status == http.StatusUnauthorized {
				assert.Contains(t, w.Body.String(), `"error"`)
			}
		})
	}
}

// Behind a token, a browser can still load the console (it cannot set a header when it
// navigates), but nothing that reads or changes the servers: every call, the event stream and
// the list of calls a tool asks for need the token.
func TestRequireTokenServesTheConsoleFilesOnly(t *testing.T) {
	web := httptest.NewServer(adminhttp.RequireToken("s3cret", adminhttp.Handler(newServers())))
	defer web.Close()
	// A redirect is an answer of its own here: the gate must refuse before the mux would
	// redirect an unclean path to a call.
	hc := web.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tc := range []struct {
		name, method, path, accept, token string
		status                            int
		contentType                       string
	}{
		{"the page for a browser", "GET", "/", "text/html,application/xhtml+xml", "", http.StatusOK, "text/html; charset=utf-8"},
		{"its script", "GET", "/console/console.js", "*/*", "", http.StatusOK, "text/javascript; charset=utf-8"},
		{"its style sheet", "GET", "/console/console.css", "*/*", "", http.StatusOK, "text/css; charset=utf-8"},
		{"the list of calls for a tool", "GET", "/", "*/*", "", http.StatusUnauthorized, "application/json"},
		{"a call", "GET", "/v1/cluster", "*/*", "", http.StatusUnauthorized, "application/json"},
		{"the event stream", "GET", "/v1/events", "text/event-stream", "", http.StatusUnauthorized, "application/json"},
		{"a change", "DELETE", "/v1/faults", "*/*", "", http.StatusUnauthorized, "application/json"},
		{"a posted page", "POST", "/", "text/html", "", http.StatusUnauthorized, "application/json"},
		{"a call dressed as a console file", "GET", "/console/../v1/cluster", "*/*", "", http.StatusUnauthorized, "application/json"},
		{"a call with the token", "GET", "/v1/cluster", "*/*", "s3cret", http.StatusOK, "application/json"},
		{"the list of calls with the token", "GET", "/", "application/json", "s3cret", http.StatusOK, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The path as given: the client would clean "/console/../v1/cluster" itself.
			r, err := http.NewRequest(tc.method, web.URL, nil)
			require.NoError(t, err)
			r.URL.Opaque = tc.path
			r.Header.Set("Accept", tc.accept)
			if tc.token != "" {
				r.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := hc.Do(r)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.contentType, resp.Header.Get("Content-Type"))
		})
	}
}
