package client

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// With the VIP channel on, sends go to the broker's port minus 2 (Java's fastRemotingServer),
// while heartbeats and route queries keep the ordinary addresses.
func TestVIPChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4),
			fakecluster.WithBrokerOptions(fakebroker.WithListenAddr("127.0.0.1:10911"), fakebroker.WithVIPChannel(true)))
		vip := r.started(WithVIPChannel(true))
		plain := r.started(WithGroup("plain"))
		send(t, vip, "T", "over the VIP channel")
		send(t, plain, "T", "over the main port")

		ports := map[string]int{}
		for _, e := range r.broker("broker-a").History().Requests(remoting.CodeSendMessageV2) {
			ports[e.Local]++
		}
		require.Equal(t, map[string]int{"127.0.0.1:10909": 1, "127.0.0.1:10911": 1}, ports)
	})
}
