package proxy_test

import (
	"net/http"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/adminhttp/adminhttptest"
	"github.com/rocketsim/rocketsim/fault"
)

func nextEvent(t *testing.T, events <-chan map[string]any) map[string]any {
	t.Helper()
	return adminhttptest.Next(t, events, timeout)
}

// A broker's listeners crashed, stopped or started from Go, not through the admin API, are an
// event on GET /v1/events all the same; starting running ones changes nothing and is none.
func TestBrokerChangesFromGoAreEvents(t *testing.T) {
	_, p := cluster(t)
	h := p.AdminHandler()
	events := adminhttptest.Events(t, h)
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
