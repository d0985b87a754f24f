package admin

import (
	"context"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// PutKVConfig sends PUT_KV_CONFIG (100): the name server keeps value under namespace and key
// (namespace ORDER_TOPIC_CONFIG, key a topic, value "broker-a:4" makes the topic ordered).
func PutKVConfig(ctx context.Context, cli *remoting.Client, nsAddr, namespace, key, value string) error {
	_, err := invoke(ctx, cli, nsAddr, "put kv config "+namespace+"/"+key, protocol.RequestWithHeader(remoting.CodePutKVConfig,
		protocol.PutKVConfigRequestHeader{Namespace: namespace, Key: key, Value: value}, nil))
	return err
}

// KVConfig asks the name server for GET_KV_CONFIG (101); false when it holds no such item
// (QUERY_NOT_FOUND).
func KVConfig(ctx context.Context, cli *remoting.Client, nsAddr, namespace, key string) (string, bool, error) {
	op := "kv config " + namespace + "/" + key
	resp, err := invoke(ctx, cli, nsAddr, op, protocol.RequestWithHeader(remoting.CodeGetKVConfig,
		protocol.GetKVConfigRequestHeader{Namespace: namespace, Key: key}, nil), remoting.Success, remoting.QueryNotFound)
	if err != nil || resp.Code == remoting.QueryNotFound {
		return "", false, err
	}
	h, err := protocol.DecodeGetKVConfigResponseHeader(resp.ExtFields)
	if err != nil {
		return "", false, decodeErr(op, nsAddr, err)
	}
	return h.Value, true, nil
}

// DeleteKVConfig sends DELETE_KV_CONFIG (102); an absent item is no error.
func DeleteKVConfig(ctx context.Context, cli *remoting.Client, nsAddr, namespace, key string) error {
	_, err := invoke(ctx, cli, nsAddr, "delete kv config "+namespace+"/"+key, protocol.RequestWithHeader(remoting.CodeDeleteKVConfig,
		protocol.DeleteKVConfigRequestHeader{Namespace: namespace, Key: key}, nil))
	return err
}

// KVList asks the name server for GET_KVLIST_BY_NAMESPACE (219): every item of namespace. A
// namespace the name server never had (QUERY_NOT_FOUND) is an empty map, as is one whose items
// were all deleted.
func KVList(ctx context.Context, cli *remoting.Client, nsAddr, namespace string) (map[string]string, error) {
	op := "kv list " + namespace
	resp, err := invoke(ctx, cli, nsAddr, op, protocol.RequestWithHeader(remoting.CodeGetKVListByNamespace,
		protocol.GetKVListByNamespaceRequestHeader{Namespace: namespace}, nil), remoting.Success, remoting.QueryNotFound)
	if err != nil {
		return nil, err
	}
	if resp.Code == remoting.QueryNotFound {
		return map[string]string{}, nil
	}
	kv, err := protocol.DecodeKVTable(resp.Body)
	if err != nil {
		return nil, decodeErr(op, nsAddr, err)
	}
	return kv.Table, nil
}
