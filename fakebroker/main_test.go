package fakebroker

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	nsAddr     = "127.0.0.1:9876"
	brokerAddr = "127.0.0.1:10911"
	clientID   = "192.0.2.2@4242"
)

// stubNS is a minimal stand-in name server: it records what it receives (through a
// fault.History) and answers 103 and 104 with SUCCESS, 103 with a KV table body when kv is set.
type stubNS struct {
	srv  *remoting.Server
	addr string
	hist *fault.History
	mu   sync.Mutex
	kv   map[string]string
}

// newStubNS serves a stand-in name server on addr of mem, or of loopback TCP when mem is nil.
func newStubNS(t *testing.T, mem *remoting.MemNetwork, addr string) *stubNS {
	t.Helper()
	ns := &stubNS{srv: remotingtest.NewServer(), hist: fault.NewHistory(fault.WithMaxBody(1 << 20))}
	fault.Install(ns.srv, ns.hist, nil)
	ns.srv.Handle(remoting.CodeRegisterBroker, func(_ context.Context, req *remoting.Request) *remoting.Command {
		resp := remoting.NewResponse(req.Command, remoting.Success, "")
		resp.ExtFields = map[string]string{}
		ns.mu.Lock()
		if ns.kv != nil {
			resp.Body = (&protocol.KVTable{Table: ns.kv}).Encode()
		}
		ns.mu.Unlock()
		return resp
	})
	ns.srv.Handle(remoting.CodeUnregisterBroker, remotingtest.Succeed)
	ns.addr = remotingtest.Serve(t, mem, addr, ns.srv)
	return ns
}

func (ns *stubNS) setKV(kv map[string]string) {
	ns.mu.Lock()
	ns.kv = kv
	ns.mu.Unlock()
}

// registrations returns the 103s received so far.
func (ns *stubNS) registrations() []fault.Entry { return ns.hist.Requests(remoting.CodeRegisterBroker) }

// await waits for the n-th request with the given code.
func (ns *stubNS) await(t *testing.T, code int32, n int) fault.Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	count := 0
	e, err := ns.hist.WaitFor(ctx, func(e fault.Entry) bool {
		if e.Code == code {
			count++
		}
		return e.Code == code && count == n
	})
	require.NoError(t, err)
	return e
}

// body decodes a recorded 103's body.
func regBody(t *testing.T, e fault.Entry) *protocol.RegisterBrokerBody {
	t.Helper()
	require.Equal(t, e.BodySize, len(e.Body), "register body truncated by the history")
	b, err := protocol.DecodeRegisterBrokerBody(e.Body, e.ExtFields[protocol.FieldCompressed] == "true")
	require.NoError(t, err)
	return b
}

// rig is a broker and a stand-in name server on a MemNetwork, with a client connected to the
// broker. Create it inside the testing/synctest bubble that uses it.
type rig struct {
	t      *testing.T
	mem    *remoting.MemNetwork
	ns     *stubNS
	b      *Broker
	client *remoting.Client
}

func baseOptions(mem *remoting.MemNetwork, nameServers ...string) []Option {
	return []Option{
		WithLogger(testkit.Quiet),
		WithListenAddr(brokerAddr),
		WithListenFunc(mem.Listen),
		WithDialer(mem.Dial),
		WithNameServers(nameServers...),
		WithTransactionCheckInterval(0),
	}
}

func newRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	r := &rig{t: t, mem: remoting.NewMemNetwork()}
	r.ns = newStubNS(t, r.mem, nsAddr)
	r.b = New(append(baseOptions(r.mem, nsAddr), opts...)...)
	require.NoError(t, r.b.Start())
	t.Cleanup(r.b.Crash)
	r.client = r.newClient()
	return r
}

// restart crashes the broker and starts it again. The crash closed the rig's connection, so it
// lets the rig's client see that before the test asks again; otherwise the question may be
// written to the dead connection and fail with a broken pipe (a few in a thousand runs).
func (r *rig) restart() {
	r.t.Helper()
	r.b.Crash()
	require.NoError(r.t, r.b.Start())
	synctest.Wait()
}

// newClient returns a client with a connection of its own to the broker.
func (r *rig) newClient(opts ...remoting.ClientOption) *remoting.Client {
	return remotingtest.NewClient(r.t, r.mem.Dial, opts...)
}

// invoke sends req to the broker over the rig's client.
func (r *rig) invoke(req *remoting.Command) *remoting.Command {
	r.t.Helper()
	return invokeOn(r.t, r.client, req)
}

// invokeOn sends req to the broker over c.
func invokeOn(t *testing.T, c *remoting.Client, req *remoting.Command) *remoting.Command {
	t.Helper()
	return remotingtest.Invoke(t, c, brokerAddr, req)
}

// sendHeader is a send header as a Java producer fills it.
func sendHeader(topic string, queue int32, props map[string]string) protocol.SendMessageRequestHeader {
	zero := int32(0)
	return protocol.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: protocol.AutoCreateTopicKey, DefaultTopicQueueNums: 4,
		QueueID: queue, BornTimestamp: 1_700_000_000_000, Properties: protocol.EncodeProperties(props),
		ReconsumeTimes: &zero, BrokerName: "broker-a",
	}
}

// sendReq builds a send request with the code's header form (10: v1, 310/320: v2).
func sendReq(t *testing.T, code int32, h protocol.SendMessageRequestHeader, body []byte) *remoting.Command {
	t.Helper()
	if code == remoting.CodeSendBatchMessage {
		h.Batch = true
	}
	hdr, err := h.HeaderFor(code)
	require.NoError(t, err)
	return protocol.RequestWithHeader(code, hdr, body)
}

// send sends one message with the given code and requires success.
func (r *rig) send(code int32, topic string, queue int32, body string, props map[string]string) protocol.SendMessageResponseHeader {
	r.t.Helper()
	resp := r.invoke(sendReq(r.t, code, sendHeader(topic, queue, props), []byte(body)))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	h, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
	require.NoError(r.t, err)
	return h
}

// heartbeat sends a heartbeat over c.
func heartbeat(t *testing.T, c *remoting.Client, hb *protocol.HeartbeatData) *remoting.Command {
	t.Helper()
	resp := invokeOn(t, c, remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode()))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	return resp
}

// consumerData is a push consumer's heartbeat entry subscribing to topics with "*".
func consumerData(group string, topics ...string) protocol.ConsumerData {
	cd := protocol.ConsumerData{
		GroupName: group, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
		ConsumeFromWhere: protocol.ConsumeFromLastOffset,
	}
	for _, topic := range topics {
		cd.SubscriptionDataSet = append(cd.SubscriptionDataSet, protocol.SubscriptionData{
			Topic: topic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag,
		})
	}
	return cd
}

// pullHeader is a push consumer's pull of one queue (suspend, no subscription in the request).
func pullHeader(group, topic string, queue int32, offset int64) protocol.PullMessageRequestHeader {
	return protocol.PullMessageRequestHeader{
		ConsumerGroup: group, Topic: topic, QueueID: queue, QueueOffset: offset, MaxMsgNums: 32,
		SysFlag: protocol.PullSysFlagSuspend, SuspendTimeoutMillis: 20_000, ExpressionType: protocol.ExpressionTypeTag,
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
