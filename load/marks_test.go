package load

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
)

// markPlan crashes broker-b and brings it back, and slows broker-a's sends for a window, so
// that a run marks a crash, a restart, and a fault window's start and end.
func markPlan() *Plan {
	return &Plan{Name: "marks", Steps: []Step{
		{At: Duration(100 * time.Millisecond), Action: "fault", Sends: true, Fault: &fakecluster.FaultRequest{
			Target: "broker-a", Rule: fault.Rule{Action: fault.ActionDelay, Delay: 5 * time.Millisecond, From: 50 * time.Millisecond, For: 200 * time.Millisecond}}},
		{At: Duration(150 * time.Millisecond), Action: "crash", Broker: "broker-b"},
		{At: Duration(300 * time.Millisecond), Action: "start", Broker: "broker-b"},
	}}
}

// The labels a run of markPlan marks.
var markLabels = []string{
	"fault broker-a delay 5ms on sends for 200ms",
	"fault window opens: fault broker-a delay 5ms on sends for 200ms",
	"crash broker-b",
	"fault window ends: fault broker-a delay 5ms on sends for 200ms",
	"start broker-b",
}

// requireMarks checks that got has markLabels, the steps' own in the plan's order (the
// windows' marks come on timers, between them as the machine's timing has it).
func requireMarks(t *testing.T, got []string) {
	t.Helper()
	require.ElementsMatch(t, markLabels, got)
	steps := slices.DeleteFunc(slices.Clone(got), func(l string) bool { return strings.HasPrefix(l, "fault window") })
	require.Equal(t, []string{markLabels[0], markLabels[2], markLabels[4]}, steps)
}

// A plan run against a sim serve through its admin API (-sim-admin) applies its steps there
// (the rules and the crash happen on the served cluster) and marks each on its timeline.
func TestPlanThroughTheSimAdminAPIIsMarked(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2))
	web := httptest.NewServer(cl.AdminHandler())
	defer web.Close()
	res := run(t, Config{NameServer: cl.NameServerAddr(), SimAdmin: web.URL, Plan: markPlan(), Topic: "LoadMarks",
		Duration: 800 * time.Millisecond, Rate: 200, Concurrency: 1, RoutePollInterval: 100 * time.Millisecond})
	for _, ev := range res.Events {
		require.Empty(t, ev.Err, ev.Text)
	}
	require.Empty(t, res.Notes)

	resp, err := http.Get(web.URL + "/v1/marks")
	require.NoError(t, err)
	defer resp.Body.Close()
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	var got []string
	for _, m := range v["marks"].([]any) {
		got = append(got, m.(map[string]any)["label"].(string))
	}
	requireMarks(t, got)
	// The rules went to the served cluster through the admin API, and the run cleared them.
	inj, err := cl.Faults("broker-a")
	require.NoError(t, err)
	require.Empty(t, inj.Rules())
	a, _ := cl.Broker("broker-a")
	require.True(t, slices.ContainsFunc(a.History().Entries(), func(e fault.Entry) bool { return e.Fault == fault.ActionDelay }),
		"the window's rule delayed sends on the served broker")
	b, _ := cl.Broker("broker-b")
	require.True(t, b.Running(), "crashed and started again through the admin API")
}

// An in-process run marks its plan's steps through Config.Mark, and OnCluster hands out the
// cluster (what `sim load -admin` serves) and is told before it closes.
func TestInProcessPlanIsMarked(t *testing.T) {
	var mu sync.Mutex
	var labels []string
	var served *fakecluster.Cluster
	detached := false
	plan := markPlan()
	plan.Brokers = 2
	run(t, Config{Plan: plan, Duration: 800 * time.Millisecond, Rate: 200, Concurrency: 1,
		Mark: func(label string) {
			mu.Lock()
			defer mu.Unlock()
			labels = append(labels, label)
			served.Mark(label) // as sim load -admin does
		},
		OnCluster: func(c *fakecluster.Cluster) func() {
			served = c
			return func() {
				// Still open: the admin API can answer until here.
				code := httptest.NewRecorder()
				c.AdminHandler().ServeHTTP(code, httptest.NewRequest("GET", "/v1/marks", nil))
				require.Equal(t, http.StatusOK, code.Code)
				detached = true
			}
		}})
	mu.Lock()
	defer mu.Unlock()
	requireMarks(t, labels)
	require.True(t, detached)
	require.Len(t, served.Marks().List(), len(markLabels))
}
