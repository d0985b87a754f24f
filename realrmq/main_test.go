package realrmq

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The JVMs take seconds to start, so the package's tests share one cluster, started by the
// first test that asks for it and stopped after the last one.
const (
	brokerA      = "broker-a" // Java's defaults: autoCreateTopicEnable=true
	brokerNoAuto = "broker-b" // autoCreateTopicEnable=false
)

// shared is the package's cluster: a name server, broker-a (Java's defaults) and broker-b (no
// topic auto-creation), 4.9.7.
var shared = NewShared("realrmq-shared", sharedOptions()...)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(sharedTeardown{m})
}

// sharedTeardown stops the shared cluster after the tests and before goleak looks for
// leftover goroutines; the JVM logs are printed when a test failed.
type sharedTeardown struct{ m *testing.M }

func (s sharedTeardown) Run() int { return shared.Run(s.m) }

func sharedOptions() []Option {
	return []Option{
		WithBrokerNames(brokerA, brokerNoAuto),
		WithBrokerConfigFor(brokerNoAuto, "autoCreateTopicEnable", "false"),
		// Short enough for the differential test to see a transaction check, long enough
		// that a half message it ends at once is never checked.
		WithTransactionCheckInterval(diffTxCheckInterval),
		WithTransactionTimeout(diffTxTimeout),
		// Short enough for the differential test to see a queue lock lapse.
		WithRebalanceLockExpiry(diffLockExpiry),
	}
}

const (
	diffTxCheckInterval = time.Second
	diffTxTimeout       = 3 * time.Second
	diffLockExpiry      = 3 * time.Second
)
