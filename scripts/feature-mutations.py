#!/usr/bin/env python3
"""Break one behaviour at a time and check that the behaviour book notices.

Each mutation edits the source (the client, the fakes, or the protocol and transport they
share), builds the scenarios' test binary, runs the feature suite on the fakes, lists the
scenarios that failed and restores the files. A mutation that no scenario catches is a hole in
the behaviour book: the script exits non-zero. Unit tests do not count: only the features run.

    python3 scripts/feature-mutations.py            # run all, print the table, write docs/mutations.md
    python3 scripts/feature-mutations.py --check    # ... and fail when docs/mutations.md was not current
    python3 scripts/feature-mutations.py -k poll    # only mutations whose name contains "poll" (no file written)
    python3 scripts/feature-mutations.py -j 1       # one mutation at a time (default: one per CPU, at most 4)

Run from anywhere. Mutations are made in copies of the repository's files (one per worker,
built with -trimpath so that they share Go's build cache), never in the working tree. An edit
names a file, or a package directory in which exactly one non-test .go file holds the text to
replace, so that moving code between a package's files does not break the script.
"""
import argparse
import concurrent.futures
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join("docs", "mutations.md")

# (what breaks, [(file or package directory, text, replacement), ...]). The first word before
# ":" says which part of the book the mutation is about: "start-up" for the steps of the
# producer's start-up that issue 14 lists, otherwise the feature whose behaviour breaks.
MUTATIONS = [
    # --- the producer's start-up, step by step (Java 4.9.7: DefaultMQProducerImpl.start,
    # MQClientInstance.start and startScheduledTask)
    ("start-up: Start sends no heartbeat at its end",
     [("client/producer.go", "\tinst.sendHeartbeatToAllBrokers(context.Background())\n", "\t_ = context.Background()\n")]),
    # Both producers' entries go: the instance's inner producer (CLIENT_INNER_PRODUCER, started
    # with every instance as Java's is) puts its own, and the route poll fills every producer's
    # table from it, so the user producer's entry alone is not observable (as in Java).
    ("start-up: Start puts no TBW102 entry in the publish table",
     [("client/producer.go", "\tp.setPublishInfo(p.cfg.createTopicKey, newPublishInfo(p.cfg.createTopicKey, nil))\n", ""),
      ("client/producer.go", "\tp.setPublishInfo(cfg.createTopicKey, newPublishInfo(cfg.createTopicKey, nil))\n", "")]),
    ("start-up: the instance name DEFAULT is kept (no PID#nanotime)",
     [("client/producer.go", "p.cfg.instanceName == DefaultInstanceName {", "p.cfg.instanceName == DefaultInstanceName && false {")]),
    ("start-up: the instance does not read the HTTP name-server list when it starts",
     [("client/instance.go", "\t\tif inst.ns.empty() {\n\t\t\tinst.fetchNameServers(ctx)", "\t\tif inst.ns.empty() && false {\n\t\t\tinst.fetchNameServers(ctx)")]),
    ("start-up: the first scheduled HTTP read comes 20 s after start, not 10 s",
     [("client/options.go", "DefaultNameServerFetchDelay    = 10 * time.Second", "DefaultNameServerFetchDelay    = 20 * time.Second")]),
    ("start-up: the HTTP list is read every 3 minutes, not 2",
     [("client/options.go", "DefaultNameServerFetchInterval = 2 * time.Minute", "DefaultNameServerFetchInterval = 3 * time.Minute")]),
    ("start-up: the HTTP list is read although the producer was given a list",
     [("client/instance.go", "if len(inst.cfg.nameServers) == 0 && inst.cfg.nsFetchInterval > 0 {", "if inst.cfg.nsFetchInterval > 0 {")]),
    ("start-up: a name-server list replaces the old one even with the same addresses",
     [("client/namesrv.go", "\tchanged := len(addrs) != len(n.list)\n", "\tchanged := true\n")]),
    ("start-up: a new name-server list is not shuffled",
     [("client/namesrv.go", "\trand.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })\n", "")]),
    ("start-up: the HTTP answer is cut at its first line break without being trimmed first",
     [("client/namesrv.go", "\ts = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })\n", "")]),
    ("start-up: routes are polled once, 10 ms after start, and never again",
     [("client/instance.go", "{next: now.Add(firstRoutePoll), every: inst.cfg.pollInterval,", "{next: now.Add(firstRoutePoll), every: 1000 * time.Hour,")]),
    ("start-up: routes are polled every 20 s, not 30 s",
     [("client/options.go", "DefaultPollNameServerInterval  = 30 * time.Second", "DefaultPollNameServerInterval  = 20 * time.Second")]),
    ("start-up: an unchanged route is not pushed to a producer that has no queues for it (no isNeedUpdateTopicRouteInfo)",
     [("client/instance.go", "protocol.RouteChanged(inst.routes[topic], route) || inst.needsRouteLocked(topic)", "protocol.RouteChanged(inst.routes[topic], route)")]),
    ("start-up: a route whose permissions alone changed counts as unchanged",
     [("protocol/", "\tif !slices.Equal(qa, qb) {\n",
       "\tif !slices.EqualFunc(qa, qb, func(x, y QueueData) bool { x.Perm, y.Perm = 0, 0; return x == y }) {\n")]),
    ("start-up: TBW102's stand-in route is cut to the queue count of the instance's first producer, not the sender's",
     [("client/instance.go", "min(int32(standIn.cfg.topicQueueNums), route.QueueDatas[i].ReadQueueNums)", "min(int32(inst.cfg.topicQueueNums), route.QueueDatas[i].ReadQueueNums)")]),
    ("start-up: the route round goes on after the name server failed to answer",
     [("client/instance.go", "\"ScheduledTask updateTopicRouteInfoFromNameServer exception\", \"topic\", t, \"err\", err)\n\t\t\treturn\n",
       "\"ScheduledTask updateTopicRouteInfoFromNameServer exception\", \"topic\", t, \"err\", err)\n\t\t\tcontinue\n")]),
    ("start-up: the offline-broker cleanup keeps every address of a broker while any one is still in a route",
     [("client/instance.go", "\t\tinst.brokerAddrs[name] = kept\n", "")]),
    ("start-up: heartbeats go to slaves too",
     [("client/instance.go", "\ttargets := inst.brokerTargets(len(hb.ConsumerDataSet) == 0)\n", "\ttargets := inst.brokerTargets(false)\n")]),
    ("start-up: heartbeats leave CLIENT_INNER_PRODUCER out",
     [("client/instance.go", "\tfor _, g := range slices.Sorted(maps.Keys(inst.producers)) {\n\t\thb.ProducerDataSet",
       "\tfor _, g := range slices.Sorted(maps.Keys(inst.producers)) {\n\t\tif g == InnerProducerGroup {\n\t\t\tcontinue\n\t\t}\n\t\thb.ProducerDataSet")]),
    ("start-up: a heartbeat round waits for the one still running instead of skipping",
     [("client/instance.go", "\tinst.sendHeartbeatWithin(ctx, 0)\n", "\tinst.sendHeartbeatWithin(ctx, lockTimeout)\n")]),
    ("start-up: the broker version table is not filled",
     [("client/instance.go", "\t\tinst.versions[t.name][t.addr] = resp.Version\n", "\t\t_ = resp.Version\n")]),
    ("start-up: a heartbeat waits 5 s for its answer, not 3 s (mqClientApiTimeout)",
     [("client/instance.go", "\t\tactx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)\n\t\tresp, err := inst.rc.Invoke(actx, t.addr, inst.request(remoting.CodeHeartBeat",
       "\t\tactx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout+2*time.Second)\n\t\tresp, err := inst.rc.Invoke(actx, t.addr, inst.request(remoting.CodeHeartBeat")]),
    ("start-up: a route query waits 5 s for its answer, not 3 s (mqClientApiTimeout)",
     [("client/instance.go", "\tctx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)\n\tdefer cancel()\n\tresp, err := inst.rc.Invoke(ctx, addr, req)",
       "\tctx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout+2*time.Second)\n\tdefer cancel()\n\tresp, err := inst.rc.Invoke(ctx, addr, req)")]),
    ("start-up: a connect gives up after 5 s, not 3 s",
     [("remoting/options.go", "DefaultConnectTimeout = 3 * time.Second", "DefaultConnectTimeout = 5 * time.Second")]),
    ("start-up: the client closes idle connections after 150 s, not 120 s",
     [("client/instance.go", "\t\topts := []remoting.ClientOption{remoting.WithLogger(inst.cfg.logger)}\n",
       "\t\topts := []remoting.ClientOption{remoting.WithLogger(inst.cfg.logger), remoting.WithIdleTimeout(150 * time.Second)}\n")]),
    ("start-up: the client dials with TCP keepalive on",
     [("remoting/", "d := net.Dialer{KeepAlive: -1}", "d := net.Dialer{}")]),
    ("start-up: a broker keeps listing a client whose connection closed",
     [("fakebroker/", "\tb.clientsConnClosed(info.ID)\n", "")]),
    ("start-up: a broker forgets a silent client after 150 s, not 120 s",
     [("fakebroker/options.go", "DefaultClientExpiry = 120 * time.Second", "DefaultClientExpiry = 150 * time.Second")]),
    ("start-up: an async send without an answer is called back 1 s after its deadline",
     [("client/send.go", "\tactx, cancel := context.WithDeadline(ctx, deadline)\n\tinst.rc.InvokeAsync(",
       "\tactx, cancel := context.WithDeadline(ctx, deadline.Add(time.Second))\n\tinst.rc.InvokeAsync(")]),
    ("start-up: the async sender's waiting room has no bound",
     [("client/executor.go", "\tcase e.queue.len() < e.capacity:\n", "\tcase e.queue.len() < e.capacity+1<<30:\n")]),
    ("start-up: time an async send waits for a sender thread does not count against its budget",
     [("client/executor.go", "s.p.sendAsync(s.ctx, s.out, s.start, s.cb)", "s.p.sendAsync(s.ctx, s.out, time.Now(), s.cb)")]),

    # --- what the other features name
    ("startup: DEFAULT_PRODUCER is accepted",
     [("protocol/validate.go", 'DefaultProducerGroup = "DEFAULT_PRODUCER"', 'DefaultProducerGroup = "DEFAULT_PRODUCER_X"')]),
    ("startup: a group with illegal characters is accepted",
     [("protocol/validate.go", "\tif IsTopicOrGroupIllegal(group) {\n", "\tif IsTopicOrGroupIllegal(group) && false {\n")]),
    ("startup: a blank group is accepted",
     [("protocol/validate.go", "\tif javaIsBlank(group) {\n", "\tif javaIsBlank(group) && false {\n")]),
    ("startup: starting a running producer again is a silent no-op",
     [("client/producer.go", "\tif s := p.State(); s != StateCreateJust {\n", "\tif s := p.State(); s == StateRunning {\n\t\treturn nil\n\t} else if s != StateCreateJust {\n")]),
    ("startup: a failed start leaves the producer CREATE_JUST, not START_FAILED",
     [("client/producer.go", "\tp.state.Store(int32(StateStartFailed))\n\tif p.cfg.namespace", "\tp.state.Store(int32(StateCreateJust))\n\tif p.cfg.namespace")]),
    ("startup: NAMESRV_ADDR is not read",
     [("client/options.go", 'parseNameServers(os.Getenv("NAMESRV_ADDR"))', 'parseNameServers(os.Getenv("NAMESRV_ADDR_UNSET"))')]),
    ("duplicate_groups: a group registers twice on one instance",
     [("client/instance.go", "\tif _, ok := inst.producers[group]; ok {", "\tif _, ok := inst.producers[group]; ok && false {")]),
    ("duplicate_groups: a start refused for its group leaves the producer START_FAILED",
     [("client/producer.go", "\t\tp.state.Store(int32(StateCreateJust))\n\t\treturn err\n", "\t\tp.state.Store(int32(StateStartFailed))\n\t\treturn err\n")]),
    ("route_change: publish info reaches only the producers that already use the topic",
     [("client/instance.go", "\t\tfor _, p := range producers {\n\t\t\tp.setPublishInfo(topic, info)",
       "\t\tfor _, p := range producers {\n\t\t\tif _, uses := p.PublishInfo()[topic]; !uses {\n\t\t\t\tcontinue\n\t\t\t}\n\t\t\tp.setPublishInfo(topic, info)")]),
    ("route_change: a topic the name server no longer knows loses its cached route",
     [("client/instance.go", "\t\t\tinst.cfg.logger.Warn(\"updateTopicRouteInfoFromNameServer failed\", \"topic\", topic, \"err\", err)\n\t\t}\n\t\treturn false, err\n",
       "\t\t\tinst.cfg.logger.Warn(\"updateTopicRouteInfoFromNameServer failed\", \"topic\", topic, \"err\", err)\n\t\t}\n"
       "\t\tfor _, p := range inst.userProducers() {\n\t\t\tp.setPublishInfo(topic, newPublishInfo(topic, nil))\n\t\t}\n\t\treturn false, err\n")]),
    ("offline_broker: the client never cleans its broker address table",
     [("client/instance.go", "\t\tif len(kept) == 0 {\n\t\t\tdelete(inst.brokerAddrs, name)",
       "\t\tif len(kept) == 0 && false {\n\t\t\tdelete(inst.brokerAddrs, name)")]),
    ("offline_broker: brokers expire after 150 s (expiry and idle close)",
     [("fakenamesrv/namesrv.go", "DefaultBrokerExpiry = 120 * time.Second", "DefaultBrokerExpiry = 150 * time.Second"),
      ("remoting/options.go", "DefaultIdleTimeout = 120 * time.Second", "DefaultIdleTimeout = 150 * time.Second")]),
    ("sending: SYSTEM_BUSY is retried",
     [("client/options.go", "\tremoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError,",
       "\tremoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError, remoting.SystemBusy,")]),
    ("sending: SYSTEM_ERROR is not retried",
     [("client/options.go", "\tremoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError,",
       "\tremoting.TopicNotExist, remoting.ServiceNotAvailable,")]),
    ("sending: FLUSH_DISK_TIMEOUT is an error instead of a result",
     [("client/result.go", "\tcase remoting.FlushDiskTimeout:\n\t\treturn FlushDiskTimeout, true\n", "")]),
    ("sending: bodies are compressed from 16 KiB, not 4 KiB",
     [("client/send.go", "if len(body) >= p.cfg.compressOver {", "if len(body) >= 4*p.cfg.compressOver {")]),
    ("sending: a selector's choice is ignored",
     [("client/send.go", "\tmq, err := sel(queues, out.msg)\n", "\tmq, err := sel(queues, out.msg)\n\tmq = p.selectQueue(info, \"\")\n")]),
    ("sending: the result's offset message id is not the broker's",
     [("client/send.go", "MsgID: uniq, OffsetMsgID: h.MsgID,", "MsgID: uniq, OffsetMsgID: uniq,")]),
    ("sending: an empty body is sent",
     [("protocol/validate.go", "\tcase len(body) == 0:\n", "\tcase len(body) == 0 && false:\n")]),
    ("timeouts: a send's budget ends 1 s late",
     [("client/send.go", "\td := start.Add(p.cfg.sendTimeout)\n", "\td := start.Add(p.cfg.sendTimeout + time.Second)\n")]),
    ("timeouts: the per-attempt limit is ignored",
     [("client/send.go", "if p.cfg.attemptTimeout > 0 && times < timesTotal-1 {", "if p.cfg.attemptTimeout > 0 && false {")]),
    ("timeouts: route lookups do not count against the send's budget",
     [("client/send.go", "\tdeadline := p.deadline(ctx, start)\n\tinfo, rerr := p.findPublishInfo(ctx, inst, out.topic)\n\tif info == nil || len(info.queues) == 0 {\n\t\treturn nil, p.noRouteError(",
       "\tinfo, rerr := p.findPublishInfo(ctx, inst, out.topic)\n\tdeadline := p.deadline(ctx, time.Now())\n\tif info == nil || len(info.queues) == 0 {\n\t\treturn nil, p.noRouteError(")]),
    ("timeouts: requests pending on a connection that dies wait for their deadline",
     [("remoting/", "\t\tpending := c.pending\n\t\tc.pending = nil\n", "\t\tvar pending map[int32]*call // left to their deadlines\n")]),
    ("shutdown: no UNREGISTER_CLIENT is sent",
     [("client/instance.go", "\tfor _, t := range inst.brokerTargets(false) {\n\t\tactx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)",
       "\tfor _, t := range inst.brokerTargets(false)[:0] {\n\t\tactx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)")]),
    ("shutdown: the instance stops when its first producer leaves",
     [("client/manager.go", "\tif inst.producerCount() > 1 || inst.consumerCount() > 0 {\n", "\tif inst.producerCount() > 2 || inst.consumerCount() > 0 {\n")]),
    ("shutdown: a producer that was shut down can still send",
     [("client/producer.go", "\tif s := p.State(); s != StateRunning {\n", "\tif s := p.State(); s != StateRunning && s != StateShutdownAlready {\n")]),

    # --- transactional messages and request-reply (issue 15)
    ("transactions: the client never sends END_TRANSACTION after its local transaction",
     [("client/transaction.go", "\tif err := p.endTransaction(ctx, res, state, localErr); err != nil {\n",
       "\tif err := error(nil); err != nil {\n")]),
    ("transactions: a local transaction's commit is sent as a rollback",
     [("client/transaction.go", "\tcase TransactionCommit:\n\t\treturn protocol.CommitOrRollbackCommit\n",
       "\tcase TransactionCommit:\n\t\treturn protocol.CommitOrRollbackRollback\n")]),
    ("transactions: the broker stores a rolled-back message as if committed",
     [("fakebroker/transaction.go", "\tcommit := h.CommitOrRollback == protocol.CommitOrRollbackCommit\n",
       "\tcommit := h.CommitOrRollback != protocol.CommitOrRollbackNone\n")]),
    ("transactions: the client ignores the broker's CHECK_TRANSACTION_STATE",
     [("client/transaction.go", "\tp := inst.producers[group]\n\tinst.mu.Unlock()\n\tif p == nil {\n",
       "\tp := inst.producers[group]\n\tinst.mu.Unlock()\n\tif p == nil || true {\n")]),
    ("transactions: the checker's answer is ignored (a check always ends unknown)",
     [("client/transaction.go", "CommitOrRollback: state.commitOrRollback(), FromTransactionCheck: true,",
       "CommitOrRollback: TransactionUnknown.commitOrRollback(), FromTransactionCheck: true,")]),
    ("transactions: the broker checks every 30 s, not every 60 s (transactionCheckInterval)",
     [("fakebroker/options.go", "DefaultTransactionCheckInterval = 60 * time.Second", "DefaultTransactionCheckInterval = 30 * time.Second")]),
    ("transactions: checks never stop (transactionCheckMax ignored)",
     [("fakebroker/transaction.go", "\t\tif int(n) >= b.cfg.transactionCheckMax {\n", "\t\tif int(n) >= b.cfg.transactionCheckMax+1<<20 {\n")]),
    ("request_reply: a reply is not matched to its request",
     [("client/request.go", "\tif f := inst.takeRequest(id); f != nil {\n", "\tif f := inst.takeRequest(id + \"?\"); f != nil {\n")]),
    ("request_reply: a request without a reply fails 1 s after its deadline",
     [("client/request.go", "\tf.timer = time.AfterFunc(time.Until(deadline), f.expire)\n",
       "\tf.timer = time.AfterFunc(time.Until(deadline)+time.Second, f.expire)\n")]),
    ("request_reply: the broker answers success to a reply whose requester has gone",
     [("fakebroker/reply.go", "\tconn := b.clients.producerConn(senderID)\n\tif conn == nil {\n",
       "\tconn := b.clients.producerConn(senderID)\n\tif conn == nil {\n\t\treturn \"\", true\n\t}\n\tif conn == nil {\n")]),
    # --- the consumer half (issue 16): rebalance, retries, offsets
    ("consumer_rebalance: the client ignores NOTIFY_CONSUMER_IDS_CHANGED",
     [("client/", "rebalance immediately\")\n\tinst.rebalanceImmediately()\n", "rebalance immediately\")\n")]),
    ("consumer_rebalance: the broker does not tell a group's members that it changed",
     [("fakebroker/clients.go", "\tif !b.settings.notifyConsumerIDs.Load() || group == \"\" {\n", "\tif true {\n")]),
    ("consumer_rebalance: consumers rebalance on their own every 40 s, not every 20 s",
     [("client/consumer_options.go", "DefaultRebalanceInterval             = 20 * time.Second", "DefaultRebalanceInterval             = 40 * time.Second")]),
    ("consumer_rebalance: every member takes every queue (allocation ignores the others)",
     [("client/allocate.go", "\tn, members := len(mqAll), len(cidAll)\n", "\tn, members := len(mqAll), 1\n\tindex = 0\n")]),
    ("consumer_retry: a failed message counts as consumed (the client never sends it back)",
     [("client/consume_concurrently.go", "\tcase ReconsumeLater:\n\t\tack = -1\n", "\tcase ReconsumeLater:\n\t\tack = len(r.msgs) - 1\n")]),
    ("consumer_retry: the broker holds a retry on delay level 2 + reconsume times, not 3 +",
     [("fakebroker/sendback.go", "\t\tdelayLevel = defaultRetryDelayBase + int(src.ReconsumeTimes)\n",
       "\t\tdelayLevel = defaultRetryDelayBase - 1 + int(src.ReconsumeTimes)\n")]),
    ("consumer_retry: delay level 3 is 20 s, not 10 s",
     [("fakebroker/schedule.go", "DefaultMessageDelayLevel = \"1s 5s 10s 30s ", "DefaultMessageDelayLevel = \"1s 5s 20s 30s ")]),
    ("consumer_retry: the broker does not count a retry's reconsume times",
     [("fakebroker/sendback.go", "\tm.ReconsumeTimes = src.ReconsumeTimes + 1\n", "\tm.ReconsumeTimes = src.ReconsumeTimes\n")]),
    ("consumer_retry: the broker ignores the consumer's maxReconsumeTimes (its group's 16 count)",
     [("fakebroker/sendback.go", "\tif cmd.Version >= versionV349 && h.MaxReconsumeTimes != nil {\n",
       "\tif false && cmd.Version >= versionV349 && h.MaxReconsumeTimes != nil {\n")]),
    ("consumer_retry: the dead-letter queue is never used (the broker retries for ever)",
     [("fakebroker/sendback.go", "\tif src.ReconsumeTimes >= maxTimes || delayLevel < 0 {\n", "\tif src.ReconsumeTimes >= maxTimes*1000 || delayLevel < 0 {\n")]),
    ("consumer_offsets: a consumer does not write its offsets when it shuts down",
     [("client/push.go", "\tc.persistOffsets(context.Background())\n", "")]),
    ("consumer_offsets: offsets are written every 10 s, not every 5 s",
     [("client/consumer_options.go", "DefaultPersistConsumerOffsetInterval = 5 * time.Second",
       "DefaultPersistConsumerOffsetInterval = 10 * time.Second")]),
    ("consumer_offsets: the broker forgets the offsets consumers write",
     [("fakebroker/offsets.go", "\tb.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)\n\treturn answerWithHeader(cmd, remoting.Success, \"\")\n",
       "\t_ = h\n\treturn answerWithHeader(cmd, remoting.Success, \"\")\n")]),
    # (retry topics keep their 0, so that only the start of the subscribed topic changes)
    ("consumer_offsets: a young queue without an offset is answered QUERY_NOT_FOUND, not 0",
     [("fakebroker/offsets.go", "\tif b.store.minOffset(h.Topic, h.QueueID) <= 0 {\n",
       "\tif b.store.minOffset(h.Topic, h.QueueID) <= 0 && len(h.Topic) >= len(retryTopicPrefix) && h.Topic[:len(retryTopicPrefix)] == retryTopicPrefix {\n")]),
    ("consumer_offsets: a queue never committed is answered its end, not 0",
     [("fakebroker/offsets.go", "\t\treturn offsetAnswer(cmd, 0)\n\t}\n\treturn answerWithHeader(cmd, remoting.QueryNotFound",
       "\t\treturn offsetAnswer(cmd, b.store.maxOffset(h.Topic, h.QueueID))\n\t}\n\treturn answerWithHeader(cmd, remoting.QueryNotFound")]),
    # A new group the broker has no offset for (QUERY_NOT_FOUND): each ConsumeFromWhere ignored
    # in turn (Java 4.9.7: RebalancePushImpl.computePullFromWhereWithException).
    ("consumer_offsets: CONSUME_FROM_FIRST_OFFSET starts a new group at the queue's end, as the last offset does",
     [("client/consumer.go", "\tcase ConsumeFromFirstOffset:\n\t\treturn 0, nil\n", "")]),
    ("consumer_offsets: CONSUME_FROM_LAST_OFFSET starts a new group at offset 0, as the first offset does",
     [("client/consumer.go", "\t\tif retry {\n\t\t\treturn 0, nil\n\t\t}\n\t\treturn c.logged(inst.maxOffset(ctx, mq))\n",
       "\t\treturn 0, nil\n")]),
    ("consumer_offsets: CONSUME_FROM_TIMESTAMP searches the time the queue is taken, not the consume timestamp",
     [("client/consumer.go", "inst.searchOffset(ctx, mq, c.cfg.consumeTimestamp.Truncate(time.Second))",
       "inst.searchOffset(ctx, mq, time.Now().Truncate(time.Second))")]),
    ("consumer_offsets: CONSUME_FROM_TIMESTAMP starts a new group at the queue's end, as the last offset does",
     [("client/consumer.go", "\t\treturn c.logged(inst.searchOffset(ctx, mq, c.cfg.consumeTimestamp.Truncate(time.Second)))\n",
       "\t\treturn c.logged(inst.maxOffset(ctx, mq))\n")]),
    ("consumer_offsets: QUERY_NOT_FOUND leaves the queue out (-2) instead of asking ConsumeFromWhere (-1)",
     [("client/offsetstore.go", "\t\t// No offset in the broker (QUERY_NOT_FOUND) or any other answer code.\n\t\treturn -1\n",
       "\t\treturn -2\n")]),
    ("orderly: the broker's queue locks last 30 s unrenewed, not 60 s",
     [("fakebroker/locks.go", "const DefaultRebalanceLockExpiry = 60 * time.Second", "const DefaultRebalanceLockExpiry = 30 * time.Second")]),
    ("orderly: the broker gives a queue locked by another client to whoever asks",
     [("fakebroker/locks.go", "\t\tcase e.clientID == clientID || l.expired(e, now):\n", "\t\tcase true:\n")]),
    ("orderly: an orderly consumer keeps its locks when it shuts down (no UNLOCK_BATCH_MQ)",
     [("client/consume_orderly.go", "\t\ts.c.rb.unlockAll(context.Background(), false)\n", "")]),
    ("orderly: an orderly consumer takes the newest cached message of a queue first",
     [("client/processqueue.go", "\t\tm, _ := pq.msgs.remove(pq.msgs.first())\n", "\t\tm, _ := pq.msgs.remove(pq.msgs.last())\n")]),
    ("broadcasting: broadcasting consumers share the queues as a clustering group does",
     [("client/rebalance.go", "\tif rb.model == Broadcasting {\n\t\tif !ok {\n", "\tif rb.model == Broadcasting && false {\n\t\tif !ok {\n")]),
    ("broadcasting: a failed message of a broadcasting consumer is sent back for a retry",
     [("client/consume_concurrently.go", "\tif c.cfg.messageModel == Broadcasting {\n", "\tif c.cfg.messageModel == Broadcasting && false {\n")]),
    ("broadcasting: the offset file keeps 0 for every queue",
     [("client/offsetstore.go", "\t\t\tw.OffsetTable[mq.proto()] = off\n", "\t\t\tw.OffsetTable[mq.proto()] = off * 0\n")]),
]

FAILED_LINE = re.compile(r"failed: \.\./features/(\S+)\.feature: (.+)$")


def go_files(directory):
    for name in sorted(os.listdir(directory)):
        if name.endswith(".go") and not name.endswith("_test.go"):
            yield os.path.join(directory, name)


def pattern(old):
    """old as a regular expression in which a run of spaces or tabs inside a line matches any such
    run, so that gofmt re-aligning a block of constants does not break a mutation."""
    parts = re.split(r"([ \t]+)", old)
    out = []
    for i, part in enumerate(parts):
        inside = 0 < i < len(parts) - 1 and not parts[i - 1].endswith("\n") and not parts[i + 1].startswith("\n")
        if i % 2 == 1 and inside:
            out.append(r"[ \t]+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def locate(tree, where, old):
    """The one file of tree that holds old: where itself, or the one file of package directory where."""
    if not where.endswith("/"):
        return where
    holders = [f for f in go_files(os.path.join(tree, where)) if pattern(old).search(open(f).read())]
    if len(holders) != 1:
        raise SystemExit(f"{where}: {len(holders)} files hold the text to replace, want 1: {old!r}; update this script")
    return os.path.relpath(holders[0], tree)


def copy_tree(dest):
    """Copies the repository's files (tracked, and new ones not ignored) as they are now."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           capture_output=True, text=True, check=True, cwd=ROOT).stdout.split("\0")
    for f in filter(None, files):
        src = os.path.join(ROOT, f)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, f))


def build(tree, binary):
    """Builds the scenarios' test binary of tree; returns the compiler's complaint, or None."""
    out = subprocess.run(["go", "test", "-c", "-trimpath", "-o", binary, "./scenarios/"],
                         capture_output=True, text=True, cwd=tree)
    return None if out.returncode == 0 else (out.stderr or out.stdout)


def run_features(tree, binary):
    """Runs the feature suite; returns the scenarios that failed, as "feature: scenario"."""
    out = subprocess.run([binary, "-test.count=1", "-test.run=^TestFeatures$", "-test.v", "-test.timeout=120s"],
                         capture_output=True, text=True, cwd=os.path.join(tree, "scenarios"))
    failed = set()
    for line in out.stdout.splitlines():
        m = FAILED_LINE.search(line.strip())
        if m:
            failed.add(f"{m.group(1)}: {m.group(2)}")
    if out.returncode != 0 and not failed:
        # The first panic or fatal error says why, the same way every run; the last line of a
        # goroutine dump is an address that changes from run to run.
        lines = (out.stdout + out.stderr).strip().splitlines()
        why = next((l[l.index(w):] for l in lines for w in ("panic:", "fatal error:") if w in l), lines[-1])
        if "test timed out" in why:
            # Which scenario hangs first depends on the suite's random order: say only that one did.
            why = "a scenario never ended"
        failed.add("(the suite broke: " + why.strip()[:120] + ")")
    return sorted(failed)


def mutate(tree, name, edits):
    """Applies edits in tree, builds and runs the features, restores tree; returns (caught by, files)."""
    originals = {}
    binary = os.path.join(tree, "scenarios.test")
    try:
        for where, old, new in edits:
            rel = locate(tree, where, old)
            path = os.path.join(tree, rel)
            cur = open(path).read()
            n = len(pattern(old).findall(cur))
            if n != 1:
                raise SystemExit(f"{name}: the text to replace occurs {n} times in {rel}, want 1; update this script")
            originals.setdefault(rel, cur)
            open(path, "w").write(pattern(old).sub(lambda _: new, cur, count=1))
        complaint = build(tree, binary)
    finally:
        for rel, src in originals.items():
            open(os.path.join(tree, rel), "w").write(src)
    if complaint:
        raise SystemExit(f"{name}: the mutated source does not build:\n{complaint}")
    return run_features(tree, binary), sorted(originals)


def table(rows):
    lines = [
        "# Mutations of the behaviour book",
        "",
        "Generated by `python3 scripts/feature-mutations.py` (CI runs it with `--check`, which fails when a",
        "mutation is caught by no scenario (a suite that crashed or hung names none) or when this file is not what",
        "the script writes). Each row breaks one behaviour in the source, runs the features on the fakes, and",
        "names the scenarios that failed.",
        "",
        f"{len(rows)} mutations, {sum(1 for r in rows if not by_a_scenario(r[2]))} caught by no scenario.",
        "",
        "| # | What breaks | Where | Caught by |",
        "|---|---|---|---|",
    ]
    for i, (name, files, caught) in enumerate(rows, 1):
        where = ", ".join(f"`{f}`" for f in files)
        by = "<br>".join(caught) if caught else "**NOTHING**"
        lines.append(f"| {i} | {name} | {where} | {by} |")
    return "\n".join(lines) + "\n"


def without_catchers(text):
    """The table without its "Caught by" column: the mutations, in order, and where they are."""
    return [line.rsplit(" | ", 1)[0] if line.startswith("| ") else line for line in text.splitlines()]


def by_a_scenario(caught):
    """Whether a failed scenario caught the mutation: a suite that crashed or hung names none, and
    a harness that breaks can hide a behaviour nothing checks."""
    return any(not c.startswith("(the suite broke") for c in caught)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when docs/mutations.md is not what this run writes")
    ap.add_argument("-k", metavar="TEXT", help="run only the mutations whose name contains TEXT (writes nothing)")
    ap.add_argument("-j", type=int, default=min(os.cpu_count() or 1, 4), help="mutations built and run at once")
    args = ap.parse_args()
    os.chdir(ROOT)
    chosen = [m for m in MUTATIONS if not args.k or args.k in m[0]]
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="feature-mutations-") as tmp:
        trees = []
        for i in range(max(1, min(args.j, len(chosen)))):
            tree = os.path.join(tmp, f"tree{i}")
            copy_tree(tree)
            trees.append(tree)
        complaint = build(trees[0], os.path.join(trees[0], "scenarios.test"))
        if complaint:
            raise SystemExit("the scenarios do not build:\n" + complaint)
        broken = run_features(trees[0], os.path.join(trees[0], "scenarios.test"))
        if broken:
            raise SystemExit("the features fail before any mutation:\n  " + "\n  ".join(broken))
        free = list(trees)
        lock = threading.Lock()

        def one(mutation):
            with lock:
                tree = free.pop()
            try:
                caught, files = mutate(tree, *mutation)
            finally:
                with lock:
                    free.append(tree)
            with lock:
                print(f"{mutation[0]}\n    caught by {len(caught)}: {'; '.join(caught) or 'NOTHING'}", flush=True)
            return mutation[0], files, caught

        with concurrent.futures.ThreadPoolExecutor(len(trees)) as pool:
            rows = list(pool.map(one, chosen))
    uncaught = [r[0] for r in rows if not by_a_scenario(r[2])]
    print(f"\n{len(rows)} mutations in {time.time() - start:.0f} s, {len(uncaught)} caught by no scenario")
    status = 0
    if uncaught:
        print("caught by no scenario:\n  " + "\n  ".join(uncaught))
        status = 1
    if args.k:
        return status
    text = table(rows)
    if args.check:
        old = open(TABLE).read() if os.path.exists(TABLE) else ""
        if old != text:
            diff = "\n".join(difflib.unified_diff(old.splitlines(), text.splitlines(), TABLE, "this run", lineterm=""))
            if without_catchers(old) != without_catchers(text):
                print(f"{TABLE} is not current: run python3 scripts/feature-mutations.py and commit it\n" + diff)
                status = 1
            else:
                # Scenarios that catch a mutation only in some interleavings of their goroutines
                # (a commit carried by a pull that may or may not leave in time) come and go
                # from run to run; what must hold is that some scenario catches every mutation.
                print(f"{TABLE}: the same mutations, each caught; the catching scenarios differ:\n" + diff)
    else:
        open(TABLE, "w").write(text)
        print(f"wrote {TABLE}")
    return status


if __name__ == "__main__":
    sys.exit(main())
