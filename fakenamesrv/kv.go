package fakenamesrv

// KV config: namespaced string items the name server keeps for admins and brokers; clients
// read namespace ORDER_TOPIC_CONFIG (see register.go and route.go).
//
//	100 PUT_KV_CONFIG            header PutKVConfigRequestHeader (namespace, key, value)
//	101 GET_KV_CONFIG            header GetKVConfigRequestHeader (namespace, key)
//	102 DELETE_KV_CONFIG         header DeleteKVConfigRequestHeader (namespace, key)
//	219 GET_KVLIST_BY_NAMESPACE  header GetKVListByNamespaceRequestHeader (namespace)
//
// Java (DefaultRequestProcessor and KVConfigManager at rocketmq-all-4.9.7):
//
//   - 100: without a namespace or a key, code 1 "namespace or key is null"; otherwise code 0,
//     the item is put (creating the namespace). A put without a value stores Java's null: the
//     namespace exists, the item reads as absent. (Java also persists the table to
//     ~/namesrv/kvConfig.json; the fake keeps it in memory.)
//   - 101: code 0 with header value; an absent item is code 22 QUERY_NOT_FOUND, remark
//     "No config item, Namespace: N Key: K" (missing fields print as "null"), empty header.
//   - 102: code 0, whether or not the item existed; a namespace left empty stays.
//   - 219: code 0 with body {"table":{key:value}} (an empty namespace gives {"table":{}});
//     an absent namespace is code 22, remark "No config item, Namespace: N".
//
// Namespaces stay once created, as in Java.

import (
	"context"
	"maps"
	"sync"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// kvStore is KVConfigManager's configTable: namespace -> key -> value.
type kvStore struct {
	mu     sync.Mutex
	tables map[string]map[string]string
}

func newKVStore() *kvStore { return &kvStore{tables: make(map[string]map[string]string)} }

func (k *kvStore) table(namespace string) map[string]string {
	t, ok := k.tables[namespace]
	if !ok {
		t = make(map[string]string)
		k.tables[namespace] = t
	}
	return t
}

func (k *kvStore) put(namespace, key, value string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.table(namespace)[key] = value
}

// putNull is a put with Java's null value: the namespace exists, the item reads as absent.
func (k *kvStore) putNull(namespace, key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.table(namespace), key)
}

func (k *kvStore) get(namespace, key string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.tables[namespace][key]
	return v, ok
}

func (k *kvStore) delete(namespace, key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.tables[namespace], key)
}

// namespace returns a copy of a namespace's items, or nil, false when it does not exist.
func (k *kvStore) namespace(namespace string) (map[string]string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.tables[namespace]
	if !ok {
		return nil, false
	}
	return maps.Clone(t), true
}

// encodeNamespace is KVConfigManager.getKVListByNamespace: the KVTable JSON of a namespace, or
// nil when it does not exist.
func (k *kvStore) encodeNamespace(namespace string) []byte {
	t, ok := k.namespace(namespace)
	if !ok {
		return nil
	}
	return (&protocol.KVTable{Table: t}).Encode()
}

func (s *Server) kvHandlersTable() []handlerEntry {
	return []handlerEntry{
		{remoting.CodePutKVConfig, s.handlePutKVConfig},
		{remoting.CodeGetKVConfig, s.handleGetKVConfig},
		{remoting.CodeDeleteKVConfig, s.handleDeleteKVConfig},
		{remoting.CodeGetKVListByNamespace, s.handleGetKVListByNamespace},
	}
}

// has reports whether the request carried the header field (Java holds it non-null).
func has(ext map[string]string, key string) bool {
	_, ok := ext[key]
	return ok
}

func (s *Server) handlePutKVConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodePutKVConfigRequestHeader(cmd.ExtFields)
	if !has(cmd.ExtFields, protocol.FieldNamespace) || !has(cmd.ExtFields, protocol.FieldKey) {
		return remoting.NewResponse(cmd, remoting.SystemError, "namespace or key is null")
	}
	if has(cmd.ExtFields, protocol.FieldValue) {
		s.kv.put(h.Namespace, h.Key, h.Value)
	} else {
		s.kv.putNull(h.Namespace, h.Key)
	}
	return remoting.NewResponse(cmd, remoting.Success, "")
}

func (s *Server) handleGetKVConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetKVConfigRequestHeader(cmd.ExtFields)
	value, ok := "", false
	if has(cmd.ExtFields, protocol.FieldNamespace) && has(cmd.ExtFields, protocol.FieldKey) {
		value, ok = s.kv.get(h.Namespace, h.Key)
	}
	if !ok {
		return withHeader(cmd, remoting.QueryNotFound, "No config item, Namespace: "+
			orNull(cmd.ExtFields, protocol.FieldNamespace, h.Namespace)+" Key: "+
			orNull(cmd.ExtFields, protocol.FieldKey, h.Key))
	}
	resp := withHeader(cmd, remoting.Success, "")
	protocol.SetHeader(resp, protocol.GetKVConfigResponseHeader{Value: value})
	if value == "" {
		// The typed header leaves "" out as it does Java's null; Java writes an empty value.
		resp.ExtFields[protocol.FieldValue] = ""
	}
	return resp
}

func (s *Server) handleDeleteKVConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeDeleteKVConfigRequestHeader(cmd.ExtFields)
	if has(cmd.ExtFields, protocol.FieldNamespace) && has(cmd.ExtFields, protocol.FieldKey) {
		s.kv.delete(h.Namespace, h.Key)
	}
	return remoting.NewResponse(cmd, remoting.Success, "")
}

func (s *Server) handleGetKVListByNamespace(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeGetKVListByNamespaceRequestHeader(cmd.ExtFields)
	namespace := h.Namespace
	var body []byte
	if has(cmd.ExtFields, protocol.FieldNamespace) {
		body = s.kv.encodeNamespace(namespace)
	}
	if body == nil {
		return remoting.NewResponse(cmd, remoting.QueryNotFound,
			"No config item, Namespace: "+orNull(cmd.ExtFields, protocol.FieldNamespace, namespace))
	}
	resp := remoting.NewResponse(cmd, remoting.Success, "")
	resp.Body = body
	return resp
}

// PutKV puts a KV config item as PUT_KV_CONFIG would (for example namespace
// NamespaceOrderTopicConfig, key a topic, value "broker-a:4").
func (s *Server) PutKV(namespace, key, value string) { s.kv.put(namespace, key, value) }

// DeleteKV deletes a KV config item as DELETE_KV_CONFIG would.
func (s *Server) DeleteKV(namespace, key string) { s.kv.delete(namespace, key) }
