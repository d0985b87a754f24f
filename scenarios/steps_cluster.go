package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/rocketsim/rocketsim/backend"
)

// Cluster steps: start the servers and change them as an operator (or a failure) would.
func (w *World) clusterSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a cluster with (\d+) brokers?$`, func(n int) error { return w.startCluster(n, "", 0, "") })
	sc.Step(`^a cluster with (\d+) brokers? and topic "([^"]*)" with (\d+) queues$`, func(n int, topic string, queues int) error {
		return w.startCluster(n, topic, queues, "")
	})
	sc.Step(`^a cluster with (\d+) brokers? and topic "([^"]*)" with (\d+) queues on "([^"]*)"$`, w.startCluster)
	sc.Step(`^topic "([^"]*)" is created on "([^"]*)" with (\d+) queues$`, func(topic, broker string, queues int) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.CreateTopic(ctx, topic, queues, broker)
		})
	})
	sc.Step(`^topic "([^"]*)" is deleted$`, func(topic string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.DeleteTopic(ctx, topic)
		})
	})
	sc.Step(`^the write permission of "([^"]*)" is removed$`, func(broker string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.SetWritable(ctx, broker, false)
		})
	})
	sc.Step(`^"([^"]*)" crashes$`, func(broker string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.Crash(ctx, broker)
		})
	})
	sc.Step(`^"([^"]*)" comes back$`, func(broker string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.Restart(ctx, broker)
		})
	})
	sc.Step(`^"([^"]*)" stops registering$`, func(broker string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.Silence(ctx, broker, true)
		})
	})
}

func (w *World) startCluster(n int, topic string, queues int, broker string) error {
	if w.cluster != nil {
		return fmt.Errorf("the scenario already has a cluster")
	}
	return w.in(func() error {
		c, err := w.backend.StartCluster(w.bt, n)
		if err != nil {
			return err
		}
		w.cluster = c
		if topic == "" {
			return nil
		}
		ctx, cancel := w.ctx()
		defer cancel()
		var brokers []string
		if broker != "" {
			brokers = []string{broker}
		}
		return c.CreateTopic(ctx, topic, queues, brokers...)
	})
}

// withCluster runs f on the scenario's cluster, where it lives.
func (w *World) withCluster(f func(backend.Cluster) error) error {
	if w.cluster == nil {
		return fmt.Errorf("the scenario has no cluster: start with \"a cluster with N brokers\"")
	}
	return w.in(func() error { return f(w.cluster) })
}

// Time steps: on a virtual backend they cost no wall time.
func (w *World) timeSteps(sc *godog.ScenarioContext) {
	sc.Step(`^(\d+) (milliseconds?|seconds?|minutes?) pass(?:es)?$`, func(n int, unit string) error {
		d := time.Duration(n) * time.Second
		switch {
		case strings.HasPrefix(unit, "minute"):
			d = time.Duration(n) * time.Minute
		case strings.HasPrefix(unit, "milli"):
			d = time.Duration(n) * time.Millisecond
		}
		return w.sleep(d)
	})
}

// splitList reads "a, b, c" (or "a b c" when sep is " ").
func splitList(s, sep string) []string {
	var out []string
	for item := range strings.SplitSeq(s, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func atoi32(s string) int32 {
	n, _ := strconv.Atoi(s)
	return int32(n)
}
