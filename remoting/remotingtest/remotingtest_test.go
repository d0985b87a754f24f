package remotingtest

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/remoting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// silent keeps every request and answers none.
func silent(context.Context, *remoting.Request) *remoting.Command { return nil }

// Over either network, a served stub answers through a client of the rig, and both are gone
// when the test that made them ends.
func TestServeAndInvoke(t *testing.T) {
	for _, tc := range []struct {
		name string
		mem  *remoting.MemNetwork
		addr string
	}{
		{"memnet", remoting.NewMemNetwork(), "broker-a:10911"},
		{"tcp", nil, "127.0.0.1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dial remoting.DialFunc
			if tc.mem != nil {
				dial = tc.mem.Dial
			}
			var (
				addr string
				c    *remoting.Client
			)
			t.Run("serving", func(t *testing.T) {
				srv := NewServer()
				srv.Handle(remoting.CodeHeartBeat, Succeed)
				addr = Serve(t, tc.mem, tc.addr, srv)
				c = NewClient(t, dial)
				resp := Invoke(t, c, addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
				require.Equal(t, remoting.Success, resp.Code)
				require.Empty(t, resp.Remark)
				require.Empty(t, resp.Body)
			})
			_, err := c.Invoke(t.Context(), addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
			require.ErrorIs(t, err, remoting.ErrClientClosed)
			other := NewClient(t, dial, remoting.WithConnectTimeout(time.Second))
			_, err = InvokeWithin(t, other, addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, nil), time.Second)
			require.Error(t, err, "the server is closed")
		})
	}
}

func TestInvokeWithinTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		srv := NewServer()
		srv.Handle(remoting.CodeHeartBeat, silent)
		addr := Serve(t, mem, "namesrv:9876", srv)
		start := time.Now()
		_, err := InvokeWithin(t, NewClient(t, mem.Dial), addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, nil), 3*time.Second)
		require.ErrorIs(t, err, remoting.ErrTimeout)
		require.Equal(t, 3*time.Second, time.Since(start))
	})
}

func TestListenClosesWhenTheTestEnds(t *testing.T) {
	mem := remoting.NewMemNetwork()
	t.Run("listening", func(t *testing.T) {
		Listen(t, mem, "namesrv:9876")
		_, err := mem.Listen("namesrv:9876")
		require.Error(t, err, "the address is taken")
	})
	l, err := mem.Listen("namesrv:9876")
	require.NoError(t, err, "given back")
	require.NoError(t, l.Close())
}
