package fakecluster_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/adminhttp/adminhttptest"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
)

// eventTimeout bounds the wait for an event that must come.
const eventTimeout = 10 * time.Second

func nextEvent(t *testing.T, events <-chan map[string]any) map[string]any {
	t.Helper()
	return adminhttptest.Next(t, events, eventTimeout)
}

// A broker crashed, stopped or started from Go, not through the admin API, is an event on
// GET /v1/events all the same; starting a running broker changes nothing and is none.
func TestBrokerChangesFromGoAreEvents(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2))
	h := cl.AdminHandler()
	events := adminhttptest.Events(t, h)
	b, ok := cl.Broker("broker-b")
	require.True(t, ok)
	ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
	defer cancel()

	for _, step := range []struct {
		name   string
		do     func() error
		state  string
		online bool
	}{
		{"crash", func() error { return cl.CrashBroker("broker-b") }, "crashed", false},
		{"start after a crash", func() error { return cl.StartBroker(ctx, "broker-b") }, "started", true},
		{"stop", func() error { return cl.StopBroker(ctx, "broker-b") }, "stopped", false},
		{"start after a stop", func() error { return cl.StartBroker(ctx, "broker-b") }, "started", true},
	} {
		require.NoError(t, step.do(), step.name)
		ev := nextEvent(t, events)
		require.Equal(t, "broker", ev["type"], step.name)
		require.Equal(t, map[string]any{"name": "broker-b", "addr": b.Addr(), "state": step.state, "online": step.online}, ev["broker"], step.name)
	}

	require.NoError(t, cl.StartBroker(ctx, "broker-b"), "a running broker")
	code, _ := admin(t, h, "POST", "/v1/brokers/broker-b/stop", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "crashed", nextEvent(t, events)["broker"].(map[string]any)["state"],
		"the running broker's start was no event, and the admin API's stop is one, once")
	code, _ = admin(t, h, "POST", "/v1/marks", `{"label":"end"}`)
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, "mark", nextEvent(t, events)["type"])
}

// Silencing a broker, a fault rule added from Go and a mark made from Go are events on
// GET /v1/events, as the same changes made through the admin API are.
func TestSilenceFaultsAndMarksFromGoAreEvents(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(1))
	h := cl.AdminHandler()
	events := adminhttptest.Events(t, h)
	b, ok := cl.Broker("broker-a")
	require.True(t, ok)
	ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
	defer cancel()

	require.NoError(t, cl.SilenceBroker(ctx, "broker-a", true))
	require.Equal(t, map[string]any{"name": "broker-a", "addr": b.Addr(), "state": "silenced", "online": true}, nextEvent(t, events)["broker"])
	require.NoError(t, cl.SilenceBroker(ctx, "broker-a", false))
	require.Equal(t, map[string]any{"name": "broker-a", "addr": b.Addr(), "state": "unsilenced", "online": true}, nextEvent(t, events)["broker"])

	inj, err := cl.Faults("broker-a")
	require.NoError(t, err)
	inj.Add(fault.Rule{Code: 310, Action: fault.ActionError, ResponseCode: 2})
	ev := nextEvent(t, events)
	require.Equal(t, "fault", ev["type"])
	require.Equal(t, map[string]any{"kind": "added", "target": "broker-a", "rule": map[string]any{
		"target": "broker-a", "code": 310.0, "action": "error", "responseCode": 2.0}}, ev["fault"])
	inj.Clear()
	require.Equal(t, map[string]any{"kind": "cleared", "target": "broker-a"}, nextEvent(t, events)["fault"])

	cl.Mark("crash broker-a")
	ev = nextEvent(t, events)
	require.Equal(t, "mark", ev["type"])
	require.Equal(t, "crash broker-a", ev["mark"].(map[string]any)["label"])
	code, v := admin(t, cl.AdminHandler(), "GET", "/v1/marks", "")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, v["marks"], 1, "a mark made from Go is listed by every admin handler of the cluster")
}
