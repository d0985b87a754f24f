package fakebroker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// awaitAsync runs an AwaitClients in the background and reports when it returned.
func awaitAsync(b *Broker, ctx context.Context, cond func([]ClientInfo) bool) <-chan error {
	done := make(chan error, 1)
	go func() { done <- b.AwaitClients(ctx, cond) }()
	return done
}

func hasGroup(group string) func([]ClientInfo) bool {
	return func(cs []ClientInfo) bool {
		for _, c := range cs {
			for _, g := range append(c.ProducerGroups, c.ConsumerGroups...) {
				if g == group {
					return true
				}
			}
		}
		return false
	}
}

func TestAwaitClients(t *testing.T) {
	cases := []struct {
		name   string
		prep   func(r *rig, c *remoting.Client) // before the wait
		cond   func([]ClientInfo) bool
		change func(r *rig, c *remoting.Client) // wakes it
	}{
		{name: "heartbeat", cond: hasGroup("pg"),
			change: func(r *rig, c *remoting.Client) {
				heartbeat(r.t, c, &protocol.HeartbeatData{ClientID: "c2", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
			}},
		{name: "unregister",
			prep: func(r *rig, c *remoting.Client) {
				heartbeat(r.t, c, &protocol.HeartbeatData{ClientID: "c2", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
			},
			cond: func(cs []ClientInfo) bool { return !hasGroup("pg")(cs) },
			change: func(r *rig, c *remoting.Client) {
				invokeOn(r.t, c, protocol.RequestWithHeader(remoting.CodeUnregisterClient,
					protocol.UnregisterClientRequestHeader{ClientID: "c2", ProducerGroup: "pg"}, nil))
			}},
		{name: "connection closed",
			prep: func(r *rig, c *remoting.Client) {
				heartbeat(r.t, c, &protocol.HeartbeatData{ClientID: "c2", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
			},
			cond:   func(cs []ClientInfo) bool { return len(cs) == 0 },
			change: func(r *rig, c *remoting.Client) { _ = c.Close() }},
		{name: "expiry",
			prep: func(r *rig, c *remoting.Client) {
				heartbeat(r.t, c, &protocol.HeartbeatData{ClientID: "c2", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
			},
			cond:   func(cs []ClientInfo) bool { return len(cs) == 0 },
			change: func(r *rig, c *remoting.Client) { time.Sleep(DefaultClientExpiry + 2*DefaultClientScanInterval) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, WithRemotingOptions(remoting.WithIdleTimeout(0)))
				c := r.newClient()
				if tc.prep != nil {
					tc.prep(r, c)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := awaitAsync(r.b, ctx, tc.cond)
				synctest.Wait()
				select {
				case err := <-done:
					t.Fatalf("returned before the change: %v", err)
				default:
				}
				tc.change(r, c)
				synctest.Wait()
				select {
				case err := <-done:
					require.NoError(t, err)
				default:
					t.Fatal("not woken by the change")
				}
			})
		})
	}
}

func TestAwaitClientsReturnsAtOnceAndOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		require.NoError(t, r.b.AwaitClients(t.Context(), func([]ClientInfo) bool { return true }))
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		start := time.Now()
		err := r.b.AwaitClients(ctx, hasGroup("never"))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, time.Minute, time.Since(start))
	})
}

func TestAwaitHeldPulls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		require.NoError(t, r.b.AwaitHeldPulls(t.Context(), 0))
		done := make(chan *remoting.Command, 1)
		go func() { done <- r.pull(pullHeader("cg", "T", 1, 0)) }()
		require.NoError(t, r.b.AwaitHeldPulls(t.Context(), 1))

		woken := make(chan error, 1)
		go func() { woken <- r.b.AwaitHeldPulls(t.Context(), 0) }()
		synctest.Wait()
		require.Empty(t, woken, "still held")
		producer := r.newClient()
		invokeOn(t, producer, sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 1, nil), []byte("wake")))
		require.NoError(t, <-woken)
		require.Equal(t, remoting.Success, (<-done).Code)
	})
}
