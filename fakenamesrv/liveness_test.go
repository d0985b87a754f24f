package fakenamesrv

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// sleepUntil advances the bubble's clock to start+d and lets everything due run.
func sleepUntil(start time.Time, d time.Duration) {
	time.Sleep(time.Until(start.Add(d)))
	synctest.Wait()
}

func TestBrokerExpiresAfter120s(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		silent := r.broker("broker-a", "10.0.0.1:10911", 0, "OnlyA", "Shared")
		silent.register()
		alive := r.broker("broker-b", "10.0.0.2:10911", 0, "Shared")
		alive.register()

		// broker-a stops registering but keeps its connection busy (a hung broker whose
		// socket lives), so only the scan can remove it; broker-b registers every 30 s.
		busy := func() {
			remotingtest.Invoke(t, silent.client, r.addr, remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
		}
		for _, at := range []time.Duration{30 * time.Second, 60 * time.Second, 90 * time.Second, 119 * time.Second} {
			sleepUntil(start, at)
			busy()
			alive.register()
		}
		require.Equal(t, []string{"10.0.0.1:10911", "10.0.0.2:10911"}, onlineAddrs(r.ns), "at 119 s")

		// The scans run at 5 s, 15 s, ... 115 s, 125 s: at 115 s broker-a is 115 s old.
		sleepUntil(start, 124*time.Second)
		busy()
		require.Equal(t, []string{"10.0.0.1:10911", "10.0.0.2:10911"}, onlineAddrs(r.ns), "at 124 s")

		sleepUntil(start, 126*time.Second)
		require.Equal(t, []string{"10.0.0.2:10911"}, onlineAddrs(r.ns), "at 126 s")
		require.Equal(t, []string{"Shared"}, r.ns.Topics())
		require.Equal(t, remoting.TopicNotExist, r.route("OnlyA", 407).Code)
		require.Equal(t, []string{"broker-b"}, brokerNames(decodeRoute(t, r.route("Shared", 407))))
		require.False(t, silent.client.IsConnected(r.addr), "Java closes an expired broker's channel")
		require.True(t, alive.client.IsConnected(r.addr))
	})
}

func TestBrokerThatKeepsRegisteringStays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		b := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
		for at := time.Duration(0); at <= 10*time.Minute; at += 30 * time.Second {
			sleepUntil(start, at)
			b.register()
		}
		require.Equal(t, []string{"10.0.0.1:10911"}, onlineAddrs(r.ns))
	})
}

func TestQueryDataVersionKeepsBrokerAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		b := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
		b.register()
		for at := 30 * time.Second; at <= 5*time.Minute; at += 30 * time.Second {
			sleepUntil(start, at)
			resp := remotingtest.Invoke(t, b.client, r.addr, remoting.NewRequest(remoting.CodeQueryDataVersion,
				map[string]string{"brokerName": "broker-a", "brokerAddr": "10.0.0.1:10911", "clusterName": "DefaultCluster", "brokerId": "0"},
				[]byte(`{"counter":1,"timestamp":1000}`)))
			require.Equal(t, "false", resp.ExtFields["changed"])
		}
		require.Equal(t, []string{"10.0.0.1:10911"}, onlineAddrs(r.ns))
	})
}

func TestExpiryAndScanAreConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t, WithBrokerExpiry(30*time.Second), WithScanInterval(time.Second, 2*time.Second))
		r.broker("broker-a", "10.0.0.1:10911", 0, "T").register()
		// scans at 1 s, 3 s, ..., 29 s, 31 s
		sleepUntil(start, 30*time.Second)
		require.Len(t, onlineAddrs(r.ns), 1)
		sleepUntil(start, 31*time.Second)
		require.Empty(t, onlineAddrs(r.ns))
	})
}

func TestScanOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithScanInterval(0, 0), WithRemotingOptions(remoting.WithIdleTimeout(0)))
		r.clientOpts = append(r.clientOpts, remoting.WithIdleTimeout(0))
		b := r.broker("broker-a", "10.0.0.1:10911", 0, "T")
		b.register()
		time.Sleep(time.Hour)
		synctest.Wait()
		require.Len(t, onlineAddrs(r.ns), 1)
		require.Equal(t, []string{"10.0.0.1:10911"}, r.ns.ScanNotActiveBrokers())
		require.Empty(t, onlineAddrs(r.ns))
		synctest.Wait()
		require.False(t, b.client.IsConnected(r.addr))
	})
}

func TestClosedConnectionRemovesBrokerAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		crashed := r.broker("broker-a", "10.0.0.1:10911", 0, "OnlyA", "Shared")
		crashed.register()
		slave := r.broker("broker-a", "10.0.0.3:10911", 1)
		slave.register()
		other := r.broker("broker-b", "10.0.0.2:10911", 0, "Shared")
		other.register()

		// A client's connection closing removes nothing.
		r.invoke(remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
		r.client.CloseConn(r.addr)
		synctest.Wait()
		require.Len(t, onlineAddrs(r.ns), 3)

		crashed.crash()
		synctest.Wait()
		require.Equal(t, []string{"10.0.0.3:10911", "10.0.0.2:10911"}, onlineAddrs(r.ns))
		require.Equal(t, []string{"OnlyA", "Shared"}, r.ns.Topics(), "broker-a still has its slave")
		route := decodeRoute(t, r.route("OnlyA", 407))
		require.Equal(t, map[int64]string{1: "10.0.0.3:10911"}, route.BrokerDatas[0].BrokerAddrs)

		slave.crash()
		synctest.Wait()
		require.Equal(t, []string{"Shared"}, r.ns.Topics())
		require.Equal(t, []string{"broker-b"}, brokerNames(decodeRoute(t, r.route("Shared", 407))))
	})
}

func TestIdleConnectionRemovesBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		r.clientOpts = append(r.clientOpts, remoting.WithIdleTimeout(0)) // only the server's timer
		r.broker("broker-a", "10.0.0.1:10911", 0, "T").register()
		// The connection idles out at 120 s (Java's serverChannelMaxIdleTimeSeconds), before
		// the 125 s scan, and its broker goes with it.
		sleepUntil(start, 119*time.Second)
		require.Len(t, onlineAddrs(r.ns), 1)
		sleepUntil(start, 120*time.Second)
		require.Empty(t, onlineAddrs(r.ns))
	})
}

func TestBrokersSharingAConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		shared := r.newClient()
		brokers5(r, func() *testBroker {
			b := r.broker("", "", 0)
			b.client = shared
			return b
		})
		shared.CloseConn(r.addr)
		synctest.Wait()
		// What a real 4.9.7 name server holds after the same: onChannelDestroy removes only
		// the first live address (in its table's order) registered over the closed channel.
		resp := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
		require.Equal(t, `{"brokerAddrTable":{"broker-d":{"brokerAddrs":{0:"10.0.0.4:10911"},"brokerName":"broker-d","cluster":"C2"},"broker-e":{"brokerAddrs":{0:"10.0.0.5:10911",1:"10.0.0.7:10911",2:"10.0.0.6:10911"},"brokerName":"broker-e","cluster":"C1"},"broker-c":{"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-c","cluster":"C2"},"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}},"clusterAddrTable":{"C1":["broker-e","broker-a"],"C2":["broker-d","broker-c"]}}`,
			string(resp.Body))
		require.Len(t, onlineAddrs(r.ns), 6)
	})
}

func TestAwait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		registered := make(chan error, 1)
		go func() {
			registered <- r.ns.Await(context.Background(), func() bool { return len(onlineAddrs(r.ns)) == 2 })
		}()
		r.broker("broker-a", "10.0.0.1:10911", 0, "T").register()
		synctest.Wait()
		require.Empty(t, registered)
		r.broker("broker-b", "10.0.0.2:10911", 0, "T").register()
		require.NoError(t, <-registered)

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.ErrorIs(t, r.ns.Await(ctx, func() bool { return false }), context.DeadlineExceeded)
	})
}
