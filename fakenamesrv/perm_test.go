package fakenamesrv

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestWritePermOfBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.broker("broker-a", "10.0.0.1:10911", 0, "T1", "T2").register()
		r.broker("broker-b", "10.0.0.2:10911", 0, "T1").register()
		perms := func(topic string) map[string]int32 {
			route := decodeRoute(t, r.route(topic, 407))
			out := map[string]int32{}
			for _, qd := range route.QueueDatas {
				out[qd.BrokerName] = qd.Perm
			}
			return out
		}
		rw := protocol.PermRead | protocol.PermWrite
		require.Equal(t, map[string]int32{"broker-a": rw, "broker-b": rw}, perms("T1"))

		perm := func(code int32, ext map[string]string) *remoting.Command {
			resp := r.invoke(remoting.NewRequest(code, ext, nil))
			require.Equal(t, remoting.Success, resp.Code)
			require.Empty(t, resp.Remark)
			return resp
		}
		resp := perm(remoting.CodeWipeWritePermOfBroker, protocol.WritePermOfBrokerRequestHeader{BrokerName: "broker-a"}.ToExt())
		require.Equal(t, map[string]string{"wipeTopicCount": "2"}, resp.ExtFields)
		require.Equal(t, map[string]int32{"broker-a": protocol.PermRead, "broker-b": rw}, perms("T1"))
		require.Equal(t, map[string]int32{"broker-a": protocol.PermRead}, perms("T2"))

		resp = perm(remoting.CodeAddWritePermOfBroker, protocol.WritePermOfBrokerRequestHeader{BrokerName: "broker-a"}.ToExt())
		require.Equal(t, map[string]string{"addTopicCount": "2"}, resp.ExtFields)
		require.Equal(t, map[string]int32{"broker-a": rw, "broker-b": rw}, perms("T1"))

		resp = perm(remoting.CodeWipeWritePermOfBroker, protocol.WritePermOfBrokerRequestHeader{BrokerName: "nobody"}.ToExt())
		require.Equal(t, map[string]string{"wipeTopicCount": "0"}, resp.ExtFields)
		resp = perm(remoting.CodeAddWritePermOfBroker, nil)
		require.Equal(t, map[string]string{"addTopicCount": "0"}, resp.ExtFields)
	})
}
