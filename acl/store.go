package acl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rocketsim/rocketsim/remoting"
)

// Layout is where a 4.9.7 broker's PlainPermissionManager finds its ACL files:
// ROCKETMQ_HOME/conf/plain_acl.yml (DefaultFile) and every *.yml and *.yaml under
// ROCKETMQ_HOME/conf/acl, subdirectories included (Dir).
type Layout struct {
	DefaultFile string
	Dir         string // "" or missing: none
}

// StoreOptions are OpenStore's.
type StoreOptions struct {
	Now    func() time.Time // the clock of new data versions; time.Now if nil
	Logger *slog.Logger     // where failed loads are reported; slog.Default if nil
}

// fileState is one ACL file as the Store knows it.
type fileState struct {
	doc    Config      // the file's content, as last read or written
	empty  bool        // Java's "No data in file": skipped, no version
	ver    FileVersion // its data version
	global []addressMatcher
	// accounts are the accounts the last good load of the file gave the broker: an access key
	// another file claimed first is left out.
	accounts map[string]*account
}

// stamp is what the watcher remembers of a file.
type stamp struct {
	mtime time.Time
	size  int64
	sum   [sha256.Size]byte
}

// Store is one broker's live plain ACL, as 4.9.7's PlainPermissionManager keeps it: one state per
// ACL file, the table of which file holds each access key (Java's accessKeyTable: a key in two
// files belongs to the first loaded), and the Validator that checks requests against all of it.
//
// A 4.9.7 broker rewrites a file after an ACL admin request and its watcher reloads it; a Store
// reloads the file it wrote at once instead, so a change counts from the next request. A file
// that fails to load (a global white address the broker wrote without a look, a YAML error, a
// short key) leaves that file's last good state in force, as a failed reload does in Java.
//
// Poll (and Watch, which calls it every interval) is Java's AclFileWatchService: when the number
// of files changes every file is loaded afresh (Java's load()); otherwise each file whose
// modification time changed is loaded again on its own (Java's load(path)).
type Store struct {
	layout Layout // DefaultFile "": in memory only
	now    func() time.Time
	log    *slog.Logger

	mu       sync.Mutex
	order    []string // Java's fileList: the directory's files, then the default file
	files    map[string]*fileState
	keys     map[string]string // access key -> file
	seen     map[string]stamp
	watchNum int
	v        atomic.Pointer[Validator]
}

// NewStore starts a Store with one file, the Config v was made from. path, if not empty, is that
// file, which changes are written back to; "" keeps them in memory. now is the clock of the data
// versions (time.Now if nil).
func NewStore(v *Validator, path string, now func() time.Time) *Store {
	s := newStore(Layout{DefaultFile: path}, StoreOptions{Now: now})
	doc := v.cfg.clone()
	fs := s.build(doc)
	fs.global, fs.accounts = v.global, map[string]*account{}
	for key, acc := range v.accounts {
		s.keys[key] = path
		fs.accounts[key] = acc
	}
	s.order = []string{path}
	s.files[path] = fs
	s.v.Store(v)
	return s
}

func newStore(layout Layout, o StoreOptions) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Store{layout: layout, now: o.Now, log: o.Logger, files: map[string]*fileState{},
		keys: map[string]string{}, seen: map[string]stamp{}}
}

// OpenStore loads every file of layout as a starting 4.9.7 broker does (creating an empty
// DefaultFile when there is none): a file that fails to load fails the whole load.
func OpenStore(layout Layout, o StoreOptions) (*Store, error) {
	if layout.DefaultFile == "" {
		return nil, errors.New("acl: no plain_acl.yml")
	}
	s := newStore(layout, o)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadAll(); err != nil {
		return nil, err
	}
	list := s.list(true)
	s.watchNum = len(list)
	for _, p := range list {
		s.seen[p], _ = stampOf(p)
	}
	return s, nil
}

// list is getAllAclFiles of the directory, then the default file if it exists. Java takes the
// directory as File.listFiles gives it, an order the file system chooses; rocketsim sorts by
// name. Java's watcher leaves Dir/tools.yml out (forWatcher), its load() does not.
func (s *Store) list(forWatcher bool) []string {
	var out []string
	if s.layout.Dir != "" {
		var walk func(dir string)
		walk = func(dir string) {
			entries, err := os.ReadDir(dir)
			if err != nil {
				return
			}
			for _, e := range entries {
				p := filepath.Join(dir, e.Name())
				switch {
				case forWatcher && p == filepath.Join(s.layout.Dir, "tools.yml"):
				case strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml"):
					out = append(out, p)
				case e.IsDir():
					walk(p)
				}
			}
		}
		walk(s.layout.Dir)
	}
	if _, err := os.Stat(s.layout.DefaultFile); err == nil && !slices.Contains(out, s.layout.DefaultFile) {
		out = append(out, s.layout.DefaultFile)
	}
	return out
}

// readFile reads and parses one ACL file; empty reports Java's "No data in file".
func readFile(path string) (doc Config, empty bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, false, fmt.Errorf("acl: %w", err)
	}
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return Config{}, false, fmt.Errorf("acl: %s: %w", path, err)
	}
	if len(top) == 0 {
		return Config{}, true, nil
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, false, fmt.Errorf("acl: %s: %w", path, err)
	}
	return *cfg, false, nil
}

// build makes a file's state from its content without touching the Store; accounts holds every
// account in file order in fs.doc (duplicates resolved by the caller).
func (s *Store) build(doc Config) *fileState {
	fs := &fileState{doc: doc, ver: FileVersion{Timestamp: s.now().UnixMilli()}}
	if len(doc.DataVersion) > 0 {
		fs.ver = doc.DataVersion[0]
	}
	return fs
}

// compile checks a file's global white addresses and accounts as Java's load does, in its order.
func compile(doc Config) ([]addressMatcher, []*account, error) {
	var global []addressMatcher
	for _, spec := range doc.GlobalWhiteRemoteAddresses {
		m, err := parseAddressMatcher(spec)
		if err != nil {
			return nil, nil, err
		}
		global = append(global, m)
	}
	var accounts []*account
	for _, a := range doc.Accounts {
		acc, err := newAccount(a)
		if err != nil {
			return nil, nil, err
		}
		accounts = append(accounts, acc)
	}
	return global, accounts, nil
}

// loadAll is PlainPermissionManager.load(): every file afresh, an access key to the first file
// that has it. Any failure leaves everything as it was. Called with s.mu held.
func (s *Store) loadAll() error {
	if _, err := os.Stat(s.layout.DefaultFile); errors.Is(err, os.ErrNotExist) {
		// assureAclConfigFilesExist.
		if err := os.WriteFile(s.layout.DefaultFile, nil, 0o644); err != nil {
			return fmt.Errorf("acl: %w", err)
		}
	}
	order := s.list(false)
	files := map[string]*fileState{}
	keys := map[string]string{}
	for _, path := range order {
		doc, empty, err := readFile(path)
		if err != nil {
			return err
		}
		if empty {
			files[path] = &fileState{empty: true}
			continue
		}
		global, accounts, err := compile(doc)
		if err != nil {
			return fmt.Errorf("%w (in %s)", err, path)
		}
		fs := s.build(doc)
		fs.global, fs.accounts = global, map[string]*account{}
		for _, acc := range accounts {
			if other, dup := keys[acc.AccessKey]; dup {
				s.log.Warn("acl: access key repeated in several ACL files, the first keeps it",
					"accessKey", acc.AccessKey, "file", path, "first", other)
				continue
			}
			keys[acc.AccessKey] = path
			fs.accounts[acc.AccessKey] = acc
		}
		files[path] = fs
	}
	s.order, s.files, s.keys = order, files, keys
	s.publish()
	return nil
}

// loadFile is PlainPermissionManager.load(path): the file's global white addresses replace its
// old ones, its accounts replace its old ones except keys another file holds; keys it no longer
// has stay in the key table without an account (requests signed with them fail with "No
// PlainAccessResource") until the next full load. A file Java finds empty changes nothing.
// Called with s.mu held.
func (s *Store) loadFile(path string, doc Config, empty bool) error {
	if empty {
		return nil
	}
	global, accounts, err := compile(doc)
	if err != nil {
		return fmt.Errorf("%w (in %s)", err, path)
	}
	fs := s.build(doc)
	fs.global, fs.accounts = global, map[string]*account{}
	for _, acc := range accounts {
		if owner, ok := s.keys[acc.AccessKey]; !ok || owner == path {
			// Java puts each in turn: a key twice in the file ends with its last entry here.
			s.keys[acc.AccessKey] = path
			fs.accounts[acc.AccessKey] = acc
		}
	}
	if !slices.Contains(s.order, path) {
		s.order = append(s.order, path)
	}
	s.files[path] = fs
	s.publish()
	return nil
}

// publish makes the Validator of the current state. Called with s.mu held.
func (s *Store) publish() {
	v := &Validator{accounts: map[string]*account{}, ghosts: map[string]bool{}}
	for _, path := range s.order {
		if fs := s.files[path]; fs != nil {
			v.global = append(v.global, fs.global...)
		}
	}
	for key, path := range s.keys {
		if fs := s.files[path]; fs != nil && fs.accounts[key] != nil {
			v.accounts[key] = fs.accounts[key]
		} else {
			v.ghosts[key] = true
		}
	}
	v.cfg = s.mergedLocked()
	s.v.Store(v)
}

// Poll is one round of 4.9.7's AclFileWatchService: a change in the number of files loads them
// all again; otherwise each file whose modification time (or, in rocketsim, size or content)
// changed is loaded again. A load that fails is logged and leaves the last good state.
func (s *Store) Poll() {
	if s.layout.DefaultFile == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.list(true)
	if len(list) != s.watchNum {
		s.watchNum = len(list)
		s.seen = map[string]stamp{}
		for _, p := range list {
			s.seen[p], _ = stampOf(p)
		}
		if err := s.loadAll(); err != nil {
			s.log.Error("acl: reload of the ACL files failed, the last good config stays", "err", err)
		}
		return
	}
	for _, p := range list {
		st, err := stampOf(p)
		if err != nil || st == s.seen[p] {
			continue
		}
		s.seen[p] = st
		doc, empty, err := readFile(p)
		if err == nil {
			err = s.loadFile(p, doc, empty)
		}
		if err != nil {
			s.log.Error("acl: reload of an ACL file failed, its last good config stays", "file", p, "err", err)
		}
	}
}

// Watch polls every interval until ctx ends (Java's AclFileWatchService waits 5 s).
func (s *Store) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Poll()
		}
	}
}

// Watched reports whether the Store has files to watch.
func (s *Store) Watched() bool { return s.layout.DefaultFile != "" }

// DefaultWatchInterval is AclFileWatchService.WATCH_INTERVAL in 4.9.7.
const DefaultWatchInterval = 5 * time.Second

func stampOf(path string) (stamp, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return stamp{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	return stamp{mtime: fi.ModTime(), size: fi.Size(), sum: sha256.Sum256(data)}, nil
}

// Validator is the Validator in force.
func (s *Store) Validator() *Validator { return s.v.Load() }

// Path is the default file (plain_acl.yml), "" when changes stay in memory.
func (s *Store) Path() string { return s.layout.DefaultFile }

// Files are the ACL files loaded, in Java's order.
func (s *Store) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// Config is getAllAclConfig's view, as the files hold them: every file's global white
// addresses, and every file's accounts, in the files' order.
func (s *Store) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mergedLocked()
}

func (s *Store) mergedLocked() Config {
	var out Config
	for _, path := range s.order {
		fs := s.files[path]
		if fs == nil || fs.empty {
			continue
		}
		c := fs.doc.clone()
		out.GlobalWhiteRemoteAddresses = append(out.GlobalWhiteRemoteAddresses, c.GlobalWhiteRemoteAddresses...)
		out.Accounts = append(out.Accounts, c.Accounts...)
	}
	return out
}

// Version is the default file's data version: (load time, 0) or the file's, moved on by each
// change.
func (s *Store) Version() FileVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fs := s.files[s.layout.DefaultFile]; fs != nil && !fs.empty {
		return fs.ver
	}
	return FileVersion{Timestamp: s.now().UnixMilli()}
}

// Versions is each loaded file's data version (Java's dataVersionMap: files without data are
// left out).
func (s *Store) Versions() map[string]FileVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]FileVersion{}
	for path, fs := range s.files {
		if !fs.empty {
			out[path] = fs.ver
		}
	}
	return out
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
// permission lists. A known key's file is read again and its entry merged with the request
// (fields left out keep their value) and moved to the end of the accounts, as Java removes and
// re-adds it; a new key is appended to the default file.
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
	path, known := s.keys[key]
	if !known {
		path = s.layout.DefaultFile
	}
	doc, err := s.current(path)
	if err != nil {
		return err
	}
	acc := Account{}
	i := slices.IndexFunc(doc.Accounts, func(a Account) bool { return a.AccessKey == key })
	if known && i < 0 && doc.Accounts != nil {
		// Java finds the key in its table and not in its file: it rewrites the file as it was,
		// with a new version, and answers SUCCESS.
		return s.commit(path, doc)
	}
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
		if !known {
			s.keys[key] = path
			s.publish()
		}
		return &ChangeError{strings.TrimPrefix(err.Error(), "acl: ")}
	}
	doc.Accounts = append(doc.Accounts, acc)
	if !known {
		s.keys[key] = path
	}
	return s.commit(path, doc)
}

// DeleteAccount is PlainPermissionManager.deleteAccessConfig: false when no account has the key
// (or the key is empty), in the file the key table names.
func (s *Store) DeleteAccount(accessKey string) (bool, error) {
	if accessKey == "" {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	path, known := s.keys[accessKey]
	if !known {
		return false, nil
	}
	doc, err := s.current(path)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(doc.Accounts, func(a Account) bool { return a.AccessKey == accessKey })
	if i < 0 {
		return false, nil
	}
	doc.Accounts = slices.Delete(doc.Accounts, i, i+1)
	delete(s.keys, accessKey)
	return true, s.commit(path, doc)
}

// SetGlobalWhiteAddrs is PlainPermissionManager.updateGlobalWhiteAddrsConfig on the default
// file: the list replaces globalWhiteRemoteAddresses as it is, unchecked.
func (s *Store) SetGlobalWhiteAddrs(addrs []string) error {
	_, err := s.SetGlobalWhiteAddrsIn("", addrs)
	return err
}

// SetGlobalWhiteAddrsIn is updateGlobalWhiteAddrsConfig on the file at path ("" is the default
// file). false: path is none of the ACL files (Java takes any existing file under
// ROCKETMQ_HOME; rocketsim only the files it loaded).
func (s *Store) SetGlobalWhiteAddrsIn(path string, addrs []string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path == "" {
		path = s.layout.DefaultFile
	}
	if path != s.layout.DefaultFile && !slices.Contains(s.order, path) {
		return false, nil
	}
	doc, err := s.current(path)
	if err != nil {
		return false, err
	}
	doc.GlobalWhiteRemoteAddresses = slices.Clone(addrs)
	return true, s.commit(path, doc)
}

// current is the file's content as Java's AclUtils.getYamlDataObject reads it before a change:
// from disk when the Store has files, else the document in memory. Called with s.mu held.
func (s *Store) current(path string) (Config, error) {
	if s.layout.DefaultFile != "" {
		doc, _, err := readFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return Config{}, &ChangeError{strings.TrimPrefix(err.Error(), "acl: ")}
		}
		return doc, nil
	}
	if fs := s.files[path]; fs != nil {
		return fs.doc.clone(), nil
	}
	return Config{}, nil
}

// commit is AclUtils.writeDataObject after updateAclConfigFileVersion (the version the file
// holds, moved on), then the watcher's reload of that file. Called with s.mu held.
func (s *Store) commit(path string, doc Config) error {
	ver := FileVersion{Timestamp: s.now().UnixMilli()}
	if fs := s.files[path]; s.layout.DefaultFile == "" && fs != nil {
		ver.Counter = fs.ver.Counter + 1
	} else if len(doc.DataVersion) > 0 {
		ver.Counter = doc.DataVersion[0].Counter + 1
	} else {
		ver.Counter = 1
	}
	doc.DataVersion = []FileVersion{ver}
	if s.layout.DefaultFile != "" {
		data, err := yaml.Marshal(&doc)
		if err != nil {
			return &ChangeError{err.Error()}
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			// Java's AclException(e.getMessage()) of the FileWriter's IOException.
			return &ChangeError{err.Error()}
		}
	}
	if err := s.loadFile(path, doc, false); err != nil {
		// What the broker wrote does not load: the file holds it, the checks stay.
		s.log.Error("acl: reload of an ACL file failed, its last good config stays", "file", path, "err", err)
		fs := s.files[path]
		if fs == nil {
			fs = &fileState{accounts: map[string]*account{}}
			s.files[path] = fs
			s.order = append(s.order, path)
		}
		fs.doc, fs.ver, fs.empty = doc, ver, false
		s.publish()
	}
	return nil
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
