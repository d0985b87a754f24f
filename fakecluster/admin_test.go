package fakecluster_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// admin calls the admin API as a test in another language would, and decodes its JSON answer
// into a generic value so that the test sees the field names on the wire.
func admin(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	raw, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	if len(raw) == 0 {
		return rec.Code, nil
	}
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var v map[string]any
	require.NoError(t, json.Unmarshal(raw, &v), string(raw))
	return rec.Code, v
}

func TestAdminCluster(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2))
	code, v := admin(t, cl.AdminHandler(), "GET", "/v1/cluster", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, map[string]any{"name": "namesrv", "addr": cl.NameServerAddr(), "online": true}, v["namesrv"])
	require.Equal(t, []any{
		map[string]any{"name": "broker-a", "addr": brokerOf(t, cl, "broker-a").Addr(), "online": true, "registered": true},
		map[string]any{"name": "broker-b", "addr": brokerOf(t, cl, "broker-b").Addr(), "online": true, "registered": true},
	}, v["brokers"])
}

func TestAdminMessagesAndClients(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithTopic("Orders", 2))
	c := newClient(t, cl)
	addr := brokerOf(t, cl, "broker-a").Addr()
	resp := c.send(addr, "Orders", 1, "héllo", map[string]string{"TAGS": "TagA", "KEYS": "k1 k2", "UNIQ_KEY": "ID-1", "color": "red"})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	c.heartbeat(addr, "10.0.0.1@42", "pg1", "pg2")

	h := cl.AdminHandler()
	code, v := admin(t, h, "GET", "/v1/topics/Orders/messages", "")
	require.Equal(t, http.StatusOK, code)
	msgs := v["messages"].([]any)
	require.Len(t, msgs, 1)
	m := msgs[0].(map[string]any)
	stored := cl.Messages("Orders")[0]
	require.Equal(t, "Orders", m["topic"])
	require.Equal(t, "broker-a", m["broker"])
	require.EqualValues(t, 1, m["queueId"])
	require.EqualValues(t, 0, m["queueOffset"])
	require.Equal(t, "ID-1", m["msgId"])
	require.Equal(t, stored.OffsetMsgID, m["offsetMsgId"])
	require.Equal(t, "TagA", m["tags"])
	require.Equal(t, []any{"k1", "k2"}, m["keys"])
	require.Equal(t, "red", m["properties"].(map[string]any)["color"])
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("héllo")), m["body"])
	require.EqualValues(t, 1_700_000_000_000, m["bornTimestamp"])
	require.Contains(t, m, "sysFlag")

	code, v = admin(t, h, "GET", "/v1/topics/Nothing/messages", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, []any{}, v["messages"])

	code, v = admin(t, h, "GET", "/v1/clients", "")
	require.Equal(t, http.StatusOK, code)
	clients := v["clients"].([]any)
	require.Len(t, clients, 1)
	row := clients[0].(map[string]any)
	require.Equal(t, "10.0.0.1@42", row["clientId"])
	require.Equal(t, "broker-a", row["broker"])
	require.Equal(t, []any{"pg1", "pg2"}, row["producerGroups"])
	require.Equal(t, []any{}, row["consumerGroups"])
	require.Greater(t, row["lastHeartbeat"], float64(0))
}

func TestAdminFaults(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 2))
	c := newClient(t, cl)
	h := cl.AdminHandler()

	code, v := admin(t, h, "POST", "/v1/faults", `{"target":"broker-b","code":310,"action":"error","responseCode":2,"remark":"busy","times":1}`)
	require.Equal(t, http.StatusCreated, code, v)
	require.Equal(t, "broker-b", v["target"])
	code, _ = admin(t, h, "POST", "/v1/faults", `{"target":"namesrv","code":105,"action":"error","responseCode":1}`)
	require.Equal(t, http.StatusCreated, code)

	code, v = admin(t, h, "GET", "/v1/faults", "")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, v["faults"], 2)

	// The first send to broker-b gets the injected answer, the second goes through; broker-a
	// is untouched.
	require.Equal(t, remoting.Success, c.send(brokerOf(t, cl, "broker-a").Addr(), "Orders", 0, "a", nil).Code)
	resp := c.send(brokerOf(t, cl, "broker-b").Addr(), "Orders", 0, "b", nil)
	require.Equal(t, remoting.SystemBusy, resp.Code)
	require.Equal(t, "busy", resp.Remark)
	require.Equal(t, remoting.Success, c.send(brokerOf(t, cl, "broker-b").Addr(), "Orders", 0, "b", nil).Code)

	// The history shows both sends to broker-b, the first one taken by the rule.
	code, v = admin(t, h, "GET", "/v1/history?target=broker-b&code=310", "")
	require.Equal(t, http.StatusOK, code)
	sends := v["requests"].([]any)
	require.Len(t, sends, 2)
	require.Equal(t, "error", sends[0].(map[string]any)["fault"])
	require.EqualValues(t, remoting.SystemBusy, sends[0].(map[string]any)["responseCode"])
	require.Equal(t, "", sends[1].(map[string]any)["fault"])

	rresp, err := c.invoke(cl.NameServerAddr(), protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: "Orders"}, nil))
	require.NoError(t, err)
	require.Equal(t, remoting.SystemError, rresp.Code)

	code, _ = admin(t, h, "DELETE", "/v1/faults", "")
	require.Equal(t, http.StatusNoContent, code)
	_, v = admin(t, h, "GET", "/v1/faults", "")
	require.Equal(t, []any{}, v["faults"])
	require.NotNil(t, c.route(cl.NameServerAddr(), "Orders"))
}

func TestAdminRejectsBadRequests(t *testing.T) {
	cl := fakecluster.Start(t)
	h := cl.AdminHandler()
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		errContains              string
	}{
		{"junk JSON", "POST", "/v1/faults", `{"target":`, http.StatusBadRequest, "bad JSON"},
		{"no target", "POST", "/v1/faults", `{"code":310,"action":"drop"}`, http.StatusBadRequest, "target"},
		{"unknown action", "POST", "/v1/faults", `{"target":"broker-a","action":"explode"}`, http.StatusBadRequest, "explode"},
		{"delay without delay", "POST", "/v1/faults", `{"target":"broker-a","action":"delay"}`, http.StatusBadRequest, ""},
		{"two values", "POST", "/v1/faults", `{"target":"broker-a","action":"drop"} {}`, http.StatusBadRequest, "more than one"},
		{"unknown target", "POST", "/v1/faults", `{"target":"broker-x","action":"drop"}`, http.StatusNotFound, "broker-x"},
		{"unknown broker", "POST", "/v1/brokers/broker-x/stop", "", http.StatusNotFound, "broker-x"},
		{"unknown broker action", "POST", "/v1/brokers/broker-a/explode", "", http.StatusNotFound, "explode"},
		{"bad topic", "POST", "/v1/topics", `{"topic":"bad topic!","queues":2}`, http.StatusBadRequest, "topic"},
		{"topic on unknown broker", "POST", "/v1/topics", `{"topic":"T","brokers":["broker-x"]}`, http.StatusNotFound, "broker-x"},
		{"unknown path", "GET", "/v2/nothing", "", http.StatusNotFound, "no such call: GET /v2/nothing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, v := admin(t, h, tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, code, v)
			require.Contains(t, v["error"], tt.errContains)
		})
	}
	code, v := admin(t, h, "PUT", "/v1/cluster", "")
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, "no such call: PUT /v1/cluster", v["error"])
	require.Empty(t, cl.NameServer().Faults().Rules())
}

func TestAdminStopStartBrokerAndCreateTopic(t *testing.T) {
	cl := fakecluster.Start(t, fakecluster.WithBrokers(2))
	c := newClient(t, cl)
	h := cl.AdminHandler()

	code, v := admin(t, h, "POST", "/v1/topics", `{"topic":"Orders","queues":3}`)
	require.Equal(t, http.StatusCreated, code, v)
	r := c.route(cl.NameServerAddr(), "Orders")
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(r))
	require.EqualValues(t, 3, r.QueueDatas[0].WriteQueueNums)

	code, v = admin(t, h, "POST", "/v1/brokers/broker-a/stop", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, map[string]any{"name": "broker-a", "addr": brokerOf(t, cl, "broker-a").Addr(), "online": false, "registered": false},
		v["brokers"].([]any)[0])
	require.False(t, brokerOf(t, cl, "broker-a").Running())
	// The crash closed broker-a's connection to the name server, which dropped it at once.
	require.Equal(t, []string{"broker-b"}, brokerNames(c.route(cl.NameServerAddr(), "Orders")))
	_, err := c.invoke(brokerOf(t, cl, "broker-a").Addr(), remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
	require.Error(t, err)

	code, v = admin(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, true, v["brokers"].([]any)[0].(map[string]any)["registered"])
	require.ElementsMatch(t, []string{"broker-a", "broker-b"}, brokerNames(c.route(cl.NameServerAddr(), "Orders")))
	// Starting a running broker is harmless.
	code, _ = admin(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code)
}
