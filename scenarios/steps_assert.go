package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Assertion steps about the servers: what they received and what they stored.
func (w *World) assertSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the name server received a route query for "([^"]*)"$`, func(topic string) error {
		return w.withCluster(func(c backend.Cluster) error {
			entries, err := c.Requests(backend.NameServerTarget, remoting.CodeGetRouteInfoByTopic)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(entries, func(e fault.Entry) bool { return e.Topic == topic }) {
				return fmt.Errorf("no route query for %s among %d", topic, len(entries))
			}
			return nil
		})
	})
	sc.Step(`^the name server routes "([^"]*)" to brokers "([^"]*)"$`, func(topic, brokers string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			r, ok, err := c.Route(ctx, topic)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("the name server has no route for %s", topic)
			}
			return sameBrokers(splitList(brokers, ","), routeBrokers(r))
		})
	})
	sc.Step(`^"([^"]*)" received a heartbeat from producer "([^"]*)" listing groups? "([^"]*)"$`, func(broker, producer, groups string) error {
		return w.withCluster(func(c backend.Cluster) error {
			id, err := w.clientID(producer)
			if err != nil {
				return err
			}
			want := splitList(groups, ",")
			entries, err := c.Requests(broker, remoting.CodeHeartBeat)
			if errors.Is(err, errors.ErrUnsupported) {
				return listsClient(c, broker, id, want)
			}
			if err != nil {
				return err
			}
			var seen [][]string
			for _, e := range entries {
				hb, err := protocol.DecodeHeartbeatData(e.Body)
				if err != nil || hb.ClientID != id {
					continue
				}
				var got []string
				for _, p := range hb.ProducerDataSet {
					got = append(got, p.GroupName)
				}
				seen = append(seen, got)
				if containsAll(got, want) {
					return nil
				}
			}
			return fmt.Errorf("%s got no heartbeat from %s listing %v; heartbeats listed %v", broker, id, want, seen)
		})
	})
	sc.Step(`^"([^"]*)" receives no heartbeat from producer "([^"]*)" for (\d+) seconds$`, func(broker, producer string, secs int) error {
		var before int
		count := func() (int, error) {
			id, err := w.clientID(producer)
			if err != nil {
				return 0, err
			}
			n := 0
			err = w.withCluster(func(c backend.Cluster) error {
				entries, err := c.Requests(broker, remoting.CodeHeartBeat)
				for _, e := range entries {
					if hb, err := protocol.DecodeHeartbeatData(e.Body); err == nil && hb.ClientID == id {
						n++
					}
				}
				return err
			})
			return n, err
		}
		before, err := count()
		if err != nil {
			return err
		}
		if err := w.sleep(secondsD(secs)); err != nil {
			return err
		}
		after, err := count()
		if err != nil {
			return err
		}
		if after != before {
			return fmt.Errorf("%s got %d more heartbeats from %s", broker, after-before, producer)
		}
		return nil
	})
	sc.Step(`^no broker lists a client of producer "([^"]*)"$`, func(producer string) error {
		id, err := w.clientID(producer)
		if err != nil {
			return err
		}
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			clients, err := c.Clients(ctx, w.producerGroups()...)
			if err != nil {
				return err
			}
			for _, ci := range clients {
				if ci.ClientID == id && len(ci.ProducerGroups) > 0 {
					return fmt.Errorf("%s still lists %s with groups %v", ci.Broker, id, ci.ProducerGroups)
				}
			}
			return nil
		})
	})
	sc.Step(`^"([^"]*)" received UNREGISTER_CLIENT for group "([^"]*)"$`, func(broker, group string) error {
		return w.withCluster(func(c backend.Cluster) error {
			entries, err := c.Requests(broker, remoting.CodeUnregisterClient)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.ExtFields["producerGroup"] == group {
					return nil
				}
			}
			return fmt.Errorf("%s got no UNREGISTER_CLIENT for %s (%d in all)", broker, group, len(entries))
		})
	})
	sc.Step(`^"([^"]*)" stored (at least )?(\d+) messages? of "([^"]*)"$`, func(broker, atLeast string, n int, topic string) error {
		msgs, err := w.messages(topic)
		if err != nil {
			return err
		}
		got := 0
		for _, m := range msgs {
			if m.BrokerName == broker {
				got++
			}
		}
		if got == n || (atLeast != "" && got > n) {
			return nil
		}
		return fmt.Errorf("%s stored %d messages of %s, want %s%d", broker, got, topic, atLeast, n)
	})
	sc.Step(`^the brokers (?:eventually )?stored? (\d+) messages? of "([^"]*)"( in one queue)?$`, func(n int, topic, oneQueue string) error {
		msgs, err := w.messages(topic)
		if err != nil {
			return err
		}
		if len(msgs) != n {
			return fmt.Errorf("the brokers stored %d messages of %s, want %d", len(msgs), topic, n)
		}
		if oneQueue != "" {
			for _, m := range msgs[1:] {
				if m.BrokerName != msgs[0].BrokerName || m.QueueID != msgs[0].QueueID {
					return fmt.Errorf("messages in %s/%d and %s/%d", msgs[0].BrokerName, msgs[0].QueueID, m.BrokerName, m.QueueID)
				}
			}
		}
		return nil
	})
	sc.Step(`^every stored message of "([^"]*)" is in queue (\d+)$`, func(topic string, queue int) error {
		msgs, err := w.messages(topic)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			return fmt.Errorf("nothing stored for %s", topic)
		}
		for _, m := range msgs {
			if m.QueueID != int32(queue) {
				return fmt.Errorf("a message is in queue %d of %s", m.QueueID, m.BrokerName)
			}
		}
		return nil
	})
	sc.Step(`^the brokers received (\d+) sends?$`, func(n int) error {
		return w.withCluster(func(c backend.Cluster) error {
			got := 0
			for _, b := range []string{"broker-a", "broker-b"} {
				for _, code := range sendCodes {
					entries, err := c.Requests(b, code)
					if err != nil {
						return err
					}
					got += len(entries)
				}
			}
			if got != n {
				return fmt.Errorf("the brokers received %d sends, want %d", got, n)
			}
			return nil
		})
	})
	sc.Step(`^the stored message has tag "([^"]*)", keys "([^"]*)" and property "([^"]*)" = "([^"]*)"$`, func(tag, keys, prop, value string) error {
		m, err := w.lastStored()
		if err != nil {
			return err
		}
		if m.Tags() != tag || !cmp.Equal(m.Keys(), splitList(keys, ",")) || m.Properties[prop] != value {
			return fmt.Errorf("stored tags %q, keys %q, %s=%q", m.Tags(), m.Keys(), prop, m.Properties[prop])
		}
		return nil
	})
	sc.Step(`^the stored message is compressed$`, func() error {
		m, err := w.lastStored()
		if err != nil {
			return err
		}
		body, err := m.UncompressedBody(maxBody)
		if err != nil {
			return err
		}
		if m.SysFlag&protocol.SysFlagCompressed == 0 || len(m.Body) >= len(body) {
			return fmt.Errorf("stored sysFlag %#x, %d bytes stored for %d", m.SysFlag, len(m.Body), len(body))
		}
		return nil
	})
	sc.Step(`^the stored message's body is the (\d+) bytes sent$`, func(n int) error {
		m, err := w.lastStored()
		if err != nil {
			return err
		}
		body, err := m.UncompressedBody(maxBody)
		if err != nil {
			return err
		}
		if len(body) != n || !bytes.Equal(body, bodyOf(n)) {
			return fmt.Errorf("stored body of %d bytes differs from the %d sent", len(body), n)
		}
		return nil
	})
}

// maxBody bounds what a stored body is inflated to.
const maxBody = 64 << 20

// messages returns what the brokers stored for topic, in the order it was stored.
func (w *World) messages(topic string) ([]*protocol.MessageExt, error) {
	var msgs []*protocol.MessageExt
	err := w.withCluster(func(c backend.Cluster) error {
		ctx, cancel := w.ctx()
		defer cancel()
		var err error
		msgs, err = backend.Messages(ctx, c, topic)
		return err
	})
	return msgs, err
}

// lastStored returns the stored message of the last send.
func (w *World) lastStored() (*protocol.MessageExt, error) {
	if w.last == nil || w.last.topic == "" {
		return nil, fmt.Errorf("no send yet")
	}
	msgs, err := w.messages(w.last.topic)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("nothing stored for %s", w.last.topic)
	}
	return msgs[len(msgs)-1], nil
}

// listsClient answers "broker received a heartbeat from client id listing groups" where the
// servers keep no history: a broker lists a client in a producer group only after a heartbeat
// of that client named the group.
func listsClient(c backend.Cluster, broker, id string, groups []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clients, err := c.Clients(ctx, groups...)
	if err != nil {
		return err
	}
	var seen []string
	for _, ci := range clients {
		if ci.Broker != broker || ci.ClientID != id {
			continue
		}
		if containsAll(ci.ProducerGroups, groups) {
			return nil
		}
		seen = ci.ProducerGroups
	}
	return fmt.Errorf("%s lists no client %s in groups %v (it lists it in %v)", broker, id, groups, seen)
}

func routeBrokers(r *protocol.TopicRouteData) []string {
	var names []string
	for _, q := range r.QueueDatas {
		names = append(names, q.BrokerName)
	}
	return names
}

func sameBrokers(want, got []string) error {
	want, got = slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))
	if diff := cmp.Diff(want, got); diff != "" {
		return fmt.Errorf("brokers (-want +got):\n%s", diff)
	}
	return nil
}

func containsAll(have, want []string) bool {
	for _, s := range want {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return true
}

// bodyOf returns the deterministic, compressible body of n bytes the send steps use.
func bodyOf(n int) []byte {
	return []byte(strings.Repeat("rocketsim ", n/10+1)[:n])
}
