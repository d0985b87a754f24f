package acl

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is a plain_acl.yml: the addresses trusted without a signature and the accounts.
type Config struct {
	// GlobalWhiteRemoteAddresses pass every request from a matching address, signed or not.
	GlobalWhiteRemoteAddresses []string  `yaml:"globalWhiteRemoteAddresses"`
	Accounts                   []Account `yaml:"accounts"`
	// DataVersion is the file's version, which a 4.9.7 broker moves on at every change it
	// writes (Java keeps a one-element list).
	DataVersion []FileVersion `yaml:"dataVersion,omitempty"`
}

// FileVersion is one dataVersion entry of a plain_acl.yml (Java's DataVersion).
type FileVersion struct {
	Counter   int64 `yaml:"counter"`
	Timestamp int64 `yaml:"timestamp"`
}

// Account is one entry of a plain_acl.yml's accounts (Java's PlainAccessConfig). Empty fields
// are left out when a Store writes the file back, as Java leaves out its nulls.
type Account struct {
	AccessKey string `yaml:"accessKey"`
	SecretKey string `yaml:"secretKey"`
	// WhiteRemoteAddress passes this account's requests from a matching address without
	// checking their signature or permissions.
	WhiteRemoteAddress string `yaml:"whiteRemoteAddress,omitempty"`
	// Admin allows the admin codes (create and delete topics and groups, broker config); an admin
	// without topicPerms and groupPerms may do anything.
	Admin bool `yaml:"admin"`
	// DefaultTopicPerm and DefaultGroupPerm (PUB, SUB, PUB|SUB or DENY; anything else, or
	// nothing, is DENY) apply to topics and groups the lists below leave out.
	DefaultTopicPerm string   `yaml:"defaultTopicPerm,omitempty"`
	DefaultGroupPerm string   `yaml:"defaultGroupPerm,omitempty"`
	TopicPerms       []string `yaml:"topicPerms,omitempty"` // "topicA=PUB|SUB"
	GroupPerms       []string `yaml:"groupPerms,omitempty"` // "groupA=SUB"
}

// ParseConfig reads a plain_acl.yml. Keys Java ignores are ignored here too.
func ParseConfig(data []byte) (*Config, error) {
	var cfg Config
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("acl: plain_acl.yml: %w", err)
	}
	return &cfg, nil
}

// LoadConfig reads the plain_acl.yml at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("acl: %w", err)
	}
	return ParseConfig(data)
}

// minKeyLength is AclConstants.ACCESS_KEY_MIN_LENGTH and SECRET_KEY_MIN_LENGTH: a key must be
// longer than this.
const minKeyLength = 6

// Permission bits (Java's Permission).
const (
	PermDeny byte = 1
	PermAny  byte = 1 << 1
	PermPub  byte = 1 << 2
	PermSub  byte = 1 << 3
)

// ParsePermission is Permission.parsePermFromString: what it does not know is DENY.
func ParsePermission(s string) byte {
	switch strings.TrimSpace(s) {
	case "PUB":
		return PermPub
	case "SUB":
		return PermSub
	case "PUB|SUB", "SUB|PUB":
		return PermPub | PermSub
	}
	return PermDeny
}

// permitted is Permission.checkPermission.
func permitted(needed, owned byte) bool {
	if owned&PermDeny != 0 {
		return false
	}
	if needed&PermAny != 0 {
		return owned&(PermPub|PermSub) != 0
	}
	return needed&owned != 0
}

// account is an Account made ready for checks (Java's PlainAccessResource of a config entry).
type account struct {
	Account
	defaultTopic, defaultGroup byte
	perms                      map[string]byte // topics, and groups as their retry topics
	white                      addressMatcher
}

func newAccount(a Account) (*account, error) {
	if len(a.AccessKey) <= minKeyLength || len(a.SecretKey) <= minKeyLength {
		return nil, fmt.Errorf("acl: The accessKey=%s and secretKey=%s cannot be null and length should longer than 6",
			a.AccessKey, a.SecretKey)
	}
	acc := &account{Account: a, defaultTopic: ParsePermission(a.DefaultTopicPerm),
		defaultGroup: ParsePermission(a.DefaultGroupPerm)}
	for _, list := range []struct {
		entries []string
		kind    string
		prefix  string
	}{{a.GroupPerms, "group", retryTopicPrefix}, {a.TopicPerms, "topic", ""}} {
		for _, entry := range list.entries {
			// Java splits with StringUtils.split, which drops empty pieces.
			var items []string
			for p := range strings.SplitSeq(entry, "=") {
				if p != "" {
					items = append(items, p)
				}
			}
			if len(items) != 2 {
				return nil, fmt.Errorf("acl: Parse resource permission failed for %s:%s", list.kind, entry)
			}
			if acc.perms == nil {
				acc.perms = map[string]byte{}
			}
			acc.perms[list.prefix+strings.TrimSpace(items[0])] = ParsePermission(items[1])
		}
	}
	white, err := parseAddressMatcher(a.WhiteRemoteAddress)
	if err != nil {
		return nil, err
	}
	acc.white = white
	return acc, nil
}

var errBadAddress = errors.New("acl: Netaddress examine Exception")
