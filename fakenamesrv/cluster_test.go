package fakenamesrv

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestClusterInfoAndTopicListLikeRealNameServer(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(r *rig)
		wantCluster string
		wantTopics  string
	}{
		{"empty", func(*rig) {}, `{"brokerAddrTable":{},"clusterAddrTable":{}}`, `{"topicList":[]}`},
		{"2 brokers", func(r *rig) { brokers2(r) }, realCluster2, `{"topicList":["TopicA"]}`},
		{"5 brokers", func(r *rig) { brokers5(r, func() *testBroker { return r.broker("", "", 0) }) }, realCluster5, realTopics5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				tt.setup(r)
				for _, version := range []int32{317, 407} {
					req := remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil)
					req.Version = version
					resp := r.invoke(req)
					require.Equal(t, remoting.Success, resp.Code)
					require.Equal(t, tt.wantCluster, string(resp.Body), "cluster info is plain fastjson for every version")

					req = remoting.NewRequest(remoting.CodeGetAllTopicListFromNameServer, nil, nil)
					req.Version = version
					resp = r.invoke(req)
					require.Equal(t, remoting.Success, resp.Code)
					require.Equal(t, tt.wantTopics, string(resp.Body))
				}
				require.Nil(t, lastEntry(t, r.ns, remoting.CodeGetBrokerClusterInfo).ResponseFields)
				require.Nil(t, lastEntry(t, r.ns, remoting.CodeGetAllTopicListFromNameServer).ResponseFields)
			})
		})
	}
}

func TestDeleteTopicInNamesrv(t *testing.T) {
	tests := []struct {
		name       string
		ext        map[string]string
		wantTopics []string
		wantShared []string // brokers left in the route of Shared
	}{
		{"whole topic", map[string]string{"topic": "Shared"}, []string{"OnlyA"}, nil},
		{"empty clusterName: whole topic", map[string]string{"topic": "Shared", "clusterName": ""}, []string{"OnlyA"}, nil},
		{"one cluster's brokers", map[string]string{"topic": "Shared", "clusterName": "C2"}, []string{"OnlyA", "Shared"}, []string{"broker-a"}},
		{"the last cluster holding it", map[string]string{"topic": "OnlyA", "clusterName": "C1"}, []string{"Shared"}, []string{"broker-a", "broker-b"}},
		{"unknown cluster", map[string]string{"topic": "Shared", "clusterName": "Nope"}, []string{"OnlyA", "Shared"}, []string{"broker-a", "broker-b"}},
		{"unknown topic", map[string]string{"topic": "Nope"}, []string{"OnlyA", "Shared"}, []string{"broker-a", "broker-b"}},
		{"no topic", nil, []string{"OnlyA", "Shared"}, []string{"broker-a", "broker-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				a := r.broker("broker-a", "10.0.0.1:10911", 0, "Shared", "OnlyA")
				a.cluster = "C1"
				a.register()
				b := r.broker("broker-b", "10.0.0.2:10911", 0, "Shared")
				b.cluster = "C2"
				b.register()

				resp := r.invoke(remoting.NewRequest(remoting.CodeDeleteTopicInNamesrv, tt.ext, nil))
				require.Equal(t, remoting.Success, resp.Code)
				require.Empty(t, resp.Remark)
				require.Nil(t, lastEntry(t, r.ns, remoting.CodeDeleteTopicInNamesrv).ResponseFields)
				require.Equal(t, tt.wantTopics, r.ns.Topics())
				route, ok := r.ns.Route("Shared")
				if tt.wantShared == nil {
					require.False(t, ok)
				} else {
					require.ElementsMatch(t, tt.wantShared, brokerNames(route))
				}

				// The broker brings its topics back with its next new DataVersion only.
				a.register()
				require.Equal(t, tt.wantTopics, r.ns.Topics())
				a.bump()
				a.register()
				require.Contains(t, r.ns.Topics(), "Shared")
			})
		})
	}
}

// mqadmin's fetchTopicsByCLuster: the topics with queue data on any broker of the cluster.
func TestGetTopicsByCluster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		a := r.broker("broker-a", "10.0.0.1:10911", 0, "Shared", "OnlyA")
		a.cluster = "C1"
		a.register()
		b := r.broker("broker-b", "10.0.0.2:10911", 0, "Shared", "OnlyB")
		b.cluster = "C2"
		b.register()
		c := r.broker("broker-c", "10.0.0.3:10911", 0, "Shared", "OnlyC")
		c.cluster = "C2"
		c.register()

		topics := func(ext map[string]string) []string {
			t.Helper()
			resp := r.invoke(remoting.NewRequest(remoting.CodeGetTopicsByCluster, ext, nil))
			require.Equal(t, remoting.Success, resp.Code)
			require.Empty(t, resp.Remark)
			list, err := protocol.DecodeTopicList(resp.Body)
			require.NoError(t, err)
			return list.Topics
		}
		in := func(cluster string) []string {
			return topics(protocol.GetTopicsByClusterRequestHeader{Cluster: cluster}.ToExt())
		}
		require.ElementsMatch(t, []string{"Shared", "OnlyA"}, in("C1"))
		require.ElementsMatch(t, []string{"Shared", "OnlyB", "OnlyC"}, in("C2"), "each topic once, whichever brokers hold it")
		require.Empty(t, in("Nope"))
		require.Empty(t, topics(nil), "no cluster field: Java's lookup throws, its catch answers an empty list")
		require.Nil(t, lastEntry(t, r.ns, remoting.CodeGetTopicsByCluster).ResponseFields)
	})
}

func TestClusterInfoKeepsFirstCluster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		a := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
		a.cluster = "C1"
		a.register()
		a.cluster = "C2"
		a.register()
		ci := r.ns.ClusterInfo()
		require.Equal(t, map[string][]string{"C1": {"broker-a"}, "C2": {"broker-a"}}, ci.ClusterAddrTable)
		require.Equal(t, "C1", ci.BrokerAddrTable["broker-a"].Cluster, "Java's BrokerData keeps its first cluster")

		resp := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
		got, err := protocol.DecodeClusterInfo(resp.Body)
		require.NoError(t, err)
		require.Equal(t, ci, got)
	})
}

func TestSystemAndUnitTopicListsLikeRealNameServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		list := func(code int32) string {
			resp := r.invoke(remoting.NewRequest(code, nil, nil))
			require.Equal(t, remoting.Success, resp.Code)
			return string(resp.Body)
		}
		require.Equal(t, `{"topicList":[]}`, list(remoting.CodeGetSystemTopicListFromNS))
		require.Equal(t, `{"topicList":[]}`, list(remoting.CodeGetUnitTopicList))

		// topic:queues:topicSysFlag
		a := r.broker("broker-a", "10.0.0.1:10911", 0)
		a.cluster = "C1"
		for _, spec := range []struct {
			name string
			flag int32
		}{{"U1", 1}, {"U2", 2}, {"U3", 3}, {"P", 0}, {"Mixed", 1}, {"Zz", 2}} {
			tc := protocol.NewTopicConfig(spec.name)
			tc.ReadQueueNums, tc.WriteQueueNums, tc.TopicSysFlag = 4, 4, spec.flag
			a.topics[spec.name] = tc
		}
		a.register()
		b := r.broker("broker-b", "10.0.0.2:10911", 0, "Mixed", "U2")
		b.cluster = "C2"
		b.register()
		bSlave := r.broker("broker-b", "10.0.0.3:10911", 1)
		bSlave.cluster = "C2"
		bSlave.register()
		named := r.broker("C1", "10.0.0.5:10911", 0) // a broker named like a cluster
		named.cluster = "C3"
		named.register()

		// a real 4.9.7 name server's answers to the same registrations
		require.Equal(t, `{"brokerAddr":"10.0.0.5:10911","topicList":["C3","broker-b","broker-a","C1","C2"]}`, list(remoting.CodeGetSystemTopicListFromNS))
		require.Equal(t, `{"topicList":["U1","U3"]}`, list(remoting.CodeGetUnitTopicList))
		require.Equal(t, `{"topicList":["Zz","U3"]}`, list(remoting.CodeGetHasUnitSubTopicList))
		require.Equal(t, `{"topicList":["Zz"]}`, list(remoting.CodeGetHasUnitSubUnUnitTopicList))
	})
}
