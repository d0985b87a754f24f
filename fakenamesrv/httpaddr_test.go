package fakenamesrv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestAddrEndpoint(t *testing.T) {
	e := NewAddrEndpoint("127.0.0.1:9876", "127.0.0.1:9877")
	tests := []struct {
		name   string
		change func()
		path   string
		status int
		body   string
	}{
		{"default subgroup", nil, "/rocketmq/nsaddr", 200, "127.0.0.1:9876;127.0.0.1:9877"},
		{"any subgroup gets the default list", nil, "/rocketmq/other", 200, "127.0.0.1:9876;127.0.0.1:9877"},
		{"unit suffix as the client asks for it", nil, "/rocketmq/nsaddr-unit1?nofix=1", 200, "127.0.0.1:9876;127.0.0.1:9877"},
		{"live change", func() { e.Set("10.0.0.1:9876") }, "/rocketmq/nsaddr", 200, "10.0.0.1:9876"},
		{"a unit's own list", func() { e.SetFor("nsaddr", "unit1", "10.0.0.9:9876", "10.0.0.8:9876") },
			"/rocketmq/nsaddr-unit1?nofix=1", 200, "10.0.0.9:9876;10.0.0.8:9876"},
		{"other units keep the default", nil, "/rocketmq/nsaddr-unit2?nofix=1", 200, "10.0.0.1:9876"},
		{"a subgroup's own list", func() { e.SetFor("sub", "", "10.0.0.7:9876") }, "/rocketmq/sub", 200, "10.0.0.7:9876"},
		{"removing a unit's list", func() { e.SetFor("nsaddr", "unit1") }, "/rocketmq/nsaddr-unit1?nofix=1", 200, "10.0.0.1:9876"},
		{"an empty list", func() { e.Set() }, "/rocketmq/nsaddr", 200, ""},
		{"a broken address server", func() { e.SetStatus(http.StatusServiceUnavailable) }, "/rocketmq/nsaddr", 503, "Service Unavailable\n"},
		{"repaired", func() { e.SetStatus(0); e.Set("10.0.0.2:9876") }, "/rocketmq/nsaddr", 200, "10.0.0.2:9876"},
		{"another path", nil, "/other/nsaddr", 404, "404 page not found\n"},
		{"no subgroup", nil, "/rocketmq/", 404, "404 page not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.change != nil {
				tt.change()
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			require.Equal(t, tt.status, rec.Code)
			require.Equal(t, tt.body, rec.Body.String())
			if tt.status == 200 {
				require.Equal(t, "text/plain; charset=UTF-8", rec.Header().Get("Content-Type"))
			}
		})
	}
	require.Equal(t, len(tests)-2, e.Requests(), "every /rocketmq/ request is counted")
}

func TestAddrServerOverHTTP(t *testing.T) {
	e := NewAddrEndpoint("127.0.0.1:9876")
	l := remotingtest.Listen(t, nil, "127.0.0.1:0")
	srv := NewAddrServer(e)
	require.Empty(t, srv.Addr(), "not serving before Start")
	require.NoError(t, srv.Start(l))
	defer func() { require.NoError(t, srv.Close()) }()
	require.Error(t, srv.Start(l), "a second Start")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	get := func(url string) string {
		resp, err := client.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	require.Equal(t, "http://"+l.Addr().String()+"/rocketmq/nsaddr", srv.URL())
	require.Equal(t, "127.0.0.1:9876", get(srv.URL()))
	e.Set("127.0.0.1:9876", "127.0.0.1:9877")
	require.Equal(t, "127.0.0.1:9876;127.0.0.1:9877", get(srv.URL()))
	require.Equal(t, "127.0.0.1:9876;127.0.0.1:9877", get(srv.URL()+"-unit?nofix=1"))
}
