package fakebroker

// acl.go is the broker with aclEnable=true: BrokerController.initialAcl registers
// PlainAccessValidator as an RPC hook before every processor (the default one included), and
// NettyRemotingAbstract answers what the hook throws with SYSTEM_ERROR and the exception's
// simple description. The checks themselves are acl.Validator's.

import (
	"context"
	"errors"
	"strings"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// aclInterceptor refuses what the validator refuses. It sits inside the history and the fault
// rules, so the history records the refusal and a fault still acts on what the client sent.
func aclInterceptor(v *acl.Store) remoting.Interceptor {
	return func(next remoting.Handler) remoting.Handler {
		return func(ctx context.Context, req *remoting.Request) *remoting.Command {
			err := v.Check(req.Command, remoteAddr(req))
			var denied *acl.Denied
			if !errors.As(err, &denied) {
				return next(ctx, req)
			}
			resp := remoting.NewResponse(req.Command, remoting.SystemError, denied.Remark())
			// Java's answer to an exception is made afresh, not from the request, so it goes out
			// in JSON whatever the request's serialize type.
			resp.SerializeType = remoting.SerializeJSON
			return resp
		}
	}
}

// The ACL admin codes (50 to 54) of AdminBrokerProcessor, served against the broker's live
// acl.Store. A 4.9.7 broker without aclEnable has no PlainAccessValidator and answers them with a
// NullPointerException; the fake leaves them to its default processor then (see DIFFERENCES.md).
func (b *Broker) aclHandlers() []handlerEntry {
	if b.acl == nil {
		return nil
	}
	return []handlerEntry{
		{remoting.CodeUpdateAndCreateACLConfig, b.handleUpdateACLConfig},
		{remoting.CodeDeleteACLConfig, b.handleDeleteACLConfig},
		{remoting.CodeGetBrokerClusterACLInfo, b.handleGetACLVersion},
		{remoting.CodeUpdateGlobalWhiteAddrsConfig, b.handleUpdateGlobalWhiteAddrs},
		{remoting.CodeGetBrokerClusterACLConfig, b.handleGetACLConfig},
	}
}

// aclWritten is the SUCCESS of 50, 51 and 53: Java writes it to the channel itself
// (ctx.writeAndFlush) instead of returning it, so it goes out in JSON whatever the request's
// serialize type, and without extFields.
func aclWritten(req *remoting.Command) *remoting.Command {
	resp := answer(req, remoting.Success, "")
	resp.SerializeType = remoting.SerializeJSON
	return resp
}

// optional is a header field that Java reads as null when it is absent.
func optional(ext map[string]string, key string) *string {
	v, ok := ext[key]
	if !ok {
		return nil
	}
	return &v
}

// utilSplit is UtilAll.split(s, ","): Java's String.split, nil for null.
func utilSplit(s *string) []string {
	if s == nil {
		return nil
	}
	return javaSplit(*s, ",")
}

// handleUpdateACLConfig is updateAndCreateAccessConfig. Java's reflective header decoder leaves
// a missing field null instead of failing, so even accessKey's absence reaches the checks.
func (b *Broker) handleUpdateACLConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	ext := req.Command.ExtFields
	u := acl.AccountUpdate{
		AccessKey:          optional(ext, protocol.FieldAccessKey),
		SecretKey:          optional(ext, protocol.FieldSecretKey),
		WhiteRemoteAddress: optional(ext, protocol.FieldWhiteRemoteAddress),
		Admin:              strings.EqualFold(ext[protocol.FieldAdmin], "true"),
		DefaultTopicPerm:   optional(ext, protocol.FieldDefaultTopicPerm),
		DefaultGroupPerm:   optional(ext, protocol.FieldDefaultGroupPerm),
		TopicPerms:         utilSplit(optional(ext, protocol.FieldTopicPerms)),
		GroupPerms:         utilSplit(optional(ext, protocol.FieldGroupPerms)),
	}
	if err := b.acl.UpdateAccount(u); err != nil {
		return answer(req.Command, remoting.UpdateAndCreateACLConfigErr, err.Error())
	}
	return aclWritten(req.Command)
}

// handleDeleteACLConfig is deleteAccessConfig: an unknown or missing key is
// DELETE_ACL_CONFIG_FAILED.
func (b *Broker) handleDeleteACLConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	key := optional(req.Command.ExtFields, protocol.FieldAccessKey)
	var deleted bool
	var err error
	if key != nil {
		deleted, err = b.acl.DeleteAccount(*key)
	}
	if err != nil {
		return answer(req.Command, remoting.DeleteACLConfigFailed, err.Error())
	}
	if !deleted {
		return answer(req.Command, remoting.DeleteACLConfigFailed,
			"The accesskey["+javaStr(key)+"] corresponding to accessConfig has been deleted failed.")
	}
	return aclWritten(req.Command)
}

// handleUpdateGlobalWhiteAddrs is updateGlobalWhiteAddrsConfig. An empty or missing
// aclFileFullPath is the default file; another path must be one of the broker's ACL files (Java
// takes any existing file under ROCKETMQ_HOME; a path that is no file fails there too).
func (b *Broker) handleUpdateGlobalWhiteAddrs(_ context.Context, req *remoting.Request) *remoting.Command {
	ext := req.Command.ExtFields
	addrs := optional(ext, protocol.FieldGlobalWhiteAddrs)
	failed := answer(req.Command, remoting.UpdateGlobalWhiteAddrsFail,
		"The globalWhiteAddresses["+javaStr(addrs)+"] has been updated failed.")
	path := ext[protocol.FieldACLFileFullPath]
	if path != "" && b.acl.Path() == "" {
		return failed // in memory: there is no file to name
	}
	if addrs == nil {
		return failed
	}
	done, err := b.acl.SetGlobalWhiteAddrsIn(path, utilSplit(addrs))
	if err != nil {
		return answer(req.Command, remoting.UpdateGlobalWhiteAddrsFail, err.Error())
	}
	if !done {
		return failed
	}
	return aclWritten(req.Command)
}

// defaultACLFile names the fake's one ACL file in the versions of GET_BROKER_CLUSTER_ACL_INFO
// when it has no path of its own (a 4.9.7 broker names its absolute path).
const defaultACLFile = "conf/plain_acl.yml"

// handleGetACLVersion is getBrokerAclConfigVersion: the default file's version, every file's
// version by path, and the broker's names and address.
func (b *Broker) handleGetACLVersion(_ context.Context, req *remoting.Request) *remoting.Command {
	v := b.acl.Version()
	ver := protocol.DataVersion{Timestamp: v.Timestamp, Counter: v.Counter}
	all := map[string]protocol.DataVersion{}
	for path, fv := range b.acl.Versions() {
		if path == "" {
			path = defaultACLFile
		}
		all[path] = protocol.DataVersion{Timestamp: fv.Timestamp, Counter: fv.Counter}
	}
	b.mu.Lock()
	addr := b.addr
	b.mu.Unlock()
	resp := answerWithHeader(req.Command, remoting.Success, "")
	protocol.SetHeader(resp, protocol.GetBrokerACLConfigResponseHeader{
		Version:           string(ver.Encode()),
		AllACLFileVersion: protocol.EncodeACLFileVersions(all),
		BrokerName:        b.cfg.name,
		BrokerAddr:        addr,
		ClusterName:       b.cfg.cluster,
	})
	return resp
}

// handleGetACLConfig is getBrokerClusterAclConfig: the global white addresses and the accounts
// as the file holds them (the first of a repeated access key only).
func (b *Broker) handleGetACLConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	doc := b.acl.Config()
	body := protocol.ClusterACLConfig{GlobalWhiteAddrs: []string{}, PlainAccessConfigs: []protocol.PlainAccessConfig{}}
	body.GlobalWhiteAddrs = append(body.GlobalWhiteAddrs, doc.GlobalWhiteRemoteAddresses...)
	seen := map[string]bool{}
	for _, a := range doc.Accounts {
		if seen[a.AccessKey] {
			continue
		}
		seen[a.AccessKey] = true
		body.PlainAccessConfigs = append(body.PlainAccessConfigs, protocol.PlainAccessConfig{
			AccessKey: a.AccessKey, SecretKey: a.SecretKey, WhiteRemoteAddress: a.WhiteRemoteAddress,
			Admin: a.Admin, DefaultTopicPerm: a.DefaultTopicPerm, DefaultGroupPerm: a.DefaultGroupPerm,
			TopicPerms: a.TopicPerms, GroupPerms: a.GroupPerms,
		})
	}
	resp := answerWithHeader(req.Command, remoting.Success, "")
	resp.Body = body.Encode()
	return resp
}

func javaStr(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}
