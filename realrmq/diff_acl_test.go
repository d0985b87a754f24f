package realrmq

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
	cfg, err := acl.ParseConfig([]byte(diffACL))
	if err != nil {
		t.Fatal(err)
	}
	v, err := acl.NewValidator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := fakebroker.New(fakebroker.WithName(brokerA), fakebroker.WithNameServers(ns.Addr()), fakebroker.WithLogger(quiet), fakebroker.WithACL(v))
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
	for _, dc := range aclCases() {
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
