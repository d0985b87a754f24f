package adminhttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// servers is a name server and one broker that exist only as injectors and histories: the
// shared calls need nothing else.
type servers struct {
	mu      sync.Mutex
	online  bool
	failing error // what StartBroker and CrashBroker return
	inj     map[string]*fault.Injector
	hist    map[string]*fault.History
}

func newServers() *servers {
	return &servers{
		online: true,
		inj:    map[string]*fault.Injector{"namesrv": fault.NewInjector(1), "broker-a": fault.NewInjector(1)},
		hist:   map[string]*fault.History{"namesrv": fault.NewHistory(), "broker-a": fault.NewHistory()},
	}
}

func (s *servers) Status() adminhttp.ClusterStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return adminhttp.ClusterStatus{Cluster: "C", NameSrv: adminhttp.ServerStatus{Name: "namesrv", Addr: "ns:9876", Online: true},
		Brokers: []adminhttp.ServerStatus{{Name: "broker-a", Addr: "a:10911", Online: s.online}}}
}

func (s *servers) Faults(t string) (*fault.Injector, bool) { inj, ok := s.inj[t]; return inj, ok }

func (s *servers) History(t string) (*fault.History, bool) { h, ok := s.hist[t]; return h, ok }

func (s *servers) CrashBroker(string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing == nil {
		s.online = false
	}
	return s.failing
}

func (s *servers) StartBroker(context.Context, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing == nil {
		s.online = true
	}
	return s.failing
}

// call calls h as a test in another language would and decodes the JSON answer generically.
func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
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

func TestClusterFaultsAndBrokerActions(t *testing.T) {
	s := newServers()
	h := adminhttp.Handler(s)

	code, v := call(t, h, "GET", "/v1/cluster", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, map[string]any{"name": "namesrv", "addr": "ns:9876", "online": true}, v["namesrv"])

	code, v = call(t, h, "POST", "/v1/faults", `{"target":"broker-a","code":310,"action":"drop","times":2}`)
	require.Equal(t, http.StatusCreated, code, v)
	require.Equal(t, map[string]any{"target": "broker-a", "code": float64(310), "action": "drop", "times": float64(2)}, v)
	code, _ = call(t, h, "POST", "/v1/faults", `{"target":"namesrv","action":"close"}`)
	require.Equal(t, http.StatusCreated, code)
	_, v = call(t, h, "GET", "/v1/faults", "")
	require.Equal(t, []any{
		map[string]any{"target": "namesrv", "action": "close", "hits": float64(0)},
		map[string]any{"target": "broker-a", "code": float64(310), "action": "drop", "times": float64(2), "hits": float64(0)},
	}, v["faults"], "the name server's first, then the brokers'")
	code, _ = call(t, h, "DELETE", "/v1/faults", "")
	require.Equal(t, http.StatusNoContent, code)
	require.Empty(t, s.inj["broker-a"].Rules())
	require.Empty(t, s.inj["namesrv"].Rules())

	code, v = call(t, h, "POST", "/v1/brokers/broker-a/stop", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, false, v["brokers"].([]any)[0].(map[string]any)["online"])
	code, v = call(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, true, v["brokers"].([]any)[0].(map[string]any)["online"])

	s.failing = errors.New("the listener's port is taken")
	code, v = call(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusInternalServerError, code)
	require.Equal(t, "the listener's port is taken", v["error"])
}

func TestBadRequests(t *testing.T) {
	h := adminhttp.Handler(newServers())
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		errContains              string
	}{
		{"junk JSON", "POST", "/v1/faults", `{"target":`, http.StatusBadRequest, "bad JSON"},
		{"no target", "POST", "/v1/faults", `{"code":310,"action":"drop"}`, http.StatusBadRequest, "target"},
		{"unknown action", "POST", "/v1/faults", `{"target":"broker-a","action":"explode"}`, http.StatusBadRequest, "explode"},
		{"two values", "POST", "/v1/faults", `{"target":"broker-a","action":"drop"} {}`, http.StatusBadRequest, "more than one"},
		{"unknown target", "POST", "/v1/faults", `{"target":"broker-x","action":"drop"}`, http.StatusNotFound, "broker-x"},
		{"unknown broker", "POST", "/v1/brokers/broker-x/stop", "", http.StatusNotFound, "broker-x"},
		{"unknown broker action", "POST", "/v1/brokers/broker-a/explode", "", http.StatusNotFound, "explode"},
		{"history of an unknown target", "GET", "/v1/history?target=broker-x", "", http.StatusNotFound, "broker-x"},
		{"history with a bad code", "GET", "/v1/history?code=send", "", http.StatusBadRequest, "code"},
		{"history with a bad time", "GET", "/v1/history?since=yesterday", "", http.StatusBadRequest, "since"},
		{"history with a bad end", "GET", "/v1/history?until=later", "", http.StatusBadRequest, "until"},
		{"history with a negative limit", "GET", "/v1/history?limit=-1", "", http.StatusBadRequest, "limit"},
		{"events of an unknown target", "GET", "/v1/events?target=broker-x", "", http.StatusNotFound, "broker-x"},
		{"a console file that is not there", "GET", "/console/secret.txt", "", http.StatusNotFound, "secret.txt"},
		{"unknown path", "GET", "/v2/nothing", "", http.StatusNotFound, "no such call: GET /v2/nothing"},
		{"unknown method", "PUT", "/v1/cluster", "", http.StatusNotFound, "no such call: PUT /v1/cluster"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, v := call(t, h, tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, code, v)
			require.Contains(t, v["error"], tt.errContains)
		})
	}
}

// The history of real requests: each server's entries in the admin API's form, filtered by
// target, code, peer and time.
func TestHistory(t *testing.T) {
	s := newServers()
	mem := remoting.NewMemNetwork()
	addrs := map[string]string{}
	for _, target := range []string{"namesrv", "broker-a"} {
		srv := remotingtest.NewServer()
		fault.Install(srv, s.hist[target], s.inj[target])
		srv.HandleDefault(remotingtest.Succeed)
		addrs[target] = remotingtest.Serve(t, mem, target+":0", srv)
	}
	s.inj["broker-a"].Add(fault.Rule{Code: remoting.CodeHeartBeat, Action: fault.ActionError, ResponseCode: remoting.SystemBusy, Remark: "busy"})
	c := remotingtest.NewClient(t, mem.Dial)
	route := remoting.NewRequest(remoting.CodeGetRouteInfoByTopic, map[string]string{"topic": "T"}, nil)
	remotingtest.Invoke(t, c, addrs["namesrv"], route)
	before := time.Now().UnixMilli()
	send := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"a": "G", "b": "T"}, []byte("hello"))
	send.SerializeType = remoting.SerializeRocketMQ
	remotingtest.Invoke(t, c, addrs["broker-a"], send)
	remotingtest.Invoke(t, c, addrs["broker-a"], remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
	h := adminhttp.Handler(s)

	requests := func(query string) []any {
		t.Helper()
		code, v := call(t, h, "GET", "/v1/history"+query, "")
		require.Equal(t, http.StatusOK, code, v)
		return v["requests"].([]any)
	}
	codes := func(rs []any) []float64 {
		var out []float64
		for _, r := range rs {
			out = append(out, r.(map[string]any)["code"].(float64))
		}
		return out
	}
	require.ElementsMatch(t, []float64{105, 310, 34}, codes(requests("")))
	require.Equal(t, []float64{310, 34}, codes(requests("?target=broker-a")))
	require.Equal(t, []float64{34}, codes(requests("?code=34")))
	require.Empty(t, requests("?peer=nobody:1"))
	require.Equal(t, []float64{105}, codes(requests("?target=namesrv&since="+strconv.FormatInt(before-60_000, 10))))
	require.Empty(t, requests("?since="+strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)))

	sent := requests("?code=310")[0].(map[string]any)
	peer := sent["peer"].(string)
	require.Len(t, requests("?peer="+peer), 2, "both requests to broker-a came on one connection")
	require.Equal(t, []float64{310, 34}, codes(requests("?peer="+sent["local"].(string))), "a server's address picks what it received")
	require.Equal(t, []float64{34}, codes(requests("?limit=1")), "the newest")
	require.Empty(t, requests("?until="+strconv.FormatInt(before-60_000, 10)))
	require.Len(t, requests("?until="+strconv.FormatInt(time.Now().UnixMilli(), 10)), 3)
	require.Equal(t, "broker-a", sent["target"])
	require.Equal(t, "SEND_MESSAGE_V2", sent["codeName"])
	require.Equal(t, "ROCKETMQ", sent["serializeType"])
	require.Equal(t, "JAVA", sent["language"])
	require.Equal(t, map[string]any{"a": "G", "b": "T"}, sent["extFields"])
	require.Equal(t, "T", sent["topic"])
	require.Equal(t, []any{"G"}, sent["groups"])
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("hello")), sent["body"])
	require.EqualValues(t, 5, sent["bodySize"])
	require.Equal(t, true, sent["answered"])
	require.EqualValues(t, 0, sent["responseCode"])
	require.Equal(t, "", sent["fault"])
	require.GreaterOrEqual(t, sent["time"].(float64), float64(before))

	busy := requests("?code=34")[0].(map[string]any)
	require.Equal(t, "error", busy["fault"])
	require.EqualValues(t, remoting.SystemBusy, busy["responseCode"])
	require.Equal(t, "busy", busy["remark"])
}
