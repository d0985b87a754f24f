package throttle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PerSecond events a second go through; the count of the rest comes with the next one that
// does, once, or from Held at the end.
func TestWindow(t *testing.T) {
	w := Window{PerSecond: 10}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	passed := 0
	for i := range 15 {
		ok, held := w.Admit(t0.Add(time.Duration(i) * time.Millisecond))
		require.Zero(t, held)
		if ok {
			passed++
		}
	}
	require.Equal(t, 10, passed)
	ok, held := w.Admit(t0.Add(999 * time.Millisecond))
	require.False(t, ok)
	require.Zero(t, held)
	ok, held = w.Admit(t0.Add(time.Second))
	require.True(t, ok, "a new second lets events through again")
	require.Equal(t, 15+1-10, held)
	_, held = w.Admit(t0.Add(1500 * time.Millisecond))
	require.Zero(t, held, "counted once")

	for i := range 20 {
		w.Admit(t0.Add(1600*time.Millisecond + time.Duration(i)))
	}
	require.Equal(t, 12, w.Held(), "held back at the end")
	require.Zero(t, w.Held())

	every := Window{}
	for range 100 {
		ok, _ := every.Admit(t0)
		require.True(t, ok)
	}
}
