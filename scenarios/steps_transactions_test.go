package scenarios

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// TestCheckBeforeTheFirstHeartbeat is why a transactional send on real servers first waits
// until the brokers list its producer (awaitListedInGroup): there the brokers check every
// 6 s the half messages older than 0.6 s (Java's 60 s and 6 s, scaled), while the client's
// first heartbeat stays 1 s after its start. A round that falls between the two checks the
// half message with no channel of its group: 4.9.7 counts the check and sends nothing, and
// the fakes do the same. Here the broker's first round comes 0.8 s after the send and 0.2 s
// before the heartbeat: without the wait the checker hears 14 of the 15 checks.
func TestCheckBeforeTheFirstHeartbeat(t *testing.T) {
	for _, wait := range []bool{false, true} {
		t.Run("wait="+strconv.FormatBool(wait), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, err := fakecluster.New(fakecluster.WithMemNetwork(remoting.NewMemNetwork()),
					fakecluster.WithTopic("Orders", 4),
					fakecluster.WithBrokerOptions(
						fakebroker.WithTransactionCheckInterval(fakebroker.DefaultTransactionCheckInterval/realTimeScale),
						fakebroker.WithTransactionTimeout(fakebroker.DefaultTransactionTimeout/realTimeScale)))
				require.NoError(t, err)
				require.NoError(t, c.Start(t.Context()))
				defer func() { require.NoError(t, c.Close()) }()
				cl := backend.NewFake(c)

				// The broker's first round runs 6 s after its start.
				time.Sleep(fakebroker.DefaultTransactionCheckInterval/realTimeScale - 800*time.Millisecond)
				var mu sync.Mutex
				checks := 0
				p, err := client.NewProducer(client.WithGroup("TxGroup"), client.WithManager(client.NewManager()),
					client.WithNameServers(c.NameServerAddr()), client.WithDialer(c.Dialer()),
					client.WithPollNameServerInterval(realInterval), client.WithHeartbeatInterval(realInterval),
					client.WithTransactionListener(client.TransactionListenerFuncs{
						Execute: func(context.Context, *client.Message, any) (client.LocalTransactionState, error) {
							return client.TransactionUnknown, nil
						},
						Check: func(context.Context, *client.MessageExt) (client.LocalTransactionState, error) {
							mu.Lock()
							defer mu.Unlock()
							checks++
							return client.TransactionUnknown, nil
						},
					}))
				require.NoError(t, err)
				require.NoError(t, p.Start())
				defer p.Shutdown()
				if wait {
					for listedInGroup(t.Context(), cl, p.ClientID(), p.Group()) != nil {
						time.Sleep(100 * time.Millisecond)
					}
				}
				_, err = p.SendInTransaction(t.Context(), client.NewMessage("Orders", []byte("pay")), nil)
				require.NoError(t, err)

				// The feature's 25 minutes: 15 rounds and the one that gives the message up.
				time.Sleep(25 * time.Minute / realTimeScale)
				synctest.Wait()
				mu.Lock()
				defer mu.Unlock()
				want := 15
				if !wait {
					want = 14
				}
				require.Equal(t, want, checks)
			})
		})
	}
}
