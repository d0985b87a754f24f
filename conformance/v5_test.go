package conformance

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/realrmq"
)

// A 5.x broker still speaks the 4.x remoting protocol: our client starts against a 5.x name
// server, sends in every mode, and the broker stores what was sent. Set ROCKETSIM_REAL_V5 to a
// 5.x release (CI: 5.3.3); the JVMs take ~15 s to start, so it is off by default.
func TestVersion5Broker(t *testing.T) {
	v := os.Getenv("ROCKETSIM_REAL_V5")
	if v == "" {
		t.Skip("set ROCKETSIM_REAL_V5=5.3.3 (a 5.x release) to run our client against a 5.x broker")
	}
	c := realrmq.Start(t, realrmq.WithVersion(v), realrmq.WithBrokerNames("v5-a"))
	topic := unique("ConfV5")
	createTopic(t, c, topic, 4)
	p := newProducer(t, c, unique("conf_v5"))

	msg := client.NewMessage(topic, []byte("to a 5.x broker"))
	msg.SetTags("v5")
	res, err := p.Send(t.Context(), msg)
	require.NoError(t, err)
	require.Equal(t, client.SendOK, res.Status)

	done := make(chan error, 1)
	p.SendAsync(t.Context(), client.NewMessage(topic, []byte("async")), func(_ *client.SendResult, err error) { done <- err })
	require.NoError(t, <-done)
	require.NoError(t, p.SendOneway(t.Context(), client.NewMessage(topic, []byte("oneway"))))
	_, err = p.SendBatch(t.Context(), client.NewMessage(topic, []byte("b1")), client.NewMessage(topic, []byte("b2")))
	require.NoError(t, err)

	msgs := byUniqKey(stored(t, c, topic, 5))
	require.Contains(t, msgs, res.MsgID)
	require.Equal(t, "v5", msgs[res.MsgID].Tags())
	require.Equal(t, "to a 5.x broker", string(msgs[res.MsgID].Body))
}
