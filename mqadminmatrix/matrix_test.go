package mqadminmatrix

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// shared is the real cluster: a name server and one broker, as sim serve -brokers 1 starts.
var shared = realrmq.NewShared("mqadmin", realrmq.WithBrokers(1), realrmq.WithAutoCreateTopic(true))

func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }

const (
	matrixTopic    = "MatrixTopic"
	matrixGroup    = "MatrixGroup"
	matrixProducer = "MatrixProducer"
	matrixClone    = matrixGroup + "Clone"
	traceID        = "MATRIXTRACE"
	brokerA        = "broker-a"
	clusterName    = "DefaultCluster"
)

// traceBody is a trace message's body as the client's trace dispatcher writes it (TraceDataEncoder):
// a Pub record and a SubAfter record of the message traceID, fields joined by \x01, records
// ended by \x02. The store host is not a loopback address, which normalisation would rewrite.
const traceBody = "Pub\x011700000000000\x01DefaultRegion\x01" + matrixProducer + "\x01" + matrixTopic + "\x01" + traceID +
	"\x01TagA\x01matrixKey\x01192.0.2.1:10911\x015\x013\x010\x01OFFSETID\x01true\x02" +
	"SubAfter\x01req1\x01" + traceID + "\x017\x01true\x01matrixKey\x010\x011700000000001\x01" + matrixGroup + "\x02"

// step is one mqadmin command line, run on both sides in the order of steps. In args, {broker}
// is broker-a's address on that side and {var} a value an earlier step's capture took from that
// side's output; "-n <name server>" is added to every command.
type step struct {
	args []string
	// capture, if set, takes its first group from the output into vars[captureAs].
	capture   *regexp.Regexp
	captureAs string
	// derive, if set, takes values from the output into vars, for those no one group holds.
	derive func(raw string, vars map[string]string)
	// norm reduces the output further, after the generic normalisation.
	norm func(string) string
	// with, if set, runs on the side before the command; the function it returns runs once the
	// command's output is in.
	with func(ctx context.Context, s *side) (done func(), err error)
	// files, if set, are files the command writes under {dir} (the side's own folder), whose
	// contents are compared as part of its output.
	files []string
	// interruptAfterLines, if set, interrupts the command once it has printed that many lines:
	// for the subcommands that loop until they are stopped (the driver's @interruptAfterLines).
	interruptAfterLines int
	// wants, if set, are texts the output must hold on both sides, with no exception in it:
	// both sides failing alike compares the same, so the key reads also prove they read
	// something. {var} is the side's captured value, as in args.
	wants []string
	// monitorRound, if set, waits for the monitor service's first round in the client log of the
	// side's JVM and compares what it reported there as part of the output.
	monitorRound bool
}

func (s step) name() string { return strings.Join(s.args, " ") }

func cmd(args ...string) step { return step{args: args} }

// steps read the cluster first, then change it (topics, messages, groups, offsets, permissions,
// configuration) and read it again, and put back what they changed.
func steps() []step {
	return []step{
		{args: []string{"clusterList"}, norm: normClusterList, wants: []string{"#Cluster Name", clusterName, brokerA}},
		{args: []string{"brokerStatus", "-b", "{broker}"}, norm: normBrokerStatus, wants: []string{"brokerVersionDesc : V4_9_7", "commitLogMaxOffset"}},
		{args: []string{"getNamesrvConfig"}, norm: normConfigList, wants: []string{"productEnvName = center", "kvConfigPath"}},
		cmd("updateNamesrvConfig", "-k", "productEnvName", "-v", "matrix"),
		{args: []string{"getNamesrvConfig"}, norm: normConfigList, wants: []string{"productEnvName = matrix"}},
		cmd("updateNamesrvConfig", "-k", "productEnvName", "-v", "center"),
		{args: []string{"getBrokerConfig", "-b", "{broker}"}, norm: normConfigList,
			wants: []string{"brokerName = " + brokerA, "brokerClusterName = " + clusterName, "defaultQueryMaxNum = 32"}},
		cmd("updateBrokerConfig", "-b", "{broker}", "-k", "defaultQueryMaxNum", "-v", "33"),
		cmd("updateBrokerConfig", "-b", "{broker}", "-k", "defaultQueryMaxNum", "-v", "32"),
		cmd("updateTopic", "-b", "{broker}", "-t", matrixTopic, "-r", "4", "-w", "4"),
		{args: []string{"topicList"}, norm: sortLines, wants: []string{matrixTopic, "TBW102"}},
		{args: []string{"topicList", "-c"}, norm: sortLines, wants: []string{matrixTopic, clusterName}},
		{args: []string{"topicRoute", "-t", matrixTopic}, wants: []string{`"brokerName":"` + brokerA + `"`, `"writeQueueNums":4`}},
		cmd("topicClusterList", "-t", matrixTopic),
		// The unique key is 32 hex digits from a client with an IPv4 address, 56 from one with
		// only IPv6 (its 16 bytes in place of 4).
		{args: []string{"sendMessage", "-t", matrixTopic, "-p", "hello", "-k", "matrixKey", "-c", "TagA", "-b", brokerA, "-i", "0"},
			capture: regexp.MustCompile(`(?m)^` + brokerA + `\s+0\s+SEND_OK\s+([0-9A-F]{32,})\s*$`), captureAs: "uniq"},
		cmd("sendMessage", "-t", matrixTopic, "-p", "world", "-b", brokerA, "-i", "1"),
		{args: []string{"topicStatus", "-t", matrixTopic}, wants: []string{"#Broker Name", brokerA + " 0 0 1"}},
		cmd("queryMsgByOffset", "-t", matrixTopic, "-b", brokerA, "-i", "0", "-o", "0"),
		{args: []string{"queryMsgByKey", "-t", matrixTopic, "-k", "matrixKey"}, wants: []string{"#Message ID", "{uniq}"}},
		{args: []string{"queryMsgByUniqueKey", "-t", matrixTopic, "-i", "{uniq}"}, wants: []string{"{uniq}", matrixTopic, "matrixKey"},
			derive: deriveOffsetID},
		// queryMsgById reads the commit log at the offset a message id names (4.9.7's
		// MQAdminImpl.viewMessage decodes it), so it takes the store's id, not the unique key.
		{args: []string{"queryMsgById", "-i", "{offsetID}"}, wants: []string{"{uniq}", matrixTopic, "matrixKey"}},
		cmd("printMsg", "-t", matrixTopic),
		cmd("printMsgByQueue", "-t", matrixTopic, "-a", brokerA, "-i", "0"),
		cmd("allocateMQ", "-t", matrixTopic, "-i", "10.0.0.1@1,10.0.0.2@2"),
		cmd("updateSubGroup", "-b", "{broker}", "-g", matrixGroup),
		cmd("getConsumerConfig", "-g", matrixGroup),
		cmd("consumerProgress"),
		cmd("consumerProgress", "-g", matrixGroup),
		cmd("brokerConsumeStats", "-b", "{broker}"),
		cmd("consumerConnection", "-g", matrixGroup),
		cmd("consumerStatus", "-g", matrixGroup),
		// Writes the brokers' rates, daily counts, disk ratios and client versions (the online
		// consumer's among them) to metrics.json.
		{args: []string{"exportMetrics", "-c", clusterName, "-f", "{dir}"}, files: []string{"metrics.json"}, norm: normMetrics},
		cmd("producerConnection", "-g", matrixProducer, "-t", matrixTopic),
		{args: []string{"producer", "-b", "{broker}"}, with: producerOnline},
		cmd("queryCq", "-t", matrixTopic, "-q", "0", "-i", "0", "-b", "{broker}"),
		cmd("queryCq", "-t", matrixTopic, "-q", "0", "-i", "0", "-c", "5", "-g", matrixGroup),
		cmd("cleanUnusedTopic", "-b", "{broker}"),
		cmd("cleanUnusedTopic", "-c", clusterName),
		cmd("queryCq", "-t", matrixTopic, "-q", "0", "-i", "0", "-b", "{broker}"),
		cmd("deleteExpiredCommitLog", "-b", "{broker}"),
		cmd("deleteExpiredCommitLog", "-c", clusterName),
		cmd("resetOffsetByTime", "-g", matrixGroup, "-t", matrixTopic, "-s", "-1"),
		cmd("skipAccumulatedMessage", "-g", matrixGroup, "-t", matrixTopic),
		cmd("cloneGroupOffset", "-s", matrixGroup, "-d", matrixGroup+"Clone", "-t", matrixTopic),
		// Reads the topic's queues with a pull consumer of the tools' group and prints each message.
		cmd("consumeMessage", "-t", matrixTopic),
		cmd("consumeMessage", "-t", matrixTopic, "-b", brokerA, "-i", "1", "-o", "0", "-c", "1"),
		// Our push consumer of matrixGroup, online from here to consumerOffline, has consumed both
		// messages and committed its offsets (the retry queue's included) when the first runs.
		{args: []string{"consumerConnection", "-g", matrixGroup}, with: consumerOnline,
			wants: []string{"#ClientId", matrixTopic, "CONSUME_PASSIVELY", "CLUSTERING"}},
		cmd("consumerStatus", "-g", matrixGroup),
		// Writes the brokers' rates, daily counts, disk ratios and client versions (the online
		// consumer's among them) to metrics.json.
		{args: []string{"exportMetrics", "-c", clusterName, "-f", "{dir}"}, files: []string{"metrics.json"}, norm: normMetrics},
		{args: []string{"consumerProgress", "-g", matrixGroup}, wants: []string{"#Topic", matrixTopic + " " + brokerA + " 0 1 1", "Diff Total: 0"}},
		cmd("cloneGroupOffset", "-s", matrixGroup, "-d", matrixClone, "-t", matrixTopic),
		// mqadmin finds a group's brokers through its retry topic's route, which a group that
		// never had a consumer lacks: the clone's offsets show in the rollback table below.
		cmd("consumerProgress", "-g", matrixClone),
		// Online, the broker resets the offsets through the consumer (RESET_CONSUMER_CLIENT_OFFSET).
		cmd("skipAccumulatedMessage", "-g", matrixGroup, "-t", matrixTopic),
		// matrixClone has offsets and no consumer: mqadmin falls back to reading and writing the
		// offsets itself (the rollback table).
		{args: []string{"skipAccumulatedMessage", "-g", matrixClone, "-t", matrixTopic}, with: consumerOffline},
		cmd("consumerConnection", "-g", matrixGroup),
		// A message whose body is trace data (a Pub and a SubAfter record of the id MATRIXTRACE),
		// found by that id as its key, as the trace topic's messages are.
		cmd("sendMessage", "-t", matrixTopic, "-p", "{traceBody}", "-k", traceID, "-b", brokerA, "-i", "2"),
		cmd("queryMsgTraceById", "-i", traceID, "-t", matrixTopic),
		// The default trace topic, RMQ_SYS_TRACE_TOPIC, exists only on a broker with
		// traceTopicEnable, which is off by default.
		cmd("queryMsgTraceById", "-i", traceID),
		{args: []string{"exportMetadata", "-c", clusterName, "-f", "{dir}"}, files: []string{"metadata.json"}},
		{args: []string{"exportMetadata", "-b", "{broker}", "-g", "-f", "{dir}"}, files: []string{"subscriptionGroup.json"}},
		{args: []string{"exportConfigs", "-c", clusterName, "-f", "{dir}"}, files: []string{"configs.json"}},
		{args: []string{"statsAll", "-t", matrixTopic}, norm: normStatsAll},
		// Sends to the broker's own topic (one queue), each with its round trip in ms.
		{args: []string{"sendMsgStatus", "-b", brokerA, "-c", "2"}, norm: normRoundTrips},
		// Sends to the topic's queues in turn, each with its round trip in ms, then their average.
		{args: []string{"checkMsgSendRT", "-t", matrixTopic, "-a", "5", "-s", "16"}, norm: normCheckMsgSendRT},
		// Sends a round to each broker's own topic, prints it, sleeps the interval and starts
		// again until stopped: the driver interrupts it once the round is printed (the header and
		// one broker), in the hour's sleep.
		{args: []string{"clusterRT", "-a", "3", "-s", "16", "-c", clusterName, "-i", "3600"}, interruptAfterLines: 2,
			norm: normClusterRT},
		cmd("updateTopicPerm", "-b", "{broker}", "-t", matrixTopic, "-p", "4"),
		cmd("topicRoute", "-t", matrixTopic),
		cmd("updateTopicPerm", "-b", "{broker}", "-t", matrixTopic, "-p", "6"),
		cmd("wipeWritePerm", "-b", brokerA),
		cmd("addWritePerm", "-b", brokerA),
		cmd("updateKvConfig", "-s", "MATRIX_NS", "-k", "k1", "-v", "v1"),
		cmd("deleteKvConfig", "-s", "MATRIX_NS", "-k", "k1"),
		cmd("updateOrderConf", "-t", matrixTopic, "-m", "put", "-v", brokerA+":4"),
		cmd("updateOrderConf", "-t", matrixTopic, "-m", "get"),
		cmd("updateOrderConf", "-t", matrixTopic, "-m", "delete"),
		cmd("cleanExpiredCQ", "-b", "{broker}"),
		cmd("deleteSubGroup", "-b", "{broker}", "-g", matrixGroup),
		cmd("deleteTopic", "-c", clusterName, "-t", matrixTopic),
		{args: []string{"topicList"}, norm: sortLines},
		// Starts the monitor service (a pull and a push consumer and an admin client) and returns
		// without printing: it reports to the client log only, 20 s after it starts and every
		// minute after that, for as long as the JVM lives. The matrix compares its first round's
		// reports; it runs last so that its consumer of OFFSET_MOVED_EVENT is in no other
		// command's output.
		{args: []string{"startMonitoring"}, monitorRound: true, norm: normMonitorRound},
	}
}

var (
	storeHost       = regexp.MustCompile(`(?m)^Store Host:\s+(\S+)$`)
	commitLogOffset = regexp.MustCompile(`(?m)^CommitLog Offset:\s+(\d+)$`)
)

// deriveOffsetID sets vars["offsetID"] to the store's message id (the store host and the
// commit-log offset, which queryMsgByUniqueKey prints) of the message it printed.
func deriveOffsetID(raw string, vars map[string]string) {
	h, o := storeHost.FindStringSubmatch(raw), commitLogOffset.FindStringSubmatch(raw)
	if h == nil || o == nil {
		return
	}
	host, err := netip.ParseAddrPort(h[1])
	off, err2 := strconv.ParseInt(o[1], 10, 64)
	if err == nil && err2 == nil {
		vars["offsetID"] = protocol.CreateOffsetMsgID(host, off)
	}
}

// producerOnline keeps a connection heartbeating as a producer of matrixProducer (language GO,
// as the connection is ours) while mqadmin producer lists the broker's producers.
func producerOnline(ctx context.Context, s *side) (func(), error) {
	cli := remoting.NewClient()
	hb := &protocol.HeartbeatData{ClientID: "192.0.2.9@matrix", ProducerDataSet: []protocol.ProducerData{{GroupName: matrixProducer}}}
	req := remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
	req.Language = remoting.LanguageGo
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := cli.Invoke(ctx, s.broker, req)
	if err == nil && resp.Code != remoting.Success {
		err = fmt.Errorf("heartbeat: code %d %s", resp.Code, resp.Remark)
	}
	if err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("%s: producer heartbeat: %w", s.name, err)
	}
	return func() { _ = cli.Close() }, nil
}

// consumerOnline starts our push consumer of matrixGroup on matrixTopic (from the first offset,
// offsets written every second) and waits until the broker holds the offsets it committed: both
// messages' queues at 1 and its retry queue's, which it commits once the broker's long poll of
// that empty queue (15 s) ends. It stays online until consumerOffline or the end of the side.
func consumerOnline(ctx context.Context, s *side) (func(), error) {
	pc, err := client.NewPushConsumer(
		client.WithGroup(matrixGroup),
		client.WithNameServers(s.ns),
		client.WithManager(client.NewManager()),
		client.WithInstanceName("matrix"),
		client.WithPollNameServerInterval(time.Second),
		client.WithHeartbeatInterval(time.Second),
		client.WithRebalanceInterval(time.Second),
		client.WithPersistConsumerOffsetInterval(time.Second, time.Second),
		client.WithConsumeFromWhere(client.ConsumeFromFirstOffset),
		client.WithLogger(slog.New(slog.DiscardHandler)),
		client.WithConcurrentListener(func(context.Context, []*client.MessageExt, *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			return client.ConsumeSuccess, nil
		}),
	)
	if err == nil {
		err = pc.Subscribe(matrixTopic, "*")
	}
	if err == nil {
		err = pc.Start()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: consumer: %w", s.name, err)
	}
	s.stopConsumer = pc.Shutdown
	if err := waitCommitted(ctx, s); err != nil {
		return nil, err
	}
	return nil, nil
}

// consumerOffline shuts down the consumer consumerOnline started (its offsets written, the
// broker told) before the command runs.
func consumerOffline(_ context.Context, s *side) (func(), error) {
	if s.stopConsumer != nil {
		s.stopConsumer()
		s.stopConsumer = nil
	}
	return nil, nil
}

// waitCommitted asks the broker for matrixGroup's consume stats, on every tick, until they hold
// what consumerOnline waits for.
func waitCommitted(ctx context.Context, s *side) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cli := remoting.NewClient()
	defer func() { _ = cli.Close() }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	retry := "%RETRY%" + matrixGroup
	var last string
	for {
		cs, err := admin.ConsumeStats(ctx, cli, s.broker, matrixGroup, "")
		if err == nil {
			done, retried := 0, false
			for mq, o := range cs.OffsetTable {
				switch {
				case mq.Topic == matrixTopic && mq.QueueID < 2 && o.ConsumerOffset == 1:
					done++
				case mq.Topic == retry:
					retried = true
				}
			}
			if done == 2 && retried {
				return nil
			}
			last = fmt.Sprintf("%+v", cs.OffsetTable)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: the consumer's offsets are not all committed: %s", s.name, last)
		case <-tick.C:
		}
	}
}

// monitorEnd is the line the monitor's DefaultMonitorListener logs at the end of a round.
const monitorEnd = "[MONITOR] =========================================endRound"

// awaitMonitorRound reads the client log at path on every tick until it holds the end of the
// monitor's first round (it starts 20 s after the service), and returns the monitor's lines up
// to there without the log's time and thread prefix; or what it has, and why, if the round
// does not end within a bound.
func awaitMonitorRound(ctx context.Context, path string) string {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		data, _ := os.ReadFile(path)
		var round []string
		for l := range strings.SplitSeq(string(data), "\n") {
			if _, report, ok := strings.Cut(l, "[MONITOR]"); ok {
				round = append(round, "[MONITOR]"+report)
				if strings.Contains(l, monitorEnd) {
					return strings.Join(round, "\n")
				}
			}
		}
		select {
		case <-ctx.Done():
			return "no end of the monitor's first round in the client log: " + strings.Join(round, "\n")
		case <-tick.C:
		}
	}
}

var monitorOwnRetry = regexp.MustCompile(`(?m)^\[MONITOR\] reportUndoneMsgs: UndoneMsgs \[consumerGroup=__MONITOR_CONSUMER, topic=%RETRY%__MONITOR_CONSUMER,.*\n`)

// normMonitorRound drops the report on the monitor's own retry queue: its push consumer commits
// that queue's offset (which puts the queue in the group's consume stats) when its first pull
// of the empty queue ends, a broker's long poll later, and each side's round, 20 s after the
// start, came before it on one run and after it on another.
func normMonitorRound(v string) string { return monitorOwnRetry.ReplaceAllString(v, "") }

// knownDifferences are the subcommands whose output differs on the fakes, and why. An entry
// that no longer differs fails the test too, so that the table stays true.
var knownDifferences = map[string]string{}

// side is one deployment and the mqadmin JVM that talks to it.
type side struct {
	name   string
	ns     string
	broker string // broker-a's address
	vars   map[string]string
	dir    string // where the export subcommands write
	tools  string // conf/tools.yml: the account mqadmin signs with, if any
	// aclFile is the broker's plain_acl.yml, on the ACL matrix's sides.
	aclFile string
	// stopConsumer shuts down the consumer consumerOnline started, while it is online.
	stopConsumer func()
}

type result struct {
	raw, norm string
}

func TestMQAdminMatrix(t *testing.T) {
	realC := shared.Cluster(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cp, err := realrmq.Classpath(ctx, realC.Version())
	if err != nil {
		t.Fatal(err)
	}
	classes := compileDriver(t, ctx, cp)

	// The fake side is sim serve as the real side is configured: one broker, auto-creation on.
	fake := startSimServe(t, "-brokers", "1", "-cluster", clusterName, "-auto-create=true")
	fakeSide := &side{name: "fake", ns: fake.NameSrv, broker: fake.broker(t, brokerA),
		vars: map[string]string{"traceBody": traceBody}, dir: t.TempDir()}
	realSide := &side{name: "real", ns: realC.NameServerAddr(), vars: map[string]string{"traceBody": traceBody}, dir: t.TempDir()}
	realSide.broker, _ = realC.BrokerAddr(brokerA)

	all := steps()
	fakeRes, realRes := runBoth(ctx, t, cp, classes, fakeSide, realSide, all)

	compareSides(t, all, fakeRes, realRes, knownDifferences, realC.Version())
	requireContent(t, all, fakeSide, fakeRes)
	requireContent(t, all, realSide, realRes)
}

// runBoth runs all on both sides at once, each in its own driver JVM.
func runBoth(ctx context.Context, t *testing.T, cp, classes string, fake, real *side, all []step) (fakeRes, realRes []result) {
	t.Helper()
	errs := make(chan error, 2)
	go func() { r, err := runSide(ctx, t, cp, classes, fake, all); fakeRes = r; errs <- err }()
	go func() { r, err := runSide(ctx, t, cp, classes, real, all); realRes = r; errs <- err }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return fakeRes, realRes
}

// requireContent fails the test where a step with wants printed an exception, or not all of
// them (blanks collapsed, as column widths follow the values), on side s.
func requireContent(t *testing.T, all []step, s *side, res []result) {
	t.Helper()
	for i, st := range all {
		if len(st.wants) == 0 {
			continue
		}
		lines := strings.Split(res[i].raw, "\n")
		for j, l := range lines {
			lines[j] = strings.TrimSpace(blanks.ReplaceAllString(l, " "))
		}
		out := strings.Join(lines, "\n")
		if strings.Contains(out, "Exception") {
			t.Errorf("%s: %s printed an exception:\n%s", s.name, st.name(), res[i].raw)
			continue
		}
		for _, w := range st.wants {
			for k, v := range s.vars {
				w = strings.ReplaceAll(w, "{"+k+"}", v)
			}
			if !strings.Contains(out, w) {
				t.Errorf("%s: %s printed no %q:\n%s", s.name, st.name(), w, res[i].raw)
			}
		}
	}
}

// compareSides compares each step's normalised output on both sides, fails on a difference not
// in known (and on a known one that is gone), and logs the matrix.
func compareSides(t *testing.T, all []step, fakeRes, realRes []result, known map[string]string, version string) {
	t.Helper()
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "subcommand\tfake vs real")
	same := 0
	// The errors are reported after the table: CI's log keeps the test's output from the table on.
	var errs []string
	for i, s := range all {
		f, r := fakeRes[i], realRes[i]
		name := s.name()
		reason, isKnown := known[name]
		verdict := "same"
		switch d := cmp.Diff(f.norm, r.norm); {
		case d == "" && isKnown:
			errs = append(errs, fmt.Sprintf("%s: listed as differing (%s) but the same now", name, reason))
			verdict = "same (listed as differing)"
		case d == "":
			same++
		case isKnown:
			verdict = "differs (known): " + reason
		default:
			errs = append(errs, fmt.Sprintf("%s: fake and real differ (-fake +real):\n%s\nfake raw:\n%s\nreal raw:\n%s", name, d, f.raw, r.raw))
			verdict = "DIFFERS (unexpected)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, verdict)
		if os.Getenv("MQADMIN_MATRIX_RAW") != "" {
			t.Logf("%s\nfake raw:\n%s\nreal raw:\n%s", name, f.raw, r.raw)
		}
	}
	_ = tw.Flush()
	distinct := map[string]bool{}
	for _, s := range all {
		distinct[s.args[0]] = true
	}
	t.Logf("mqadmin %s against the fakes and against real %s: %d command lines of %d subcommands, %d the same, the rest differ as listed:\n%s",
		version, version, len(all), len(distinct), same, sb.String())
	for _, e := range errs {
		t.Error(e)
	}
}

// compileDriver compiles java/MQAdminBatch.java against the tools' jars into a temporary folder.
func compileDriver(t *testing.T, ctx context.Context, cp string) string {
	t.Helper()
	if _, err := exec.LookPath("javac"); err != nil {
		realrmq.SkipUnavailable(t, fmt.Errorf("%w: no javac", realrmq.ErrUnavailable))
	}
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("java", "MQAdminBatch.java"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, "javac", "-nowarn", "-cp", cp, "-d", dir, src).CombinedOutput()
	if err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return dir
}

// runSide runs every step through one mqadmin JVM against one side.
func runSide(ctx context.Context, t *testing.T, cp, classes string, s *side, all []step) ([]result, error) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "conf"), 0o755); err != nil {
		return nil, err
	}
	// mqadmin configures its logging from this file; the tools' own log would go to ~/logs.
	if err := os.WriteFile(filepath.Join(home, "conf", "logback_tools.xml"),
		[]byte(`<configuration><root level="OFF"/></configuration>`), 0o644); err != nil {
		return nil, err
	}
	// mqadmin signs every request with the account of ROCKETMQ_HOME/conf/tools.yml, if it is there.
	if s.tools != "" {
		if err := os.WriteFile(filepath.Join(home, "conf", "tools.yml"), []byte(s.tools), 0o644); err != nil {
			return nil, err
		}
	}
	java := exec.CommandContext(ctx, "java", "-XX:TieredStopAtLevel=1", "-Xmx256m",
		"-Drocketmq.home.dir="+home, "-Duser.home="+home, "-Drocketmq.client.logRoot="+filepath.Join(home, "logs"),
		"-cp", classes+string(os.PathListSeparator)+cp, "MQAdminBatch")
	java.Env = append(os.Environ(), "ROCKETMQ_HOME="+home)
	// consumerStatus writes each consumer's running info under the working folder.
	java.Dir = home
	stdin, err := java.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := java.StdoutPipe()
	if err != nil {
		return nil, err
	}
	java.Stderr = io.Discard
	if err := java.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = stdin.Close(); _ = java.Wait() }()
	defer func() { _, _ = consumerOffline(ctx, s) }()
	lines := bufio.NewReader(stdout)
	var out []result
	for _, st := range all {
		args := make([]string, 0, len(st.args)+2)
		for _, a := range st.args {
			a = strings.ReplaceAll(a, "{broker}", s.broker)
			a = strings.ReplaceAll(a, "{dir}", s.dir)
			for k, v := range s.vars {
				a = strings.ReplaceAll(a, "{"+k+"}", v)
			}
			args = append(args, a)
		}
		args = append(args, "-n", s.ns)
		if st.interruptAfterLines > 0 {
			args = append([]string{"@interruptAfterLines=" + strconv.Itoa(st.interruptAfterLines)}, args...)
		}
		var done func()
		if st.with != nil {
			var err error
			if done, err = st.with(ctx, s); err != nil {
				return nil, err
			}
		}
		if _, err := io.WriteString(stdin, strings.Join(args, "\t")+"\n"); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.name, st.name(), err)
		}
		var sb strings.Builder
		for {
			line, err := lines.ReadString('\n')
			if err != nil {
				return nil, fmt.Errorf("%s: %s: the JVM stopped: %w (after %q)", s.name, st.name(), err, sb.String())
			}
			if line == "\x00END\n" {
				break
			}
			sb.WriteString(line)
		}
		if done != nil {
			done()
		}
		for _, f := range st.files {
			data, err := os.ReadFile(filepath.Join(s.dir, f))
			if err != nil {
				fmt.Fprintf(&sb, "\n%s: %v\n", f, err)
				continue
			}
			fmt.Fprintf(&sb, "\n%s:\n%s\n", f, data)
		}
		if st.monitorRound {
			sb.WriteString("\n" + awaitMonitorRound(ctx, filepath.Join(home, "logs", "rocketmq_client.log")))
		}
		raw := strings.TrimSuffix(sb.String(), "\n")
		if st.capture != nil {
			if m := st.capture.FindStringSubmatch(raw); m != nil {
				s.vars[st.captureAs] = m[1]
			}
		}
		if st.derive != nil {
			st.derive(raw, s.vars)
		}
		norm := s.normalize(raw)
		if st.norm != nil {
			norm = st.norm(norm)
		}
		out = append(out, result{raw: raw, norm: norm})
	}
	return out, nil
}

var (
	loopbackAddr = regexp.MustCompile(`/?127\.0\.0\.1:\d+`)
	dateTime     = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ #]\d{2}:\d{2}:\d{2}([,.:]\d{3})?`)
	epochMillis  = regexp.MustCompile(`\b1[6-9]\d{11}\b`)
	hexID        = regexp.MustCompile(`\b[0-9A-F]{32,}\b`)
	instanceName = regexp.MustCompile(`@\d+(#\d+)*`)
	blanks       = regexp.MustCompile(`[ \t]+`)
	stackFrame   = regexp.MustCompile(`(?m)^\s+(at |\.\.\. \d+ more).*\n?`)
	// consumerProgress's rate of the group's pulls comes from the broker's 10 s samples, as
	// statsAll's rates (normStatsAll): whether a sample has counted the consumer's pulls when
	// the command runs differs between the sides by chance.
	consumeTPS = regexp.MustCompile(`(?m)^Consume TPS: [0-9.]+$`)
)

// normalize replaces this side's addresses by their role, other loopback addresses (clients)
// by <client>, times, message ids and client instance names by placeholders, drops stack frames,
// masks consumerProgress's rate, and collapses runs of blanks (column widths follow the values' lengths).
func (s *side) normalize(v string) string {
	v = strings.ReplaceAll(v, s.dir, "<dir>")
	v = strings.ReplaceAll(v, s.ns, "<ns>")
	v = strings.ReplaceAll(v, s.broker, "<"+brokerA+">")
	v = loopbackAddr.ReplaceAllString(v, "<client>")
	v = dateTime.ReplaceAllString(v, "<time>")
	v = epochMillis.ReplaceAllString(v, "<ms>")
	v = hexID.ReplaceAllString(v, "<id>")
	v = instanceName.ReplaceAllString(v, "@<instance>")
	v = stackFrame.ReplaceAllString(v, "")
	v = consumeTPS.ReplaceAllString(v, "Consume TPS: <rate>")
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(blanks.ReplaceAllString(l, " "))
	}
	return strings.Join(lines, "\n")
}

var roundTrip = regexp.MustCompile(`\brt=\d+ms`)

// normRoundTrips masks sendMsgStatus's round-trip times.
// normStatsAll masks statsAll's rates and 24-hour counts: they come from the broker's 10 s
// samples, taken at a phase of each broker's own start, so whether a sample has counted the
// matrix's sends when the command runs differs between the sides by chance. realrmq's
// differential test compares VIEW_BROKER_STATS_DATA exactly once a sample has counted them.
func normStatsAll(v string) string {
	lines := strings.Split(v, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		masking := false
		for j, f := range fields {
			if strings.Contains(f, ".") {
				if _, err := strconv.ParseFloat(f, 64); err == nil {
					masking = true // InTPS: it and every number after it
				}
			}
			if _, err := strconv.ParseFloat(f, 64); masking && err == nil {
				fields[j] = "<n>"
			}
		}
		lines[i] = strings.Join(fields, " ")
	}
	return strings.Join(lines, "\n")
}

func normRoundTrips(v string) string { return roundTrip.ReplaceAllString(v, "rt=<rt>ms") }

var avgRT = regexp.MustCompile(`(?m)^Avg RT: [0-9.]+$`)

// normCheckMsgSendRT masks checkMsgSendRT's round trips: each send's (its rows' last column)
// and their average.
func normCheckMsgSendRT(v string) string {
	v = avgRT.ReplaceAllString(v, "Avg RT: <rt>")
	return maskColumn(v, -1)
}

// normClusterRT masks clusterRT's average round trip (its rows' third column).
func normClusterRT(v string) string { return maskColumn(v, 2) }

// maskColumn replaces column i (from the end if negative) of the lines that are rows of a
// table: neither its "#" header nor a line of another shape (an exception's).
func maskColumn(v string, i int) string {
	lines := strings.Split(v, "\n")
	for n, l := range lines {
		f := strings.Fields(l)
		if len(f) < 4 || strings.HasPrefix(l, "#") || strings.Contains(l, ":") {
			continue
		}
		j := i
		if j < 0 {
			j += len(f)
		}
		f[j] = "<rt>"
		lines[n] = strings.Join(f, " ")
	}
	return strings.Join(lines, "\n")
}

// metricsCounters are exportMetrics's values that are rates, sizes and ratios of each store.
var metricsCounters = regexp.MustCompile(`"(totalMemKBytes|commitLogDiskRatio|consumeQueueDiskRatio|messageAverageSize|` +
	`normalInTps|normalOutTps|transInTps|scheduleInTps|totalNormalInTps|totalNormalOutTps|totalTransInTps|totalScheduleInTps)":"?[^,"\n}]*"?`)

// normMetrics masks exportMetrics's counters; the rest (the brokers, their topics' and groups'
// counts, the day's message counts, the clients' languages and versions) is compared.
func normMetrics(v string) string { return metricsCounters.ReplaceAllString(v, `"$1":<counter>`) }

func sortLines(v string) string {
	lines := strings.Split(v, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// configDeployment are the configuration keys whose values belong to the deployment (paths
// under each side's work folder, ports) rather than to the server, as in realrmq's differential
// test: rocketmqHome and storePathCommitLog are dropped (realrmq sets them; the fake lists
// rocketmqHome only with ROCKETMQ_HOME set and has no commit-log path), the others masked.
// mappedFileSizeCommitLog is realrmq's own setting (64 MiB files keep the real store small).
var configDeployment = map[string]string{
	"rocketmqHome": "", "storePathCommitLog": "", "kvConfigPath": "<path>", "configStorePath": "<path>",
	"storePathRootDir": "<path>", "listenPort": "<port>", "haListenPort": "<port>", "mappedFileSizeCommitLog": "<realrmq>",
}

// normConfigList sorts getNamesrvConfig's and getBrokerConfig's "key = value" lines (their order
// is a Properties table's) and masks or drops the deployment's.
func normConfigList(v string) string {
	var lines []string
	for l := range strings.SplitSeq(v, "\n") {
		key, _, ok := strings.Cut(l, " = ")
		if mask, deployment := configDeployment[strings.TrimSpace(key)]; ok && deployment {
			if mask == "" {
				continue
			}
			l = key + " = " + mask
		}
		lines = append(lines, l)
	}
	return sortLines(strings.Join(lines, "\n"))
}

// brokerStatusCompared are the runtime-info keys whose values both sides must agree on; the
// others are counters of what each store did and measured (fakebroker/DIFFERENCES.md).
var brokerStatusCompared = []string{
	"brokerVersion", "brokerVersionDesc", "sendThreadPoolQueueCapacity", "pullThreadPoolQueueCapacity",
	"queryThreadPoolQueueCapacity", "EndTransactionThreadPoolQueueCapacity", "startAcceptSendRequestTimeStamp",
	"remainTransientStoreBufferNumbs", "commitLogMinOffset",
}

// normBrokerStatus keeps brokerStatus's keys (the per-path disk ratio's without its path) and
// the values of brokerStatusCompared.
func normBrokerStatus(v string) string {
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		key, _, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		if strings.HasPrefix(key, "commitLogDiskRatio_") {
			key = "commitLogDiskRatio_<path>"
		}
		if !slices.Contains(brokerStatusCompared, key) {
			lines[i] = key + " : <counter>"
		}
	}
	return sortLines(strings.Join(lines, "\n"))
}

// normClusterList masks clusterList's counters: the TPS columns, the page-cache wait, the hours
// since the earliest message and the disk ratio (the last five columns).
func normClusterList(v string) string {
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 5 && !strings.HasPrefix(l, "#") {
			lines[i] = strings.Join(f[:len(f)-5], " ") + " <counters>"
		}
	}
	return strings.Join(lines, "\n")
}
