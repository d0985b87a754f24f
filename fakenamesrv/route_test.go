package fakenamesrv

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Answers of a real 4.9.7 name server (Java 17) to the same registrations, captured with
// rocketsim's remoting client. brokers1 and brokers5 set up the state.
const (
	realRoute2Plain    = `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.2:10911",1:"10.0.0.3:10911"},"brokerName":"broker-b","cluster":"C1"},{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`
	realRoute2Standard = `{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.2:10911","1":"10.0.0.3:10911"},"brokerName":"broker-b","cluster":"C1"},{"brokerAddrs":{"0":"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`
	realCluster2       = `{"brokerAddrTable":{"broker-b":{"brokerAddrs":{0:"10.0.0.2:10911",1:"10.0.0.3:10911"},"brokerName":"broker-b","cluster":"C1"},"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}},"clusterAddrTable":{"C1":["broker-b","broker-a"]}}`

	realRoute5Plain    = `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.4:10911"},"brokerName":"broker-d","cluster":"C2"},{"brokerAddrs":{0:"10.0.0.5:10911",1:"10.0.0.7:10911",2:"10.0.0.6:10911"},"brokerName":"broker-e","cluster":"C1"},{"brokerAddrs":{0:"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"C1"},{"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-c","cluster":"C2"},{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-d","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-e","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-c","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`
	realRoute5Standard = `{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.4:10911"},"brokerName":"broker-d","cluster":"C2"},{"brokerAddrs":{"0":"10.0.0.5:10911","1":"10.0.0.7:10911","2":"10.0.0.6:10911"},"brokerName":"broker-e","cluster":"C1"},{"brokerAddrs":{"0":"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"C1"},{"brokerAddrs":{"0":"10.0.0.3:10911"},"brokerName":"broker-c","cluster":"C2"},{"brokerAddrs":{"0":"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-d","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-e","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-c","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`
	realCluster5       = `{"brokerAddrTable":{"broker-d":{"brokerAddrs":{0:"10.0.0.4:10911"},"brokerName":"broker-d","cluster":"C2"},"broker-e":{"brokerAddrs":{0:"10.0.0.5:10911",1:"10.0.0.7:10911",2:"10.0.0.6:10911"},"brokerName":"broker-e","cluster":"C1"},"broker-b":{"brokerAddrs":{0:"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"C1"},"broker-c":{"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-c","cluster":"C2"},"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}},"clusterAddrTable":{"C1":["broker-e","broker-b","broker-a"],"C2":["broker-d","broker-c"]}}`
	realTopics5        = `{"topicList":["Zeta","TopicB","TopicA","alpha","x","T1","order-1","T2","order-2","T3"]}`
)

// brokers2 registers broker-b (a master and a slave) and broker-a, cluster C1, topic TopicA.
func brokers2(r *rig) []*testBroker {
	spec := []struct {
		name, addr string
		id         int64
	}{{"broker-a", "10.0.0.1:10911", 0}, {"broker-b", "10.0.0.2:10911", 0}, {"broker-b", "10.0.0.3:10911", 1}}
	var out []*testBroker
	for _, s := range spec {
		b := r.broker(s.name, s.addr, s.id, "TopicA")
		b.cluster = "C1"
		b.register()
		out = append(out, b)
	}
	return out
}

// brokers5 registers five broker names over two clusters, broker-e with two slaves.
func brokers5(r *rig, client func() *testBroker) {
	spec := []struct {
		name, addr, cluster string
		id                  int64
		topics              []string
	}{
		{"broker-a", "10.0.0.1:10911", "C1", 0, []string{"T1", "T2", "T3", "TopicA", "TopicB", "Zeta", "alpha", "order-1", "order-2", "x"}},
		{"broker-b", "10.0.0.2:10911", "C1", 0, []string{"T1", "T2", "TopicA"}},
		{"broker-c", "10.0.0.3:10911", "C2", 0, []string{"T1", "TopicA", "TopicB"}},
		{"broker-d", "10.0.0.4:10911", "C2", 0, []string{"T1", "TopicA"}},
		{"broker-e", "10.0.0.5:10911", "C1", 0, []string{"T1", "Zeta"}},
		{"broker-e", "10.0.0.6:10911", "C1", 2, []string{"T1"}},
		{"broker-e", "10.0.0.7:10911", "C1", 1, []string{"T1"}},
	}
	for _, s := range spec {
		b := client()
		b.name, b.addr, b.cluster, b.id = s.name, s.addr, s.cluster, s.id
		for _, topic := range s.topics {
			b.addTopic(topic)
		}
		b.register()
	}
}

func TestRouteLikeRealNameServer(t *testing.T) {
	standardOnly := true
	tests := []struct {
		name     string
		setup    func(r *rig)
		topic    string
		version  int32
		standard *bool
		want     string
	}{
		{"2 brokers, Go client 317", func(r *rig) { brokers2(r) }, "TopicA", 317, nil, realRoute2Plain},
		{"2 brokers, Java client 407", func(r *rig) { brokers2(r) }, "TopicA", 407, nil, realRoute2Standard},
		{"2 brokers, V4_9_4 is the first with standard JSON", func(r *rig) { brokers2(r) }, "TopicA", 401, nil, realRoute2Standard},
		{"2 brokers, V4_9_3", func(r *rig) { brokers2(r) }, "TopicA", 400, nil, realRoute2Plain},
		{"2 brokers, 317 asking for standard JSON", func(r *rig) { brokers2(r) }, "TopicA", 317, &standardOnly, realRoute2Standard},
		{"5 brokers, 317", func(r *rig) { brokers5(r, func() *testBroker { return r.broker("", "", 0) }) }, "T1", 317, nil, realRoute5Plain},
		{"5 brokers, 407", func(r *rig) { brokers5(r, func() *testBroker { return r.broker("", "", 0) }) }, "T1", 407, nil, realRoute5Standard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				tt.setup(r)
				req := protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
					protocol.GetRouteInfoRequestHeader{Topic: tt.topic, AcceptStandardJSONOnly: tt.standard}, nil)
				req.Version = tt.version
				resp := r.invoke(req)
				require.Equal(t, remoting.Success, resp.Code)
				require.Empty(t, resp.Remark)
				require.Equal(t, tt.want, string(resp.Body))
				require.Nil(t, lastEntry(t, r.ns, remoting.CodeGetRouteInfoByTopic).ResponseFields)
			})
		})
	}
}

func TestRouteTopicNotExist(t *testing.T) {
	tests := []struct {
		name   string
		ext    map[string]string
		remark string
	}{
		{"unknown topic", map[string]string{"topic": "GoldenNoSuchTopic"},
			"No topic route info in name server for the topic: GoldenNoSuchTopic\nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{"no topic field", map[string]string{"acceptStandardJsonOnly": "true"},
			"No topic route info in name server for the topic: null\nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{"no extFields at all", nil,
			"No topic route info in name server for the topic: null\nSee http://rocketmq.apache.org/docs/faq/ for further details."},
		{"a topic whose only broker left", map[string]string{"topic": "Gone"},
			"No topic route info in name server for the topic: Gone\nSee http://rocketmq.apache.org/docs/faq/ for further details."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.broker("broker-a", "10.0.0.1:10911", 0, "TopicA").register()
				gone := r.broker("broker-b", "10.0.0.2:10911", 0, "Gone")
				gone.register()
				gone.unregister()

				resp := r.invoke(remoting.NewRequest(remoting.CodeGetRouteInfoByTopic, tt.ext, nil))
				require.Equal(t, remoting.TopicNotExist, resp.Code)
				require.Equal(t, tt.remark, resp.Remark)
				require.Empty(t, resp.Body)
				require.Nil(t, lastEntry(t, r.ns, remoting.CodeGetRouteInfoByTopic).ResponseFields)
			})
		})
	}
}

func TestRouteOrderTopicConf(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"orderMessageEnable off (Java's default): never set", nil, ""},
		{"orderMessageEnable on", []Option{WithOrderMessageEnable(true)}, "broker-a:4;broker-b:4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tt.opts...)
				r.broker("broker-a", "10.0.0.1:10911", 0, "Ordered", "Plain").register()
				resp := r.invoke(protocol.RequestWithHeader(remoting.CodePutKVConfig, protocol.PutKVConfigRequestHeader{
					Namespace: NamespaceOrderTopicConfig, Key: "Ordered", Value: "broker-a:4;broker-b:4",
				}, nil))
				require.Equal(t, remoting.Success, resp.Code)

				for _, version := range []int32{317, 407} {
					ordered := decodeRoute(t, r.route("Ordered", version))
					require.Equal(t, tt.want, ordered.OrderTopicConf)
					plain := decodeRoute(t, r.route("Plain", version))
					require.Empty(t, plain.OrderTopicConf)
				}
				route, _ := r.ns.Route("Ordered")
				require.Equal(t, tt.want, route.OrderTopicConf)
			})
		})
	}
}
