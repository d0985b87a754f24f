// Package readme holds the Go code of the repository's README.md as tests, so that every Go
// block there compiles and passes (see TestEveryGoBlockOfTheREADMEIsHere).
package readme

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The block of README's "In a Go test", as it is there.

func TestOrdersArrive(t *testing.T) {
	cluster := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4))

	p, err := client.NewProducer(client.WithGroup("orders"), client.WithNameServers(cluster.NameServerAddr()))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()

	// Faults on command: every broker answers sends SYSTEM_BUSY, which a 4.9.7 producer does not retry.
	for _, b := range cluster.Brokers() {
		b.Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: remoting.SystemBusy})
	}
	msg := client.NewMessage("Orders", []byte("hello"))
	_, err = p.Send(context.Background(), msg)
	var busy *client.BrokerError
	require.ErrorAs(t, err, &busy)
	require.Equal(t, remoting.SystemBusy, busy.Code)

	cluster.ClearFaults()
	res, err := p.Send(context.Background(), msg)
	require.NoError(t, err)
	stored := cluster.Messages("Orders") // what the brokers stored, bodies inflated
	require.Len(t, stored, 1)
	require.Equal(t, res.MsgID, stored[0].MsgID)
}

// The block of README's "Transactions and request-reply", as it is there.

func TestPaymentsAndQuotes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		cluster := fakecluster.Start(t, fakecluster.WithMemNetwork(mem),
			fakecluster.WithTopic("Payments", 4), fakecluster.WithTopic("Quotes", 4))
		producer := func(group string, opts ...client.Option) *client.Producer {
			p, err := client.NewProducer(append([]client.Option{client.WithGroup(group),
				client.WithNameServers(cluster.NameServerAddr()), client.WithDialer(mem.Dial)}, opts...)...)
			require.NoError(t, err)
			require.NoError(t, p.Start())
			t.Cleanup(p.Shutdown)
			return p
		}
		ctx := context.Background()

		// The local transaction cannot tell yet; the broker's check asks the checker later.
		payments := producer("payments", client.WithTransactionListener(client.TransactionListenerFuncs{
			Execute: func(ctx context.Context, msg *client.Message, arg any) (client.LocalTransactionState, error) {
				return client.TransactionUnknown, nil
			},
			Check: func(ctx context.Context, msg *client.MessageExt) (client.LocalTransactionState, error) {
				return client.TransactionCommit, nil
			},
		}))
		_, err := payments.SendInTransaction(ctx, client.NewMessage("Payments", []byte("42 EUR")), nil)
		require.NoError(t, err)
		require.Empty(t, cluster.Messages("Payments")) // a half message: not delivered
		time.Sleep(time.Minute)                        // the broker's check, in virtual time
		synctest.Wait()
		require.Len(t, cluster.Messages("Payments"), 1)

		// A request, read from the broker and answered by another producer.
		requester, responder := producer("quotes"), producer("quoter")
		var reply *client.MessageExt
		done := make(chan struct{})
		requester.RequestAsync(ctx, client.NewMessage("Quotes", []byte("EURUSD")), func(m *client.MessageExt, err error) {
			reply = m
			close(done)
		})
		synctest.Wait() // the request is stored; the requester waits
		req := cluster.Messages("Quotes")[0]
		_, err = responder.Reply(ctx, &client.Message{Topic: req.Topic, Body: req.Body, Properties: req.Properties}, []byte("1.08"))
		require.NoError(t, err)
		<-done
		require.Equal(t, "1.08", string(reply.Body))
	})
}
