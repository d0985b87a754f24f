// Package client is a RocketMQ producer modelled on Java's DefaultMQProducer (4.9.7): the same
// service states, client-instance sharing, route refresh, heartbeats, retry rules and error
// texts, in idiomatic Go, with the weaknesses of the Java client fixed where a user gains from it
// (timeouts at their deadline, no process-wide singletons).
//
//	p, err := client.NewProducer(client.WithGroup("pg"), client.WithNameServers("127.0.0.1:9876"))
//	err = p.Start()
//	defer p.Shutdown()
//	res, err := p.Send(ctx, client.NewMessage("Orders", body))
//
// Producers with the same client id (client IP, instance name, unit name) share one client
// instance, held by a Manager: DefaultManager unless WithManager names another. The instance
// owns the connections, the route cache, the broker address table and the periodic work (route
// refresh, offline-broker cleanup and heartbeats, name-server list fetch), all on configurable
// intervals so that tests can run them in a testing/synctest bubble over a remoting.MemNetwork
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
// The instance serves what brokers push over its connections, as Java's ClientRemotingProcessor:
// CHECK_TRANSACTION_STATE goes to the producer of the checked message's group (PGROUP), and
// PUSH_REPLY_MESSAGE_TO_CLIENT settles the waiting request of the reply's correlation id. Its
// periodic work is route refresh, offline-broker cleanup with heartbeats, and the name-server
// list fetch; a request's deadline is a timer of the request's own (see below).
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
//     the queue is empty (Java keeps it idle for 60 s).
//
// What Java's client instance starts that ours does not start yet, with the issue that brings
// it:
//   - the consumer's PullMessageService and RebalanceService, the offset-persist task
//     (persistAllConsumerOffset, 10 s then every 5 s), adjustThreadPool (every minute, a no-op
//     in 4.9.7) and the inner producer's sends back to the broker (the instance only registers
//     CLIENT_INNER_PRODUCER today): "The consumer half: push and lite-pull consumers".
package client
