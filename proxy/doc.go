// Package proxy puts rocketsim's fault rules and request history in front of any RocketMQ
// cluster, real or fake: a protocol-aware proxy that clients use as their name server.
//
// It listens as a name server and forwards every request to the upstream name server, and its
// answers back. In the answers to GET_ROUTEINFO_BY_TOPIC (105) and GET_BROKER_CLUSTER_INFO
// (106) it replaces every broker address with a listener of its own, one per upstream address
// (slaves included), opened the first time an answer names the address; a route keeps the
// encoding the upstream chose (standard JSON or fastjson's bare keys, see
// protocol.RouteJSONForm), whatever the header's serialize type. Each broker listener has a
// second one on its port minus 2 that forwards to the upstream's VIP channel (its port minus
// 2), so that a client with vipChannelEnabled reaches the broker through the proxy too.
//
// Every client connection gets a connection of its own to the upstream, so that the server
// behind sees one channel per client as it would without the proxy: requests go up with their
// opaque and flag bits as the client wrote them (remoting.Conn.Forward), and the requests the
// server sends the client over that channel (a broker's CHECK_TRANSACTION_STATE,
// NOTIFY_CONSUMER_IDS_CHANGED, PUSH_REPLY_MESSAGE_TO_CLIENT, RESET_CONSUMER_CLIENT_OFFSET,
// GET_CONSUMER_STATUS_FROM_CLIENT, GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY) come
// back down the same way. When either side closes its connection, the proxy closes the other.
// The proxy imposes no idle timeout of its own: the client and the server keep theirs.
//
// Each listener is a remoting.Server with the same interceptors as the fakes (fault.Install):
// one fault.History and one fault.Injector for the name server and one per broker name (its
// master, its slaves and their VIP listeners share them), so a rule delays, drops, refuses,
// closes on, corrupts or overrides what a client sends, and a rule that names a code the
// broker sends its clients acts on those as the fakes' brokers do (fault.Injector.Forward).
// CrashBroker takes a broker offline as its clients see a crash: its listeners and every
// connection through them close, and the name server's answers leave it out as a real name
// server drops a broker whose channel closed (its addresses go, and with the last address its
// queues; a topic with no queue left is TOPIC_NOT_EXIST); StartBroker listens again on the same
// addresses. BlackHoleBroker crashes a broker so, then makes its addresses swallow connection
// attempts (on Linux: see hole), as when its host is cut off: a client that still has the
// address neither connects nor is refused, and gives up at its connect timeout; StartBroker
// brings it back. The servers behind are untouched.
//
// What the proxy does not change: the server sees the proxy's address as the client's (a
// broker's connection lists name it), and what brokers put in bodies and message ids (an offset
// message id encodes the broker's own store address, so a tool that decodes it, such as mqadmin
// queryMsgById, goes to the broker directly). Answers are re-encoded from rocketsim's reading of
// them: fields 4.9.7 does not have (5.x's static topic mappings) are lost.
package proxy
