package fakebroker

import (
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestQueryMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2), WithTopic("U", 1))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m0", map[string]string{"KEYS": "k1 k2", "UNIQ_KEY": "U0"})
		time.Sleep(2 * time.Second)
		r.send(remoting.CodeSendMessageV2, "T", 1, "m1", map[string]string{"KEYS": "k1", "UNIQ_KEY": "U1"})
		r.send(remoting.CodeSendMessageV2, "U", 0, "u0", map[string]string{"KEYS": "k1"})
		stored := r.b.Messages("T")
		now := time.Now().UnixMilli()

		query := func(topic, key string, maxNum int32, begin, end int64, unique bool) (*remoting.Command, []string) {
			t.Helper()
			ext := protocol.QueryMessageRequestHeader{Topic: topic, Key: key, MaxNum: maxNum, BeginTimestamp: begin, EndTimestamp: end}.ToExt()
			if unique {
				ext[protocol.FieldUniqueKeyQuery] = "true"
			}
			resp := r.invoke(remoting.NewRequest(remoting.CodeQueryMessage, ext, nil))
			h, err := protocol.DecodeQueryMessageResponseHeader(resp.ExtFields)
			require.NoError(t, err)
			last := r.b.Messages("U")[0]
			if resp.Code != remoting.Success {
				last = Message{}
			}
			require.Equal(t, last.StoreTimestamp, h.IndexLastUpdateTimestamp)
			require.Equal(t, last.CommitLogOffset, h.IndexLastUpdatePhyoffset)
			msgs, err := protocol.DecodeStoredMessages(resp.Body)
			require.NoError(t, err)
			var bodies []string
			for _, m := range msgs {
				bodies = append(bodies, string(m.Body))
			}
			return resp, bodies
		}
		resp, bodies := query("T", "k1", 32, 0, now, false)
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, []string{"m0", "m1"}, bodies, "commit-log order")
		_, bodies = query("T", "k2", 32, 0, now, false)
		require.Equal(t, []string{"m0"}, bodies)
		_, bodies = query("T", "U1", 1, 0, now, true)
		require.Equal(t, []string{"m1"}, bodies)
		_, bodies = query("T", "k1", 1, 0, now, false)
		require.Equal(t, []string{"m1"}, bodies, "the newest first when maxNum cuts")
		_, bodies = query("T", "k1", 32, stored[1].StoreTimestamp, now, false)
		require.Equal(t, []string{"m1"}, bodies, "the time range")

		resp, bodies = query("T", "nope", 32, 0, now, false)
		require.Equal(t, remoting.QueryNotFound, resp.Code)
		require.Equal(t, "can not find message, maybe time range not correct", resp.Remark)
		require.Empty(t, bodies)
	})
}

// The index's slot table starts small and doubles, relinking its entries: every key of a few
// segments' worth of messages is still found, with none of another key's, however
// often the table grew and keys came to share slots.
func TestIndexFindsEveryKeyAcrossGrowth(t *testing.T) {
	const n = 3000
	s := newStore(0, 64<<10) // a few dozen segments, each index pre-sized from the last one
	host := parseHost(brokerAddr)
	for i := range n {
		m := &protocol.MessageExt{}
		m.Topic, m.Body = "T", []byte(strconv.Itoa(i))
		m.Properties = map[string]string{"UNIQ_KEY": "U" + strconv.Itoa(i), "KEYS": "K" + strconv.Itoa(i%7) + " all"}
		m.BornHost, m.StoreTimestamp = host, int64(1_700_000_000_000+i)
		_, err := s.put(host, []*protocol.MessageExt{m})
		require.NoError(t, err)
	}
	require.Greater(t, len(s.segments), 3)
	bodies := func(key string, maxNum int) []string {
		found, _, _ := s.query("T", key, maxNum, 0, 1<<62)
		var out []string
		for _, sm := range found {
			out = append(out, string(sm.message().Body))
		}
		return out
	}
	for i := range n {
		require.Equal(t, []string{strconv.Itoa(i)}, bodies("U"+strconv.Itoa(i), 32), "unique key %d", i)
	}
	k3 := bodies("K3", n)
	require.Len(t, k3, (n-3+6)/7)
	for j, b := range k3 {
		require.Equal(t, strconv.Itoa(3+7*j), b)
	}
	require.Len(t, bodies("all", n), n)
	require.Empty(t, bodies("U"+strconv.Itoa(n), 32))
}
