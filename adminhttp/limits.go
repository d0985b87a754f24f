package adminhttp

import (
	"net/http"

	"github.com/rocketsim/rocketsim/remoting"
)

// LimitSettings are a server's limits as GET /v1/limits shows them (0: none).
type LimitSettings struct {
	MaxConnections      int    `json:"maxConnections"`
	MaxInflightRequests int    `json:"maxInflightRequests"`
	MaxFrameSize        int    `json:"maxFrameSize"`
	MaxHeaderSize       int    `json:"maxHeaderSize"`
	MaxUnwrittenBytes   int    `json:"maxUnwrittenBytes"`
	IdleTimeoutMs       int64  `json:"idleTimeoutMs"`
	FrameReadTimeoutMs  int64  `json:"frameReadTimeoutMs"`
	TLSMode             string `json:"tlsMode"`
}

// ServerLimits is one server in GET /v1/limits: its limits and what they refused so far.
type ServerLimits struct {
	Target   string                 `json:"target"`
	Addr     string                 `json:"addr"`
	Settings LimitSettings          `json:"settings"`
	Counters remoting.LimitCounters `json:"counters"`
}

// NewServerLimits reads a server's limits through limits (Server.Limits of the fakes).
func NewServerLimits(target, addr string, limits func() (remoting.LimitSettings, remoting.LimitCounters)) ServerLimits {
	s, c := limits()
	return ServerLimits{
		Target: target,
		Addr:   addr,
		Settings: LimitSettings{
			MaxConnections:      s.MaxConnections,
			MaxInflightRequests: s.MaxInflightRequests,
			MaxFrameSize:        s.MaxFrameSize,
			MaxHeaderSize:       s.MaxHeaderSize,
			MaxUnwrittenBytes:   s.MaxUnwrittenBytes,
			IdleTimeoutMs:       s.IdleTimeout.Milliseconds(),
			FrameReadTimeoutMs:  s.FrameReadTimeout.Milliseconds(),
			TLSMode:             s.TLSMode.String(),
		},
		Counters: c,
	}
}

// RegisterLimits serves GET /v1/limits on mux: {"servers":[ServerLimits...]}, the name server
// first.
func RegisterLimits(mux *Mux, limits func() []ServerLimits) {
	mux.HandleFunc("GET /v1/limits", "each server's connection and frame limits and what they refused", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"servers": limits()})
	})
}
