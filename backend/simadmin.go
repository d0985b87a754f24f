package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fault"
)

// SimAdmin is a cluster that rocketsim serves in another process (sim serve, or sim proxy in
// front of any cluster): reached over the wire through its name server as Remote is, and driven
// through its admin HTTP API (docs/admin-api.md) for what only the admin API can do: crash a
// broker and bring it back (POST /v1/brokers/{name}/stop and start), add and clear fault rules,
// and mark the timeline (POST /v1/marks). The admin API has no clean stop, no silence and no
// black hole: those answer errors.ErrUnsupported, as the request history does (read it with
// GET /v1/history).
type SimAdmin struct {
	*Remote
	base    string // the admin API's base URL, without a trailing slash
	token   string
	hc      *http.Client
	timeout time.Duration
}

var _ Cluster = (*SimAdmin)(nil)

// SimAdminTimeout bounds each admin API call; a broker start waits for the name server to list
// the broker again, which the admin API bounds at adminhttp.ActionTimeout.
const SimAdminTimeout = adminhttp.ActionTimeout + 5*time.Second

// NewSimAdmin returns the cluster behind the name server at nsAddr whose admin API is at
// adminURL ("http://host:port"), called with token as its bearer token when not empty.
func NewSimAdmin(nsAddr, adminURL, token string) (*SimAdmin, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin API URL %q: want http://HOST:PORT", adminURL)
	}
	return &SimAdmin{Remote: NewRemote(nsAddr), base: strings.TrimRight(adminURL, "/"), token: token,
		hc: &http.Client{}, timeout: SimAdminTimeout}, nil
}

// call sends one admin API request and fails on any answer but 2xx, with the answer's error.
func (s *SimAdmin) call(ctx context.Context, method, path string, body any) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return fmt.Errorf("admin API: %s %s: %d %s", method, path, resp.StatusCode, e.Error)
	}
	return fmt.Errorf("admin API: %s %s: %s", method, path, resp.Status)
}

// Crash takes the broker offline as the admin API's stop does: as a crash.
func (s *SimAdmin) Crash(ctx context.Context, broker string) error {
	return s.call(ctx, http.MethodPost, "/v1/brokers/"+url.PathEscape(broker)+"/stop", nil)
}

// Stop is unsupported: the admin API's stop is a crash, not a clean stop that unregisters.
func (s *SimAdmin) Stop(context.Context, string) error {
	return unsupported("a clean stop (the admin API stops a broker as a crash)", "sim admin")
}

// Restart brings the broker back; it returns once the name server lists it again.
func (s *SimAdmin) Restart(ctx context.Context, broker string) error {
	return s.call(ctx, http.MethodPost, "/v1/brokers/"+url.PathEscape(broker)+"/start", nil)
}

func (s *SimAdmin) Silence(context.Context, string, bool) error {
	return unsupported("silencing a broker", "sim admin")
}

// AddFault adds the rule through POST /v1/faults.
func (s *SimAdmin) AddFault(target string, r fault.Rule) error {
	return s.call(context.Background(), http.MethodPost, "/v1/faults", adminhttp.FaultRequest{Target: target, Rule: r})
}

// ClearFaults clears every rule through DELETE /v1/faults.
func (s *SimAdmin) ClearFaults() error {
	return s.call(context.Background(), http.MethodDelete, "/v1/faults", nil)
}

// Mark puts a labelled mark on the served cluster's timeline (POST /v1/marks).
func (s *SimAdmin) Mark(ctx context.Context, label string) error {
	return s.call(ctx, http.MethodPost, "/v1/marks", adminhttp.MarkRequest{Label: label})
}
