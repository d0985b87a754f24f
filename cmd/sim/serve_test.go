package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lockedWriter is a bytes.Buffer safe to write from run's goroutine and read from the test.
type lockedWriter struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newLockedWriter() *lockedWriter { return &lockedWriter{mu: make(chan struct{}, 1)} }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	return w.buf.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	return w.buf.String()
}

// decodeReady parses the ready line strictly: any field outside the contract fails.
func decodeReady(t *testing.T, line string) serveReady {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	var r serveReady
	require.NoError(t, dec.Decode(&r), line)
	return r
}

func routeBrokers(t *testing.T, ns, topic string) []string {
	t.Helper()
	c := remoting.NewClient()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Invoke(ctx, ns, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: topic}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	r, err := protocol.DecodeTopicRouteData(resp.Body)
	require.NoError(t, err)
	var names []string
	for _, q := range r.QueueDatas {
		names = append(names, q.BrokerName)
		if topic == "Audit" {
			require.EqualValues(t, 8, q.WriteQueueNums)
		}
	}
	return names
}

func TestServeContract(t *testing.T) {
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-namesrv", "127.0.0.1:0", "-brokers", "2", "-topics", "Orders:4,Audit",
			"-admin", "127.0.0.1:0"}, stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	ready := decodeReady(t, lines.Text())

	require.Len(t, ready.Brokers, 2)
	require.Equal(t, "broker-a", ready.Brokers[0].Name)
	require.Equal(t, "broker-b", ready.Brokers[1].Name)
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, routeBrokers(t, ready.NameSrv, "Orders"))
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, routeBrokers(t, ready.NameSrv, "Audit"))

	require.True(t, strings.HasPrefix(ready.Admin, "http://127.0.0.1:"), ready.Admin)
	resp, err := http.Get(ready.Admin + "/v1/cluster")
	require.NoError(t, err)
	var status struct {
		Brokers []struct{ Name, Addr string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&status))
	_ = resp.Body.Close()
	require.Equal(t, ready.Brokers[1].Addr, status.Brokers[1].Addr)
	http.DefaultClient.CloseIdleConnections()

	cancel()
	require.False(t, lines.Scan(), "a second line on stdout: %q", lines.Text())
	require.Equal(t, 0, <-exit)
	require.Contains(t, stderr.String(), "cluster ready")
	// The graceful stop closed the name server.
	_, err = net.DialTimeout("tcp", ready.NameSrv, time.Second)
	require.Error(t, err)
}

func TestServeWithoutAdminAndFixedPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	stdoutR, stdoutW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-namesrv", "127.0.0.1:0", "-broker-port", itoa(port), "-log-level", "error"}, stdoutW, io.Discard)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan())
	ready := decodeReady(t, lines.Text())
	require.NotContains(t, lines.Text(), "admin")
	require.Equal(t, []serveBroker{{Name: "broker-a", Addr: "127.0.0.1:" + itoa(port)}}, ready.Brokers)
	cancel()
	require.False(t, lines.Scan())
	require.Equal(t, 0, <-exit)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestServeBadCommandLines(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no command", nil, 2, "usage: sim"},
		{"unknown command", []string{"explode"}, 2, `unknown command "explode"`},
		{"help", []string{"help"}, 0, "serve"},
		{"serve help", []string{"serve", "-h"}, 0, "-namesrv"},
		{"unknown flag", []string{"serve", "-nope"}, 2, "-nope"},
		{"stray argument", []string{"serve", "extra"}, 2, "unexpected arguments"},
		{"bad topic", []string{"serve", "-topics", "bad topic!"}, 2, "topic"},
		{"bad queue count", []string{"serve", "-topics", "T:0"}, 2, "queue count"},
		{"no brokers", []string{"serve", "-brokers", "0"}, 2, "-brokers"},
		{"bad log level", []string{"serve", "-log-level", "loud"}, 2, "log-level"},
		{"bad namesrv", []string{"serve", "-namesrv", "nowhere"}, 1, "-namesrv"},
		{"busy port", []string{"serve", "-namesrv", busy.Addr().String()}, 1, "address already in use"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			require.Equal(t, tt.code, code, stderr.String())
			require.Contains(t, stderr.String(), tt.stderr)
			require.Empty(t, stdout.String())
		})
	}
}

// The built binary stops gracefully on SIGINT and SIGTERM with exit status 0, having printed
// exactly one line on stdout.
func TestServeSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sim")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "-namesrv", "127.0.0.1:0", "-brokers", "2")
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			stderr := newLockedWriter()
			cmd.Stderr = stderr
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(stdout)
			require.True(t, lines.Scan(), stderr.String())
			ready := decodeReady(t, lines.Text())
			require.Len(t, ready.Brokers, 2)
			require.NoError(t, cmd.Process.Signal(sig))
			require.False(t, lines.Scan(), "a second line on stdout: %q", lines.Text())
			require.NoError(t, cmd.Wait(), stderr.String())
			require.Equal(t, 0, cmd.ProcessState.ExitCode())
			require.Contains(t, stderr.String(), "stopping")
		})
	}
}

// sim real prints serve's ready line for real servers and stops them on interrupt.
func TestRealServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts JVMs")
	}
	if err := realrmq.Available(t.Context(), realrmq.DefaultVersion); err != nil {
		realrmq.SkipUnavailable(t, err)
		t.Fatal(err)
	}
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"real", "-brokers", "1"}, stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	ready := decodeReady(t, lines.Text())
	require.Len(t, ready.Brokers, 1)
	require.Equal(t, []string{"broker-a"}, routeBrokers(t, ready.NameSrv, "TBW102"))
	cancel()
	require.False(t, lines.Scan())
	require.Equal(t, 0, <-exit, stderr.String())
}
