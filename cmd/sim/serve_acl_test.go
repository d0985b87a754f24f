package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// sim serve -acl FILE: the brokers refuse unsigned sends with the real broker's words and take
// signed ones; the name server answers anyone; the admin API's calls are signed by the file's
// admin account.
func TestServeACL(t *testing.T) {
	ready := startServe(t, "-topics", "Orders:2", "-acl", writeACL(t))
	require.NoError(t, askRoute(t, ready.NameSrv), "the name server checks nothing")
	requireACLOn(t, ready.Brokers[0].Addr)

	// The admin API asks the brokers over the wire, signed as rocketmq2: the broker's answer is
	// about the group, not the signature.
	resp, err := http.Get(ready.Admin + "/v1/groups/cg/status?topic=Orders")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.NotContains(t, string(body), "AclException")
	require.Contains(t, string(body), "Broker2Client.getConsumeStatus", "the request reached the broker's processor")
}

// sim serve -acl FILE writes the ACL admin codes' changes back to FILE, as a 4.9.7 broker
// rewrites the plain_acl.yml it loaded, and the change counts from the next request.
func TestServeACLWritesBack(t *testing.T) {
	file := writeACL(t)
	ready := startServe(t, "-topics", "Orders:2", "-acl", file)
	c := remoting.NewClient()
	defer c.Close()
	req := protocol.RequestWithHeader(remoting.CodeUpdateAndCreateACLConfig, protocol.CreateAccessConfigRequestHeader{
		AccessKey: "newuser1", SecretKey: "secret123", DefaultTopicPerm: "PUB"}, nil)
	acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign(req)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	resp, err := c.Invoke(ctx, ready.Brokers[0].Addr, req)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	cfg, err := acl.LoadConfig(file)
	require.NoError(t, err)
	require.Len(t, cfg.Accounts, 3)
	require.Equal(t, acl.Account{AccessKey: "newuser1", SecretKey: "secret123", DefaultTopicPerm: "PUB"}, cfg.Accounts[2])
	require.Equal(t, int64(1), cfg.DataVersion[0].Counter)
}

// writeACL writes a plain_acl.yml for the -acl tests and returns its path.
func writeACL(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "plain_acl.yml")
	require.NoError(t, os.WriteFile(file, []byte(`
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    defaultTopicPerm: PUB
  - accessKey: rocketmq2
    secretKey: 12345678
    admin: true
`), 0o600))
	return file
}

// requireACLOn checks that the broker at addr refuses an unsigned send with a real broker's
// words and stores a signed one.
func requireACLOn(t *testing.T, addr string) {
	t.Helper()
	c := remoting.NewClient()
	defer c.Close()
	send := func(sign func(*remoting.Command)) *remoting.Command {
		h := protocol.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "Orders", DefaultTopic: protocol.AutoCreateTopicKey,
			DefaultTopicQueueNums: 4, BornTimestamp: time.Now().UnixMilli()}
		hdr, err := h.HeaderFor(remoting.CodeSendMessageV2)
		require.NoError(t, err)
		req := protocol.RequestWithHeader(remoting.CodeSendMessageV2, hdr, []byte("hello"))
		sign(req)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := c.Invoke(ctx, addr, req)
		require.NoError(t, err)
		return resp
	}
	refused := send(func(*remoting.Command) {})
	require.Equal(t, remoting.SystemError, refused.Code)
	require.Contains(t, refused.Remark, "AclException: No accessKey is configured")
	stored := send(acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign)
	require.Equal(t, remoting.Success, stored.Code, stored.Remark)
}

// sim real -acl FILE: the real brokers run with aclEnable=true and the file.
func TestRealServersACL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts real RocketMQ 4.9.7 JVMs; run without -short")
	}
	if err := realrmq.Available(t.Context(), realrmq.DefaultVersion); err != nil {
		realrmq.SkipUnavailable(t, err)
		t.Fatal(err)
	}
	stdoutR, stdoutW := io.Pipe()
	stderr := newLockedWriter()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"real", "-acl", writeACL(t)}, stdoutW, stderr)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan(), "no ready line; stderr:\n%s", stderr.String())
	ready := decodeReady(t, lines.Text())
	requireACLOn(t, ready.Brokers[0].Addr)
	cancel()
	require.False(t, lines.Scan())
	require.Equal(t, 0, <-exit, stderr.String())
}

// A file a broker would not load is a usage error, before anything starts.
func TestACLBadFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain_acl.yml")
	require.NoError(t, os.WriteFile(file, []byte("accounts:\n  - {accessKey: short, secretKey: '1'}\n"), 0o600))
	for _, args := range [][]string{{"serve", "-namesrv", "127.0.0.1:0"}, {"real"}} {
		stderr := newLockedWriter()
		code := run(context.Background(), append(args, "-acl", file), ioDiscard{}, stderr)
		require.Equal(t, 2, code, args[0])
		require.Contains(t, stderr.String(), "length should longer than 6", args[0])
	}
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

// sim serve -acl CONF_DIR loads CONF_DIR/plain_acl.yml and the files under CONF_DIR/acl, and its
// brokers' watchers pick up an edit of one of them: the edit counts from a request after the
// next look (every 20 ms here; waited for with a deadline, not a fixed sleep).
func TestServeACLDirWatched(t *testing.T) {
	conf := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(conf, "plain_acl.yml"), []byte(`
accounts:
  - {accessKey: rocketmq2, secretKey: '12345678', admin: true}
`), 0o600))
	team := filepath.Join(conf, "acl", "team.yml")
	require.NoError(t, os.MkdirAll(filepath.Dir(team), 0o755))
	require.NoError(t, os.WriteFile(team, []byte("accounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', defaultTopicPerm: PUB}\n"), 0o600))
	ready := startServe(t, "-topics", "Orders:2", "-acl", conf, "-acl-watch", "20ms")
	requireACLOn(t, ready.Brokers[0].Addr)

	require.NoError(t, os.WriteFile(team, []byte("accounts:\n  - {accessKey: RocketMQ, secretKey: '12345678', defaultTopicPerm: DENY}\n"), 0o600))
	c := remoting.NewClient()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h := protocol.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "Orders", BornTimestamp: time.Now().UnixMilli()}
		hdr, err := h.HeaderFor(remoting.CodeSendMessageV2)
		require.NoError(t, err)
		req := protocol.RequestWithHeader(remoting.CodeSendMessageV2, hdr, []byte("hello"))
		acl.Credentials{AccessKey: "RocketMQ", SecretKey: "12345678"}.Sign(req)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		resp, err := c.Invoke(ctx, ready.Brokers[0].Addr, req)
		cancel()
		require.NoError(t, err)
		if resp.Code == remoting.SystemError {
			require.Contains(t, resp.Remark, "No default permission for topic:Orders")
			return
		}
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.True(t, time.Now().Before(deadline), "the edit was not picked up in 10 s")
		// Each round waits for the watcher's next look; the request itself is the poll.
		<-time.After(20 * time.Millisecond)
	}
}
