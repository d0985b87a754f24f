package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

const conformanceACL = `accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms: [AclOrders=PUB|SUB, AclClosed=SUB]
  - accessKey: rocketmq2
    secretKey: 12345678
    admin: true
`

// Our producer and push consumer with credentials against a real 4.9.7 broker with
// aclEnable=true: every request they send (route queries, heartbeats, sends, pulls, offsets)
// passes its PlainAccessValidator; without credentials, with a wrong secret, or to a topic the
// account may only read, the send comes back as the broker's SYSTEM_ERROR and its words.
func TestACLRealBroker(t *testing.T) {
	c := realrmq.Start(t, realrmq.WithACL([]byte(conformanceACL), acl.Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"}))
	createTopic(t, c, "AclOrders", 2)
	createTopic(t, c, "AclClosed", 2)
	creds := client.WithCredentials(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"})

	p := newProducer(t, c, unique("pg_acl"), creds, client.WithSendTimeout(5*time.Second))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for range 4 {
		_, err := p.Send(ctx, client.NewMessage("AclOrders", []byte("signed")))
		require.NoError(t, err)
	}
	got := newReceived()
	startPush(t, c, unique("cg_acl"), "AclOrders", "*", creds, concurrentInto(got, func() string { return "" }))
	require.Len(t, got.waitCount(t, 4), 4)

	for _, bad := range []struct {
		name   string
		opts   []client.Option
		topic  string
		remark string
	}{
		{"no credentials", nil, "AclOrders", "No accessKey is configured"},
		{"wrong secret", []client.Option{client.WithCredentials(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "wrong-secret"})}, "AclOrders",
			"Check signature failed for accessKey=RocketMQ"},
		{"subscribe-only topic", []client.Option{creds}, "AclClosed", "No default permission for topic:AclClosed"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			p := newProducer(t, c, unique("pg_acl"), append(bad.opts, client.WithRetries(0), client.WithSendTimeout(5*time.Second))...)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, err := p.Send(ctx, client.NewMessage(bad.topic, []byte("refused")))
			var be *client.BrokerError
			require.True(t, errors.As(err, &be), "%v", err)
			require.Equal(t, remoting.SystemError, be.Code)
			require.Contains(t, be.Remark, bad.remark)
		})
	}
}
