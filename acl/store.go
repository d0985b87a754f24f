package acl

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rocketsim/rocketsim/remoting"
)

// Store is one broker's live plain ACL, as 4.9.7's PlainPermissionManager keeps it: the
// plain_acl.yml document the broker's ACL admin requests change, and the Validator that checks
// requests against it. A 4.9.7 broker rewrites the file and its file watcher reloads it; a Store
// rebuilds its Validator at once instead, so a change counts from the next request. A document
// the watcher could not load (a bad global white address: the broker writes it without a look)
// leaves the previous Validator in force, as the failed reload does in Java.
//
// With a path (NewStore's), every change is also written back to that file, as 4.9.7 rewrites
// the plain_acl.yml it loaded; without one the changes live in memory only.
type Store struct {
	path string
	now  func() time.Time

	mu     sync.Mutex
	doc    Config
	ver    FileVersion
	ghosts map[string]bool
	v      atomic.Pointer[Validator]
}

// NewStore starts a Store from v and the Config v was made from. path, if not empty, is the file
// changes are written back to. now is the clock of the data versions (time.Now if nil).
func NewStore(v *Validator, path string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{path: path, now: now, doc: v.cfg.clone(), ghosts: map[string]bool{}}
	// A file without a dataVersion gets a fresh one at load: now, counter 0.
	s.ver = FileVersion{Timestamp: now().UnixMilli()}
	if len(s.doc.DataVersion) > 0 {
		s.ver = s.doc.DataVersion[0]
	}
	s.v.Store(v)
	return s
}

// Validator is the Validator in force.
func (s *Store) Validator() *Validator { return s.v.Load() }

// Path is the file changes are written to, "" when they stay in memory.
func (s *Store) Path() string { return s.path }

// Config returns a copy of the document, as the broker's files hold it.
func (s *Store) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doc.clone()
}

// Version is the document's data version: (load time, 0) or the file's, moved on by each
// change.
func (s *Store) Version() FileVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ver
}

// AccountUpdate is UPDATE_AND_CREATE_ACL_CONFIG's account. A nil pointer or list is a field the
// request left out (Java's null): an update keeps what the document holds for it.
type AccountUpdate struct {
	AccessKey          *string
	SecretKey          *string
	WhiteRemoteAddress *string
	Admin              bool
	DefaultTopicPerm   *string
	DefaultGroupPerm   *string
	TopicPerms         []string
	GroupPerms         []string
}

// ChangeError is a change the broker refuses; Error is Java's AclException message, which the
// broker sends as the remark.
type ChangeError struct{ Msg string }

func (e *ChangeError) Error() string { return e.Msg }

func javaString(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// UpdateAccount is PlainPermissionManager.updateAccessConfig: the keys are checked, then the
// permission lists; a known account is merged with the request (fields left out keep their
// value) and moves to the end of the accounts, as Java removes and re-adds it; a new one is
// appended.
func (s *Store) UpdateAccount(u AccountUpdate) error {
	if u.AccessKey == nil || u.SecretKey == nil || len(*u.AccessKey) <= minKeyLength || len(*u.SecretKey) <= minKeyLength {
		return &ChangeError{fmt.Sprintf("The accessKey=%s and secretKey=%s cannot be null and length should longer than 6",
			javaString(u.AccessKey), javaString(u.SecretKey))}
	}
	key := *u.AccessKey
	for _, list := range [][]string{u.TopicPerms, u.GroupPerms} {
		if err := checkResourcePerms(list); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.doc.clone()
	if s.ghosts[key] {
		// Java finds the key in its table and the account nowhere: it rewrites the file as it
		// was, with a new version, and answers SUCCESS.
		return s.commit(doc)
	}
	acc := Account{}
	i := slices.IndexFunc(doc.Accounts, func(a Account) bool { return a.AccessKey == key })
	if i >= 0 {
		acc = doc.Accounts[i]
		doc.Accounts = slices.Delete(doc.Accounts, i, i+1)
	}
	// createAclAccessConfigMap: what the request carries replaces the entry's value.
	acc.AccessKey = key
	if *u.SecretKey != "" {
		acc.SecretKey = *u.SecretKey
	}
	if u.WhiteRemoteAddress != nil {
		acc.WhiteRemoteAddress = *u.WhiteRemoteAddress
	}
	acc.Admin = u.Admin
	if u.DefaultTopicPerm != nil && *u.DefaultTopicPerm != "" {
		acc.DefaultTopicPerm = *u.DefaultTopicPerm
	}
	if u.DefaultGroupPerm != nil && *u.DefaultGroupPerm != "" {
		acc.DefaultGroupPerm = *u.DefaultGroupPerm
	}
	if u.TopicPerms != nil {
		acc.TopicPerms = slices.Clone(u.TopicPerms)
	}
	if u.GroupPerms != nil {
		acc.GroupPerms = slices.Clone(u.GroupPerms)
	}
	// Java builds the account's checks before it writes the file: a white address it cannot
	// read fails the request and changes nothing in the file. For a new account Java has
	// already entered the key in its table, though: until the broker reloads every file, the
	// key is known without an account (requests signed with it fail with "No
	// PlainAccessResource", updates of it change nothing, deletes of it fail). Java's message
	// is the exception its address parser throws, which rocketsim words its own way.
	if _, err := newAccount(acc); err != nil {
		if i < 0 {
			s.ghosts[key] = true
			s.reload(doc)
		}
		return &ChangeError{strings.TrimPrefix(err.Error(), "acl: ")}
	}
	doc.Accounts = append(doc.Accounts, acc)
	return s.commit(doc)
}

// DeleteAccount is PlainPermissionManager.deleteAccessConfig: false when no account has the key
// (or the key is empty).
func (s *Store) DeleteAccount(accessKey string) (bool, error) {
	if accessKey == "" {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.doc.Accounts, func(a Account) bool { return a.AccessKey == accessKey })
	if i < 0 || s.ghosts[accessKey] {
		return false, nil
	}
	doc := s.doc.clone()
	doc.Accounts = slices.Delete(doc.Accounts, i, i+1)
	return true, s.commit(doc)
}

// SetGlobalWhiteAddrs is PlainPermissionManager.updateGlobalWhiteAddrsConfig on the default
// file: the list replaces globalWhiteRemoteAddresses as it is, unchecked.
func (s *Store) SetGlobalWhiteAddrs(addrs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.doc.clone()
	doc.GlobalWhiteRemoteAddresses = slices.Clone(addrs)
	return s.commit(doc)
}

// commit is AclUtils.writeDataObject after updateAclConfigFileVersion, then the watcher's
// reload. Called with s.mu held.
func (s *Store) commit(doc Config) error {
	ver := FileVersion{Counter: s.ver.Counter + 1, Timestamp: s.now().UnixMilli()}
	doc.DataVersion = []FileVersion{ver}
	if s.path != "" {
		data, err := yaml.Marshal(&doc)
		if err != nil {
			return &ChangeError{err.Error()}
		}
		if err := os.WriteFile(s.path, data, 0o644); err != nil {
			// Java's AclException(e.getMessage()) of the FileWriter's IOException.
			return &ChangeError{err.Error()}
		}
	}
	s.doc, s.ver = doc, ver
	s.reload(doc)
	return nil
}

// reload is the file watcher's load: a document it cannot read leaves the Validator in force.
func (s *Store) reload(doc Config) {
	v, err := NewValidator(&doc)
	if err != nil {
		old := *s.v.Load()
		v = &old
	}
	v.ghosts = maps.Clone(s.ghosts)
	s.v.Store(v)
}

// Check is the Validator in force's Check.
func (s *Store) Check(req *remoting.Command, remoteAddr string) error {
	return s.v.Load().Check(req, remoteAddr)
}

// checkResourcePerms is Permission.checkResourcePerms: every entry is "name=PERM" with a
// permission Java knows.
func checkResourcePerms(list []string) error {
	for _, res := range list {
		items := splitNonEmpty(res, "=")
		if len(items) != 2 {
			return &ChangeError{fmt.Sprintf("Parse Resource format error for %s.\n"+
				"The expected resource format is 'Res=Perm'. For example: topicA=SUB", res)}
		}
		perm := strings.TrimSpace(items[1])
		if perm != "DENY" && ParsePermission(perm) == PermDeny {
			return &ChangeError{fmt.Sprintf("Parse resource permission error for %s.\n"+
				"The expected permissions are 'SUB' or 'PUB' or 'SUB|PUB' or 'PUB|SUB'.", res)}
		}
	}
	return nil
}

func (c *Config) clone() Config {
	out := Config{
		GlobalWhiteRemoteAddresses: slices.Clone(c.GlobalWhiteRemoteAddresses),
		DataVersion:                slices.Clone(c.DataVersion),
	}
	for _, a := range c.Accounts {
		a.TopicPerms = slices.Clone(a.TopicPerms)
		a.GroupPerms = slices.Clone(a.GroupPerms)
		out.Accounts = append(out.Accounts, a)
	}
	return out
}
