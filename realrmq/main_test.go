package realrmq

import (
	"context"
	"fmt"
	"os"
	"sync"
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

var shared struct {
	once    sync.Once
	c       *Cluster
	err     error
	logDir  string
	elapsed time.Duration
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(sharedTeardown{m})
}

// sharedTeardown stops the shared cluster after the tests and before goleak looks for
// leftover goroutines; the JVM logs are printed when a test failed.
type sharedTeardown struct{ m *testing.M }

func (s sharedTeardown) Run() int {
	code := s.m.Run()
	if shared.c != nil {
		if code != 0 {
			fmt.Fprintf(os.Stderr, "real RocketMQ logs (shared cluster):\n%s", shared.c.LogTail(40))
		}
		if err := shared.c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	if shared.logDir != "" {
		_ = os.RemoveAll(shared.logDir)
	}
	return code
}

func sharedOptions() []Option {
	return []Option{
		WithBrokerNames(brokerA, brokerNoAuto),
		WithBrokerConfigFor(brokerNoAuto, "autoCreateTopicEnable", "false"),
	}
}

// sharedCluster is the package's cluster: a name server, broker-a (Java's defaults) and
// broker-b (no topic auto-creation), 4.9.7. It skips t when this machine cannot run it.
func sharedCluster(t *testing.T) *Cluster {
	t.Helper()
	shared.once.Do(func() {
		shared.logDir, shared.err = os.MkdirTemp("", "realrmq-logs-")
		if shared.err != nil {
			return
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.c, shared.err = Launch(ctx, append(sharedOptions(), WithLogDir(shared.logDir))...)
		shared.elapsed = time.Since(start)
	})
	if shared.err != nil {
		SkipUnavailable(t, shared.err)
		t.Fatal(shared.err)
	}
	t.Logf("shared cluster: name server %s, brokers %v (started in %v)",
		shared.c.NameServerAddr(), shared.c.Brokers(), shared.elapsed.Round(time.Millisecond))
	return shared.c
}
