package fault

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// rig is a small broker over a MemNetwork with a History and an Injector installed: sends of
// SEND_MESSAGE_V2 are stored, heartbeats and route queries answered SUCCESS. Create it inside
// the synctest bubble that uses it.
type rig struct {
	t    *testing.T
	mem  *remoting.MemNetwork
	srv  *remoting.Server
	addr string
	inj  *Injector
	hist *History

	mu     sync.Mutex
	stored []string // topics of the sends the handler ran for, in order
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigWith(t, NewInjector(1), NewHistory())
}

func newRigWith(t *testing.T, inj *Injector, hist *History) *rig {
	t.Helper()
	r := &rig{t: t, mem: remoting.NewMemNetwork(), inj: inj, hist: hist}
	r.srv = remotingtest.NewServer()
	Install(r.srv, r.hist, r.inj)
	// Served inline as the fake broker serves its sends: the injector sends them to workers
	// while it has rules (TestDelayHoldsOnlyItsOwnRequest fails otherwise).
	r.srv.HandleInline(remoting.CodeSendMessageV2, r.store, nil)
	r.srv.Handle(remoting.CodeHeartBeat, remotingtest.Succeed)
	r.srv.Handle(remoting.CodeGetRouteInfoByTopic, remotingtest.Succeed)
	r.addr = remotingtest.Serve(t, r.mem, "broker-a:10911", r.srv)
	return r
}

func (r *rig) store(_ context.Context, req *remoting.Request) *remoting.Command {
	r.mu.Lock()
	r.stored = append(r.stored, req.Command.Ext("b"))
	n := len(r.stored)
	r.mu.Unlock()
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.ExtFields = map[string]string{"msgId": "MSG" + strconv.Itoa(n), "queueId": "0"}
	return resp
}

func (r *rig) storedTopics() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.stored...)
}

func (r *rig) client() *remoting.Client { return remotingtest.NewClient(r.t, r.mem.Dial) }

// invoke sends req with a 3 s deadline, Java's default send timeout.
func (r *rig) invoke(c *remoting.Client, req *remoting.Command) (*remoting.Command, error) {
	return remotingtest.InvokeWithin(r.t, c, r.addr, req, 3*time.Second)
}

// onlyEntry returns the single entry of the history.
func (r *rig) onlyEntry() Entry {
	r.t.Helper()
	entries := r.hist.Entries()
	require.Len(r.t, entries, 1)
	return entries[0]
}

func sendV2(topic, group string) *remoting.Command {
	return remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"a": group, "b": topic}, []byte("hello"))
}

func heartbeat() *remoting.Command { return remoting.NewRequest(remoting.CodeHeartBeat, nil, nil) }

func itoa(i int) string { return strconv.Itoa(i) }

// heartbeatOf is a HEART_BEAT whose body names one producer group and one consumer group.
func heartbeatOf(t *testing.T, producerGroup string) *remoting.Command {
	t.Helper()
	hb := protocol.HeartbeatData{
		ClientID:        "127.0.0.1@1",
		ProducerDataSet: []protocol.ProducerData{{GroupName: producerGroup}},
		ConsumerDataSet: []protocol.ConsumerData{{GroupName: "CID_" + producerGroup}},
	}
	return remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
}
