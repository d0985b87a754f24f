package fakebroker

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestConsumerListByGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		list := func(group string) *remoting.Command {
			return r.invoke(protocol.RequestWithHeader(remoting.CodeGetConsumerListByGroup,
				protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: group}, nil))
		}
		resp := list("cg")
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "no consumer for this group, cg", resp.Remark)
		require.Equal(t, map[string]string{}, resp.ExtFields)

		for i, c := range []*remoting.Client{r.client, r.newClient(), r.newClient()} {
			heartbeat(t, c, &protocol.HeartbeatData{ClientID: "c" + itoa(i), ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		}
		// A producer-only client is not a consumer.
		heartbeat(t, r.newClient(), &protocol.HeartbeatData{ClientID: "p", ProducerDataSet: []protocol.ProducerData{{GroupName: "cg"}}})
		resp = list("cg")
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, map[string]string{}, resp.ExtFields)
		body, err := protocol.DecodeGetConsumerListByGroupResponseBody(resp.Body)
		require.NoError(t, err)
		require.Equal(t, []string{"c0", "c1", "c2"}, body.ConsumerIDList)

		resp = r.invoke(remoting.NewRequest(remoting.CodeGetConsumerListByGroup, map[string]string{}, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "java.lang.NullPointerException: the custom field <consumerGroup> is null", resp.Remark)
	})
}
