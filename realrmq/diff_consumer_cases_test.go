package realrmq

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// What a broker does for consumers beyond pulling, after the reply cases: subscription groups
// (200, 201, 207) and what their configs change, the NOTIFY_CONSUMER_IDS_CHANGED (40) a group's
// members get, queue locks (41, 42) and their expiry, the admin requests a broker answers by
// asking its consumers (222, 223, 307, 309) and what it asks them (220, 221, 307, 309), and the
// OFFSET_MOVED_EVENT record of a corrected pull. The harness's client is a consumer of
// diffConsCG and answers what a broker asks it as a Java consumer does (consumerAnswer).

const (
	diffConsTopic  = "DiffConsumerTopic"
	diffConsCG     = "diff-cons-cg" // the harness's client consumes in it
	diffConsID     = "127.0.0.1@diffcons"
	diffStrangerCG = "diff-stranger-cg" // the harness heartbeats it but has no such consumer
	diffSlowCG     = "diff-slow-cg"     // the harness never answers about it
	diffQuietCG    = "diff-quiet-cg"    // notifyConsumerIdsChangedEnable off
	diffSecondID   = "127.0.0.1@diffsecond"
	diffOldCG      = "diff-old-cg"
	diffOldID      = "127.0.0.1@diffold"
	diffOfflineCG  = "diff-offline-cg"
	diffSGCG       = "diff-sg-cg"
	diffNoRetryCG  = "diff-noretry-cg"
	diffLockCG     = "diff-lock-cg"
)

// diffConsQueue is queue q of diffConsTopic on broker-a.
func diffConsQueue(q int32) protocol.MessageQueue {
	return protocol.MessageQueue{Topic: diffConsTopic, BrokerName: brokerA, QueueID: q}
}

// consumerAnswer answers what a broker asks the harness's client as a Java consumer of
// diffConsCG (ClientRemotingProcessor) would: its offsets, its running info, the result of
// consuming the message it was given; about a group it does not consume in, SYSTEM_ERROR; about
// diffSlowCG, nothing.
func consumerAnswer(req *remoting.Command) *remoting.Command {
	group := req.ExtFields[protocol.FieldConsumerGroup]
	if req.Code == remoting.CodeGetConsumerStatusFromClient {
		resp := remoting.NewResponse(req, remoting.Success, "")
		resp.Body = (&protocol.GetConsumerStatusBody{MessageQueueTable: map[protocol.MessageQueue]int64{
			diffConsQueue(0): 1, diffConsQueue(1): 2,
		}}).Encode()
		return resp
	}
	switch group {
	case diffSlowCG:
		return nil
	case diffConsCG:
	default:
		return remoting.NewResponse(req, remoting.SystemError, fmt.Sprintf("The Consumer Group <%s> not exist in this consumer", group))
	}
	resp := remoting.NewResponse(req, remoting.Success, "")
	if req.Code == remoting.CodeGetConsumerRunningInfo {
		resp.Body = (&protocol.ConsumerRunningInfo{
			Properties: map[string]string{"consumerGroup": diffConsCG, protocol.RunningInfoConsumeType: "CONSUME_PASSIVELY"},
			SubscriptionSet: []protocol.SubscriptionData{{Topic: diffConsTopic, SubString: "*", SubVersion: 1,
				ExpressionType: protocol.ExpressionTypeTag, TagsSet: []string{}, CodeSet: []int32{}}},
			MQTable:     map[protocol.MessageQueue]protocol.ProcessQueueInfo{diffConsQueue(0): {CommitOffset: 1}},
			StatusTable: map[string]protocol.ConsumeStatus{diffConsTopic: {PullRT: 1.5, ConsumeOKTPS: 10}},
		}).Encode()
	} else {
		resp.Body = (&protocol.ConsumeMessageDirectlyResult{AutoCommit: true, ConsumeResult: protocol.CMResultSuccess, SpentTimeMills: 2}).Encode()
	}
	return resp
}

// consumerHeartbeat is a heartbeat of client id as a push consumer of groups, on diffConsTopic.
func consumerHeartbeat(id string, groups ...string) *remoting.Command {
	hb := &protocol.HeartbeatData{ClientID: id}
	for _, g := range groups {
		hb.ConsumerDataSet = append(hb.ConsumerDataSet, protocol.ConsumerData{
			GroupName: g, ConsumeType: protocol.ConsumePassively, MessageModel: protocol.Clustering,
			ConsumeFromWhere: protocol.ConsumeFromLastOffset,
			SubscriptionDataSet: []protocol.SubscriptionData{{
				Topic: diffConsTopic, SubString: "*", SubVersion: 1, ExpressionType: protocol.ExpressionTypeTag,
			}},
		})
	}
	return remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
}

// onSecond sends req over the side's second connection to broker-a; it must succeed.
func onSecond(req func() *remoting.Command) func(*testing.T, context.Context, *side) {
	return func(t *testing.T, ctx context.Context, s *side) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		resp, err := s.second.Invoke(ctx, s.brokers[brokerA], req())
		if err != nil || resp.Code != remoting.Success {
			t.Errorf("%s: over the second connection: %v %v", s.name, err, resp)
		}
	}
}

// commitOffsets sets group's offsets on diffConsTopic's queues 0 to 3 before a case.
func commitOffsets(group string, offsets ...int64) func(*testing.T, context.Context, *side) {
	return func(t *testing.T, ctx context.Context, s *side) {
		for q, off := range offsets {
			resp, err := invoke(ctx, s, s.brokers[brokerA], protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
				protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: diffConsTopic, QueueID: int32(q), CommitOffset: off}, nil),
				10*time.Second)
			if err != nil || resp.Code != remoting.Success {
				t.Errorf("%s: commit %s/%d: %v %v", s.name, group, q, err, resp)
			}
		}
	}
}

// rememberMsgID keeps the message id a send answered, which holds the side's store host.
func rememberMsgID(key string) func(*testing.T, *side, *remoting.Command) {
	return func(_ *testing.T, s *side, resp *remoting.Command) { s.msgIDs[key] = resp.Ext("msgId") }
}

// notifyOf accepts a NOTIFY_CONSUMER_IDS_CHANGED about group.
func notifyOf(group string) func(*remoting.Command) bool {
	return func(c *remoting.Command) bool {
		return c.Code == remoting.CodeNotifyConsumerIDsChanged && c.Ext(protocol.FieldConsumerGroup) == group
	}
}

func pushedCode(code int32) func(*remoting.Command) bool {
	return func(c *remoting.Command) bool { return c.Code == code }
}

// diffSystemGroups are the subscription groups a 4.9.7 broker starts with.
var diffSystemGroups = []string{"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP", "CID_ONS-HTTP-PROXY",
	"CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION", "CID_ONSAPI_OWNER"}

// normGroups reduces GET_ALL_SUBSCRIPTIONGROUP_CONFIG's answer to the groups this test and the
// broker made, in the order the broker listed them, and the version's counter (its timestamp
// is the last change's).
func normGroups(_ *side, a *answer) {
	if a.Body == "" {
		return
	}
	wr, err := protocol.DecodeSubscriptionGroupWrapper([]byte(a.Body))
	if err != nil {
		a.Body = "undecodable: " + err.Error()
		return
	}
	var names []string
	for name := range wr.SubscriptionGroupTable {
		if strings.HasPrefix(name, "diff-") || slices.Contains(diffSystemGroups, name) {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(x, y string) int {
		return strings.Index(a.Body, `"`+x+`":{`) - strings.Index(a.Body, `"`+y+`":{`)
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "version counter %d\n", wr.DataVersion.Counter)
	for _, name := range names {
		c := wr.SubscriptionGroupTable[name]
		fmt.Fprintf(&sb, "%s %s\n", name, c.Encode())
	}
	a.Body = sb.String()
}

func consumerCases() []diffCase {
	on := func(code int32, h protocol.Header) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return protocol.RequestWithHeader(code, h, nil) }
	}
	withBody := func(code int32, body []byte) func(*side) *remoting.Command {
		return func(*side) *remoting.Command { return remoting.NewRequest(code, nil, body) }
	}
	allGroups := withBody(remoting.CodeGetAllSubscriptionGroupConfig, nil)
	group := func(name string, edit func(*protocol.SubscriptionGroupConfig)) func(*side) *remoting.Command {
		c := protocol.NewSubscriptionGroupConfig(name)
		edit(&c)
		return withBody(remoting.CodeUpdateAndCreateSubscriptionGroup, c.Encode())
	}
	deleteGroup := func(name string, removeOffset bool) func(*side) *remoting.Command {
		return on(remoting.CodeDeleteSubscriptionGroup, protocol.DeleteSubscriptionGroupRequestHeader{GroupName: name, RemoveOffset: removeOffset})
	}
	lock := func(client string, queues ...int32) func(*side) *remoting.Command {
		body := &protocol.LockBatchRequestBody{ConsumerGroup: diffLockCG, ClientID: client}
		for _, q := range queues {
			body.MQSet = append(body.MQSet, diffConsQueue(q))
		}
		return withBody(remoting.CodeLockBatchMQ, body.Encode())
	}
	unlock := func(client string, queues ...int32) func(*side) *remoting.Command {
		body := &protocol.UnlockBatchRequestBody{ConsumerGroup: diffLockCG, ClientID: client}
		for _, q := range queues {
			body.MQSet = append(body.MQSet, diffConsQueue(q))
		}
		return withBody(remoting.CodeUnlockBatchMQ, body.Encode())
	}
	pullFrom := func(group, topic string, queue int32, offset int64, tag string) func(*side) *remoting.Command {
		return on(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
			ConsumerGroup: group, Topic: topic, QueueID: queue, QueueOffset: offset, MaxMsgNums: 32,
			SysFlag: protocol.PullSysFlagSubscription, Subscription: tag, ExpressionType: protocol.ExpressionTypeTag,
		})
	}
	reset := func(topic, group string, timestamp int64, force bool) func(*side) *remoting.Command {
		return on(remoting.CodeInvokeBrokerToResetOffset, protocol.ResetOffsetRequestHeader{Topic: topic, Group: group, Timestamp: timestamp, IsForce: force})
	}
	status := func(group, clientAddr string) func(*side) *remoting.Command {
		return on(remoting.CodeInvokeBrokerToGetConsumerStatus, protocol.GetConsumerStatusRequestHeader{Topic: diffConsTopic, Group: group, ClientAddr: clientAddr})
	}
	runningInfo := func(group, client string) func(*side) *remoting.Command {
		return on(remoting.CodeGetConsumerRunningInfo, protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: group, ClientID: client})
	}
	directly := func(msgID func(*side) string) func(*side) *remoting.Command {
		return func(s *side) *remoting.Command {
			return protocol.RequestWithHeader(remoting.CodeConsumeMessageDirectly, protocol.ConsumeMessageDirectlyResultRequestHeader{
				ConsumerGroup: diffConsCG, ClientID: diffConsID, MsgID: msgID(s)}, nil)
		}
	}
	sendCons := func(queue int32, body string) func(*side) *remoting.Command {
		return sendReq(remoting.CodeSendMessageV2, diffConsTopic, queue, []byte(body))
	}
	normPushed := func(s *side, a *answer) {
		normMsgID(s, a)
		normStored(s, a)
	}
	return []diffCase{
		{name: "create consumer topic", code: remoting.CodeUpdateAndCreateTopic, target: brokerA,
			req: on(remoting.CodeUpdateAndCreateTopic, protocol.CreateTopicRequestHeader{
				Topic: diffConsTopic, DefaultTopic: protocol.AutoCreateTopicKey, ReadQueueNums: 4, WriteQueueNums: 4,
				Perm: 6, TopicFilterType: protocol.SingleTag,
			})},
		{name: "send to queue 0", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID,
			req: sendCons(0, "cons-1"), after: rememberMsgID("cons1")},
		{name: "send to queue 0 again", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID, req: sendCons(0, "cons-2")},
		{name: "send to queue 1", code: remoting.CodeSendMessageV2, target: brokerA, norm: normMsgID, req: sendCons(1, "cons-3")},
		{name: "max offset of queue 1", code: remoting.CodeGetMaxOffset, target: brokerA, settled: dispatched,
			req: on(remoting.CodeGetMaxOffset, protocol.GetMaxOffsetRequestHeader{Topic: diffConsTopic, QueueID: 1})},

		// mqadmin updateSubGroup and deleteSubGroup, and what a group's config changes.
		{name: "all subscription groups", code: remoting.CodeGetAllSubscriptionGroupConfig, target: brokerA, req: allGroups, norm: normGroups},
		{name: "create subscription group", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: group(diffSGCG, func(c *protocol.SubscriptionGroupConfig) {
				c.ConsumeEnable, c.RetryQueueNums, c.RetryMaxTimes, c.WhichBrokerWhenConsumeSlowly = false, 2, 1, 3
			})},
		{name: "create group without retries", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: group(diffNoRetryCG, func(c *protocol.SubscriptionGroupConfig) { c.RetryQueueNums = 0 })},
		{name: "create group without notifications", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: group(diffQuietCG, func(c *protocol.SubscriptionGroupConfig) { c.NotifyConsumerIDsChangedEnable = false })},
		{name: "update group without body", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: withBody(remoting.CodeUpdateAndCreateSubscriptionGroup, nil)},
		{name: "update group null", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: withBody(remoting.CodeUpdateAndCreateSubscriptionGroup, []byte("null"))},
		{name: "update group without name", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: withBody(remoting.CodeUpdateAndCreateSubscriptionGroup, []byte(`{"retryMaxTimes":3}`))},
		{name: "update group with defaults left out", code: remoting.CodeUpdateAndCreateSubscriptionGroup, target: brokerA,
			req: withBody(remoting.CodeUpdateAndCreateSubscriptionGroup, []byte(`{"groupName":"diff-partial-cg","retryMaxTimes":"5"}`))},
		{name: "all subscription groups after updates", code: remoting.CodeGetAllSubscriptionGroupConfig, target: brokerA,
			req: allGroups, norm: normGroups},
		{name: "pull of a group that may not consume", code: remoting.CodePullMessage, target: brokerA,
			req: pullFrom(diffSGCG, diffConsTopic, 0, 0, "*")},
		{name: "send back of a group without retries", code: remoting.CodeConsumerSendMsgBack, target: brokerA,
			req: on(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{Offset: 0, Group: diffNoRetryCG, OriginTopic: diffConsTopic})},
		{name: "send back with two retry queues", code: remoting.CodeConsumerSendMsgBack, target: brokerA,
			req: func(s *side) *remoting.Command {
				_, off, _ := protocol.DecodeOffsetMsgID(s.msgIDs["cons1"])
				return protocol.RequestWithHeader(remoting.CodeConsumerSendMsgBack, protocol.ConsumerSendMsgBackRequestHeader{
					Offset: off, Group: diffSGCG, OriginTopic: diffConsTopic}, nil)
			}},
		{name: "route of a retry topic with two queues", code: remoting.CodeGetRouteInfoByTopic, target: "ns", settled: found,
			req: routeReq("%RETRY%" + diffSGCG)},
		{name: "route of a group without retries", code: remoting.CodeGetRouteInfoByTopic, target: "ns", req: routeReq("%RETRY%" + diffNoRetryCG)},
		{name: "delete subscription group", code: remoting.CodeDeleteSubscriptionGroup, target: brokerA, req: deleteGroup(diffSGCG, true)},
		{name: "delete unknown subscription group", code: remoting.CodeDeleteSubscriptionGroup, target: brokerA, req: deleteGroup("diff-none-cg", false)},
		{name: "delete group without name", code: remoting.CodeDeleteSubscriptionGroup, target: brokerA,
			req: func(*side) *remoting.Command {
				return remoting.NewRequest(remoting.CodeDeleteSubscriptionGroup, map[string]string{}, nil)
			}},
		{name: "all subscription groups after delete", code: remoting.CodeGetAllSubscriptionGroupConfig, target: brokerA,
			req: allGroups, norm: normGroups},

		// A group's members are told when it changes.
		{name: "consumer heartbeat", code: remoting.CodeHeartBeat, target: brokerA,
			req: func(*side) *remoting.Command {
				return consumerHeartbeat(diffConsID, diffConsCG, diffStrangerCG, diffSlowCG, diffQuietCG)
			}},
		{name: "the first member is told", code: remoting.CodeNotifyConsumerIDsChanged, target: brokerA, pushed: notifyOf(diffConsCG)},
		{name: "a group without notifications is not told", code: remoting.CodeNotifyConsumerIDsChanged, target: brokerA,
			pushed: notifyOf(diffQuietCG), timeout: 2 * time.Second},
		{name: "a second member joins", code: remoting.CodeNotifyConsumerIDsChanged, target: brokerA, nth: 2, pushed: notifyOf(diffConsCG),
			before: onSecond(func() *remoting.Command { return consumerHeartbeat(diffSecondID, diffConsCG) })},
		{name: "the second member unregisters", code: remoting.CodeNotifyConsumerIDsChanged, target: brokerA, nth: 3, pushed: notifyOf(diffConsCG),
			before: onSecond(func() *remoting.Command {
				return protocol.RequestWithHeader(remoting.CodeUnregisterClient,
					protocol.UnregisterClientRequestHeader{ClientID: diffSecondID, ConsumerGroup: diffConsCG}, nil)
			})},
		{name: "the second member comes back", code: remoting.CodeNotifyConsumerIDsChanged, target: brokerA, nth: 4, pushed: notifyOf(diffConsCG),
			before: onSecond(func() *remoting.Command { return consumerHeartbeat(diffSecondID, diffConsCG) })},
		{name: "the second member's connection closes", code: remoting.CodeNotifyConsumerIDsChanged, target: brokerA, nth: 5,
			pushed: notifyOf(diffConsCG),
			before: func(_ *testing.T, _ context.Context, s *side) { s.second.CloseConn(s.brokers[brokerA]) }},

		// Orderly consumers' queue locks; the brokers' locks lapse after diffLockExpiry.
		{name: "lock two queues", code: remoting.CodeLockBatchMQ, target: brokerA, req: lock("diff-lock-a", 0, 1)},
		{name: "lock what another holds", code: remoting.CodeLockBatchMQ, target: brokerA, req: lock("diff-lock-b", 0, 1, 2, 3)},
		{name: "unlock", code: remoting.CodeUnlockBatchMQ, target: brokerA, req: unlock("diff-lock-b", 0, 2)},
		{name: "lock after an unlock", code: remoting.CodeLockBatchMQ, target: brokerA, req: lock("diff-lock-a", 0, 1, 2, 3)},
		{name: "lock without body", code: remoting.CodeLockBatchMQ, target: brokerA, req: withBody(remoting.CodeLockBatchMQ, nil)},
		{name: "unlock without body", code: remoting.CodeUnlockBatchMQ, target: brokerA, req: withBody(remoting.CodeUnlockBatchMQ, nil)},
		{name: "lock without group", code: remoting.CodeLockBatchMQ, target: brokerA,
			req: withBody(remoting.CodeLockBatchMQ, (&protocol.LockBatchRequestBody{ClientID: "diff-lock-a", MQSet: []protocol.MessageQueue{diffConsQueue(0)}}).Encode())},
		{name: "lock nothing", code: remoting.CodeLockBatchMQ, target: brokerA, req: withBody(remoting.CodeLockBatchMQ, []byte(`{"clientId":"diff-lock-a"}`))},
		{name: "lock after the locks lapsed", code: remoting.CodeLockBatchMQ, target: brokerA, req: lock("diff-lock-b", 0, 1, 2, 3),
			// A real broker's locks can only be waited out.
			before: func(*testing.T, context.Context, *side) { time.Sleep(diffLockExpiry + 500*time.Millisecond) }},

		// mqadmin resetOffsetByTime: the broker works the offsets out and tells the consumers.
		{name: "reset offset without committed offsets", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			req: reset(diffConsTopic, diffConsCG, -1, false)},
		{name: "reset offset to the end", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			before: commitOffsets(diffConsCG, 1, 5, 0, 0), req: reset(diffConsTopic, diffConsCG, -1, false)},
		{name: "the consumer is told to reset", code: remoting.CodeResetConsumerClientOffset, target: brokerA,
			pushed: pushedCode(remoting.CodeResetConsumerClientOffset)},
		{name: "reset offset to the end by force", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			req: reset(diffConsTopic, diffConsCG, -1, true)},
		{name: "the consumer is told to reset by force", code: remoting.CodeResetConsumerClientOffset, target: brokerA, nth: 2,
			pushed: pushedCode(remoting.CodeResetConsumerClientOffset)},
		{name: "reset offset to the start", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			req: reset(diffConsTopic, diffConsCG, 0, false)},
		{name: "reset offset of an unknown topic", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			req: reset("DiffNone", diffConsCG, -1, false)},
		{name: "reset offset of a group offline", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			before: commitOffsets(diffOfflineCG, 0, 0, 0, 0), req: reset(diffConsTopic, diffOfflineCG, -1, false)},
		{name: "reset offset without topic", code: remoting.CodeInvokeBrokerToResetOffset, target: brokerA,
			req: edit(reset(diffConsTopic, diffConsCG, -1, false), func(ext map[string]string) { delete(ext, "topic") })},

		// The consumers' own offsets, collected by the broker.
		{name: "consumer status", code: remoting.CodeInvokeBrokerToGetConsumerStatus, target: brokerA, req: status(diffConsCG, "")},
		{name: "the consumer is asked its status", code: remoting.CodeGetConsumerStatusFromClient, target: brokerA,
			pushed: pushedCode(remoting.CodeGetConsumerStatusFromClient)},
		{name: "consumer status of one client", code: remoting.CodeInvokeBrokerToGetConsumerStatus, target: brokerA, req: status(diffConsCG, diffConsID)},
		{name: "consumer status of another client", code: remoting.CodeInvokeBrokerToGetConsumerStatus, target: brokerA,
			req: status(diffConsCG, "127.0.0.1@nobody")},
		{name: "consumer status of an unknown group", code: remoting.CodeInvokeBrokerToGetConsumerStatus, target: brokerA, req: status("diff-none-cg", "")},
		{name: "consumer status without group", code: remoting.CodeInvokeBrokerToGetConsumerStatus, target: brokerA,
			req: edit(status(diffConsCG, ""), func(ext map[string]string) { delete(ext, "group") })},

		// mqadmin consumerStatus and consumeMessage: passed on to the consumer named.
		{name: "running info", code: remoting.CodeGetConsumerRunningInfo, target: brokerA, req: runningInfo(diffConsCG, diffConsID)},
		{name: "the consumer is asked its running info", code: remoting.CodeGetConsumerRunningInfo, target: brokerA,
			pushed: pushedCode(remoting.CodeGetConsumerRunningInfo)},
		{name: "running info the consumer refuses", code: remoting.CodeGetConsumerRunningInfo, target: brokerA,
			req: runningInfo(diffStrangerCG, diffConsID)},
		{name: "running info of a client not online", code: remoting.CodeGetConsumerRunningInfo, target: brokerA,
			req: runningInfo(diffConsCG, "127.0.0.1@nobody")},
		{name: "running info of a client too old", code: remoting.CodeGetConsumerRunningInfo, target: brokerA,
			before: onSecond(func() *remoting.Command {
				hb := consumerHeartbeat(diffOldID, diffOldCG)
				hb.Version = 40 // V3_0_13_SNAPSHOT
				return hb
			}),
			req: runningInfo(diffOldCG, diffOldID)},
		{name: "running info without group", code: remoting.CodeGetConsumerRunningInfo, target: brokerA,
			req: edit(runningInfo(diffConsCG, diffConsID), func(ext map[string]string) { delete(ext, "consumerGroup") })},
		{name: "consume directly", code: remoting.CodeConsumeMessageDirectly, target: brokerA,
			req: directly(func(s *side) string { return s.msgIDs["cons1"] })},
		{name: "the consumer is given the message", code: remoting.CodeConsumeMessageDirectly, target: brokerA,
			pushed: pushedCode(remoting.CodeConsumeMessageDirectly), norm: normPushed},
		{name: "consume directly a message not there", code: remoting.CodeConsumeMessageDirectly, target: brokerA,
			req: directly(func(s *side) string {
				host, _, _ := protocol.DecodeOffsetMsgID(s.msgIDs["cons1"])
				return protocol.CreateOffsetMsgID(host, 1<<40)
			})},
		{name: "consume directly without msgId", code: remoting.CodeConsumeMessageDirectly, target: brokerA,
			req: directly(func(*side) string { return "" })},
		{name: "running info of a consumer that does not answer", code: remoting.CodeGetConsumerRunningInfo, target: brokerA,
			timeout: 15 * time.Second, req: runningInfo(diffSlowCG, diffConsID)},

		// A pull whose offset the broker corrects leaves a record in OFFSET_MOVED_EVENT, tagged
		// with the group (the broker cases' corrections included).
		{name: "pull past the end", code: remoting.CodePullMessage, target: brokerA, req: pullFrom(diffConsCG, diffConsTopic, 0, 9, "*")},
		{name: "offset moved events of the group", code: remoting.CodePullMessage, target: brokerA, settled: found, norm: normStored,
			req: pullFrom("diff-reader-cg", protocol.OffsetMovedEventTopic, 0, 0, diffConsCG)},
		{name: "offset moved events of the broker cases", code: remoting.CodePullMessage, target: brokerA, settled: found, norm: normStored,
			req: pullFrom("diff-reader-cg", protocol.OffsetMovedEventTopic, 0, 0, diffCG)},
	}
}
