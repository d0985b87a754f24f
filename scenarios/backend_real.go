package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// The real backend (ROCKETSIM_BACKEND=real) runs the features against real RocketMQ 4.9.7:
// one name server and two brokers (realrmq, JVMs from Maven Central jars), started when the
// first scenario asks for a cluster and shared by every scenario of the run (those with slaves
// share a second cluster, see slaveCluster). Every scenario
// reaches them through a rocketsim proxy of its own (backend.Proxy): its producers use the
// proxy as their name server, so that its fault rules, its request history and its crashes
// (a broker's listeners and connections closed, as clients see a crash) belong to that
// scenario alone, while the JVMs behind run on for the next one.
//
// Sharing, and what keeps scenarios apart:
//   - every scenario gets topics of its own: the feature's "Orders" is "Orders_<n>" on the
//     servers and in the producers' messages (topic names the client must refuse, such as
//     "bad topic!" or "SCHEDULE_TOPIC_XXXX", are left as written);
//   - "a cluster with 1 broker" uses broker-a only: topics are created there alone;
//   - when the scenario ends, its proxy closes (what it crashed comes back with it) and a
//     removed write permission is given back.
//
// Time is the wall clock, scaled by 1/10, and every duration a feature names is scaled alike, so
// that its numbers keep their meaning: "N seconds pass" sleeps N/10 seconds, a fault that delays
// by N seconds holds the request N/10 seconds, a send timeout or attempt limit of N is N/10, and
// the client's API timeout (route queries, heartbeats; Java: 3 s) and its connect timeout (Java:
// 3 s) are 300 ms. The producers poll the name server and heartbeat every 2.5 s (Java: 30 s; a
// scaled 3 s period would leave a 31 s/10 window only 0.1 s of slack). A duration a step measures
// is checked against the scaled one with realSlack of wall time on top. What cannot be scaled is
// left out, tagged with why (see leftOut): the name server's 120 s broker expiry and the broker's
// 120 s idle close are fixed in 4.9.7. A black-holed broker is the proxy's: its addresses swallow
// connection attempts (proxy.Proxy.BlackHoleBroker). The brokers check transactions every 6 s and
// check half messages older than 0.6 s (Java: 60 s and 6 s); as the client's first heartbeat stays
// 1 s after its start, a transactional send first waits until the brokers list its producer
// (awaitListedInGroup), or a check coming before that heartbeat would be lost and still count.
type realBackend struct {
	once   sync.Once
	shared *realrmq.Shared
	c      *realrmq.Cluster
	err    error
	seq    int // scenarios that asked for a cluster
	mu     sync.Mutex

	// withSlaves is the second shared cluster, for scenarios with slaves (see slaveCluster).
	withSlaves realShared
}

// realShared is a shared real cluster started by the first scenario that needs it.
type realShared struct {
	once   sync.Once
	shared *realrmq.Shared
	c      *realrmq.Cluster
	err    error
}

// realTimeScale is how much wall time one second of a feature's time takes on real servers.
const realTimeScale = 10

// realDelayLevels are Java's messageDelayLevel (1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m
// 30m 1h 2h) scaled by realTimeScale, in the whole seconds 4.9.7 reads.
const realDelayLevels = "1s 1s 1s 3s 6s 12s 18s 24s 30s 36s 42s 48s 54s 60s 120s 180s 360s 720s"

// realInterval is the producers' route poll and heartbeat period on real servers.
const realInterval = 2500 * time.Millisecond

// realSlack is how much longer than a feature's scaled duration a measured one may take on
// real servers: the wall clock is never exact, and JVMs share two busy cores. At 1/10 it is
// 0.5 s of a feature's time, under the second that features tell apart ("at the deadline, not
// 1 to 2 seconds later").
const realSlack = 50 * time.Millisecond

func newRealBackend() *realBackend { return &realBackend{} }

func (*realBackend) Name() string  { return "real" }
func (*realBackend) Virtual() bool { return false }

// prepare skips t (or fails it with ROCKETSIM_REQUIRE_REAL=1) when this machine cannot run
// real RocketMQ, before godog starts.
func (r *realBackend) prepare(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if err := realrmq.Available(ctx, realrmq.DefaultVersion); err != nil {
		realrmq.SkipUnavailable(t, err)
		t.Fatal(err)
	}
}

func (r *realBackend) cluster() (*realrmq.Cluster, error) {
	r.once.Do(func() {
		r.shared = realrmq.NewShared("scenarios-real", append(realOptions(), realrmq.WithAutoCreateTopic(true))...)
		r.c, r.err = r.shared.Start()
	})
	return r.c, r.err
}

// slaveCluster is the cluster of the scenarios with slaves: 2 masters, a slave beside each,
// and autoCreateTopicEnable=false. It starts with the first such scenario, so that a run
// without one pays nothing, and is apart from the masters-only cluster, which would otherwise
// run two more JVMs for every run and, with no TBW102, refuse the sends to unknown topics that
// other scenarios make. The book's scenarios with slaves create every topic they send to, so
// those that asked for autoCreateTopicEnable=true run there as well.
func (r *realBackend) slaveCluster() (*realrmq.Cluster, error) {
	s := &r.withSlaves
	s.once.Do(func() {
		s.shared = realrmq.NewShared("scenarios-real-slaves",
			append(realOptions(), realrmq.WithSlaves(true), realrmq.WithAutoCreateTopic(false))...)
		s.c, s.err = s.shared.Start()
	})
	return s.c, s.err
}

// realOptions are the settings both shared clusters have.
func realOptions() []realrmq.Option {
	return []realrmq.Option{
		realrmq.WithBrokers(2),
		realrmq.WithRegisterInterval(10 * time.Second),
		// The transaction check's times are Java's defaults on the book's clock, so that a
		// feature's "2 minutes pass" covers the same checks on both backends.
		realrmq.WithTransactionCheckInterval(fakebroker.DefaultTransactionCheckInterval / realTimeScale),
		realrmq.WithTransactionTimeout(fakebroker.DefaultTransactionTimeout / realTimeScale),
		// Retries come back after the delay levels on the book's clock too. 4.9.7 reads the
		// levels in whole seconds, so levels 1 and 2 (0.1 s and 0.5 s) stay at 1 s; a
		// consumer's retries use level 3 (10 s, here 1 s) and above.
		realrmq.WithBrokerConfig("messageDelayLevel", realDelayLevels),
		// An orderly consumer's queue lock lasts a tenth of Java's 60 s unrenewed.
		realrmq.WithRebalanceLockExpiry(fakebroker.DefaultRebalanceLockExpiry / realTimeScale),
	}
}

// close stops the shared cluster after the suite, logging the servers' last lines when the
// suite failed.
func (r *realBackend) close(t *testing.T) {
	type started struct {
		shared *realrmq.Shared
		c      *realrmq.Cluster
	}
	for _, s := range []started{{r.shared, r.c}, {r.withSlaves.shared, r.withSlaves.c}} {
		if s.shared == nil {
			continue
		}
		if s.c != nil {
			for _, rep := range s.c.Repairs() {
				t.Logf("real backend: %s", rep)
			}
			t.Logf("%v", s.shared)
		}
		if err := s.shared.Close(t.Failed(), t.Logf); err != nil {
			t.Errorf("stopping real RocketMQ: %v", err)
		}
	}
}

func (r *realBackend) StartCluster(_ *testing.T, spec clusterSpec) (backend.Cluster, error) {
	if spec.keepIdle || (spec.noAutoCreate && !spec.slaves) {
		return nil, fmt.Errorf("brokers that keep idle connections, or create no topics and have no slaves: %w by the real backend", errors.ErrUnsupported)
	}
	n := spec.brokers
	shared := r.cluster
	if spec.slaves {
		shared = r.slaveCluster
	}
	rc, err := shared()
	if err != nil {
		return nil, err
	}
	p, err := proxy.New(rc.NameServerAddr(), proxy.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("starting the scenario's proxy: %w", err)
	}
	c := backend.NewProxy(p)
	all := c.Brokers()
	if n > len(all) {
		_ = c.Close()
		return nil, fmt.Errorf("the real backend runs %d brokers, the scenario wants %d", len(all), n)
	}
	r.mu.Lock()
	r.seq++
	id := r.seq
	r.mu.Unlock()
	v := &scenarioView{Cluster: c, id: id, topics: map[string]string{}, readOnly: map[string]bool{}}
	for _, b := range all[:n] {
		v.own = append(v.own, b.Name)
	}
	return v, nil
}

// scenarioView is one scenario's view of a cluster shared by every scenario of the run: its
// own topic names, its own brokers, and the cluster given back as it found it.
type scenarioView struct {
	backend.Cluster
	id  int
	own []string // the brokers the scenario asked for: broker-a, ...

	mu       sync.Mutex
	topics   map[string]string // feature name -> server name
	readOnly map[string]bool   // brokers whose write permission the scenario removed
}

// TopicName maps a feature's topic to the scenario's own: "Orders" -> "Orders_7". Names the
// client must refuse stay as written, so that the refusal's text is the feature's.
func (v *scenarioView) TopicName(topic string) string {
	if protocol.CheckTopic(topic) != nil || protocol.IsSystemTopic(topic) || protocol.IsNotAllowedSendTopic(topic) {
		return topic
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if name, ok := v.topics[topic]; ok {
		return name
	}
	name := topic + "_" + strconv.Itoa(v.id)
	v.topics[topic] = name
	return name
}

// ProducerOptions are the scaled intervals, API timeout and connect timeout of a backend on the
// wall clock.
func (v *scenarioView) ProducerOptions(string) []client.Option {
	return []client.Option{
		client.WithPollNameServerInterval(realInterval),
		client.WithHeartbeatInterval(realInterval),
		client.WithMQClientAPITimeout(v.Scale(client.DefaultMQClientAPITimeout)),
		client.WithConnectTimeout(v.Scale(remoting.DefaultConnectTimeout)),
	}
}

// ConsumerOptions are the scaled intervals of the consumers' instances: Java's 20 s rebalance
// period is 2 s, the offsets persist 1 s after the start and every 0.5 s (Java: 10 s, 5 s), an
// orderly consumer renews its locks every 2 s and trusts them 3 s.
func (v *scenarioView) ConsumerOptions() []client.Option {
	return append(v.ProducerOptions(""),
		client.WithRebalanceInterval(v.Scale(client.DefaultRebalanceInterval)),
		client.WithPersistConsumerOffsetInterval(v.Scale(client.DefaultPersistConsumerOffsetDelay),
			v.Scale(client.DefaultPersistConsumerOffsetInterval)),
		client.WithPullExceptionDelay(v.Scale(client.DefaultPullExceptionDelay)),
		client.WithSuspendCurrentQueueDelay(v.Scale(client.DefaultSuspendCurrentQueue)),
		client.WithRebalanceLockInterval(v.Scale(client.DefaultRebalanceLockInterval)),
		client.WithRebalanceLockExpiry(v.Scale(client.DefaultRebalanceLockExpiry)))
}

// Scale turns a feature's duration into wall time.
func (v *scenarioView) Scale(d time.Duration) time.Duration { return d / realTimeScale }

// Proxied says that the brokers see the scenario's proxy, not its clients.
func (v *scenarioView) Proxied() {}

// Slack is how much longer than its scaled duration a measured one may be.
func (v *scenarioView) Slack() time.Duration { return realSlack }

// EndScenario gives the shared cluster back as the next scenario expects it: every broker
// writable, and the scenario's proxy (its faults, history and crashes) gone.
func (v *scenarioView) EndScenario(ctx context.Context) error {
	var errs []error
	v.mu.Lock()
	readOnly := slices.Sorted(func(yield func(string) bool) {
		for b := range v.readOnly {
			if !yield(b) {
				return
			}
		}
	})
	v.mu.Unlock()
	for _, b := range readOnly {
		errs = append(errs, v.SetWritable(ctx, b, true))
	}
	errs = append(errs, v.Cluster.Close())
	return errors.Join(errs...)
}

// Brokers lists the scenario's own brokers.
func (v *scenarioView) Brokers() []backend.Broker {
	return slices.DeleteFunc(v.Cluster.Brokers(), func(b backend.Broker) bool { return !slices.Contains(v.own, b.Name) })
}

func (v *scenarioView) CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error {
	if len(brokers) == 0 {
		brokers = v.own
	}
	return v.Cluster.CreateTopic(ctx, v.TopicName(topic), queues, brokers...)
}

// DeleteTopic deletes the scenario's topic from every running broker, as mqadmin does.
func (v *scenarioView) DeleteTopic(ctx context.Context, topic string, brokers ...string) error {
	if len(brokers) == 0 {
		for _, b := range v.Cluster.Brokers() {
			if b.Running {
				brokers = append(brokers, b.Name)
			}
		}
	}
	return v.Cluster.DeleteTopic(ctx, v.TopicName(topic), brokers...)
}

func (v *scenarioView) SetWritable(ctx context.Context, broker string, writable bool) error {
	if err := v.Cluster.SetWritable(ctx, broker, writable); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if writable {
		delete(v.readOnly, broker)
	} else {
		v.readOnly[broker] = true
	}
	return nil
}

func (v *scenarioView) Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	return v.Cluster.Route(ctx, v.TopicName(topic))
}

func (v *scenarioView) Offsets(ctx context.Context, topic string) (backend.Offsets, error) {
	return v.Cluster.Offsets(ctx, v.TopicName(topic))
}

func (v *scenarioView) MinOffsets(ctx context.Context, topic string) (backend.Offsets, error) {
	return v.Cluster.MinOffsets(ctx, v.TopicName(topic))
}

// ScanMessages reads the scenario's topic. A 4.9.7 broker indexes a message for pulls a moment
// after it answered the send (and a oneway send is stored some time after it was written), so
// the brokers are read until two reads 100 ms apart agree, for at most 3 s.
func (v *scenarioView) ScanMessages(ctx context.Context, topic string, since backend.Offsets, f func(*protocol.MessageExt) error) error {
	name := v.TopicName(topic)
	prev := -1
	deadline := time.Now().Add(3 * time.Second)
	for {
		var msgs []*protocol.MessageExt
		err := v.Cluster.ScanMessages(ctx, name, since, func(m *protocol.MessageExt) error {
			msgs = append(msgs, m)
			return nil
		})
		if err != nil {
			return err
		}
		if len(msgs) == prev || time.Now().After(deadline) {
			for _, m := range msgs {
				if err := f(m); err != nil {
					return err
				}
			}
			return nil
		}
		prev = len(msgs)
		time.Sleep(100 * time.Millisecond)
	}
}

// Unwrap is the scenario's proxy cluster, for what it offers beyond backend.Cluster (slaves).
func (v *scenarioView) Unwrap() backend.Cluster { return v.Cluster }

// Close leaves the shared cluster running (the backend stops it after the suite); the
// scenario's proxy closes when the scenario ends.
func (v *scenarioView) Close() error { return nil }

var _ backend.Cluster = (*scenarioView)(nil)
