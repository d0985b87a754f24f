package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Assertion steps about the servers: what they received and what they stored.
func (w *World) assertSteps() []stepDef {
	return []stepDef{
		step(`^the name server received a route query for "([^"]*)"$`,
			"the name server was asked the route of the topic (GET_ROUTEINFO_BY_TOPIC)",
			func(topic string) error {
				return w.withCluster(func(c backend.Cluster) error {
					entries, err := c.Requests(backend.NameServerTarget, remoting.CodeGetRouteInfoByTopic)
					if err != nil {
						return err
					}
					topic := w.topic(topic)
					if !slices.ContainsFunc(entries, func(e fault.Entry) bool { return e.Topic == topic }) {
						return fmt.Errorf("no route query for %s among %d", topic, len(entries))
					}
					return nil
				})
			}).fromHistory().alias("route query", "asked the name server"),
		step(`^the name server routes "([^"]*)" to brokers "([^"]*)"$`,
			"the name server's route of the topic lists exactly these brokers",
			func(topic, brokers string) error {
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
			}).onReal("GET_ROUTEINFO_BY_TOPIC to the real name server").alias("name server route"),
		step(`^"([^"]*)" received a heartbeat from producer "([^"]*)" listing groups? "([^"]*)"$`,
			"the broker got a HEART_BEAT from the producer's client naming all these producer groups",
			func(broker, producer, groups string) error {
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
			}).onFake("reads the broker's request history").onReal("the broker lists the client in each group (mqadmin producerConnection), which only a heartbeat naming it does").alias("heartbeat", "registered"),
		step(`^"([^"]*)" receives no heartbeat from producer "([^"]*)" for (\d+) seconds$`,
			"lets the time pass and checks that the broker got no HEART_BEAT from the producer's client meanwhile",
			func(broker, producer string, secs int) error {
				before, err := w.heartbeats(broker, producer)
				if err != nil {
					return err
				}
				if err := w.sleep(secondsD(secs)); err != nil {
					return err
				}
				after, err := w.heartbeats(broker, producer)
				if err != nil {
					return err
				}
				if after != before {
					return fmt.Errorf("%s got %d more heartbeats from %s", broker, after-before, producer)
				}
				return nil
			}).fromHistory().alias("no heartbeat", "stops heartbeating"),
		step(`^no broker lists a client of producer "([^"]*)"$`,
			"no broker holds the producer's client in any producer group (a client that unregistered, or whose connection closed)",
			func(producer string) error {
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
			}).onReal("asks every broker for the scenario's groups (mqadmin producerConnection)").alias("unregistered", "forgotten", "no client"),
		step(`^"([^"]*)" received UNREGISTER_CLIENT for group "([^"]*)"$`,
			"the broker got an UNREGISTER_CLIENT naming the producer group",
			func(broker, group string) error {
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
			}).fromHistory().alias("unregister"),
		step(`^"([^"]*)" stored (at least )?(\d+) messages? of "([^"]*)"$`,
			"the broker holds that many messages of the topic (or more)",
			func(broker, atLeast string, n int, topic string) error {
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
			}).onReal("pulls the scenario's topic back from the broker").alias("stored", "messages on broker"),
		step(`^the brokers (?:eventually )?stored? (\d+) messages? of "([^"]*)"( in one queue)?$`,
			"the brokers together hold exactly that many messages of the topic (all in one queue)",
			func(n int, topic, oneQueue string) error {
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
			}).onReal("pulls the scenario's topic back; \"eventually\" waits until two reads 100 ms apart agree").alias("total stored"),
		step(`^every stored message of "([^"]*)" is in queue (\d+)$`,
			"every message of the topic is in the queue with that id",
			func(topic string, queue int) error {
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
			}).alias("queue id"),
		step(`^the brokers received (\d+) sends?$`,
			"the brokers got that many send requests in all (retries included)",
			func(n int) error {
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
			}).fromHistory().alias("attempts", "retries", "send requests"),
		step(`^the stored message has tag "([^"]*)", keys "([^"]*)" and property "([^"]*)" = "([^"]*)"$`,
			"the last stored message of the last send's topic carries these",
			func(tag, keys, prop, value string) error {
				m, err := w.lastStored()
				if err != nil {
					return err
				}
				if m.Tags() != tag || !cmp.Equal(m.Keys(), splitList(keys, ",")) || m.Properties[prop] != value {
					return fmt.Errorf("stored tags %q, keys %q, %s=%q", m.Tags(), m.Keys(), prop, m.Properties[prop])
				}
				return nil
			}),
		step(`^the stored message is compressed$`,
			"the last stored message has the compressed flag and a body smaller than what was sent",
			func() error {
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
			}).alias("zlib", "compression"),
		step(`^the stored message's body is the (\d+) bytes sent$`,
			"the last stored message, inflated, is the body sent",
			func(n int) error {
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
			}),
		step(`^"([^"]*)" received (\d+) heartbeats? from producer "([^"]*)"$`,
			"the broker got exactly that many HEART_BEATs from the producer's client so far",
			func(broker string, n int, producer string) error {
				got, err := w.heartbeats(broker, producer)
				if err != nil {
					return err
				}
				if got != n {
					return fmt.Errorf("%s received %d heartbeats from %s, want %d", broker, got, producer, n)
				}
				return nil
			}).fromHistory().alias("heartbeat count", "how many heartbeats"),
		step(`^the slave of "([^"]*)" received no heartbeat from producer "([^"]*)"$`,
			"the broker's slave got no HEART_BEAT from the producer's client: a producer heartbeats masters only",
			func(broker, producer string) error {
				id, err := w.clientID(producer)
				if err != nil {
					return err
				}
				return w.withCluster(func(c backend.Cluster) error {
					s, err := slaves(c)
					if err != nil {
						return err
					}
					reqs, err := s.SlaveRequests(broker, remoting.CodeHeartBeat)
					if err != nil {
						return err
					}
					for _, e := range reqs {
						if hb, err := protocol.DecodeHeartbeatData(e.Body); err == nil && hb.ClientID == id {
							return fmt.Errorf("the slave of %s got a heartbeat from %s", broker, producer)
						}
					}
					return nil
				})
			}).onReal("what reached the scenario's proxy listener in front of the slave").
			alias("slave heartbeat", "masters only"),
		step(`^"([^"]*)" (lists|no longer lists) producer "([^"]*)"$`,
			"the broker holds the producer's client in the producer's group (its heartbeat registered it, and neither an unregister "+
				"nor a closed or expired connection removed it), or it does not: at once on the fakes, within 3 of the feature's "+
				"seconds on real servers (a broker forgets a closed connection's client on its own event thread)",
			func(broker, lists, producer string) error {
				ps, err := w.producer(producer)
				if err != nil {
					return err
				}
				return w.onServers(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					clients, err := c.Clients(ctx, ps.p.Group())
					if err != nil {
						return err
					}
					listed := slices.ContainsFunc(clients, func(ci backend.Client) bool {
						return ci.Broker == broker && ci.ClientID == ps.p.ClientID() && slices.Contains(ci.ProducerGroups, ps.p.Group())
					})
					if listed != (lists == "lists") {
						return fmt.Errorf("%s lists %s in %s: %v", broker, producer, ps.p.Group(), listed)
					}
					return nil
				})
			}).onReal("mqadmin producerConnection for the producer's group").
			alias("client table", "registered", "forgets the client", "producer connection"),
	}
}

// heartbeats counts the HEART_BEATs broker received from producer's client.
func (w *World) heartbeats(broker, producer string) (int, error) {
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
