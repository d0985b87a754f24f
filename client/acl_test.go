package client

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

const clientACL = `
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms: [T=PUB|SUB, Closed=SUB]
`

func aclRig(t *testing.T) *rig {
	t.Helper()
	cfg, err := acl.ParseConfig([]byte(clientACL))
	require.NoError(t, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(t, err)
	return newRig(t, fakecluster.WithACL(v, acl.Credentials{}), fakecluster.WithTopic("T", 4), fakecluster.WithTopic("Closed", 4))
}

// With credentials, a producer and a push consumer work against brokers with ACL on: every
// request they send (heartbeats, sends, pulls, offsets) is signed as the broker checks it.
func TestCredentialsSignEveryRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := aclRig(t)
		creds := WithCredentials(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"})
		p := r.started(creds)
		sent := sendN(t, p, "T", "m", 10)
		k := newCollector()
		c := r.pushConsumer([]string{"T"}, creds, WithConcurrentListener(k.listener), WithConsumeFromWhere(ConsumeFromFirstOffset))
		require.NoError(t, c.Start())
		require.ElementsMatch(t, sent, bodies(k.take(t, 10, time.Minute)))

		for _, e := range r.broker("broker-a").History().Entries() {
			require.NotEqual(t, remoting.SystemError, e.ResponseCode, "broker-a refused %s: %s", remoting.RequestCodeName(e.Code), e.Remark)
		}
	})
}

// What the broker refuses comes back as its SYSTEM_ERROR with the validator's words: no
// credentials, wrong credentials, a topic the account may not publish to.
func TestCredentialsRefused(t *testing.T) {
	cases := []struct {
		name   string
		opts   []Option
		topic  string
		remark string
	}{
		{"no credentials", nil, "T", "No accessKey is configured"},
		{"wrong secret", []Option{WithCredentials(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "wrong-secret"})}, "T",
			"Check signature failed for accessKey=RocketMQ"},
		{"subscribe-only topic", []Option{WithCredentials(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"})}, "Closed",
			"No default permission for topic:Closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := aclRig(t)
				p := r.started(append(c.opts, WithRetries(0))...)
				_, err := p.Send(background, NewMessage(c.topic, []byte("x")))
				var be *BrokerError
				require.True(t, errors.As(err, &be), "%v", err)
				require.Equal(t, remoting.SystemError, be.Code)
				require.Contains(t, be.Remark, c.remark)
				require.Empty(t, r.c.Messages(c.topic))
			})
		})
	}
}
