package fakenamesrv

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestAddrRewrite(t *testing.T) {
	containerHost := func(addr string) string {
		if rest, ok := strings.CutPrefix(addr, "172.17.0.2:"); ok {
			return "127.0.0.1:" + rest
		}
		return addr
	}
	tests := []struct {
		name    string
		opts    []Option
		runtime map[string]string // SetAddrRewrite calls after start
		want    map[int64]string  // broker-a's addresses as clients see them
	}{
		{"none", nil, nil, map[int64]string{0: "172.17.0.2:10911", 1: "172.17.0.3:10911"}},
		{"option", []Option{WithAddrRewrite("172.17.0.2:10911", "127.0.0.1:30911")}, nil,
			map[int64]string{0: "127.0.0.1:30911", 1: "172.17.0.3:10911"}},
		{"at runtime", nil, map[string]string{"172.17.0.3:10911": "127.0.0.1:30921"},
			map[int64]string{0: "172.17.0.2:10911", 1: "127.0.0.1:30921"}},
		{"runtime removal", []Option{WithAddrRewrite("172.17.0.2:10911", "127.0.0.1:30911")}, map[string]string{"172.17.0.2:10911": ""},
			map[int64]string{0: "172.17.0.2:10911", 1: "172.17.0.3:10911"}},
		{"function, the map first", []Option{WithAddrRewriteFunc(containerHost), WithAddrRewrite("172.17.0.3:10911", "localhost:1")}, nil,
			map[int64]string{0: "127.0.0.1:10911", 1: "localhost:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tt.opts...)
				r.broker("broker-a", "172.17.0.2:10911", 0, "T").register()
				slave := r.broker("broker-a", "172.17.0.3:10911", 1)
				slaveResp := slave.register()
				for from, to := range tt.runtime {
					r.ns.SetAddrRewrite(from, to)
				}

				for _, version := range []int32{317, 407} {
					route := decodeRoute(t, r.route("T", version))
					require.Equal(t, tt.want, route.BrokerDatas[0].BrokerAddrs)
				}
				resp := r.invoke(remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
				ci, err := protocol.DecodeClusterInfo(resp.Body)
				require.NoError(t, err)
				require.Equal(t, tt.want, ci.BrokerAddrTable["broker-a"].BrokerAddrs)
				require.Equal(t, tt.want, r.ns.ClusterInfo().BrokerAddrTable["broker-a"].BrokerAddrs)
				route, _ := r.ns.Route("T")
				require.Equal(t, tt.want, route.BrokerDatas[0].BrokerAddrs)
				require.Equal(t, tt.want[0], r.ns.ClientAddr("172.17.0.2:10911"))

				// Brokers see what was registered: a slave reaches its master on their network.
				require.Equal(t, "172.17.0.2:10911", slaveResp.ExtFields["masterAddr"])
				require.Equal(t, []string{"172.17.0.2:10911", "172.17.0.3:10911"}, onlineAddrs(r.ns))
			})
		})
	}
}
