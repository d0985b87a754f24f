package fault

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// outboundRig is a server that learns a client's connection from its heartbeat and then sends
// requests of its own to that client through an Injector, as a broker sends 39 and 326.
type outboundRig struct {
	inj  *Injector
	conn *remoting.Conn // the server's side of the client's connection

	mu       sync.Mutex
	received []int32 // codes of the requests the client got
	opaque   []int32 // and their opaques
}

func newOutboundRig(t *testing.T) *outboundRig {
	t.Helper()
	r := &outboundRig{inj: NewInjector(1)}
	mem := remoting.NewMemNetwork()
	srv := remotingtest.NewServer()
	conns := make(chan *remoting.Conn, 1)
	srv.Handle(remoting.CodeHeartBeat, func(ctx context.Context, req *remoting.Request) *remoting.Command {
		conns <- req.Conn
		return remotingtest.Succeed(ctx, req)
	})
	addr := remotingtest.Serve(t, mem, "broker-a:10911", srv)
	cli := remotingtest.NewClient(t, mem.Dial)
	record := func(_ context.Context, req *remoting.Request) *remoting.Command {
		r.mu.Lock()
		r.received = append(r.received, req.Command.Code)
		r.opaque = append(r.opaque, req.Command.Opaque)
		r.mu.Unlock()
		if req.Command.IsOneway() {
			return nil
		}
		return remoting.NewResponse(req.Command, remoting.Success, "")
	}
	cli.Handle(remoting.CodeCheckTransactionState, record)
	cli.Handle(remoting.CodePushReplyMessageToClient, record)
	remotingtest.Invoke(t, cli, addr, heartbeat())
	r.conn = <-conns
	return r
}

func (r *outboundRig) got() []int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int32(nil), r.received...)
}

func (r *outboundRig) opaques() []int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int32(nil), r.opaque...)
}

func check39() *remoting.Command {
	return remoting.NewRequest(remoting.CodeCheckTransactionState, map[string]string{"msgId": "M"}, nil)
}

func push326() *remoting.Command {
	return remoting.NewRequest(remoting.CodePushReplyMessageToClient, map[string]string{"topic": "C_REPLY_TOPIC"}, nil)
}

func TestOutboundOneway(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      *Rule
		delivered bool
		elapsed   time.Duration
		connAlive bool
	}{
		{name: "no rule", delivered: true, connAlive: true},
		{name: "drop", rule: &Rule{Code: remoting.CodeCheckTransactionState, Action: ActionDrop}, connAlive: true},
		{name: "delay", rule: &Rule{Code: remoting.CodeCheckTransactionState, Action: ActionDelay, Delay: 5 * time.Second},
			delivered: true, elapsed: 5 * time.Second, connAlive: true},
		{name: "close", rule: &Rule{Code: remoting.CodeCheckTransactionState, Action: ActionClose}},
		{name: "error passes oneway requests by", rule: &Rule{Code: remoting.CodeCheckTransactionState, Action: ActionError},
			delivered: true, connAlive: true},
		{name: "a rule for every code is about requests received", rule: &Rule{Action: ActionDrop},
			delivered: true, connAlive: true},
		{name: "a rule for another code", rule: &Rule{Code: remoting.CodeSendMessageV2, Action: ActionDrop},
			delivered: true, connAlive: true},
	} {
		for _, via := range []string{"invoke", "forward"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newOutboundRig(t)
					var h *Handle
					if tc.rule != nil {
						h = r.inj.Add(*tc.rule)
					}
					start := time.Now()
					var err error
					if via == "invoke" {
						err = r.inj.InvokeOneway(t.Context(), r.conn, check39())
					} else {
						req := check39()
						req.Opaque, req.Flag = 4242, remoting.FlagOneway
						var resp *remoting.Command
						resp, err = r.inj.Forward(t.Context(), r.conn, req)
						require.Nil(t, resp)
					}
					elapsed := time.Since(start)
					synctest.Wait()
					if tc.connAlive {
						require.NoError(t, err)
					} else {
						require.ErrorIs(t, err, remoting.ErrConnectionClosed)
					}
					require.Equal(t, tc.elapsed, elapsed)
					require.Equal(t, tc.connAlive, r.conn.Alive())
					if tc.delivered {
						require.Equal(t, []int32{remoting.CodeCheckTransactionState}, r.got())
					} else {
						require.Empty(t, r.got())
					}
					if h != nil && tc.rule.Code == remoting.CodeCheckTransactionState && tc.rule.Action != ActionError {
						require.Equal(t, 1, h.Fired())
					}
					if tc.delivered && via == "forward" {
						require.Equal(t, []int32{4242}, r.opaques(), "forwarded with its own opaque")
					}
				})
			})
		}
	}
}

func TestOutboundTwoWay(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      *Rule
		check     func(t *testing.T, resp *remoting.Command, err error)
		delivered bool
		elapsed   time.Duration
	}{
		{name: "no rule", delivered: true, check: func(t *testing.T, resp *remoting.Command, err error) {
			require.NoError(t, err)
			require.Equal(t, remoting.Success, resp.Code)
		}},
		{name: "drop waits out the deadline", rule: &Rule{Code: remoting.CodePushReplyMessageToClient, Action: ActionDrop},
			elapsed: 10 * time.Second, check: func(t *testing.T, _ *remoting.Command, err error) {
				require.ErrorIs(t, err, remoting.ErrTimeout)
			}},
		{name: "error answers for the client", rule: &Rule{Code: remoting.CodePushReplyMessageToClient, Action: ActionError, ResponseCode: remoting.SystemBusy, Remark: "busy"},
			check: func(t *testing.T, resp *remoting.Command, err error) {
				require.NoError(t, err)
				require.Equal(t, remoting.SystemBusy, resp.Code)
				require.Equal(t, "busy", resp.Remark)
				require.True(t, resp.IsResponse())
			}},
		{name: "override", rule: &Rule{Code: remoting.CodePushReplyMessageToClient, Action: ActionOverride, ResponseCode: remoting.SystemError},
			delivered: true, check: func(t *testing.T, resp *remoting.Command, err error) {
				require.NoError(t, err)
				require.Equal(t, remoting.SystemError, resp.Code)
			}},
		{name: "corrupt", rule: &Rule{Code: remoting.CodePushReplyMessageToClient, Action: ActionCorrupt},
			delivered: true, check: func(t *testing.T, _ *remoting.Command, err error) {
				require.ErrorIs(t, err, remoting.ErrConnectionClosed)
			}},
		{name: "close", rule: &Rule{Code: remoting.CodePushReplyMessageToClient, Action: ActionClose},
			check: func(t *testing.T, _ *remoting.Command, err error) {
				require.ErrorIs(t, err, remoting.ErrConnectionClosed)
			}},
		{name: "delay", rule: &Rule{Code: remoting.CodePushReplyMessageToClient, Action: ActionDelay, Delay: time.Second},
			delivered: true, elapsed: time.Second, check: func(t *testing.T, resp *remoting.Command, err error) {
				require.NoError(t, err)
				require.Equal(t, remoting.Success, resp.Code)
			}},
	} {
		for _, via := range []string{"invoke", "forward"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newOutboundRig(t)
					if tc.rule != nil {
						r.inj.Add(*tc.rule)
					}
					ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
					defer cancel()
					start := time.Now()
					var resp *remoting.Command
					var err error
					if via == "invoke" {
						resp, err = r.inj.Invoke(ctx, r.conn, push326())
					} else {
						req := push326()
						req.Opaque = 4242
						resp, err = r.inj.Forward(ctx, r.conn, req)
					}
					require.Equal(t, tc.elapsed, time.Since(start))
					tc.check(t, resp, err)
					synctest.Wait()
					if tc.delivered {
						require.Equal(t, []int32{remoting.CodePushReplyMessageToClient}, r.got())
					} else {
						require.Empty(t, r.got())
					}
					if tc.delivered && via == "forward" {
						require.Equal(t, []int32{4242}, r.opaques(), "forwarded with its own opaque")
						if err == nil {
							require.Equal(t, int32(4242), resp.Opaque)
						}
					}
				})
			})
		}
	}
}
