// Package backendtest checks that a backend.Cluster keeps the interface's contract. Every
// implementation runs the same Run: the fakes in the backend package's tests, real 4.9.7 in
// conformance, and any cluster that slots in later, so that a step or a load run sees the same
// behaviour whichever cluster is behind it.
package backendtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// settle and tick bound the polls for what real brokers show a moment after they answered.
const (
	settle = 5 * time.Second
	tick   = 20 * time.Millisecond
)

// Capabilities says what the cluster under test can do beyond the wire-level contract; what it
// cannot do must answer errors.ErrUnsupported.
type Capabilities struct {
	Processes bool // Crash, Stop, Restart
	Faults    bool // AddFault, ClearFaults, Silence
	History   bool // Requests
	// ListAllClients: Clients without a group lists every client.
	ListAllClients bool
}

// Run checks c, a cluster of at least two running brokers, against the contract. Topics are
// named after prefix, so that runs on a shared cluster do not meet.
func Run(t *testing.T, c backend.Cluster, caps Capabilities, prefix string) {
	t.Run("brokers", func(t *testing.T) {
		brokers := c.Brokers()
		require.GreaterOrEqual(t, len(brokers), 2, "%+v", brokers)
		for _, b := range brokers {
			assert.True(t, b.Running, "%+v", b)
			assert.NotEmpty(t, b.Addr, "%+v", b)
		}
		assert.True(t, slices.IsSortedFunc(brokers, func(a, b backend.Broker) int { return cmp.Compare(a.Name, b.Name) }))
	})

	a, b := c.Brokers()[0].Name, c.Brokers()[1].Name

	t.Run("topics", func(t *testing.T) {
		ctx := context.Background()
		topic := prefix + "_Topics"
		_, ok, err := c.Route(ctx, topic)
		require.NoError(t, err)
		require.False(t, ok, "a topic nobody created has no route")

		require.NoError(t, c.CreateTopic(ctx, topic, 3, a))
		assert.Equal(t, map[string]int32{a: 3}, writeQueues(t, c, topic))
		require.NoError(t, c.CreateTopic(ctx, topic, 2))
		assert.Equal(t, map[string]int32{a: 2, b: 2}, writeQueues(t, c, topic), "no broker named: every broker")

		require.NoError(t, c.SetWritable(ctx, b, false))
		perm := perms(t, c, topic)
		require.NoError(t, c.SetWritable(ctx, b, true))
		assert.Equal(t, map[string]int32{a: protocol.PermRead | protocol.PermWrite, b: protocol.PermRead}, perm)
		assert.Equal(t, map[string]int32{a: protocol.PermRead | protocol.PermWrite, b: protocol.PermRead | protocol.PermWrite},
			perms(t, c, topic), "write permission given back")

		require.NoError(t, c.DeleteTopic(ctx, topic))
		_, ok, err = c.Route(ctx, topic)
		require.NoError(t, err)
		assert.False(t, ok, "a deleted topic has no route")

		err = c.CreateTopic(ctx, topic, 1, "no-such-broker")
		assert.ErrorIs(t, err, backend.ErrUnknownBroker)
	})

	t.Run("messages and offsets", func(t *testing.T) {
		ctx := context.Background()
		topic := prefix + "_Messages"
		require.NoError(t, c.CreateTopic(ctx, topic, 2))
		p := producer(t, c, prefix+"_pg")
		first := send(t, p, topic, 3)
		// Real brokers make a message readable a moment after they acknowledge it: the checks
		// below poll, which costs the fakes nothing.
		var since backend.Offsets
		require.EventuallyWithT(t, func(t *assert.CollectT) {
			var err error
			since, err = c.Offsets(ctx, topic)
			require.NoError(t, err)
			assert.Len(t, since, 4, "two queues on each of two brokers: %v", since)
			var total int64
			for _, off := range since {
				total += off
			}
			assert.EqualValues(t, 3, total, "offsets after three sends: %v", since)
		}, settle, tick)
		// Nothing has been dropped: every queue Offsets lists starts at 0.
		mins, err := c.MinOffsets(ctx, topic)
		require.NoError(t, err)
		want := backend.Offsets{}
		for q := range since {
			want[q] = 0
		}
		assert.Equal(t, want, mins)

		later := send(t, p, topic, 4)
		assert.EventuallyWithT(t, func(t *assert.CollectT) {
			var scanned []string
			require.NoError(t, c.ScanMessages(ctx, topic, since, func(m *protocol.MessageExt) error {
				assert.Contains(t, []string{a, b}, m.BrokerName)
				scanned = append(scanned, m.ClientMsgID())
				return nil
			}))
			assert.ElementsMatch(t, later, scanned, "scanned from the offsets: only the later sends")
		}, settle, tick)

		all, err := backend.Messages(ctx, c, topic)
		require.NoError(t, err)
		var ids []string
		for _, m := range all {
			ids = append(ids, m.ClientMsgID())
			body, err := m.UncompressedBody(1 << 20)
			require.NoError(t, err)
			assert.Equal(t, "body of "+m.Properties["n"], string(body))
		}
		assert.ElementsMatch(t, append(first, later...), ids)
		assert.True(t, slices.IsSortedFunc(all, func(x, y *protocol.MessageExt) int {
			return cmp.Compare(x.StoreTimestamp, y.StoreTimestamp)
		}), "Messages is in store order")

		stop := errors.New("enough")
		calls := 0
		err = c.ScanMessages(ctx, topic, nil, func(*protocol.MessageExt) error { calls++; return stop })
		assert.ErrorIs(t, err, stop, "the callback's error ends the scan")
		assert.Equal(t, 1, calls)
	})

	t.Run("clients", func(t *testing.T) {
		ctx := context.Background()
		group := prefix + "_clients"
		topic := prefix + "_Clients"
		require.NoError(t, c.CreateTopic(ctx, topic, 1))
		// A broker lists a producer after a heartbeat that named its group; the heartbeat at
		// start goes to no broker (no route is known yet), the next one every interval.
		p := producer(t, c, group, client.WithHeartbeatInterval(100*time.Millisecond))
		send(t, p, topic, 1)
		require.EventuallyWithT(t, func(t *assert.CollectT) {
			rows, err := c.Clients(ctx, group)
			require.NoError(t, err)
			var brokers []string
			for _, r := range rows {
				if r.ClientID == p.ClientID() {
					assert.Contains(t, r.ProducerGroups, group, "%+v", r)
					brokers = append(brokers, r.Broker)
				}
			}
			assert.ElementsMatch(t, []string{a, b}, brokers, "the producer heartbeats every broker: %+v", rows)
		}, settle, tick)

		p.Shutdown()
		rows, err := c.Clients(ctx, group)
		require.NoError(t, err)
		assert.Empty(t, rows, "a producer that shut down unregistered its group")

		all, err := c.Clients(ctx)
		if caps.ListAllClients {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, errors.ErrUnsupported, "%v", all)
		}
	})

	t.Run("faults and history", func(t *testing.T) {
		rule := fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: remoting.SystemBusy, Times: 1}
		err := c.AddFault(a, rule)
		if !caps.Faults {
			assert.ErrorIs(t, err, errors.ErrUnsupported)
			assert.ErrorIs(t, c.ClearFaults(), errors.ErrUnsupported)
			assert.ErrorIs(t, c.Silence(context.Background(), a, true), errors.ErrUnsupported)
			assert.ErrorIs(t, c.BlackHole(context.Background(), a), errors.ErrUnsupported)
		} else {
			require.NoError(t, err)
			assert.ErrorIs(t, c.AddFault("no-such-broker", rule), backend.ErrUnknownBroker)
			require.NoError(t, c.ClearFaults())
		}
		entries, err := c.Requests(backend.NameServerTarget, remoting.CodeGetRouteInfoByTopic)
		if caps.History {
			require.NoError(t, err)
			assert.NotEmpty(t, entries, "the route queries of the tests above")
		} else {
			assert.ErrorIs(t, err, errors.ErrUnsupported)
		}
	})

	t.Run("processes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if !caps.Processes {
			assert.ErrorIs(t, c.Crash(ctx, b), errors.ErrUnsupported)
			assert.ErrorIs(t, c.Stop(ctx, b), errors.ErrUnsupported)
			assert.ErrorIs(t, c.Restart(ctx, b), errors.ErrUnsupported)
			return
		}
		topic := prefix + "_Processes"
		require.NoError(t, c.CreateTopic(ctx, topic, 1))
		require.NoError(t, c.Crash(ctx, b))
		assert.Equal(t, map[string]bool{a: true, b: false}, running(c))
		assert.Equal(t, map[string]int32{a: 1}, writeQueues(t, c, topic), "the crashed broker leaves the route at once")
		require.NoError(t, c.Restart(ctx, b))
		assert.Equal(t, map[string]bool{a: true, b: true}, running(c))
		assert.Equal(t, map[string]int32{a: 1, b: 1}, writeQueues(t, c, topic), "back with its topics")
		require.NoError(t, c.Restart(ctx, b), "restarting a running broker does nothing")
		require.NoError(t, c.Stop(ctx, b))
		assert.Equal(t, map[string]bool{a: true, b: false}, running(c))
		require.NoError(t, c.Restart(ctx, b))
		assert.ErrorIs(t, c.Crash(ctx, "no-such-broker"), backend.ErrUnknownBroker)
	})
}

func route(t *testing.T, c backend.Cluster, topic string) *protocol.TopicRouteData {
	t.Helper()
	r, ok, err := c.Route(context.Background(), topic)
	require.NoError(t, err)
	require.True(t, ok, "no route for %s", topic)
	return r
}

func writeQueues(t *testing.T, c backend.Cluster, topic string) map[string]int32 {
	t.Helper()
	out := map[string]int32{}
	for _, q := range route(t, c, topic).QueueDatas {
		out[q.BrokerName] = q.WriteQueueNums
	}
	return out
}

func perms(t *testing.T, c backend.Cluster, topic string) map[string]int32 {
	t.Helper()
	out := map[string]int32{}
	for _, q := range route(t, c, topic).QueueDatas {
		out[q.BrokerName] = q.Perm
	}
	return out
}

func running(c backend.Cluster) map[string]bool {
	out := map[string]bool{}
	for _, b := range c.Brokers() {
		out[b.Name] = b.Running
	}
	return out
}

// producer is a started producer of group reaching c, shut down when the test ends.
func producer(t *testing.T, c backend.Cluster, group string, more ...client.Option) *client.Producer {
	t.Helper()
	opts := []client.Option{client.WithGroup(group), client.WithNameServers(c.NameServerAddr()),
		client.WithManager(client.NewManager())}
	if d := c.Dialer(); d != nil {
		opts = append(opts, client.WithDialer(d))
	}
	p, err := client.NewProducer(append(opts, more...)...)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(p.Shutdown)
	return p
}

// send sends n messages, each with its number as property n and body "body of <n>", and
// returns their message ids.
func send(t *testing.T, p *client.Producer, topic string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		m := client.NewMessage(topic, fmt.Appendf(nil, "body of %d", i))
		m.SetProperty("n", fmt.Sprint(i))
		res, err := p.Send(context.Background(), m)
		require.NoError(t, err)
		ids = append(ids, res.MsgID)
	}
	return ids
}
