package fakecluster_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// brokerOf returns cl's broker of that name; the test fails when there is none.
func brokerOf(tb testing.TB, cl *fakecluster.Cluster, name string) *fakebroker.Broker {
	tb.Helper()
	b, ok := cl.Broker(name)
	require.True(tb, ok, "no broker %s", name)
	return b
}

// slaveOf returns the slave of cl's broker of that name; the test fails when there is none.
func slaveOf(tb testing.TB, cl *fakecluster.Cluster, name string) *fakebroker.Broker {
	tb.Helper()
	b, ok := cl.Slave(name)
	require.True(tb, ok, "no slave of %s", name)
	return b
}

// client is what a RocketMQ client does with the cluster, over its network.
type client struct {
	t *testing.T
	c *remoting.Client
}

func newClient(t *testing.T, cl *fakecluster.Cluster) *client {
	return &client{t: t, c: remotingtest.NewClient(t, cl.Dialer())}
}

func (c *client) invoke(addr string, req *remoting.Command) (*remoting.Command, error) {
	return remotingtest.InvokeWithin(c.t, c.c, addr, req, 10*time.Second)
}

// route asks the name server for a topic's route; nil when it answers TOPIC_NOT_EXIST.
func (c *client) route(ns, topic string) *protocol.TopicRouteData {
	c.t.Helper()
	resp, err := c.invoke(ns, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: topic}, nil))
	require.NoError(c.t, err)
	if resp.Code == remoting.TopicNotExist {
		return nil
	}
	require.Equal(c.t, remoting.Success, resp.Code, resp.Remark)
	r, err := protocol.DecodeTopicRouteData(resp.Body)
	require.NoError(c.t, err)
	return r
}

// send sends one SEND_MESSAGE_V2 and returns the broker's answer.
func (c *client) send(addr, topic string, queue int32, body string, props map[string]string) *remoting.Command {
	c.t.Helper()
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queue, BornTimestamp: 1_700_000_000_000, Properties: protocol.EncodeProperties(props),
	}
	hdr, err := h.HeaderFor(remoting.CodeSendMessageV2)
	require.NoError(c.t, err)
	resp, err := c.invoke(addr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, hdr, []byte(body)))
	require.NoError(c.t, err)
	return resp
}

func (c *client) heartbeat(addr, clientID string, producerGroups ...string) {
	c.t.Helper()
	hb := &protocol.HeartbeatData{ClientID: clientID}
	for _, g := range producerGroups {
		hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
	}
	resp, err := c.invoke(addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.NoError(c.t, err)
	require.Equal(c.t, remoting.Success, resp.Code, resp.Remark)
}

func brokerNames(r *protocol.TopicRouteData) []string {
	var names []string
	for _, q := range r.QueueDatas {
		names = append(names, q.BrokerName)
	}
	return names
}

func TestStartIsReadyForClients(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4),
		fakecluster.WithTopicOn("Audit", 2, "broker-b"))
	c := newClient(t, cl)

	// The first route query made after Start already sees every broker and topic.
	r := c.route(cl.NameServerAddr(), "Orders")
	require.NotNil(t, r)
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(r))
	require.Equal(t, []string{"broker-b"}, brokerNames(c.route(cl.NameServerAddr(), "Audit")))
	require.Nil(t, c.route(cl.NameServerAddr(), "Nobody"))

	st := cl.Status()
	require.Len(t, st.Brokers, 2)
	for i, b := range st.Brokers {
		require.Equal(t, fakecluster.BrokerName(i), b.Name)
		require.True(t, b.Online)
		require.True(t, *b.Registered)
		require.Equal(t, brokerOf(t, cl, b.Name).Addr(), b.Addr)
	}

	resp := c.send(brokerOf(t, cl, "broker-b").Addr(), "Orders", 3, "hello", map[string]string{"TAGS": "A", "KEYS": "k1 k2"})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	msgs := cl.Messages("Orders")
	require.Len(t, msgs, 1)
	require.Equal(t, "broker-b", msgs[0].Broker)
	require.Equal(t, []string{"k1", "k2"}, msgs[0].Keys)
}

// New only constructs: nothing listens until Start, which runs once.
func TestNewThenStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		cl, err := fakecluster.New(fakecluster.WithMemNetwork(mem), fakecluster.WithNameServerAddr("ns:9876"))
		require.NoError(t, err)
		_, err = mem.Dial(t.Context(), "tcp", "ns:9876")
		require.ErrorIs(t, err, syscall.ECONNREFUSED, "New listens on nothing")
		require.Empty(t, cl.Brokers())

		require.NoError(t, cl.Start(t.Context()))
		defer cl.Close()
		conn, err := mem.Dial(t.Context(), "tcp", "ns:9876")
		require.NoError(t, err)
		_ = conn.Close()
		require.Len(t, cl.Brokers(), 1)
		require.Error(t, cl.Start(t.Context()), "a second Start")
	})
}

// When the brokers never show up on the name server (it drops their registrations here), Start
// gives up once WithStartTimeout has passed and closes what it started.
func TestStartTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl, err := fakecluster.New(fakecluster.WithMemNetwork(remoting.NewMemNetwork()),
			fakecluster.WithStartTimeout(3*time.Second),
			fakecluster.WithBrokerOptions(fakebroker.WithRegisterTimeout(time.Second)))
		require.NoError(t, err)
		cl.NameServer().Faults().Add(fault.Rule{Code: remoting.CodeRegisterBroker, Action: fault.ActionDrop})
		start := time.Now()
		err = cl.Start(t.Context())
		require.ErrorIs(t, err, context.DeadlineExceeded)
		waited := time.Since(start)
		require.GreaterOrEqual(t, waited, 3*time.Second)
		require.Less(t, waited, fakecluster.DefaultStartTimeout)
		require.False(t, brokerOf(t, cl, "broker-a").Running(), "closed after the failed start")
	})
}

func TestNewRejectsUnknownBrokerNames(t *testing.T) {
	_, err := fakecluster.New(fakecluster.WithTopicOn("T", 1, "broker-z"))
	require.ErrorIs(t, err, fakecluster.ErrUnknownBroker)
	_, err = fakecluster.New(fakecluster.WithBrokerOptionsFor("broker-q"))
	require.ErrorIs(t, err, fakecluster.ErrUnknownBroker)
	_, err = fakecluster.New(fakecluster.WithBrokers(-1))
	require.Error(t, err)
}

func TestBrokerNames(t *testing.T) {
	got := []string{fakecluster.BrokerName(0), fakecluster.BrokerName(1), fakecluster.BrokerName(25), fakecluster.BrokerName(26)}
	require.Equal(t, []string{"broker-a", "broker-b", "broker-z", "broker-27"}, got)
}

// Crash, silence, restart and topic changes show on the name server as they would with real
// brokers; in a synctest bubble, 120 s of broker expiry take no wall time.
func TestBrokerLifecycleInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		cl := fakecluster.Start(t, fakecluster.WithMemNetwork(mem), fakecluster.WithBrokers(2),
			fakecluster.WithTopic("Orders", 4))
		c := newClient(t, cl)
		ns := cl.NameServerAddr()
		ctx := context.Background()

		// A crash closes the broker's connection: the name server drops it at once.
		require.NoError(t, cl.CrashBroker("broker-a"))
		synctest.Wait()
		require.Equal(t, []string{"broker-b"}, brokerNames(c.route(ns, "Orders")))
		require.False(t, cl.Status().Brokers[0].Online)

		require.NoError(t, cl.StartBroker(ctx, "broker-a"))
		require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(c.route(ns, "Orders")))

		// A silenced broker keeps serving but expires after 120 s (scanned every 10 s).
		require.NoError(t, cl.SilenceBroker(ctx, "broker-b", true))
		time.Sleep(100 * time.Second)
		require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(c.route(ns, "Orders")))
		time.Sleep(40 * time.Second)
		synctest.Wait()
		require.Equal(t, []string{"broker-a"}, brokerNames(c.route(ns, "Orders")))
		st := cl.Status().Brokers[1]
		require.True(t, st.Online)
		require.False(t, *st.Registered)
		require.NoError(t, cl.SilenceBroker(ctx, "broker-b", false))
		require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(c.route(ns, "Orders")))

		// Topic changes register before CreateTopic returns.
		require.NoError(t, cl.CreateTopic(ctx, "Fresh", 2, "broker-b"))
		r := c.route(ns, "Fresh")
		require.Equal(t, []string{"broker-b"}, brokerNames(r))
		require.EqualValues(t, 2, r.QueueDatas[0].WriteQueueNums)
		require.NoError(t, cl.CreateTopic(ctx, "Fresh", 2, "broker-a"))
		require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(c.route(ns, "Fresh")))
		require.NoError(t, cl.DeleteTopic(ctx, "Fresh", "broker-b"))
		require.Equal(t, []string{"broker-a"}, brokerNames(c.route(ns, "Fresh")))
		require.NoError(t, cl.DeleteTopic(ctx, "Fresh"))
		require.Nil(t, c.route(ns, "Fresh"))
		_, kept := brokerOf(t, cl, "broker-a").Topic("Fresh")
		require.False(t, kept)

		// A clean stop unregisters.
		require.NoError(t, cl.StopBroker(ctx, "broker-a"))
		require.Equal(t, []string{"broker-b"}, brokerNames(c.route(ns, "Orders")))
		require.ErrorIs(t, cl.CrashBroker("nope"), fakecluster.ErrUnknownBroker)
	})
}

func TestBrokerOptionsReachBrokers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := fakecluster.Start(t, fakecluster.WithMemNetwork(remoting.NewMemNetwork()), fakecluster.WithBrokers(2),
			fakecluster.WithCluster("C1"), fakecluster.WithAutoCreateTopic(false),
			fakecluster.WithBrokerOptions(fakebroker.WithPermission(4)),
			fakecluster.WithBrokerOptionsFor("broker-b", fakebroker.WithPermission(6)),
			fakecluster.WithNameServerOptions(fakenamesrv.WithBrokerExpiry(time.Minute)))
		c := newClient(t, cl)
		require.EqualValues(t, 4, brokerOf(t, cl, "broker-a").Permission())
		require.EqualValues(t, 6, brokerOf(t, cl, "broker-b").Permission())
		require.Equal(t, "C1", brokerOf(t, cl, "broker-a").Cluster())
		resp := c.send(brokerOf(t, cl, "broker-b").Addr(), "Unknown", 0, "x", nil)
		require.Equal(t, remoting.TopicNotExist, resp.Code)
		_, ok := cl.Broker("broker-c")
		require.False(t, ok, "a name the cluster does not have")
		require.Len(t, cl.Brokers(), 2)
	})
}

// Starting and stopping clusters in a loop leaves no goroutine or connection behind (goleak in
// TestMain checks the goroutines).
func TestStartStopLoop(t *testing.T) {
	for range 20 {
		cl, err := fakecluster.New(fakecluster.WithBrokers(2), fakecluster.WithTopic("T", 2))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		require.NoError(t, cl.Start(ctx))
		require.NoError(t, cl.Shutdown(ctx))
		cancel()
	}
	synctest.Test(t, func(t *testing.T) {
		for range 50 {
			cl, err := fakecluster.New(fakecluster.WithMemNetwork(remoting.NewMemNetwork()), fakecluster.WithBrokers(3))
			require.NoError(t, err)
			require.NoError(t, cl.Start(t.Context()))
			require.NoError(t, cl.Close())
		}
	})
}

func TestAwaitRoute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := fakecluster.Start(t, fakecluster.WithMemNetwork(remoting.NewMemNetwork()), fakecluster.WithBrokers(2))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- cl.AwaitRoute(ctx, "Later", func(r *protocol.TopicRouteData) bool { return len(r.QueueDatas) == 2 })
		}()
		require.NoError(t, cl.CreateTopic(ctx, "Later", 1, "broker-a"))
		synctest.Wait()
		require.Empty(t, done)
		require.NoError(t, cl.CreateTopic(ctx, "Later", 1, "broker-b"))
		require.NoError(t, <-done)
		r, ok := cl.NameServer().Route("Later")
		require.True(t, ok)
		require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(r))
	})
}

func TestSlaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := fakecluster.Start(t, fakecluster.WithMemNetwork(remoting.NewMemNetwork()), fakecluster.WithBrokers(2),
			fakecluster.WithSlaves(true), fakecluster.WithTopic("Orders", 4))
		c := newClient(t, cl)
		r := c.route(cl.NameServerAddr(), "Orders")
		require.Len(t, r.BrokerDatas, 2)
		for _, bd := range r.BrokerDatas {
			require.Equal(t, map[int64]string{0: brokerOf(t, cl, bd.BrokerName).Addr(), 1: slaveOf(t, cl, bd.BrokerName).Addr()}, bd.BrokerAddrs)
		}
		require.Len(t, cl.Slaves(), 2)
		_, ok := cl.Slave("broker-x")
		require.False(t, ok)
	})
}

// Servers on every interface, as in a container, register and name the advertised host: the
// route clients get names it with each broker's own port, sends there are served, a broker
// restarted keeps its address, and an advertised address set on one broker wins over the host.
func TestAdvertisedHost(t *testing.T) {
	// 127.0.0.2 is a host no listener names, so the test tells advertised from listened; Linux
	// routes all of 127/8 to loopback.
	const host = "127.0.0.2"
	cl := fakecluster.Start(t, fakecluster.WithHost("0.0.0.0"), fakecluster.WithAdvertisedHost(host),
		fakecluster.WithBrokers(3), fakecluster.WithTopic("Orders", 4),
		fakecluster.WithBrokerOptionsFor("broker-c", fakebroker.WithAdvertisedAddr("127.0.0.3:1")))
	c := newClient(t, cl)
	hostPort := func(addr string) (string, string) {
		h, p, err := net.SplitHostPort(addr)
		require.NoError(t, err, addr)
		return h, p
	}
	nsHost, nsPort := hostPort(cl.NameServerAddr())
	require.Equal(t, host, nsHost)
	_, listenPort := hostPort(cl.NameServer().Addr())
	require.Equal(t, listenPort, nsPort)

	want := map[string]string{}
	for _, b := range cl.Brokers() {
		_, port := hostPort(b.ListenAddr())
		want[b.Name()] = net.JoinHostPort(host, port)
	}
	want["broker-c"] = "127.0.0.3:1"
	got := map[string]string{}
	for _, bd := range c.route(cl.NameServerAddr(), "Orders").BrokerDatas {
		got[bd.BrokerName] = bd.BrokerAddrs[0]
	}
	require.Equal(t, want, got)
	st := cl.Status()
	require.Equal(t, cl.NameServerAddr(), st.NameSrv.Addr)
	for _, b := range st.Brokers {
		require.Equal(t, want[b.Name], b.Addr)
	}
	resp := c.send(want["broker-a"], "Orders", 0, "hello", nil)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	ctx := t.Context()
	require.NoError(t, cl.StopBroker(ctx, "broker-a"))
	require.NoError(t, cl.StartBroker(ctx, "broker-a"))
	require.Equal(t, want["broker-a"], brokerOf(t, cl, "broker-a").Addr())
	resp = c.send(want["broker-a"], "Orders", 0, "again", nil)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
}
