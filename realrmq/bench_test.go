package realrmq

import (
	"context"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// BenchmarkColdStart is fakecluster's BenchmarkColdStart for the real JVM pair: a name server
// and two brokers from nothing until a new client's route query is answered.
func BenchmarkColdStart(b *testing.B) {
	if err := Available(context.Background(), DefaultVersion); err != nil {
		SkipUnavailable(b, err)
		b.Fatal(err)
	}
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		c, err := New(WithBrokers(2))
		if err == nil {
			err = c.Start(ctx)
		}
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		rc := remoting.NewClient()
		resp, err := rc.Invoke(ctx, c.NameServerAddr(), protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
			protocol.GetRouteInfoRequestHeader{Topic: protocol.AutoCreateTopicKey}, nil))
		cancel()
		if err != nil || resp.Code != remoting.Success {
			b.Fatalf("route query: %v %v", err, resp)
		}
		b.StopTimer()
		_ = rc.Close()
		if err := c.Close(); err != nil {
			b.Error(err)
		}
		b.StartTimer()
	}
}
