package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/protocol"
)

// producerState is one named producer of the scenario and what happened to it.
type producerState struct {
	name     string
	opts     []client.Option
	p        *client.Producer
	startErr error
}

// nsEndpointHost is where the scenario's HTTP name-server address endpoint listens.
const nsEndpointHost = "nsaddr.rocketsim:8080"

// Producer steps: create, start, reconfigure and stop producers of our client.
func (w *World) producerSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a producer "([^"]*)" in group "([^"]*)"$`, func(name, group string) error {
		return w.newProducer(name, group, true)
	})
	sc.Step(`^a producer "([^"]*)" in group "([^"]*)" with instance name "([^"]*)"$`, func(name, group, instance string) error {
		return w.newProducer(name, group, true, client.WithInstanceName(instance))
	})
	sc.Step(`^a producer "([^"]*)" in group "([^"]*)" with send timeout (\d+) seconds?$`, func(name, group string, secs int) error {
		return w.newProducer(name, group, true, client.WithSendTimeout(secondsD(secs)))
	})
	sc.Step(`^a producer "([^"]*)" in group "([^"]*)" with send timeout (\d+) seconds? and attempt limit (\d+) milliseconds$`, func(name, group string, secs, ms int) error {
		return w.newProducer(name, group, true, client.WithSendTimeout(secondsD(secs)),
			client.WithAttemptTimeout(time.Duration(ms)*time.Millisecond))
	})
	sc.Step(`^a producer "([^"]*)" in group "([^"]*)" without a name-server list$`, func(name, group string) error {
		return w.newProducer(name, group, false)
	})
	sc.Step(`^the environment variable NAMESRV_ADDR holds the name server's address$`, func() error {
		if w.cluster == nil {
			return errors.New("no cluster")
		}
		w.setEnv("NAMESRV_ADDR", w.cluster.NameServerAddr())
		return nil
	})
	sc.Step(`^an HTTP address endpoint serving an address where no name server listens$`, func() error {
		return w.startEndpoint("127.0.0.1:1")
	})
	sc.Step(`^the endpoint serves the name server's address$`, func() error {
		if w.endpoint == nil {
			return errors.New("no endpoint")
		}
		w.endpoint.Set(w.cluster.NameServerAddr())
		return nil
	})
	sc.Step(`^a producer "([^"]*)" in group "([^"]*)" that reads its name servers from the endpoint$`, func(name, group string) error {
		if w.endpoint == nil {
			return errors.New("no endpoint")
		}
		hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return w.cluster.Dialer()(ctx, network, addr)
			},
			DisableKeepAlives: true, // no idle connection outlives the scenario's bubble
		}}
		return w.newProducer(name, group, false,
			client.WithNameServerDomain(nsEndpointHost, "nsaddr", 2*time.Minute, 10*time.Second),
			client.WithHTTPClient(hc))
	})
	sc.Step(`^producer "([^"]*)" starts$`, func(name string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		return w.in(func() error {
			ps.startErr = ps.p.Start()
			return nil
		})
	})
	sc.Step(`^producer "([^"]*)" has started$`, w.mustStart)
	sc.Step(`^producer "([^"]*)" has started and sent a message to "([^"]*)"$`, func(name, topic string) error {
		if err := w.mustStart(name); err != nil {
			return err
		}
		return w.mustSend(name, topic, 1)
	})
	sc.Step(`^producer "([^"]*)" changes its group to "([^"]*)"$`, func(name, group string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		ps.p.SetGroup(group)
		return nil
	})
	sc.Step(`^producer "([^"]*)" shuts down$`, func(name string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		return w.in(func() error {
			ps.p.Shutdown()
			return nil
		})
	})
	sc.Step(`^producer "([^"]*)" is (CREATE_JUST|RUNNING|START_FAILED|SHUTDOWN_ALREADY)$`, func(name, state string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		if got := ps.p.State().String(); got != state {
			return fmt.Errorf("producer %s is %s, want %s (start error: %v)", name, got, state, ps.startErr)
		}
		return nil
	})
	sc.Step(`^the start of producer "([^"]*)" fails with "(.*)"$`, func(name, text string) error {
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
	})
	sc.Step(`^producers "([^"]*)" and "([^"]*)" (share one client instance|have different client ids)$`, func(a, b, rel string) error {
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
	})
	sc.Step(`^producer "([^"]*)" routes "([^"]*)" to brokers "([^"]*)"$`, func(name, topic, brokers string) error {
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
	})
	sc.Step(`^producer "([^"]*)" has (\d+) queues for "([^"]*)"$`, func(name string, n int, topic string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		if got := len(ps.p.PublishInfo()[w.topic(topic)]); got != n {
			return fmt.Errorf("producer %s has %d queues for %s, want %d", name, got, topic, n)
		}
		return nil
	})
	sc.Step(`^producer "([^"]*)" does not know "([^"]*)"$`, func(name, broker string) error {
		ps, err := w.producer(name)
		if err != nil {
			return err
		}
		if addrs, ok := ps.p.Snapshot().BrokerAddrs[broker]; ok {
			return fmt.Errorf("producer %s still has %s at %v", name, broker, addrs)
		}
		return nil
	})
	sc.Step(`^the client instance of "([^"]*)" is (running|stopped)$`, func(name, state string) error {
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
	})
}

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
		base = append(base, client.WithDialer(d))
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
		ps.startErr = ps.p.Start()
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

func (w *World) startEndpoint(addrs ...string) error {
	if w.cluster == nil {
		return errors.New("the scenario has no cluster")
	}
	mem, ok := memNetwork(w.cluster)
	if !ok {
		return fmt.Errorf("an HTTP name-server endpoint on the in-memory network: %w", errors.ErrUnsupported)
	}
	return w.in(func() error {
		l, err := mem.Listen(nsEndpointHost)
		if err != nil {
			return err
		}
		w.endpoint = fakenamesrv.NewAddrEndpoint(addrs...)
		w.endpointSrv = fakenamesrv.NewAddrServer(w.endpoint)
		return w.endpointSrv.Start(l)
	})
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
