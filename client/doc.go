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
// Where we differ from Java, on purpose:
//   - a send has one time budget (WithSendTimeout, or the context's deadline when earlier), and
//     WithAttemptTimeout can cap each attempt so that a hung broker leaves time for a retry;
//   - timeouts fire at their deadline and do not close a connection shared with other requests;
//   - an async retry is addressed to the queue and broker it goes to (Java resends the first
//     attempt's header to the new broker);
//   - latency fault tolerance honours the last broker, as Java 5.1.4 does;
//   - a failed name-server request un-chooses that name server so that the next one fails over.
package client
