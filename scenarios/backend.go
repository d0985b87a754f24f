package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// errUnsupported is returned by a backend for what it cannot do; scenarios that need it are
// tagged @fake-only and do not run on such a backend.
var errUnsupported = errors.New("not supported by this backend")

var errBubbleGone = errors.New("the scenario's bubble has ended")

// Backend starts clusters for scenarios: the in-process fakes (default) or real RocketMQ.
type Backend interface {
	Name() string
	// Virtual reports whether the backend's clusters run in a synctest bubble, where time is
	// virtual; a real backend's time is the wall clock.
	Virtual() bool
	// StartCluster starts a cluster with n brokers (broker-a, broker-b, ...) and stops it
	// when t ends. On a virtual backend it is called inside the scenario's bubble.
	StartCluster(t *testing.T, n int) (Cluster, error)
}

// Cluster is what steps do to and read from the servers.
type Cluster interface {
	NameServerAddr() string
	// Dialer is how clients reach the cluster (nil: plain TCP).
	Dialer() remoting.DialFunc

	CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error
	DeleteTopic(ctx context.Context, topic string) error
	SetWritable(ctx context.Context, broker string, writable bool) error
	Crash(ctx context.Context, broker string) error
	Restart(ctx context.Context, broker string) error
	// Silence stops a broker's registrations while it keeps serving clients.
	Silence(ctx context.Context, broker string) error
	// BrokerAddr returns a broker's address as clients are told it.
	BrokerAddr(broker string) string

	// Route is what the name server answers for topic (false: TOPIC_NOT_EXIST).
	Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error)
	// Messages returns what the brokers stored for topic.
	Messages(topic string) ([]fakebroker.Message, error)
	// Clients returns every broker's client table.
	Clients() ([]fakebroker.ClientInfo, error)
	// Requests returns what a server ("namesrv" or a broker name) received with code.
	Requests(target string, code int32) ([]fault.Entry, error)
	// Faults returns a server's fault injector.
	Faults(target string) (*fault.Injector, error)
	// BlackHole makes dials to a broker hang.
	BlackHole(broker string) error
}

// fakeBackend runs fakecluster on an in-memory network inside the scenario's bubble.
type fakeBackend struct{}

func (fakeBackend) Name() string  { return "fake" }
func (fakeBackend) Virtual() bool { return true }

func (fakeBackend) StartCluster(t *testing.T, n int) (Cluster, error) {
	mem := remoting.NewMemNetwork()
	c, err := fakecluster.New(fakecluster.WithMemNetwork(mem), fakecluster.WithBrokers(n))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return &fakeCluster{c: c, mem: mem}, nil
}

type fakeCluster struct {
	c   *fakecluster.Cluster
	mem *remoting.MemNetwork
}

func (f *fakeCluster) NameServerAddr() string    { return f.c.NameServerAddr() }
func (f *fakeCluster) Dialer() remoting.DialFunc { return f.mem.Dial }

func (f *fakeCluster) CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error {
	return f.c.CreateTopic(ctx, topic, queues, brokers...)
}

func (f *fakeCluster) DeleteTopic(ctx context.Context, topic string) error {
	return f.c.DeleteTopic(ctx, topic)
}

func (f *fakeCluster) SetWritable(ctx context.Context, broker string, writable bool) error {
	b, err := f.broker(broker)
	if err != nil {
		return err
	}
	perm := int32(protocol.PermRead)
	if writable {
		perm |= protocol.PermWrite
	}
	b.SetPermission(ctx, perm)
	return nil
}

func (f *fakeCluster) Crash(_ context.Context, broker string) error { return f.c.CrashBroker(broker) }

func (f *fakeCluster) Restart(ctx context.Context, broker string) error {
	return f.c.StartBroker(ctx, broker)
}

func (f *fakeCluster) Silence(ctx context.Context, broker string) error {
	return f.c.SilenceBroker(ctx, broker, true)
}

func (f *fakeCluster) BrokerAddr(broker string) string {
	if b := f.c.Broker(broker); b != nil {
		return b.Addr()
	}
	return ""
}

func (f *fakeCluster) Route(_ context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	r, ok := f.c.NameServer().Route(topic)
	return r, ok, nil
}

func (f *fakeCluster) Messages(topic string) ([]fakebroker.Message, error) {
	return f.c.Messages(topic), nil
}

func (f *fakeCluster) Clients() ([]fakebroker.ClientInfo, error) { return f.c.Clients(), nil }

func (f *fakeCluster) Requests(target string, code int32) ([]fault.Entry, error) {
	if target == fakecluster.NameServerTarget {
		return f.c.NameServer().History().Requests(code), nil
	}
	b, err := f.broker(target)
	if err != nil {
		return nil, err
	}
	return b.History().Requests(code), nil
}

func (f *fakeCluster) Faults(target string) (*fault.Injector, error) { return f.c.Faults(target) }

func (f *fakeCluster) BlackHole(broker string) error {
	addr := f.BrokerAddr(broker)
	if addr == "" {
		return fmt.Errorf("unknown broker %q", broker)
	}
	b, _ := f.broker(broker)
	b.Crash() // nothing answers there any more: dials hang instead of being refused
	f.mem.SetBlackHole(addr, true)
	return nil
}

func (f *fakeCluster) broker(name string) (*fakebroker.Broker, error) {
	if b := f.c.Broker(name); b != nil {
		return b, nil
	}
	return nil, fmt.Errorf("unknown broker %q (have %s)", name, strings.Join(f.names(), ", "))
}

func (f *fakeCluster) names() []string {
	var names []string
	for _, b := range f.c.Brokers() {
		names = append(names, b.Name())
	}
	return names
}
