package fakebroker

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

var aclUser = acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}

// signedReq is a request with header h, signed by creds.
func signedReq(creds acl.Credentials, code int32, h protocol.Header) *remoting.Command {
	var req *remoting.Command
	if h == nil {
		req = remoting.NewRequest(code, nil, nil)
	} else {
		req = protocol.RequestWithHeader(code, h, nil)
	}
	creds.Sign(req)
	return req
}

func (r *rig) aclConfig() *protocol.ClusterACLConfig {
	r.t.Helper()
	resp := r.invoke(signedReq(aclUser, remoting.CodeGetBrokerClusterACLConfig, nil))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	cfg, err := protocol.DecodeClusterACLConfig(resp.Body)
	require.NoError(r.t, err)
	return cfg
}

func (r *rig) aclSend(creds acl.Credentials, topic string) *remoting.Command {
	r.t.Helper()
	req := sendReq(r.t, remoting.CodeSendMessageV2, sendHeader(topic, 0, nil), []byte("x"))
	creds.Sign(req)
	return r.invoke(req)
}

// The ACL admin codes change what the broker checks from the next request on, and read back
// what 4.9.7's file would hold: a new account is appended, an updated one keeps what the request
// left out and moves to the end, a deleted one is unknown at once, and every change moves the
// data version on.
func TestACLAdminCodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithACL(testValidator(t)), WithTopic("topicB", 4), WithTopic("topicD", 4))
		newUser := acl.Credentials{AccessKey: "newuser1", SecretKey: "secret123"}
		require.Contains(t, r.aclSend(newUser, "topicD").Remark, "No acl config for newuser1")

		create := signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: "newuser1", SecretKey: "secret123", DefaultTopicPerm: "DENY", TopicPerms: "topicD=PUB,"})
		create.SerializeType = remoting.SerializeRocketMQ
		resp := r.invoke(create)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, remoting.SerializeJSON, resp.SerializeType, "Java writes this SUCCESS itself, in JSON")
		require.Nil(t, resp.ExtFields)
		require.Equal(t, remoting.Success, r.aclSend(newUser, "topicD").Code)
		require.Contains(t, r.aclSend(newUser, "topicB").Remark, "No default permission for topic:topicB")

		// RocketMQ is updated: topicPerms replaced, the default group permission kept.
		resp = r.invoke(signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: "RocketMQ", SecretKey: "12345678", TopicPerms: "topicD=PUB"}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Contains(t, r.aclSend(aclUser, "topicB").Remark, "No default permission for topic:topicB")
		require.Equal(t, remoting.Success, r.aclSend(aclUser, "topicD").Code)

		want := &protocol.ClusterACLConfig{
			GlobalWhiteAddrs: []string{"10.10.103.*"},
			PlainAccessConfigs: []protocol.PlainAccessConfig{
				{AccessKey: "rocketmq2", SecretKey: "12345678", Admin: true},
				{AccessKey: "newuser1", SecretKey: "secret123", DefaultTopicPerm: "DENY", TopicPerms: []string{"topicD=PUB"}},
				{AccessKey: "RocketMQ", SecretKey: "12345678", DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB",
					TopicPerms: []string{"topicD=PUB"}},
			},
		}
		require.Empty(t, cmp.Diff(want, r.aclConfig()))

		resp = r.invoke(signedReq(aclUser, remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: "newuser1"}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Contains(t, r.aclSend(newUser, "topicD").Remark, "No acl config for newuser1")
		resp = r.invoke(signedReq(aclUser, remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: "newuser1"}))
		require.Equal(t, remoting.DeleteACLConfigFailed, resp.Code)
		require.Equal(t, "The accesskey[newuser1] corresponding to accessConfig has been deleted failed.", resp.Remark)

		resp = r.invoke(signedReq(aclUser, remoting.CodeUpdateGlobalWhiteAddrsConfig,
			protocol.UpdateGlobalWhiteAddrsConfigRequestHeader{GlobalWhiteAddrs: "10.9.8.7,10.9.9.*"}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, []string{"10.9.8.7", "10.9.9.*"}, r.aclConfig().GlobalWhiteAddrs)

		resp = r.invoke(signedReq(aclUser, remoting.CodeGetBrokerClusterACLInfo, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		h, err := protocol.DecodeGetBrokerACLConfigResponseHeader(resp.ExtFields)
		require.NoError(t, err)
		now := time.Now().UnixMilli()
		wantVer := `{"counter":4,"timestamp":` + strconv.FormatInt(now, 10) + `}`
		require.Equal(t, protocol.GetBrokerACLConfigResponseHeader{
			Version: wantVer, AllACLFileVersion: `{"conf/plain_acl.yml":` + wantVer + `}`,
			BrokerName: r.b.Name(), BrokerAddr: r.b.Addr(), ClusterName: r.b.Cluster(),
		}, h)
	})
}

// What 4.9.7 refuses to change, with its codes and words; nothing changes.
func TestACLAdminCodesRefused(t *testing.T) {
	for _, c := range []struct {
		name   string
		req    *remoting.Command
		code   int32
		remark string
	}{
		{"short secret", signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: "newuser1", SecretKey: "123"}), remoting.UpdateAndCreateACLConfigErr,
			"The accessKey=newuser1 and secretKey=123 cannot be null and length should longer than 6"},
		{"no header", signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, nil), remoting.UpdateAndCreateACLConfigErr,
			"The accessKey=null and secretKey=null cannot be null and length should longer than 6"},
		{"unknown permission", signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: "newuser1", SecretKey: "secret123", TopicPerms: "topicB=ALL"}), remoting.UpdateAndCreateACLConfigErr,
			"Parse resource permission error for topicB=ALL.\nThe expected permissions are 'SUB' or 'PUB' or 'SUB|PUB' or 'PUB|SUB'."},
		{"permission without =", signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: "newuser1", SecretKey: "secret123", GroupPerms: "groupB"}), remoting.UpdateAndCreateACLConfigErr,
			"Parse Resource format error for groupB.\nThe expected resource format is 'Res=Perm'. For example: topicA=SUB"},
		{"delete without a key", signedReq(aclUser, remoting.CodeDeleteACLConfig, nil), remoting.DeleteACLConfigFailed,
			"The accesskey[null] corresponding to accessConfig has been deleted failed."},
		{"white addresses left out", signedReq(aclUser, remoting.CodeUpdateGlobalWhiteAddrsConfig, nil), remoting.UpdateGlobalWhiteAddrsFail,
			"The globalWhiteAddresses[null] has been updated failed."},
		{"white addresses in another file", signedReq(aclUser, remoting.CodeUpdateGlobalWhiteAddrsConfig,
			protocol.UpdateGlobalWhiteAddrsConfigRequestHeader{GlobalWhiteAddrs: "10.9.8.7", ACLFileFullPath: "/elsewhere.yml"}),
			remoting.UpdateGlobalWhiteAddrsFail, "The globalWhiteAddresses[10.9.8.7] has been updated failed."},
		{"unsigned", remoting.NewRequest(remoting.CodeDeleteACLConfig, map[string]string{"accessKey": "RocketMQ"}, nil),
			remoting.SystemError, "org.apache.rocketmq.acl.common.AclException: No accessKey is configured, " +
				"org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:663)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, WithACL(testValidator(t)))
				before := r.aclConfig()
				resp := r.invoke(c.req)
				require.Equal(t, c.code, resp.Code, resp.Remark)
				require.Equal(t, c.remark, resp.Remark)
				require.Empty(t, cmp.Diff(before, r.aclConfig()))
			})
		})
	}
}

// Brokers made from one Validator keep a config each, as each 4.9.7 broker has its own file.
func TestACLAdminCodesPerBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := testValidator(t)
		r := newRig(t, WithACL(v))
		other := New(WithACL(v))
		resp := r.invoke(signedReq(aclUser, remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: "rocketmq2"}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Len(t, r.b.acl.Config().Accounts, 1)
		require.Len(t, other.acl.Config().Accounts, 2)
	})
}

// With WithACLFile the broker rewrites the file after a change, as 4.9.7 rewrites the
// plain_acl.yml it loaded, and a broker started from the rewritten file has the change; the
// global white addresses may name that file by its path.
func TestACLAdminCodesWriteBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "plain_acl.yml")
		require.NoError(t, os.WriteFile(path, []byte(testACL), 0o644))
		r := newRig(t, WithACL(testValidator(t)), WithACLFile(path))
		resp := r.invoke(signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: "newuser1", SecretKey: "secret123", Admin: true}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		resp = r.invoke(signedReq(aclUser, remoting.CodeUpdateGlobalWhiteAddrsConfig,
			protocol.UpdateGlobalWhiteAddrsConfigRequestHeader{GlobalWhiteAddrs: "10.9.8.7", ACLFileFullPath: path}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)

		cfg, err := acl.LoadConfig(path)
		require.NoError(t, err)
		require.Equal(t, []string{"10.9.8.7"}, cfg.GlobalWhiteRemoteAddresses)
		require.Equal(t, acl.Account{AccessKey: "newuser1", SecretKey: "secret123", Admin: true}, cfg.Accounts[2])
		require.Equal(t, int64(2), cfg.DataVersion[0].Counter)

		resp = r.invoke(signedReq(aclUser, remoting.CodeGetBrokerClusterACLInfo, nil))
		require.Contains(t, resp.ExtFields[protocol.FieldAllACLFileVersion], `{"`+path+`":{"counter":2,`)
	})
}

// A create that fails on its white address leaves the key half-made, as in 4.9.7 (checked by
// realrmq's TestDifferentialACL): requests signed with it fail with "No PlainAccessResource",
// creating it again succeeds and changes nothing, deleting it fails.
func TestACLAdminCodesHalfMadeAccount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithACL(testValidator(t)), WithTopic("topicB", 4))
		half := acl.Credentials{AccessKey: "halfmade", SecretKey: "secret123"}
		resp := r.invoke(signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: half.AccessKey, SecretKey: half.SecretKey, WhiteRemoteAddress: "not-an-ip"}))
		require.Equal(t, remoting.UpdateAndCreateACLConfigErr, resp.Code)
		require.Equal(t, "org.apache.rocketmq.acl.common.AclException: No PlainAccessResource for accessKey=halfmade, "+
			"org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:674)", r.aclSend(half, "topicB").Remark)

		before := r.aclConfig()
		resp = r.invoke(signedReq(aclUser, remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
			AccessKey: half.AccessKey, SecretKey: half.SecretKey}))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Empty(t, cmp.Diff(before, r.aclConfig()))
		require.Contains(t, r.aclSend(half, "topicB").Remark, "No PlainAccessResource")
		require.Equal(t, int64(1), r.b.acl.Version().Counter, "the file was rewritten all the same")

		resp = r.invoke(signedReq(aclUser, remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: half.AccessKey}))
		require.Equal(t, remoting.DeleteACLConfigFailed, resp.Code)
	})
}
