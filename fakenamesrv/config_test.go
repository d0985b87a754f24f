package fakenamesrv

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func (r *rig) namesrvConfig(t *testing.T) map[string]string {
	t.Helper()
	resp := r.invoke(remoting.NewRequest(remoting.CodeGetNamesrvConfig, nil, nil))
	require.Equal(t, remoting.Success, resp.Code)
	require.Empty(t, resp.Remark)
	require.Nil(t, resp.ExtFields)
	props, err := protocol.DecodeJavaProperties(resp.Body)
	require.NoError(t, err)
	return props
}

func TestGetNamesrvConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		got := r.namesrvConfig(t)
		// The keys a real 4.9.7 name server lists (rocketmqHome only with ROCKETMQ_HOME set).
		for _, key := range []string{
			"serverSocketBacklog", "writeBufferHighWaterMark", "serverWorkerThreads", "serverSelectorThreads",
			"serverChannelMaxIdleTimeSeconds", "writeBufferLowWaterMark", "serverSocketRcvBufSize",
			"serverAsyncSemaphoreValue", "kvConfigPath", "configStorePath", "clusterTest", "orderMessageEnable",
			"serverSocketSndBufSize", "serverOnewaySemaphoreValue", "serverCallbackExecutorThreads", "listenPort",
			"productEnvName", "useEpollNativeSelector", "serverPooledByteBufAllocatorEnable",
		} {
			require.Contains(t, got, key)
		}
		require.Equal(t, "false", got["orderMessageEnable"])
		require.Equal(t, "center", got["productEnvName"])
		require.Equal(t, "9876", got["listenPort"], "an in-memory listener has no port: Java's default")
	})
}

func TestUpdateNamesrvConfig(t *testing.T) {
	tests := []struct {
		name   string
		body   []byte
		code   int32
		remark string
		want   map[string]string // settings after the update
	}{
		{"no body changes nothing", nil, remoting.Success, "", map[string]string{"serverWorkerThreads": "8"}},
		{"values parsed as their setters parse them",
			[]byte("serverWorkerThreads=+16\nclusterTest=TRUE\nproductEnvName=test\nnoSuchKey=1\nserverSelectorThreads=x\n"),
			remoting.Success, "",
			map[string]string{"serverWorkerThreads": "16", "clusterTest": "true", "productEnvName": "test", "serverSelectorThreads": "3"}},
		{"config paths are refused", []byte("kvConfigPath=/x\nserverWorkerThreads=2"), remoting.NoPermission, "Can not update config path",
			map[string]string{"serverWorkerThreads": "8"}},
		{"configStorePath too", []byte("configStorePath=/x"), remoting.NoPermission, "Can not update config path", nil},
		{"a malformed escape", []byte(`productEnvName=\u12`), remoting.SystemError, "string2Properties error",
			map[string]string{"productEnvName": "center"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				resp := r.invoke(remoting.NewRequest(remoting.CodeUpdateNamesrvConfig, nil, tt.body))
				require.Equal(t, tt.code, resp.Code)
				require.Equal(t, tt.remark, resp.Remark)
				got := r.namesrvConfig(t)
				require.NotContains(t, got, "noSuchKey")
				for k, v := range tt.want {
					require.Equal(t, v, got[k], k)
				}
			})
		})
	}
}

// Java's route answers read orderMessageEnable on every request, so an update turns the order
// topic config on at once.
func TestUpdateNamesrvConfigOrderMessageEnable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.broker("broker-a", "10.0.0.1:10911", 0, "Ordered").register()
		r.ns.PutKV(NamespaceOrderTopicConfig, "Ordered", "broker-a:4")
		require.Empty(t, decodeRoute(t, r.route("Ordered", 407)).OrderTopicConf)
		resp := r.invoke(remoting.NewRequest(remoting.CodeUpdateNamesrvConfig, nil, []byte("orderMessageEnable=true")))
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, "broker-a:4", decodeRoute(t, r.route("Ordered", 407)).OrderTopicConf)
	})
}
