// Package conformance checks our client, and the admin package, against real RocketMQ 4.9.7
// servers (realrmq). It holds tests only: what they read back from the servers (stored
// messages, producer connections, ...) they ask through admin.
package conformance

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/realrmq"
	"github.com/rocketsim/rocketsim/remoting"
)

// The JVMs take seconds to start: the package's tests share one cluster of a name server and
// two brokers, started by the first test that asks for it and stopped after the last.
var shared struct {
	once    sync.Once
	logOnce sync.Once
	c       *realrmq.Cluster
	cli     *remoting.Client
	err     error
	logDir  string
	elapsed time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.c != nil {
		if code != 0 {
			fmt.Fprintf(os.Stderr, "real RocketMQ logs (shared cluster):\n%s", shared.c.LogTail(40))
		}
		_ = shared.cli.Close()
		if err := shared.c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	if shared.logDir != "" {
		_ = os.RemoveAll(shared.logDir)
	}
	os.Exit(code)
}

// cluster returns the package's real cluster, skipping t where real RocketMQ cannot run (it
// fails instead with ROCKETSIM_REQUIRE_REAL=1).
func cluster(t *testing.T) *realrmq.Cluster {
	t.Helper()
	shared.once.Do(func() {
		shared.logDir, shared.err = os.MkdirTemp("", "conformance-logs-")
		if shared.err != nil {
			return
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		shared.c, shared.err = realrmq.Launch(ctx,
			realrmq.WithBrokers(2),
			realrmq.WithAutoCreateTopic(true),
			realrmq.WithRegisterNameServerPeriod(10*time.Second),
			realrmq.WithLogDir(shared.logDir))
		shared.elapsed = time.Since(start)
		if shared.err == nil {
			shared.cli = remoting.NewClient(remoting.WithConnectTimeout(2 * time.Second))
		}
	})
	if shared.err != nil {
		realrmq.SkipUnavailable(t, shared.err)
		t.Fatal(shared.err)
	}
	shared.logOnce.Do(func() {
		t.Logf("real RocketMQ %s: name server %s, brokers %v (started in %v)", shared.c.Version(),
			shared.c.NameServerAddr(), shared.c.Brokers(), shared.elapsed.Round(time.Millisecond))
	})
	return shared.c
}

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
