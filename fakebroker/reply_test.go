package fakebroker

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

const (
	requesterID = "192.0.2.2@requester"
	replyTopic  = "DefaultCluster_REPLY_TOPIC"
)

// requester is a client that sent a request and waits for replies: it heartbeats as a
// producer (which puts its client id in the broker's table) and keeps the replies pushed to it.
type requester struct {
	c      *remoting.Client
	answer int32 // what it answers a push with

	mu      sync.Mutex
	replies []*remoting.Command
}

func (r *rig) newRequester() *requester {
	r.t.Helper()
	q := &requester{c: r.newClient(), answer: remoting.Success}
	q.c.Handle(remoting.CodePushReplyMessageToClient, func(_ context.Context, req *remoting.Request) *remoting.Command {
		cmd := *req.Command
		cmd.Body = slices.Clone(cmd.Body)
		q.mu.Lock()
		q.replies = append(q.replies, &cmd)
		code := q.answer
		q.mu.Unlock()
		return remoting.NewResponse(req.Command, code, "")
	})
	heartbeat(r.t, q.c, &protocol.HeartbeatData{ClientID: requesterID, ProducerDataSet: []protocol.ProducerData{{GroupName: "req-pg"}}})
	return q
}

func (q *requester) received() []*remoting.Command {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.replies)
}

// replyReq is a replier's SEND_REPLY_MESSAGE(_V2) as a Java consumer's producer sends it.
func replyReq(t *testing.T, code int32, props map[string]string) *remoting.Command {
	t.Helper()
	all := map[string]string{"MSG_TYPE": "reply", "CORRELATION_ID": "corr-1", "TTL": "3000", "CLUSTER": "DefaultCluster", "UNIQ_KEY": "R1", "WAIT": "true"}
	for k, v := range props {
		if v == "" {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	h := sendHeader(replyTopic, -1, all)
	h.ProducerGroup = "replier-pg"
	return sendReq(t, code, h, []byte("the answer"))
}

func TestSendReplyPushesToTheRequester(t *testing.T) {
	for _, code := range []int32{remoting.CodeSendReplyMessage, remoting.CodeSendReplyMessageV2} {
		t.Run(remoting.RequestCodeName(code), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				q := r.newRequester()
				req := replyReq(t, code, map[string]string{"REPLY_TO_CLIENT": requesterID})
				resp := r.invoke(req)
				require.Equal(t, remoting.Success, resp.Code, resp.Remark)
				require.Empty(t, resp.Remark)
				h, err := protocol.DecodeSendMessageResponseHeader(resp.ExtFields)
				require.NoError(t, err)
				stored := r.b.StoredMessages(replyTopic)
				require.Len(t, stored, 1)
				require.Equal(t, stored[0].MsgID, h.MsgID, "stored: the answer names the stored message")
				require.Equal(t, int32(0), h.QueueID)
				require.Equal(t, "DefaultRegion", h.MsgRegion)
				// Stored as the replier sent it: its properties string verbatim, sysFlag 0.
				sent, _ := protocol.DecodeSendMessageRequest(code, req.ExtFields)
				require.Equal(t, sent.Properties, storedProps(t, r.b, replyTopic, 0))
				require.Contains(t, stored[0].Properties, "WAIT")
				require.Zero(t, stored[0].SysFlag)

				pushes := q.received()
				require.Len(t, pushes, 1)
				push := pushes[0]
				require.False(t, push.IsOneway())
				require.Equal(t, "the answer", string(push.Body))
				rh, err := protocol.DecodeReplyMessageRequestHeader(push.ExtFields)
				require.NoError(t, err)
				props := protocol.DecodeProperties(rh.Properties)
				require.Equal(t, "corr-1", props["CORRELATION_ID"])
				require.Equal(t, requesterID, props["REPLY_TO_CLIENT"])
				require.Equal(t, "946684800000", props["PUSH_REPLY_TIME"])
				require.Equal(t, protocol.ReplyMessageRequestHeader{
					ProducerGroup: "replier-pg", Topic: replyTopic, DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
					QueueID: -1, BornTimestamp: 1_700_000_000_000, Properties: rh.Properties, ReconsumeTimes: ptr(int32(0)),
					BornHost: r.b.History().Requests(code)[0].Peer, StoreHost: brokerAddr, StoreTimestamp: time.Now().UnixMilli(),
				}, rh)
			})
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestSendReplyFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		props    map[string]string
		answer   int32
		fault    *fault.Rule
		remark   string
		elapsed  time.Duration
		noStore  bool
		wantPush int
	}{
		{name: "no REPLY_TO_CLIENT", remark: "reply message properties[REPLY_TO_CLIENT] is null"},
		{name: "a client the broker does not know", props: map[string]string{"REPLY_TO_CLIENT": "192.0.2.9@gone"},
			remark: "push reply message fail, channel of <192.0.2.9@gone> not found."},
		{name: "the client refuses", props: map[string]string{"REPLY_TO_CLIENT": requesterID}, answer: remoting.SystemError,
			remark: "push reply message to " + requesterID + "fail.", wantPush: 1},
		{name: "the push is lost", props: map[string]string{"REPLY_TO_CLIENT": requesterID},
			fault:  &fault.Rule{Code: remoting.CodePushReplyMessageToClient, Action: fault.ActionDrop},
			remark: "push reply message to " + requesterID + "fail.", elapsed: 10 * time.Second},
		{name: "not stored either", props: map[string]string{"REPLY_TO_CLIENT": "192.0.2.9@gone"}, noStore: true,
			remark: "push reply message fail, channel of <192.0.2.9@gone> not found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, WithStoreReplyMessage(!tc.noStore))
				q := r.newRequester()
				if tc.answer != 0 {
					q.answer = tc.answer
				}
				if tc.fault != nil {
					r.b.Faults().Add(*tc.fault)
				}
				start := time.Now()
				resp := r.invoke(replyReq(t, remoting.CodeSendReplyMessageV2, tc.props))
				require.Equal(t, tc.elapsed, time.Since(start))
				require.Equal(t, remoting.SystemError, resp.Code)
				require.Equal(t, tc.remark, resp.Remark)
				require.Len(t, q.received(), tc.wantPush)
				if tc.noStore {
					require.Equal(t, map[string]string{"MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}, resp.ExtFields)
					require.Empty(t, r.b.Messages(replyTopic))
					return
				}
				// Java stores the reply whatever became of the push, and says where.
				stored := r.b.StoredMessages(replyTopic)
				require.Len(t, stored, 1)
				require.Equal(t, stored[0].MsgID, resp.ExtFields["msgId"])
				require.Equal(t, "0", resp.ExtFields["queueOffset"])
			})
		})
	}
}

func TestSendReplyWithoutStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithStoreReplyMessage(false))
		q := r.newRequester()
		resp := r.invoke(replyReq(t, remoting.CodeSendReplyMessageV2, map[string]string{"REPLY_TO_CLIENT": requesterID}))
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, "0", resp.ExtFields["msgId"], "set to zero to avoid client decoding exception")
		require.Equal(t, "0", resp.ExtFields["queueOffset"])
		require.Len(t, q.received(), 1)
		require.Empty(t, r.b.Messages(replyTopic))
	})
}

// A requester that left: its connection is gone from the table, so the reply finds no channel.
func TestSendReplyToAClientThatLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		q := r.newRequester()
		require.NoError(t, q.c.Close())
		require.NoError(t, r.b.AwaitClients(t.Context(), func(cs []ClientInfo) bool { return len(cs) == 0 }))
		resp := r.invoke(replyReq(t, remoting.CodeSendReplyMessageV2, map[string]string{"REPLY_TO_CLIENT": requesterID}))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "push reply message fail, channel of <"+requesterID+"> not found.", resp.Remark)
	})
}

// The send checks come first: a reply to a topic clients may not send to is refused as a send.
func TestSendReplyChecksLikeASend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		h := sendHeader(protocol.TransHalfTopic, 0, map[string]string{"REPLY_TO_CLIENT": requesterID})
		resp := r.invoke(sendReq(t, remoting.CodeSendReplyMessageV2, h, []byte("x")))
		require.Equal(t, remoting.NoPermission, resp.Code)
		require.Equal(t, "Sending message to topic[RMQ_SYS_TRANS_HALF_TOPIC] is forbidden.", resp.Remark)
	})
}
