package acl_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/acl"
)

// confDir lays out a 4.9.7 ROCKETMQ_HOME/conf: files maps paths under it to their content.
func confDir(t *testing.T, files map[string]string) acl.Layout {
	t.Helper()
	conf := t.TempDir()
	for name, body := range files {
		writeFile(t, filepath.Join(conf, name), body)
	}
	return acl.Layout{DefaultFile: filepath.Join(conf, "plain_acl.yml"), Dir: filepath.Join(conf, "acl")}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}

func account(key, secret, topicPerm string) string {
	return "accounts:\n  - {accessKey: " + key + ", secretKey: '" + secret + "', topicPerms: [" + topicPerm + "]}\n"
}

// refusal is what the store answers a signed send of topic by key: "" when it passes.
func refusal(s *acl.Store, key, secret, topic string) string {
	err := s.Check(signedSend(acl.Credentials{AccessKey: key, SecretKey: secret}, topic), "10.0.0.1:5")
	if err == nil {
		return ""
	}
	return err.Error()
}

// A broker loads conf/plain_acl.yml and every .yml and .yaml under conf/acl, subdirectories
// included; a key in two files belongs to the first loaded, and plain_acl.yml comes last.
func TestStoreLoadsEveryACLFile(t *testing.T) {
	layout := confDir(t, map[string]string{
		"plain_acl.yml":       account("defaultKey", "12345678", "t=PUB") + "  - {accessKey: twiceKey, secretKey: 'fromDefault'}\n",
		"acl/team.yml":        account("teamKey1", "12345678", "t=PUB") + "  - {accessKey: twiceKey, secretKey: 'fromTeam1', topicPerms: [t=PUB]}\n",
		"acl/sub/nested.yaml": account("nestedKey", "12345678", "t=PUB"),
		"acl/notes.txt":       account("txtKey12", "12345678", "t=PUB"),
	})
	s, err := acl.OpenStore(layout, acl.StoreOptions{})
	require.NoError(t, err)
	for _, key := range []string{"defaultKey", "teamKey1", "nestedKey"} {
		require.Empty(t, refusal(s, key, "12345678", "t"), key)
	}
	require.Contains(t, refusal(s, "txtKey12", "12345678", "t"), "No acl config for txtKey12")
	require.Empty(t, refusal(s, "twiceKey", "fromTeam1", "t"), "conf/acl's file wins over plain_acl.yml")
	require.Contains(t, refusal(s, "twiceKey", "fromDefault", "t"), "Check signature failed")
	require.Len(t, s.Versions(), 3)
}

// The watcher's round: an edited file counts from the next request, an added file's accounts
// are known, a broken file keeps its last good config (and says why in the log), a removed file's
// accounts go.
func TestStorePollReloadsChangedAddedBrokenRemovedFiles(t *testing.T) {
	layout := confDir(t, map[string]string{
		"plain_acl.yml": account("defaultKey", "12345678", "t=PUB"),
		"acl/team.yml":  account("teamKey1", "12345678", "t=PUB"),
	})
	var logs bytes.Buffer
	s, err := acl.OpenStore(layout, acl.StoreOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	team := filepath.Join(layout.Dir, "team.yml")

	writeFile(t, team, account("teamKey1", "12345678", "t=DENY"))
	require.Empty(t, refusal(s, "teamKey1", "12345678", "t"), "no change before the watcher looks")
	s.Poll()
	require.Contains(t, refusal(s, "teamKey1", "12345678", "t"), "No default permission for topic:t")

	added := filepath.Join(layout.Dir, "more", "added.yml")
	writeFile(t, added, account("addedKey", "12345678", "t=PUB"))
	s.Poll()
	require.Empty(t, refusal(s, "addedKey", "12345678", "t"))

	writeFile(t, team, "accounts: [{accessKey: teamKey1, secretKey: '12345678'\n")
	s.Poll()
	require.Contains(t, refusal(s, "teamKey1", "12345678", "t"), "No default permission for topic:t",
		"the broken file's last good config stays")
	require.Contains(t, logs.String(), "team.yml")
	require.Contains(t, logs.String(), "last good config stays")

	writeFile(t, team, account("teamKey1", "12345678", "t=PUB"))
	s.Poll()
	require.Empty(t, refusal(s, "teamKey1", "12345678", "t"), "the mended file loads")

	require.NoError(t, os.Remove(added))
	s.Poll()
	require.Contains(t, refusal(s, "addedKey", "12345678", "t"), "No acl config for addedKey")
}

// An account taken out of a file by an edit stays in the key table until the next full load, as
// in Java's load(path): its requests fail with "No PlainAccessResource".
func TestStoreEditedOutAccountIsKnownWithoutResource(t *testing.T) {
	layout := confDir(t, map[string]string{
		"plain_acl.yml": account("defaultKey", "12345678", "t=PUB") + "  - {accessKey: goneKey1, secretKey: '12345678'}\n",
	})
	s, err := acl.OpenStore(layout, acl.StoreOptions{})
	require.NoError(t, err)
	writeFile(t, layout.DefaultFile, account("defaultKey", "12345678", "t=PUB"))
	s.Poll()
	require.Contains(t, refusal(s, "goneKey1", "12345678", "t"), "No PlainAccessResource for accessKey=goneKey1")

	writeFile(t, filepath.Join(layout.Dir, "new.yml"), account("newKey12", "12345678", "t=PUB"))
	s.Poll() // one more file: everything loads afresh
	require.Contains(t, refusal(s, "goneKey1", "12345678", "t"), "No acl config for goneKey1")
}

// The admin codes write to the file that holds the account; a new account goes to plain_acl.yml.
func TestStoreChangesGoToTheAccountsFile(t *testing.T) {
	layout := confDir(t, map[string]string{
		"plain_acl.yml": account("defaultKey", "12345678", "t=PUB"),
		"acl/team.yml":  account("teamKey1", "12345678", "t=PUB"),
	})
	s, err := acl.OpenStore(layout, acl.StoreOptions{})
	require.NoError(t, err)
	team := filepath.Join(layout.Dir, "team.yml")
	require.NoError(t, s.UpdateAccount(acl.AccountUpdate{AccessKey: ptr("teamKey1"), SecretKey: ptr("87654321")}))
	require.NoError(t, s.UpdateAccount(acl.AccountUpdate{AccessKey: ptr("brandNew1"), SecretKey: ptr("12345678"),
		TopicPerms: []string{"t=PUB"}}))
	teamYml, err := os.ReadFile(team)
	require.NoError(t, err)
	defaultYml, err := os.ReadFile(layout.DefaultFile)
	require.NoError(t, err)
	require.Contains(t, string(teamYml), "87654321")
	require.NotContains(t, string(teamYml), "brandNew1")
	require.Contains(t, string(defaultYml), "brandNew1")
	require.Empty(t, refusal(s, "brandNew1", "12345678", "t"))
	require.Equal(t, int64(1), s.Versions()[team].Counter)

	ok, err := s.DeleteAccount("teamKey1")
	require.NoError(t, err)
	require.True(t, ok)
	teamYml, err = os.ReadFile(team)
	require.NoError(t, err)
	require.False(t, strings.Contains(string(teamYml), "teamKey1"))
	require.Contains(t, refusal(s, "teamKey1", "87654321", "t"), "No acl config for teamKey1")

	ok, err = s.SetGlobalWhiteAddrsIn(filepath.Join(t.TempDir(), "elsewhere.yml"), []string{"10.0.0.1"})
	require.NoError(t, err)
	require.False(t, ok, "only the ACL files can be written")
}

// Watch looks every interval, in virtual time here: a change is seen after one interval.
func TestStoreWatchPollsEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		layout := confDir(t, map[string]string{"plain_acl.yml": account("defaultKey", "12345678", "t=PUB")})
		s, err := acl.OpenStore(layout, acl.StoreOptions{})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); s.Watch(ctx, 500*time.Millisecond) }()

		writeFile(t, layout.DefaultFile, account("defaultKey", "12345678", "t=DENY"))
		time.Sleep(400 * time.Millisecond)
		synctest.Wait()
		require.Empty(t, refusal(s, "defaultKey", "12345678", "t"), "not before the interval")
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		require.Contains(t, refusal(s, "defaultKey", "12345678", "t"), "No default permission")
		cancel()
		<-done
	})
}
