package fakebroker

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// consumer is a client of the rig that heartbeats as a member of a consumer group and answers
// what the broker asks it with answer (nil: a oneway request, or no answer), keeping what it
// was sent.
type consumer struct {
	c   *remoting.Client
	got chan *remoting.Command
}

func (r *rig) consumer(id, group string, version int32, answer func(*remoting.Command) *remoting.Command) *consumer {
	r.t.Helper()
	m := &consumer{c: r.newClient(), got: make(chan *remoting.Command, 16)}
	for _, code := range []int32{remoting.CodeResetConsumerClientOffset, remoting.CodeGetConsumerStatusFromClient,
		remoting.CodeGetConsumerRunningInfo, remoting.CodeConsumeMessageDirectly} {
		m.c.Handle(code, func(_ context.Context, req *remoting.Request) *remoting.Command {
			m.got <- req.Command
			if answer == nil {
				return nil
			}
			return answer(req.Command)
		})
	}
	hb := remoting.NewRequest(remoting.CodeHeartBeat, nil,
		(&protocol.HeartbeatData{ClientID: id, ConsumerDataSet: []protocol.ConsumerData{consumerData(group, "T")}}).Encode())
	hb.Version = version
	require.Equal(r.t, remoting.Success, invokeOn(r.t, m.c, hb).Code)
	return m
}

// received returns what the consumer was sent so far, once the broker is idle.
func (m *consumer) received() []*remoting.Command {
	synctest.Wait()
	var out []*remoting.Command
	for {
		select {
		case c := <-m.got:
			out = append(out, c)
		default:
			return out
		}
	}
}

func queueT(q int32) protocol.MessageQueue {
	return protocol.MessageQueue{Topic: "T", BrokerName: DefaultBrokerName, QueueID: q}
}

func (r *rig) commit(group string, queue int32, offset int64) {
	r.t.Helper()
	resp := r.invoke(protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset, protocol.UpdateConsumerOffsetRequestHeader{
		ConsumerGroup: group, Topic: "T", QueueID: queue, CommitOffset: offset}, nil))
	require.Equal(r.t, remoting.Success, resp.Code)
}

func TestResetOffset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		for range 3 {
			r.send(remoting.CodeSendMessageV2, "T", 0, "m", nil)
		}
		r.send(remoting.CodeSendMessageV2, "T", 1, "m", nil)
		reset := func(group string, timestamp int64, force bool) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodeInvokeBrokerToResetOffset,
				protocol.ResetOffsetRequestHeader{Topic: "T", Group: group, Timestamp: timestamp, IsForce: force}, nil))
		}
		offsetsOf := func(body []byte) map[protocol.MessageQueue]int64 {
			b, err := protocol.DecodeResetOffsetBody(body)
			require.NoError(t, err)
			return b.OffsetTable
		}

		resp := reset("cg", -1, false)
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "THe consumer group <cg> not exist", resp.Remark, "no committed offsets")
		r.commit("cg", 0, 1)
		require.Equal(t, "THe consumer group <cg> not exist", reset("cg", -1, false).Remark, "every queue needs one")
		r.commit("cg", 1, 1)
		resp = reset("cg", -1, false)
		require.Equal(t, remoting.ConsumerNotOnline, resp.Code)
		require.Equal(t, "Consumer not online, so can not reset offset, Group: cg Topic: T Timestamp: -1", resp.Remark)

		m1 := r.consumer("c1", "cg", remoting.CurrentVersion, nil)
		m2 := r.consumer("c2", "cg", remoting.CurrentVersion, nil)
		resp = reset("cg", -1, false)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Nil(t, resp.ExtFields)
		require.Equal(t, map[protocol.MessageQueue]int64{queueT(0): 1, queueT(1): 1}, offsetsOf(resp.Body),
			"the end is past the committed offsets: without force they stay")
		for _, m := range []*consumer{m1, m2} {
			got := m.received()
			require.Len(t, got, 1)
			require.True(t, got[0].IsOneway())
			require.Equal(t, remoting.CodeResetConsumerClientOffset, got[0].Code)
			require.Equal(t, map[string]string{"topic": "T", "group": "cg", "timestamp": "-1", "isForce": "false"}, got[0].ExtFields)
			require.Equal(t, string(resp.Body), string(got[0].Body))
		}
		require.Equal(t, map[protocol.MessageQueue]int64{queueT(0): 3, queueT(1): 1}, offsetsOf(reset("cg", -1, true).Body))
		require.Equal(t, map[protocol.MessageQueue]int64{queueT(0): 0, queueT(1): 0}, offsetsOf(reset("cg", 0, false).Body))
		off, _ := r.b.ConsumerOffset("cg", "T", 0)
		require.Equal(t, int64(1), off, "the broker's offsets stay: consumers commit the new ones")

		// A C++ admin client gets the offsets as a list in the pushed request.
		m1.received()
		m2.received()
		cpp := protocol.RequestWithHeader(remoting.CodeInvokeBrokerToResetOffset,
			protocol.ResetOffsetRequestHeader{Topic: "T", Group: "cg", Timestamp: -1, IsForce: true}, nil)
		cpp.Language = remoting.LanguageCPP
		resp = r.invoke(cpp)
		require.Equal(t, remoting.Success, resp.Code)
		pushed := m1.received()[0]
		forC, err := protocol.DecodeResetOffsetBodyForC(pushed.Body)
		require.NoError(t, err)
		require.Equal(t, offsetsOf(resp.Body), forC.OffsetTable)
		require.True(t, strings.HasPrefix(string(pushed.Body), `{"offsetTable":[`))

		resp = r.invoke(protocol.RequestWithHeader(remoting.CodeInvokeBrokerToResetOffset,
			protocol.ResetOffsetRequestHeader{Topic: "Nope", Group: "cg", Timestamp: -1}, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "[reset-offset] reset offset failed, no topic in this broker. topic=Nope", resp.Remark)

		// A member too old for it stops the loop.
		r.commit("old", 0, 0)
		r.commit("old", 1, 0)
		r.consumer("c3", "old", 20, nil)
		resp = reset("old", -1, false)
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "the client does not support this feature. version=V3_0_3_SNAPSHOT", resp.Remark)
	})
}

func TestGetConsumerStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		statusOf := func(offset int64) func(*remoting.Command) *remoting.Command {
			return func(req *remoting.Command) *remoting.Command {
				resp := remoting.NewResponse(req, remoting.Success, "")
				resp.Body = (&protocol.GetConsumerStatusBody{MessageQueueTable: map[protocol.MessageQueue]int64{queueT(0): offset}}).Encode()
				return resp
			}
		}
		ask := func(clientAddr string) *protocol.GetConsumerStatusBody {
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeInvokeBrokerToGetConsumerStatus,
				protocol.GetConsumerStatusRequestHeader{Topic: "T", Group: "cg", ClientAddr: clientAddr}, nil))
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			require.Nil(t, resp.ExtFields)
			body, err := protocol.DecodeGetConsumerStatusBody(resp.Body)
			require.NoError(t, err)
			return body
		}

		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeInvokeBrokerToGetConsumerStatus,
			protocol.GetConsumerStatusRequestHeader{Topic: "T", Group: "cg"}, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, consumerStatusUnknownGroup, resp.Remark)

		m1 := r.consumer("c1", "cg", remoting.CurrentVersion, statusOf(5))
		m2 := r.consumer("c2", "cg", remoting.CurrentVersion, statusOf(7))
		silent := r.consumer("c3", "cg", remoting.CurrentVersion, nil)
		start := time.Now()
		body := ask("")
		require.Equal(t, map[string]map[protocol.MessageQueue]int64{"c1": {queueT(0): 5}, "c2": {queueT(0): 7}}, body.ConsumerTable)
		require.Empty(t, body.MessageQueueTable)
		require.Equal(t, 5*time.Second, time.Since(start), "the silent member is waited for 5 s")
		req := m1.received()[0]
		require.Equal(t, remoting.CodeGetConsumerStatusFromClient, req.Code)
		require.Equal(t, map[string]string{"topic": "T", "group": "cg"}, req.ExtFields)
		require.Len(t, silent.received(), 1)

		m1.received()
		m2.received()
		require.Equal(t, map[string]map[protocol.MessageQueue]int64{"c2": {queueT(0): 7}}, ask("c2").ConsumerTable)
		require.Empty(t, m1.received(), "only the client asked for")
	})
}

func TestConsumerRunningInfoIsRelayed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		info := &protocol.ConsumerRunningInfo{Properties: map[string]string{"consumerGroup": "cg"}}
		m := r.consumer("c1", "cg", remoting.CurrentVersion, func(req *remoting.Command) *remoting.Command {
			if req.ExtFields["consumerGroup"] != "cg" {
				return remoting.NewResponse(req, remoting.SystemError, "The Consumer Group <"+req.ExtFields["consumerGroup"]+"> not exist in this consumer")
			}
			resp := remoting.NewResponse(req, remoting.Success, "")
			resp.Language, resp.Version = remoting.LanguageGo, 317
			resp.ExtFields = map[string]string{"x": "y"}
			resp.Body = info.Encode()
			return resp
		})
		ask := func(group, client string) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodeGetConsumerRunningInfo,
				protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: group, ClientID: client, JstackEnable: true}, nil))
		}
		resp := ask("cg", "c1")
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, string(info.Encode()), string(resp.Body))
		require.Equal(t, map[string]string{"x": "y"}, resp.ExtFields)
		require.Equal(t, remoting.LanguageGo, resp.Language, "the consumer's answer as it came")
		require.Equal(t, int32(317), resp.Version)
		got := m.received()[0]
		require.Equal(t, map[string]string{"consumerGroup": "cg", "clientId": "c1", "jstackEnable": "true"}, got.ExtFields)
		require.Equal(t, remoting.LanguageJava, got.Language)

		// In the admin request's serialize type.
		bin := protocol.RequestWithHeader(remoting.CodeGetConsumerRunningInfo,
			protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: "cg", ClientID: "c1"}, nil)
		bin.SerializeType = remoting.SerializeRocketMQ
		require.Equal(t, remoting.SerializeRocketMQ, r.invoke(bin).SerializeType)

		resp = ask("cg", "c9")
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "The Consumer <cg> <c9> not online", resp.Remark)
		r.consumer("c2", "old", 40, nil)
		resp = ask("old", "c2")
		require.Equal(t, "The Consumer <c2> Version <V3_0_13_SNAPSHOT> too low to finish, please upgrade it to V3_1_8_SNAPSHOT", resp.Remark)

		// Faults act on what goes to the consumer.
		r.b.Faults().Add(fault.Rule{Code: remoting.CodeGetConsumerRunningInfo, Action: fault.ActionError,
			ResponseCode: remoting.SystemBusy, Remark: "busy", Times: 1})
		resp = ask("cg", "c1")
		require.Equal(t, remoting.SystemBusy, resp.Code)
		require.Equal(t, "busy", resp.Remark)
	})
}

func TestConsumerCallTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		m := r.consumer("c1", "cg", remoting.CurrentVersion, nil)
		conn, err := m.c.Conn(context.Background(), brokerAddr)
		require.NoError(t, err)
		start := time.Now()
		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetConsumerRunningInfo,
			protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: "cg", ClientID: "c1"}, nil))
		require.Equal(t, 10*time.Second, time.Since(start))
		require.Equal(t, remoting.ConsumeMsgTimeout, resp.Code)
		require.Equal(t, "consumer <cg> <c1> Timeout: org.apache.rocketmq.remoting.exception.RemotingTimeoutException: wait response on the channel <"+
			conn.LocalAddr()+"> timeout, 10000(ms), org.apache.rocketmq.remoting.netty.NettyRemotingAbstract.invokeSyncImpl(NettyRemotingAbstract.java:439)", resp.Remark)
	})
}

func TestConsumeMessageDirectly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		sent := r.send(remoting.CodeSendMessageV2, "T", 0, "hello", map[string]string{"TAGS": "A"})
		result := &protocol.ConsumeMessageDirectlyResult{AutoCommit: true, ConsumeResult: protocol.CMResultSuccess, SpentTimeMills: 3}
		m := r.consumer("c1", "cg", remoting.CurrentVersion, func(req *remoting.Command) *remoting.Command {
			resp := remoting.NewResponse(req, remoting.Success, "")
			resp.Body = result.Encode()
			return resp
		})
		direct := func(msgID string) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodeConsumeMessageDirectly,
				protocol.ConsumeMessageDirectlyResultRequestHeader{ConsumerGroup: "cg", ClientID: "c1", MsgID: msgID}, nil))
		}
		resp := direct(sent.MsgID)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, string(result.Encode()), string(resp.Body))
		got := m.received()[0]
		require.Equal(t, map[string]string{"consumerGroup": "cg", "clientId": "c1", "msgId": sent.MsgID, "brokerName": DefaultBrokerName},
			got.ExtFields)
		msgs, err := protocol.DecodeStoredMessages(got.Body)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, "hello", string(msgs[0].Body))
		require.Equal(t, sent.MsgID, msgs[0].MsgID)

		_, off, err := protocol.DecodeOffsetMsgID(sent.MsgID)
		require.NoError(t, err)
		resp = direct(protocol.CreateOffsetMsgID(r.b.currentStoreHost(), off+1<<20))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, consumeDirectlyNoMessage, resp.Remark)
		resp = direct("")
		require.Equal(t, consumeDirectlyWithoutMsgID, resp.Remark)
		resp = r.invoke(remoting.NewRequest(remoting.CodeConsumeMessageDirectly, nil, nil))
		require.Equal(t, consumeDirectlyWithoutExtFields, resp.Remark)
	})
}
