package realrmq

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// TestLifecycle runs its own cluster (in parallel with the shared one) to check that the
// options reach the servers and that a broker stops, comes back on its store, and crashes.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	c := Start(t,
		WithCluster("LifeCluster"),
		WithBrokerNames("life-a"),
		WithBrokerPermission(4),
		WithDefaultTopicQueueNums(4),
		WithRegisterInterval(10*time.Second),
		WithTransactionCheckInterval(3*time.Second),
		WithTransactionTimeout(2*time.Second),
		WithTransactionCheckMax(4),
		WithHeap(128, 384),
		WithBrokerConfig("maxMessageSize", "65536"),
		WithNameServerConfig("orderMessageEnable", "true"),
	)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	brokers := c.Brokers()
	require.Len(t, brokers, 1)
	b := brokers[0]
	assert.Equal(t, Broker{Name: "life-a", Addr: b.Addr, Cluster: "LifeCluster", Running: true}, b)
	info, err := c.ClusterInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"life-a"}, info.ClusterAddrTable["LifeCluster"])
	assert.Equal(t, map[int64]string{0: b.Addr}, info.BrokerAddrTable["life-a"].BrokerAddrs)
	conf, _, err := admin.BrokerConfig(ctx, c.Client(), b.Addr)
	require.NoError(t, err)
	assert.Equal(t, []string{"3000", "2000", "4"},
		[]string{conf["transactionCheckInterval"], conf["transactionTimeOut"], conf["transactionCheckMax"]})

	// defaultTopicQueueNums sizes TBW102; brokerPermission 4 is advertised for every topic.
	tbw, ok := route(t, ctx, c, protocol.AutoCreateTopicKey)
	require.True(t, ok)
	assert.Equal(t, int32(4), tbw.QueueDatas[0].WriteQueueNums)
	assert.Equal(t, int32(4), tbw.QueueDatas[0].Perm)

	// WithBrokerConfig reaches the broker's configuration file.
	conf, _, err = admin.BrokerConfig(ctx, c.Client(), b.Addr)
	require.NoError(t, err)
	assert.Equal(t, "65536", conf["maxMessageSize"])

	require.NoError(t, c.CreateTopic(ctx, "LifeTopic", 2))
	rd, ok := route(t, ctx, c, "LifeTopic")
	require.True(t, ok, "a created topic is routable at once")
	assert.Equal(t, protocol.QueueData{BrokerName: "life-a", ReadQueueNums: 2, WriteQueueNums: 2, Perm: 4}, rd.QueueDatas[0])

	// WithNameServerConfig reaches the name server's: with orderMessageEnable, routes carry the
	// topic's ORDER_TOPIC_CONFIG item.
	require.NoError(t, admin.PutKVConfig(ctx, c.Client(), c.NameServerAddr(), "ORDER_TOPIC_CONFIG", "LifeTopic", "life-a:2"))
	rd, ok = route(t, ctx, c, "LifeTopic")
	require.True(t, ok)
	assert.Equal(t, "life-a:2", rd.OrderTopicConf)

	// A clean stop unregisters: the route goes at once.
	require.NoError(t, c.StopBroker("life-a"))
	assert.False(t, c.Brokers()[0].Running)
	_, ok = route(t, ctx, c, "LifeTopic")
	assert.False(t, ok, "route after StopBroker")
	assert.Error(t, c.CreateTopic(ctx, "Other", 1), "no running broker to create on")

	// Back on the same address and store: the topic is still there.
	require.NoError(t, c.StartBroker(ctx, "life-a"))
	assert.Equal(t, b, c.Brokers()[0])
	rd, ok = route(t, ctx, c, "LifeTopic")
	require.True(t, ok, "route after StartBroker")
	assert.Equal(t, int32(2), rd.QueueDatas[0].WriteQueueNums)
	assert.Error(t, c.StartBroker(ctx, "life-a"), "starting a running broker")

	// A crash: the name server drops the broker when its connection closes.
	require.NoError(t, c.KillBroker("life-a"))
	require.NoError(t, poll(ctx, func() (bool, error) {
		_, ok := route(t, ctx, c, "LifeTopic")
		return !ok, nil
	}))
	assert.Error(t, c.StopBroker("nope"))

	// Deliberate stops are not crashes; a server dying on its own is.
	quick, cancelQuick := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelQuick()
	assert.NoError(t, c.Wait(quick))
	c.mu.Lock()
	ns := c.ns
	c.mu.Unlock()
	require.NoError(t, ns.cmd.Process.Kill())
	assert.ErrorContains(t, c.Wait(ctx), "namesrv exited unexpectedly")
}

// TestVersion5 starts a 5.x name server and broker when ROCKETSIM_REAL_V5 names a release
// (e.g. 5.3.3). Not part of the default run: a 5.x broker takes about 15 s to start and as
// long to stop on a 2-core machine.
func TestVersion5(t *testing.T) {
	v := os.Getenv("ROCKETSIM_REAL_V5")
	if v == "" {
		t.Skip("set ROCKETSIM_REAL_V5=5.3.3 (a 5.x release) to start a 5.x cluster")
	}
	t.Parallel()
	c := Start(t, WithVersion(v), WithBrokerNames("v5-a"))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	assert.Equal(t, v, c.Version())
	require.NoError(t, c.CreateTopic(ctx, "V5Topic", 2))
	rd, ok := route(t, ctx, c, "V5Topic")
	require.True(t, ok)
	assert.Equal(t, int32(2), rd.QueueDatas[0].WriteQueueNums)
}

func route(t *testing.T, ctx context.Context, c *Cluster, topic string) (*protocol.TopicRouteData, bool) {
	t.Helper()
	rd, ok, err := admin.Route(ctx, c.Client(), c.NameServerAddr(), topic)
	require.NoError(t, err)
	return rd, ok
}

// TestUnavailable checks the skip path a machine without Java takes (it needs no JVM).
func TestUnavailable(t *testing.T) {
	t.Setenv("JAVA_HOME", "")
	t.Setenv("PATH", t.TempDir())
	c, err := New()
	require.NoError(t, err)
	err = c.Start(t.Context())
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "java not found")

	t.Setenv(RequireEnv, "")
	var inner *testing.T
	t.Run("skips", func(t *testing.T) {
		inner = t
		Start(t)
		t.Error("Start returned without Java")
	})
	assert.True(t, inner.Skipped(), "Start skips without %s=1", RequireEnv)
}

func TestOptions(t *testing.T) {
	cfg := defaultConfig()
	WithBrokers(3)(&cfg)
	assert.Equal(t, []string{"broker-a", "broker-b", "broker-c"}, cfg.brokerNames)
	WithBrokerNames("x", "x")(&cfg)
	assert.Error(t, cfg.validate())
	assert.Equal(t, "broker-26", brokerName(26))
	_, err := New(WithBrokerNames("x", "x"))
	assert.Error(t, err, "New checks the options")
}

// A start that takes longer than WithStartTimeout fails, and leaves nothing running.
func TestStartTimeout(t *testing.T) {
	if err := Available(t.Context(), DefaultVersion); err != nil {
		SkipUnavailable(t, err)
		t.Fatal(err)
	}
	c, err := New(WithStartTimeout(time.Millisecond), WithStopGrace(5*time.Second), WithLogDir(t.TempDir()))
	require.NoError(t, err)
	err = c.Start(t.Context())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	c.mu.Lock()
	ns := c.ns
	c.mu.Unlock()
	require.NotNil(t, ns, "the name server's JVM was started")
	done, _ := ns.exited()
	assert.True(t, done, "and stopped again")
	assert.NoDirExists(t, c.workDir, "its work folder is gone")
}

// WithJVMArgs adds to both servers' command lines, after realrmq's own arguments and before
// the main class. WithStopGrace is how long Close and StopBroker wait after SIGTERM before they
// kill: here with a stand-in process that ignores SIGTERM.
func TestJVMArgsAndStopGrace(t *testing.T) {
	c, err := New(WithJVMArgs("-Drocketsim.test=1"), WithStopGrace(100*time.Millisecond))
	require.NoError(t, err)
	args := c.jvmArgs(128)
	assert.Equal(t, "-Drocketsim.test=1", args[len(args)-1])

	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to stand in for a server")
	}
	logPath := filepath.Join(t.TempDir(), "stubborn.log")
	p, err := startProcess("stubborn", sh, []string{"-c", "trap '' TERM; echo ready; exec sleep 60"}, os.Environ(), t.TempDir(), logPath, nil)
	require.NoError(t, err)
	require.NoError(t, poll(t.Context(), func() (bool, error) {
		b, err := os.ReadFile(logPath)
		return bytes.Contains(b, []byte("ready")), err
	}))
	c.ns = p
	start := time.Now()
	assert.ErrorContains(t, c.Close(), "stubborn did not stop within 100ms of SIGTERM; killed")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// What New returns runs nothing and can be closed without a start; a name it does not have
// is ErrUnknownBroker.
func TestNewRunsNothing(t *testing.T) {
	c, err := New(WithBrokers(1))
	require.NoError(t, err)
	assert.Empty(t, c.NameServerAddr())
	_, ok := c.BrokerAddr("broker-a")
	assert.False(t, ok, "no broker before Start")
	assert.ErrorIs(t, c.StopBroker("broker-x"), ErrUnknownBroker)
	assert.ErrorIs(t, c.KillBroker("broker-x"), ErrUnknownBroker)
	assert.ErrorIs(t, c.StartBroker(t.Context(), "broker-x"), ErrUnknownBroker)
	require.NoError(t, c.Close())
	require.Error(t, c.Start(t.Context()), "a closed cluster does not start")
}

func TestFreePorts(t *testing.T) {
	seen := map[int]bool{}
	for range 5 {
		p, err := freePorts(-2, 0, 1)
		require.NoError(t, err)
		for _, off := range []int{-2, 0, 1} {
			assert.False(t, seen[p+off], "port %d handed out twice", p+off)
			seen[p+off] = true
			l, err := net.Listen("tcp", ":"+strconv.Itoa(p+off))
			require.NoError(t, err, "port %d is free", p+off)
			_ = l.Close()
		}
	}
}

func TestPollStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	err := poll(t.Context(), func() (bool, error) {
		n++
		if n == 3 {
			return false, boom
		}
		return false, nil
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 3, n)
}

// TestSlaves runs a cluster with a slave beside its master: both register under one broker
// name, a route names both addresses, and the slave crashes and comes back on its own.
func TestSlaves(t *testing.T) {
	t.Parallel()
	c := Start(t, WithBrokerNames("ha-a"), WithSlaves(true), WithAutoCreateTopic(false),
		WithRegisterInterval(10*time.Second), WithHeap(128, 384))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	master, slaves := c.Brokers(), c.Slaves()
	require.Len(t, master, 1)
	require.Len(t, slaves, 1)
	s := slaves[0]
	assert.Equal(t, Broker{Name: "ha-a", ID: 1, Addr: s.Addr, Cluster: DefaultCluster, Running: true}, s)
	assert.NotEqual(t, master[0].Addr, s.Addr)
	addr, ok := c.SlaveAddr("ha-a")
	assert.True(t, ok)
	assert.Equal(t, s.Addr, addr)

	require.NoError(t, c.CreateTopic(ctx, "HATopic", 2))
	rd, ok := route(t, ctx, c, "HATopic")
	require.True(t, ok)
	require.Len(t, rd.BrokerDatas, 1)
	assert.Equal(t, map[int64]string{0: master[0].Addr, 1: s.Addr}, rd.BrokerDatas[0].BrokerAddrs,
		"the route names the slave beside its master")
	conf, _, err := admin.BrokerConfig(ctx, c.Client(), s.Addr)
	require.NoError(t, err)
	assert.Equal(t, "SLAVE", conf["brokerRole"])

	// HA: a message the master stores reaches the slave's queue, which it found its master for
	// through the name server alone.
	hdr := sendHeader("HATopic", 0, nil)
	resp, err := c.Client().Invoke(ctx, master[0].Addr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, hdr.V2(), []byte("ha")))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	mq := protocol.MessageQueue{Topic: "HATopic", BrokerName: "ha-a", QueueID: 0}
	require.NoError(t, poll(ctx, func() (bool, error) {
		n, err := admin.MaxOffset(ctx, c.Client(), s.Addr, mq)
		return err == nil && n == 1, nil
	}), "the slave replicated its master's message")

	// A killed slave leaves the route once the name server sees its connection close; the
	// master stays.
	require.NoError(t, c.KillSlave("ha-a"))
	assert.False(t, c.Slaves()[0].Running)
	require.NoError(t, poll(ctx, func() (bool, error) {
		rd, ok := route(t, ctx, c, "HATopic")
		return ok && len(rd.BrokerDatas) == 1 && len(rd.BrokerDatas[0].BrokerAddrs) == 1, nil
	}))
	require.NoError(t, c.StartSlave(ctx, "ha-a"))
	rd, ok = route(t, ctx, c, "HATopic")
	require.True(t, ok)
	assert.Equal(t, map[int64]string{0: master[0].Addr, 1: s.Addr}, rd.BrokerDatas[0].BrokerAddrs)
	assert.ErrorIs(t, c.KillSlave("no-such"), ErrUnknownBroker)
}
