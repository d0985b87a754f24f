// Package readme holds the Go code of the repository's README.md as tests, so that every Go
// block there compiles and passes (see TestEveryGoBlockOfTheREADMEIsHere).
package readme

import (
	"context"
	"testing"

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
