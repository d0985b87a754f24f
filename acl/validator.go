package acl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// retryTopicPrefix is MixAll.RETRY_GROUP_TOPIC_PREFIX: a group's permission is kept under its
// retry topic.
const retryTopicPrefix = "%RETRY%"

// adminCodes are Permission.ADMIN_CODE: only admin accounts may send them.
var adminCodes = map[int32]bool{
	remoting.CodeUpdateAndCreateTopic:             true,
	remoting.CodeUpdateBrokerConfig:               true,
	remoting.CodeDeleteTopicInBroker:              true,
	remoting.CodeUpdateAndCreateSubscriptionGroup: true,
	remoting.CodeDeleteSubscriptionGroup:          true,
}

// Validator checks requests against a Config as a 4.9.7 broker's PlainAccessValidator does. It
// is read-only once made, so one Validator serves any number of connections.
type Validator struct {
	cfg      Config // what it was made from, for a Store
	global   []addressMatcher
	accounts map[string]*account
	// ghosts are access keys 4.9.7 knows without an account: a create that failed on its white
	// address after it had entered the key in its table (see Store.UpdateAccount).
	ghosts map[string]bool
}

// NewValidator checks cfg as a broker does when it loads plain_acl.yml: every account needs an
// accessKey and a secretKey longer than 6 characters, permissions read "name=PERM", white
// addresses parse. The first account with an access key wins over later ones.
func NewValidator(cfg *Config) (*Validator, error) {
	v := &Validator{cfg: cfg.clone(), accounts: map[string]*account{}}
	for _, spec := range cfg.GlobalWhiteRemoteAddresses {
		m, err := parseAddressMatcher(spec)
		if err != nil {
			return nil, err
		}
		v.global = append(v.global, m)
	}
	for _, a := range cfg.Accounts {
		acc, err := newAccount(a)
		if err != nil {
			return nil, err
		}
		if _, dup := v.accounts[a.AccessKey]; !dup {
			v.accounts[a.AccessKey] = acc
		}
	}
	return v, nil
}

// Denied is a request the validator refuses. A 4.9.7 broker answers it SYSTEM_ERROR with
// Remark(): the AclException its RPC hook threw and where it was thrown.
type Denied struct {
	Reason string // the AclException's message
	frame  string // the top frame of its stack in the 4.9.7 jar
}

func (d *Denied) Error() string { return "acl: " + d.Reason }

// Remark is RemotingHelper.exceptionSimpleDesc of the broker's AclException.
func (d *Denied) Remark() string {
	if d.Reason == "" { // Java's Throwable.toString of an exception without a message
		return "org.apache.rocketmq.acl.common.AclException, " + d.frame
	}
	return "org.apache.rocketmq.acl.common.AclException: " + d.Reason + ", " + d.frame
}

// Where 4.9.7's PlainPermissionManager throws each refusal (the line numbers of its jar, as
// validate.json records them).
const (
	frameNoAccessKey = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:663)"
	frameNoAccount   = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:667)"
	frameNoResource  = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:674)"
	frameSignature   = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:683)"
	frameAdmin       = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:580)"
	frameDefaultPerm = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:605)"
	frameListedPerm  = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:610)"
	frameParse       = "org.apache.rocketmq.acl.plain.PlainAccessValidator.parse(PlainAccessValidator.java:134)"
)

// Check returns nil when the broker lets req through and a *Denied when it refuses it.
// remoteAddr is the peer's "host:port". The order is Java's: reading the request's resources,
// global white addresses, the access key, the account's white address, the signature, the trace
// topic, the permissions.
func (v *Validator) Check(req *remoting.Command, remoteAddr string) error {
	ext := req.ExtFields
	if ext == nil && req.Fields != nil {
		ext = map[string]string{}
		for _, f := range req.Fields {
			ext[f.Key] = f.Value
		}
	}
	// Java reads the resources first, in the RPC hook's parse, so a request it cannot read is
	// refused for that even from a white-listed address; a request without fields has none.
	var needed map[string]byte
	var order []string
	if len(ext) > 0 {
		var err error
		if needed, order, err = resources(req, ext); err != nil {
			return &Denied{Reason: err.Error(), frame: frameParse}
		}
	}
	host := remoteAddr
	if i := strings.LastIndexByte(remoteAddr, ':'); i >= 0 {
		host = remoteAddr[:i]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	for _, m := range v.global {
		if m(host) {
			return nil
		}
	}
	accessKey, signed := ext[FieldAccessKey]
	if !signed {
		return &Denied{Reason: "No accessKey is configured", frame: frameNoAccessKey}
	}
	acc, ok := v.accounts[accessKey]
	if !ok && v.ghosts[accessKey] {
		return &Denied{Reason: "No PlainAccessResource for accessKey=" + accessKey, frame: frameNoResource}
	}
	if !ok {
		return &Denied{Reason: "No acl config for " + accessKey, frame: frameNoAccount}
	}
	if acc.white(host) {
		return nil
	}
	content := Content(ext, req.Body, FieldSignature, uniqueKeyQueryFlag)
	if sig, ok := ext[FieldSignature]; !ok || sig != Signature(content, acc.SecretKey) {
		return &Denied{Reason: "Check signature failed for accessKey=" + accessKey, frame: frameSignature}
	}
	if perm, ok := needed[protocol.TraceTopic]; ok && perm == PermPub {
		return nil
	}
	return acc.checkPerm(req.Code, needed, order)
}

// checkPerm is PlainPermissionManager.checkPerm: admin codes need an admin; each resource needs
// its permission, from the account's lists or else its default for topics or groups. Resources
// are checked in the order Java's HashMap holds them, so the one named is Java's.
func (acc *account) checkPerm(code int32, needed map[string]byte, order []string) error {
	if adminCodes[code] && !acc.Admin {
		return &Denied{Reason: fmt.Sprintf("Need admin permission for request code=%d, but accessKey=%s is not",
			code, acc.AccessKey), frame: frameAdmin}
	}
	if len(needed) == 0 || (acc.perms == nil && acc.Admin) {
		return nil
	}
	for _, res := range order {
		isGroup := strings.HasPrefix(res, retryTopicPrefix)
		owned, listed := acc.perms[res]
		frame := frameListedPerm
		if !listed {
			owned, frame = acc.defaultTopic, frameDefaultPerm
			if isGroup {
				owned = acc.defaultGroup
			}
		}
		if !permitted(needed[res], owned) {
			name := "topic:" + res
			if isGroup {
				name = "group:" + strings.TrimPrefix(res, retryTopicPrefix)
			}
			return &Denied{Reason: "No default permission for " + name, frame: frame}
		}
	}
	return nil
}

// resources is the switch of PlainAccessValidator.parse: the topics and groups (as retry
// topics) a request touches and what it needs of each, with the keys in Java's HashMap order.
func resources(req *remoting.Command, ext map[string]string) (map[string]byte, []string, error) {
	needed := map[string]byte{}
	var inserted []string
	add := func(res string, perm byte, present bool) {
		if !present {
			return
		}
		if _, dup := needed[res]; !dup {
			inserted = append(inserted, res)
		}
		needed[res] = perm
	}
	field := func(k string) (string, bool) { v, ok := ext[k]; return v, ok }
	retryOf := func(k string) (string, bool) { v, ok := ext[k]; return retryTopicPrefix + v, ok }
	sendTo := func(topicKey, groupKey string) {
		if topic, ok := field(topicKey); ok && strings.HasPrefix(topic, retryTopicPrefix) {
			g, ok := retryOf(groupKey)
			add(g, PermSub, ok)
		} else {
			add(topic, PermPub, ok)
		}
	}
	switch req.Code {
	case remoting.CodeSendMessage:
		sendTo("topic", "group")
	case remoting.CodeSendMessageV2:
		sendTo("b", "a")
	case remoting.CodeConsumerSendMsgBack:
		g, ok := retryOf("group")
		add(g, PermSub, ok)
	case remoting.CodePullMessage:
		t, ok := field("topic")
		add(t, PermSub, ok)
		g, ok := retryOf("consumerGroup")
		add(g, PermSub, ok)
	case remoting.CodeQueryMessage:
		t, ok := field("topic")
		add(t, PermSub, ok)
	case remoting.CodeHeartBeat:
		if req.Body == nil { // Java's decode of a null body: a NullPointerException, no message
			return nil, nil, errors.New("")
		}
		hb, err := protocol.DecodeHeartbeatData(req.Body)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range hb.ConsumerDataSet {
			add(retryTopicPrefix+c.GroupName, PermSub, true)
			for _, s := range c.SubscriptionDataSet {
				add(s.Topic, PermSub, true)
			}
		}
	case remoting.CodeUnregisterClient:
		if err := required(ext, "clientID"); err != nil {
			return nil, nil, err
		}
		g, ok := retryOf("consumerGroup")
		add(g, PermSub, ok)
	case remoting.CodeGetConsumerListByGroup:
		if err := required(ext, "consumerGroup"); err != nil {
			return nil, nil, err
		}
		g, _ := retryOf("consumerGroup")
		add(g, PermSub, true)
	case remoting.CodeUpdateConsumerOffset:
		if err := required(ext, "consumerGroup", "topic", "queueId", "commitOffset"); err != nil {
			return nil, nil, err
		}
		g, _ := retryOf("consumerGroup")
		add(g, PermSub, true)
		t, _ := field("topic")
		add(t, PermSub, true)
	}
	javamap.Order(inserted)
	return needed, inserted, nil
}

// required is the null check of RemotingCommand.decodeCommandCustomHeader for the header fields
// Java declares @CFNotNull, in the order it declares them.
func required(ext map[string]string, names ...string) error {
	for _, n := range names {
		if _, ok := ext[n]; !ok {
			return errors.New("the custom field <" + n + "> is null")
		}
	}
	return nil
}
