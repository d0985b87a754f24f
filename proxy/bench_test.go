package proxy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/internal/testkit"
)

// BenchmarkSyncSend is our producer's sync send to a fake broker on loopback, straight and
// through the proxy, with parallel senders: the difference is the proxy's own cost (the extra
// hop, the history, the fault check). scripts/proxy-cost.sh measures it against real servers.
func BenchmarkSyncSend(b *testing.B) {
	for _, via := range []string{"direct", "proxy"} {
		b.Run(via, func(b *testing.B) {
			fc := fakecluster.Start(b, fakecluster.WithTopic("T", 8))
			ns := fc.NameServerAddr()
			if via == "proxy" {
				ns = start(b, ns).NameServerAddr()
			}
			pr, err := client.NewProducer(client.WithGroup("bench"), client.WithNameServers(ns),
				client.WithManager(client.NewManager()), client.WithLogger(testkit.Quiet))
			require.NoError(b, err)
			require.NoError(b, pr.Start())
			b.Cleanup(pr.Shutdown)
			body := make([]byte, 128)
			_, err = pr.Send(context.Background(), client.NewMessage("T", body))
			require.NoError(b, err)
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := pr.Send(context.Background(), client.NewMessage("T", body)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
