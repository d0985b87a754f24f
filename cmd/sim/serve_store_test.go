package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// -store-limit bounds what a broker keeps: past it the oldest messages go and the queue's min
// offset moves on.
func TestServeStoreLimit(t *testing.T) {
	stdoutR, stdoutW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-namesrv", "127.0.0.1:0", "-topics", "Orders:1", "-store-limit", "64KiB", "-log-level", "error"}, stdoutW, io.Discard)
		_ = stdoutW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(stdoutR)
	require.True(t, lines.Scan())
	ready := decodeReady(t, lines.Text())
	broker := ready.Brokers[0]

	c := remoting.NewClient()
	defer c.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	body := []byte(strings.Repeat("x", 1024))
	for range 200 { // ~230 KiB of records
		h := protocol.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "Orders", DefaultTopic: protocol.AutoCreateTopicKey,
			DefaultTopicQueueNums: 4, BornTimestamp: time.Now().UnixMilli()}
		hdr, err := h.HeaderFor(remoting.CodeSendMessageV2)
		require.NoError(t, err)
		resp, err := c.Invoke(rctx, broker.Addr, protocol.RequestWithHeader(remoting.CodeSendMessageV2, hdr, body))
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	mq := protocol.MessageQueue{Topic: "Orders", BrokerName: broker.Name, QueueID: 0}
	minOff, err := admin.MinOffset(rctx, c, broker.Addr, mq)
	require.NoError(t, err)
	maxOff, err := admin.MaxOffset(rctx, c, broker.Addr, mq)
	require.NoError(t, err)
	require.Equal(t, int64(200), maxOff)
	require.Greater(t, minOff, int64(140), "at most 64 KiB of the 200 messages are kept")

	cancel()
	require.False(t, lines.Scan())
	require.Equal(t, 0, <-exit)
}

func TestServeBadStoreLimit(t *testing.T) {
	for _, v := range []string{"12XB", "-1", "1MB"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"serve", "-store-limit", v}, &stdout, &stderr)
		require.Equal(t, 2, code, stderr.String())
		require.Contains(t, stderr.String(), "-store-limit")
		require.Empty(t, stdout.String())
	}
}
