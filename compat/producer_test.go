package compat

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// requireSameMessage checks that a stored message is the one the test built as msgWith(i, body).
func requireSameMessage(t *testing.T, i int, body []byte, m fakebroker.Message) {
	t.Helper()
	require.Equal(t, topic, m.Topic)
	require.Equal(t, fmt.Sprintf("tag%d", i%3), m.Tags)
	require.Equal(t, []string{fmt.Sprintf("k%d", i), fmt.Sprintf("order-%d", i)}, m.Keys)
	require.Equal(t, fmt.Sprintf("va-%d", i), m.Properties["user-a"])
	require.Equal(t, "value with spaces", m.Properties["user_b"])
	require.Equal(t, m.MsgID, m.Properties["UNIQ_KEY"])
	require.Equal(t, body, m.Body)
}

// requireResultMatches checks a SendResult against the stored message it names.
func requireResultMatches(t *testing.T, r *primitive.SendResult, m fakebroker.Message) {
	t.Helper()
	require.Equal(t, primitive.SendOK, r.Status)
	require.Equal(t, m.MsgID, r.MsgID)
	require.Equal(t, m.OffsetMsgID, r.OffsetMsgID)
	require.Equal(t, m.Broker, r.MessageQueue.BrokerName)
	require.Equal(t, int(m.QueueID), r.MessageQueue.QueueId)
	require.Equal(t, m.QueueOffset, r.QueueOffset)
}

// indexOf recovers i from the "k<i>" key of a message built by msgWith.
func indexOf(t *testing.T, m fakebroker.Message) int {
	t.Helper()
	return keyIndex(t, m.Keys)
}

// keyIndex is the number i of a message whose first key is "k{i}".
func keyIndex(t *testing.T, keys []string) int {
	t.Helper()
	require.NotEmpty(t, keys)
	var i int
	_, err := fmt.Sscanf(keys[0], "k%d", &i)
	require.NoError(t, err)
	return i
}

func TestProducerSendSync(t *testing.T) {
	c := startCluster(t)
	p := newProducer(t, c)

	const n = 24
	results := make([]*primitive.SendResult, n)
	for i := range n {
		r, err := p.SendSync(context.Background(), msgWith(i, fmt.Appendf(nil, "sync body %d", i)))
		require.NoError(t, err)
		results[i] = r
	}

	stored := byMsgID(c.Messages(topic))
	require.Len(t, stored, n)
	brokers := map[string]bool{}
	for i, r := range results {
		m, ok := stored[r.MsgID]
		require.True(t, ok, "send result msgId %s not stored", r.MsgID)
		requireSameMessage(t, i, fmt.Appendf(nil, "sync body %d", i), m)
		requireResultMatches(t, r, m)
		require.Zero(t, m.SysFlag&protocol.SysFlagCompressed, "a small body is not compressed")
		brokers[m.Broker] = true
	}
	require.Len(t, brokers, 2, "round-robin reaches both brokers")

	// v2.1.2 sends single messages with the V1 header (SEND_MESSAGE 10), never 310.
	for _, b := range c.Brokers() {
		require.Empty(t, b.History().Requests(remoting.CodeSendMessageV2))
	}
}

func TestProducerSendAsync(t *testing.T) {
	c := startCluster(t)
	p := newProducer(t, c)

	const n = 32
	type outcome struct {
		i   int
		r   *primitive.SendResult
		err error
	}
	outcomes := make(chan outcome, n)
	for i := range n {
		err := p.SendAsync(context.Background(), func(_ context.Context, r *primitive.SendResult, err error) {
			outcomes <- outcome{i, r, err}
		}, msgWith(i, fmt.Appendf(nil, "async body %d", i)))
		require.NoError(t, err)
	}
	results := make([]*primitive.SendResult, n)
	for range n {
		o := <-outcomes
		require.NoError(t, o.err)
		results[o.i] = o.r
	}

	stored := byMsgID(c.Messages(topic))
	require.Len(t, stored, n)
	for i, r := range results {
		m, ok := stored[r.MsgID]
		require.True(t, ok, "send result msgId %s not stored", r.MsgID)
		requireSameMessage(t, i, fmt.Appendf(nil, "async body %d", i), m)
		requireResultMatches(t, r, m)
	}
}

func TestProducerSendOneWay(t *testing.T) {
	c := startCluster(t)
	p := newProducer(t, c)

	const n = 16
	for i := range n {
		require.NoError(t, p.SendOneWay(context.Background(), msgWith(i, fmt.Appendf(nil, "oneway body %d", i))))
	}
	awaitCond(t, c, fmt.Sprintf("%d oneway messages stored", n), func() bool { return len(c.Messages(topic)) == n })

	seen := map[int]bool{}
	for _, m := range c.Messages(topic) {
		i := indexOf(t, m)
		requireSameMessage(t, i, fmt.Appendf(nil, "oneway body %d", i), m)
		seen[i] = true
	}
	require.Len(t, seen, n)
	// v2.1.2's InvokeOneWay writes the request with flag 0: it never sets the oneway bit (1<<1),
	// so on the wire a "oneway" send is an ordinary request. The broker answers it, as Java's
	// would, and the client drops the answer (no response-table entry for its opaque).
	for _, b := range c.Brokers() {
		for _, e := range b.History().Requests(remoting.CodeSendMessage) {
			require.False(t, e.Oneway, "client v2.1.2 does not set the oneway flag")
			require.True(t, e.Answered)
			require.Equal(t, remoting.Success, e.ResponseCode, e.Remark)
		}
	}
}

func TestProducerSendBatch(t *testing.T) {
	c := startCluster(t)
	p := newProducer(t, c)

	const n = 8
	msgs := make([]*primitive.Message, n)
	for i := range msgs {
		msgs[i] = msgWith(i, fmt.Appendf(nil, "batch body %d", i))
	}
	r, err := p.SendSync(context.Background(), msgs...)
	require.NoError(t, err)
	require.Equal(t, primitive.SendOK, r.Status)

	stored := brokerOf(t, c, r.MessageQueue.BrokerName).Messages(topic)
	require.Len(t, stored, n, "the whole batch goes to one queue of one broker")
	require.Len(t, c.Messages(topic), n)

	// v2.1.2 sets UNIQ_KEY neither on the batch nor on its messages (buildSendRequest skips
	// batches, MarshalMessageBatch writes the properties as given), so its SendResult.MsgID is
	// "" and the broker falls back to the offset id, as Java's broker does.
	require.Empty(t, r.MsgID, "client v2.1.2 batch result has no msgId")
	offsetIDs := strings.Split(r.OffsetMsgID, ",")
	require.Len(t, offsetIDs, n)
	for i, m := range stored {
		require.Equal(t, int32(r.MessageQueue.QueueId), m.QueueID)
		require.Equal(t, r.QueueOffset+int64(i), m.QueueOffset)
		require.Equal(t, offsetIDs[i], m.OffsetMsgID)
		require.Equal(t, m.OffsetMsgID, m.MsgID)
		require.Empty(t, m.Properties["UNIQ_KEY"])
		// requireSameMessage's UNIQ_KEY check does not apply; the rest must.
		j := indexOf(t, m)
		require.Equal(t, i, j, "batch order kept")
		require.Equal(t, fmt.Sprintf("tag%d", i%3), m.Tags)
		require.Equal(t, []string{fmt.Sprintf("k%d", i), fmt.Sprintf("order-%d", i)}, m.Keys)
		require.Equal(t, fmt.Sprintf("va-%d", i), m.Properties["user-a"])
		require.Equal(t, "value with spaces", m.Properties["user_b"])
		require.Equal(t, fmt.Appendf(nil, "batch body %d", i), m.Body)
	}
	b := brokerOf(t, c, r.MessageQueue.BrokerName)
	require.Len(t, b.History().Requests(remoting.CodeSendBatchMessage), 1)
}

func TestProducerCompressedBody(t *testing.T) {
	c := startCluster(t)
	p := newProducer(t, c) // compression over 4096 bytes, level 5: the defaults

	// 16 KiB that deflate shrinks a lot but not to nothing.
	var body bytes.Buffer
	for i := 0; body.Len() < 16<<10; i++ {
		fmt.Fprintf(&body, "line %05d of a compressible body;", i)
	}
	want := body.Bytes()

	var results []*primitive.SendResult
	for i, mode := range []string{"sync", "async", "oneway"} {
		msg := msgWith(i, bytes.Clone(want))
		switch mode {
		case "sync":
			r, err := p.SendSync(context.Background(), msg)
			require.NoError(t, err)
			results = append(results, r)
		case "async":
			var wg sync.WaitGroup
			wg.Add(1)
			var r *primitive.SendResult
			var sendErr error
			require.NoError(t, p.SendAsync(context.Background(), func(_ context.Context, res *primitive.SendResult, err error) {
				r, sendErr = res, err
				wg.Done()
			}, msg))
			wg.Wait()
			require.NoError(t, sendErr)
			results = append(results, r)
		case "oneway":
			require.NoError(t, p.SendOneWay(context.Background(), msg))
		}
	}
	awaitCond(t, c, "3 compressed messages stored", func() bool { return len(c.Messages(topic)) == 3 })

	stored := byMsgID(c.Messages(topic))
	for _, r := range results {
		requireResultMatches(t, r, stored[r.MsgID])
	}
	for _, m := range stored {
		i := indexOf(t, m)
		requireSameMessage(t, i, want, m)
		require.Equal(t, protocol.SysFlagCompressed, m.SysFlag&protocol.SysFlagCompressed, "compressed bit")
		require.Zero(t, m.SysFlag&0x700, "v2.1.2 sets no compression-type bits (zlib implied)")
		require.Less(t, len(m.StoredBody), len(want)/2)
		zr, err := zlib.NewReader(bytes.NewReader(m.StoredBody))
		require.NoError(t, err)
		inflated, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, want, inflated)
	}
}
