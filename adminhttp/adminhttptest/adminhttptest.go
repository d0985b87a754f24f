// Package adminhttptest reads the admin API's event stream in tests of the servers that serve
// it (fakecluster, proxy), so that each reads it the same way.
package adminhttptest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Events serves h until the test ends, opens its GET /v1/events and returns the data of every
// event but the requests' (broker, fault and mark events), decoded generically.
func Events(t testing.TB, h http.Handler) <-chan map[string]any {
	t.Helper()
	web := httptest.NewServer(h)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", web.URL+"/v1/events", nil)
	require.NoError(t, err)
	resp, err := web.Client().Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	out := make(chan map[string]any, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev map[string]any
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Errorf("bad event %q: %v", data, err)
				return
			}
			if ev["type"] != "request" {
				out <- ev
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = resp.Body.Close()
		<-done
		web.Close()
	})
	return out
}

// Next returns the next event, failing the test when none comes within timeout.
func Next(t testing.TB, events <-chan map[string]any, timeout time.Duration) map[string]any {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(timeout):
		t.Fatal("no event within", timeout)
		return nil
	}
}
