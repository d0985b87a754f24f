package mqadminmatrix

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// shared is the real cluster: a name server and one broker, as fakecluster's default.
var shared = realrmq.NewShared("mqadmin", realrmq.WithBrokers(1), realrmq.WithAutoCreateTopic(true))

func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }

const (
	matrixTopic    = "MatrixTopic"
	matrixGroup    = "MatrixGroup"
	matrixProducer = "MatrixProducer"
	brokerA        = "broker-a"
	clusterName    = "DefaultCluster"
)

// step is one mqadmin command line, run on both sides in the order of steps. In args, {broker}
// is broker-a's address on that side and {var} a value an earlier step's capture took from that
// side's output; "-n <name server>" is added to every command.
type step struct {
	args []string
	// capture, if set, takes its first group from the output into vars[captureAs].
	capture   *regexp.Regexp
	captureAs string
	// norm reduces the output further, after the generic normalisation.
	norm func(string) string
	// with, if set, runs on the side before the command; the function it returns runs once the
	// command's output is in.
	with func(ctx context.Context, s *side) (done func(), err error)
	// files, if set, are files the command writes under {dir} (the side's own folder), whose
	// contents are compared as part of its output.
	files []string
}

func (s step) name() string { return strings.Join(s.args, " ") }

func cmd(args ...string) step { return step{args: args} }

// steps read the cluster first, then change it (topics, messages, groups, offsets, permissions,
// configuration) and read it again, and put back what they changed.
func steps() []step {
	return []step{
		{args: []string{"clusterList"}, norm: normClusterList},
		{args: []string{"brokerStatus", "-b", "{broker}"}, norm: normBrokerStatus},
		{args: []string{"getNamesrvConfig"}, norm: normConfigList},
		cmd("updateNamesrvConfig", "-k", "productEnvName", "-v", "matrix"),
		{args: []string{"getNamesrvConfig"}, norm: normConfigList},
		cmd("updateNamesrvConfig", "-k", "productEnvName", "-v", "center"),
		{args: []string{"getBrokerConfig", "-b", "{broker}"}, norm: normConfigList},
		cmd("updateBrokerConfig", "-b", "{broker}", "-k", "defaultQueryMaxNum", "-v", "33"),
		cmd("updateBrokerConfig", "-b", "{broker}", "-k", "defaultQueryMaxNum", "-v", "32"),
		cmd("updateTopic", "-b", "{broker}", "-t", matrixTopic, "-r", "4", "-w", "4"),
		{args: []string{"topicList"}, norm: sortLines},
		{args: []string{"topicList", "-c"}, norm: sortLines},
		cmd("topicRoute", "-t", matrixTopic),
		cmd("topicClusterList", "-t", matrixTopic),
		{args: []string{"sendMessage", "-t", matrixTopic, "-p", "hello", "-k", "matrixKey", "-c", "TagA", "-b", brokerA, "-i", "0"},
			capture: regexp.MustCompile(`(?m)^` + brokerA + `\s+0\s+SEND_OK\s+([0-9A-F]{32})\s*$`), captureAs: "uniq"},
		cmd("sendMessage", "-t", matrixTopic, "-p", "world", "-b", brokerA, "-i", "1"),
		cmd("topicStatus", "-t", matrixTopic),
		cmd("queryMsgByOffset", "-t", matrixTopic, "-b", brokerA, "-i", "0", "-o", "0"),
		cmd("queryMsgByKey", "-t", matrixTopic, "-k", "matrixKey"),
		cmd("queryMsgByUniqueKey", "-t", matrixTopic, "-i", "{uniq}"),
		cmd("queryMsgById", "-i", "{uniq}"),
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
		{args: []string{"exportMetadata", "-c", clusterName, "-f", "{dir}"}, files: []string{"metadata.json"}},
		{args: []string{"exportMetadata", "-b", "{broker}", "-g", "-f", "{dir}"}, files: []string{"subscriptionGroup.json"}},
		{args: []string{"exportConfigs", "-c", clusterName, "-f", "{dir}"}, files: []string{"configs.json"}},
		{args: []string{"statsAll", "-t", matrixTopic}, norm: normStatsAll},
		// Sends to the broker's own topic (one queue), each with its round trip in ms.
		{args: []string{"sendMsgStatus", "-b", brokerA, "-c", "2"}, norm: normRoundTrips},
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

	fake := fakecluster.Start(t, fakecluster.WithBrokers(1), fakecluster.WithCluster(clusterName))
	fakeSide := &side{name: "fake", ns: fake.NameServerAddr(), broker: fake.Brokers()[0].Addr(), vars: map[string]string{},
		dir: t.TempDir()}
	realSide := &side{name: "real", ns: realC.NameServerAddr(), vars: map[string]string{}, dir: t.TempDir()}
	realSide.broker, _ = realC.BrokerAddr(brokerA)

	all := steps()
	errs := make(chan error, 2)
	var fakeRes, realRes []result
	go func() { r, err := runSide(ctx, t, cp, classes, fakeSide, all); fakeRes = r; errs <- err }()
	go func() { r, err := runSide(ctx, t, cp, classes, realSide, all); realRes = r; errs <- err }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	compareSides(t, all, fakeRes, realRes, knownDifferences, realC.Version())
}

// compareSides compares each step's normalised output on both sides, fails on a difference not
// in known (and on a known one that is gone), and logs the matrix.
func compareSides(t *testing.T, all []step, fakeRes, realRes []result, known map[string]string, version string) {
	t.Helper()
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "subcommand\tfake vs real")
	same := 0
	for i, s := range all {
		f, r := fakeRes[i], realRes[i]
		name := s.name()
		reason, isKnown := known[name]
		verdict := "same"
		switch d := cmp.Diff(f.norm, r.norm); {
		case d == "" && isKnown:
			t.Errorf("%s: listed as differing (%s) but the same now", name, reason)
			verdict = "same (listed as differing)"
		case d == "":
			same++
		case isKnown:
			verdict = "differs (known): " + reason
		default:
			t.Errorf("%s: fake and real differ (-fake +real):\n%s\nfake raw:\n%s\nreal raw:\n%s", name, d, f.raw, r.raw)
			verdict = "DIFFERS (unexpected)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, verdict)
	}
	_ = tw.Flush()
	distinct := map[string]bool{}
	for _, s := range all {
		distinct[s.args[0]] = true
	}
	t.Logf("mqadmin %s against the fakes and against real %s: %d command lines of %d subcommands, %d the same, the rest differ as listed:\n%s",
		version, version, len(all), len(distinct), same, sb.String())
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
		raw := strings.TrimSuffix(sb.String(), "\n")
		if st.capture != nil {
			if m := st.capture.FindStringSubmatch(raw); m != nil {
				s.vars[st.captureAs] = m[1]
			}
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
)

// normalize replaces this side's addresses by their role, other loopback addresses (clients)
// by <client>, times, message ids and client instance names by placeholders, drops stack frames,
// and collapses runs of blanks (column widths follow the values' lengths).
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
