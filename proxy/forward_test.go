package proxy_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Every send path of our client works through the proxy, in both header serializations: what
// the client sends reaches the fake broker with the opaque, flags, serialize type and header
// the client wrote, the broker's answer comes back, and both the proxy and the broker record
// the request.
func TestSendPathsThroughTheProxy(t *testing.T) {
	for _, binary := range []bool{false, true} {
		t.Run(fmt.Sprintf("binary header %v", binary), func(t *testing.T) {
			fc, p := cluster(t)
			pr := producer(t, p, client.WithBinaryHeader(binary))
			want := remoting.SerializeJSON
			if binary {
				want = remoting.SerializeRocketMQ
			}

			res, err := pr.Send(ctx(t), client.NewMessage("T", []byte("sync")))
			require.NoError(t, err)
			require.Equal(t, client.SendOK, res.Status)
			async := make(chan error, 1)
			pr.SendAsync(ctx(t), client.NewMessage("T", []byte("async")), func(_ *client.SendResult, err error) { async <- err })
			require.NoError(t, <-async)
			require.NoError(t, pr.SendOneway(ctx(t), client.NewMessage("T", []byte("oneway"))))
			batch, err := pr.SendBatch(ctx(t), client.NewMessage("T", []byte("b1")), client.NewMessage("T", []byte("b2")))
			require.NoError(t, err)
			require.Equal(t, client.SendOK, batch.Status)
			queue := client.MessageQueue{Topic: "T", BrokerName: "broker-b", QueueID: 3}
			res, err = pr.SendToQueue(ctx(t), client.NewMessage("T", []byte("queue")), queue)
			require.NoError(t, err)
			require.Equal(t, queue, res.Queue)

			// The oneway send gets no answer: wait until the broker has it.
			awaitStored(t, fc, "T", 6)
			var viaProxy, direct []fault.Entry
			for _, name := range []string{"broker-a", "broker-b"} {
				h, ok := p.History(name)
				require.True(t, ok)
				viaProxy = append(viaProxy, h.Requests(remoting.CodeSendMessageV2)...)
				viaProxy = append(viaProxy, h.Requests(remoting.CodeSendBatchMessage)...)
				b := brokerOf(t, fc, name)
				direct = append(direct, b.History().Requests(remoting.CodeSendMessageV2)...)
				direct = append(direct, b.History().Requests(remoting.CodeSendBatchMessage)...)
			}
			require.Len(t, viaProxy, 5)
			require.Len(t, direct, 5)
			byOpaque := map[int32]fault.Entry{}
			for _, e := range direct {
				byOpaque[e.Opaque] = e
			}
			for _, e := range viaProxy {
				up, ok := byOpaque[e.Opaque]
				require.True(t, ok, "the broker got opaque %d as the client wrote it", e.Opaque)
				require.Equal(t, e.Code, up.Code)
				require.Equal(t, e.Oneway, up.Oneway)
				require.Equal(t, want, e.SerializeType)
				require.Equal(t, want, up.SerializeType)
				require.Equal(t, e.ExtFields, up.ExtFields)
				require.Equal(t, e.BodySize, up.BodySize)
				require.Equal(t, !e.Oneway, e.Answered)
				require.Equal(t, up.ResponseCode, e.ResponseCode)
				require.Equal(t, up.ResponseFields, e.ResponseFields, "the broker's answer came back as it was")
				// The proxy records where the client came from; the broker sees the proxy.
				require.NotEqual(t, e.Peer, up.Peer)
			}
		})
	}
}

// awaitStored waits until the brokers of fc stored n messages of topic.
func awaitStored(t *testing.T, fc *fakecluster.Cluster, topic string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(fc.Messages(topic)) == n }, timeout, time.Millisecond)
}

// A consumer's pull through the proxy: the broker holds it until a message comes, then the
// answer comes back through the proxy (admin.ReadQueue pulls as a consumer does).
func TestPullThroughTheProxy(t *testing.T) {
	_, p := cluster(t)
	pr := producer(t, p)
	res, err := pr.Send(ctx(t), client.NewMessage("T", []byte("pulled")))
	require.NoError(t, err)
	c := rawClient(t)
	var got []string
	_, err = admin.ReadQueue(ctx(t), c, proxied(t, p, res.Queue.BrokerName).Addr, "cg",
		protocol.MessageQueue{Topic: "T", BrokerName: res.Queue.BrokerName, QueueID: int32(res.Queue.QueueID)}, 0, 1,
		func(m *protocol.MessageExt) { got = append(got, string(m.Body)) })
	require.NoError(t, err)
	require.Equal(t, []string{"pulled"}, got)
	h, _ := p.History(res.Queue.BrokerName)
	require.NotEmpty(t, h.Requests(remoting.CodePullMessage))
}
