package fakebroker

import (
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
