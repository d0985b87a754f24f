package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// The real backend (ROCKETSIM_BACKEND=real) runs the features against real RocketMQ 4.9.7:
// one name server and two brokers (realrmq, JVMs from Maven Central jars), started when the
// first scenario asks for a cluster and shared by every scenario of the run.
//
// Sharing, and what keeps scenarios apart:
//   - every scenario gets topics of its own: the feature's "Orders" is "Orders_<n>" on the
//     servers and in the producers' messages (topic names the client must refuse, such as
//     "bad topic!" or "SCHEDULE_TOPIC_XXXX", are left as written);
//   - "a cluster with 1 broker" uses broker-a only: topics are created there alone;
//   - when the scenario ends, a crashed or stopped broker is started again and a removed
//     write permission is given back.
//
// Time is the wall clock, scaled by 1/10: "N seconds pass" sleeps N/10 seconds, and the
// producers poll the name server and heartbeat every 2.5 s (Java: 30 s; a scaled 3 s period
// would leave a 31 s/10 window only 0.1 s of slack). The name server's 120 s broker expiry
// cannot be scaled (it is fixed in 4.9.7): those scenarios are @fake-only.
//
// The real servers keep no request history. Requests answers HEART_BEAT for a broker from
// what the broker's producer table shows (GET_PRODUCER_CONNECTION_LIST for every group the
// scenario's producers use: a 4.9.7 broker lists a producer only after a heartbeat that
// named its group); everything else is errUnsupported and its scenarios are @needs-history.
// Faults, silencing and black holes are errUnsupported (@fake-only).
type realBackend struct {
	once    sync.Once
	shared  *realrmq.Shared
	workDir string
	repairs []string // stores repaired after a crash left them unloadable
	c       *realrmq.Cluster
	cli     *remoting.Client
	err     error
	seq     int // scenarios that asked for a cluster
	mu      sync.Mutex
}

// realTimeScale is how much wall time one second of a feature's time takes on real servers.
const realTimeScale = 10

// realInterval is the producers' route poll and heartbeat period on real servers.
const realInterval = 2500 * time.Millisecond

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
		r.shared = realrmq.NewShared("scenarios-real",
			realrmq.WithBrokers(2),
			realrmq.WithAutoCreateTopic(true),
			realrmq.WithRegisterNameServerPeriod(10*time.Second))
		r.c, r.err = r.shared.Launch()
		r.cli, r.workDir = r.shared.Client(), r.shared.WorkDir()
	})
	return r.c, r.err
}

// close stops the shared cluster after the suite, logging the servers' last lines when the
// suite failed.
func (r *realBackend) close(t *testing.T) {
	for _, rep := range r.repairs {
		t.Logf("real backend: %s", rep)
	}
	if r.shared == nil {
		return
	}
	if r.c != nil {
		t.Logf("%v", r.shared)
	}
	if err := r.shared.Close(t.Failed(), t.Logf); err != nil {
		t.Errorf("stopping real RocketMQ: %v", err)
	}
}

func (r *realBackend) StartCluster(_ *testing.T, n int) (Cluster, error) {
	c, err := r.cluster()
	if err != nil {
		return nil, err
	}
	all := c.Brokers()
	if n > len(all) {
		return nil, fmt.Errorf("the real backend runs %d brokers, the scenario wants %d", len(all), n)
	}
	r.mu.Lock()
	r.seq++
	id := r.seq
	r.mu.Unlock()
	rc := &realCluster{backend: r, c: c, cli: r.cli, id: id, topics: map[string]string{}, groups: map[string]bool{},
		readOnly: map[string]bool{}}
	for _, b := range all[:n] {
		rc.own = append(rc.own, b.Name)
	}
	return rc, nil
}

// realCluster is one scenario's view of the shared cluster.
type realCluster struct {
	backend *realBackend
	c       *realrmq.Cluster
	cli     *remoting.Client
	id      int
	own     []string // the brokers the scenario asked for: broker-a, ...

	mu       sync.Mutex
	topics   map[string]string // feature name -> server name
	groups   map[string]bool   // producer groups the scenario's producers use
	readOnly map[string]bool   // brokers whose write permission the scenario removed
}

// TopicName maps a feature's topic to the scenario's own: "Orders" -> "Orders_7". Names the
// client must refuse stay as written, so that the refusal's text is the feature's.
func (rc *realCluster) TopicName(topic string) string {
	if protocol.CheckTopic(topic) != nil || protocol.IsSystemTopic(topic) || protocol.IsNotAllowedSendTopic(topic) {
		return topic
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if name, ok := rc.topics[topic]; ok {
		return name
	}
	name := topic + "_" + strconv.Itoa(rc.id)
	rc.topics[topic] = name
	return name
}

// ProducerOptions are the real backend's scaled intervals; the group is remembered for
// Clients and Requests.
func (rc *realCluster) ProducerOptions(group string) []client.Option {
	rc.mu.Lock()
	rc.groups[group] = true
	rc.mu.Unlock()
	return []client.Option{
		client.WithPollNameServerInterval(realInterval),
		client.WithHeartbeatInterval(realInterval),
	}
}

// Scale turns a feature's duration into wall time.
func (rc *realCluster) Scale(d time.Duration) time.Duration { return d / realTimeScale }

// EndScenario gives the shared cluster back as the next scenario expects it: every broker
// running and writable.
func (rc *realCluster) EndScenario(ctx context.Context) error {
	var errs []error
	for _, b := range rc.c.Brokers() {
		if !b.Running {
			errs = append(errs, rc.Restart(ctx, b.Name))
		}
	}
	rc.mu.Lock()
	readOnly := slices.Collect(func(yield func(string) bool) {
		for b := range rc.readOnly {
			if !yield(b) {
				return
			}
		}
	})
	rc.readOnly = map[string]bool{}
	rc.mu.Unlock()
	for _, b := range readOnly {
		errs = append(errs, rc.SetWritable(ctx, b, true))
	}
	return errors.Join(errs...)
}

func (rc *realCluster) NameServerAddr() string    { return rc.c.NameServerAddr() }
func (rc *realCluster) Dialer() remoting.DialFunc { return nil }

func (rc *realCluster) BrokerAddr(broker string) string {
	addr, _ := rc.c.BrokerAddr(broker)
	return addr
}

func (rc *realCluster) brokerAddr(broker string) (string, error) {
	if addr, ok := rc.c.BrokerAddr(broker); ok {
		return addr, nil
	}
	return "", fmt.Errorf("unknown broker %q", broker)
}

func (rc *realCluster) CreateTopic(ctx context.Context, topic string, queues int, brokers ...string) error {
	if len(brokers) == 0 {
		brokers = rc.own
	}
	tc := protocol.NewTopicConfig(rc.TopicName(topic))
	tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
	return rc.c.CreateTopicConfig(ctx, tc, brokers...)
}

func (rc *realCluster) DeleteTopic(ctx context.Context, topic string) error {
	var addrs []string
	for _, b := range rc.c.Brokers() {
		if b.Running {
			addrs = append(addrs, b.Addr)
		}
	}
	return admin.DeleteTopic(ctx, rc.cli, []string{rc.c.NameServerAddr()}, rc.c.ClusterName(), addrs, rc.TopicName(topic))
}

// SetWritable sends UPDATE_BROKER_CONFIG brokerPermission=4 (or 6), as mqadmin
// updateBrokerConfig does; the broker registers with the new permission before it answers.
// It returns once the name server's cluster info shows the broker again.
func (rc *realCluster) SetWritable(ctx context.Context, broker string, writable bool) error {
	addr, err := rc.brokerAddr(broker)
	if err != nil {
		return err
	}
	perm := protocol.PermRead
	if writable {
		perm |= protocol.PermWrite
	}
	if err := admin.UpdateBrokerConfig(ctx, rc.cli, addr, map[string]string{"brokerPermission": strconv.Itoa(int(perm))}); err != nil {
		return err
	}
	rc.mu.Lock()
	if writable {
		delete(rc.readOnly, broker)
	} else {
		rc.readOnly[broker] = true
	}
	rc.mu.Unlock()
	return nil
}

// Crash kills the broker's JVM (SIGKILL) and returns when the name server has dropped it
// (at once: its connection closed), as the fake's crash is over when the bubble settles.
func (rc *realCluster) Crash(ctx context.Context, broker string) error {
	if err := rc.c.KillBroker(broker); err != nil {
		return err
	}
	for {
		info, err := rc.c.ClusterInfo(ctx)
		if err == nil {
			if _, listed := info.BrokerAddrTable[broker]; !listed {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the name server still lists %s after its crash: %w", broker, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Restart starts a crashed broker again on its store. A 4.9.7 broker killed while it creates
// a consume-queue file leaves that file empty, and then refuses to start ("0 length not
// matched message store config value, please check it manually"): as an operator would, the
// empty consume-queue files are removed and the start is tried once more (and the repair is
// logged at the end of the run).
func (rc *realCluster) Restart(ctx context.Context, broker string) error {
	// realrmq keeps the process of a broker whose start failed, and StartBroker then says it
	// is running; KillBroker forgets it (it has exited: nothing is killed).
	_ = rc.c.KillBroker(broker)
	err := rc.c.StartBroker(ctx, broker)
	if err == nil || !strings.Contains(err.Error(), "length not matched") {
		return err
	}
	removed, rerr := removeEmptyFiles(filepath.Join(rc.backend.workDir, "store-"+broker, "consumequeue"))
	if rerr != nil || len(removed) == 0 {
		return errors.Join(err, rerr)
	}
	rc.backend.mu.Lock()
	rc.backend.repairs = append(rc.backend.repairs, fmt.Sprintf(
		"%s did not start after its crash (empty consume-queue files %v); removed them and started it again", broker, removed))
	rc.backend.mu.Unlock()
	_ = rc.c.KillBroker(broker)
	return rc.c.StartBroker(ctx, broker)
}

// removeEmptyFiles removes the empty regular files under dir and returns their paths
// relative to dir.
func removeEmptyFiles(dir string) ([]string, error) {
	var removed []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil || info.Size() != 0 {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		removed = append(removed, rel)
		return os.Remove(path)
	})
	return removed, err
}

func (rc *realCluster) Silence(context.Context, string) error { return errUnsupported }
func (rc *realCluster) BlackHole(string) error                { return errUnsupported }
func (rc *realCluster) Faults(string) (*fault.Injector, error) {
	return nil, errUnsupported
}

func (rc *realCluster) Route(ctx context.Context, topic string) (*protocol.TopicRouteData, bool, error) {
	return admin.Route(ctx, rc.cli, rc.c.NameServerAddr(), rc.TopicName(topic))
}

// Messages pulls every queue of every running broker from offset 0. A 4.9.7 broker indexes a
// message for pulls a moment after it answered the send (and a oneway send is stored some
// time after it was written), so the brokers are read until two reads 100 ms apart agree.
func (rc *realCluster) Messages(topic string) ([]fakebroker.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var brokers []admin.Broker
	for _, b := range rc.c.Brokers() {
		if b.Running {
			brokers = append(brokers, admin.Broker{Name: b.Name, Addr: b.Addr})
		}
	}
	name := rc.TopicName(topic)
	prev := -1
	deadline := time.Now().Add(3 * time.Second)
	for {
		stored, err := admin.TopicMessages(ctx, rc.cli, "", brokers, name)
		if err != nil {
			return nil, err
		}
		if len(stored) == prev || time.Now().After(deadline) {
			return toFakeMessages(stored), nil
		}
		prev = len(stored)
		time.Sleep(100 * time.Millisecond)
	}
}

// toFakeMessages converts pulled messages to what the steps read, in store order.
func toFakeMessages(stored []*protocol.MessageExt) []fakebroker.Message {
	slices.SortStableFunc(stored, func(a, b *protocol.MessageExt) int {
		return cmp.Or(cmp.Compare(a.StoreTimestamp, b.StoreTimestamp), cmp.Compare(a.BrokerName, b.BrokerName),
			cmp.Compare(a.CommitLogOffset, b.CommitLogOffset))
	})
	out := make([]fakebroker.Message, len(stored))
	for i, m := range stored {
		body, err := m.UncompressedBody(64 << 20)
		if err != nil {
			body = m.Body
		}
		out[i] = fakebroker.Message{
			Topic: m.Topic, Broker: m.BrokerName, QueueID: m.QueueID, QueueOffset: m.QueueOffset,
			MsgID: m.ClientMsgID(), OffsetMsgID: m.MsgID,
			Tags: m.Tags(), Keys: m.Keys(), Properties: m.Properties,
			Body: body, StoredBody: m.Body, SysFlag: m.SysFlag, Flag: m.Flag,
			BornTimestamp: m.BornTimestamp, BornHost: m.BornHost.String(),
			StoreTimestamp: m.StoreTimestamp, StoreHost: m.StoreHost.String(),
			CommitLogOffset: m.CommitLogOffset, StoreSize: m.StoreSize, ReconsumeTimes: m.ReconsumeTimes,
		}
	}
	return out
}

// Clients is every running broker's producer table for the scenario's groups
// (GET_PRODUCER_CONNECTION_LIST), one row per client and broker.
func (rc *realCluster) Clients() ([]fakebroker.ClientInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc.mu.Lock()
	groups := make([]string, 0, len(rc.groups))
	for g := range rc.groups {
		if protocol.CheckProducerGroup(g) == nil {
			groups = append(groups, g)
		}
	}
	rc.mu.Unlock()
	slices.Sort(groups)
	var out []fakebroker.ClientInfo
	for _, b := range rc.c.Brokers() {
		if !b.Running {
			continue
		}
		rows := map[string]*fakebroker.ClientInfo{}
		for _, g := range groups {
			conns, err := admin.ProducerConnections(ctx, rc.cli, b.Addr, g)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name, err)
			}
			for _, c := range conns {
				row := rows[c.ClientID]
				if row == nil {
					row = &fakebroker.ClientInfo{ClientID: c.ClientID, Broker: b.Name, Addr: c.ClientAddr,
						Language: c.Language, Version: c.Version}
					rows[c.ClientID] = row
				}
				row.ProducerGroups = append(row.ProducerGroups, g)
			}
		}
		for _, id := range slices.Sorted(func(yield func(string) bool) {
			for id := range rows {
				if !yield(id) {
					return
				}
			}
		}) {
			out = append(out, *rows[id])
		}
	}
	return out, nil
}

// Requests answers HEART_BEAT for a broker with one entry per client its producer table
// lists (the body a heartbeat naming those groups would have); anything else is
// errUnsupported.
func (rc *realCluster) Requests(target string, code int32) ([]fault.Entry, error) {
	if target == fakecluster.NameServerTarget || code != remoting.CodeHeartBeat {
		return nil, errUnsupported
	}
	if _, err := rc.brokerAddr(target); err != nil {
		return nil, err
	}
	clients, err := rc.Clients()
	if err != nil {
		return nil, err
	}
	var out []fault.Entry
	for _, ci := range clients {
		if ci.Broker != target {
			continue
		}
		hb := &protocol.HeartbeatData{ClientID: ci.ClientID}
		for _, g := range ci.ProducerGroups {
			hb.ProducerDataSet = append(hb.ProducerDataSet, protocol.ProducerData{GroupName: g})
		}
		body := hb.Encode()
		out = append(out, fault.Entry{Code: remoting.CodeHeartBeat, Peer: ci.Addr, Body: body, BodySize: len(body),
			Groups: ci.ProducerGroups})
	}
	return out, nil
}
