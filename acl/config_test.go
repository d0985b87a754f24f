package acl_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml, err string
	}{
		{"short secret", "accounts:\n  - {accessKey: RocketMQ, secretKey: '123456'}", "length should longer than 6"},
		{"no access key", "accounts:\n  - {secretKey: '12345678'}", "cannot be null"},
		{"permission without =", "accounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', topicPerms: [topicA]}", "Parse resource permission failed for topic:topicA"},
		{"group permission with two =", "accounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', groupPerms: [g=SUB=PUB]}", "Parse resource permission failed for group:g=SUB=PUB"},
		{"bad white address", "accounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', whiteRemoteAddress: 'not-an-ip'}", "Netaddress"},
		{"bad global range", "globalWhiteRemoteAddresses: ['10.10.300-400.*']", "Netaddress"},
		{"range of too few octets", "globalWhiteRemoteAddresses: ['10.*']", "Netaddress"},
		{"not YAML", "accounts: [", "plain_acl.yml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := acl.ParseConfig([]byte(c.yaml))
			if err == nil {
				_, err = acl.NewValidator(cfg)
			}
			require.ErrorContains(t, err, c.err)
		})
	}
}

// Numbers in YAML are keys too: Java's fastjson turns the distribution's `secretKey: 12345678`
// into a string.
func TestConfigNumericSecret(t *testing.T) {
	cfg, err := acl.ParseConfig([]byte("accounts:\n  - accessKey: RocketMQ\n    secretKey: 12345678\n"))
	require.NoError(t, err)
	require.Equal(t, "12345678", cfg.Accounts[0].SecretKey)
}

func TestWhiteAddresses(t *testing.T) {
	for _, c := range []struct {
		spec   string
		in     []string
		notIn  []string
		global bool
	}{
		{spec: "*", in: []string{"1.2.3.4", "::1"}},
		{spec: "192.168.0.*", in: []string{"192.168.0.1", "192.168.0.255"}, notIn: []string{"192.168.1.1", "10.0.0.1"}},
		{spec: "192.168.1-3.*", in: []string{"192.168.2.9"}, notIn: []string{"192.168.4.9"}},
		{spec: "10.10.103.10-20", in: []string{"10.10.103.10", "10.10.103.20"}, notIn: []string{"10.10.103.9", "10.10.103.21"}},
		{spec: "192.168.1.{1,2}", in: []string{"192.168.1.1", "192.168.1.2"}, notIn: []string{"192.168.1.3"}},
		{spec: "1.1.1.1,2.2.2.2", in: []string{"2.2.2.2"}, notIn: []string{"3.3.3.3"}},
		{spec: "127.0.0.1", in: []string{"127.0.0.1"}, notIn: []string{"127.0.0.2"}},
		{spec: "", notIn: []string{"127.0.0.1"}},
		// IPv6, as a Java peer address is written (no brackets) and as Go writes one ([host]).
		{spec: "1050::5:600:300c:1-200", in: []string{"1050:0:0:0:5:600:300c:1", "[1050::5:600:300c:200]"},
			notIn: []string{"1050:0:0:0:5:600:300c:201", "[1050::5:600:300d:1]", "10.0.0.1"}},
		{spec: "::1", in: []string{"[::1]", "0:0:0:0:0:0:0:1"}, notIn: []string{"[::2]"}},
	} {
		t.Run(c.spec, func(t *testing.T) {
			v, err := acl.NewValidator(&acl.Config{GlobalWhiteRemoteAddresses: []string{c.spec}})
			require.NoError(t, err)
			unsigned := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"b": "T"}, nil)
			for _, host := range c.in {
				require.NoError(t, v.Check(unsigned, host+":1234"), host)
			}
			for _, host := range c.notIn {
				require.Error(t, v.Check(unsigned, host+":1234"), host)
			}
		})
	}
}

// An admin account with lists of its own is held to them and to its defaults (DENY when not
// given), as Java's checkPerm does; without lists it may do anything.
func TestAdminWithLists(t *testing.T) {
	creds := acl.Credentials{AccessKey: "adminKey", SecretKey: "adminSecret"}
	for _, c := range []struct {
		name    string
		account acl.Account
		denied  string
	}{
		{"no lists", acl.Account{Admin: true}, ""},
		{"lists", acl.Account{Admin: true, TopicPerms: []string{"open=PUB"}}, "No default permission for topic:closed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := c.account
			a.AccessKey, a.SecretKey = creds.AccessKey, creds.SecretKey
			v, err := acl.NewValidator(&acl.Config{Accounts: []acl.Account{a}})
			require.NoError(t, err)
			open := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"b": "open"}, nil)
			closed := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"b": "closed"}, nil)
			creds.Sign(open)
			creds.Sign(closed)
			require.NoError(t, v.Check(open, "127.0.0.1:1"))
			if c.denied == "" {
				require.NoError(t, v.Check(closed, "127.0.0.1:1"))
			} else {
				require.ErrorContains(t, v.Check(closed, "127.0.0.1:1"), c.denied)
			}
		})
	}
}

// FuzzACL reads any plain_acl.yml and checks any request against it: errors, never a panic.
func FuzzACL(f *testing.F) {
	f.Add([]byte("globalWhiteRemoteAddresses: ['10.10.103.*']\naccounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', topicPerms: [a=PUB]}"),
		int32(310), "b", "a", []byte("body"), "127.0.0.1:1")
	f.Add([]byte("accounts: [{accessKey: RocketMQ, secretKey: '12345678', whiteRemoteAddress: '1.2.3.{4,5}'}]"),
		int32(34), "AccessKey", "RocketMQ", []byte(`{"consumerDataSet":[{"groupName":"g"}]}`), "1.2.3.4:5")
	f.Fuzz(func(t *testing.T, yml []byte, code int32, key, value string, body []byte, remote string) {
		cfg, err := acl.ParseConfig(yml)
		if err != nil {
			return
		}
		v, err := acl.NewValidator(cfg)
		if err != nil {
			return
		}
		req := remoting.NewRequest(code, map[string]string{key: value}, body)
		_ = v.Check(req, remote)
		acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign(req)
		_ = v.Check(req, remote)
	})
}
