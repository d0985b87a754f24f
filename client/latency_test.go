package client

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLatencyTablePenalties(t *testing.T) {
	cases := []struct {
		latency, want time.Duration
	}{
		{0, 0},
		{49 * time.Millisecond, 0},
		{100 * time.Millisecond, 0},
		{549 * time.Millisecond, 0},
		{550 * time.Millisecond, 30 * time.Second},
		{time.Second, 60 * time.Second},
		{2500 * time.Millisecond, 120 * time.Second},
		{3 * time.Second, 180 * time.Second},
		{isolationLatency, 600 * time.Second},
	}
	for _, c := range cases {
		require.Equal(t, c.want, DefaultLatencyTable.penalty(c.latency), "latency %v", c.latency)
	}
}

func TestIsolatedBrokerComesBackAfterTenMinutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newLatencyFaults(DefaultLatencyTable)
		require.True(t, f.isAvailable("broker-a"), "unknown brokers are available")
		f.record("broker-a", 0, true)
		require.False(t, f.isAvailable("broker-a"))
		time.Sleep(600*time.Second - time.Millisecond)
		require.False(t, f.isAvailable("broker-a"))
		time.Sleep(time.Millisecond)
		require.True(t, f.isAvailable("broker-a"))
	})
}

func TestSlowBrokerIsBenchedForItsPenalty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newLatencyFaults(DefaultLatencyTable)
		f.record("broker-a", 600*time.Millisecond, false)
		f.record("broker-b", 20*time.Millisecond, false)
		require.False(t, f.isAvailable("broker-a"))
		require.True(t, f.isAvailable("broker-b"))
		time.Sleep(30 * time.Second)
		require.True(t, f.isAvailable("broker-a"))
		f.remove("broker-a")
		require.True(t, f.isAvailable("broker-a"))
	})
}

func TestPickOneAtLeastPrefersTheBetterHalf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newLatencyFaults(DefaultLatencyTable)
		require.Equal(t, "", f.pickOneAtLeast())
		f.record("slow", 3*time.Second, false)
		require.Equal(t, "slow", f.pickOneAtLeast(), "a single item is always the pick")
		f.record("fast", 600*time.Millisecond, false)
		f.record("dead", 0, true)
		f.record("meh", time.Second, false)
		for range 20 {
			// two of the four are in the better half: lowest latencies among the unavailable
			require.Contains(t, []string{"fast", "meh"}, f.pickOneAtLeast())
		}
	})
}
