// Package simcontainer runs rocketsim's fake cluster (`sim serve`: a name server, brokers and
// the admin API) in a Docker container with testcontainers-go, for tests that want the fakes
// as a separate process behind a port, as they would run a real RocketMQ image.
//
// It is a module of its own so that the root module never depends on testcontainers-go.
//
// Addresses: a broker registers its advertised address with the name server, and clients dial
// exactly that, so a port Docker maps to a random host port would be useless. Run therefore
// picks ports free on the host and has sim serve listen on the same numbers inside the
// container (-namesrv, -broker-port, -admin), publishes each on its own number, and has the
// brokers advertise the Docker host as the test sees it (-advertise). The ready line sim
// serve prints then names addresses that work from the test as they are, and Run returns them.
package simcontainer

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// DefaultImage is the image scripts/docker-images.sh builds: FROM scratch with a static sim
// binary, ENTRYPOINT sim serve.
const DefaultImage = "rocketsim/sim:dev"

// ErrNoDocker is wrapped by Run's error when no healthy Docker engine is reachable.
var ErrNoDocker = errors.New("simcontainer: no healthy Docker provider")

// Option configures Run.
type Option func(*config)

type config struct {
	image        string
	brokers      int
	topics       []string
	host         string
	args         []string
	customizers  []testcontainers.ContainerCustomizer
	startTimeout time.Duration
}

// WithImage sets the image. Default DefaultImage.
func WithImage(image string) Option { return func(c *config) { c.image = image } }

// WithBrokers sets how many brokers sim serve starts (broker-a, broker-b, ...). Default 1.
func WithBrokers(n int) Option { return func(c *config) { c.brokers = n } }

// WithTopic creates a topic with queues queues on every broker at start.
func WithTopic(name string, queues int) Option {
	return func(c *config) { c.topics = append(c.topics, name+":"+strconv.Itoa(queues)) }
}

// WithAdvertisedHost sets the host the brokers advertise and the ready line names. Default: the
// Docker host as testcontainers sees it (TESTCONTAINERS_HOST_OVERRIDE, DOCKER_HOST's host, or
// 127.0.0.1 for a local engine).
func WithAdvertisedHost(host string) Option { return func(c *config) { c.host = host } }

// WithArgs adds sim serve flags (-auto-create=false, -tls, -max-conns N, ...). Run owns
// -namesrv, -broker-port, -brokers, -advertise, -admin and -topics; give those through
// options.
func WithArgs(args ...string) Option { return func(c *config) { c.args = append(c.args, args...) } }

// WithCustomizers passes testcontainers options (log consumers, a network, ...) to the
// container request, after Run's own.
func WithCustomizers(opts ...testcontainers.ContainerCustomizer) Option {
	return func(c *config) { c.customizers = append(c.customizers, opts...) }
}

// WithStartTimeout bounds the wait for the ready line. Default 1 minute.
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

// Broker is one fake broker as the ready line names it.
type Broker struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// ready is sim serve's ready line (cmd/sim: serveReady).
type ready struct {
	NameSrv string   `json:"namesrv"`
	Brokers []Broker `json:"brokers"`
	Admin   string   `json:"admin"`
}

// Cluster is a running sim serve container.
type Cluster struct {
	ctr   *testcontainers.DockerContainer
	ready ready
	token string
}

// NameServerAddr is the name server's host:port, reachable from the test.
func (c *Cluster) NameServerAddr() string { return c.ready.NameSrv }

// Brokers are the brokers with the addresses they registered, reachable from the test.
func (c *Cluster) Brokers() []Broker { return append([]Broker(nil), c.ready.Brokers...) }

// AdminURL is the admin HTTP API's base URL ("http://host:port").
func (c *Cluster) AdminURL() string { return c.ready.Admin }

// AdminToken is the bearer token every admin call needs (the API listens beyond loopback in
// the container, so sim serve requires one; Run makes a random one).
func (c *Cluster) AdminToken() string { return c.token }

// Container is the underlying container (logs, exec).
func (c *Cluster) Container() *testcontainers.DockerContainer { return c.ctr }

// Terminate stops (SIGTERM: the brokers unregister, sim serve exits 0) and removes the container.
func (c *Cluster) Terminate(ctx context.Context) error { return c.ctr.Terminate(ctx) }

// readyLine matches the ready line among the container's output: logs go to stderr, which
// Docker interleaves, and may come first (a registration retried during start), hence (?m).
const readyLine = `(?m)^\{"namesrv":`

// Run starts sim serve in a container and returns once its ready line is printed, that is once
// every broker is registered with the name server. Errors wrapping ErrNoDocker mean there is no
// engine to run it on.
func Run(ctx context.Context, opts ...Option) (*Cluster, error) {
	cfg := config{image: DefaultImage, brokers: 1, startTimeout: time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.brokers < 1 {
		return nil, fmt.Errorf("simcontainer: %d brokers, want at least 1", cfg.brokers)
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
	if cfg.host == "" {
		if hostErr != nil {
			return nil, fmt.Errorf("simcontainer: Docker host: %w", hostErr)
		}
		cfg.host = host
		if host == "" || host == "localhost" {
			cfg.host = "127.0.0.1"
		}
	}
	// The name server, the admin API, then a run of consecutive broker ports.
	ports, err := freePorts(2, cfg.brokers)
	if err != nil {
		return nil, err
	}
	nsPort, adminPort, brokerPorts := ports[0], ports[1], ports[2:]
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	args := []string{
		"-namesrv", "0.0.0.0:" + strconv.Itoa(nsPort),
		"-admin", "0.0.0.0:" + strconv.Itoa(adminPort),
		"-brokers", strconv.Itoa(cfg.brokers),
		"-broker-port", strconv.Itoa(brokerPorts[0]),
		"-advertise", cfg.host,
	}
	if len(cfg.topics) > 0 {
		args = append(args, "-topics", strings.Join(cfg.topics, ","))
	}
	args = append(args, cfg.args...)
	exposed := make([]string, 0, len(ports))
	for _, p := range ports {
		exposed = append(exposed, strconv.Itoa(p)+"/tcp")
	}
	customizers := []testcontainers.ContainerCustomizer{
		testcontainers.WithCmd(args...),
		testcontainers.WithExposedPorts(exposed...),
		// From the environment rather than -admin-token, so that it stays out of the process
		// list.
		testcontainers.WithEnv(map[string]string{"ROCKETSIM_ADMIN_TOKEN": token}),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = network.PortMap{}
			}
			for _, p := range ports {
				hc.PortBindings[network.MustParsePort(strconv.Itoa(p)+"/tcp")] = []network.PortBinding{{HostPort: strconv.Itoa(p)}}
			}
		}),
		// The image has no shell, so no wait strategy that execs inside it: the ready line is
		// printed once everything listens and every broker is registered.
		testcontainers.WithWaitStrategy(wait.ForLog(readyLine).AsRegexp()),
	}
	customizers = append(customizers, cfg.customizers...)
	ctr, err := testcontainers.Run(ctx, cfg.image, customizers...)
	if err != nil {
		if ctr != nil {
			_ = ctr.Terminate(context.WithoutCancel(ctx))
		}
		return nil, fmt.Errorf("simcontainer: run %s: %w", cfg.image, err)
	}
	c := &Cluster{ctr: ctr, token: token}
	if c.ready, err = readReady(ctx, ctr); err != nil {
		_ = ctr.Terminate(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}

// readReady finds and decodes the ready line in the container's output.
func readReady(ctx context.Context, ctr *testcontainers.DockerContainer) (ready, error) {
	logs, err := ctr.Logs(ctx)
	if err != nil {
		return ready{}, fmt.Errorf("simcontainer: logs: %w", err)
	}
	defer func() { _ = logs.Close() }()
	return parseReady(logs)
}

func parseReady(r io.Reader) (ready, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"namesrv":`) {
			continue
		}
		var rd ready
		if err := json.Unmarshal([]byte(line), &rd); err != nil {
			return ready{}, fmt.Errorf("simcontainer: ready line %q: %w", line, err)
		}
		if rd.NameSrv == "" || len(rd.Brokers) == 0 {
			return ready{}, fmt.Errorf("simcontainer: ready line %q names no name server or brokers", line)
		}
		return rd, nil
	}
	if err := sc.Err(); err != nil {
		return ready{}, fmt.Errorf("simcontainer: logs: %w", err)
	}
	return ready{}, errors.New("simcontainer: no ready line in the container's output")
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := crand.Read(b); err != nil {
		return "", fmt.Errorf("simcontainer: admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// freePorts picks single ports and then a run of consecutive ports (n in all: the brokers are
// -broker-port, +1, ...), each free on this machine when checked, below the Linux ephemeral
// range so that no outgoing connection takes one meanwhile. With a remote Docker engine the
// check is only a good guess.
func freePorts(singles, run int) ([]int, error) {
	var ports []int
	// Every chosen port stays bound until all are chosen, so that no two picks overlap.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	take := func(group []int) bool {
		var got []net.Listener
		for _, p := range group {
			l, err := net.Listen("tcp", ":"+strconv.Itoa(p))
			if err != nil {
				for _, g := range got {
					_ = g.Close()
				}
				return false
			}
			got = append(got, l)
		}
		held = append(held, got...)
		ports = append(ports, group...)
		return true
	}
	for i := range singles + 1 {
		size := 1
		if i == singles {
			size = run
		}
		ok := false
		for range 100 {
			base := 12000 + rand.IntN(18000-size)
			group := make([]int, size)
			for j := range group {
				group[j] = base + j
			}
			if ok = take(group); ok {
				break
			}
		}
		if !ok {
			return nil, errors.New("simcontainer: no free ports")
		}
	}
	return ports, nil
}
