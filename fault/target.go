package fault

import (
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// target is the topic and the groups a request is about, for rule filters and the history.
type target struct {
	topic  string
	groups []string
}

func requestTarget(cmd *remoting.Command) target {
	topic, groups := protocol.RequestTarget(cmd)
	return target{topic: topic, groups: groups}
}
