package testkit

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuietWritesNothing(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		require.False(t, Quiet.Enabled(context.Background(), level), level)
	}
}

// service records what Serve does with it.
type service struct {
	served net.Listener
	closed int
}

func (s *service) Start(l net.Listener) error {
	s.served = l
	return nil
}

func (s *service) Close() error {
	s.closed++
	return nil
}

// listener is a net.Listener that never accepts: Serve only hands it over.
type listener struct{ net.Listener }

func (listener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 9876} }

func TestServeStartsNowAndClosesWhenTheTestEnds(t *testing.T) {
	s := &service{}
	l := listener{}
	t.Run("serving", func(t *testing.T) {
		require.Equal(t, "192.0.2.1:9876", Serve(t, s, l))
		require.Equal(t, net.Listener(l), s.served)
		require.Zero(t, s.closed, "still serving while the test runs")
	})
	require.Equal(t, 1, s.closed)
}
