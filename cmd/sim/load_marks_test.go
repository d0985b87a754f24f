package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// marksPlan crashes broker-b and brings it back and adds a one-shot delay on broker-a's sends.
const marksPlan = `{"steps":[
 {"at":"0s","action":"fault","sends":true,"fault":{"target":"broker-a","action":"delay","delayMs":5,"times":1}},
 {"at":"200ms","action":"crash","broker":"broker-b"},
 {"at":"400ms","action":"start","broker":"broker-b"}]}`

var marksWanted = []string{"fault broker-a delay 5ms on sends x1", "crash broker-b", "start broker-b"}

func writePlan(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// getJSON decodes a GET's answer generically, as a client in any language would.
func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v
}

func labelsOf(marks []any) []string {
	var out []string
	for _, m := range marks {
		out = append(out, m.(map[string]any)["label"].(string))
	}
	return out
}

// sim load -namesrv -sim-admin runs its plan against a sim serve through the serve's admin API
// and marks each step on the serve's timeline; the crash and the rule happen there.
func TestLoadPlanThroughSimAdmin(t *testing.T) {
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-namesrv", "127.0.0.1:0", "-brokers", "2", "-admin", "127.0.0.1:0", "-log-level", "warn"}, stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	defer func() {
		cancel()
		require.Equal(t, 0, <-exit, stderr.String())
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	ready := decodeReady(t, lines.Text())

	code, stdout, loadErr := runSim(t, "load", "-namesrv", ready.NameSrv, "-sim-admin", ready.Admin, "-plan", writePlan(t, marksPlan),
		"-duration", "1s", "-rate", "100", "-concurrency", "1", "-route-poll", "100ms", "-json")
	require.Equal(t, 0, code, loadErr)
	require.NotEmpty(t, stdout)
	require.Contains(t, loadErr, "Plan step +")
	require.NotContains(t, loadErr, "FAILED")

	require.Equal(t, marksWanted, labelsOf(getJSON(t, ready.Admin+"/v1/marks")["marks"].([]any)))
	history := getJSON(t, ready.Admin+"/v1/history?target=broker-a&code=310")["requests"].([]any)
	delayed := 0
	for _, r := range history {
		if r.(map[string]any)["fault"] == "delay" {
			delayed++
		}
	}
	require.Equal(t, 1, delayed, "the plan's rule went to the served broker")
	http.DefaultClient.CloseIdleConnections()
}

// sim load -admin serves its in-process cluster's admin API and console for the run; its event
// stream shows each plan step as a mark, and ends when the run does.
func TestLoadAdminMarksThePlan(t *testing.T) {
	stderrR, stderrW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	exit := make(chan int, 1)
	var stdout strings.Builder
	go func() {
		code := run(ctx, []string{"load", "-brokers", "2", "-admin", "127.0.0.1:0", "-plan", writePlan(t, marksPlan),
			"-duration", "1500ms", "-rate", "100", "-concurrency", "1", "-route-poll", "100ms"}, &stdout, stderrW)
		_ = stderrW.Close()
		exit <- code
	}()
	var admin string
	var errLines []string
	sc := bufio.NewScanner(stderrR)
	for admin == "" && sc.Scan() {
		errLines = append(errLines, sc.Text())
		admin, _ = strings.CutPrefix(sc.Text(), "Admin API and console: ")
	}
	require.NotEmpty(t, admin, "no admin line: %s", errLines)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for sc.Scan() {
			errLines = append(errLines, sc.Text())
		}
	}()

	req, err := http.NewRequestWithContext(ctx, "GET", admin+"/v1/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var marks []string
	events := bufio.NewScanner(resp.Body)
	for events.Scan() { // until the run ends and its admin API with it
		data, ok := strings.CutPrefix(events.Text(), "data: ")
		if !ok {
			continue
		}
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(data), &ev))
		if ev["type"] == "mark" {
			marks = append(marks, ev["mark"].(map[string]any)["label"].(string))
		}
	}
	require.Equal(t, 0, <-exit)
	<-drained
	require.Equal(t, marksWanted, marks, "stderr: %s", errLines)
	http.DefaultClient.CloseIdleConnections()
}
