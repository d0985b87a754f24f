package admin

import (
	"context"
	"strings"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The ACL admin requests (50 to 54) of a broker with aclEnable=true, as mqadmin's ACL
// subcommands send them. The broker checks them as any request: cli must sign (a client made
// with remoting.WithRequestHook of acl.Credentials.Sign); any account may send them, admin or
// not.

// UpdateACLConfig sends UPDATE_AND_CREATE_ACL_CONFIG (50), as mqadmin updateAclConfig: the
// account is created, or merged into the broker's entry for its access key (fields left empty
// keep the entry's values). A refusal is a *ServerError with code 209 and Java's reason.
func UpdateACLConfig(ctx context.Context, cli *remoting.Client, addr string, account protocol.CreateAccessConfigRequestHeader) error {
	_, err := invoke(ctx, cli, addr, "update ACL config of "+account.AccessKey,
		protocol.RequestWithHeader(remoting.CodeUpdateAndCreateACLConfig, account, nil))
	return err
}

// DeleteACLConfig sends DELETE_ACL_CONFIG (51), as mqadmin deleteAclConfig; an unknown key is a
// *ServerError with code 210.
func DeleteACLConfig(ctx context.Context, cli *remoting.Client, addr, accessKey string) error {
	_, err := invoke(ctx, cli, addr, "delete ACL config of "+accessKey,
		protocol.RequestWithHeader(remoting.CodeDeleteACLConfig, protocol.DeleteAccessConfigRequestHeader{AccessKey: accessKey}, nil))
	return err
}

// UpdateGlobalWhiteAddrs sends UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53), as mqadmin
// updateGlobalWhiteAddr: addrs replace the global white addresses of file ("" is the broker's
// default plain_acl.yml). A file the broker does not have is a *ServerError with code 211.
func UpdateGlobalWhiteAddrs(ctx context.Context, cli *remoting.Client, addr string, addrs []string, file string) error {
	_, err := invoke(ctx, cli, addr, "update global white addresses",
		protocol.RequestWithHeader(remoting.CodeUpdateGlobalWhiteAddrsConfig, protocol.UpdateGlobalWhiteAddrsConfigRequestHeader{
			GlobalWhiteAddrs: strings.Join(addrs, ","), ACLFileFullPath: file}, nil))
	return err
}

// ACLVersion is a broker's answer to GET_BROKER_CLUSTER_ACL_INFO (52), what mqadmin
// clusterAclConfigVersion prints.
type ACLVersion struct {
	ClusterName, BrokerName, BrokerAddr string
	// Version is the default file's, as of the broker's last reload of it.
	Version protocol.DataVersion
	// Files are the versions of every ACL file by path, moved on by every change.
	Files map[string]protocol.DataVersion
}

// ACLConfigVersion asks a broker for GET_BROKER_CLUSTER_ACL_INFO (52).
func ACLConfigVersion(ctx context.Context, cli *remoting.Client, addr string) (ACLVersion, error) {
	const op = "ACL config version"
	resp, err := invoke(ctx, cli, addr, op, remoting.NewRequest(remoting.CodeGetBrokerClusterACLInfo, nil, nil))
	if err != nil {
		return ACLVersion{}, err
	}
	h, err := protocol.DecodeGetBrokerACLConfigResponseHeader(resp.ExtFields)
	if err != nil {
		return ACLVersion{}, decodeErr(op, addr, err)
	}
	v := ACLVersion{ClusterName: h.ClusterName, BrokerName: h.BrokerName, BrokerAddr: h.BrokerAddr}
	if v.Version, err = protocol.DecodeDataVersion([]byte(h.Version)); err != nil {
		return ACLVersion{}, decodeErr(op, addr, err)
	}
	if v.Files, err = protocol.DecodeACLFileVersions(h.AllACLFileVersion); err != nil {
		return ACLVersion{}, decodeErr(op, addr, err)
	}
	return v, nil
}

// ACLConfig asks a broker for GET_BROKER_CLUSTER_ACL_CONFIG (54), as mqadmin getAclConfig: its
// global white addresses and accounts, secrets included.
func ACLConfig(ctx context.Context, cli *remoting.Client, addr string) (*protocol.ClusterACLConfig, error) {
	const op = "ACL config"
	resp, err := invoke(ctx, cli, addr, op, remoting.NewRequest(remoting.CodeGetBrokerClusterACLConfig, nil, nil))
	if err != nil {
		return nil, err
	}
	cfg, err := protocol.DecodeClusterACLConfig(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return cfg, nil
}
