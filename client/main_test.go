package client

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testIP = "192.0.2.1"

// rig is a fake cluster on a MemNetwork and a manager of its own, so that tests never share
// client instances. Create it inside the synctest bubble that uses it.
type rig struct {
	t   *testing.T
	mem *remoting.MemNetwork
	c   *fakecluster.Cluster
	m   *Manager
}

func newRig(t *testing.T, opts ...fakecluster.Option) *rig {
	t.Helper()
	mem := remoting.NewMemNetwork()
	c := fakecluster.Start(t, append([]fakecluster.Option{fakecluster.WithMemNetwork(mem)}, opts...)...)
	return &rig{t: t, mem: mem, c: c, m: NewManager()}
}

// options are what every test producer needs to reach the rig.
func (r *rig) options(opts ...Option) []Option {
	return append([]Option{
		WithNameServers(r.c.NameServerAddr()), WithDialer(r.mem.Dial), WithManager(r.m),
		WithClientIP(testIP), WithGroup("pg"),
	}, opts...)
}

// producer returns a producer that is shut down when the test ends.
func (r *rig) producer(opts ...Option) *Producer {
	r.t.Helper()
	p, err := NewProducer(r.options(opts...)...)
	require.NoError(r.t, err)
	r.t.Cleanup(p.Shutdown)
	return p
}

// started returns a running producer.
func (r *rig) started(opts ...Option) *Producer {
	r.t.Helper()
	p := r.producer(opts...)
	require.NoError(r.t, p.Start())
	return p
}

// brokerOf returns c's broker of that name; the test fails when there is none.
func brokerOf(tb testing.TB, c *fakecluster.Cluster, name string) *fakebroker.Broker {
	tb.Helper()
	b, ok := c.Broker(name)
	require.True(tb, ok, "no broker %s", name)
	return b
}

// broker returns the rig's broker of that name; the test fails when there is none.
func (r *rig) broker(name string) *fakebroker.Broker {
	r.t.Helper()
	return brokerOf(r.t, r.c, name)
}

// slave returns the slave of the named broker; the test fails when there is none.
func (r *rig) slave(name string) *fakebroker.Broker {
	r.t.Helper()
	b, ok := r.c.Slave(name)
	require.True(r.t, ok, "no slave of %s", name)
	return b
}

// requests returns what a broker received with the given code.
func (r *rig) requests(broker string, code int32) int {
	return len(r.broker(broker).History().Requests(code))
}

func send(t *testing.T, p *Producer, topic, body string) *SendResult {
	t.Helper()
	res, err := p.Send(context.Background(), NewMessage(topic, []byte(body)))
	require.NoError(t, err)
	return res
}

// brokersOf lists the brokers of a topic's route.
func brokersOf(r *protocol.TopicRouteData) []string {
	var out []string
	for _, q := range r.QueueDatas {
		out = append(out, q.BrokerName)
	}
	return out
}

var background = context.Background()

// sinceIn measures virtual time in a bubble.
func sinceIn(start time.Time) time.Duration { return time.Since(start) }

// fakecluster2Brokers is the usual cluster: two brokers with topic T (4 queues) on both.
func fakecluster2Brokers() []fakecluster.Option {
	return []fakecluster.Option{fakecluster.WithBrokers(2), fakecluster.WithTopic("T", 4)}
}

// memHTTPClient reaches HTTP servers on mem. Keep-alives are off so that no idle connection
// outlives a test.
func memHTTPClient(mem *remoting.MemNetwork) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: mem.Dial, DisableKeepAlives: true}}
}
