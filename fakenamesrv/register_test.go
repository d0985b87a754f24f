package fakenamesrv

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// lastEntry returns the history's latest entry for code: what the server answered on the wire,
// ExtFields included (nil: no header; empty: "extFields":{}).
func lastEntry(t *testing.T, s *Server, code int32) fault.Entry {
	t.Helper()
	entries := s.History().Requests(code)
	require.NotEmpty(t, entries)
	return entries[len(entries)-1]
}

func TestRegisterBroker(t *testing.T) {
	type want struct {
		code     int32
		remark   string
		fields   map[string]string // the answer's header; nil: none at all
		body     string
		online   []string
		topics   []string
		answered bool
	}
	master := want{code: remoting.Success, fields: map[string]string{}, online: []string{"10.0.0.1:10911"}, topics: []string{"TopicA", "TopicB"}, answered: true}
	nothing := func(code int32, remark string, fields map[string]string) want {
		return want{code: code, remark: remark, fields: fields, answered: true}
	}
	tests := []struct {
		name   string
		opts   []Option
		change func(b *testBroker, req *remoting.Command)
		want   want
	}{
		{name: "master", want: master},
		{
			name: "answer carries ORDER_TOPIC_CONFIG",
			opts: []Option{WithKVConfig(NamespaceOrderTopicConfig, "TopicA", "broker-a:4")},
			want: func() want { w := master; w.body = `{"table":{"TopicA":"broker-a:4"}}`; return w }(),
		},
		{
			name: "compressed body",
			change: func(b *testBroker, req *remoting.Command) {
				body := protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{TopicConfigTable: b.topics, DataVersion: b.version}}
				data, err := body.Encode(true)
				require.NoError(t, err)
				req.Body = data
				req.ExtFields[protocol.FieldCompressed] = "true"
				req.ExtFields[protocol.FieldBodyCRC32] = "0"
			},
			want: master,
		},
		{
			name: "no body registers the broker without topics",
			change: func(_ *testBroker, req *remoting.Command) {
				req.Body = nil
				req.ExtFields[protocol.FieldBodyCRC32] = "0"
			},
			want: want{code: remoting.Success, fields: map[string]string{}, online: []string{"10.0.0.1:10911"}, answered: true},
		},
		{
			name:   "crc32 does not match",
			change: func(_ *testBroker, req *remoting.Command) { req.ExtFields[protocol.FieldBodyCRC32] = "12345" },
			want:   nothing(remoting.SystemError, "crc32 not match", map[string]string{}),
		},
		{
			name: "body Java cannot decode",
			change: func(_ *testBroker, req *remoting.Command) {
				req.Body = []byte("garbage")
				req.ExtFields[protocol.FieldBodyCRC32] = "0"
			},
			want: nothing(remoting.SystemError, remarkRegisterBadBody, nil),
		},
		{
			name:   "no brokerId",
			change: func(_ *testBroker, req *remoting.Command) { delete(req.ExtFields, protocol.FieldBrokerID) },
			want:   nothing(remoting.SystemError, remarkRegisterNullBrokerID, nil),
		},
		{
			name:   "brokerId Java cannot parse",
			change: func(_ *testBroker, req *remoting.Command) { req.ExtFields[protocol.FieldBrokerID] = "abc" },
			want:   nothing(remoting.SystemError, remarkRegisterNullBrokerID, nil),
		},
		{
			name: "oneway (after a topic is auto-created) registers without an answer",
			change: func(_ *testBroker, req *remoting.Command) {
				req.Flag |= remoting.FlagOneway
			},
			want: func() want { w := master; w.answered = false; return w }(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tt.opts...)
				b := r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA", "TopicB")
				req := b.registerRequest()
				if tt.change != nil {
					tt.change(b, req)
				}
				if req.IsOneway() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					require.NoError(t, b.client.InvokeOneway(ctx, r.addr, req))
					synctest.Wait()
				} else {
					resp := remotingtest.Invoke(t, b.client, r.addr, req)
					require.Equal(t, tt.want.code, resp.Code)
					require.Equal(t, tt.want.remark, resp.Remark)
					require.Equal(t, tt.want.body, string(resp.Body))
				}
				e := lastEntry(t, r.ns, remoting.CodeRegisterBroker)
				require.Equal(t, tt.want.answered, e.Answered)
				if tt.want.answered {
					require.Equal(t, tt.want.fields, e.ResponseFields)
				}
				require.Equal(t, tt.want.online, onlineAddrs(r.ns))
				require.Equal(t, tt.want.topics, r.ns.Topics())
			})
		})
	}
}

func TestRegisterBrokerState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		a := r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA")
		a.register()
		time.Sleep(time.Second)
		b := r.broker("broker-b", "10.0.0.2:10911", 0, "TopicA", "TopicB:8")
		b.cluster = "OtherCluster"
		b.register()

		got := r.ns.Brokers()
		for i := range got {
			require.NotZero(t, got[i].ConnID)
			got[i].ConnID = 0
		}
		want := []BrokerInfo{
			{Cluster: "DefaultCluster", Name: "broker-a", ID: 0, Addr: "10.0.0.1:10911", Online: true, LastUpdate: start,
				DataVersion: protocol.DataVersion{Timestamp: 1000, Counter: 1}, HAServerAddr: "10.0.0.1:10912"},
			{Cluster: "OtherCluster", Name: "broker-b", ID: 0, Addr: "10.0.0.2:10911", Online: true, LastUpdate: start.Add(time.Second),
				DataVersion: protocol.DataVersion{Timestamp: 1000, Counter: 1}, HAServerAddr: "10.0.0.2:10912"},
		}
		require.Empty(t, cmp.Diff(want, got))

		route, ok := r.ns.Route("TopicB")
		require.True(t, ok)
		require.Equal(t, []protocol.QueueData{{BrokerName: "broker-b", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 6}}, route.QueueDatas)
		require.Equal(t, map[string][]string{"DefaultCluster": {"broker-a"}, "OtherCluster": {"broker-b"}}, r.ns.ClusterInfo().ClusterAddrTable)
	})
}

func TestRegisterBrokerDataVersion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		b := r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA")
		b.register()

		// Same DataVersion: Java skips the topic table, so a new topic is not seen.
		b.addTopic("TopicB")
		b.register()
		require.Equal(t, []string{"TopicA"}, r.ns.Topics())

		// A new DataVersion: the table is read; queue data is replaced per topic.
		b.addTopic("TopicA:2")
		b.bump()
		b.register()
		require.Equal(t, []string{"TopicA", "TopicB"}, r.ns.Topics())
		route, _ := r.ns.Route("TopicA")
		require.Equal(t, int32(2), route.QueueDatas[0].WriteQueueNums)

		// A topic the broker no longer lists stays: registrations only add and replace.
		delete(b.topics, "TopicB")
		b.bump()
		b.register()
		require.Equal(t, []string{"TopicA", "TopicB"}, r.ns.Topics())
	})
}

func TestRegisterSlave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		slave := r.broker("broker-a", "10.0.0.2:10911", 1, "TopicA")
		require.Equal(t, remoting.Success, slave.register().Code)
		require.Equal(t, map[string]string{}, lastEntry(t, r.ns, remoting.CodeRegisterBroker).ResponseFields, "no master yet")
		require.Empty(t, r.ns.Topics(), "a slave's topics are not read")

		r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA").register()
		resp := slave.register()
		h, err := protocol.DecodeRegisterBrokerResponseHeader(resp.ExtFields)
		require.NoError(t, err)
		require.Equal(t, protocol.RegisterBrokerResponseHeader{HAServerAddr: "10.0.0.1:10912", MasterAddr: "10.0.0.1:10911"}, h)

		route := decodeRoute(t, r.route("TopicA", 407))
		require.Equal(t, map[int64]string{0: "10.0.0.1:10911", 1: "10.0.0.2:10911"}, route.BrokerDatas[0].BrokerAddrs)

		// The slave becomes master on the same address: its old id goes.
		slave.id = 0
		slave.register()
		route = decodeRoute(t, r.route("TopicA", 407))
		require.Equal(t, map[int64]string{0: "10.0.0.2:10911"}, route.BrokerDatas[0].BrokerAddrs)
	})
}

func TestUnregisterBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		a := r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA", "OnlyA")
		a.register()
		aSlave := r.broker("broker-a", "10.0.0.3:10911", 1)
		aSlave.register()
		b := r.broker("broker-b", "10.0.0.2:10911", 0, "TopicA")
		b.cluster = "OtherCluster"
		b.register()

		// A slave leaves: its address goes, the topics stay.
		resp := aSlave.unregister()
		require.Equal(t, remoting.Success, resp.Code)
		require.Nil(t, lastEntry(t, r.ns, remoting.CodeUnregisterBroker).ResponseFields, "no header")
		require.Equal(t, []string{"10.0.0.1:10911", "10.0.0.2:10911"}, onlineAddrs(r.ns))
		require.Equal(t, []string{"OnlyA", "TopicA"}, r.ns.Topics())

		// The last address of broker-a leaves: its name leaves the cluster and every topic; a
		// topic left without queue data is deleted.
		a.unregister()
		require.Equal(t, []string{"TopicA"}, r.ns.Topics())
		require.Equal(t, []string{"broker-b"}, brokerNames(decodeRoute(t, r.route("TopicA", 407))))
		require.Equal(t, map[string][]string{"OtherCluster": {"broker-b"}}, r.ns.ClusterInfo().ClusterAddrTable)
		require.Equal(t, remoting.TopicNotExist, r.route("OnlyA", 407).Code)

		// Unregistering again, or what was never registered, is still SUCCESS.
		require.Equal(t, remoting.Success, a.unregister().Code)
	})
}

func TestUnregisterBrokerByID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		a := r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA")
		a.register()
		// Java removes the live entry by address and the BrokerData entry by id: with the
		// wrong id the address stays in routes, offline.
		a.id = 1
		a.unregister()
		require.Equal(t, []BrokerInfo{{Cluster: "DefaultCluster", Name: "broker-a", ID: 0, Addr: "10.0.0.1:10911"}}, r.ns.Brokers())
		require.Equal(t, []string{"broker-a"}, brokerNames(decodeRoute(t, r.route("TopicA", 407))))
	})
}

func TestUnregisterBrokerWithoutID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA").register()
		for _, id := range []string{"", "x"} {
			ext := map[string]string{"brokerName": "broker-a", "brokerAddr": "10.0.0.1:10911", "clusterName": "DefaultCluster"}
			if id != "" {
				ext["brokerId"] = id
			}
			resp := r.invoke(remoting.NewRequest(remoting.CodeUnregisterBroker, ext, nil))
			require.Equal(t, remoting.SystemError, resp.Code)
			require.Equal(t, remarkUnregisterNullID, resp.Remark)
		}
		require.Equal(t, []string{"10.0.0.1:10911"}, onlineAddrs(r.ns))
	})
}

func TestQueryDataVersion(t *testing.T) {
	query := func(r *rig, addr, body string) *remoting.Command {
		h := protocol.QueryDataVersionRequestHeader{BrokerName: "broker-a", BrokerAddr: addr, ClusterName: "DefaultCluster"}
		var data []byte
		if body != "" {
			data = []byte(body)
		}
		return r.invoke(protocol.RequestWithHeader(remoting.CodeQueryDataVersion, h, data))
	}
	tests := []struct {
		name       string
		addr, body string
		code       int32
		remark     string
		fields     map[string]string
		respBody   string
		refreshed  bool
	}{
		{name: "same version", addr: "10.0.0.1:10911", body: `{"counter":1,"timestamp":1000}`,
			code: remoting.Success, fields: map[string]string{"changed": "false"}, respBody: `{"counter":1,"timestamp":1000}`, refreshed: true},
		{name: "other version", addr: "10.0.0.1:10911", body: `{"counter":2,"timestamp":1000}`,
			code: remoting.Success, fields: map[string]string{"changed": "true"}, respBody: `{"counter":1,"timestamp":1000}`},
		{name: "unknown broker", addr: "10.0.0.9:10911", body: `{"counter":1,"timestamp":1000}`,
			code: remoting.Success, fields: map[string]string{"changed": "true"}},
		{name: "no body", addr: "10.0.0.1:10911", code: remoting.SystemError, remark: remarkQueryNoBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA").register()
				registered := time.Now()
				time.Sleep(time.Minute)

				resp := query(r, tt.addr, tt.body)
				require.Equal(t, tt.code, resp.Code)
				require.Equal(t, tt.remark, resp.Remark)
				require.Equal(t, tt.respBody, string(resp.Body))
				require.Equal(t, tt.fields, lastEntry(t, r.ns, remoting.CodeQueryDataVersion).ResponseFields)
				b, _ := r.ns.Broker("10.0.0.1:10911")
				want := registered
				if tt.refreshed {
					want = time.Now()
				}
				require.Equal(t, want, b.LastUpdate)
			})
		})
	}
	t.Run("body not a DataVersion", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			resp := query(r, "10.0.0.1:10911", "garbage")
			require.Equal(t, remoting.SystemError, resp.Code)
			require.Equal(t, remarkQueryBadBody, resp.Remark)
		})
	})
}
