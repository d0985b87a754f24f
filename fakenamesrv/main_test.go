package fakenamesrv

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const nsAddr = "namesrv:9876"

// rig is a fake name server on a MemNetwork with a client connected to it. Create it inside
// the testing/synctest bubble that uses it; everything is closed when the test ends.
type rig struct {
	t      *testing.T
	ns     *Server
	mem    *remoting.MemNetwork
	addr   string
	client *remoting.Client
	// clientOpts go to the clients made from now on (brokers' included).
	clientOpts []remoting.ClientOption
}

func newRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	r := &rig{t: t, mem: remoting.NewMemNetwork()}
	r.ns = New(append([]Option{WithLogger(testkit.Quiet)}, opts...)...)
	r.addr = remotingtest.Serve(t, r.mem, nsAddr, r.ns)
	r.client = r.newClient()
	return r
}

// newClient returns a client of its own (its own connection to the name server).
func (r *rig) newClient() *remoting.Client {
	return remotingtest.NewClient(r.t, r.mem.Dial, r.clientOpts...)
}

// invoke sends req over the rig's client and returns the answer.
func (r *rig) invoke(req *remoting.Command) *remoting.Command {
	r.t.Helper()
	return remotingtest.Invoke(r.t, r.client, r.addr, req)
}

// route asks for topic's route as a client of the given version would.
func (r *rig) route(topic string, version int32) *remoting.Command {
	r.t.Helper()
	req := protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: topic}, nil)
	req.Version = version
	return r.invoke(req)
}

// decodeRoute requires a successful route answer and decodes it.
func decodeRoute(t *testing.T, resp *remoting.Command) *protocol.TopicRouteData {
	t.Helper()
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	d, err := protocol.DecodeTopicRouteData(resp.Body)
	require.NoError(t, err)
	return d
}

// testBroker registers with the rig's name server over a connection of its own, as a broker does.
type testBroker struct {
	r       *rig
	client  *remoting.Client
	cluster string
	name    string
	addr    string
	id      int64
	topics  map[string]protocol.TopicConfig
	version protocol.DataVersion
}

// broker returns a broker of the cluster "DefaultCluster" holding topics (name or name:queues),
// each with 4 queues and perm 6 unless said otherwise.
func (r *rig) broker(name, addr string, id int64, topics ...string) *testBroker {
	b := &testBroker{
		r: r, client: r.newClient(), cluster: "DefaultCluster", name: name, addr: addr, id: id,
		topics: map[string]protocol.TopicConfig{}, version: protocol.DataVersion{Timestamp: 1000, Counter: 1},
	}
	for _, spec := range topics {
		b.addTopic(spec)
	}
	return b
}

func (b *testBroker) addTopic(spec string) {
	name, queues, _ := strings.Cut(spec, ":")
	tc := protocol.NewTopicConfig(name)
	tc.ReadQueueNums, tc.WriteQueueNums = 4, 4
	if queues != "" {
		n, _ := strconv.Atoi(queues)
		tc.ReadQueueNums, tc.WriteQueueNums = int32(n), int32(n)
	}
	b.topics[name] = tc
}

func (b *testBroker) header() protocol.RegisterBrokerRequestHeader {
	return protocol.RegisterBrokerRequestHeader{
		BrokerName: b.name, BrokerAddr: b.addr, ClusterName: b.cluster,
		HAServerAddr: haAddr(b.addr), BrokerID: b.id,
	}
}

func haAddr(addr string) string {
	host, port, _ := strings.Cut(addr, ":")
	n, _ := strconv.Atoi(port)
	return host + ":" + strconv.Itoa(n+1)
}

func (b *testBroker) registerRequest() *remoting.Command {
	b.r.t.Helper()
	body := protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{
		TopicConfigTable: b.topics, DataVersion: b.version,
	}}
	data, err := body.Encode(false)
	require.NoError(b.r.t, err)
	h := b.header()
	h.BodyCRC32 = protocol.BodyCRC32(data)
	return protocol.RequestWithHeader(remoting.CodeRegisterBroker, h, data)
}

// register sends REGISTER_BROKER and requires success.
func (b *testBroker) register() *remoting.Command {
	b.r.t.Helper()
	resp := remotingtest.Invoke(b.r.t, b.client, b.r.addr, b.registerRequest())
	require.Equal(b.r.t, remoting.Success, resp.Code, resp.Remark)
	return resp
}

// bump changes the broker's DataVersion, as a broker does when its topics change.
func (b *testBroker) bump() { b.version.Counter++ }

func (b *testBroker) unregister() *remoting.Command {
	b.r.t.Helper()
	h := protocol.UnRegisterBrokerRequestHeader{BrokerName: b.name, BrokerAddr: b.addr, ClusterName: b.cluster, BrokerID: b.id}
	return remotingtest.Invoke(b.r.t, b.client, b.r.addr, protocol.RequestWithHeader(remoting.CodeUnregisterBroker, h, nil))
}

// crash closes the broker's connection to the name server, as a killed broker's socket closes.
func (b *testBroker) crash() { b.client.CloseConn(b.r.addr) }

// brokerNames returns the names of the route's brokers, in the answer's order.
func brokerNames(d *protocol.TopicRouteData) []string {
	var out []string
	for _, b := range d.BrokerDatas {
		out = append(out, b.BrokerName)
	}
	return out
}

// onlineAddrs lists the addresses the server holds as online.
func onlineAddrs(s *Server) []string {
	var out []string
	for _, b := range s.Brokers() {
		if b.Online {
			out = append(out, b.Addr)
		}
	}
	return out
}
