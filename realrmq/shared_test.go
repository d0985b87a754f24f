package realrmq

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The launching side of Shared is what every test of this package (and of conformance) runs
// on; this is the side no JVM shows: a cluster closed before anyone asked for it.
func TestSharedClosedBeforeStartNeverStarts(t *testing.T) {
	s := NewShared("realrmq-never", WithBrokers(1))
	require.Equal(t, "real RocketMQ (shared): not launched", s.String())
	require.NoError(t, s.Close(true, t.Fatalf), "nothing to stop, no logs to print")
	c, err := s.Start()
	require.ErrorIs(t, err, errSharedClosed)
	require.Nil(t, c)
	require.Nil(t, s.Client())
	require.Empty(t, s.WorkDir())
	require.Contains(t, s.String(), "not running")
	require.NoError(t, s.Close(false, t.Fatalf), "again")
}

// Run closes the cluster after the tests, and a run whose tests failed keeps its exit code.
func TestSharedRunClosesAfterTheTests(t *testing.T) {
	s := NewShared("realrmq-never")
	code := s.Run(runFunc(func() int {
		require.Equal(t, "real RocketMQ (shared): not launched", s.String(), "still open while the tests run")
		return 3
	}))
	require.Equal(t, 3, code)
	_, err := s.Start()
	require.ErrorIs(t, err, errSharedClosed)
}

type runFunc func() int

func (f runFunc) Run() int { return f() }
