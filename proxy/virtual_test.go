package proxy_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
)

// memRig is a fake cluster and a proxy in front of it on one in-memory network, for tests that
// run in a testing/synctest bubble: delays and the broker's transaction check pass in virtual
// time.
type memRig struct {
	mem *remoting.MemNetwork
	fc  *fakecluster.Cluster
	p   *proxy.Proxy
}

func newMemRig(t *testing.T, opts ...fakecluster.Option) *memRig {
	t.Helper()
	mem := remoting.NewMemNetwork()
	fc := fakecluster.Start(t, append([]fakecluster.Option{fakecluster.WithMemNetwork(mem), fakecluster.WithTopic("T", 4)}, opts...)...)
	p := start(t, fc.NameServerAddr(), proxy.WithMemNetwork(mem), proxy.WithListenAddr("proxy:9876"),
		proxy.WithLogger(testkit.Quiet), proxy.WithFaultSeed(7), proxy.WithHistoryOptions(fault.WithMaxBody(16)))
	return &memRig{mem: mem, fc: fc, p: p}
}

func (r *memRig) producer(t *testing.T, more ...client.Option) *client.Producer {
	t.Helper()
	return producer(t, r.p, append([]client.Option{client.WithDialer(r.mem.Dial)}, more...)...)
}

// A client with the VIP channel on sends to the port it was told minus 2: the proxy listens
// there too and forwards to the broker's own VIP port.
func TestVIPChannelThroughTheProxy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMemRig(t, fakecluster.WithBrokerOptions(fakebroker.WithListenAddr("127.0.0.1:10911"), fakebroker.WithVIPChannel(true)))
		listener := proxied(t, r.p, "broker-a")
		require.Equal(t, "proxy", listener.Addr[:len("proxy")], "the broker listeners share the name server's host")
		vip := r.producer(t, client.WithVIPChannel(true))
		plain := r.producer(t, client.WithGroup("plain"))
		for _, pr := range []*client.Producer{vip, plain} {
			_, err := pr.Send(context.Background(), client.NewMessage("T", []byte(strings.Repeat("hello ", 10))))
			require.NoError(t, err)
		}
		h, _ := r.p.History("broker-a")
		proxyPorts := map[string]int{}
		for _, e := range h.Requests(remoting.CodeSendMessageV2) {
			proxyPorts[e.Local]++
		}
		vipListener, _ := vipOf(listener.Addr)
		require.Equal(t, map[string]int{listener.Addr: 1, vipListener: 1}, proxyPorts)
		brokerPorts := map[string]int{}
		for _, e := range brokerOf(t, r.fc, "broker-a").History().Requests(remoting.CodeSendMessageV2) {
			brokerPorts[e.Local]++
		}
		require.Equal(t, map[string]int{"127.0.0.1:10911": 1, "127.0.0.1:10909": 1}, brokerPorts)
		require.Len(t, h.Requests(remoting.CodeSendMessageV2)[0].Body, 16, "the history options reach the proxy's histories")
	})
}

// A delay rule on the proxy holds the request in virtual time: the client gives up at its
// timeout, and the broker still stores the send when the delay ends, as with the fakes' own
// rules.
func TestDelayInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMemRig(t)
		inj, ok := r.p.Faults("broker-a")
		require.True(t, ok)
		inj.Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDelay, Delay: 10 * time.Second})
		pr := r.producer(t, client.WithSendTimeout(3*time.Second), client.WithRetries(0))
		start := time.Now()
		_, err := pr.SendToQueue(context.Background(), client.NewMessage("T", []byte("late")),
			client.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0})
		require.ErrorIs(t, err, remoting.ErrTimeout)
		require.Equal(t, 3*time.Second, time.Since(start))
		require.Empty(t, r.fc.Messages("T"))
		time.Sleep(7 * time.Second)
		synctest.Wait()
		require.Len(t, r.fc.Messages("T"), 1, "the delayed send went on to the broker")
		h, _ := r.p.History("broker-a")
		sends := h.Requests(remoting.CodeSendMessageV2)
		require.Len(t, sends, 1)
		require.Equal(t, fault.ActionDelay, sends[0].Fault)
		require.Equal(t, 10*time.Second, sends[0].Latency)
	})
}

// checker answers the broker's checks with commit and counts them.
type checker struct {
	mu     sync.Mutex
	checks int
}

func (c *checker) ExecuteLocalTransaction(context.Context, *client.Message, any) (client.LocalTransactionState, error) {
	return client.TransactionUnknown, nil
}

func (c *checker) CheckLocalTransaction(context.Context, *client.MessageExt) (client.LocalTransactionState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	return client.TransactionCommit, nil
}

func (c *checker) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checks
}

// The broker's CHECK_TRANSACTION_STATE (39) reaches the producer through the proxy, over the
// connection it heartbeats on, and the checker's END_TRANSACTION goes back up; a rule that
// names 39 on the proxy acts on the broker's checks as the fakes' own rules do.
func TestTransactionCheckThroughTheProxy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMemRig(t)
		l := &checker{}
		pr := r.producer(t, client.WithTransactionListener(l))
		res, err := pr.SendInTransaction(context.Background(), client.NewMessage("T", []byte("pay")), nil)
		require.NoError(t, err)
		broker := res.Queue.BrokerName
		inj, _ := r.p.Faults(broker)
		dropped := inj.Add(fault.Rule{Code: remoting.CodeCheckTransactionState, Action: fault.ActionDrop, Times: 1})

		time.Sleep(61 * time.Second) // the broker's default check interval: its first check is dropped
		synctest.Wait()
		require.Equal(t, 1, dropped.Fired())
		require.Zero(t, l.count())
		time.Sleep(60 * time.Second)
		synctest.Wait()
		require.Equal(t, 1, l.count(), "the second check came through")
		require.Len(t, r.fc.Messages("T"), 1, "committed by the check")
		h, _ := r.p.History(broker)
		ends := h.Requests(remoting.CodeEndTransaction)
		require.Len(t, ends, 2)
		require.Equal(t, "true", ends[1].ExtFields["fromTransactionCheck"])
		require.True(t, ends[1].Oneway)
	})
}

// vipOf is the VIP address of addr: its port minus 2.
func vipOf(addr string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return "", false
	}
	return net.JoinHostPort(host, strconv.Itoa(n-2)), true
}

// On an in-memory network a black hole is the network's: a producer's connect to the
// black-holed broker gives up at its connect timeout, in virtual time; start lets it through.
func TestBlackHoleOnAMemNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMemRig(t)
		pr := r.producer(t, client.WithConnectTimeout(time.Second), client.WithSendTimeout(10*time.Second), client.WithRetries(0))
		queue := client.MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}
		_, err := pr.SendToQueue(context.Background(), client.NewMessage("T", []byte("before")), queue)
		require.NoError(t, err)

		require.NoError(t, r.p.BlackHoleBroker("broker-a"))
		synctest.Wait() // the producer has read the close
		start := time.Now()
		_, err = pr.SendToQueue(context.Background(), client.NewMessage("T", []byte("lost")), queue)
		var ce *remoting.ConnectError
		require.ErrorAs(t, err, &ce)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, time.Second, time.Since(start))
		// Dials begun while the address swallowed them (the instance's first heartbeat, 1 s after
		// its start, may begin one as this send fails) hang until their connect timeout, and a
		// send joins a dial in progress and shares its failure, as Java's waits on a connect
		// future: they run out first.
		time.Sleep(2 * time.Second)
		synctest.Wait()

		require.NoError(t, r.p.StartBroker(context.Background(), "broker-a"))
		_, err = pr.SendToQueue(context.Background(), client.NewMessage("T", []byte("after")), queue)
		require.NoError(t, err)
	})
}
