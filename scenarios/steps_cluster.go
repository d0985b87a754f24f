package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/backend"
)

// Cluster steps: start the servers and change them as an operator (or a failure) would.
func (w *World) clusterSteps() []stepDef {
	return []stepDef{
		step(`^a cluster with (\d+) brokers? and topic "([^"]*)" with (\d+) queues$`,
			"starts the cluster and creates the topic on every broker, with as many read and write queues",
			func(n int, topic string, queues int) error {
				return w.startCluster(clusterSpec{brokers: n}, topic, queues, "")
			}).
			onReal("uses the first N brokers of the one real cluster the run shares (2 brokers); the topic gets a name of " +
				"the scenario's own (Orders_7)"),
		step(`^a cluster with (\d+) brokers? and topic "([^"]*)" with (\d+) queues on "([^"]*)"$`,
			"starts the cluster and creates the topic on one broker only",
			func(n int, topic string, queues int, broker string) error {
				return w.startCluster(clusterSpec{brokers: n}, topic, queues, broker)
			}),
		step(`^a cluster with (\d+) brokers?, each with a slave, and topic "([^"]*)" with (\d+) queues$`,
			"starts the cluster with a slave (brokerId 1) beside every master, and the topic on every broker",
			func(n int, topic string, queues int) error {
				return w.startCluster(clusterSpec{brokers: n, slaves: true}, topic, queues, "")
			}).
			onReal("uses a second real cluster the run shares, started by the first scenario with slaves: 2 masters, a slave "+
				"beside each, and autoCreateTopicEnable=false").
			alias("slave", "master and slave"),
		step(`^a cluster with (\d+) brokers?, each with a slave, that create no topics on send, and topic "([^"]*)" with (\d+) queues on "([^"]*)"$`,
			"starts the cluster with a slave beside every master and autoCreateTopicEnable=false (so no broker holds TBW102), "+
				"and the topic on one broker",
			func(n int, topic string, queues int, broker string) error {
				return w.startCluster(clusterSpec{brokers: n, slaves: true, noAutoCreate: true}, topic, queues, broker)
			}).
			onReal("uses the run's shared real cluster with slaves (see above)").
			alias("autoCreateTopicEnable"),
		step(`^the slave of "([^"]*)" (crashes|comes back)$`,
			"stops the broker's slave as a killed process stops, or starts it again, and waits until the name server dropped or lists it",
			func(broker, what string) error {
				return w.withCluster(func(c backend.Cluster) error {
					s, err := slaves(c)
					if err != nil {
						return err
					}
					ctx, cancel := w.ctx()
					defer cancel()
					if what == "comes back" {
						return s.RestartSlave(ctx, broker)
					}
					return s.CrashSlave(ctx, broker)
				})
			}).
			onReal("closes (or opens again) the scenario's proxy listener in front of the slave, and its connections: "+
				"the slave's JVM runs on, and the routes the proxy gives leave it out while it is down").
			alias("slave goes offline", "slave restarts"),
		step(`^a cluster with (\d+) brokers? that keeps? idle connections open, and topic "([^"]*)" with (\d+) queues$`,
			"starts the cluster with brokers that never close a connection for idleness (Java's serverChannelMaxIdleTimeSeconds=0), "+
				"so that only the client can",
			func(n int, topic string, queues int) error {
				return w.startCluster(clusterSpec{brokers: n, keepIdle: true}, topic, queues, "")
			}).
			realCannot(tagFixedExpiry).alias("idle"),
		step(`^topic "([^"]*)" is created on "([^"]*)" with (\d+) queues$`,
			"creates or updates the topic on one broker, as mqadmin updateTopic does; the name server's route shows it at once",
			func(topic, broker string, queues int) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					return c.CreateTopic(ctx, topic, queues, broker)
				})
			}).alias("add queues", "update topic", "queue count"),
		step(`^topic "([^"]*)" is deleted$`,
			"deletes the topic from every broker and from the name server, as mqadmin deleteTopic does",
			func(topic string) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					return c.DeleteTopic(ctx, topic)
				})
			}).alias("removed", "dropped"),
		step(`^the write permission of "([^"]*)" is removed$`,
			"makes the broker read-only (brokerPermission 4, as mqadmin updateBrokerConfig); it registers the change at once",
			func(broker string) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					return c.SetWritable(ctx, broker, false)
				})
			}).
			onReal("UPDATE_BROKER_CONFIG brokerPermission=4; given back when the scenario ends").
			alias("read-only", "readonly", "not writable", "permission"),
		step(`^"([^"]*)" crashes$`,
			"stops the broker as a killed process stops (connections close, nothing is unregistered) and waits until the name server dropped it",
			func(broker string) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					return c.Crash(ctx, broker)
				})
			}).
			onReal("the scenario's proxy closes the broker's listeners and connections and leaves it out of the name server's answers (the JVM runs on); it comes back when the scenario ends").
			alias("goes offline", "goes down", "is down", "dies", "is killed", "stops", "fails", "offline"),
		step(`^"([^"]*)" comes back$`,
			"starts a crashed broker again with what it stored, and waits until the name server lists it",
			func(broker string) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					return c.Restart(ctx, broker)
				})
			}).
			alias("restarts", "goes online", "comes online", "is back", "recovers", "starts again"),
		step(`^"([^"]*)" stops registering$`,
			"the broker keeps serving clients but no longer registers with the name server, which expires it after 120 s",
			func(broker string) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					return c.Silence(ctx, broker, true)
				})
			}).
			realCannot(tagFixedExpiry).
			alias("silent", "silenced", "expires", "no registration"),
	}
}

func (w *World) startCluster(spec clusterSpec, topic string, queues int, broker string) error {
	if w.cluster != nil {
		return fmt.Errorf("the scenario already has a cluster")
	}
	spec.tcp = w.tcp
	return w.in(func() error {
		c, err := w.backend.StartCluster(w.bt, spec)
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
func (w *World) timeSteps() []stepDef {
	return []stepDef{
		step(`^(\d+) (milliseconds?|seconds?|minutes?) pass(?:es)?$`,
			"lets time pass while the servers and clients work: their timers (polls, heartbeats, expiry, timeouts) fire as they would",
			func(n int, unit string) error {
				d := time.Duration(n) * time.Second
				switch {
				case strings.HasPrefix(unit, "minute"):
					d = time.Duration(n) * time.Minute
				case strings.HasPrefix(unit, "milli"):
					d = time.Duration(n) * time.Millisecond
				}
				return w.sleep(d)
			}).
			onFake("virtual time in the scenario's synctest bubble: no wall time passes").
			onReal("sleeps a tenth of it: the producers poll and heartbeat every 2.5 s instead of 30 s").
			alias("wait", "waits", "after", "later", "elapse", "elapses"),
	}
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
