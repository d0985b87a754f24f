package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// -store-limit bounds what a broker keeps: past it the oldest messages go and the queue's min
// offset moves on, a -store-segment at a time.
func TestServeStoreLimit(t *testing.T) {
	for _, tc := range []struct {
		name             string
		args             []string
		minFrom, minUpTo int64 // of the min offset after 200 messages of about 1.1 KiB
	}{
		// One segment the size of the limit: each new segment drops the whole last one.
		{"segment of the limit", nil, 141, 200},
		// 16 KiB segments: three full ones stay beside the one being written, 48 to 64 KiB.
		{"16 KiB segments", []string{"-store-segment", "16KiB"}, 141, 160},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ready := startServe(t, append([]string{"-topics", "Orders:1", "-store-limit", "64KiB", "-log-level", "error"}, tc.args...)...)
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
			require.GreaterOrEqual(t, minOff, tc.minFrom, "at most 64 KiB of the 200 messages are kept")
			require.LessOrEqual(t, minOff, tc.minUpTo)
		})
	}
}

// -history bounds the requests each server keeps, the name server's as the brokers'.
func TestServeHistoryBound(t *testing.T) {
	ready := startServe(t, "-history", "5", "-log-level", "error")
	c := remoting.NewClient()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, addr := range []string{ready.NameSrv, ready.Brokers[0].Addr} {
		for range 12 {
			_, err := c.Invoke(ctx, addr, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
				protocol.GetRouteInfoRequestHeader{Topic: "Orders"}, nil))
			require.NoError(t, err)
		}
	}
	for _, target := range []string{"namesrv", ready.Brokers[0].Name} {
		kept := getJSON(t, ready.Admin+"/v1/history?target="+target)["requests"].([]any)
		require.Equal(t, 5, len(kept), target)
	}
}

func TestServeBadStoreLimit(t *testing.T) {
	for _, args := range [][]string{{"-store-limit", "12XB"}, {"-store-limit", "-1"}, {"-store-limit", "1MB"},
		{"-store-segment", "0"}, {"-history", "0"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"serve"}, args...), &stdout, &stderr)
		require.Equal(t, 2, code, stderr.String())
		require.Contains(t, stderr.String(), args[0])
		require.Empty(t, stdout.String())
	}
}
