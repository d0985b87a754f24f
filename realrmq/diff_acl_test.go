package realrmq

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// diffACL is the plain_acl.yml of both sides of TestDifferentialACL: Java's distribution
// example, without its global white addresses (loopback must be checked).
const diffACL = `accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
      - topicC=SUB
    groupPerms:
      - groupA=DENY
      - groupB=PUB|SUB
      - groupC=SUB
  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    admin: true
`

var (
	diffUser  = acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}
	diffAdmin = acl.Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"}
)

// TestDifferentialACL sends the same requests, unsigned, wrongly signed and signed, to a fake
// broker with WithACL and to a real 4.9.7 broker with aclEnable=true and the same
// plain_acl.yml, and compares the answers as TestDifferential does.
func TestDifferentialACL(t *testing.T) {
	realC := Start(t, WithBrokerNames(brokerA), WithACL([]byte(diffACL), diffAdmin))
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ns := fakenamesrv.New(fakenamesrv.WithLogger(quiet))
	if err := ns.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Close() })
	// The fake's conf directory, laid out as the real broker's: the reload cases change the
	// files of both.
	fakeConf := filepath.Join(t.TempDir(), "conf")
	if err := os.MkdirAll(fakeConf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fakeConf, "plain_acl.yml"), []byte(diffACL), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := acl.Layout{DefaultFile: filepath.Join(fakeConf, "plain_acl.yml"), Dir: filepath.Join(fakeConf, "acl")}
	b := fakebroker.New(fakebroker.WithName(brokerA), fakebroker.WithNameServers(ns.Addr()), fakebroker.WithLogger(quiet),
		fakebroker.WithACLFiles(layout, 200*time.Millisecond))
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Crash)
	if err := ns.Await(ctx, func() bool { return len(ns.Brokers()) == 1 }); err != nil {
		t.Fatalf("fake broker did not register: %v", err)
	}
	fake := newSide("fake", ns.Addr())
	fake.brokers[brokerA] = b.Addr()
	rs := newSide("real", realC.NameServerAddr())
	for _, rb := range realC.Brokers() {
		rs.brokers[rb.Name] = rb.Addr
	}
	t.Cleanup(func() { _ = fake.cli.Close(); _ = fake.second.Close(); _ = rs.cli.Close(); _ = rs.second.Close() })

	var rows []string
	confs := map[string]string{"fake": fakeConf, "real": realC.ConfDir()}
	for _, dc := range slices.Concat(aclCases(), aclAdminCases(), aclReloadCases(confs)) {
		t.Run(fmt.Sprintf("%d_%s", dc.code, dc.name), func(t *testing.T) {
			r := runDiffCase(t, ctx, dc, fake, rs)
			rows = append(rows, fmt.Sprintf("%d %s: %s", r.code, r.name, r.result))
		})
	}
	t.Logf("ACL, fake vs real %s:\n%s", realC.Version(), strings.Join(rows, "\n"))
}

// signedBy signs the request req makes with creds; then, if tamper is set, changes it.
func signedBy(creds acl.Credentials, req func(*side) *remoting.Command, tamper func(*remoting.Command)) func(*side) *remoting.Command {
	return func(s *side) *remoting.Command {
		c := req(s)
		creds.Sign(c)
		if tamper != nil {
			tamper(c)
		}
		return c
	}
}

func aclCases() []diffCase {
	on := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	heartbeat := func(group, topic string) func(*side) *remoting.Command {
		return func(*side) *remoting.Command {
			hb := &protocol.HeartbeatData{ClientID: diffClientID, ConsumerDataSet: []protocol.ConsumerData{{
				GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
				ConsumeFromWhere: protocol.ConsumeFromLastOffset,
				SubscriptionDataSet: []protocol.SubscriptionData{{
					Topic: topic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag,
				}},
			}}}
			return remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
		}
	}
	pull := func(group, topic string) func(*side) *remoting.Command {
		return on(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
			ConsumerGroup: group, Topic: topic, QueueID: 0, QueueOffset: 0, MaxMsgNums: 32,
			SysFlag: protocol.PullSysFlagSubscription, Subscription: "*", ExpressionType: protocol.ExpressionTypeTag,
		})
	}
	createTopic := on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
		Topic: "topicZ", DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 4, WriteQueueNums: 4,
		Perm: 6, TopicFilterType: protocol.SingleTag,
	})
	uniqueKeyQuery := func(*side) *remoting.Command {
		c := protocol.RequestWithHeader(remoting.CodeQueryMessage, protocol.QueryMessageRequestHeader{
			Topic: "topicB", Key: "K1", MaxNum: 32, BeginTimestamp: 0, EndTimestamp: time.Now().UnixMilli(),
		}, nil)
		c.SetExt("_UNIQUE_KEY_QUERY", "true")
		return c
	}
	send := func(topic string) func(*side) *remoting.Command {
		return sendReq(remoting.CodeSendMessageV2, topic, 0, []byte("acl"))
	}
	return []diffCase{
		{name: "unsigned send", code: remoting.CodeSendMessageV2, target: brokerA, req: send("topicB")},
		{name: "unsigned send, binary header", code: remoting.CodeSendMessageV2, target: brokerA, req: binaryHeader(send("topicB"))},
		{name: "unknown account", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(acl.Credentials{AccessKey: "stranger", SecretKey: "12345678"}, send("topicB"), nil)},
		{name: "wrong secret", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "87654321"}, send("topicB"), nil)},
		{name: "body changed after signing", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(diffUser, send("topicB"), func(c *remoting.Command) { c.Body = []byte("changed") })},
		{name: "denied topic", code: remoting.CodeSendMessageV2, target: brokerA, req: signedBy(diffUser, send("topicA"), nil)},
		{name: "subscribe-only topic", code: remoting.CodeSendMessageV2, target: brokerA, req: signedBy(diffUser, send("topicC"), nil)},
		{name: "topic left to the default", code: remoting.CodeSendMessageV2, target: brokerA, req: signedBy(diffUser, send("other"), nil)},
		{name: "allowed send", code: remoting.CodeSendMessageV2, target: brokerA, req: signedBy(diffUser, send("topicB"), nil), norm: normMsgID},
		{name: "allowed send, binary header", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(diffUser, binaryHeader(sendReq(remoting.CodeSendMessageV2, "topicB", 1, []byte("bin"))), nil), norm: normMsgID},
		{name: "heartbeat subscribing a denied topic", code: remoting.CodeHeartBeat, target: brokerA,
			req: signedBy(diffUser, heartbeat("groupB", "topicA"), nil)},
		{name: "heartbeat of a denied group", code: remoting.CodeHeartBeat, target: brokerA,
			req: signedBy(diffUser, heartbeat("groupA", "topicC"), nil)},
		{name: "allowed heartbeat", code: remoting.CodeHeartBeat, target: brokerA, req: signedBy(diffUser, heartbeat("groupC", "topicC"), nil)},
		{name: "pull in a denied group", code: remoting.CodePullMessage, target: brokerA, req: signedBy(diffUser, pull("groupA", "topicC"), nil)},
		{name: "create a topic without admin", code: remoting.CodeUpdateAndCreateTopic, target: brokerA, req: signedBy(diffUser, createTopic, nil)},
		{name: "signed unique-key query", code: remoting.CodeQueryMessage, target: brokerA, req: signedBy(diffUser, uniqueKeyQuery, nil)},
		{name: "send v1 to a denied topic", code: remoting.CodeSendMessage, target: brokerA,
			req: signedBy(diffUser, sendReq(remoting.CodeSendMessage, "topicA", 0, []byte("v1")), nil)},
		{name: "batch to a denied topic: 4.9.7 checks no topic for 320", code: remoting.CodeSendBatchMessage, target: brokerA,
			req: signedBy(diffUser, batchReq("topicA", 0), nil), norm: normMsgID},
		{name: "send back in a denied group", code: remoting.CodeConsumerSendMsgBack, target: brokerA,
			req: signedBy(diffUser, on(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
				Offset: 0, Group: "groupA", DelayLevel: 0, OriginTopic: "topicB"}), nil)},
		{name: "an admin from outside its white address creates a topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: signedBy(diffAdmin, createTopic, nil)},
		{name: "unsigned unknown code", code: 9999, target: brokerA,
			req: func(*side) *remoting.Command { return remoting.NewRequest(9999, map[string]string{"x": "y"}, nil) }},
		{name: "unsigned route query to the name server", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq("topicB")},
	}
}

// aclAdminCases are the ACL admin codes (50 to 54), in an order that builds on itself: each
// change is read back with GET_BROKER_CLUSTER_ACL_CONFIG and GET_BROKER_CLUSTER_ACL_INFO, and
// what it changed is tried with a send. 4.9.7 lets any signed account send them (they are not
// admin codes). Global white addresses are changed only to one no test connects from: the
// real broker applies them when its file watcher reloads, not at once.
func aclAdminCases() []diffCase {
	on := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	bare := func(code int32) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return remoting.NewRequest(code, nil, nil) }
	}
	newUser := acl.Credentials{AccessKey: "newuser1", SecretKey: "secret123"}
	send := func(topic string) func(*side) *remoting.Command {
		return sendReq(remoting.CodeSendMessageV2, topic, 0, []byte("acl admin"))
	}
	getConfig := func(name string) diffCase {
		return diffCase{name: name, code: remoting.CodeGetBrokerClusterACLConfig, target: brokerA,
			req: signedBy(diffUser, bare(remoting.CodeGetBrokerClusterACLConfig), nil)}
	}
	// The version header trails the file's until the real broker's watcher has reloaded it.
	version := func(name string) diffCase {
		return diffCase{name: name, code: remoting.CodeGetBrokerClusterACLInfo, target: brokerA,
			req: signedBy(diffUser, bare(remoting.CodeGetBrokerClusterACLInfo), nil), norm: normACLVersion,
			settled: func(c *remoting.Command) bool {
				m := aclCounter.FindAllStringSubmatch(c.ExtFields[protocol.FieldVersion]+c.ExtFields[protocol.FieldAllACLFileVersion], -1)
				return len(m) == 2 && m[0][1] == m[1][1]
			}}
	}
	update := func(h protocol.CreateAccessConfigRequestHeader) func(*side) *remoting.Command {
		return signedBy(diffUser, on(remoting.CodeUpdateAndCreateACLConfig, h), nil)
	}
	return []diffCase{
		getConfig("the config as loaded"),
		version("the version as loaded"),
		{name: "unsigned config read", code: remoting.CodeGetBrokerClusterACLConfig, target: brokerA,
			req: bare(remoting.CodeGetBrokerClusterACLConfig)},
		{name: "create with a short secret", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: update(protocol.CreateAccessConfigRequestHeader{AccessKey: "newuser1", SecretKey: "123"})},
		{name: "create without a secret", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: update(protocol.CreateAccessConfigRequestHeader{AccessKey: "newuser1"})},
		{name: "create with an unknown permission", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: update(protocol.CreateAccessConfigRequestHeader{AccessKey: "newuser1", SecretKey: "secret123", TopicPerms: "topicB=ALL"})},
		{name: "create with a permission without =", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: update(protocol.CreateAccessConfigRequestHeader{AccessKey: "newuser1", SecretKey: "secret123", GroupPerms: "groupB"})},
		// A create that fails on its white address leaves its key half-made in 4.9.7.
		{name: "create with a bad white address", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req:   update(protocol.CreateAccessConfigRequestHeader{AccessKey: "halfmade", SecretKey: "secret123", WhiteRemoteAddress: "not-an-ip"}),
			known: []fieldDiff{{field: "remark", fake: "Netaddress examine Exception: netaddress is not-an-ip", real: "Index 1 out of bounds for length 1"}}},
		{name: "send by the half-made account", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(acl.Credentials{AccessKey: "halfmade", SecretKey: "secret123"}, send("topicB"), nil)},
		{name: "create the half-made account again: nothing changes", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: update(protocol.CreateAccessConfigRequestHeader{AccessKey: "halfmade", SecretKey: "secret123"})},
		{name: "delete the half-made account", code: remoting.CodeDeleteACLConfig, target: brokerA,
			req: signedBy(diffUser, on(remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: "halfmade"}), nil)},
		getConfig("the config without the half-made account"),
		{name: "send by an account not yet created", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(newUser, send("topicB"), nil)},
		{name: "create an account, binary header", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: signedBy(diffUser, binaryHeader(on(remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
				AccessKey: "newuser1", SecretKey: "secret123", DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB",
				TopicPerms: "topicB=PUB,topicC=SUB,"})), nil)},
		{name: "send by the new account", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(newUser, send("topicB"), nil), norm: normMsgID},
		{name: "the new account's denied topic", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(newUser, send("topicC"), nil)},
		getConfig("the config with the new account"),
		version("the version after one change"),
		{name: "update an account: what is left out stays", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: update(protocol.CreateAccessConfigRequestHeader{AccessKey: "RocketMQ", SecretKey: "12345678", TopicPerms: "topicA=PUB"})},
		{name: "send to the topic the update opened", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(diffUser, send("topicA"), nil), norm: normMsgID},
		getConfig("the config with the updated account last"),
		{name: "delete the new account", code: remoting.CodeDeleteACLConfig, target: brokerA,
			req: signedBy(diffUser, on(remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: "newuser1"}), nil)},
		{name: "send by the deleted account", code: remoting.CodeSendMessageV2, target: brokerA,
			req: signedBy(newUser, send("topicB"), nil)},
		{name: "delete it again", code: remoting.CodeDeleteACLConfig, target: brokerA,
			req: signedBy(diffUser, on(remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: "newuser1"}), nil)},
		{name: "delete without an access key", code: remoting.CodeDeleteACLConfig, target: brokerA,
			req: signedBy(diffUser, bare(remoting.CodeDeleteACLConfig), nil)},
		{name: "global white addresses", code: remoting.CodeUpdateGlobalWhiteAddrsConfig, target: brokerA,
			req: signedBy(diffUser, on(remoting.CodeUpdateGlobalWhiteAddrsConfig, protocol.UpdateGlobalWhiteAddrsConfigRequestHeader{
				GlobalWhiteAddrs: "10.9.8.7,10.9.9.*"}), nil)},
		{name: "global white addresses in a file that is not there", code: remoting.CodeUpdateGlobalWhiteAddrsConfig, target: brokerA,
			req: signedBy(diffUser, on(remoting.CodeUpdateGlobalWhiteAddrsConfig, protocol.UpdateGlobalWhiteAddrsConfigRequestHeader{
				GlobalWhiteAddrs: "10.9.8.7", ACLFileFullPath: "/nonexistent/plain_acl.yml"}), nil)},
		{name: "global white addresses left out", code: remoting.CodeUpdateGlobalWhiteAddrsConfig, target: brokerA,
			req: signedBy(diffUser, bare(remoting.CodeUpdateGlobalWhiteAddrsConfig), nil)},
		getConfig("the config after every change"),
		version("the version after five changes"),
	}
}

var (
	aclCounter   = regexp.MustCompile(`"counter":(\d+)`)
	aclTimestamp = regexp.MustCompile(`"timestamp":\d+`)
	aclFilePath  = regexp.MustCompile(`\{"[^"]*":\{`)
)

// normACLVersion replaces the times of the ACL file versions by <ts> and the file's path (the
// real broker's ROCKETMQ_HOME) by <file>.
func normACLVersion(_ *side, a *answer) {
	for _, k := range []string{protocol.FieldVersion, protocol.FieldAllACLFileVersion} {
		if v, ok := a.Ext[k]; ok {
			v = aclTimestamp.ReplaceAllString(v, `"timestamp":<ts>`)
			a.Ext[k] = aclFilePath.ReplaceAllString(v, `{"<file>":{`)
		}
	}
}

// aclReloadCases change the ACL files on disk of both sides (confs: each side's conf directory)
// and compare the answers once each side's file watcher has reloaded them: every case whose
// before changes a file repeats its request until the answer shows the change (the real
// broker looks every 5 s), then compares. Files are added under conf/acl, edited, broken, mended
// and removed, and an account of conf/acl is changed with the ACL admin codes.
func aclReloadCases(confs map[string]string) []diffCase {
	const teamYml = "acl/team.yml"
	const otherYml = "acl/more/other.yml"
	team := acl.Credentials{AccessKey: "teamuser1", SecretKey: "12345678"}
	other := acl.Credentials{AccessKey: "otheruser1", SecretKey: "12345678"}
	write := func(files map[string]string) func(*testing.T, context.Context, *side) {
		return func(t *testing.T, _ context.Context, s *side) {
			for name, body := range files {
				path := filepath.Join(confs[s.name], name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if body == "" {
					if err := os.Remove(path); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	accountYml := func(c acl.Credentials, extra string) string {
		return "accounts:\n  - accessKey: " + c.AccessKey + "\n    secretKey: '" + c.SecretKey + "'\n" + extra
	}
	send := func(by acl.Credentials, topic string) func(*side) *remoting.Command {
		return signedBy(by, sendReq(remoting.CodeSendMessageV2, topic, 0, []byte("reload")), nil)
	}
	ok := func(c *remoting.Command) bool { return c.Code == remoting.Success }
	refused := func(c *remoting.Command) bool { return c.Code == remoting.SystemError }
	const reload = 20 * time.Second // 5 s watcher interval, with room for a busy machine
	getConfig := func(name string) diffCase {
		return diffCase{name: name, code: remoting.CodeGetBrokerClusterACLConfig, target: brokerA,
			req: signedBy(diffUser, func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeGetBrokerClusterACLConfig, nil, nil)
			}, nil), norm: normACLAccountOrder}
	}
	return []diffCase{
		{name: "files added under conf/acl (one nested) load", code: remoting.CodeSendMessageV2, target: brokerA,
			before: write(map[string]string{
				teamYml:  accountYml(team, "    defaultTopicPerm: PUB\n"),
				otherYml: accountYml(other, "    defaultTopicPerm: PUB\n"),
			}),
			req: send(team, "topicB"), settled: ok, settleWithin: reload, norm: normSettledSend},
		{name: "the other added file's account", code: remoting.CodeSendMessageV2, target: brokerA,
			req: send(other, "topicB"), norm: normMsgID},
		getConfig("the config of every file"),
		{name: "the versions of every file", code: remoting.CodeGetBrokerClusterACLInfo, target: brokerA,
			req: signedBy(diffUser, func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeGetBrokerClusterACLInfo, nil, nil)
			}, nil), norm: normACLVersions},
		{name: "an edit of an added file", code: remoting.CodeSendMessageV2, target: brokerA,
			before: write(map[string]string{teamYml: accountYml(team, "    defaultTopicPerm: DENY\n")}),
			req:    send(team, "topicB"), settled: refused, settleWithin: reload},
		{name: "an admin update of an account of conf/acl", code: remoting.CodeUpdateAndCreateACLConfig, target: brokerA,
			req: signedBy(diffUser, func(*side) *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
					AccessKey: team.AccessKey, SecretKey: team.SecretKey, TopicPerms: "topicC=PUB"}, nil)
			}, nil)},
		{name: "send to the topic the update opened", code: remoting.CodeSendMessageV2, target: brokerA,
			req: send(team, "topicC"), norm: normMsgID},
		getConfig("the config with the account updated in its own file"),
		// The other file's edit shows when the watcher has been round; the broken file has
		// then failed to load and kept its last good config.
		{name: "a broken file beside an edited one", code: remoting.CodeSendMessageV2, target: brokerA,
			before: write(map[string]string{
				teamYml:  "accounts: [{accessKey: teamuser1, secretKey: '12345678'\n",
				otherYml: accountYml(other, "    defaultTopicPerm: DENY\n"),
			}),
			req: send(other, "topicB"), settled: refused, settleWithin: reload},
		{name: "the broken file's account as last loaded", code: remoting.CodeSendMessageV2, target: brokerA,
			req: send(team, "topicC"), norm: normMsgID},
		{name: "the broken file mended", code: remoting.CodeSendMessageV2, target: brokerA,
			before: write(map[string]string{teamYml: accountYml(team, "    defaultTopicPerm: PUB\n")}),
			req:    send(team, "topicB"), settled: ok, settleWithin: reload, norm: normSettledSend},
		{name: "a removed file's account", code: remoting.CodeSendMessageV2, target: brokerA,
			before: write(map[string]string{teamYml: ""}),
			req:    send(team, "topicB"), settled: refused, settleWithin: reload},
		getConfig("the config without the removed file"),
	}
}

var aclFileVersion = regexp.MustCompile(`"([^"]+)":(\{[^{}]*\})`)

// normACLVersions is normACLVersion for several files: each path is cut to its part from conf/
// on (the two sides' homes differ) and the files are sorted by it (fastjson writes Java's HashMap
// order, which depends on the whole path).
func normACLVersions(s *side, a *answer) {
	if v, ok := a.Ext[protocol.FieldAllACLFileVersion]; ok {
		var entries []string
		for _, m := range aclFileVersion.FindAllStringSubmatch(v, -1) {
			path := m[1]
			if i := strings.LastIndex(path, "/conf/"); i >= 0 {
				path = path[i+1:]
			}
			entries = append(entries, `"`+path+`":`+m[2])
		}
		sort.Strings(entries)
		a.Ext[protocol.FieldAllACLFileVersion] = "{" + strings.Join(entries, ",") + "}"
	}
	for _, k := range []string{protocol.FieldVersion, protocol.FieldAllACLFileVersion} {
		if v, ok := a.Ext[k]; ok {
			a.Ext[k] = aclTimestamp.ReplaceAllString(v, `"timestamp":<ts>`)
		}
	}
}

// normSettledSend is normMsgID for a send repeated until the server's reload shows: each try
// stores a message, so the queue offset counts the tries.
func normSettledSend(s *side, a *answer) {
	normMsgID(s, a)
	if _, ok := a.Ext["queueOffset"]; ok {
		a.Ext["queueOffset"] = "<tries>"
	}
}

// normACLAccountOrder sorts the accounts of GET_BROKER_CLUSTER_ACL_CONFIG's answer. 4.9.7 lists
// them file by file, the files of conf/acl in the order File.listFiles gives them (the file
// system's, which rocketsim does not reproduce: it sorts by name), plain_acl.yml last.
func normACLAccountOrder(_ *side, a *answer) {
	var body struct {
		GlobalWhiteAddrs   json.RawMessage   `json:"globalWhiteAddrs"`
		PlainAccessConfigs []json.RawMessage `json:"plainAccessConfigs"`
	}
	if err := json.Unmarshal([]byte(a.Body), &body); err != nil {
		return
	}
	accounts := make([]string, len(body.PlainAccessConfigs))
	for i, raw := range body.PlainAccessConfigs {
		accounts[i] = string(raw)
	}
	sort.Strings(accounts)
	a.Body = `{"globalWhiteAddrs":` + string(body.GlobalWhiteAddrs) + `,"plainAccessConfigs":[` + strings.Join(accounts, ",") + "]}"
}
