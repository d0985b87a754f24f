package browsertest

import (
	"net/http/httptest"
	"testing"

	"github.com/rocketsim/rocketsim/fakecluster"
)

// newAdminServer serves the cluster's admin API on loopback, as `sim serve -admin` does, and
// returns its base URL.
func newAdminServer(t *testing.T, cluster *fakecluster.Cluster) string {
	t.Helper()
	web := httptest.NewServer(cluster.AdminHandler())
	t.Cleanup(func() {
		// The page's event stream is a request that lasts: end it before Close waits for it.
		web.CloseClientConnections()
		web.Close()
	})
	return web.URL
}
