package fakebroker

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

const testACL = `
globalWhiteRemoteAddresses:
  - 10.10.103.*
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms: [topicA=DENY, topicB=PUB|SUB]
  - accessKey: rocketmq2
    secretKey: 12345678
    admin: true
`

func testValidator(t *testing.T) *acl.Validator {
	t.Helper()
	cfg, err := acl.ParseConfig([]byte(testACL))
	require.NoError(t, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(t, err)
	return v
}

// A broker with ACL answers what a 4.9.7 broker with aclEnable=true answers (the remarks are
// those acl's golden vectors hold from Java's validator), stores only what passes, and records
// the refusals in its history.
func TestACL(t *testing.T) {
	user := acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}
	const frame = ", org.apache.rocketmq.acl.plain.PlainPermissionManager."
	cases := []struct {
		name   string
		topic  string
		sign   func(*remoting.Command)
		code   int32
		remark string
	}{
		{"unsigned", "topicB", func(*remoting.Command) {}, remoting.SystemError,
			"org.apache.rocketmq.acl.common.AclException: No accessKey is configured" + frame + "validate(PlainPermissionManager.java:663)"},
		{"unknown account", "topicB", acl.Credentials{AccessKey: "stranger", SecretKey: "12345678"}.Sign, remoting.SystemError,
			"org.apache.rocketmq.acl.common.AclException: No acl config for stranger" + frame + "validate(PlainPermissionManager.java:667)"},
		{"wrong secret", "topicB", acl.Credentials{AccessKey: "RocketMQ", SecretKey: "87654321"}.Sign, remoting.SystemError,
			"org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=RocketMQ" + frame + "validate(PlainPermissionManager.java:683)"},
		{"body changed after signing", "topicB", func(req *remoting.Command) { user.Sign(req); req.Body = []byte("changed") }, remoting.SystemError,
			"org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=RocketMQ" + frame + "validate(PlainPermissionManager.java:683)"},
		{"denied topic", "topicA", user.Sign, remoting.SystemError,
			"org.apache.rocketmq.acl.common.AclException: No default permission for topic:topicA" + frame + "checkPerm(PlainPermissionManager.java:610)"},
		{"topic left to the default", "topicC", user.Sign, remoting.SystemError,
			"org.apache.rocketmq.acl.common.AclException: No default permission for topic:topicC" + frame + "checkPerm(PlainPermissionManager.java:605)"},
		{"allowed", "topicB", user.Sign, remoting.Success, ""},
		{"admin may do anything", "topicC", acl.Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"}.Sign, remoting.Success, ""},
	}
	for _, c := range cases {
		for _, st := range []remoting.SerializeType{remoting.SerializeJSON, remoting.SerializeRocketMQ} {
			t.Run(c.name+"/"+st.String(), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newRig(t, WithACL(testValidator(t)), WithTopic("topicA", 4), WithTopic("topicB", 4), WithTopic("topicC", 4))
					req := sendReq(t, remoting.CodeSendMessageV2, sendHeader(c.topic, 0, nil), []byte("hello"))
					req.SerializeType = st
					c.sign(req)
					resp := r.invoke(req)
					require.Equal(t, c.code, resp.Code, resp.Remark)
					if c.code != remoting.Success {
						require.Equal(t, c.remark, resp.Remark)
						require.Equal(t, remoting.SerializeJSON, resp.SerializeType, "Java answers an exception in JSON")
						require.Empty(t, r.b.Messages(c.topic))
					} else {
						require.Len(t, r.b.Messages(c.topic), 1)
					}
					sends := r.b.History().Requests(remoting.CodeSendMessageV2)
					require.Len(t, sends, 1)
					require.Equal(t, c.code, sends[0].ResponseCode, "the history records the answer")
				})
			})
		}
	}
}

// Codes no processor serves pass the hook too (Java's default processor has it), and the broker
// says aclEnable=true in its config.
func TestACLBeforeTheDefaultProcessorAndInConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithACL(testValidator(t)))
		resp := r.invoke(remoting.NewRequest(9999, map[string]string{"x": "y"}, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Contains(t, resp.Remark, "No accessKey is configured")

		signed := remoting.NewRequest(9999, map[string]string{"x": "y"}, nil)
		acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign(signed)
		require.Equal(t, remoting.RequestCodeNotSupported, r.invoke(signed).Code)

		cfg := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerConfig, nil, nil))
		require.Equal(t, remoting.SystemError, cfg.Code, "unsigned, even the config is refused")
		get := remoting.NewRequest(remoting.CodeGetBrokerConfig, nil, nil)
		acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign(get)
		cfg = r.invoke(get)
		require.Equal(t, remoting.Success, cfg.Code)
		require.Contains(t, string(cfg.Body), "aclEnable=true")
	})
}

// Without ACL nothing is checked, and the config says so.
func TestNoACLByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("topicA", 4))
		r.send(remoting.CodeSendMessageV2, "topicA", 0, "unsigned", nil)
		cfg := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerConfig, nil, nil))
		require.Contains(t, string(cfg.Body), "aclEnable=false")
	})
}

// A refused oneway request gets no answer (Java answers an exception only when the request is
// not oneway) and stores nothing; the VIP channel checks as the main port does.
func TestACLOnewayAndVIPChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithACL(testValidator(t)), WithVIPChannel(true), WithTopic("topicB", 4))
		req := sendReq(t, remoting.CodeSendMessageV2, sendHeader("topicB", 0, nil), []byte("oneway"))
		require.NoError(t, r.client.InvokeOneway(t.Context(), brokerAddr, req))
		synctest.Wait()
		sends := r.b.History().Requests(remoting.CodeSendMessageV2)
		require.Len(t, sends, 1)
		require.False(t, sends[0].Answered, "no answer to a oneway request")
		require.Empty(t, r.b.Messages("topicB"))

		vip := r.newClient()
		resp := remotingtest.Invoke(t, vip, "127.0.0.1:10909", sendReq(t, remoting.CodeSendMessageV2, sendHeader("topicB", 0, nil), []byte("vip")))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Contains(t, resp.Remark, "No accessKey is configured")
		signed := sendReq(t, remoting.CodeSendMessageV2, sendHeader("topicB", 0, nil), []byte("vip"))
		acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign(signed)
		require.Equal(t, remoting.Success, remotingtest.Invoke(t, vip, "127.0.0.1:10909", signed).Code)
	})
}
