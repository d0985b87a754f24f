package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// newAdminServer serves an admin API handler (a cluster's or a proxy's) on loopback, as
// `sim serve -admin` and `sim proxy -admin` do, and returns its base URL.
func newAdminServer(t *testing.T, h http.Handler) string {
	t.Helper()
	web := httptest.NewServer(h)
	t.Cleanup(func() {
		// The page's event stream is a request that lasts: end it before Close waits for it.
		web.CloseClientConnections()
		web.Close()
	})
	return web.URL
}
