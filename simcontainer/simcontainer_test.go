package simcontainer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/admin"
	rmq "github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestMain(m *testing.M) {
	// Ryuk, testcontainers' reaper, is an image to pull, and CI reaches no registry. The tests
	// remove their containers themselves (CleanupContainer); `scripts/docker-images.sh stop`
	// removes what a killed run left behind.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// Testcontainers takes a process that runs in a container (/.dockerenv) to reach the engine
	// through its default gateway, as when the host's socket is mounted into a CI job. Where
	// the engine runs beside the tests instead (its docker0 bridge is one of our interfaces, as
	// with the dockerd scripts/docker-images.sh starts), published ports are on loopback.
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" && os.Getenv("DOCKER_HOST") == "" {
		if _, err := net.InterfaceByName("docker0"); err == nil {
			_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
		}
	}
	goleak.VerifyTestMain(m)
}

// requireImage skips the test where no Docker engine answers or the image is not built, and
// fails it instead with ROCKETSIM_REQUIRE_DOCKER=1 (CI, which starts an engine and builds it).
func requireImage(t *testing.T, image string) {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("ROCKETSIM_REQUIRE_DOCKER") == "1" {
			t.Fatal(msg + " (ROCKETSIM_REQUIRE_DOCKER=1)")
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		unavailable("no Docker engine: %v", err)
		return
	}
	defer func() { _ = cli.Close() }()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		unavailable("no Docker engine: %v", err)
		return
	}
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		unavailable("image %s is not built here (scripts/docker-images.sh sim): %v", image, err)
	}
}

// TestRun starts sim serve in a container with two brokers and uses it from the host as a test
// would: our producer sends through the addresses the ready line names, the admin API (with
// its token) shows what was stored and injects a fault the next send meets.
func TestRun(t *testing.T) {
	requireImage(t, DefaultImage)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c, err := Run(ctx, WithBrokers(2), WithTopic("Orders", 4), WithArgs("-auto-create=false"))
	require.NoError(t, err)
	testcontainers.CleanupContainer(t, c.Container())

	brokers := c.Brokers()
	require.Len(t, brokers, 2)
	cli := remoting.NewClient()
	defer func() { _ = cli.Close() }()
	info, err := admin.ClusterInfo(ctx, cli, c.NameServerAddr())
	require.NoError(t, err)
	for _, b := range brokers {
		require.True(t, strings.HasPrefix(b.Addr, "127.0.0.1:"), b.Addr)
		require.Equal(t, b.Addr, info.BrokerAddrTable[b.Name].BrokerAddrs[0], "what %s registered", b.Name)
	}

	call := func(method, path, token string, body any) (int, []byte) {
		t.Helper()
		var rd bytes.Buffer
		if body != nil {
			require.NoError(t, json.NewEncoder(&rd).Encode(body))
		}
		req, err := http.NewRequestWithContext(ctx, method, c.AdminURL()+path, &rd)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var out bytes.Buffer
		_, err = out.ReadFrom(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, out.Bytes()
	}
	defer http.DefaultClient.CloseIdleConnections()
	code, _ := call(http.MethodGet, "/v1/cluster", "", nil)
	require.Equal(t, http.StatusUnauthorized, code)

	p, err := rmq.NewProducer(rmq.WithGroup("simcontainer-pg"), rmq.WithNameServers(c.NameServerAddr()),
		rmq.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	sent := map[string]bool{}
	for i := range 8 {
		res, err := p.Send(ctx, rmq.NewMessage("Orders", fmt.Appendf(nil, "order %d", i)))
		require.NoError(t, err)
		sent[res.MsgID] = true
	}
	code, body := call(http.MethodGet, "/v1/topics/Orders/messages", c.AdminToken(), nil)
	require.Equal(t, http.StatusOK, code, string(body))
	var stored struct {
		Messages []struct {
			MsgID  string `json:"msgId"`
			Broker string `json:"broker"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(body, &stored))
	got := map[string]bool{}
	perBroker := map[string]int{}
	for _, m := range stored.Messages {
		got[m.MsgID] = true
		perBroker[m.Broker]++
	}
	require.Empty(t, cmp.Diff(sent, got), "stored (-sent +stored)")
	require.Len(t, perBroker, 2, "the producer spreads over both brokers: %v", perBroker)

	// SYSTEM_BUSY on every broker, once: a 4.9.7 producer does not retry it.
	for _, b := range brokers {
		code, body = call(http.MethodPost, "/v1/faults", c.AdminToken(), map[string]any{
			"target": b.Name, "code": remoting.CodeSendMessageV2, "action": "error", "responseCode": remoting.SystemBusy, "times": 1})
		require.Equal(t, http.StatusCreated, code, string(body))
	}
	_, err = p.Send(ctx, rmq.NewMessage("Orders", []byte("refused")))
	var busy *rmq.BrokerError
	require.ErrorAs(t, err, &busy)
	require.Equal(t, remoting.SystemBusy, busy.Code)
}

func TestParseReady(t *testing.T) {
	for _, tt := range []struct {
		name, out string
		want      ready
		err       string
	}{
		{"among logs", "time=... level=INFO msg=starting\n" +
			`{"namesrv":"127.0.0.1:12001","brokers":[{"name":"broker-a","addr":"127.0.0.1:12003"}],"admin":"http://127.0.0.1:12002"}` + "\n",
			ready{NameSrv: "127.0.0.1:12001", Brokers: []Broker{{"broker-a", "127.0.0.1:12003"}}, Admin: "http://127.0.0.1:12002"}, ""},
		{"none", "time=... level=ERROR msg=boom\n", ready{}, "no ready line"},
		{"cut short", `{"namesrv":"127.0.0.1:1","bro` + "\n", ready{}, "ready line"},
		{"no brokers", `{"namesrv":"127.0.0.1:1","brokers":[]}` + "\n", ready{}, "names no name server or brokers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseReady(strings.NewReader(tt.out))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tt.want, got))
		})
	}
}

func TestFreePorts(t *testing.T) {
	ports, err := freePorts(2, 3)
	require.NoError(t, err)
	require.Len(t, ports, 5)
	require.Equal(t, []int{ports[2] + 1, ports[2] + 2}, ports[3:], "the brokers' ports run on")
	seen := map[int]bool{}
	for _, p := range ports {
		require.False(t, seen[p], "port %d twice", p)
		seen[p] = true
		require.GreaterOrEqual(t, p, 12000)
	}
}

func TestRunRefusesNoBrokers(t *testing.T) {
	_, err := Run(t.Context(), WithBrokers(0))
	require.ErrorContains(t, err, "at least 1")
}

// The options Run takes beside the cluster's shape reach the container, and a start that never
// sees the ready line fails within its timeout without leaving its container behind.
func TestRunOptions(t *testing.T) {
	requireImage(t, DefaultImage)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	label := map[string]string{"rocketsim.test": t.Name()}
	c, err := Run(ctx, WithImage(DefaultImage), WithAdvertisedHost("127.0.0.1"), WithStartTimeout(time.Minute),
		WithCustomizers(testcontainers.WithLabels(label)))
	require.NoError(t, err)
	testcontainers.CleanupContainer(t, c.Container())
	st, err := c.Container().Inspect(ctx)
	require.NoError(t, err)
	require.Equal(t, t.Name(), st.Config.Labels["rocketsim.test"])
	require.Len(t, c.Brokers(), 1)
	require.Equal(t, "broker-a", c.Brokers()[0].Name)

	timeoutLabel := map[string]string{"rocketsim.test": t.Name() + "-timeout"}
	// sim serve refuses the flag and exits: no ready line comes.
	_, err = Run(ctx, WithArgs("-log-level", "loud"), WithStartTimeout(5*time.Second),
		WithCustomizers(testcontainers.WithLabels(timeoutLabel)))
	require.ErrorContains(t, err, "simcontainer: run")
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	require.NoError(t, err)
	defer func() { _ = cli.Close() }()
	left, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", "rocketsim.test="+t.Name()+"-timeout")})
	require.NoError(t, err)
	require.Empty(t, left.Items, "a failed Run leaves no container")
}
