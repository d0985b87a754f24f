package fakecluster_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// BenchmarkColdStart measures a 1 + 2 cluster on loopback from nothing until a route query
// from a new client is answered (the real JVM pair takes about 3.6 s on our machine).
func BenchmarkColdStart(b *testing.B) {
	for b.Loop() {
		cl, err := fakecluster.New(fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := cl.Start(ctx); err != nil {
			b.Fatal(err)
		}
		c := remoting.NewClient()
		resp, err := c.Invoke(ctx, cl.NameServerAddr(), protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
			protocol.GetRouteInfoRequestHeader{Topic: "Orders"}, nil))
		cancel()
		if err != nil || resp.Code != remoting.Success {
			b.Fatalf("route query: %v %v", err, resp)
		}
		b.StopTimer()
		_ = c.Close()
		_ = cl.Close()
		b.StartTimer()
	}
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkIdleMemory reports the heap of an idle 1 + 2 cluster (B/cluster) and what each idle
// client connection adds to a broker once it has sent one heartbeat (B/conn). The connections'
// client ends are bare sockets, so the figure is almost all the broker's side.
func BenchmarkIdleMemory(b *testing.B) {
	const conns = 500
	var clusterBytes, connBytes float64
	for b.Loop() {
		before := heapInUse()
		cl, err := fakecluster.New(fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4))
		require.NoError(b, err)
		require.NoError(b, cl.Start(b.Context()))
		started := heapInUse()

		addr := brokerOf(b, cl, "broker-a").Addr()
		sockets := make([]net.Conn, 0, conns)
		for i := range conns {
			conn, err := net.Dial("tcp", addr)
			require.NoError(b, err)
			sockets = append(sockets, conn)
			hb := &protocol.HeartbeatData{ClientID: fmt.Sprintf("10.0.0.1@%d", i),
				ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}}
			req := remoting.NewRequest(remoting.CodeHeartBeat, nil, hb.Encode())
			req.Opaque = 1
			frame, err := req.Encode()
			require.NoError(b, err)
			_, err = conn.Write(frame)
			require.NoError(b, err)
			resp, err := remoting.NewFrameReader(conn, 0).ReadCommand()
			require.NoError(b, err)
			require.Equal(b, remoting.Success, resp.Code)
		}
		connected := heapInUse()
		clusterBytes = float64(started) - float64(before)
		connBytes = (float64(connected) - float64(started)) / conns

		for _, s := range sockets {
			_ = s.Close()
		}
		_ = cl.Close()
	}
	b.ReportMetric(clusterBytes, "B/cluster")
	b.ReportMetric(connBytes, "B/conn")
}
