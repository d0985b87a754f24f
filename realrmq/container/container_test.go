package container

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	mobynetwork "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
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

// quickStop ends a test's JVMs 2 s after SIGTERM rather than Docker's 10: nothing they would
// still write matters once the test is over.
var quickStop = testcontainers.StopTimeout(2 * time.Second)

// requireImage skips the test where no Docker engine answers or image is not built, and fails
// it instead with ROCKETSIM_REQUIRE_DOCKER=1 (CI, which starts an engine and builds the images).
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
		unavailable("image %s is not built here (scripts/docker-images.sh rocketmq): %v", image, err)
	}
}

// TestRun starts real RocketMQ 4.9.7 in a container and has our producer and push consumer use
// it from the host: the broker must register the address Run advertises (brokerIP1), since that
// is the one the route gives clients.
func TestRun(t *testing.T) {
	image := os.Getenv("ROCKETSIM_ROCKETMQ_IMAGE")
	if image == "" {
		image = LocalImage
	}
	requireImage(t, image)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	c, err := Run(ctx, image, WithHeap(256), WithBrokerName("broker-x"), WithCluster("ContainerCluster"),
		WithBrokerConfig("defaultTopicQueueNums", "2"))
	require.NoError(t, err)
	testcontainers.CleanupContainer(t, c.Container(), quickStop)

	cli := remoting.NewClient()
	defer func() { _ = cli.Close() }()
	info, err := admin.ClusterInfo(ctx, cli, c.NameServerAddr())
	require.NoError(t, err)
	require.Equal(t, "broker-x", c.BrokerName())
	require.Equal(t, c.BrokerAddr(), info.BrokerAddrTable[c.BrokerName()].BrokerAddrs[0])
	require.Contains(t, info.ClusterAddrTable["ContainerCluster"], "broker-x")
	// The image's layout: the release's mqadmin beside mqnamesrv and mqbroker in the working folder.
	code, out, err := c.Container().Exec(ctx, []string{"sh", "mqadmin", "clusterList", "-n", "localhost:9876"}, tcexec.Multiplexed())
	require.NoError(t, err)
	listing, err := io.ReadAll(out)
	require.NoError(t, err)
	require.Equal(t, 0, code, string(listing))
	require.Contains(t, string(listing), "broker-x")
	t.Logf("mqadmin clusterList in the container:\n%s", listing)
	require.True(t, strings.HasPrefix(c.BrokerAddr(), "127.0.0.1:"), c.BrokerAddr())

	quiet := rmq.WithLogger(slog.New(slog.DiscardHandler))
	p, err := rmq.NewProducer(rmq.WithGroup("container-pg"), rmq.WithNameServers(c.NameServerAddr()), quiet)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	// The topic does not exist yet: the first send creates it from TBW102 (autoCreateTopicEnable),
	// which takes the broker's next registration to reach the route.
	const topic = "ContainerTopic"
	sent := map[string]bool{}
	for i := range 5 {
		res, err := p.Send(ctx, rmq.NewMessage(topic, fmt.Appendf(nil, "hello %d", i)))
		require.NoError(t, err)
		require.Equal(t, rmq.SendOK, res.Status)
		sent[res.MsgID] = true
	}

	// The broker's configuration file reached it: an auto-created topic gets its queue count.
	route, found, err := admin.Route(ctx, cli, c.NameServerAddr(), topic)
	require.NoError(t, err)
	require.True(t, found)
	require.Len(t, route.QueueDatas, 1)
	require.EqualValues(t, 2, route.QueueDatas[0].WriteQueueNums)

	got := make(chan *rmq.MessageExt, 16)
	pc, err := rmq.NewPushConsumer(rmq.WithGroup("container-cg"), rmq.WithNameServers(c.NameServerAddr()), quiet,
		rmq.WithConsumeFromWhere(rmq.ConsumeFromFirstOffset), rmq.WithRebalanceInterval(time.Second),
		rmq.WithConcurrentListener(func(ctx context.Context, msgs []*rmq.MessageExt, cc *rmq.ConsumeConcurrentlyContext) (rmq.ConsumeConcurrentlyStatus, error) {
			for _, m := range msgs {
				got <- m
			}
			return rmq.ConsumeSuccess, nil
		}))
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, "*"))
	require.NoError(t, pc.Start())
	defer pc.Shutdown()
	for len(sent) > 0 {
		select {
		case m := <-got:
			require.Contains(t, sent, m.ClientMsgID())
			require.True(t, strings.HasPrefix(string(m.Body), "hello "), string(m.Body))
			delete(sent, m.ClientMsgID())
		case <-ctx.Done():
			t.Fatalf("%d messages never consumed: %v", len(sent), ctx.Err())
		}
	}
}

func TestBrokerConf(t *testing.T) {
	cfg := config{brokerName: "b1", cluster: "C", brokerIP: "10.0.0.5", extra: [][2]string{{"brokerPermission", "4"}}}
	got := brokerConf(cfg, 20911)
	for _, want := range []string{"brokerName=b1\n", "brokerClusterName=C\n", "brokerIP1=10.0.0.5\n", "listenPort=20911\n", "brokerPermission=4\n"} {
		require.Contains(t, got, want)
	}
	require.Equal(t, "127.0.0.1", advertisedHost("localhost"))
}

func TestFreeBrokerPort(t *testing.T) {
	p, err := freeBrokerPort()
	require.NoError(t, err)
	require.GreaterOrEqual(t, p, 12000)
}

// The image also works as the apache/rocketmq image is used in a compose file: the name server
// in one container (the image's default command), the broker in another on the same network,
// finding it by NAMESRV_ADDR, and advertising brokerIP1 to the host. Our producer sends
// through the broker's advertised address.
func TestImageAsTwoContainers(t *testing.T) {
	image := os.Getenv("ROCKETSIM_ROCKETMQ_IMAGE")
	if image == "" {
		image = LocalImage
	}
	requireImage(t, image)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	nw, err := tcnetwork.New(ctx)
	require.NoError(t, err)
	testcontainers.CleanupNetwork(t, nw)
	heap := map[string]string{"JAVA_OPT_EXT": "-Xms256m -Xmx256m"}

	ns, err := testcontainers.Run(ctx, image,
		tcnetwork.WithNetwork([]string{"namesrv"}, nw),
		testcontainers.WithEnv(heap),
		testcontainers.WithExposedPorts("9876/tcp"),
		testcontainers.WithWaitStrategy(wait.ForLog("The Name Server boot success")))
	testcontainers.CleanupContainer(t, ns, quickStop)
	require.NoError(t, err)
	host, err := ns.Host(ctx)
	require.NoError(t, err)
	nsAddr, err := ns.PortEndpoint(ctx, "9876/tcp", "")
	require.NoError(t, err)

	port, err := freeBrokerPort()
	require.NoError(t, err)
	cfg := config{brokerName: "broker-b", cluster: "DefaultCluster", brokerIP: advertisedHost(host)}
	brokerPort := strconv.Itoa(port) + "/tcp"
	broker, err := testcontainers.Run(ctx, image,
		tcnetwork.WithNetwork([]string{"broker"}, nw),
		testcontainers.WithEnv(map[string]string{"NAMESRV_ADDR": "namesrv:9876", "JAVA_OPT_EXT": heap["JAVA_OPT_EXT"]}),
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: strings.NewReader(brokerConf(cfg, port)), ContainerFilePath: "/tmp/broker.conf", FileMode: 0o644}),
		testcontainers.WithCmd("sh", "mqbroker", "-c", "/tmp/broker.conf"),
		testcontainers.WithExposedPorts(brokerPort),
		testcontainers.WithHostConfigModifier(func(hc *mobycontainer.HostConfig) {
			hc.PortBindings = mobynetwork.PortMap{mobynetwork.MustParsePort(brokerPort): {{HostPort: strconv.Itoa(port)}}}
		}),
		testcontainers.WithWaitStrategy(wait.ForLog(`The broker\[broker-b, .*boot success`).AsRegexp()))
	testcontainers.CleanupContainer(t, broker, quickStop)
	require.NoError(t, err)
	c := &Cluster{nsAddr: nsAddr, brokerName: "broker-b", brokerAddr: net.JoinHostPort(cfg.brokerIP, strconv.Itoa(port))}
	// A broker registers right after its boot line; a minute means it found no name server.
	regCtx, regCancel := context.WithTimeout(ctx, time.Minute)
	defer regCancel()
	require.NoError(t, c.awaitBroker(regCtx), "the broker registered with the name server it found by NAMESRV_ADDR")

	p, err := rmq.NewProducer(rmq.WithGroup("two-containers-pg"), rmq.WithNameServers(c.NameServerAddr()),
		rmq.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	res, err := p.Send(ctx, rmq.NewMessage("TwoContainers", []byte("hello")))
	require.NoError(t, err)
	require.Equal(t, rmq.SendOK, res.Status)
	require.Equal(t, "broker-b", res.Queue.BrokerName)
}
