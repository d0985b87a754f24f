// Package admin reads back and steers any RocketMQ 4.9.7 cluster, fake or real, as mqadmin
// would: it creates and deletes topics on brokers and name servers, asks for cluster info,
// routes and queue offsets, reads a queue's stored messages back with PULL_MESSAGE, lists a
// group's producer and consumer connections, reads and changes a broker's configuration and
// runtime info, keeps the name server's KV config, reads a topic's queue stats, a group's
// consume stats and a topic's groups, reads and changes the name server's own configuration
// and the write permission it hands out for a broker (stats.go), keeps subscription groups
// (groups.go), and
// asks a broker to reset a consumer group's offsets, collect its consumers' status, get a
// consumer's running info and have a consumer consume one message again (consumers.go).
//
// Every call is a plain function over a *remoting.Client and the address of the server it asks;
// the wire formats are protocol's. The tests, the load generator's check of an external cluster,
// the feature suite's real backend and the fake cluster's own admin calls all go through here,
// so that each admin request is written once.
//
// A server that answers with a code the call does not expect gives a *ServerError, which
// carries the code and remark and matches ErrTopicNotExist and ErrIllegalQueue with errors.Is.
// Answers that mean "nothing there" where mqadmin would print an empty result (a route of an
// unknown topic, a producer group nobody is in, an absent KV item) are not errors.
package admin
