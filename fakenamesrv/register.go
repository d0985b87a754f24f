package fakenamesrv

// Brokers registering with the name server.
//
//	103 REGISTER_BROKER     header RegisterBrokerRequestHeader, body RegisterBrokerBody
//	104 UNREGISTER_BROKER   header UnRegisterBrokerRequestHeader
//	322 QUERY_DATA_VERSION  header QueryDataVersionRequestHeader, body DataVersion
//
// Java (DefaultRequestProcessor.registerBrokerWithFilterServer, unregisterBroker,
// queryBrokerTopicConfig at rocketmq-all-4.9.7), as a real 4.9.7 name server on Java 17 answers:
//
//   - Header fields are read leniently: a missing required field, or a number Java cannot
//     parse, is logged and left null, and the processor goes on with the null. A null String
//     becomes part of the state (a broker name, an address); a null brokerId fails with a
//     NullPointerException where it is unboxed, answered 1 SYSTEM_ERROR with the exception's
//     description as remark (see the remark constants below).
//   - 103: a non-zero bodyCrc32 that is not the CRC32 of the body is answered 1 "crc32 not
//     match" (with an empty header); an undecodable body is answered 1 with the
//     RemotingCommandException "Failed to decode RegisterBrokerBody"; no body registers no
//     topics with DataVersion {0,0}. Success: code 0, header haServerAddr and masterAddr (for
//     a slave whose master is registered and alive; "extFields":{} otherwise), body the KV
//     table of namespace ORDER_TOPIC_CONFIG (none when the namespace does not exist). A oneway
//     103 (sent after a topic is auto-created) registers the same and gets no answer.
//   - 104: code 0, no header, whatever was or was not removed.
//   - 322: changed = the broker's DataVersion differs from the one registered from its
//     address (or none is); when it does not, the broker's last update time is refreshed.
//     Answer code 0, header changed, body the registered DataVersion when there is one.
//     No body: a NullPointerException from new String(null), answered 1.

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Remarks of the exceptions Java's processors throw on these requests, as exceptionSimpleDesc
// renders them on Java 17 (helpful NullPointerException messages) with the 4.9.7 jars: the
// exception, then its top stack frame.
const (
	remarkRegisterNullBrokerID = `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.namesrv.RegisterBrokerRequestHeader.getBrokerId()" is null, org.apache.rocketmq.namesrv.processor.DefaultRequestProcessor.registerBrokerWithFilterServer(DefaultRequestProcessor.java:237)`
	remarkRegisterBadBody      = `org.apache.rocketmq.remoting.exception.RemotingCommandException: Failed to decode RegisterBrokerBody, org.apache.rocketmq.namesrv.processor.DefaultRequestProcessor.registerBrokerWithFilterServer(DefaultRequestProcessor.java:226)`
	remarkCRC32NotMatch        = "crc32 not match"
	remarkUnregisterNullID     = `java.lang.NullPointerException: Cannot invoke "java.lang.Long.longValue()" because the return value of "org.apache.rocketmq.common.protocol.header.namesrv.UnRegisterBrokerRequestHeader.getBrokerId()" is null, org.apache.rocketmq.namesrv.processor.DefaultRequestProcessor.unregisterBroker(DefaultRequestProcessor.java:344)`
	remarkQueryNoBody          = `java.lang.NullPointerException: Cannot read the array length because "bytes" is null, java.base/java.lang.String.<init>(String.java:1387)`
	// fastjson's exception for a body that is not a DataVersion object. Java's text depends on
	// how fastjson's lexer fails (position, token, its own stack frame); ours keeps the class.
	remarkQueryBadBody = "com.alibaba.fastjson.JSONException: the body is not a DataVersion"
)

// NamespaceOrderTopicConfig is the KV namespace (NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG) whose
// items, topic -> "brokerName:queueNums;...", make topics ordered; brokers receive it in the
// answer to every registration, and routes carry a topic's item with WithOrderMessageEnable.
const NamespaceOrderTopicConfig = "ORDER_TOPIC_CONFIG"

func (s *Server) registerHandlersTable() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeRegisterBroker, s.handleRegisterBroker},
		{remoting.CodeUnregisterBroker, s.handleUnregisterBroker},
		{remoting.CodeQueryDataVersion, s.handleQueryDataVersion},
	}
}

// javaLongNull reports whether Java holds the boxed Long header field key as null: absent, or
// not a number Long.parseLong takes (the decoder logs that and leaves the field unset).
func javaLongNull(ext map[string]string, key string) bool {
	v, ok := ext[key]
	if !ok {
		return true
	}
	_, err := strconv.ParseInt(v, 10, 64)
	return err != nil
}

func (s *Server) handleRegisterBroker(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	// Java logs a bad field and goes on with null; so do we.
	h, _ := protocol.DecodeRegisterBrokerRequestHeader(cmd.ExtFields)
	if h.BodyCRC32 != 0 && protocol.BodyCRC32(cmd.Body) != h.BodyCRC32 {
		s.log.Warn("register broker: crc32 does not match the body", "broker", h.BrokerAddr, "peer", req.Conn.RemoteAddr())
		return withHeader(cmd, remoting.SystemError, remarkCRC32NotMatch)
	}
	body := &protocol.RegisterBrokerBody{}
	if len(cmd.Body) > 0 {
		var err error
		if body, err = protocol.DecodeRegisterBrokerBody(cmd.Body, h.Compressed); err != nil {
			s.log.Warn("register broker: bad body", "broker", h.BrokerAddr, "reason", err)
			return javaException(cmd, remarkRegisterBadBody)
		}
	}
	if javaLongNull(cmd.ExtFields, protocol.FieldBrokerID) {
		return javaException(cmd, remarkRegisterNullBrokerID)
	}
	ha, master := s.reg.register(registration{
		cluster:       h.ClusterName,
		addr:          h.BrokerAddr,
		name:          h.BrokerName,
		haServerAddr:  h.HAServerAddr,
		id:            h.BrokerID,
		topics:        body.TopicConfigSerializeWrapper.TopicConfigTable,
		dataVersion:   body.TopicConfigSerializeWrapper.DataVersion,
		filterServers: body.FilterServerList,
		conn:          req.Conn,
	}, time.Now())

	resp := withHeader(cmd, remoting.Success, "")
	protocol.SetHeader(resp, protocol.RegisterBrokerResponseHeader{HAServerAddr: ha, MasterAddr: master})
	resp.Body = s.kv.encodeNamespace(NamespaceOrderTopicConfig)
	return resp
}

func (s *Server) handleUnregisterBroker(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeUnRegisterBrokerRequestHeader(cmd.ExtFields)
	if javaLongNull(cmd.ExtFields, protocol.FieldBrokerID) {
		return javaException(cmd, remarkUnregisterNullID)
	}
	s.reg.unregister(h.ClusterName, h.BrokerAddr, h.BrokerName, h.BrokerID)
	return remoting.NewResponse(cmd, remoting.Success, "")
}

func (s *Server) handleQueryDataVersion(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeQueryDataVersionRequestHeader(cmd.ExtFields)
	if len(cmd.Body) == 0 {
		return javaException(cmd, remarkQueryNoBody)
	}
	dv, err := protocol.DecodeDataVersion(cmd.Body)
	if err != nil && isJSONNull(cmd.Body) {
		// fastjson reads null as a null DataVersion, which no registered version equals; the
		// zero version stands in for it.
		dv, err = protocol.DataVersion{}, nil
	}
	if err != nil {
		s.log.Warn("query data version: bad body", "broker", h.BrokerAddr, "reason", err)
		return javaException(cmd, remarkQueryBadBody)
	}
	changed, current := s.reg.queryDataVersion(h.BrokerAddr, dv, time.Now())
	resp := withHeader(cmd, remoting.Success, "")
	protocol.SetHeader(resp, protocol.QueryDataVersionResponseHeader{Changed: changed})
	if current != nil {
		resp.Body = current.Encode()
	}
	return resp
}

// isJSONNull reports whether body is the JSON literal null.
func isJSONNull(body []byte) bool { return string(bytes.TrimSpace(body)) == "null" }
