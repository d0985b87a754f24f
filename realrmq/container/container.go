// Package container runs a real RocketMQ name server and broker in a Docker container with
// testcontainers-go, for machines that have a Docker engine (a developer's laptop, a hosted CI
// runner). Machines with only Java use the parent package realrmq, which starts the same
// servers as JVM processes.
//
// It is a module of its own so that the root module never depends on testcontainers-go.
//
// One container runs both servers (the image's mqnamesrv in the background, then mqbroker
// against localhost:9876), as the Java Testcontainers RocketMQ module does: the broker reaches
// the name server without a Docker network, and there is one thing to start and stop.
//
// The advertised address: a broker registers brokerIP1:listenPort with the name server, and
// clients dial exactly that. Inside a container both are wrong for the test by default (the
// container's own IP, and a port that Docker maps elsewhere). So Run sets brokerIP1 to the
// Docker host as seen by the test, and picks a listenPort that is free on the host and
// publishes it (and the VIP port listenPort-2) on the same host port number.
package container

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/remoting"
)

// DefaultImage is the official image of the release the fakes copy.
const DefaultImage = "apache/rocketmq:4.9.7"

// LocalImage is the same release built on this machine by scripts/docker-images.sh (a Debian
// root filesystem, Java 17 and the Maven Central jars in the official image's layout), for
// machines that reach no image registry, CI among them. Run treats both alike.
const LocalImage = "rocketsim/rocketmq:4.9.7"

// NameServerPort is the name server's port inside the container (published on a random host
// port: nobody advertises it).
const NameServerPort = 9876

// ErrNoDocker is wrapped by Run's error when no healthy Docker engine is reachable.
var ErrNoDocker = errors.New("container: no healthy Docker provider")

// Option configures Run.
type Option func(*config)

type config struct {
	brokerName   string
	cluster      string
	brokerIP     string
	heapMB       int
	extra        [][2]string
	customizers  []testcontainers.ContainerCustomizer
	startTimeout time.Duration
}

// WithBrokerName sets brokerName. Default broker-a.
func WithBrokerName(name string) Option { return func(c *config) { c.brokerName = name } }

// WithCluster sets brokerClusterName. Default DefaultCluster.
func WithCluster(name string) Option { return func(c *config) { c.cluster = name } }

// WithBrokerIP sets the address the broker advertises (brokerIP1). Default: the Docker host
// as testcontainers sees it (TESTCONTAINERS_HOST_OVERRIDE, DOCKER_HOST's host, or 127.0.0.1
// for a local engine).
func WithBrokerIP(ip string) Option { return func(c *config) { c.brokerIP = ip } }

// WithHeap sets the broker's and name server's JVM heap in MiB. Default 512.
func WithHeap(mb int) Option { return func(c *config) { c.heapMB = mb } }

// WithBrokerConfig adds key=value to the broker's configuration file.
func WithBrokerConfig(key, value string) Option {
	return func(c *config) { c.extra = append(c.extra, [2]string{key, value}) }
}

// WithCustomizers passes testcontainers options (log consumers, a network, ...) to the
// container request, after Run's own.
func WithCustomizers(opts ...testcontainers.ContainerCustomizer) Option {
	return func(c *config) { c.customizers = append(c.customizers, opts...) }
}

// WithStartTimeout bounds the wait for the broker's registration. Default 3 minutes (an image
// pull is included).
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

// Cluster is a running container with a name server and a broker.
type Cluster struct {
	ctr        *testcontainers.DockerContainer
	nsAddr     string
	brokerAddr string
	brokerName string
}

// NameServerAddr is the host:port at which the test reaches the name server.
func (c *Cluster) NameServerAddr() string { return c.nsAddr }

// BrokerAddr is the broker's advertised host:port, reachable from the test.
func (c *Cluster) BrokerAddr() string { return c.brokerAddr }

// BrokerName is the broker's name.
func (c *Cluster) BrokerName() string { return c.brokerName }

// Container is the underlying container (logs, exec).
func (c *Cluster) Container() *testcontainers.DockerContainer { return c.ctr }

// Terminate stops and removes the container.
func (c *Cluster) Terminate(ctx context.Context) error {
	return c.ctr.Terminate(ctx)
}

// Run starts image (DefaultImage when empty) and returns once the broker is listed by the
// name server at its advertised address. Errors wrapping ErrNoDocker mean there is no engine
// to run it on.
func Run(ctx context.Context, image string, opts ...Option) (*Cluster, error) {
	cfg := config{brokerName: "broker-a", cluster: "DefaultCluster", heapMB: 512, startTimeout: 3 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	if image == "" {
		image = DefaultImage
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.startTimeout)
	defer cancel()

	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	// DaemonHost before Health: Health closes the provider's client.
	host, hostErr := provider.DaemonHost(ctx)
	if err := provider.Health(ctx); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	if cfg.brokerIP == "" {
		if hostErr != nil {
			return nil, fmt.Errorf("container: Docker host: %w", hostErr)
		}
		cfg.brokerIP = advertisedHost(host)
	}
	port, err := freeBrokerPort()
	if err != nil {
		return nil, err
	}
	brokerPort := network.MustParsePort(strconv.Itoa(port) + "/tcp")
	vipPort := network.MustParsePort(strconv.Itoa(port-2) + "/tcp")
	nsPort := strconv.Itoa(NameServerPort) + "/tcp"

	conf := brokerConf(cfg, port)
	heap := fmt.Sprintf("-Xms%dm -Xmx%dm", cfg.heapMB, cfg.heapMB)
	customizers := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(nsPort, brokerPort.String(), vipPort.String()),
		testcontainers.WithEnv(map[string]string{"JAVA_OPT_EXT": heap}),
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: strings.NewReader(conf), ContainerFilePath: "/tmp/broker.conf", FileMode: 0o644,
		}),
		// The image's working folder is $ROCKETMQ_HOME/bin. exec: the broker is the container's
		// first process, so a stop's SIGTERM reaches it (it unregisters and exits at once)
		// instead of a shell that ignores it until Docker's 10 s SIGKILL.
		testcontainers.WithCmd("sh", "-c", "sh mqnamesrv & exec sh mqbroker -n localhost:9876 -c /tmp/broker.conf"),
		// The broker advertises its listen port: publish it (and the VIP port) on the same
		// host port number rather than a random one.
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = network.PortMap{}
			}
			for _, p := range []network.Port{brokerPort, vipPort} {
				hc.PortBindings[p] = []network.PortBinding{{HostPort: strconv.Itoa(int(p.Num()))}}
			}
		}),
		testcontainers.WithWaitStrategy(
			wait.ForLog(`The broker\[.*boot success`).AsRegexp(),
			wait.ForListeningPort(nsPort),
		),
	}
	customizers = append(customizers, cfg.customizers...)
	ctr, err := testcontainers.Run(ctx, image, customizers...)
	if err != nil {
		if ctr != nil {
			_ = ctr.Terminate(context.WithoutCancel(ctx))
		}
		return nil, fmt.Errorf("container: run %s: %w", image, err)
	}
	c := &Cluster{ctr: ctr, brokerName: cfg.brokerName,
		brokerAddr: net.JoinHostPort(cfg.brokerIP, strconv.Itoa(port))}
	nsEndpoint, err := ctr.PortEndpoint(ctx, nsPort, "")
	if err == nil {
		c.nsAddr = nsEndpoint
		err = c.awaitBroker(ctx)
	}
	if err != nil {
		_ = ctr.Terminate(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}

// awaitBroker polls the name server's cluster info until it lists the broker at its
// advertised address: "boot success" is printed before the first registration lands.
func (c *Cluster) awaitBroker(ctx context.Context) error {
	cli := remoting.NewClient()
	defer func() { _ = cli.Close() }()
	pause := 50 * time.Millisecond
	for {
		if info, err := admin.ClusterInfo(ctx, cli, c.nsAddr); err == nil {
			if bd, ok := info.BrokerAddrTable[c.brokerName]; ok && bd.BrokerAddrs[0] == c.brokerAddr {
				return nil
			}
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("container: broker %s not registered at %s: %w", c.brokerName, c.brokerAddr, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, time.Second)
	}
}

// brokerConf is the broker's configuration file.
func brokerConf(cfg config, port int) string {
	var sb strings.Builder
	for _, kv := range [][2]string{
		{"brokerClusterName", cfg.cluster},
		{"brokerName", cfg.brokerName},
		{"brokerId", "0"},
		{"brokerIP1", cfg.brokerIP},
		{"listenPort", strconv.Itoa(port)},
		{"autoCreateTopicEnable", "true"},
		{"mappedFileSizeCommitLog", "67108864"},
	} {
		fmt.Fprintf(&sb, "%s=%s\n", kv[0], kv[1])
	}
	for _, kv := range cfg.extra {
		fmt.Fprintf(&sb, "%s=%s\n", kv[0], kv[1])
	}
	return sb.String()
}

// advertisedHost turns the Docker host testcontainers reports into an address for brokerIP1.
func advertisedHost(host string) string {
	if host == "" || host == "localhost" {
		return "127.0.0.1"
	}
	return host
}

// freeBrokerPort picks a port p with p-2 and p+1 free on this machine, below the Linux
// ephemeral range so that no outgoing connection takes it meanwhile. With a remote Docker
// engine the check is only a good guess.
func freeBrokerPort() (int, error) {
	for range 100 {
		p := 12000 + rand.IntN(18000)
		ok := true
		var ls []net.Listener
		for _, q := range []int{p - 2, p, p + 1} {
			l, err := net.Listen("tcp", ":"+strconv.Itoa(q))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			_ = l.Close()
		}
		if ok {
			return p, nil
		}
	}
	return 0, errors.New("container: no free broker port")
}
