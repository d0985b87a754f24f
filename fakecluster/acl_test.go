package fakecluster_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// With ACL on, the brokers refuse the cluster's own admin requests unless they are signed by an
// admin account; the name server checks nothing, as a 4.9.7 one does not.
func TestACLAdminCredentials(t *testing.T) {
	cfg, err := acl.ParseConfig([]byte(`
accounts:
  - {accessKey: operator1, secretKey: operator-secret, admin: true}
  - {accessKey: someUser1, secretKey: someUser-secret, defaultTopicPerm: PUB}
`))
	require.NoError(t, err)
	v, err := acl.NewValidator(cfg)
	require.NoError(t, err)
	for _, c := range []struct {
		name   string
		admin  acl.Credentials
		remark string
	}{
		{"admin", acl.Credentials{AccessKey: "operator1", SecretKey: "operator-secret"}, ""},
		{"not admin", acl.Credentials{AccessKey: "someUser1", SecretKey: "someUser-secret"}, "Need admin permission for request code=215"},
		{"unsigned", acl.Credentials{}, "No accessKey is configured"},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := remoting.NewMemNetwork()
				cl := fakecluster.Start(t, fakecluster.WithMemNetwork(mem), fakecluster.WithTopic("Orders", 4),
					fakecluster.WithACL(v, c.admin))
				err := cl.DeleteTopic(t.Context(), "Orders")
				if c.remark == "" {
					require.NoError(t, err)
					return
				}
				require.ErrorContains(t, err, c.remark)

				// The name server answers an unsigned route query.
				cli := remotingtest.NewClient(t, mem.Dial)
				resp := remotingtest.Invoke(t, cli, cl.NameServerAddr(),
					remoting.NewRequest(remoting.CodeGetRouteInfoByTopic, map[string]string{"topic": "Orders"}, nil))
				require.Equal(t, remoting.Success, resp.Code)
			})
		})
	}
}
