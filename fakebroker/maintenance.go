package fakebroker

// maintenance.go serves 306 CLEAN_EXPIRED_CONSUMEQUEUE (mqadmin cleanExpiredCQ), as Java's
// AdminBrokerProcessor.cleanExpiredConsumeQueue (4.9.7): the store drops the consume queues
// whose messages have all left the commit log, and the answer is code 0 without remark. The
// fake keeps every message, so there is never anything to drop.

import (
	"context"

	"github.com/rocketsim/rocketsim/remoting"
)

func (b *Broker) maintenanceHandlers() []handlerEntry {
	return []handlerEntry{{remoting.CodeCleanExpiredConsumeQueue, b.handleCleanExpiredConsumeQueue}}
}

func (b *Broker) handleCleanExpiredConsumeQueue(_ context.Context, req *remoting.Request) *remoting.Command {
	return answer(req.Command, remoting.Success, "")
}
