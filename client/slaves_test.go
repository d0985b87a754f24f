package client

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// Java's producer heartbeats masters only (it has no consumers), but unregisters from every
// address it knows, slaves included.
func TestSlavesGetNoHeartbeatButAnUnregister(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithBrokers(2), fakecluster.WithSlaves(true), fakecluster.WithTopic("T", 4))
		p := r.started()
		send(t, p, "T", "x")
		time.Sleep(61 * time.Second) // two heartbeat rounds
		synctest.Wait()
		require.NotEmpty(t, p.Snapshot().BrokerAddrs["broker-a"][1], "the client knows the slave")
		for _, name := range []string{"broker-a", "broker-b"} {
			require.NotZero(t, r.requests(name, remoting.CodeHeartBeat), "master %s", name)
			require.Zero(t, len(r.slave(name).History().Requests(remoting.CodeHeartBeat)), "slave of %s", name)
		}

		// The producer's group goes, then the instance's inner producer with the instance.
		p.Shutdown()
		for _, name := range []string{"broker-a", "broker-b"} {
			for role, b := range map[string]*fakebroker.Broker{"master": r.broker(name), "slave": r.slave(name)} {
				var groups []string
				for _, e := range b.History().Requests(remoting.CodeUnregisterClient) {
					groups = append(groups, e.ExtFields["producerGroup"])
				}
				require.ElementsMatch(t, []string{"pg", InnerProducerGroup}, groups, "%s of %s", role, name)
			}
		}
	})
}
