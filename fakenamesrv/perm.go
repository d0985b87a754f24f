package fakenamesrv

// A broker's write permission as the name server hands it out in routes, what mqadmin
// wipeWritePerm and addWritePerm change before a broker is taken out of service and after:
//
//	205 WIPE_WRITE_PERM_OF_BROKER  header brokerName; answer header wipeTopicCount
//	327 ADD_WRITE_PERM_OF_BROKER   header brokerName; answer header addTopicCount
//
// Java (DefaultRequestProcessor and RouteInfoManager.operateWritePermOfBroker at
// rocketmq-all-4.9.7): every topic's queue data of that broker name loses the write bit (205)
// or is set to read and write, 6 (327), whatever it was; the answer is code 0 with the number
// of topics touched (0 for a name the server does not know, or none given). Nothing else
// changes: the broker's next registration puts its own permissions back.

import (
	"context"
	"strconv"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (s *Server) permHandlersTable() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeWipeWritePermOfBroker, s.handleWritePerm(protocol.FieldWipeTopicCount, func(perm int32) int32 {
			return perm &^ protocol.PermWrite
		})},
		{remoting.CodeAddWritePermOfBroker, s.handleWritePerm(protocol.FieldAddTopicCount, func(int32) int32 {
			return protocol.PermRead | protocol.PermWrite
		})},
	}
}

func (s *Server) handleWritePerm(countField string, change func(perm int32) int32) remoting.Handler {
	return func(_ context.Context, req *remoting.Request) *remoting.Command {
		cmd := req.Command
		h, _ := protocol.DecodeWritePermOfBrokerRequestHeader(cmd.ExtFields)
		n := 0
		if _, given := cmd.ExtFields[protocol.FieldBrokerName]; given {
			n = s.reg.changePerm(h.BrokerName, change)
		}
		resp := withHeader(cmd, remoting.Success, "")
		resp.ExtFields[countField] = strconv.Itoa(n)
		return resp
	}
}

// changePerm is RouteInfoManager.operateWritePermOfBroker: it returns how many topics' queue
// data of the broker it changed.
func (r *registry) changePerm(brokerName string, change func(int32) int32) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, topic := range r.topics.keys() {
		queues, _ := r.topics.get(topic)
		qd, ok := queues.get(brokerName)
		if !ok {
			continue
		}
		qd.Perm = change(qd.Perm)
		queues.put(brokerName, qd)
		n++
	}
	if n > 0 {
		r.notifyLocked()
	}
	return n
}
