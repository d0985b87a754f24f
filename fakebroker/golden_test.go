package fakebroker

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The golden broker listened on 127.0.0.1:20911; its offset ids start 7F000001000051AF.
const goldenBrokerAddr = "127.0.0.1:20911"

// TestGoldenReplay replays, byte for byte, every request the real clients sent to the real
// broker (sends v1, v2 and batch, compressed, binary headers, heartbeats, unregisters) and
// requires the fake's answers to be the real broker's frames, byte for byte, except for the
// commit-log offsets inside msgId, which depend on what the real broker had stored before.
func TestGoldenReplay(t *testing.T) {
	frames := golden.Load(t)
	responses := map[string]golden.Frame{} // case/opaque -> the real broker's answer
	for _, f := range frames {
		if f.From == "broker-4.9.7" && f.Kind == "response" {
			responses[f.Case+"/"+strconv.Itoa(int(f.Opaque))] = f
		}
	}
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		newStubNS(t, mem, nsAddr)
		b := New(append(baseOptions(mem, nsAddr), WithListenAddr(goldenBrokerAddr))...)
		require.NoError(t, b.Start())
		defer b.Crash()

		conns := map[string]net.Conn{} // one connection per client run, as in the capture
		var offsets []int64            // commit-log offsets of our answers, in order
		var goldenOffsets []int64
		for _, f := range frames {
			if f.To != "broker-4.9.7" || !strings.Contains(f.From, "client") {
				continue
			}
			run := strings.SplitN(f.Case, "-", 3)[0]
			if strings.HasPrefix(f.Case, "java-binary") {
				run = "java-binary"
			}
			c := conns[run]
			if c == nil {
				var err error
				c, err = mem.Dial(context.Background(), "tcp", goldenBrokerAddr)
				require.NoError(t, err)
				defer c.Close()
				conns[run] = c
			}
			_, err := c.Write(f.Bytes)
			require.NoError(t, err)
			if f.Kind == "oneway" {
				synctest.Wait() // stored before the next request, as in the capture
				continue
			}
			want, ok := responses[f.Case+"/"+strconv.Itoa(int(f.Opaque))]
			require.True(t, ok, f.Name())
			raw := readRawFrame(t, c)
			got, err := remoting.DecodeFrame(raw, 0)
			require.NoError(t, err, f.Name())
			wantCmd, err := remoting.DecodeFrame(want.Bytes, 0)
			require.NoError(t, err)
			if ids, ok := got.ExtFields["msgId"]; ok {
				// Same store host; the offsets are compared below. Put the real ids in place
				// (same length) to compare the rest of the frame byte for byte.
				gotIDs, wantIDs := strings.Split(ids, ","), strings.Split(wantCmd.ExtFields["msgId"], ",")
				require.Len(t, gotIDs, len(wantIDs), f.Name())
				for i := range gotIDs {
					require.Equal(t, wantIDs[i][:16], gotIDs[i][:16], "store host of %s", f.Name())
					offsets = append(offsets, commitLogOffset(t, gotIDs[i]))
					goldenOffsets = append(goldenOffsets, commitLogOffset(t, wantIDs[i]))
				}
				raw = bytes.Replace(raw, []byte(ids), []byte(wantCmd.ExtFields["msgId"]), 1)
			}
			require.Equal(t, string(want.Bytes), string(raw), "answer to %s", f.Name())
		}

		// Record sizes: each answer's commit-log offset minus the previous one is the size of
		// the record stored in between, the same as the real broker's for every message (a
		// batch's messages keep their own properties string and then the batch's, WAIT twice).
		require.Len(t, offsets, len(goldenOffsets))
		var gotSizes, wantSizes []int64
		for i := 1; i < len(offsets); i++ {
			gotSizes = append(gotSizes, offsets[i]-offsets[i-1])
			wantSizes = append(wantSizes, goldenOffsets[i]-goldenOffsets[i-1])
		}
		// Order: sync, async(+oneway), batch 1, batch 2, batch 3, compressed, binary sync, go sync.
		require.Equal(t, []int64{233, 452, 249, 249, 249, 289, 236}, wantSizes)
		require.Equal(t, wantSizes, gotSizes)

		require.Len(t, b.Messages("GoldenTopic"), 7) // sync, async, oneway, 3 in the batch, compressed
		require.Len(t, b.Messages("GoldenBinTopic"), 1)
		require.Len(t, b.Messages("GoldenGoTopic"), 1)
		big := b.Messages("GoldenTopic")[6]
		require.Equal(t, []string{"K-big"}, big.Keys)
		require.Greater(t, len(big.Body), 6000, "the compressed body is inflated for tests")
		// The Java clients unregistered their groups; the Go client never does.
		clients := b.Clients()
		require.Len(t, clients, 1)
		require.Equal(t, []string{"golden_go_pg"}, clients[0].ProducerGroups)
	})
}

// readRawFrame reads one whole frame, length word included.
func readRawFrame(t *testing.T, c net.Conn) []byte {
	t.Helper()
	var word [4]byte
	_, err := io.ReadFull(c, word[:])
	require.NoError(t, err)
	frame := make([]byte, 4+binary.BigEndian.Uint32(word[:]))
	copy(frame, word[:])
	_, err = io.ReadFull(c, frame[4:])
	require.NoError(t, err)
	return frame
}

func commitLogOffset(t *testing.T, id string) int64 {
	t.Helper()
	_, off, err := protocol.DecodeOffsetMsgID(id)
	require.NoError(t, err)
	return off
}
