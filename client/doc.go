// Package client is a RocketMQ client modelled on Java's 4.9.7 one: a producer
// (DefaultMQProducer), a push consumer (DefaultMQPushConsumer) and a lite pull consumer
// (DefaultLitePullConsumer), with the same service states, client-instance sharing, route
// refresh, heartbeats, retry rules and error texts, in idiomatic Go, with the weaknesses of the
// Java client fixed where a user gains from it (timeouts at their deadline, no process-wide
// singletons).
//
//	p, err := client.NewProducer(client.WithGroup("pg"), client.WithNameServers("127.0.0.1:9876"))
//	err = p.Start()
//	defer p.Shutdown()
//	res, err := p.Send(ctx, client.NewMessage("Orders", body))
//
// A push consumer pulls in the background and hands messages to its listener:
//
//	c, err := client.NewPushConsumer(client.WithGroup("cg"), client.WithNameServers(addr),
//		client.WithConcurrentListener(func(ctx context.Context, msgs []*client.MessageExt,
//			cc *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
//			return client.ConsumeSuccess, nil
//		}))
//	err = c.Subscribe("Orders", "TagA || TagB")
//	err = c.Start()
//	defer c.Shutdown()
//
// and a lite pull consumer lets the application ask (Poll), from subscribed queues (Subscribe)
// or chosen ones (Assign), committing by itself every 5 s (WithAutoCommit) or on Commit, with
// Seek, SeekToBegin and SeekToEnd to move.
//
// Producers and consumers with the same client id (client IP, instance name, unit name) share one client
// instance, held by a Manager: DefaultManager unless WithManager names another. The instance
// owns the connections, the route cache, the broker address table and the periodic work (route
// refresh, offline-broker cleanup and heartbeats, name-server list fetch; with consumers, the
// pull service, the rebalance every 20 s and the offset persist 10 s after start and then every
// 5 s), all on configurable intervals so that tests can run them in a testing/synctest bubble over a remoting.MemNetwork
// (WithDialer(mem.Dial)).
//
// Async sends go through a bounded executor per producer, as Java's defaultAsyncSenderExecutor
// (WithAsyncSenderExecutor: runtime.NumCPU() workers, a queue of 50,000): the time a send waits
// there counts against its budget, and a send that finds the queue full, or the producer shut
// down, is rejected with Java's "executor rejected " error (ErrAsyncSenderRejected).
//
// A producer made with WithTransactionListener is Java's TransactionMQProducer: SendInTransaction
// sends a half message, runs the local transaction and ends it with END_TRANSACTION, and the
// checker answers the broker's CHECK_TRANSACTION_STATE on the producer's check executor
// (WithTransactionCheckExecutor: 1 worker, a queue of 2,000). Any producer sends requests
// (Request and its async, selector and queue forms) and replies (NewReplyMessage, Reply).
//
// Consumers, as Java's: a consumer group is registered in the instance like a producer group (a
// duplicate fails the same way), and is unregistered from every broker at Shutdown, after the
// offsets are persisted. In clustering mode the group's members share the queues of each
// subscribed topic by an AllocateStrategy (averagely, by circle, by consistent hash, by config),
// recomputed every WithRebalanceInterval and at once on NOTIFY_CONSUMER_IDS_CHANGED; a queue
// that moves away has its offset persisted first. Offsets live in the broker
// (QUERY/UPDATE_CONSUMER_OFFSET); in broadcasting mode every member consumes every queue and
// keeps its offsets in a file, WithOffsetStoreDir/clientID/group/offsets.json, that a restart
// resumes from. ConsumeFromWhere (last offset, first offset, timestamp) says where a group with
// no offset starts. Pulls stop while a queue caches more than 1,000 messages or 100 MiB
// (WithPullThresholdForQueue, WithPullThresholdSizeForQueue).
//
// A failed concurrent batch goes back to the broker (CONSUMER_SEND_MSG_BACK) with its delay
// level, or when the broker refuses, straight to %RETRY%group through the inner producer; after
// WithMaxReconsumeTimes (16) the broker moves it to %DLQ%group. An orderly listener's failure
// (SuspendCurrentQueueAMoment, an error, a panic) suspends its queue for
// WithSuspendCurrentQueueDelay (1 s) and consumes the batch again here, in order; past
// WithMaxReconsumeTimes (no limit by default) the message goes to %RETRY%group at the limit, and
// so to %DLQ%group. An orderly consumer in clustering mode consumes a queue only while it holds
// the queue's broker lock: LOCK_BATCH_MQ when rebalance takes the queue, renewed every
// WithRebalanceLockInterval (20 s, first after 1 s), trusted for WithRebalanceLockExpiry (30 s);
// UNLOCK_BATCH_MQ when the queue moves away (WithUnlockDelay later while messages are still
// cached) and at Shutdown. The broker keeps a lock for 60 s without renewal, so a member that
// vanished without unlocking blocks its queues that long.
//
// The instance serves what brokers push over its connections, as Java's ClientRemotingProcessor:
// CHECK_TRANSACTION_STATE goes to the producer of the checked message's group (PGROUP),
// PUSH_REPLY_MESSAGE_TO_CLIENT settles the waiting request of the reply's correlation id,
// NOTIFY_CONSUMER_IDS_CHANGED (40) rebalances at once, and on an admin's request
// RESET_CONSUMER_CLIENT_OFFSET (220) moves a push consumer's queues to new offsets,
// GET_CONSUMER_STATUS_FROM_CLIENT (221) reports a push consumer's offsets,
// GET_CONSUMER_RUNNING_INFO (307) its settings, subscriptions, queues and rates (with every
// goroutine's stack for jstack), and CONSUME_MESSAGE_DIRECTLY (309) gives one stored message to a
// push consumer's listener. A request's deadline is a timer of the request's own (see below).
//
// Where we differ from Java, on purpose:
//   - a send has one time budget (WithSendTimeout, or the context's deadline when earlier), and
//     WithAttemptTimeout can cap each attempt so that a hung broker leaves time for a retry;
//   - timeouts fire at their deadline and do not close a connection shared with other requests;
//   - an async retry is addressed to the queue and broker it goes to (Java resends the first
//     attempt's header to the new broker);
//   - latency fault tolerance honours the last broker, as Java 5.1.4 does;
//   - a failed name-server request un-chooses that name server so that the next one fails over;
//   - a rejected async send is reported to its callback before SendAsync returns, on the
//     caller's goroutine: Java throws the rejection from send, and SendAsync returns no error;
//   - the route round visits its topics in name order (Java: a HashSet's order), so which
//     topics a round refreshes before a name-server failure ends it does not vary by chance;
//   - a name-server list (WithNameServers' NAMESRV_ADDR fallback, or the HTTP answer) is read
//     without spaces around and empty entries between its ';' (Java would try to connect to
//     " host:port" or "");
//   - a request fails at its deadline, on a timer of its own. Java keeps requests in a
//     process-wide table (RequestFutureHolder) that a RequestHouseKeepingService scans every
//     second from 3 s after the first producer starts, so an async request fails up to a
//     second late (more in its first 3 s). Here the table belongs to the client instance, since
//     replies come to the instance's client id, and the instance schedules no scan: every entry
//     has its timer from the moment it is added and leaves the table when it settles, so there
//     is nothing a scan could find;
//   - an async request's callback runs exactly once, on a goroutine of its own: Java 4.9.7's
//     request(msg, callback, timeout) calls onSuccess(null) as soon as the send succeeds, then
//     again with the reply. What fails before the send goes to the callback too (Java throws
//     it from request), and a cancelled context ends any request at once;
//   - what a local transaction or a checker returns with an error, or panics with, is
//     TransactionUnknown, as Java reads a Throwable; SendInTransaction also returns the error in
//     TransactionSendResult, which keeps every field of the half message's SendResult (Java
//     copies some). LocalTransactionState's zero value is TransactionUnknown, so a listener
//     that returns nothing of its own commits nothing;
//   - a check executor worker beyond WithTransactionCheckExecutor's minimum leaves as soon as
//     the queue is empty (Java keeps it idle for 60 s);
//   - RESET_CONSUMER_CLIENT_OFFSET is carried out on a goroutine of its own (Java: on the thread
//     that read it, for its 10 s), and writes each new offset to the broker with an answered
//     UPDATE_CONSUMER_OFFSET before the rebalance reads it back: Java's oneway update can be
//     overtaken by that query in the broker's thread pool, and the reset is then lost;
//   - CONSUME_MESSAGE_DIRECTLY for a lite pull consumer's group answers SYSTEM_ERROR "... is not a
//     push consumer" (Java fails with a ClassCastException); GET_CONSUMER_STATUS_FROM_CLIENT
//     answers no offsets for it, as Java's;
//   - a push consumer whose Start fails in the instance's start is dropped from the instance
//     (Java leaves it registered there);
//   - a consumer's Shutdown waits for the rebalance round under way, if any, and no round of its
//     starts after that: Java's shutdown does not, so an orderly consumer's round that is still
//     locking a new queue adds it after unlockAll, and the broker keeps that lock for the group
//     until it expires (60 s);
//   - the instance schedules no adjustThreadPool: Java's runs every minute, but in 4.9.7 both
//     consume services' incCorePoolSize and decCorePoolSize are empty, so it changes nothing.

package client
