package realrmq

import (
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Transactions and request-reply, after the broker cases: half messages, END_TRANSACTION (37)
// in every outcome, the CHECK_TRANSACTION_STATE (39) a broker sends the harness's client (a
// producer of the group by its heartbeat), replies (324, 325) and the
// PUSH_REPLY_MESSAGE_TO_CLIENT (326) they cause. Each side's client keeps the requests its
// brokers send it (side.pushed); a case with pushed set compares one of them.

const (
	diffTxTopic    = "DiffTxTopic"
	diffTxPG       = "diff-tx-pg"
	diffTxClientID = "127.0.0.1@difftx" // the harness's client as a producer of diffTxPG, and as a requester
	diffReplyTopic = DefaultCluster + protocol.ReplyTopicSuffix
)

// txHalfReq is a transactional send as the Java producer makes it: TRAN_MSG and PGROUP in the
// properties, the PREPARED bits in sysFlag; halfQueue is the real queue.
func txHalfReq(uniq string, halfQueue int32) func(*side) *remoting.Command {
	return func(*side) *remoting.Command {
		h := sendHeader(diffTxTopic, halfQueue, map[string]string{
			protocol.PropertyTags: "TagTx", protocol.PropertyKeys: uniq, "UNIQ_KEY": uniq, "WAIT": "true",
			"TRAN_MSG": "true", "PGROUP": diffTxPG,
		})
		h.ProducerGroup = diffTxPG
		h.SysFlag = protocol.SysFlagTransactionPrepared
		return protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("tx "+uniq))
	}
}

// rememberHalf keeps what END_TRANSACTION names a half message by: the send answer's queue
// offset (key.qo) and the commit-log offset its msgId holds (key.clo).
func rememberHalf(key string) func(*testing.T, *side, *remoting.Command) {
	return func(t *testing.T, s *side, resp *remoting.Command) {
		rememberOffset(key+".clo")(t, s, resp)
		if qo, err := strconv.ParseInt(resp.Ext("queueOffset"), 10, 64); err == nil {
			s.vars[key+".qo"] = qo
		}
	}
}

// rememberCheck keeps the half message a check names, which the producer's answer names.
func rememberCheck(key string) func(*testing.T, *side, *remoting.Command) {
	return func(t *testing.T, s *side, c *remoting.Command) {
		h, err := protocol.DecodeCheckTransactionStateRequestHeader(c.ExtFields)
		if err != nil {
			t.Errorf("%s: check header: %v", s.name, err)
			return
		}
		s.vars[key+".clo"], s.vars[key+".qo"] = h.CommitLogOffset, h.TranStateTableOffset
	}
}

func endTxReq(key, uniq string, typ int32, fromCheck bool) func(*side) *remoting.Command {
	return func(s *side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodeEndTransaction, protocol.EndTransactionRequestHeader{
			ProducerGroup: diffTxPG, TranStateTableOffset: s.vars[key+".qo"], CommitLogOffset: s.vars[key+".clo"],
			CommitOrRollback: typ, FromTransactionCheck: fromCheck, MsgID: uniq, TransactionID: uniq,
		}, nil)
	}
}

func txPullReq(topic string, queue int32, offset int64) func(*side) *remoting.Command {
	return edit(pullReq(queue, offset), func(ext map[string]string) { ext["topic"] = topic })
}

func viewAt(key string) func(*side) *remoting.Command {
	return func(s *side) *remoting.Command {
		return protocol.RequestWithHeader(remoting.CodeViewMessageByID, protocol.ViewMessageRequestHeader{Offset: s.vars[key]}, nil)
	}
}

// rememberNextRecord keeps the commit-log offset of the record after the one a view returned.
func rememberNextRecord(from, key string) func(*testing.T, *side, *remoting.Command) {
	return func(t *testing.T, s *side, resp *remoting.Command) {
		if resp.Code != remoting.Success || len(resp.Body) < 4 {
			t.Errorf("%s: no record at %d", s.name, s.vars[from])
			return
		}
		s.vars[key] = s.vars[from] + int64(binary.BigEndian.Uint32(resp.Body))
	}
}

// checkOf accepts the check of the half message with the given UNIQ_KEY.
func checkOf(uniq string) func(*remoting.Command) bool {
	return func(c *remoting.Command) bool {
		return c.Code == remoting.CodeCheckTransactionState && c.Ext(protocol.FieldMsgID) == uniq
	}
}

// normCheck keeps of a check what two brokers must agree on: the header but the commit-log
// offset (and the offset id made of it), the body as normStored reads a record.
func normCheck(s *side, a *answer) {
	if _, ok := a.Ext["commitLogOffset"]; ok {
		a.Ext["commitLogOffset"] = "<commitLogOffset>"
	}
	if id, ok := a.Ext["offsetMsgId"]; ok && offsetMsgID.MatchString(id) {
		a.Ext["offsetMsgId"] = "<msgId>"
	}
	normStored(s, a)
}

var pushReplyTime = regexp.MustCompile("PUSH_REPLY_TIME\x01[0-9]+")

// normPush keeps of a pushed reply what two brokers must agree on: not the push time, nor the
// born time the harness gave each side's reply.
func normPush(_ *side, a *answer) {
	for _, k := range []string{"storeTimestamp", "bornTimestamp"} {
		if _, ok := a.Ext[k]; ok {
			a.Ext[k] = "<time>"
		}
	}
	if p, ok := a.Ext["properties"]; ok {
		a.Ext["properties"] = strings.NewReplacer("\x01", "=", "\x02", ";").Replace(pushReplyTime.ReplaceAllString(p, "PUSH_REPLY_TIME\x01<time>"))
	}
}

func transactionCases() []diffCase {
	on := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	heartbeat := func(*side) *remoting.Command {
		hb := &protocol.HeartbeatData{ClientID: diffTxClientID, ProducerDataSet: []protocol.ProducerData{{GroupName: diffTxPG}}}
		return remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
	}
	commit, rollback, unknown := protocol.CommitOrRollbackCommit, protocol.CommitOrRollbackRollback, protocol.CommitOrRollbackNone
	endTx1 := func(f func(ext map[string]string)) func(*side) *remoting.Command {
		return edit(endTxReq("tx1", "DIFFTX1", commit, false), f)
	}
	return []diffCase{
		{name: "create transaction topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
				Topic: diffTxTopic, DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 2, WriteQueueNums: 2,
				Perm: 6, TopicFilterType: protocol.SingleTag,
			})},
		{name: "producer heartbeat", code: remoting.CodeHeartBeat, target: brokerA, req: heartbeat},
		{name: "send plain message", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: sendReq(remoting.CodeSendMessageV2, diffTxTopic, 0, []byte("plain")), after: rememberOffset("plain")},
		{name: "send half message", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: txHalfReq("DIFFTX1", 1), after: rememberHalf("tx1")},
		{name: "half message is not visible", code: remoting.CodeGetMaxOffset, target: brokerA,
			req: on(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: diffTxTopic, QueueID: 1})},
		{name: "view half message", code: remoting.CodeViewMessageByID, target: brokerA, req: viewAt("tx1.clo"), norm: normStored},
		{name: "end transaction commit", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTxReq("tx1", "DIFFTX1", commit, false)},
		{name: "pull committed message", code: remoting.CodePullMessage, target: brokerA, settled: found,
			req: txPullReq(diffTxTopic, 1, 0), norm: normStored},
		{name: "end transaction unknown", code: remoting.CodeEndTransaction, target: brokerA, timeout: 2 * time.Second,
			req: endTxReq("tx1", "DIFFTX1", unknown, false)},
		{name: "end transaction unknown from check", code: remoting.CodeEndTransaction, target: brokerA, timeout: 2 * time.Second,
			req: endTxReq("tx1", "DIFFTX1", unknown, true)},
		{name: "end transaction another group", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { ext["producerGroup"] = "diff-other" })},
		{name: "end transaction wrong queue offset", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { ext["tranStateTableOffset"] = "77" })},
		{name: "end transaction unknown offset", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { ext["commitLogOffset"] = strconv.FormatInt(1<<40, 10) })},
		{name: "end transaction bad type", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { ext["commitOrRollback"] = "4" })},
		{name: "end transaction without type", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { delete(ext, "commitOrRollback") })},
		{name: "end transaction without queue offset", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { delete(ext, "tranStateTableOffset") })},
		{name: "end transaction without commit-log offset", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTx1(func(ext map[string]string) { delete(ext, "commitLogOffset") })},
		{name: "end transaction without extFields", code: remoting.CodeEndTransaction, target: brokerA,
			req: func(*side) *remoting.Command { return remoting.NewRequest(remoting.CodeEndTransaction, nil, nil) }},
		{name: "end transaction of a plain message", code: remoting.CodeEndTransaction, target: brokerA,
			req: func(s *side) *remoting.Command {
				return endTx1(func(ext map[string]string) { ext["commitLogOffset"] = strconv.FormatInt(s.vars["plain"], 10) })(s)
			}},
		{name: "send half message to roll back", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: txHalfReq("DIFFTX2", 1), after: rememberHalf("tx2")},
		{name: "end transaction rollback", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTxReq("tx2", "DIFFTX2", rollback, false)},
		{name: "view half message rolled back", code: remoting.CodeViewMessageByID, target: brokerA,
			req: viewAt("tx2.clo"), norm: normStored, after: rememberNextRecord("tx2.clo", "op")},
		// The record after the half message is the op record its rollback wrote.
		{name: "view op record", code: remoting.CodeViewMessageByID, target: brokerA, req: viewAt("op"), norm: normStored},
		{name: "max offset after rollback", code: remoting.CodeGetMaxOffset, target: brokerA,
			req: on(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: diffTxTopic, QueueID: 1})},
		// Java does not look for op records: a commit after a rollback stores the message.
		{name: "end transaction commit after rollback", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTxReq("tx2", "DIFFTX2", commit, false)},
		{name: "pull commit after rollback", code: remoting.CodePullMessage, target: brokerA, settled: found,
			req: txPullReq(diffTxTopic, 1, 1), norm: normStored},
		{name: "max offset of op records", code: remoting.CodeGetMaxOffset, target: brokerA,
			settled: func(c *remoting.Command) bool { return c.Ext("offset") == "3" },
			req:     on(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: protocol.TransOpHalfTopic, QueueID: 0})},
		// Left alone, a half message is checked: the broker sends CHECK_TRANSACTION_STATE to
		// the group's producer (the harness's client, by its heartbeat) once the message is
		// transactionTimeOut old.
		{name: "send half message left alone", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: txHalfReq("DIFFTX3", 1), after: rememberHalf("tx3")},
		{name: "check arrives", code: remoting.CodeCheckTransactionState, target: brokerA, timeout: 20 * time.Second,
			pushed: checkOf("DIFFTX3"), norm: normCheck, after: rememberCheck("check3")},
		{name: "end transaction from the check", code: remoting.CodeEndTransaction, target: brokerA,
			req: endTxReq("check3", "DIFFTX3", commit, true)},
		{name: "pull message committed from the check", code: remoting.CodePullMessage, target: brokerA, settled: found,
			req: txPullReq(diffTxTopic, 1, 2), norm: normStored},
	}
}

func replyCases() []diffCase {
	reply := func(code int32, body string, props map[string]string) func(*side) *remoting.Command {
		return func(*side) *remoting.Command {
			all := map[string]string{"MSG_TYPE": "reply", "CORRELATION_ID": "diff-corr", "TTL": "3000",
				"CLUSTER": DefaultCluster, "UNIQ_KEY": "DIFFREPLY" + body, "WAIT": "true"}
			for k, v := range props {
				all[k] = v
			}
			h := sendHeader(diffReplyTopic, 0, all)
			h.ProducerGroup = "diff-replier"
			hdr, err := h.HeaderFor(code)
			if err != nil {
				panic(err)
			}
			return protocol.RequestWithHeader(code, hdr, []byte(body))
		}
	}
	toHarness := map[string]string{"REPLY_TO_CLIENT": diffTxClientID}
	pushOf := func(body string) func(*remoting.Command) bool {
		return func(c *remoting.Command) bool {
			return c.Code == remoting.CodePushReplyMessageToClient && string(c.Body) == body
		}
	}
	return []diffCase{
		{name: "send reply", code: remoting.CodeSendReplyMessageV2, target: brokerA, norm: normMsgID,
			req: reply(remoting.CodeSendReplyMessageV2, "reply-1", toHarness)},
		{name: "reply pushed", code: remoting.CodePushReplyMessageToClient, target: brokerA, pushed: pushOf("reply-1"), norm: normPush},
		{name: "send reply v1", code: remoting.CodeSendReplyMessage, target: brokerA, norm: normMsgID,
			req: reply(remoting.CodeSendReplyMessage, "reply-2", toHarness)},
		{name: "reply v1 pushed", code: remoting.CodePushReplyMessageToClient, target: brokerA, pushed: pushOf("reply-2"), norm: normPush},
		{name: "send reply without REPLY_TO_CLIENT", code: remoting.CodeSendReplyMessageV2, target: brokerA, norm: normMsgID,
			req: reply(remoting.CodeSendReplyMessageV2, "reply-3", nil)},
		{name: "send reply to an unknown client", code: remoting.CodeSendReplyMessageV2, target: brokerA, norm: normMsgID,
			req: reply(remoting.CodeSendReplyMessageV2, "reply-4", map[string]string{"REPLY_TO_CLIENT": "127.0.0.1@nobody"})},
		{name: "send reply the client refuses", code: remoting.CodeSendReplyMessageV2, target: brokerA, norm: normMsgID,
			req: reply(remoting.CodeSendReplyMessageV2, refuseReply, toHarness)},
		{name: "send reply to a forbidden topic", code: remoting.CodeSendReplyMessageV2, target: brokerA, norm: normMsgID,
			req: func(s *side) *remoting.Command {
				return edit(reply(remoting.CodeSendReplyMessageV2, "reply-5", toHarness), func(ext map[string]string) {
					ext[protocol.FieldV2Topic] = protocol.TransHalfTopic
				})(s)
			}},
		// Every reply is stored, pushed or not (storeReplyMessageEnable): five, the forbidden
		// topic's aside.
		{name: "pull reply topic", code: remoting.CodePullMessage, target: brokerA, settled: foundAll(5),
			req: txPullReq(diffReplyTopic, 0, 0), norm: normStored},
	}
}
