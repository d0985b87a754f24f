package fakecluster_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestAdminTopics(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 2))
	code, v := admin(t, cl.AdminHandler(), "GET", "/v1/topics", "")
	require.Equal(t, http.StatusOK, code)
	byName := map[string]map[string]any{}
	for _, row := range v["topics"].([]any) {
		byName[row.(map[string]any)["topic"].(string)] = row.(map[string]any)
	}
	require.Equal(t, map[string]any{"topic": "Orders", "system": false, "brokers": []any{
		map[string]any{"broker": "broker-a", "readQueues": 2.0, "writeQueues": 2.0, "perm": 6.0, "order": false},
		map[string]any{"broker": "broker-b", "readQueues": 2.0, "writeQueues": 2.0, "perm": 6.0, "order": false},
	}}, byName["Orders"])
	require.Equal(t, true, byName["TBW102"]["system"], "the brokers' own topics are listed and marked")
}

func TestAdminQueueMessagesPageByOffset(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("Orders", 2))
	c := newClient(t, cl)
	addr := brokerOf(t, cl, "broker-a").Addr()
	for _, body := range []string{"q1-0", "q1-1", "q1-2"} {
		require.Equal(t, remoting.Success, c.send(addr, "Orders", 1, body, nil).Code)
	}
	require.Equal(t, remoting.Success, c.send(addr, "Orders", 0, "q0-0", nil).Code)
	h := cl.AdminHandler()

	bodies := func(v map[string]any) []string {
		var out []string
		for _, m := range v["messages"].([]any) {
			out = append(out, string(decodeBase64(t, m.(map[string]any)["body"].(string))))
		}
		return out
	}
	code, v := admin(t, h, "GET", "/v1/messages?topic=Orders&queue=1&offset=1&limit=1", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, []string{"q1-1"}, bodies(v))
	require.EqualValues(t, 2, v["nextOffset"])
	_, v = admin(t, h, "GET", "/v1/messages?topic=Orders&queue=1&offset=2", "")
	require.Equal(t, []string{"q1-2"}, bodies(v))
	require.EqualValues(t, 3, v["nextOffset"])
	_, v = admin(t, h, "GET", "/v1/messages?topic=Orders&queue=0", "")
	require.Equal(t, []string{"q0-0"}, bodies(v))
	_, v = admin(t, h, "GET", "/v1/messages?topic=Orders&queue=1&offset=3", "")
	require.Equal(t, []any{}, v["messages"])
	require.EqualValues(t, 3, v["nextOffset"], "an empty page leaves the offset where it was")

	for _, tt := range []struct{ path, errContains string }{
		{"/v1/messages?queue=1", "topic"},
		{"/v1/messages?topic=Orders&queue=first", "queue"},
		{"/v1/messages?topic=Orders&offset=-1", "offset"},
		{"/v1/messages?topic=Orders&limit=x", "limit"},
	} {
		code, v := admin(t, h, "GET", tt.path, "")
		require.Equal(t, http.StatusBadRequest, code, tt.path)
		require.Contains(t, v["error"], tt.errContains)
	}
	code, v = admin(t, h, "GET", "/v1/messages?topic=Orders&broker=broker-x", "")
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, v["error"], "broker-x")
}

func TestAdminGroupOffsetsAndLag(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("Orders", 2))
	c := newClient(t, cl)
	addr := brokerOf(t, cl, "broker-a").Addr()
	for range 5 {
		require.Equal(t, remoting.Success, c.send(addr, "Orders", 0, "m", nil).Code)
	}
	require.Equal(t, remoting.Success, c.send(addr, "Orders", 1, "m", nil).Code)
	commit := protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "Orders", QueueID: 0, CommitOffset: 3}
	resp, err := c.invoke(addr, remoting.NewRequest(remoting.CodeUpdateConsumerOffset, commit.ToExt(), nil))
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	code, v := admin(t, cl.AdminHandler(), "GET", "/v1/groups/cg", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"group": "cg", "consumers": []any{}, "lag": 2.0, "queues": []any{
		map[string]any{"broker": "broker-a", "topic": "Orders", "queueId": 0.0, "brokerOffset": 5.0, "consumerOffset": 3.0, "lag": 2.0},
	}}, v, "only the queue the group committed: it subscribes to nothing")

	code, v = admin(t, cl.AdminHandler(), "GET", "/v1/groups/nobody", "")
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, v["error"], "nobody")
}

func decodeBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}
