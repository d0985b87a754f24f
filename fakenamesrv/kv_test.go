package fakenamesrv

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

func TestKVConfig(t *testing.T) {
	type step struct {
		code   int32
		ext    map[string]string
		want   int32
		remark string
		fields map[string]string // the answer's header; nil: none
		body   string
	}
	kv := func(ns, key string) map[string]string { return map[string]string{"namespace": ns, "key": key} }
	put := func(ns, key, value string) step {
		return step{code: remoting.CodePutKVConfig, ext: map[string]string{"namespace": ns, "key": key, "value": value}, want: remoting.Success}
	}
	tests := []struct {
		name  string
		steps []step
		state map[string]map[string]string
	}{
		{
			name: "put, get, list, delete",
			steps: []step{
				put("NS1", "k1", "v1"), put("NS1", "key-2", "v2"), put("NS1", "aaa", "v3"), put("NS1", "T1", "v4"),
				{code: remoting.CodeGetKVConfig, ext: kv("NS1", "k1"), want: remoting.Success, fields: map[string]string{"value": "v1"}},
				// a real 4.9.7 name server's answer to the same puts
				{code: remoting.CodeGetKVListByNamespace, ext: map[string]string{"namespace": "NS1"}, want: remoting.Success,
					body: `{"table":{"aaa":"v3","k1":"v1","key-2":"v2","T1":"v4"}}`},
				{code: remoting.CodeDeleteKVConfig, ext: kv("NS1", "k1"), want: remoting.Success},
				{code: remoting.CodeGetKVConfig, ext: kv("NS1", "k1"), want: remoting.QueryNotFound,
					remark: "No config item, Namespace: NS1 Key: k1", fields: map[string]string{}},
				put("NS1", "k1", "again"), put("NS1", "k1", "replaced"),
			},
			state: map[string]map[string]string{"NS1": {"aaa": "v3", "key-2": "v2", "T1": "v4", "k1": "replaced"}},
		},
		{
			name: "absent items and namespaces",
			steps: []step{
				{code: remoting.CodeGetKVConfig, ext: kv("NS", "k"), want: remoting.QueryNotFound,
					remark: "No config item, Namespace: NS Key: k", fields: map[string]string{}},
				{code: remoting.CodeGetKVListByNamespace, ext: map[string]string{"namespace": "NS"}, want: remoting.QueryNotFound,
					remark: "No config item, Namespace: NS"},
				{code: remoting.CodeDeleteKVConfig, ext: kv("NS", "k"), want: remoting.Success},
			},
			state: map[string]map[string]string{},
		},
		{
			name: "missing fields print as null",
			steps: []step{
				{code: remoting.CodePutKVConfig, ext: map[string]string{"namespace": "NS", "value": "v"}, want: remoting.SystemError, remark: "namespace or key is null"},
				{code: remoting.CodePutKVConfig, ext: map[string]string{"key": "k", "value": "v"}, want: remoting.SystemError, remark: "namespace or key is null"},
				{code: remoting.CodePutKVConfig, want: remoting.SystemError, remark: "namespace or key is null"},
				{code: remoting.CodeGetKVConfig, want: remoting.QueryNotFound, remark: "No config item, Namespace: null Key: null", fields: map[string]string{}},
				{code: remoting.CodeGetKVConfig, ext: map[string]string{"key": "k"}, want: remoting.QueryNotFound, remark: "No config item, Namespace: null Key: k", fields: map[string]string{}},
				{code: remoting.CodeGetKVListByNamespace, want: remoting.QueryNotFound, remark: "No config item, Namespace: null"},
				{code: remoting.CodeDeleteKVConfig, want: remoting.Success},
			},
			state: map[string]map[string]string{},
		},
		{
			name: "a put without a value creates the namespace, not the item",
			steps: []step{
				{code: remoting.CodePutKVConfig, ext: kv("NS", "k"), want: remoting.Success},
				{code: remoting.CodeGetKVConfig, ext: kv("NS", "k"), want: remoting.QueryNotFound,
					remark: "No config item, Namespace: NS Key: k", fields: map[string]string{}},
				{code: remoting.CodeGetKVListByNamespace, ext: map[string]string{"namespace": "NS"}, want: remoting.Success, body: `{"table":{}}`},
			},
			state: map[string]map[string]string{"NS": {}},
		},
		{
			name: "an empty value is a value",
			steps: []step{
				put("NS", "k", ""),
				{code: remoting.CodeGetKVConfig, ext: kv("NS", "k"), want: remoting.Success, fields: map[string]string{"value": ""}},
				{code: remoting.CodeGetKVListByNamespace, ext: map[string]string{"namespace": "NS"}, want: remoting.Success, body: `{"table":{"k":""}}`},
			},
			state: map[string]map[string]string{"NS": {"k": ""}},
		},
		{
			name: "a namespace left empty stays",
			steps: []step{
				put("NS", "k", "v"),
				{code: remoting.CodeDeleteKVConfig, ext: kv("NS", "k"), want: remoting.Success},
				{code: remoting.CodeGetKVListByNamespace, ext: map[string]string{"namespace": "NS"}, want: remoting.Success, body: `{"table":{}}`},
			},
			state: map[string]map[string]string{"NS": {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				for i, s := range tt.steps {
					resp := r.invoke(remoting.NewRequest(s.code, s.ext, nil))
					require.Equal(t, s.want, resp.Code, "step %d", i)
					require.Equal(t, s.remark, resp.Remark, "step %d", i)
					require.Equal(t, s.body, string(resp.Body), "step %d", i)
					require.Equal(t, s.fields, lastEntry(t, r.ns, s.code).ResponseFields, "step %d", i)
				}
				got := map[string]map[string]string{}
				for _, ns := range r.ns.KVNamespaces() {
					got[ns], _ = r.ns.KV(ns)
				}
				require.Equal(t, tt.state, got)
			})
		})
	}
}

func TestKVConfigInRegisterAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		b := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
		require.Empty(t, b.register().Body, "no ORDER_TOPIC_CONFIG namespace: no body")
		r.ns.PutKV(NamespaceOrderTopicConfig, "T", "broker-a:4")
		require.Equal(t, `{"table":{"T":"broker-a:4"}}`, string(b.register().Body))
		r.ns.DeleteKV(NamespaceOrderTopicConfig, "T")
		require.Equal(t, `{"table":{}}`, string(b.register().Body))
	})
}
