// Package conformance checks our client, and the admin package, against real RocketMQ 4.9.7
// servers (realrmq). It holds tests only: what they read back from the servers (stored
// messages, producer connections, ...) they ask through admin.
package conformance

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/realrmq"
)

// shared is the package's real cluster: a name server and two brokers that create topics on
// demand and check half messages every second, started by the first test that asks for it and
// stopped after the last.
var shared = realrmq.NewShared("conformance",
	realrmq.WithBrokers(2),
	realrmq.WithAutoCreateTopic(true),
	realrmq.WithRegisterInterval(10*time.Second),
	// The transaction tests wait for a check: seconds, not Java's 60 s.
	realrmq.WithTransactionCheckInterval(txCheckInterval),
	realrmq.WithTransactionTimeout(txTimeout))

const (
	txCheckInterval = time.Second
	txTimeout       = 3 * time.Second
)

// TestMain stops the shared cluster after the tests and before goleak looks for goroutines
// left behind: the consumers' pull, rebalance and consume goroutines must all end at Shutdown.
func TestMain(m *testing.M) { goleak.VerifyTestMain(sharedTeardown{m}) }

type sharedTeardown struct{ m *testing.M }

func (s sharedTeardown) Run() int { return shared.Run(s.m) }

// brokers lists the cluster's running brokers for admin.TopicMessages.
func brokers(c *realrmq.Cluster) []admin.Broker {
	var out []admin.Broker
	for _, b := range c.Brokers() {
		if b.Running {
			out = append(out, admin.Broker{Name: b.Name, Addr: b.Addr})
		}
	}
	return out
}
