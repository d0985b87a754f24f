package compat

// The official Apache RocketMQ 4.9.7 Java client against fakecluster: java/ holds a pom
// (rocketmq-client 4.9.7) and a small program, rocketsim.JavaPeer, that runs producer and
// consumer scenarios against a name server and prints one JSON line per operation. These tests
// build it (Maven once per pom, cached; javac once per run), run it as a child JVM, and compare
// what it printed with what the fake brokers stored and received.
//
// They skip when java, javac or mvn is missing, or when Maven cannot resolve the client, unless
// ROCKETSIM_REQUIRE_JAVA=1, which turns those skips into failures (for CI).

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

const (
	// javaPerOp is how many messages each producer scenario sends (the compressed one: 2).
	javaPerOp = 8
	// javaSends is how many messages one run of the "producer" scenario stores.
	javaSends = 6*javaPerOp + 2
	// javaRunTimeout bounds one JVM run.
	javaRunTimeout = 60 * time.Second
	// clientInnerProducer is MixAll.CLIENT_INNER_PRODUCER_GROUP, the group every Java client
	// instance runs for itself and unregisters on shutdown.
	clientInnerProducer = "CLIENT_INNER_PRODUCER"
)

// javaJVMFlags are the flags of every peer JVM. The 4.9.7 client needs no --add-opens on
// Java 17 (Netty only logs, at DEBUG, that it cannot use the direct-buffer constructor).
var javaJVMFlags = []string{"-Xmx256m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"}

// javaPeer is the built peer: the java binary and the classpath (client jars and classes).
type javaPeer struct {
	java      string
	classpath string
}

var javaBuild struct {
	once    sync.Once
	peer    *javaPeer
	skip    string // why the peer cannot be built here (a missing tool, Maven failing)
	err     error  // a failure of the build itself (javac)
	classes string // the run's temporary classes folder, removed by javaPeerCleanup
}

// javaPeerCleanup removes the classes compiled for this run; TestMain calls it.
func javaPeerCleanup() {
	if javaBuild.classes != "" {
		_ = os.RemoveAll(javaBuild.classes)
	}
}

// requireJavaPeer returns the built peer, building it on first use, or skips the test (fails it
// under ROCKETSIM_REQUIRE_JAVA=1) when it cannot be built here.
func requireJavaPeer(tb testing.TB) *javaPeer {
	tb.Helper()
	javaBuild.once.Do(func() {
		javaBuild.peer, javaBuild.skip, javaBuild.err = buildJavaPeer()
	})
	if javaBuild.skip != "" {
		if os.Getenv("ROCKETSIM_REQUIRE_JAVA") == "1" {
			tb.Fatalf("java peer: %s (ROCKETSIM_REQUIRE_JAVA=1)", javaBuild.skip)
		}
		tb.Skipf("java peer: %s (set ROCKETSIM_REQUIRE_JAVA=1 to fail instead)", javaBuild.skip)
	}
	require.NoError(tb, javaBuild.err, "building the java peer")
	return javaBuild.peer
}

func buildJavaPeer() (peer *javaPeer, skip string, err error) {
	tools := map[string]string{}
	for _, name := range []string{"java", "javac", "mvn"} {
		p, err := exec.LookPath(name)
		if err != nil {
			return nil, name + " not found in PATH", nil
		}
		tools[name] = p
	}
	pom, err := os.ReadFile(filepath.Join("java", "pom.xml"))
	if err != nil {
		return nil, "", err
	}
	cp, err := realrmq.MavenClasspath(context.Background(), "java-peer", pom)
	if errors.Is(err, realrmq.ErrUnavailable) {
		return nil, err.Error(), nil
	}
	if err != nil {
		return nil, "", err
	}
	classes, err := os.MkdirTemp("", "rocketsim-javapeer-")
	if err != nil {
		return nil, "", err
	}
	javaBuild.classes = classes
	src := filepath.Join("java", "src", "main", "java", "rocketsim", "JavaPeer.java")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, tools["javac"], "--release", "17", "-Xlint:all", "-encoding", "UTF-8",
		"-d", classes, "-cp", cp, src).CombinedOutput()
	if err != nil {
		return nil, "", fmt.Errorf("javac: %w\n%s", err, out)
	}
	return &javaPeer{java: tools["java"], classpath: classes + string(os.PathListSeparator) + cp}, "", nil
}

// peerLine is one line the peer printed.
type peerLine struct {
	Op            string `json:"op"`
	I             int    `json:"i"`
	Error         string `json:"error"`
	ClientID      string `json:"clientId"`
	SerializeType string `json:"serializeType"`
	// send results
	Status      string `json:"status"`
	MsgID       string `json:"msgId"`
	OffsetMsgID string `json:"offsetMsgId"`
	BrokerName  string `json:"brokerName"`
	QueueID     int32  `json:"queueId"`
	QueueOffset int64  `json:"queueOffset"`
	RegionID    string `json:"regionId"`
	TraceOn     bool   `json:"traceOn"`
	// received messages; with two members in one JVM, which one got it
	Member string `json:"member"`
	// allocated: a member's share of the topic's queues (broker:queueId, comma-joined, sorted),
	// and how many members it saw (in Total)
	Queues         string `json:"queues"`
	Tags           string `json:"tags"`
	Keys           string `json:"keys"`
	UserA          string `json:"userA"`
	SysFlag        int32  `json:"sysFlag"`
	ReconsumeTimes int32  `json:"reconsumeTimes"`
	BodyLen        int    `json:"bodyLen"`
	BodySha256     string `json:"bodySha256"`
	Distinct       int    `json:"distinct"`
	Total          int    `json:"total"`
	// stopping: when the client's shutdown started, as the client log writes time
	At string `json:"at"`
	// transactions and request-reply
	LocalTransactionState string `json:"localTransactionState"`
	TransactionID         string `json:"transactionId"`
	CheckTimes            string `json:"checkTimes"`
	Reply                 string `json:"reply"`
	CorrelationID         string `json:"correlationId"`
}

// peerRun is one started JVM.
type peerRun struct {
	cmd     *exec.Cmd
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	logRoot string
	cancel  context.CancelFunc
	lines   []peerLine // what it printed, once wait returned
}

// start starts `java rocketsim.JavaPeer nameServer args...` with the given extra JVM flags.
func (p *javaPeer) start(tb testing.TB, jvmFlags []string, nameServer string, args ...string) *peerRun {
	tb.Helper()
	r := &peerRun{logRoot: tb.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), javaRunTimeout)
	r.cancel = cancel
	argv := slices.Concat(javaJVMFlags, jvmFlags, []string{
		// The client logs to ~/logs/rocketmqlogs by default.
		"-Drocketmq.client.logRoot=" + r.logRoot,
		"-Drocketmq.client.logLevel=WARN",
		"-cp", p.classpath, "rocketsim.JavaPeer", nameServer,
	}, args)
	r.cmd = exec.CommandContext(ctx, p.java, argv...)
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	r.cmd.WaitDelay = 5 * time.Second
	require.NoError(tb, r.cmd.Start())
	tb.Cleanup(func() {
		cancel()
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Wait()
		}
	})
	return r
}

// wait waits for the JVM to exit and returns the lines it printed, failing on a non-zero exit
// (which the peer uses for any failed operation) with its output and client log.
func (r *peerRun) wait(tb testing.TB) []peerLine {
	tb.Helper()
	err := r.cmd.Wait()
	r.cancel()
	if err != nil {
		tb.Logf("java peer stdout:\n%s\nstderr:\n%s\nclient log:\n%s", r.stdout.String(), r.stderr.String(), r.clientLog())
	}
	require.NoError(tb, err, "java peer %v", r.cmd.Args[len(r.cmd.Args)-4:])
	var lines []peerLine
	sc := bufio.NewScanner(&r.stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l peerLine
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &l), "peer line %q", sc.Text())
		require.Empty(tb, l.Error, "peer %s %d failed", l.Op, l.I)
		lines = append(lines, l)
	}
	require.NoError(tb, sc.Err())
	r.lines = lines
	return lines
}

// clientLog is the client's own log (WARN and above), for failure messages.
func (r *peerRun) clientLog() string {
	b, err := os.ReadFile(filepath.Join(r.logRoot, "rocketmq_client.log"))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// logRecord matches the first line of a record in the client's log.
var logRecord = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\w+) `)

// clientComplaints returns the WARN and ERROR records of the client's log (each with its
// continuation lines, a stack trace cut to its first frames) logged before its shutdown began,
// minus those matching one of allow. What shutdown makes the client log (pulls failing on the
// closing connections) is left out: what shutdown sends is checked on the brokers instead.
func (r *peerRun) clientComplaints(tb testing.TB, allow ...*regexp.Regexp) []string {
	tb.Helper()
	stops := linesOf(r.lines, "stopping")
	require.Len(tb, stops, 1, "the peer marks when its shutdown starts")
	var out []string
	var cur []string
	flush := func() {
		if len(cur) == 0 {
			return
		}
		rec := strings.Join(cur[:min(len(cur), 4)], "\n")
		cur = nil
		for _, a := range allow {
			if a.MatchString(rec) {
				return
			}
		}
		out = append(out, rec)
	}
	for line := range strings.Lines(r.clientLog()) {
		line = strings.TrimRight(line, "\n")
		if m := logRecord.FindStringSubmatch(line); m != nil {
			flush()
			if line[:len(stops[0].At)] >= stops[0].At {
				break
			}
			if m[1] == "WARN" || m[1] == "ERROR" {
				cur = []string{line}
			}
			continue
		}
		if cur != nil {
			cur = append(cur, line)
		}
	}
	flush()
	return out
}

// run runs the peer to completion (see wait); the lines it printed are in its lines field.
func (p *javaPeer) run(tb testing.TB, jvmFlags []string, nameServer string, args ...string) *peerRun {
	tb.Helper()
	r := p.start(tb, jvmFlags, nameServer, args...)
	r.wait(tb)
	return r
}

// linesOf returns the lines of one op.
func linesOf(lines []peerLine, op string) []peerLine {
	var out []peerLine
	for _, l := range lines {
		if l.Op == op {
			out = append(out, l)
		}
	}
	return out
}

// javaBody is the body the peer sends as message i of op.
func javaBody(op string, i int) []byte {
	if op == "compressed" {
		var b strings.Builder
		fmt.Fprintf(&b, "%s body %d;", op, i)
		for k := 0; b.Len() < 16<<10; k++ {
			fmt.Fprintf(&b, "line %05d of a compressible body;", k)
		}
		return []byte(b.String())
	}
	return fmt.Appendf(nil, "%s body %d", op, i)
}

// requireJavaResult checks one send result line against the stored message it names.
func requireJavaResult(t *testing.T, l peerLine, m fakebroker.Message) {
	t.Helper()
	require.Equal(t, "SEND_OK", l.Status)
	require.Equal(t, m.MsgID, l.MsgID)
	require.Equal(t, m.OffsetMsgID, l.OffsetMsgID)
	require.Equal(t, m.Broker, l.BrokerName)
	require.Equal(t, m.QueueID, l.QueueID)
	require.Equal(t, m.QueueOffset, l.QueueOffset)
	require.Equal(t, fakebroker.DefaultRegion, l.RegionID)
	require.True(t, l.TraceOn)
}

// sortedQueues is the route's write queues of topic as the peer sorts them (broker name, then
// queue id): every broker of these clusters has topicQueues of them.
func sortedQueues(c cluster) [][2]any {
	var names []string
	for _, b := range c.Brokers() {
		names = append(names, b.Name())
	}
	slices.Sort(names)
	var out [][2]any
	for _, n := range names {
		for q := range topicQueues {
			out = append(out, [2]any{n, int32(q)})
		}
	}
	return out
}

func TestJavaProducer(t *testing.T) {
	peer := requireJavaPeer(t)
	for _, tc := range []struct {
		name  string
		flags []string
		st    remoting.SerializeType
	}{
		{"JSON", nil, remoting.SerializeJSON},
		{"ROCKETMQ", []string{"-Drocketmq.serialize.type=ROCKETMQ"}, remoting.SerializeRocketMQ},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startCluster(t)
			group := uniqueName(t, "jpg")
			run := peer.run(t, tc.flags, c.NameServerAddr(), "producer", topic, group, fmt.Sprint(javaPerOp))
			lines := run.lines
			require.Empty(t, run.clientComplaints(t), "the Java client's log: no WARN or ERROR")
			started := linesOf(lines, "started")
			require.Len(t, started, 1)
			require.Equal(t, tc.name, started[0].SerializeType)
			require.True(t, strings.HasSuffix(started[0].ClientID, "@"+group), started[0].ClientID)
			require.Len(t, linesOf(lines, "shutdown"), 1)

			// Oneway sends get no answer: wait until everything is stored.
			awaitCond(t, c, "every java send stored", func() bool { return len(c.Messages(topic)) == javaSends })
			stored := byMsgID(c.Messages(topic))
			require.Len(t, stored, javaSends, "distinct msgIds")

			t.Run("sync and async", func(t *testing.T) {
				for _, op := range []string{"sync", "async"} {
					results := linesOf(lines, op)
					require.Len(t, results, javaPerOp, op)
					brokers := map[string]bool{}
					for _, l := range results {
						m, ok := stored[l.MsgID]
						require.True(t, ok, "%s result msgId %s not stored", op, l.MsgID)
						requireSameMessage(t, l.I, javaBody(op, l.I), m)
						requireJavaResult(t, l, m)
						require.Zero(t, m.SysFlag, "a small body: no sysFlag bits")
						brokers[m.Broker] = true
					}
					if op == "sync" {
						// One thread's eight sends walk the eight queues of both brokers. Async
						// sends run on the client's executor threads, each with its own
						// ThreadLocalIndex starting at random: two threads of four sends each
						// land on broker-b alone about once in 64 runs, as Java's do.
						require.Len(t, brokers, 2, "%s: round-robin reaches both brokers", op)
					}
				}
			})

			t.Run("oneway", func(t *testing.T) {
				require.Len(t, linesOf(lines, "oneway"), javaPerOp)
				seen := map[int]bool{}
				for _, m := range stored {
					if bytes.HasPrefix(m.Body, []byte("oneway body ")) {
						i := indexOf(t, m)
						requireSameMessage(t, i, javaBody("oneway", i), m)
						seen[i] = true
					}
				}
				require.Len(t, seen, javaPerOp)
				// Java sets the oneway flag bit: the broker must not answer.
				var oneway int
				for _, b := range c.Brokers() {
					for _, e := range b.History().Requests(remoting.CodeSendMessageV2) {
						if e.Oneway {
							oneway++
							require.False(t, e.Answered, "a oneway request is never answered")
						}
					}
				}
				require.Equal(t, javaPerOp, oneway)
			})

			t.Run("batch", func(t *testing.T) {
				results := linesOf(lines, "batch")
				require.Len(t, results, 1)
				r := results[0]
				require.Equal(t, "SEND_OK", r.Status)
				// Java's result lists the batch's UNIQ_KEYs (MQClientAPIImpl.processSendResponse)
				// and the broker's offset ids, both comma-joined, in batch order.
				ids, offsetIDs := strings.Split(r.MsgID, ","), strings.Split(r.OffsetMsgID, ",")
				require.Len(t, ids, javaPerOp)
				require.Len(t, offsetIDs, javaPerOp)
				for i, id := range ids {
					m, ok := stored[id]
					require.True(t, ok, "batch msgId %s not stored", id)
					require.Equal(t, i, indexOf(t, m), "batch order kept")
					requireSameMessage(t, i, javaBody("batch", i), m)
					require.Equal(t, offsetIDs[i], m.OffsetMsgID)
					require.Equal(t, r.BrokerName, m.Broker)
					require.Equal(t, r.QueueID, m.QueueID, "the whole batch in one queue")
					require.Equal(t, r.QueueOffset+int64(i), m.QueueOffset)
					require.Zero(t, m.SysFlag, "batches are never compressed")
				}
				b := brokerOf(t, c, r.BrokerName)
				require.Len(t, b.History().Requests(remoting.CodeSendBatchMessage), 1)
			})

			t.Run("queue and selector", func(t *testing.T) {
				targets := linesOf(lines, "target")
				require.Len(t, targets, 1)
				queues := sortedQueues(c)
				last := queues[len(queues)-1]
				require.Equal(t, last[0], targets[0].BrokerName, "the peer picked the route's last queue")
				require.Equal(t, last[1], targets[0].QueueID)
				for _, op := range []string{"queue", "selector"} {
					results := linesOf(lines, op)
					require.Len(t, results, javaPerOp, op)
					for _, l := range results {
						m, ok := stored[l.MsgID]
						require.True(t, ok, "%s result msgId %s not stored", op, l.MsgID)
						requireSameMessage(t, l.I, javaBody(op, l.I), m)
						requireJavaResult(t, l, m)
						want := last
						if op == "selector" {
							want = queues[(l.I%3)%len(queues)]
						}
						require.Equal(t, want[0], m.Broker, "%s %d", op, l.I)
						require.Equal(t, want[1], m.QueueID, "%s %d", op, l.I)
					}
				}
			})

			t.Run("compressed", func(t *testing.T) {
				results := linesOf(lines, "compressed")
				require.Len(t, results, 2)
				for _, l := range results {
					m, ok := stored[l.MsgID]
					require.True(t, ok, "compressed result msgId %s not stored", l.MsgID)
					requireSameMessage(t, l.I, javaBody("compressed", l.I), m)
					requireJavaResult(t, l, m)
					// 4.9.7 writes the compressed bit and the ZLIB type bits (0x300).
					require.Equal(t, protocol.SysFlagCompressed|protocol.SysFlagCompressionZLIB, m.SysFlag)
					require.Less(t, len(m.StoredBody), len(m.Body)/4, "stored compressed")
					inflated, err := protocol.Decompress(m.StoredBody, 1<<20)
					require.NoError(t, err)
					require.Equal(t, javaBody("compressed", l.I), inflated)
				}
			})

			t.Run("wire", func(t *testing.T) {
				// Singles go as SEND_MESSAGE_V2 (310), never 10; the batch as 320; every request
				// of the Java client in the serialize type it was told to use.
				var v2, batch int
				for _, b := range c.Brokers() {
					require.Empty(t, b.History().Requests(remoting.CodeSendMessage), "java sends 310, not 10")
					for _, e := range b.History().Entries() {
						require.Equal(t, remoting.LanguageJava, e.Language, "code %d", e.Code)
						require.Equal(t, tc.st, e.SerializeType, "code %d", e.Code)
						switch e.Code {
						case remoting.CodeSendMessageV2:
							v2++
							require.Equal(t, group, e.ExtFields["a"])
							require.Equal(t, topic, e.ExtFields["b"])
							if !e.Oneway {
								require.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
							}
						case remoting.CodeSendBatchMessage:
							batch++
							require.Equal(t, "true", e.ExtFields["m"])
							require.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
						}
					}
				}
				require.Equal(t, javaSends-javaPerOp, v2)
				require.Equal(t, 1, batch)
			})

			t.Run("shutdown", func(t *testing.T) {
				// DefaultMQProducer.shutdown unregisters its group, then the client instance
				// unregisters CLIENT_INNER_PRODUCER, each from every broker it knows.
				for _, b := range c.Brokers() {
					var groups []string
					for _, e := range b.History().Requests(remoting.CodeUnregisterClient) {
						require.Equal(t, started[0].ClientID, e.ExtFields["clientID"])
						require.True(t, e.Answered)
						require.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
						groups = append(groups, e.ExtFields["producerGroup"])
					}
					require.ElementsMatch(t, []string{group, clientInnerProducer}, groups, b.Name())
				}
				awaitGone(t, c, group)
			})
		})
	}
}

// TestJavaPushConsumer: a Java DefaultMQPushConsumer gets every message of the topic exactly
// once, intact: half were stored before it started, half are sent (by a second Java producer
// run) while it runs, so held pulls are answered too. Its shutdown commits every queue's max
// offset and unregisters its group from both brokers.
func TestJavaPushConsumer(t *testing.T) {
	peer := requireJavaPeer(t)
	c := startCluster(t)
	first := peer.run(t, nil, c.NameServerAddr(), "producer", topic, uniqueName(t, "jpg"), fmt.Sprint(javaPerOp))
	require.Empty(t, first.clientComplaints(t))
	require.Len(t, c.Messages(topic), javaSends)

	group := uniqueName(t, "jcg")
	consumer := peer.start(t, nil, c.NameServerAddr(), "consumer", topic, group, fmt.Sprint(2*javaSends))
	awaitCond(t, c, "java consumer pulling from both brokers", func() bool {
		return registeredOnEveryBroker(c, group, group, true)
	})
	second := peer.run(t, []string{"-Drocketmq.serialize.type=ROCKETMQ"}, c.NameServerAddr(), "producer", topic,
		uniqueName(t, "jpg"), fmt.Sprint(javaPerOp))
	require.Empty(t, second.clientComplaints(t))
	lines := consumer.wait(t)
	// What a new Java consumer logs at start against a real 4.9.7 broker too, none of it about
	// the fakes:
	require.Empty(t, consumer.clientComplaints(t, consumerStartNoise(group)...))

	stored := c.Messages(topic)
	require.Len(t, stored, 2*javaSends)
	received := linesOf(lines, "received")
	got := map[string]peerLine{}
	for _, l := range received {
		_, dup := got[l.MsgID]
		require.False(t, dup, "msgId %s delivered twice", l.MsgID)
		got[l.MsgID] = l
	}
	for _, m := range stored {
		l, ok := got[m.MsgID]
		require.True(t, ok, "stored msgId %s (%s) never delivered", m.MsgID, m.Keys)
		require.Equal(t, m.OffsetMsgID, l.OffsetMsgID)
		require.Equal(t, m.Broker, l.BrokerName)
		require.Equal(t, m.QueueID, l.QueueID)
		require.Equal(t, m.QueueOffset, l.QueueOffset)
		require.Equal(t, m.Tags, l.Tags)
		require.Equal(t, strings.Join(m.Keys, " "), l.Keys)
		require.Equal(t, m.Properties["user-a"], l.UserA)
		require.Equal(t, m.SysFlag, l.SysFlag)
		require.Zero(t, l.ReconsumeTimes)
		sum := sha256.Sum256(m.Body)
		require.Equal(t, len(m.Body), l.BodyLen, "the consumer inflates compressed bodies")
		require.Equal(t, hex.EncodeToString(sum[:]), l.BodySha256)
	}
	require.Len(t, got, len(stored))
	done := linesOf(lines, "shutdown")
	require.Len(t, done, 1)
	require.Equal(t, len(stored), done[0].Distinct)
	require.Equal(t, len(stored), done[0].Total)

	// Shutdown persists every queue's offset (UPDATE_CONSUMER_OFFSET 15, oneway) and then sends
	// UNREGISTER_CLIENT with the consumer group to each broker.
	awaitCond(t, c, "committed offsets at every queue's max", func() bool {
		for _, b := range c.Brokers() {
			for q := range int32(topicQueues) {
				if b.MaxOffset(topic, q) == 0 {
					continue
				}
				off, ok := b.ConsumerOffset(group, topic, q)
				if !ok || off != b.MaxOffset(topic, q) {
					return false
				}
			}
		}
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitDeadline)
	defer cancel()
	for _, b := range c.Brokers() {
		_, err := b.History().WaitFor(ctx, func(e fault.Entry) bool {
			return e.Code == remoting.CodeUnregisterClient && e.ExtFields["consumerGroup"] == group
		})
		require.NoError(t, err)
		require.Empty(t, b.ConsumerIDs(group), "%s: the group is empty after the consumer's shutdown", b.Name())
	}
}

// TestJavaProducerAutoCreateTopic: Java sync sends to a topic the cluster does not have. The
// client finds no route (17), sends through TBW102's route with defaultTopic TBW102 and
// defaultTopicQueueNums 4, and the broker creates the topic (4 queues, perm 6) and registers it.
func TestJavaProducerAutoCreateTopic(t *testing.T) {
	peer := requireJavaPeer(t)
	c := startCluster(t)
	const newTopic = "JavaAutoCreated"
	group := uniqueName(t, "jpg")
	run := peer.run(t, nil, c.NameServerAddr(), "sync", newTopic, group, fmt.Sprint(javaPerOp))
	require.Empty(t, run.clientComplaints(t,
		regexp.MustCompile(`get Topic \[`+newTopic+`\] RouteInfoFromNameServer is not exist value`),
		regexp.MustCompile(`updateTopicRouteInfoFromNameServer Exception(?s:.*)CODE: 17  DESC: No topic route info in name server for the topic: `+newTopic),
	))
	results := linesOf(run.lines, "sync")
	require.Len(t, results, javaPerOp)
	stored := byMsgID(c.Messages(newTopic))
	require.Len(t, stored, javaPerOp)
	for _, l := range results {
		m, ok := stored[l.MsgID]
		require.True(t, ok, "result msgId %s not stored", l.MsgID)
		requireJavaResult(t, l, m)
		require.Equal(t, newTopic, m.Topic)
		require.Equal(t, javaBody("sync", l.I), m.Body)
		tc, ok := brokerOf(t, c, m.Broker).Topic(newTopic)
		require.True(t, ok)
		require.EqualValues(t, 4, tc.WriteQueueNums, "min(defaultTopicQueueNums 4, TBW102's 8)")
		require.EqualValues(t, 6, tc.Perm)
	}
	for _, b := range c.Brokers() {
		for _, e := range b.History().Requests(remoting.CodeSendMessageV2) {
			require.Equal(t, "TBW102", e.ExtFields["c"])
			require.Equal(t, "4", e.ExtFields["d"])
		}
	}
}

// consumerStartNoise is what a new Java push consumer of group logs at start against a real
// 4.9.7 broker too, none of it about the fakes.
func consumerStartNoise(group string) []*regexp.Regexp {
	return []*regexp.Regexp{
		// Start asks the name server for every subscribed topic, %RETRY%group included, before its
		// first heartbeat, which is what makes the broker create that topic.
		regexp.MustCompile(`get Topic \[%RETRY%` + regexp.QuoteMeta(group) + `\] RouteInfoFromNameServer is not exist value`),
		// The first heartbeat goes to the brokers one after the other; the broker that has it
		// pushes NOTIFY_CONSUMER_IDS_CHANGED (40), whose rebalance may ask the other broker for
		// the group (38) before that one's heartbeat: "no consumer for this group" (code 1).
		regexp.MustCompile(`getConsumerIdListByGroup exception(?s:.*)CODE: 1  DESC: no consumer for this group`),
		regexp.MustCompile(`doRebalance, ` + regexp.QuoteMeta(group) + ` .* get consumer id list failed`),
		// RebalanceImpl dispatches the first pulls (updateProcessQueueTableInRebalance) before
		// RebalancePushImpl.messageQueueChanged has sent the heartbeat with the subVersion those
		// pulls carry: the broker answers 25 until that heartbeat lands (the pull retries 1 s later).
		regexp.MustCompile(`execute the pull request exception(?s:.*)CODE: 25  DESC: the consumer's subscription not latest`),
	}
}
