package realrmq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Differential conformance: the same requests go to the fakes (fakenamesrv + fakebroker on
// loopback) and to the real 4.9.7 servers, and the answers are compared after normalising
// what legitimately differs between two deployments (addresses, commit-log offsets inside
// message ids, timestamps). Where the fakes are known to differ, the case names the field
// and both values, so the test fails when either side changes.

// side is one deployment: a name server and the two brokers (broker-a with Java's defaults,
// broker-b without auto-creation), and a client of its own.
type side struct {
	name    string // "fake" or "real"
	ns      string
	brokers map[string]string // broker name -> addr
	cli     *remoting.Client
	// second is another connection to the same servers, for cases about a client with several
	// connections (and one that closes).
	second *remoting.Client
	// vars carries per-side values between cases (a commit-log offset read from a msgId).
	vars map[string]int64
	// pushed keeps the requests the brokers sent to cli (transaction checks, replies,
	// notifications, and what an admin request made a broker ask its consumers).
	pushed *pushedRequests
	// msgIDs carries per-side message ids between cases (they hold the side's store host).
	msgIDs map[string]string
}

func newSide(name, ns string) *side {
	s := &side{name: name, ns: ns, brokers: map[string]string{}, cli: remoting.NewClient(),
		second: remoting.NewClient(), vars: map[string]int64{}, pushed: &pushedRequests{changed: make(chan struct{})},
		msgIDs: map[string]string{}}
	for _, code := range []int32{remoting.CodeCheckTransactionState, remoting.CodePushReplyMessageToClient,
		remoting.CodeNotifyConsumerIDsChanged, remoting.CodeResetConsumerClientOffset, remoting.CodeGetConsumerStatusFromClient,
		remoting.CodeGetConsumerRunningInfo, remoting.CodeConsumeMessageDirectly} {
		s.cli.Handle(code, s.pushed.keep)
	}
	return s
}

// refuseReply is the body of a reply the harness's client refuses when it is pushed.
const refuseReply = "refuse"

// pushedRequests are the requests a broker sent to a side's client, which the harness keeps
// so that a case can compare them as it compares answers.
type pushedRequests struct {
	mu      sync.Mutex
	cmds    []*remoting.Command
	changed chan struct{} // closed and replaced on each request kept
}

// keep is the client's handler of the requests a broker sends: a pushed reply is answered
// SUCCESS as a Java requester answers it (SYSTEM_ERROR when its body asks for a refusal), what
// a broker asks of a consumer as a Java consumer answers (consumerAnswer); a check, a
// notification and a reset, oneway, are not answered.
func (p *pushedRequests) keep(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := *req.Command
	cmd.Body = slices.Clone(cmd.Body)
	cmd.ExtFields = maps.Clone(cmd.ExtFields)
	p.mu.Lock()
	p.cmds = append(p.cmds, &cmd)
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	if cmd.IsOneway() {
		return nil
	}
	switch cmd.Code {
	case remoting.CodeGetConsumerStatusFromClient, remoting.CodeGetConsumerRunningInfo, remoting.CodeConsumeMessageDirectly:
		return consumerAnswer(req.Command)
	}
	if string(cmd.Body) == refuseReply {
		return remoting.NewResponse(req.Command, remoting.SystemError, "refused by the test")
	}
	return remoting.NewResponse(req.Command, remoting.Success, "")
}

// await returns the nth (from 1) request kept, or to come before ctx ends, that match accepts.
func (p *pushedRequests) await(ctx context.Context, match func(*remoting.Command) bool, nth int) (*remoting.Command, error) {
	for {
		p.mu.Lock()
		cmds, changed := slices.Clone(p.cmds), p.changed
		p.mu.Unlock()
		seen := 0
		for _, c := range cmds {
			if match(c) {
				if seen++; seen >= nth {
					return c, nil
				}
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// answer is a normalised response.
type answer struct {
	NoAnswer  bool // nothing came back before the deadline
	Code      int32
	Remark    string
	Ext       map[string]string // nil: the response had no extFields
	Body      string
	Language  remoting.LanguageCode
	Version   int32
	Serialize remoting.SerializeType // the header encoding of the answer
}

// fieldDiff is a known difference: field is "code", "remark", "body", "noanswer",
// "serialize", "ext" (all of it) or "ext.<key>"; fake and real are the normalised values each side gives.
type fieldDiff struct {
	field      string
	fake, real string
}

type diffCase struct {
	name   string
	code   int32
	target string // "ns" or a broker name
	req    func(s *side) *remoting.Command
	// norm normalises what this case's answer may legitimately differ in (beyond addresses).
	norm func(s *side, a *answer)
	// before runs once on each side before the request is sent (a heartbeat over the second
	// connection, closing it).
	before func(t *testing.T, ctx context.Context, s *side)
	// after runs on each side with its raw answer (to remember values for later cases).
	after func(t *testing.T, s *side, resp *remoting.Command)
	// timeout for a request expected to get no answer.
	timeout time.Duration
	// settled, if set, says whether an answer reflects what the case waits for (a oneway
	// registration the broker sent to its name server); ask repeats the request until it
	// does, for at most 5 s, then compares what it has.
	settled func(*remoting.Command) bool
	// settleWithin replaces settled's 5 s for an answer that changes on the server's own
	// schedule.
	settleWithin time.Duration
	// pushed, if set, makes the case send nothing: it waits (for timeout) for the first
	// request the broker sent to the side's client that pushed accepts (the nth, with nth),
	// and compares that request as other cases compare answers (code is then the request's
	// code).
	pushed func(*remoting.Command) bool
	nth    int
	known  []fieldDiff
}

type diffRow struct {
	code   int32
	name   string
	result string
}

// diffRuns counts TestDifferential's runs in this process (go test -count=N).
var diffRuns atomic.Int32

func TestDifferential(t *testing.T) {
	t.Parallel() // with TestLifecycle: the two clusters start together
	realC := shared.Cluster(t)
	if diffRuns.Add(1) > 1 {
		// The shared cluster holds the first run's topics and messages, and the cases
		// expect fresh brokers (queue offsets from 0) like the fakes they compare with.
		realC = Start(t, sharedOptions()...)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
	defer cancel()

	fake := startFakeSide(t, ctx)
	rs := newSide("real", realC.NameServerAddr())
	t.Cleanup(func() { _ = rs.cli.Close(); _ = rs.second.Close() })
	for _, b := range realC.Brokers() {
		rs.brokers[b.Name] = b.Addr
	}

	var rows []diffRow
	for _, group := range [][]diffCase{nameServerCases(), brokerCases(), transactionCases(), replyCases(), consumerCases(), adminCases()} {
		for _, dc := range group {
			ok := t.Run(fmt.Sprintf("%d_%s", dc.code, dc.name), func(t *testing.T) {
				rows = append(rows, runDiffCase(t, ctx, dc, fake, rs))
			})
			if !ok && ctx.Err() != nil {
				break
			}
		}
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "code\tcase\tfake vs real")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d %s\t%s\t%s\n", r.code, remoting.RequestCodeName(r.code), r.name, r.result)
	}
	_ = tw.Flush()
	t.Logf("differential conformance, fake vs real %s:\n%s", realC.Version(), sb.String())
}

// startFakeSide starts the fakes on loopback as the real cluster is configured.
func startFakeSide(t *testing.T, ctx context.Context) *side {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ns := fakenamesrv.New(fakenamesrv.WithLogger(quiet))
	if err := ns.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Close() })
	s := newSide("fake", ns.Addr())
	t.Cleanup(func() { _ = s.cli.Close(); _ = s.second.Close() })
	// The transaction check and the lock expiry as sharedOptions sets them on the real brokers.
	check := []fakebroker.Option{
		fakebroker.WithTransactionCheckInterval(diffTxCheckInterval), fakebroker.WithTransactionTimeout(diffTxTimeout),
		fakebroker.WithRebalanceLockExpiry(diffLockExpiry),
	}
	for _, b := range []*fakebroker.Broker{
		fakebroker.New(append(check, fakebroker.WithName(brokerA), fakebroker.WithNameServers(ns.Addr()), fakebroker.WithLogger(quiet))...),
		fakebroker.New(append(check, fakebroker.WithName(brokerNoAuto), fakebroker.WithNameServers(ns.Addr()), fakebroker.WithLogger(quiet),
			fakebroker.WithAutoCreateTopic(false))...),
	} {
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Crash)
		s.brokers[b.Name()] = b.Addr()
	}
	if err := ns.Await(ctx, func() bool { return len(ns.Brokers()) == 2 }); err != nil {
		t.Fatalf("fake brokers did not register: %v", err)
	}
	return s
}

func runDiffCase(t *testing.T, ctx context.Context, dc diffCase, fake, rs *side) diffRow {
	row := diffRow{code: dc.code, name: dc.name}
	// Both sides at once: cases that expect no answer wait out their timeout only once.
	answers := make(chan struct {
		s *side
		a answer
	}, 2)
	for _, s := range []*side{fake, rs} {
		go func() {
			answers <- struct {
				s *side
				a answer
			}{s, ask(t, ctx, dc, s)}
		}()
	}
	var fa, ra answer
	for range 2 {
		r := <-answers
		if r.s == fake {
			fa = r.a
		} else {
			ra = r.a
		}
	}
	t.Logf("fake: %s", fa)
	t.Logf("real: %s", ra)
	var differs []string
	for _, k := range dc.known {
		f, r := fa.field(k.field), ra.field(k.field)
		if f != k.fake || r != k.real {
			t.Errorf("known difference in %s changed:\n fake %q (was %q)\n real %q (was %q)", k.field, f, k.fake, r, k.real)
		}
		fa.setField(k.field, "<known>")
		ra.setField(k.field, "<known>")
		differs = append(differs, k.field)
	}
	if d := cmp.Diff(fa, ra); d != "" {
		t.Errorf("fake and real differ (-fake +real):\n%s", d)
		row.result = "DIFFERENT (unexpected)"
		return row
	}
	row.result = "same"
	if len(differs) > 0 {
		row.result = "different (known): " + strings.Join(differs, ", ")
	}
	return row
}

// ask sends the case's request to one side and normalises the answer.
func ask(t *testing.T, ctx context.Context, dc diffCase, s *side) answer {
	addr := s.ns
	if dc.target != "ns" {
		addr = s.brokers[dc.target]
	}
	if dc.before != nil {
		dc.before(t, ctx, s)
	}
	timeout := dc.timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var resp *remoting.Command
	var err error
	if dc.pushed != nil {
		wait, cancel := context.WithTimeout(ctx, timeout)
		resp, err = s.pushed.await(wait, dc.pushed, max(dc.nth, 1))
		cancel()
	} else {
		resp, err = invoke(ctx, s, addr, dc.req(s), timeout)
	}
	settle := dc.settleWithin
	if settle == 0 {
		settle = 5 * time.Second
	}
	for deadline := time.Now().Add(settle); err == nil && dc.settled != nil && !dc.settled(resp) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the other server's oneway request is in flight: nothing to wait on
		resp, err = invoke(ctx, s, addr, dc.req(s), timeout)
	}
	if err != nil {
		if errors.Is(err, remoting.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return answer{NoAnswer: true}
		}
		t.Errorf("%s: %v", s.name, err)
		return answer{Remark: "error: " + err.Error()}
	}
	if dc.after != nil {
		dc.after(t, s, resp)
	}
	a := answer{Code: resp.Code, Remark: resp.Remark, Ext: resp.ExtFields, Body: string(resp.Body),
		Language: resp.Language, Version: resp.Version, Serialize: resp.SerializeType}
	if a.Ext != nil {
		a.Ext = maps.Clone(a.Ext)
	}
	if dc.norm != nil {
		dc.norm(s, &a)
	}
	a.Remark = s.addrs(a.Remark)
	a.Body = s.addrs(a.Body)
	for k, v := range a.Ext {
		a.Ext[k] = s.addrs(v)
	}
	return a
}

func invoke(ctx context.Context, s *side, addr string, req *remoting.Command, timeout time.Duration) (*remoting.Command, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.cli.Invoke(ctx, addr, req)
}

var anyAddr = regexp.MustCompile(`\d{1,3}(\.\d{1,3}){3}:\d+`)

// addrs replaces this side's server addresses by their role and any other loopback
// address (a client's ephemeral port) by <client>.
func (s *side) addrs(v string) string {
	v = strings.ReplaceAll(v, s.ns, "<ns>")
	for name, addr := range s.brokers {
		v = strings.ReplaceAll(v, addr, "<"+name+">")
	}
	return anyAddr.ReplaceAllStringFunc(v, func(a string) string {
		if strings.HasPrefix(a, "127.") {
			return "<client>"
		}
		return a // addresses the test made up (192.0.2.x) are the same on both sides
	})
}

func (a answer) String() string {
	if a.NoAnswer {
		return "no answer"
	}
	body := a.Body
	if len(body) > 600 {
		body = body[:600] + fmt.Sprintf("...(%d bytes)", len(a.Body))
	}
	ext := "<none>"
	if a.Ext != nil {
		ext = fmt.Sprint(a.Ext)
	}
	return fmt.Sprintf("code=%d remark=%q ext=%s body=%s (lang %d, version %d, serialize %d)",
		a.Code, a.Remark, ext, body, a.Language, a.Version, a.Serialize)
}

func (a answer) field(f string) string {
	switch {
	case f == "noanswer":
		return fmt.Sprint(a.NoAnswer)
	case f == "code":
		return fmt.Sprint(a.Code)
	case f == "serialize":
		return fmt.Sprint(a.Serialize)
	case f == "remark":
		return a.Remark
	case f == "body":
		return a.Body
	case f == "ext":
		if a.Ext == nil {
			return "<none>"
		}
		return fmt.Sprint(a.Ext)
	case strings.HasPrefix(f, "ext."):
		v, ok := a.Ext[strings.TrimPrefix(f, "ext.")]
		if !ok {
			return "<absent>"
		}
		return v
	}
	panic("unknown field " + f)
}

func (a *answer) setField(f, v string) {
	switch {
	case f == "noanswer":
		a.NoAnswer = false
	case f == "code":
		a.Code = -999
	case f == "serialize":
		a.Serialize = 99
	case f == "remark":
		a.Remark = v
	case f == "body":
		a.Body = v
	case f == "ext":
		a.Ext = map[string]string{"<known>": v}
	case strings.HasPrefix(f, "ext."):
		if a.Ext == nil {
			a.Ext = map[string]string{}
		}
		a.Ext[strings.TrimPrefix(f, "ext.")] = v
	}
}

// ---- normalisers ----

var (
	offsetMsgID = regexp.MustCompile(`^[0-9A-F]{32}$`)
)

// normMsgID replaces each offset message id in ext msgId (comma-joined for batches) by
// <msgId>: it holds the commit-log offset, which depends on everything stored before.
func normMsgID(_ *side, a *answer) {
	if v, ok := a.Ext["msgId"]; ok {
		ids := strings.Split(v, ",")
		for i, id := range ids {
			if offsetMsgID.MatchString(id) {
				ids[i] = "<msgId>"
			}
		}
		a.Ext["msgId"] = strings.Join(ids, ",")
	}
}

// normTopicList sorts a {"topicList":[...]} body and drops the topics whose presence depends
// on timing, not on requests (the transaction half topic appears about 60 s after start).
func normTopicList(_ *side, a *answer) {
	tl, err := protocol.DecodeTopicList([]byte(a.Body))
	if err != nil {
		return
	}
	topics := slices.DeleteFunc(tl.Topics, func(t string) bool {
		return t == "RMQ_SYS_TRANS_HALF_TOPIC" || t == "RMQ_SYS_TRANS_OP_HALF_TOPIC" || t == "TRANS_CHECK_MAX_TIME_TOPIC"
	})
	sort.Strings(topics)
	a.Body = "sorted " + strings.Join(topics, ",")
}

// normTopicConfigTable reduces a TopicConfigSerializeWrapper body (its data version and the
// system topics depend on the broker's age) to whether it holds DiffTopic as created.
func normTopicConfigTable(_ *side, a *answer) {
	if a.Body == "" {
		return
	}
	w, err := protocol.DecodeTopicConfigSerializeWrapper([]byte(a.Body))
	if err != nil {
		a.Body = "undecodable: " + err.Error()
		return
	}
	tc, ok := w.TopicConfigTable[diffTopic]
	if !ok {
		a.Body = "<topic config table without DiffTopic>"
		return
	}
	a.Body = fmt.Sprintf("<topic config table with DiffTopic %d/%d perm %d>", tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm)
}

// normStored decodes stored messages (a pull's or a view's body) and keeps what two brokers
// fed the same requests must agree on: not store times or commit-log positions.
func normStored(s *side, a *answer) {
	if a.Body == "" {
		return
	}
	msgs, err := protocol.DecodeStoredMessages([]byte(a.Body))
	if err != nil {
		a.Body = "undecodable: " + err.Error()
		return
	}
	raw := rawStoredProperties([]byte(a.Body))
	if len(raw) != len(msgs) {
		a.Body = fmt.Sprintf("undecodable: %d records, %d property strings", len(msgs), len(raw))
		return
	}
	var sb strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&sb, "[topic=%s queue=%d qoff=%d size=%d flag=%d sysFlag=%d crc=%d reconsume=%d prepared=%s body=%q bornHost=%s storeHost=%s props=%s]",
			m.Topic, m.QueueID, m.QueueOffset, m.StoreSize, m.Flag, m.SysFlag, m.BodyCRC, m.ReconsumeTimes,
			s.commitLogOffset(m.PreparedTransactionOffset), m.Body, s.addrs(m.BornHost.String()), s.addrs(m.StoreHost.String()),
			raw[i])
	}
	a.Body = sb.String()
}

// commitLogOffset names a commit-log offset by the variable that remembered it (a committed
// message's prepared-transaction offset is its half message's), since the two brokers' commit
// logs differ; 0 and offsets no case remembered stay numbers.
func (s *side) commitLogOffset(off int64) string {
	if off != 0 {
		for _, k := range slices.Sorted(maps.Keys(s.vars)) {
			if strings.HasSuffix(k, ".clo") && s.vars[k] == off {
				return "<" + k + ">"
			}
		}
	}
	return strconv.FormatInt(off, 10)
}

// rawStoredProperties returns each stored record's properties string as the broker wrote it,
// in its order and with duplicates (the decoded map hides both), \x01 and \x02 shown as = and ;.
func rawStoredProperties(data []byte) []string {
	var out []string
	for p := 0; p+4 <= len(data); {
		size := int(binary.BigEndian.Uint32(data[p:]))
		if size <= 0 || p+size > len(data) {
			break
		}
		rec := data[p : p+size]
		p += size
		sysFlag := binary.BigEndian.Uint32(rec[36:])
		q := 48 // through bornTimestamp
		q += hostLen(sysFlag&0x10 != 0) + 8 + hostLen(sysFlag&0x20 != 0) + 4 + 8
		q += 4 + int(binary.BigEndian.Uint32(rec[q:]))
		q += 1 + int(rec[q])
		n := int(binary.BigEndian.Uint16(rec[q:]))
		props := string(rec[q+2 : q+2+n])
		out = append(out, strings.NewReplacer("\x01", "=", "\x02", ";").Replace(props))
	}
	return out
}

// hostLen is the size of a stored host: IPv4 + port, or IPv6 + port.
func hostLen(v6 bool) int {
	if v6 {
		return 20
	}
	return 8
}

// brokerConfigDeployment are the GET_BROKER_CONFIG settings that belong to a deployment, not
// to the broker's behaviour: the real cluster's work folder (rocketmqHome, the store paths,
// which the fake has no files for: it lists Java's default store root under the home folder
// and no commit-log path or home unless ROCKETMQ_HOME is set) and the ports picked for each
// run. mappedFileSizeCommitLog is realrmq's own setting (64 MiB files keep the real store
// small); the fake has no files and lists Java's 1 GiB default.
var brokerConfigDeployment = map[string]string{
	"rocketmqHome": "", "storePathRootDir": "", "storePathCommitLog": "",
	"listenPort": "<port>", "haListenPort": "<port>", "mappedFileSizeCommitLog": "<realrmq>",
}

// normBrokerConfig reduces GET_BROKER_CONFIG's answer to what two brokers configured alike
// agree on: the version's counter (its timestamp is the broker's start) and the settings,
// sorted (the order is the Properties table's, which depends on how it was filled), without
// the deployment's (brokerConfigDeployment).
func normBrokerConfig(_ *side, a *answer) {
	if v, ok := a.Ext["version"]; ok {
		dv, err := protocol.DecodeDataVersion([]byte(v))
		if err != nil {
			a.Ext["version"] = "undecodable: " + err.Error()
		} else {
			a.Ext["version"] = fmt.Sprintf("<timestamp> counter %d", dv.Counter)
		}
	}
	if a.Body == "" {
		return
	}
	props, err := protocol.DecodeJavaProperties([]byte(a.Body))
	if err != nil {
		a.Body = "undecodable: " + err.Error()
		return
	}
	lines := make([]string, 0, len(props))
	for k, v := range props {
		if mask, ok := brokerConfigDeployment[k]; ok {
			if mask == "" {
				continue
			}
			v = mask
		}
		lines = append(lines, k+"="+v)
	}
	slices.Sort(lines)
	a.Body = fmt.Sprintf("%d settings, sorted:\n%s", len(lines), strings.Join(lines, "\n"))
}
