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
		{"-nosuchflag"},
		{"extra-arg"},
	} {
		code, stdout, stderr := runSim(t, append([]string{"load"}, args...)...)
		require.Equal(t, 2, code, "%v: %s", args, stderr)
		require.Empty(t, stdout, "%v", args)
		require.Contains(t, stderr, "usage: sim load", "%v", args)
	}
	code, _, stderr := runSim(t, "load", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, stderr, "-plan-speed")
}

var progressLine = regexp.MustCompile(`^Current Time: \d{13} Send TPS: \d+ Max RT\(ms\): \d+ Average RT\(ms\): +\d+\.\d{3} Send Failed: \d+ Response Failed: \d+ p50\(ms\): \d+\.\d{3} p99\(ms\): \d+\.\d{3} p99\.9\(ms\): \d+\.\d{3}$`)

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
		if strings.HasPrefix(l, "Current Time:") {
			require.Regexp(t, progressLine, l)
			progress++
		}
	}
	require.Positive(t, progress, stderr)
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
