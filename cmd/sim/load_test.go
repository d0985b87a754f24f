package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/load"
)

func runSim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoadBadFlagsExit2(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(plan, []byte(`{"steps":[{"at":"1s","action":"explode"}]}`), 0o644))
	consumerPlan := filepath.Join(t.TempDir(), "noconsumers.json")
	require.NoError(t, os.WriteFile(consumerPlan, []byte(`{"steps":[{"at":"1s","action":"kill-consumer"}]}`), 0o644))
	for _, args := range [][]string{
		{"-mode", "fast"},
		{"-duration", "1s", "-messages", "10"},
		{"-messages", "0"},
		{"-duration", "-1s"},
		{"-concurrency", "0"},
		{"-producers", "-1"},
		{"-plan-speed", "0"},
		{"-size", "-1"},
		{"-rate", "-5"},
		{"-retries", "-1"},
		{"-topic", "no spaces allowed"},
		{"-plan", "/does/not/exist.json"},
		{"-plan", plan},
		{"-plan", "../../examples/plans/broker-crash.json", "-namesrv", "127.0.0.1:9876"},
		{"-namesrv", "127.0.0.1:9876", "-brokers", "3"},
		{"-namesrv", "127.0.0.1:9876", "-admin", "127.0.0.1:0"},
		{"-sim-admin", "http://127.0.0.1:8080"},
		{"-namesrv", "127.0.0.1:9876", "-sim-admin", "127.0.0.1:8080"},
		{"-consumer-kind", "pubsub"},
		{"-consumers", "-1"},
		{"-consumers", "1", "-consume-fail-rate", "1.5"},
		{"-consumers", "1", "-consumer-kind", "litepull", "-consume-fail-rate", "0.1"},
		{"-consumers", "1", "-consume-time", "-1s"},
		{"-consumers", "1", "-drain", "0s"},
		{"-consumers", "1", "-consumer-kind", "orderly", "-mode", "async"},
		{"-max-failed", "-5"},
		{"-plan", consumerPlan},
		{"-nosuchflag"},
		{"extra-arg"},
	} {
		code, stdout, stderr := runSim(t, append([]string{"load"}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, stderr)
		require.Empty(t, stdout, "%v", args)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "%v: one line, not the usage: %s", args, stderr)
		require.True(t, strings.HasSuffix(stderr, " (see `sim load -h`)\n"), "%v: %s", args, stderr)
	}
	code, stdout, _ := runSim(t, "load", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "-plan-speed")
}

var progressLine = regexp.MustCompile(`^Elapsed\(s\): \d+\.\d{2} Send TPS: \d+ Max RT\(ms\): \d+ Average RT\(ms\): +\d+\.\d{3} Send Failed: \d+ Response Failed: \d+ p50\(ms\): \d+\.\d{3} p99\(ms\): \d+\.\d{3} p99\.9\(ms\): \d+\.\d{3}( Consume TPS: \d+ Lag: \d+)?( \| broker-[a-z] TPS: \d+ Failed/s: \d+ Retries/s: \d+)*$`)

// decodeSummary parses the last line of stdout strictly against the contract.
func decodeSummary(t *testing.T, stdout string) load.Summary {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
	dec.DisallowUnknownFields()
	var s load.Summary
	require.NoError(t, dec.Decode(&s), stdout)
	require.False(t, dec.More())
	return s
}

func TestLoadJSONAndProgress(t *testing.T) {
	report := filepath.Join(t.TempDir(), "run.html")
	code, stdout, stderr := runSim(t, "load", "-messages", "300", "-mode", "async", "-concurrency", "2", "-interval", "50ms", "-json", "-report", report)
	require.Equal(t, 0, code, stderr)
	s := decodeSummary(t, stdout)
	require.Equal(t, "async", s.Mode)
	require.Equal(t, load.Counts{Sent: 300, Acked: 300}, s.Messages)
	require.Equal(t, 1, strings.Count(stdout, "\n"), "one line on stdout")

	var progress int
	for l := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(l, "Elapsed(s):") {
			require.Regexp(t, progressLine, l)
			progress++
		}
	}
	require.Positive(t, progress, stderr)
	// The summary in the progress lines' units, and each broker's part.
	require.Regexp(t, `(?m)^Done: async, .* in \d+\.\d{2}s \(Send TPS: \d+\); latency p50\(ms\): \d+\.\d{3} p90\(ms\): \d+\.\d{3} p99\(ms\): \d+\.\d{3} p99\.9\(ms\): \d+\.\d{3} max\(ms\): \d+\.\d{3}$`, stderr)
	require.Regexp(t, `(?m)^Broker broker-a: acked \d+, failed attempts 0, retries taken 0$`, stderr)
	html, err := os.ReadFile(report)
	require.NoError(t, err)
	require.Contains(t, string(html), `id="chart-throughput"`)
}

func TestLoadPlanStepsInProgress(t *testing.T) {
	code, stdout, stderr := runSim(t, "load", "-plan", "../../examples/plans/busy-broker.json", "-plan-speed", "20",
		"-rate", "2000", "-interval", "50ms", "-json")
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `(?m)^Plan step \+\d+\.\d\ds: fault broker-a error code 2 on sends p=0.3 for 300ms$`, stderr)
	s := decodeSummary(t, stdout)
	require.Zero(t, s.Messages.Lost)
	require.Equal(t, s.Messages.Sent, s.Messages.Acked+s.Messages.Failed)
}

// The exit status a CI job can trust: 1, with the reason on stderr, for each way a run fails.
func TestLoadExitStatus(t *testing.T) {
	dir := t.TempDir()
	writePlan := func(name, body string) string {
		file := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(file, []byte(body), 0o644))
		return file
	}
	late := writePlan("late.json", `{"brokers":1,"steps":[{"at":"1h","action":"crash","broker":"broker-a"}]}`)
	refuse := `{"brokers":1,"steps":[{"at":0,"action":"fault","sends":true,"fault":{"target":"broker-a","action":"error","responseCode":2,"times":3}}]}`
	refusing := writePlan("refusing.json", refuse)
	expected := writePlan("expected.json", strings.Replace(refuse, `"brokers":1,`, `"brokers":1,"expectsFailures":true,`, 1))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		reason string
	}{
		{"no name server", []string{"-namesrv", "127.0.0.1:1", "-messages", "3", "-send-timeout", "200ms"}, 1, "3 send(s) failed, more than -max-failed 0"},
		{"any failures allowed", []string{"-namesrv", "127.0.0.1:1", "-messages", "3", "-send-timeout", "200ms", "-max-failed", "-1"}, 0, ""},
		{"never consumed", []string{"-messages", "40", "-consumers", "1", "-consume-time", "1s", "-drain", "300ms"}, 1, "acknowledged message(s) lost: never consumed within the drain of 300ms"},
		{"step not reached", []string{"-plan", late, "-duration", "200ms"}, 1, "1 plan step(s) not reached before the run ended"},
		{"failures beyond the limit", []string{"-plan", refusing, "-messages", "20", "-concurrency", "1"}, 1, "3 send(s) failed, more than -max-failed 0"},
		{"failures within the limit", []string{"-plan", refusing, "-messages", "20", "-concurrency", "1", "-max-failed", "3"}, 0, ""},
		{"failures the plan expects", []string{"-plan", expected, "-messages", "20", "-concurrency", "1"}, 0, ""},
		{"none, though the plan expects them", []string{"-plan", expected, "-messages", "20", "-concurrency", "1", "-max-failed", "0"}, 1, "3 send(s) failed, more than -max-failed 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runSim(t, append([]string{"load", "-interval", "50ms"}, tc.args...)...)
			require.Equal(t, tc.code, code, stderr)
			if tc.reason != "" {
				require.Contains(t, stderr, tc.reason)
			}
		})
	}
}

func TestLoadConsumersJSON(t *testing.T) {
	code, stdout, stderr := runSim(t, "load", "-messages", "300", "-consumers", "2", "-rate", "2000", "-interval", "50ms", "-json")
	require.Equal(t, 0, code, stderr)
	s := decodeSummary(t, stdout)
	require.Equal(t, load.Counts{Sent: 300, Acked: 300}, s.Messages)
	require.NotNil(t, s.Consumption)
	require.Equal(t, "push", s.Consumption.Kind)
	require.Equal(t, int64(300), s.Consumption.Consumed)
	require.Zero(t, s.Consumption.Lost)
	require.NotNil(t, s.IntendedLatencyMicros)
	require.Regexp(t, `(?m)^Elapsed\(s\): .* Consume TPS: \d+ Lag: \d+( \|.*)?$`, stderr)
	require.Regexp(t, `(?m)^Consumed: 2 consumer\(s\) \(push\): consumed 300, lost 0, `, stderr)
	require.Regexp(t, `(?m)^Latency from the intended send times \(-rate; service time above\): p50\(ms\): \d+\.\d{3} `, stderr)
}
