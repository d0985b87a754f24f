package fakenamesrv

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// javaRemarks are the only SYSTEM_ERROR remarks the fake gives; anything else would be a
// handler's panic turned into an answer by the transport.
var javaRemarks = map[string]bool{
	remarkRegisterNullBrokerID: true, remarkRegisterBadBody: true, remarkCRC32NotMatch: true,
	remarkUnregisterNullID: true, remarkQueryNoBody: true, remarkQueryBadBody: true,
	"namespace or key is null": true,
}

// FuzzRequests sends the fake any header fields and body under each code it serves: it must
// answer as Java would (never with a panic) and keep serving.
func FuzzRequests(f *testing.F) {
	for _, fr := range golden.Load(f) {
		if fr.To != "namesrv-4.9.7" || fr.Kind == "response" {
			continue
		}
		cmd, err := remoting.DecodeFrame(fr.Bytes, 0)
		require.NoError(f, err)
		var kv []string
		for k, v := range cmd.ExtFields {
			kv = append(kv, k, v)
		}
		f.Add(cmd.Code, strings.Join(kv, "\x00"), cmd.Body, cmd.Version)
	}
	f.Add(remoting.CodeQueryDataVersion, "brokerAddr\x00a", []byte(`{"counter":1}`), int32(407))
	f.Add(remoting.CodePutKVConfig, "namespace\x00n\x00key\x00k", []byte(nil), int32(317))
	f.Add(remoting.CodeRegisterBroker, "brokerId\x000\x00compressed\x00true", []byte("x\x9c"), int32(-1))

	codes := []int32{100, 101, 102, 103, 104, 105, 106, 206, 216, 219, 304, 311, 312, 313, 322}
	f.Fuzz(func(t *testing.T, code int32, fields string, body []byte, version int32) {
		code = codes[uint32(code)%uint32(len(codes))]
		var ext map[string]string
		if fields != "" {
			ext = map[string]string{}
			parts := strings.Split(fields, "\x00")
			for i := 0; i+1 < len(parts); i += 2 {
				ext[parts[i]] = parts[i+1]
			}
		}
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			r.broker("broker-a", "10.0.0.1:10911", 0, "T").register()
			req := remoting.NewRequest(code, ext, body)
			req.Version = version
			resp := r.invoke(req)
			if resp.Code == remoting.SystemError {
				require.True(t, javaRemarks[resp.Remark], "remark %q", resp.Remark)
			}
			_, err := remotingtest.InvokeWithin(t, r.client, r.addr, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
				protocol.GetRouteInfoRequestHeader{Topic: "T"}, nil), time.Second)
			require.NoError(t, err)
		})
	})
}
