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
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// routeAddrs asks the name server at ns for topic's route and returns its master addresses by
// broker name.
func routeAddrs(t *testing.T, ns, topic string) map[string]string {
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
	out := map[string]string{}
	for _, bd := range r.BrokerDatas {
		if a, ok := bd.MasterAddr(); ok {
			out[bd.BrokerName] = a
		}
	}
	return out
}

// adminPost posts body to the admin API and returns the status and the decoded answer.
func adminPost(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return resp.StatusCode, v
}

func TestProxyContract(t *testing.T) {
	fc := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4))
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"proxy", "-upstream", fc.NameServerAddr(), "-listen", "127.0.0.1:0", "-admin", "127.0.0.1:0"}, stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	ready := decodeReady(t, lines.Text())

	require.NotEqual(t, fc.NameServerAddr(), ready.NameSrv)
	require.Len(t, ready.Brokers, 2)
	require.Equal(t, "broker-a", ready.Brokers[0].Name)
	require.Equal(t, "broker-b", ready.Brokers[1].Name)
	for i, b := range fc.Brokers() {
		require.NotEqual(t, b.Addr(), ready.Brokers[i].Addr, "the proxy's listener, not the broker")
	}
	require.Equal(t, map[string]string{"broker-a": ready.Brokers[0].Addr, "broker-b": ready.Brokers[1].Addr},
		routeAddrs(t, ready.NameSrv, "Orders"), "routes name the proxy's listeners")

	require.True(t, strings.HasPrefix(ready.Admin, "http://127.0.0.1:"), ready.Admin)
	resp, err := http.Get(ready.Admin + "/v1/cluster")
	require.NoError(t, err)
	var status struct {
		NameSrv struct{ Addr string }
		Brokers []struct{ Name, Addr string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&status))
	_ = resp.Body.Close()
	require.Equal(t, ready.NameSrv, status.NameSrv.Addr)
	require.Equal(t, ready.Brokers[1].Addr, status.Brokers[1].Addr)
	code, v := adminPost(t, ready.Admin+"/v1/faults", `{"target":"namesrv","code":105,"action":"error","responseCode":1,"times":1}`)
	require.Equal(t, http.StatusCreated, code, v)
	c := remoting.NewClient()
	defer c.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer rcancel()
	refused, err := c.Invoke(rctx, ready.NameSrv, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: "Orders"}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.SystemError, refused.Code, "the fault hit")
	code, v = adminPost(t, ready.Admin+"/v1/brokers/broker-b/stop", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]string{"broker-a": ready.Brokers[0].Addr}, routeAddrs(t, ready.NameSrv, "Orders"))
	http.DefaultClient.CloseIdleConnections()

	cancel()
	require.False(t, lines.Scan(), "a second line on stdout: %q", lines.Text())
	require.Equal(t, 0, <-exit)
	require.Contains(t, stderr.String(), "proxy ready")
	_, err = net.DialTimeout("tcp", ready.NameSrv, time.Second)
	require.Error(t, err, "the graceful stop closed the proxy")
	require.Equal(t, map[string]string{"broker-a": fc.Brokers()[0].Addr(), "broker-b": fc.Brokers()[1].Addr()},
		routeAddrs(t, fc.NameServerAddr(), "Orders"), "the cluster behind is untouched")
}

func TestProxyBadCommandLines(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	require.NoError(t, l.Close())
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"proxy", "-h"}, 0, "-upstream"},
		{"no upstream", []string{"proxy"}, 2, "-upstream is required"},
		{"stray argument", []string{"proxy", "-upstream", dead, "extra"}, 2, "unexpected arguments"},
		{"bad log level", []string{"proxy", "-upstream", dead, "-log-level", "loud"}, 2, "log-level"},
		{"bad upstream", []string{"proxy", "-upstream", "nowhere"}, 1, "upstream"},
		{"upstream not there", []string{"proxy", "-upstream", dead, "-log-level", "error"}, 1, "asking the upstream name server"},
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
func TestProxySignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	fc := fakecluster.Start(t, fakecluster.WithBrokers(2))
	bin := filepath.Join(t.TempDir(), "sim")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))

	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "proxy", "-upstream", fc.NameServerAddr(), "-admin", "127.0.0.1:0")
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			stderr := newLockedWriter()
			cmd.Stderr = stderr
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(stdout)
			require.True(t, lines.Scan(), stderr.String())
			ready := decodeReady(t, lines.Text())
			require.Len(t, ready.Brokers, 2)
			require.Equal(t, map[string]string{"broker-a": ready.Brokers[0].Addr, "broker-b": ready.Brokers[1].Addr},
				routeAddrs(t, ready.NameSrv, "TBW102"))
			require.NoError(t, cmd.Process.Signal(sig))
			require.False(t, lines.Scan(), "a second line on stdout: %q", lines.Text())
			require.NoError(t, cmd.Wait(), stderr.String())
			require.Equal(t, 0, cmd.ProcessState.ExitCode())
			require.Contains(t, stderr.String(), "stopping")
		})
	}
}
