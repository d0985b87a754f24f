package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// producerState is one named producer of the scenario and what happened to it.
type producerState struct {
	name      string
	opts      []client.Option
	p         *client.Producer
	startErr  error
	startTook time.Duration
}

// Producer steps: create, start, reconfigure and stop producers of our client, and read what
// their client instance knows.
func (w *World) producerSteps() []stepDef {
	return []stepDef{
		step(`^a producer "([^"]*)" in group "([^"]*)"$`,
			"creates a producer (not started) that knows the name server's address; its instance name is DEFAULT",
			func(name, group string) error { return w.newProducer(name, group, true) }).
			alias("new producer", "create a producer"),
		step(`^a producer "([^"]*)" in group "([^"]*)" with instance name "([^"]*)"$`,
			"creates a producer with that instance name: producers with the same instance name share one client instance",
			func(name, group, instance string) error {
				return w.newProducer(name, group, true, client.WithInstanceName(instance))
			}).alias("shared instance", "same client"),
		step(`^a producer "([^"]*)" in group "([^"]*)" with instance name "([^"]*)" that creates new topics with (\d+) queues$`,
			"creates a producer with that instance name whose sends to a topic without a route ask for that many queues "+
				"(Java's defaultTopicQueueNums, 4 by default)",
			func(name, group, instance string, queues int) error {
				return w.newProducer(name, group, true, client.WithInstanceName(instance),
					client.WithCreateTopicKey(client.DefaultCreateTopicKey, queues))
			}).alias("defaultTopicQueueNums", "default queue count", "new topic"),
		step(`^a producer "([^"]*)" in group "([^"]*)" with send timeout (\d+) seconds?$`,
			"creates a producer whose sends have that budget, retries included (Java's sendMsgTimeout, 3 s by default)",
			func(name, group string, secs int) error {
				return w.newProducer(name, group, true, client.WithSendTimeout(w.scale(secondsD(secs))))
			}).alias("timeout"),
		step(`^a producer "([^"]*)" in group "([^"]*)" with send timeout (\d+) seconds? and attempt limit (\d+) milliseconds$`,
			"creates a producer whose sends have that budget, each attempt but the last capped at the limit",
			func(name, group string, secs, ms int) error {
				return w.newProducer(name, group, true, client.WithSendTimeout(w.scale(secondsD(secs))),
					client.WithAttemptTimeout(w.scale(time.Duration(ms)*time.Millisecond)))
			}).alias("per attempt", "attempt timeout"),
		step(`^a producer "([^"]*)" in group "([^"]*)" with send timeout (\d+) seconds?, (\d+) async sender threads? and room for (\d+) waiting sends?$`,
			"creates a producer whose async sends run on that many sender threads, with that many more waiting for one "+
				"(Java's defaultAsyncSenderExecutor: as many threads as CPUs, 50,000 waiting)",
			func(name, group string, secs, threads, room int) error {
				return w.newProducer(name, group, true, client.WithSendTimeout(w.scale(secondsD(secs))),
					client.WithAsyncSenderExecutor(threads, room))
			}).alias("executor", "async sender", "queue size", "back-pressure"),
		step(`^a producer "([^"]*)" in group "([^"]*)" that heartbeats every (\d+) minutes$`,
			"creates a producer whose client instance sends heartbeats every N minutes (Java's heartbeatBrokerInterval, 30 s by default)",
			func(name, group string, mins int) error {
				return w.newProducer(name, group, true, client.WithHeartbeatInterval(w.scale(time.Duration(mins)*time.Minute)))
			}).alias("heartbeat interval", "rarely"),
		step(`^a producer "([^"]*)" in group "([^"]*)" without a name-server list$`,
			"creates a producer that is given no name-server address: it reads NAMESRV_ADDR, then the HTTP endpoint",
			func(name, group string) error { return w.newProducer(name, group, false) }),
		step(`^producers? "([^"]*)" in group "([^"]*)" with name servers "([^"]*)"$`,
			"creates producers (each with its own client instance) given that ';'-separated name-server list instead of the cluster's",
			func(names, group, list string) error {
				for _, name := range splitList(names, ",") {
					if err := w.newProducer(name, group, false, client.WithNameServers(splitList(list, ";")...)); err != nil {
						return err
					}
				}
				return nil
			}).alias("namesrvAddr", "name-server list", "several name servers"),
		step(`^the environment variable NAMESRV_ADDR holds the name server's address$`,
			"sets NAMESRV_ADDR for the scenario (restored when it ends)",
			func() error {
				if w.cluster == nil {
					return errors.New("no cluster")
				}
				w.setEnv("NAMESRV_ADDR", w.cluster.NameServerAddr())
				return nil
			}).alias("env", "environment"),
		step(`^producer "([^"]*)" starts$`,
			"starts the producer and keeps what Start returned, success or not, for the steps that follow",
			func(name string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				return w.in(func() error {
					begin := time.Now()
					ps.startErr = ps.p.Start()
					ps.startTook = time.Since(begin)
					return nil
				})
			}).alias("start", "launch"),
		step(`^producer "([^"]*)" has started$`,
			"starts the producer, which must succeed",
			w.mustStart),
		step(`^producer "([^"]*)" has started and sent a message to "([^"]*)"$`,
			"starts the producer and makes one sync send to the topic, which must succeed",
			func(name, topic string) error {
				if err := w.mustStart(name); err != nil {
					return err
				}
				return w.mustSend(name, topic, 1)
			}),
		step(`^producer "([^"]*)" changes its group to "([^"]*)"$`,
			"changes the group of a producer that is not started (after a failed start)",
			func(name, group string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				ps.p.SetGroup(group)
				return nil
			}).alias("rename", "set group"),
		step(`^producer "([^"]*)" shuts down$`,
			"shuts the producer down: it unregisters its group from every broker and leaves its client instance",
			func(name string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				return w.in(func() error {
					ps.p.Shutdown()
					return nil
				})
			}).alias("stops", "closes", "shutdown"),
		step(`^producer "([^"]*)" is (CREATE_JUST|RUNNING|START_FAILED|SHUTDOWN_ALREADY)$`,
			"the producer's service state is the one named",
			func(name, state string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if got := ps.p.State().String(); got != state {
					return fmt.Errorf("producer %s is %s, want %s (start error: %v)", name, got, state, ps.startErr)
				}
				return nil
			}).alias("state", "running", "started"),
		step(`^the start of producer "([^"]*)" fails with "(.*)"$`,
			"the last start of the producer failed with an error containing the text",
			func(name, text string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if ps.startErr == nil {
					return fmt.Errorf("producer %s started", name)
				}
				if !strings.Contains(ps.startErr.Error(), text) {
					return fmt.Errorf("start error %q does not say %q", ps.startErr, text)
				}
				return nil
			}).alias("start error", "cannot start"),
		step(`^the start of producer "([^"]*)" took (less than )?(\d+) (seconds?|milliseconds?)$`,
			"the producer's last Start returned after that long (exactly, or less than it)",
			func(name, less string, n int, unit string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				want := duration(n, unit)
				if got := ps.startTook; (less == "" && !w.tookAbout(got, want)) || (less != "" && got >= w.scale(want)) {
					return fmt.Errorf("the start of %s took %v, want %s%v", name, got, less, want)
				}
				return nil
			}).onReal("wall time, which is never exact: use it with \"less than\" only").alias("start was quick", "start blocked"),
		step(`^producers "([^"]*)" and "([^"]*)" (share one client instance|have different client ids)$`,
			"the two producers have the same client id and one client instance holds both groups, or their ids differ",
			func(a, b, rel string) error {
				pa, err := w.producer(a)
				if err != nil {
					return err
				}
				pb, err := w.producer(b)
				if err != nil {
					return err
				}
				same := pa.p.ClientID() == pb.p.ClientID()
				if same != strings.HasPrefix(rel, "share") {
					return fmt.Errorf("client ids %s and %s", pa.p.ClientID(), pb.p.ClientID())
				}
				if same {
					snap, ok := w.manager.Snapshot(pa.p.ClientID())
					if !ok || !slices.Contains(snap.ProducerGroups, pa.p.Group()) || !slices.Contains(snap.ProducerGroups, pb.p.Group()) {
						return fmt.Errorf("the shared instance holds groups %v", snap.ProducerGroups)
					}
				}
				return nil
			}).alias("client id", "same instance", "separate instances"),
		step(`^producer "([^"]*)" has an instance name made of the process id and a timestamp$`,
			"the producer's client id is ip@PID#nanotime: Java 4.9+ renames the instance DEFAULT so that default producers never share",
			func(name string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				id := ps.p.ClientID()
				if !pidInstance.MatchString(id) || !strings.Contains(id, "@"+strconv.Itoa(os.Getpid())+"#") {
					return fmt.Errorf("client id %q is not ip@%d#nanotime", id, os.Getpid())
				}
				return nil
			}).alias("PID", "instance name", "DEFAULT"),
		step(`^producer "([^"]*)" routes "([^"]*)" to brokers "([^"]*)"$`,
			"the producer's queues for the topic are on exactly these brokers",
			func(name, topic, brokers string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				var got []string
				for _, q := range ps.p.PublishInfo()[w.topic(topic)] {
					if !slices.Contains(got, q.BrokerName) {
						got = append(got, q.BrokerName)
					}
				}
				return sameBrokers(splitList(brokers, ","), got)
			}).alias("route", "publish info", "knows the route"),
		step(`^producer "([^"]*)" has just polled its routes$`,
			"waits until the producer's client instance finishes its next scheduled route round (every 30 s, the first 10 ms "+
				"after its start): what it does next comes a whole period before the round after",
			func(name string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				polls := ps.p.Snapshot().RoutePolls
				return w.eventually(client.DefaultPollNameServerInterval+10*time.Second, func() error {
					if ps.p.Snapshot().RoutePolls == polls {
						return fmt.Errorf("producer %s has not polled its routes again (%d rounds)", name, polls)
					}
					return nil
				})
			}).onReal("a tenth of it: the producers poll every 2.5 s").
			alias("route poll", "poll", "after the poll"),
		step(`^producer "([^"]*)" (has|still has) (\d+) queues for "([^"]*)"$`,
			"the producer can write to that many queues of the topic",
			func(name, _ string, n int, topic string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if got := len(ps.p.PublishInfo()[w.topic(topic)]); got != n {
					return fmt.Errorf("producer %s has %d queues for %s, want %d", name, got, topic, n)
				}
				return nil
			}).alias("queue count", "number of queues"),
		step(`^producer "([^"]*)" has queues for "([^"]*)"$`,
			"the producer knows at least one writable queue of the topic (TBW102 included: its route stands in for new topics)",
			func(name, topic string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if len(ps.p.PublishInfo()[w.topic(topic)]) == 0 {
					return fmt.Errorf("producer %s has no queue for %s", name, topic)
				}
				return nil
			}).alias("TBW102", "knows the topic"),
		step(`^producer "([^"]*)" does not know "([^"]*)"$`,
			"the broker is not in the address table of the producer's client instance",
			func(name, broker string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if addrs, ok := ps.p.Snapshot().BrokerAddrs[broker]; ok {
					return fmt.Errorf("producer %s still has %s at %v", name, broker, addrs)
				}
				return nil
			}).alias("forgets", "forgot", "removed the broker"),
		step(`^producer "([^"]*)" knows the slave of "([^"]*)"$`,
			"the address table of the producer's client instance has the broker's slave (brokerId 1)",
			func(name, broker string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				if addr := ps.p.Snapshot().BrokerAddrs[broker][1]; addr == "" {
					return fmt.Errorf("producer %s knows %s at %v: no slave", name, broker, ps.p.Snapshot().BrokerAddrs[broker])
				}
				return nil
			}).alias("slave address"),
		step(`^producer "([^"]*)" knows "([^"]*)" by its master's address only$`,
			"the address table of the producer's client instance has the broker's master and no other address of it",
			func(name, broker string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				addrs := ps.p.Snapshot().BrokerAddrs[broker]
				if _, ok := addrs[protocol.MasterID]; !ok || len(addrs) != 1 {
					return fmt.Errorf("producer %s knows %s at %v", name, broker, addrs)
				}
				return nil
			}).alias("forgets the slave", "master only"),
		step(`^producer "([^"]*)" recorded version (\d+) for "([^"]*)"$`,
			"the version the broker's master answered the last heartbeat with, as the client instance keeps it per address (407 is 4.9.7)",
			func(name string, version int, broker string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				snap := ps.p.Snapshot()
				addr := snap.BrokerAddrs[broker][protocol.MasterID]
				if got, ok := snap.BrokerVersions[broker][addr]; !ok || got != int32(version) {
					return fmt.Errorf("producer %s recorded %v for %s (master %s)", name, snap.BrokerVersions[broker], broker, addr)
				}
				return nil
			}).alias("broker version", "version table"),
		step(`^the client instance of "([^"]*)" is (running|stopped)$`,
			"the producer's client instance is running, or stopped and gone from the manager",
			func(name, state string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				snap, ok := w.manager.Snapshot(ps.p.ClientID())
				running := ok && snap.State == client.StateRunning
				if running != (state == "running") {
					return fmt.Errorf("the instance %s is not %s (listed %v, state %v)", ps.p.ClientID(), state, ok, snap.State)
				}
				return nil
			}).alias("instance stopped", "instance running"),
		step(`^the connections of producer "([^"]*)" to the brokers have TCP keepalive off$`,
			"every socket of this process whose address a broker lists for the producer's client has SO_KEEPALIVE off, "+
				"as Java's client channels",
			func(name string) error {
				id, err := w.clientID(name)
				if err != nil {
					return err
				}
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					sockets, err := w.clientSockets(ctx, c, id)
					if err != nil {
						return err
					}
					var checked []string
					for _, cs := range sockets {
						if slices.Contains(checked, cs.addr) {
							continue
						}
						on, err := socketKeepAlive(cs.addr)
						if err != nil {
							return fmt.Errorf("the socket %s lists for %s: %w", cs.broker, name, err)
						}
						if on {
							return fmt.Errorf("the connection %s lists for %s has SO_KEEPALIVE on", cs.broker, name)
						}
						checked = append(checked, cs.addr)
					}
					if len(checked) == 0 {
						return fmt.Errorf("no broker lists a connection of %s", name)
					}
					return nil
				})
			}).
			onFake("on loopback TCP (scenarios tagged @tcp run so): the sockets of the connections the fake brokers list").
			tcpOnFake().
			onReal("the sockets the scenario's proxy saw the client's heartbeats come from (the brokers behind it list the proxy's own connections)").
			alias("keepalive", "SO_KEEPALIVE", "TCP"),
	}
}

// clientSocket is a client's address as one broker sees its connection.
type clientSocket struct{ broker, addr string }

// clientSockets returns the addresses of the client's connections to the brokers: as the
// brokers list them, or, behind a proxy (whose own connections the brokers list), as the
// proxy saw the client's heartbeats come.
func (w *World) clientSockets(ctx context.Context, c backend.Cluster, id string) ([]clientSocket, error) {
	var out []clientSocket
	if _, ok := c.(proxied); !ok {
		clients, err := c.Clients(ctx, w.producerGroups()...)
		if err != nil {
			return nil, err
		}
		for _, ci := range clients {
			if ci.ClientID == id {
				out = append(out, clientSocket{ci.Broker, ci.Addr})
			}
		}
		return out, nil
	}
	for _, b := range c.Brokers() {
		entries, err := c.Requests(b.Name, remoting.CodeHeartBeat)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if hb, err := protocol.DecodeHeartbeatData(e.Body); err == nil && hb.ClientID == id {
				out = append(out, clientSocket{b.Name, e.Peer})
			}
		}
	}
	return out, nil
}

// pidInstance is a client id whose instance name is Java 4.9's PID#nanotime.
var pidInstance = regexp.MustCompile(`@\d+#\d+$`)

// newProducer creates a producer reaching the scenario's cluster. withList gives it the name
// server's address; otherwise it finds it as its options say (env, HTTP).
func (w *World) newProducer(name, group string, withList bool, opts ...client.Option) error {
	if _, dup := w.producers[name]; dup {
		return fmt.Errorf("producer %q already exists", name)
	}
	if w.cluster == nil {
		return errors.New("the scenario has no cluster")
	}
	base := []client.Option{
		client.WithGroup(group),
		client.WithManager(w.manager),
		client.WithLogger(slog.New(slog.DiscardHandler)),
	}
	if d := w.cluster.Dialer(); d != nil {
		// Name-server lists over HTTP are read on the same network, so that a producer never
		// reaches out of its bubble (the default domain, jmenv.tbsite.net, is refused there).
		base = append(base, client.WithDialer(d), client.WithHTTPClient(httpClientOver(d)))
	}
	if withList {
		base = append(base, client.WithNameServers(w.cluster.NameServerAddr()))
	}
	if t, ok := w.cluster.(producerTuner); ok {
		base = append(base, t.ProducerOptions(group)...)
	}
	ps := &producerState{name: name, opts: append(base, opts...)}
	err := w.in(func() error {
		var err error
		ps.p, err = client.NewProducer(ps.opts...)
		return err
	})
	if err != nil {
		return err
	}
	w.producers[name] = ps
	return nil
}

func (w *World) producer(name string) (*producerState, error) {
	if ps, ok := w.producers[name]; ok {
		return ps, nil
	}
	return nil, fmt.Errorf("no producer %q", name)
}

func (w *World) mustStart(name string) error {
	ps, err := w.producer(name)
	if err != nil {
		return err
	}
	return w.in(func() error {
		begin := time.Now()
		ps.startErr = ps.p.Start()
		ps.startTook = time.Since(begin)
		return ps.startErr
	})
}

// clientID returns a producer's client id.
func (w *World) clientID(name string) (string, error) {
	ps, err := w.producer(name)
	if err != nil {
		return "", err
	}
	return ps.p.ClientID(), nil
}

// stopProducers shuts every producer down and stops the endpoint; it runs where they live.
func (w *World) stopProducers() error {
	for _, ps := range w.producers {
		ps.p.Shutdown()
	}
	if w.endpointSrv != nil {
		return w.endpointSrv.Close()
	}
	return nil
}

func (w *World) setEnv(key, value string) {
	if _, saved := w.env[key]; !saved {
		if old, ok := os.LookupEnv(key); ok {
			w.env[key] = &old
		} else {
			w.env[key] = nil
		}
	}
	_ = os.Setenv(key, value)
}

func (w *World) restoreEnv() {
	for key, old := range w.env {
		if old == nil {
			_ = os.Unsetenv(key)
		} else {
			_ = os.Setenv(key, *old)
		}
	}
	w.env = map[string]*string{}
}

func secondsD(n int) time.Duration { return time.Duration(n) * time.Second }

// producerGroups lists the producer groups the scenario's producers use now, and the group
// every client instance names in its heartbeats (CLIENT_INNER_PRODUCER): the groups to ask a
// broker about when it can only be asked group by group.
func (w *World) producerGroups() []string {
	groups := []string{client.InnerProducerGroup}
	for _, ps := range w.producers {
		if g := ps.p.Group(); protocol.CheckProducerGroup(g) == nil && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	slices.Sort(groups)
	return groups
}
