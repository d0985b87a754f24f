package fakecluster_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/remoting"
)

// panicCounter is a slog handler that counts the transport's "handler panicked" records: the
// transport answers a panic with SYSTEM_ERROR and goes on, so a panic is only visible here.
type panicCounter struct{ n *atomic.Int32 }

func (h panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h panicCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panicked") {
		h.n.Add(1)
	}
	return nil
}
func (h panicCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h panicCounter) WithGroup(string) slog.Handler      { return h }

// FuzzClusterFrames throws bytes and requests at a whole fake cluster (a name server and two
// brokers on the in-memory network): raw bytes on a connection of their own (a frame of a real
// server's traffic mutated, a bad length, junk), then a well-framed request of any code, header
// fields and body. No handler may panic, a good client must still be served by both servers,
// and the synctest bubble must end with every goroutine the cluster started.
func FuzzClusterFrames(f *testing.F) {
	for _, fr := range golden.Load(f) {
		if fr.Kind == "response" || (fr.To != "namesrv-4.9.7" && fr.To != "broker-4.9.7") {
			continue
		}
		cmd, err := remoting.DecodeFrame(fr.Bytes, 0)
		require.NoError(f, err)
		var kv []string
		for k, v := range cmd.ExtFields {
			kv = append(kv, k, v)
		}
		f.Add(fr.To == "broker-4.9.7", fr.Bytes, cmd.Code, strings.Join(kv, "\x00"), cmd.Body, cmd.Version)
	}
	f.Add(true, []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1}, int32(remoting.CodePullMessage), "topic\x00T\x00queueId\x00-1", []byte(nil), int32(407))
	f.Add(false, []byte("GET / HTTP/1.1\r\n\r\n"), int32(remoting.CodeRegisterBroker), "brokerId\x00x", []byte("{"), int32(-1))

	f.Fuzz(func(t *testing.T, toBroker bool, raw []byte, code int32, fields string, body []byte, version int32) {
		synctest.Test(t, func(t *testing.T) {
			var panics atomic.Int32
			cl := fakecluster.Start(t, fakecluster.WithMemNetwork(remoting.NewMemNetwork()), fakecluster.WithBrokers(2), fakecluster.WithTopic("T", 4),
				fakecluster.WithLogger(slog.New(panicCounter{&panics})))
			broker := brokerOf(t, cl, "broker-a").Addr()
			target := cl.NameServerAddr()
			if toBroker {
				target = broker
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()

			conn, err := cl.Dialer()(ctx, "tcp", target)
			require.NoError(t, err)
			_, _ = conn.Write(raw) // the server may close on the first bad byte
			require.NoError(t, conn.Close())

			var ext map[string]string
			if fields != "" {
				ext = map[string]string{}
				parts := strings.Split(fields, "\x00")
				for i := 0; i+1 < len(parts); i += 2 {
					ext[parts[i]] = parts[i+1]
				}
			}
			c := newClient(t, cl)
			req := remoting.NewRequest(code, ext, body)
			req.Version = version
			_, _ = c.c.Invoke(ctx, target, req) // the name server leaves unknown codes unanswered

			require.NotNil(t, c.route(cl.NameServerAddr(), "T"), "the name server still routes")
			resp := c.send(broker, "T", 0, "after the fuzz", nil)
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			require.Zero(t, panics.Load(), "a handler panicked on code %d (to the broker: %v) or on the raw bytes", code, toBroker)
		})
	})
}
