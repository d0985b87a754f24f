package acl_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
)

func newStore(t *testing.T, yml string, now func() time.Time) *acl.Store {
	t.Helper()
	cfg, err := acl.ParseConfig([]byte(yml))
	require.NoError(t, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(t, err)
	return acl.NewStore(v, "", now)
}

func ptr(s string) *string { return &s }

func signedSend(creds acl.Credentials, topic string) *remoting.Command {
	req := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"a": "g", "b": topic}, []byte("x"))
	creds.Sign(req)
	return req
}

// An update merges into the file's entry as Java's createAclAccessConfigMap does: what the
// request leaves out (nil) or sends empty where Java checks isEmpty stays; the entry moves last.
func TestStoreUpdateMerges(t *testing.T) {
	s := newStore(t, `accounts:
  - {accessKey: RocketMQ, secretKey: '12345678', whiteRemoteAddress: 10.1.1.1, defaultTopicPerm: PUB, defaultGroupPerm: SUB, topicPerms: [a=PUB], groupPerms: [g=SUB]}
  - {accessKey: other123, secretKey: '12345678'}
`, nil)
	require.NoError(t, s.UpdateAccount(acl.AccountUpdate{AccessKey: ptr("RocketMQ"), SecretKey: ptr("12345678"),
		DefaultTopicPerm: ptr(""), TopicPerms: []string{"b=SUB"}}))
	cfg := s.Config()
	require.Equal(t, []acl.Account{
		{AccessKey: "other123", SecretKey: "12345678"},
		{AccessKey: "RocketMQ", SecretKey: "12345678", WhiteRemoteAddress: "10.1.1.1", DefaultTopicPerm: "PUB",
			DefaultGroupPerm: "SUB", TopicPerms: []string{"b=SUB"}, GroupPerms: []string{"g=SUB"}},
	}, cfg.Accounts)
}

// Every change moves the version on from the load's (now, 0), or from the file's own.
func TestStoreVersion(t *testing.T) {
	clock := time.UnixMilli(1000)
	now := func() time.Time { return clock }
	s := newStore(t, "accounts: [{accessKey: RocketMQ, secretKey: '12345678'}]", now)
	require.Equal(t, acl.FileVersion{Counter: 0, Timestamp: 1000}, s.Version())
	clock = time.UnixMilli(2000)
	require.NoError(t, s.SetGlobalWhiteAddrs([]string{"10.0.0.1"}))
	require.Equal(t, acl.FileVersion{Counter: 1, Timestamp: 2000}, s.Version())
	ok, err := s.DeleteAccount("nobody12")
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, int64(1), s.Version().Counter, "a failed delete writes nothing")

	s = newStore(t, "dataVersion: [{counter: 7, timestamp: 5}]\naccounts: []", now)
	require.Equal(t, acl.FileVersion{Counter: 7, Timestamp: 5}, s.Version())
}

// 4.9.7 writes global white addresses without a look; its watcher then fails to load the file
// and the checks in force stay: the document changes, the Validator does not.
func TestStoreUnreadableWhiteAddressKeepsValidator(t *testing.T) {
	s := newStore(t, "accounts: [{accessKey: RocketMQ, secretKey: '12345678', topicPerms: [t=PUB]}]", nil)
	before := s.Validator()
	require.NoError(t, s.SetGlobalWhiteAddrs([]string{"10.*"}))
	require.Equal(t, []string{"10.*"}, s.Config().GlobalWhiteRemoteAddresses)
	require.NoError(t, s.Check(signedSend(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}, "t"), "10.0.0.1:5"))
	require.Error(t, s.Check(remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"b": "t"}, nil), "10.0.0.1:5"),
		"the unreadable address white-lists nobody")
	require.NotSame(t, before, s.Validator())

	require.NoError(t, s.SetGlobalWhiteAddrs([]string{"10.0.0.*"}))
	require.NoError(t, s.Check(remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"b": "t"}, nil), "10.0.0.1:5"),
		"a readable one counts from the next request")
}
