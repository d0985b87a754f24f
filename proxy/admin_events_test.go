package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
)

// adminEvents opens GET /v1/events on h and returns the data of its broker and fault events
// (requests left out), read until the test ends.
func adminEvents(t *testing.T, h http.Handler) <-chan map[string]any {
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

func nextEvent(t *testing.T, events <-chan map[string]any) map[string]any {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(timeout):
		t.Fatal("no event within", timeout)
		return nil
	}
}

// A broker's listeners crashed, stopped or started from Go, not through the admin API, are an
// event on GET /v1/events all the same; starting running ones changes nothing and is none.
func TestBrokerChangesFromGoAreEvents(t *testing.T) {
	_, p := cluster(t)
	h := p.AdminHandler()
	events := adminEvents(t, h)
	addr := proxied(t, p, "broker-b").Addr

	type change struct {
		name   string
		do     func() error
		state  string
		online bool
	}
	changes := []change{
		{"crash", func() error { return p.CrashBroker("broker-b") }, "crashed", false},
		{"start after a crash", func() error { return p.StartBroker(ctx(t), "broker-b") }, "started", true},
		{"stop", func() error { return p.StopBroker(ctx(t), "broker-b") }, "stopped", false},
		{"start after a stop", func() error { return p.StartBroker(ctx(t), "broker-b") }, "started", true},
	}
	if runtime.GOOS == "linux" { // black holes on TCP need Linux
		changes = append(changes,
			change{"black hole", func() error { return p.BlackHoleBroker("broker-b") }, "black-holed", false},
			change{"start after a black hole", func() error { return p.StartBroker(ctx(t), "broker-b") }, "started", true})
	}
	for _, step := range changes {
		require.NoError(t, step.do(), step.name)
		ev := nextEvent(t, events)
		require.Equal(t, "broker", ev["type"], step.name)
		require.Equal(t, map[string]any{"name": "broker-b", "addr": addr, "state": step.state, "online": step.online}, ev["broker"], step.name)
	}

	require.NoError(t, p.StartBroker(ctx(t), "broker-b"), "running listeners")
	code, _ := adminCall(t, h, "POST", "/v1/brokers/broker-b/stop", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "crashed", nextEvent(t, events)["broker"].(map[string]any)["state"],
		"the running broker's start was no event, and the admin API's stop is one, once")
	// A rule added from Go, and a mark made from Go, are events too.
	inj, ok := p.Faults("broker-b")
	require.True(t, ok)
	inj.Add(fault.Rule{Action: fault.ActionDrop})
	require.Equal(t, map[string]any{"kind": "added", "target": "broker-b", "rule": map[string]any{"target": "broker-b", "action": "drop"}},
		nextEvent(t, events)["fault"])
	p.Mark("checkpoint")
	require.Equal(t, "checkpoint", nextEvent(t, events)["mark"].(map[string]any)["label"])
}
