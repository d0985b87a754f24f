package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
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

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { removeBuiltSim() }))
}

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
	// An event stream open at the stop ends with it rather than holding the stop up.
	events, err := http.Get(ready.Admin + "/v1/events")
	require.NoError(t, err)
	require.Equal(t, "text/event-stream", events.Header.Get("Content-Type"))
	streamEnded := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, events.Body)
		streamEnded <- err
	}()

	cancel()
	require.False(t, lines.Scan(), "a second line on stdout: %q", lines.Text())
	require.Equal(t, 0, <-exit)
	require.NoError(t, <-streamEnded)
	_ = events.Body.Close()
	require.Contains(t, stderr.String(), "cluster ready")
	require.NotContains(t, stderr.String(), "unclean stop")
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

// Servers on every interface, as in a container, are named by the -advertise host: in the ready
// line, in what the brokers register (routes and cluster info, which clients dial) and in the
// admin API. Without it the brokers would register [::]:PORT, which no other machine can dial.
func TestServeAdvertise(t *testing.T) {
	// 127.0.0.2 is a host no listener names, so the test tells advertised from listened; Linux
	// routes all of 127/8 to loopback.
	const host = "127.0.0.2"
	stdoutR, stdoutW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-namesrv", "0.0.0.0:0", "-advertise", host, "-brokers", "2",
			"-topics", "Orders:4", "-admin", "0.0.0.0:0", "-admin-token", "t", "-log-level", "error"}, stdoutW, io.Discard)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan())
	ready := decodeReady(t, lines.Text())

	hostOf := func(addr string) string {
		h, _, err := net.SplitHostPort(addr)
		require.NoError(t, err, addr)
		return h
	}
	require.Equal(t, host, hostOf(ready.NameSrv))
	u, err := url.Parse(ready.Admin)
	require.NoError(t, err)
	require.Equal(t, host, u.Hostname())
	advertised := map[string]string{}
	for _, b := range ready.Brokers {
		require.Equal(t, host, hostOf(b.Addr))
		advertised[b.Name] = b.Addr
	}
	require.Len(t, advertised, 2)

	// What a client is told: the name server's route names the advertised addresses, and a
	// send there is stored.
	cli := remoting.NewClient()
	defer cli.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer rcancel()
	resp, err := cli.Invoke(rctx, ready.NameSrv, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: "Orders"}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	route, err := protocol.DecodeTopicRouteData(resp.Body)
	require.NoError(t, err)
	routed := map[string]string{}
	for _, bd := range route.BrokerDatas {
		routed[bd.BrokerName] = bd.BrokerAddrs[0]
	}
	require.Equal(t, advertised, routed)
	h := protocol.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "Orders", DefaultTopic: protocol.AutoCreateTopicKey,
		DefaultTopicQueueNums: 4, BornTimestamp: time.Now().UnixMilli()}
	resp, err = cli.Invoke(rctx, advertised["broker-b"], protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("hi")))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	req, err := http.NewRequest(http.MethodGet, ready.Admin+"/v1/cluster", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	hresp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var status struct {
		NameSrv struct{ Addr string }
		Brokers []struct {
			Name, Addr string
			Registered bool
		}
	}
	require.NoError(t, json.NewDecoder(hresp.Body).Decode(&status))
	_ = hresp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	require.Equal(t, ready.NameSrv, status.NameSrv.Addr)
	require.Len(t, status.Brokers, 2)
	for _, b := range status.Brokers {
		require.Equal(t, advertised[b.Name], b.Addr)
		require.True(t, b.Registered, b.Name)
	}

	cancel()
	require.False(t, lines.Scan())
	require.Equal(t, 0, <-exit)
}

// An admin API on every interface answers only requests with its token; the token can come
// from the environment so that it stays out of the process list.
func TestServeAdminToken(t *testing.T) {
	for _, fromEnv := range []bool{false, true} {
		t.Run(map[bool]string{false: "flag", true: "environment"}[fromEnv], func(t *testing.T) {
			args := []string{"serve", "-namesrv", "127.0.0.1:0", "-admin", "0.0.0.0:0", "-log-level", "error"}
			if fromEnv {
				t.Setenv(adminTokenEnv, "s3cret")
			} else {
				args = append(args, "-admin-token", "s3cret")
			}
			stdoutR, stdoutW := io.Pipe()
			ctx, cancel := context.WithCancel(context.Background())
			exit := make(chan int, 1)
			go func() {
				code := run(ctx, args, stdoutW, io.Discard)
				_ = stdoutW.Close()
				exit <- code
			}()
			lines := bufio.NewScanner(stdoutR)
			require.True(t, lines.Scan())
			ready := decodeReady(t, lines.Text())
			u, err := url.Parse(ready.Admin)
			require.NoError(t, err)
			require.True(t, net.ParseIP(u.Hostname()).IsUnspecified(), "listening on every interface: %s", ready.Admin)
			base := "http://127.0.0.1:" + u.Port()

			get := func(token string) int {
				req, err := http.NewRequest(http.MethodGet, base+"/v1/cluster", nil)
				require.NoError(t, err)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				_ = resp.Body.Close()
				return resp.StatusCode
			}
			require.Equal(t, http.StatusUnauthorized, get(""))
			require.Equal(t, http.StatusUnauthorized, get("guess"))
			require.Equal(t, http.StatusOK, get("s3cret"))
			http.DefaultClient.CloseIdleConnections()
			cancel()
			require.False(t, lines.Scan())
			require.Equal(t, 0, <-exit)
		})
	}
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
		{"advertise with a port", []string{"serve", "-advertise", "10.0.0.5:10911"}, 2, "without a port"},
		{"bad TLS mode", []string{"serve", "-tls-mode", "strict"}, 2, `-tls-mode "strict"`},
		{"TLS mode disabled with -tls", []string{"serve", "-tls", "-tls-mode", "disabled"}, 2, "want permissive or enforcing"},
		{"certificate without key", []string{"serve", "-tls-cert", "c.pem"}, 2, "-tls-cert and -tls-key go together"},
		{"missing certificate", []string{"serve", "-tls-cert", "nope.pem", "-tls-key", "nope.key"}, 2, "no such file"},
		{"negative limit", []string{"serve", "-max-conns", "-1"}, 2, "cannot be negative"},
		{"busy port", []string{"serve", "-namesrv", busy.Addr().String()}, 1, "address already in use"},
		{"admin beyond loopback without a token", []string{"serve", "-namesrv", "127.0.0.1:0", "-admin", "0.0.0.0:0"}, 1, "needs a bearer token"},
		{"proxy admin beyond loopback without a token", []string{"proxy", "-upstream", busy.Addr().String(), "-listen", "127.0.0.1:0", "-admin", "[::]:0"}, 1, "needs a bearer token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			require.Equal(t, tt.code, code, stderr.String())
			if tt.code == 0 { // help, asked for, goes to stdout
				require.Contains(t, stdout.String(), tt.stderr)
				require.Empty(t, stderr.String())
				return
			}
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
	bin := buildSim(t)
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

// -cpuprofile writes a profile of the whole run that go tool pprof reads (gzip-compressed
// protobuf), finished by the stop; a file that cannot be created stops serve before it starts.
func TestServeCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-namesrv", "127.0.0.1:0", "-brokers", "1", "-cpuprofile", path}, stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	ready := decodeReady(t, lines.Text())
	require.Equal(t, []string{"broker-a"}, routeBrokers(t, ready.NameSrv, "TBW102"))
	cancel()
	require.False(t, lines.Scan())
	require.Equal(t, 0, <-exit, stderr.String())

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err, "not a finished profile")
	data, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.NotEmpty(t, data)

	stderr = newLockedWriter()
	code := run(context.Background(), []string{"serve", "-namesrv", "127.0.0.1:0", "-cpuprofile", filepath.Join(path, "no", "such", "dir")}, io.Discard, stderr)
	require.NotZero(t, code)
	require.Contains(t, stderr.String(), "-cpuprofile")
}
