package adminhttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// sseEvent is one server-sent event as a browser's EventSource sees it.
type sseEvent struct {
	name string
	data map[string]any
}

// readEvents reads the stream's events into a channel until the body ends.
func readEvents(t *testing.T, body interface{ Read([]byte) (int, error) }) <-chan sseEvent {
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
					t.Errorf("bad event data %q: %v", line, err)
				}
			case line == "" && ev.name != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// eventTimeout bounds the wait for an event that must come, so that a broken stream fails
// the test instead of hanging it.
const eventTimeout = 10 * time.Second

func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		require.True(t, ok, "the stream ended")
		return ev
	case <-time.After(eventTimeout):
		t.Fatal("no event within", eventTimeout)
		return sseEvent{}
	}
}

// trackedHandler closes ended when a request to /v1/events has been served to the end.
type trackedHandler struct {
	h     http.Handler
	ended chan struct{}
}

func (th trackedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	th.h.ServeHTTP(w, r)
	if r.URL.Path == "/v1/events" {
		close(th.ended)
	}
}

func TestEventStream(t *testing.T) {
	s := newServers()
	mem := remoting.NewMemNetwork()
	srv := remotingtest.NewServer()
	fault.Install(srv, s.hist["broker-a"], s.inj["broker-a"])
	srv.HandleDefault(remotingtest.Succeed)
	addr := remotingtest.Serve(t, mem, "broker-a:0", srv)
	c := remotingtest.NewClient(t, mem.Dial)
	send := func() {
		req := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"a": "G", "b": "T"}, []byte("x"))
		_, _ = c.Invoke(context.Background(), addr, req)
	}
	send() // kept before the stream opens: replayed
	send()

	th := trackedHandler{h: adminhttp.Handler(s), ended: make(chan struct{})}
	web := httptest.NewServer(th)
	defer func() {
		select {
		case <-th.ended:
			web.Close()
		default:
			// Close would wait for the stuck handler forever; leave it to goleak to report.
			web.CloseClientConnections()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", web.URL+"/v1/events?code=310&limit=1", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := readEvents(t, resp.Body)

	replayed := next(t, events)
	require.Equal(t, "request", replayed.name)
	request := replayed.data["request"].(map[string]any)
	require.EqualValues(t, 2, request["seq"], "?limit=1 replays the newest kept request only")
	require.Equal(t, "SEND_MESSAGE_V2", request["codeName"])
	require.Equal(t, "broker-a", request["target"])

	post := func(method, path, body string) {
		t.Helper()
		code, v := call(t, th.h, method, path, body)
		require.Less(t, code, 300, v)
	}
	post("POST", "/v1/faults", `{"target":"broker-a","code":310,"action":"error","responseCode":2,"remark":"no room","times":1}`)
	added := next(t, events)
	require.Equal(t, "fault", added.name)
	require.Equal(t, map[string]any{"kind": "added", "target": "broker-a", "rule": map[string]any{
		"target": "broker-a", "code": 310.0, "action": "error", "responseCode": 2.0, "remark": "no room", "times": 1.0}},
		added.data["fault"])

	// A heartbeat is filtered out by ?code=310; the send that follows is streamed live with
	// the answer the rule gave, then its hit.
	_, _ = c.Invoke(context.Background(), addr, remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
	send()
	live := next(t, events)
	require.Equal(t, "request", live.name)
	request = live.data["request"].(map[string]any)
	require.EqualValues(t, 4, request["seq"])
	require.Equal(t, "error", request["fault"])
	require.EqualValues(t, 2, request["responseCode"])
	require.Equal(t, "no room", request["remark"])
	require.NotEmpty(t, request["peer"])
	hit := next(t, events)
	require.Equal(t, "fault", hit.name)
	require.Equal(t, map[string]any{"kind": "hit", "target": "broker-a", "code": 310.0, "action": "error", "seq": 4.0}, hit.data["fault"])

	post("POST", "/v1/brokers/broker-a/stop", "")
	crashed := next(t, events)
	require.Equal(t, "broker", crashed.name)
	require.Equal(t, map[string]any{"name": "broker-a", "addr": "a:10911", "state": "crashed", "online": false}, crashed.data["broker"])

	// Rules added and removed from Go, not through the admin API, are streamed too; DELETE
	// clears the servers that had rules, each with its own event.
	h := s.inj["namesrv"].Add(fault.Rule{Code: remoting.CodeGetRouteInfoByTopic, Action: fault.ActionDrop})
	fromGo := next(t, events)
	require.Equal(t, "fault", fromGo.name)
	require.Equal(t, map[string]any{"kind": "added", "target": "namesrv", "rule": map[string]any{
		"target": "namesrv", "code": 105.0, "action": "drop"}}, fromGo.data["fault"])
	h.Remove()
	require.Equal(t, map[string]any{"kind": "removed", "target": "namesrv", "rule": map[string]any{
		"target": "namesrv", "code": 105.0, "action": "drop"}}, next(t, events).data["fault"])
	s.inj["broker-a"].Add(fault.Rule{Action: fault.ActionDrop})
	require.Equal(t, "added", next(t, events).data["fault"].(map[string]any)["kind"])
	post("DELETE", "/v1/faults", "")
	require.Equal(t, map[string]any{"kind": "cleared", "target": "broker-a"}, next(t, events).data["fault"],
		"only broker-a had rules to clear")

	post("POST", "/v1/marks", `{"label":"crash broker-a"}`)
	mark := next(t, events)
	require.Equal(t, "mark", mark.name)
	require.Equal(t, "crash broker-a", mark.data["mark"].(map[string]any)["label"])
	require.EqualValues(t, 1, mark.data["mark"].(map[string]any)["seq"])

	// The client goes away: the stream's handler and its history watchers end (goleak checks
	// the watchers once the test is over).
	cancel()
	_ = resp.Body.Close()
	select {
	case <-th.ended:
	case <-time.After(eventTimeout):
		t.Fatal("the event stream's handler kept running after its client went away")
	}
}

func TestIndexListsTheCalls(t *testing.T) {
	h := adminhttp.Handler(newServers())
	for _, path := range []string{"/v1", "/"} {
		code, v := call(t, h, "GET", path, "")
		require.Equal(t, http.StatusOK, code)
		var paths []string
		for _, c := range v["calls"].([]any) {
			call := c.(map[string]any)
			require.NotEmpty(t, call["doc"], call)
			paths = append(paths, call["method"].(string)+" "+call["path"].(string))
		}
		require.Subset(t, paths, []string{"GET /v1/cluster", "POST /v1/faults", "GET /v1/history", "GET /v1/events", "GET /v1"})
	}

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Contains(t, rec.Body.String(), "<title>rocketsim console</title>")
	require.NotContains(t, rec.Body.String(), "://", "the page loads nothing from elsewhere")
}

// watchingServers change their broker's state from Go too, and tell GET /v1/events of every
// change themselves (adminhttp.BrokerWatcher), as fakecluster and the proxy do.
type watchingServers struct {
	*servers
	feed     adminhttp.BrokerFeed
	watchers atomic.Int32 // streams watching now
}

func (s *watchingServers) WatchBrokers(f func(adminhttp.BrokerEvent)) func() {
	s.watchers.Add(1)
	stop := s.feed.WatchBrokers(f)
	return func() { stop(); s.watchers.Add(-1) }
}

// crash is a change made from Go, as fakecluster.Cluster.CrashBroker is.
func (s *watchingServers) crash() {
	_ = s.servers.CrashBroker("broker-a")
	s.feed.Publish(adminhttp.BrokerEvent{Name: "broker-a", Addr: "a:10911", State: adminhttp.BrokerCrashed})
}

func (s *watchingServers) StartBroker(ctx context.Context, name string) error {
	err := s.servers.StartBroker(ctx, name)
	s.feed.Publish(adminhttp.BrokerEvent{Name: name, Addr: "a:10911", State: adminhttp.BrokerStarted, Online: true})
	return err
}

// Broker changes made from Go reach every open stream, and one made through the admin API on
// servers that watch their brokers is streamed once, not again by the admin API; a stream that
// ends stops watching.
func TestEventStreamOfBrokerChangesMadeFromGo(t *testing.T) {
	s := &watchingServers{servers: newServers()}
	h := adminhttp.Handler(s)
	ended := make(chan struct{}, 2) // a value each time a stream's handler returns
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == "/v1/events" {
			ended <- struct{}{}
		}
	}))
	defer web.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() (<-chan sseEvent, func() error) {
		req, err := http.NewRequestWithContext(ctx, "GET", web.URL+"/v1/events", nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return readEvents(t, resp.Body), resp.Body.Close
	}
	first, closeFirst := open()
	second, closeSecond := open()
	defer closeSecond()
	require.EqualValues(t, 2, s.watchers.Load(), "each stream watches once its answer has begun")

	s.crash()
	for _, events := range []<-chan sseEvent{first, second} {
		ev := next(t, events)
		require.Equal(t, "broker", ev.name)
		require.Equal(t, map[string]any{"name": "broker-a", "addr": "a:10911", "state": "crashed", "online": false}, ev.data["broker"])
	}

	code, v := call(t, h, "POST", "/v1/brokers/broker-a/start", "")
	require.Equal(t, http.StatusOK, code, v)
	code, _ = call(t, h, "POST", "/v1/marks", `{"label":"started"}`)
	require.Equal(t, http.StatusCreated, code)
	started := next(t, first)
	require.Equal(t, map[string]any{"name": "broker-a", "addr": "a:10911", "state": "started", "online": true}, started.data["broker"])
	require.Equal(t, "mark", next(t, first).name, "the start is streamed once")

	require.NoError(t, closeFirst())
	select {
	case <-ended:
	case <-time.After(eventTimeout):
		t.Fatal("the event stream's handler kept running after its client went away")
	}
	require.EqualValues(t, 1, s.watchers.Load(), "the ended stream stopped watching")
	cancel()
}

// Marks are kept: GET /v1/marks lists them, and a stream opened later replays them, inside
// ?since= and ?until=.
func TestMarks(t *testing.T) {
	s := newServers()
	h := adminhttp.Handler(s)
	for _, bad := range []string{`{}`, `{"label":"  "}`, `{"label":1}`, `{"label":"` + strings.Repeat("x", 501) + `"}`} {
		code, v := call(t, h, "POST", "/v1/marks", bad)
		require.Equal(t, http.StatusBadRequest, code, bad)
		require.NotEmpty(t, v["error"])
	}
	code, v := call(t, h, "POST", "/v1/marks", `{"label":"fault window opens"}`)
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, "fault window opens", v["label"])
	require.EqualValues(t, 1, v["seq"])
	first := int64(v["time"].(float64))
	require.InDelta(t, time.Now().UnixMilli(), first, 60_000)
	code, v = call(t, h, "POST", "/v1/marks", `{"label":"second"}`)
	require.EqualValues(t, 2, v["seq"])
	require.Equal(t, http.StatusCreated, code)

	code, v = call(t, h, "GET", "/v1/marks", "")
	require.Equal(t, http.StatusOK, code)
	marks := v["marks"].([]any)
	require.Len(t, marks, 2)
	require.Equal(t, "second", marks[1].(map[string]any)["label"])
	code, v = call(t, h, "GET", fmt.Sprintf("/v1/marks?until=%d", first-1), "")
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, v["marks"].([]any), "?until= before the first mark")
	code, v = call(t, h, "GET", fmt.Sprintf("/v1/marks?since=%d", first), "")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, v["marks"].([]any), 2)

	web := httptest.NewServer(h)
	defer web.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", web.URL+"/v1/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	events := readEvents(t, resp.Body)
	var got []string
	for range 2 {
		ev := next(t, events)
		require.Equal(t, "mark", ev.name)
		got = append(got, ev.data["mark"].(map[string]any)["label"].(string))
	}
	require.Equal(t, []string{"fault window opens", "second"}, got)
	code, _ = call(t, h, "POST", "/v1/marks", `{"label":"live"}`)
	require.Equal(t, http.StatusCreated, code)
	live := next(t, events)
	require.Equal(t, "live", live.data["mark"].(map[string]any)["label"])
	require.EqualValues(t, 3, live.data["mark"].(map[string]any)["seq"])
}
