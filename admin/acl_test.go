package admin_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// What mqadmin's ACL subcommands ask a broker with aclEnable=true, signed by a non-admin
// account (4.9.7 does not make them admin codes).
func TestACLConfig(t *testing.T) {
	cfg, err := acl.ParseConfig([]byte("accounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', defaultTopicPerm: PUB}\n"))
	require.NoError(t, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(t, err)
	cl := fakecluster.Start(t, fakecluster.WithACL(v, acl.Credentials{}))
	a := brokerOf(t, cl, "broker-a").Addr()
	ctx := ctxFor(t)
	creds := acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}
	cli := remoting.NewClient(remoting.WithConnectTimeout(time.Second),
		remoting.WithRequestHook(func(_ string, req *remoting.Command) { creds.Sign(req) }))
	t.Cleanup(func() { _ = cli.Close() })

	var denied *admin.ServerError
	_, err = admin.ACLConfig(ctx, newClient(t), a)
	require.ErrorAs(t, err, &denied, "unsigned")
	require.Contains(t, denied.Remark, "No accessKey is configured")

	require.NoError(t, admin.UpdateACLConfig(ctx, cli, a, protocol.CreateAccessConfigRequestHeader{
		AccessKey: "newuser1", SecretKey: "secret123", TopicPerms: "T=PUB"}))
	require.NoError(t, admin.UpdateGlobalWhiteAddrs(ctx, cli, a, []string{"10.0.0.1", "10.0.1.*"}, ""))
	got, err := admin.ACLConfig(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, &protocol.ClusterACLConfig{GlobalWhiteAddrs: []string{"10.0.0.1", "10.0.1.*"}, PlainAccessConfigs: []protocol.PlainAccessConfig{
		{AccessKey: "RocketMQ", SecretKey: "12345678", DefaultTopicPerm: "PUB"},
		{AccessKey: "newuser1", SecretKey: "secret123", TopicPerms: []string{"T=PUB"}},
	}}, got)

	version, err := admin.ACLConfigVersion(ctx, cli, a)
	require.NoError(t, err)
	require.Equal(t, int64(2), version.Version.Counter)
	require.Equal(t, map[string]protocol.DataVersion{"conf/plain_acl.yml": version.Version}, version.Files)
	require.Equal(t, admin.ACLVersion{ClusterName: "DefaultCluster", BrokerName: "broker-a", BrokerAddr: a,
		Version: version.Version, Files: version.Files}, version)

	require.NoError(t, admin.DeleteACLConfig(ctx, cli, a, "newuser1"))
	err = admin.DeleteACLConfig(ctx, cli, a, "newuser1")
	require.ErrorAs(t, err, &denied)
	require.Equal(t, remoting.DeleteACLConfigFailed, denied.Code)
	err = admin.UpdateGlobalWhiteAddrs(ctx, cli, a, []string{"10.0.0.1"}, "/no/such/plain_acl.yml")
	require.ErrorAs(t, err, &denied)
	require.Equal(t, remoting.UpdateGlobalWhiteAddrsFail, denied.Code)
}
