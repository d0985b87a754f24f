package compat

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// compatACL lets RocketMQ publish and subscribe on the compat topic; everything else is denied.
const compatACL = `
accounts:
  - accessKey: RocketMQ
    secretKey: "12345678"
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms: [CompatTopic=PUB|SUB]
`

// startACLCluster is startCluster with ACL on every broker.
func startACLCluster(tb testing.TB) cluster {
	tb.Helper()
	cfg, err := acl.ParseConfig([]byte(compatACL))
	require.NoError(tb, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(tb, err)
	return fakecluster.Start(tb, fakecluster.WithBrokers(2), fakecluster.WithTopic(topic, topicQueues),
		fakecluster.WithAutoCreateTopic(true), fakecluster.WithACL(v, acl.Credentials{}))
}

// requireNoRefusals fails if any broker refused a request (SYSTEM_ERROR is how ACL refuses).
func requireNoRefusals(t *testing.T, c cluster) {
	t.Helper()
	for _, b := range c.Brokers() {
		for _, e := range b.History().Entries() {
			require.NotEqual(t, remoting.SystemError, e.ResponseCode, "%s refused %s: %s", b.Name(), remoting.RequestCodeName(e.Code), e.Remark)
			if e.Answered {
				require.NotEmpty(t, e.ExtFields[acl.FieldSignature], "%s reached %s unsigned", remoting.RequestCodeName(e.Code), b.Name())
			}
		}
	}
}

// The official Go client's credentials (primitive.Credentials) sign as the fake brokers check:
// a producer and a push consumer work; a wrong secret is refused with the broker's words.
func TestOfficialCredentials(t *testing.T) {
	c := startACLCluster(t)
	creds := primitive.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}
	p := newProducer(t, c, producer.WithCredentials(creds), producer.WithRetry(0))
	const n = 8
	for i := range n {
		_, err := p.SendSync(context.Background(), msgWith(i, fmt.Appendf(nil, "acl body %d", i)))
		require.NoError(t, err)
	}
	require.Len(t, c.Messages(topic), n)
	requireNoRefusals(t, c)

	wrong := newProducer(t, c, producer.WithCredentials(primitive.Credentials{AccessKey: "RocketMQ", SecretKey: "wrong-secret"}), producer.WithRetry(0))
	_, err := wrong.SendSync(context.Background(), msgWith(0, []byte("refused")))
	require.ErrorContains(t, err, "Check signature failed for accessKey=RocketMQ")
	require.Len(t, c.Messages(topic), n, "nothing refused is stored")
}

// Java's AclClientRPCHook (the peer with -Drocketsim.acl.*) against the fakes with ACL: its
// sync sends are stored, and every request its client sent carried a signature the brokers
// accepted. One JVM.
func TestJavaAclClientRPCHook(t *testing.T) {
	peer := requireJavaPeer(t)
	c := startACLCluster(t)
	group := uniqueName(t, "jpg")
	flags := []string{"-Drocketsim.acl.accessKey=RocketMQ", "-Drocketsim.acl.secretKey=12345678"}
	run := peer.run(t, flags, c.NameServerAddr(), "sync", topic, group, fmt.Sprint(javaPerOp))
	require.Len(t, linesOf(run.lines, "sync"), javaPerOp)
	require.Len(t, c.Messages(topic), javaPerOp)
	requireNoRefusals(t, c)
}
