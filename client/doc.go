// Package client is a RocketMQ producer modelled on Java's DefaultMQProducer (4.9.7): the same
// service states, client-instance sharing, route refresh, heartbeats, retry rules and error
// texts, in idiomatic Go, with the weaknesses of the Java client fixed where a user gains from it
// (timeouts at their deadline, no process-wide singletons).
package client
