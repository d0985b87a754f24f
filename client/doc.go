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
//     " host:port" or "").
//
// What Java's client instance and producer start that ours does not start yet, with the issue
// that brings it:
//   - the request-reply future scan (RequestFutureHolder's RequestHouseKeepingService, 3 s then
//     every 1 s) and the handling of PUSH_REPLY_MESSAGE_TO_CLIENT, and the transaction check
//     executor behind CHECK_TRANSACTION_STATE: "The full producer: transactional messages and
//     request-reply";
//   - the consumer's PullMessageService and RebalanceService, the offset-persist task
//     (persistAllConsumerOffset, 10 s then every 5 s), adjustThreadPool (every minute, a no-op
//     in 4.9.7) and the inner producer's sends back to the broker (the instance only registers
//     CLIENT_INNER_PRODUCER today): "The consumer half: push and lite-pull consumers".
package client
