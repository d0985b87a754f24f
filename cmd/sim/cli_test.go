package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// builtSim is the sim binary, built once for every test that runs it (go build takes seconds of
// the two cores); removeBuiltSim, from TestMain, removes it.
var builtSim = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sim-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func removeBuiltSim() {
	if bin, err := builtSim(); err == nil {
		_ = os.RemoveAll(filepath.Dir(bin))
	}
}

// buildSim returns the built binary; tests that run it are skipped with -short.
func buildSim(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the sim binary and runs it; run without -short")
	}
	bin, err := builtSim()
	require.NoError(t, err)
	return bin
}

// runBin runs the built binary to its end and returns its exit status and output.
func runBin(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(buildSim(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// Help, asked for in any of the usual ways, is the command list on stdout with exit status 0;
// "sim help CMD" is "sim CMD -h".
func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"help"}} {
		code, stdout, stderr := runBin(t, args...)
		require.Equal(t, 0, code, "%v: %s", args, stderr)
		require.Empty(t, stderr, "%v", args)
		for _, c := range commands {
			require.Contains(t, stdout, "\n  "+c.name+" ", "%v", args)
		}
	}
	code, stdout, _ := runBin(t, "help", "load")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(stdout, "usage: sim load "), stdout)
	require.Contains(t, stdout, "-topic-count")

	// Without a command it is a usage error: the list on stderr, exit status 2.
	code, stdout, stderr := runBin(t)
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "usage: sim <command>")
}

// sim version prints the main module's version as the binary's build information has it (what
// go version -m reads), and the Go version it was built with.
func TestCLIVersion(t *testing.T) {
	bin := buildSim(t)
	out, err := exec.Command("go", "version", "-m", bin).Output()
	require.NoError(t, err)
	mod := regexp.MustCompile(`(?m)^\tmod\t(\S+)\t(\S+)`).FindStringSubmatch(string(out))
	require.NotNil(t, mod, string(out))
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := runBin(t, args...)
		require.Equal(t, 0, code, stderr)
		require.Regexp(t, `^sim `+regexp.QuoteMeta(mod[1]+" "+mod[2])+` .*`+regexp.QuoteMeta(runtime.Version())+"\n$", stdout)
	}
	code, _, stderr := runBin(t, "version", "extra")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "unexpected arguments")
}

// A command line that cannot be parsed gets exactly one line on stderr, saying why and where
// the help is, and exit status 2; nothing on stdout.
func TestCLIUsageErrorsAreOneLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		why  string
	}{
		{[]string{"serve", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"serve", "-brokers"}, "flag needs an argument: -brokers"},
		{[]string{"serve", "-log-level", "loud"}, `-log-level "loud"`},
		{[]string{"serve", "-topics", "T:0"}, "queue count must be 1..1024"},
		{[]string{"serve", "extra"}, "unexpected arguments: [extra]"},
		{[]string{"load", "-mode", "fast"}, `-mode: unknown mode "fast"`},
		{[]string{"load", "-duration", "1s", "-messages", "10"}, "give -duration or -messages, not both"},
		{[]string{"load", "-topics", "3"}, "sim load takes -topic-count N"},
		{[]string{"load", "-topic-count", "0"}, "-topic-count must be at least 1"},
		{[]string{"real", "-brokers", "0"}, "-brokers must be at least 1"},
		{[]string{"real", "-log-level", "loud"}, `-log-level "loud"`},
		{[]string{"proxy"}, "-upstream is required"},
		{[]string{"proxy", "-upstream", "127.0.0.1:1", "-log-level", "loud"}, `-log-level "loud"`},
		{[]string{"version", "-x"}, "flag provided but not defined: -x"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runBin(t, tt.args...)
			require.Equal(t, 2, code, stderr)
			require.Empty(t, stdout)
			require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
			require.True(t, strings.HasPrefix(stderr, "sim "+tt.args[0]+": "), stderr)
			require.Contains(t, stderr, tt.why)
			require.True(t, strings.HasSuffix(stderr, " (see `sim "+tt.args[0]+" -h`)\n"), stderr)
		})
	}
	code, stdout, stderr := runBin(t, "explode")
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Equal(t, "sim: unknown command \"explode\" (see `sim -h`)\n", stderr)
}

// flagDefault reads a flag's documented default from "sim CMD -h".
func flagDefault(t *testing.T, cmd, flag string) (usage string) {
	t.Helper()
	code, stdout, _ := runBin(t, cmd, "-h")
	require.Equal(t, 0, code)
	i := strings.Index(stdout, "\n  -"+flag+" ")
	require.GreaterOrEqual(t, i, 0, "sim %s has no -%s:\n%s", cmd, flag, stdout)
	rest := stdout[i+1:]
	if j := strings.Index(rest, "\n  -"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// The flags the commands share mean the same and have the same defaults: -brokers 1 wherever a
// command starts a cluster, -log-level info wherever a command logs.
func TestCLISharedFlags(t *testing.T) {
	for _, cmd := range []string{"serve", "real", "load"} {
		require.Contains(t, flagDefault(t, cmd, "brokers"), "(default 1", cmd)
	}
	for _, cmd := range []string{"serve", "real", "proxy"} {
		require.Contains(t, flagDefault(t, cmd, "log-level"), `(default "info")`, cmd)
	}
	// Load's default cluster really has one broker: a plan that needs broker-b, without
	// "brokers", is refused before anything starts.
	plan := filepath.Join(t.TempDir(), "needs-b.json")
	require.NoError(t, os.WriteFile(plan, []byte(`{"steps":[{"at":"1s","action":"crash","broker":"broker-b"}]}`), 0o644))
	code, stdout, stderr := runBin(t, "load", "-plan", plan, "-messages", "10")
	require.Equal(t, 2, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "broker-b")
}

// At info level, sim serve logs what the admin API changed and the requests fault rules took.
func TestServeLogsAdminActionsAndFaultHits(t *testing.T) {
	cmd := exec.Command(buildSim(t), "serve", "-namesrv", "127.0.0.1:0", "-admin", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderrR, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// A line that never comes would hold the reads below forever: killing the process ends
	// stderr, and the test fails instead.
	deadline := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer func() {
		deadline.Stop()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan())
	ready := decodeReady(t, lines.Text())
	logs := bufio.NewScanner(stderrR)
	// waitLog reads stderr up to the first line with every part; the process's own logging is
	// the event waited on.
	waitLog := func(parts ...string) string {
		t.Helper()
		for logs.Scan() {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(logs.Text(), p)
			}
			if ok {
				return logs.Text()
			}
		}
		t.Fatalf("stderr ended without a line with %q", parts)
		return ""
	}

	code, _ := adminPost(t, ready.Admin+"/v1/faults", `{"target":"namesrv","code":105,"action":"error","responseCode":1,"times":1}`)
	require.Equal(t, http.StatusCreated, code)
	line := waitLog("admin action", "method=POST", "path=/v1/faults", "status=201")
	require.Contains(t, line, `\"code\":105`)

	c := remoting.NewClient()
	defer c.Close()
	resp, err := c.Invoke(t.Context(), ready.NameSrv, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: "TBW102"}, nil))
	require.NoError(t, err)
	require.EqualValues(t, 1, resp.Code, "the rule took the request")
	waitLog("fault hit", "target=namesrv", "action=error", "code=105")

	req, err := http.NewRequest(http.MethodPost, ready.Admin+"/v1/brokers/broker-a/stop", nil)
	require.NoError(t, err)
	r, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	waitLog("admin action", "path=/v1/brokers/broker-a/stop", "status=200")
}
