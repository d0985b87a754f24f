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
