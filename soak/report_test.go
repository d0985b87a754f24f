package soak

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestGCLogReadsTrace: the live heap and the wall time of each collection come from the
// runtime's trace lines, and the server's other lines pass through.
func TestGCLogReadsTrace(t *testing.T) {
	trace := strings.Join([]string{
		"gc 1 @0.108s 0%: 1.8+0.72+0.013 ms clock, 3.6+1.5/0.20/0+0.027 ms cpu, 3->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P",
		`{"level":"ERROR","msg":"something"}`,
		"gc 2 @0.116s 1%: 0.5+4.0+0.5 ms clock, 0.92+0/0.71/1.2+0.013 ms cpu, 30->40->12 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P",
	}, "\n")
	var g gcLog
	var rest bytes.Buffer
	g.read(strings.NewReader(trace), &rest)
	require.Equal(t, "{\"level\":\"ERROR\",\"msg\":\"something\"}\n", rest.String())
	require.Equal(t, []int64{1, 12}, g.live)
	require.Equal(t, []time.Duration{2533 * time.Microsecond, 5 * time.Millisecond}, g.took)
	require.Equal(t, "5.00% (1 collections, longest 5ms)", g.inGC(1, 2, 100*time.Millisecond))
}

// TestTimeline: each step gives the RSS sampled last before it and the live heap of the last
// collection before it.
func TestTimeline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rss := []sample{{t0, 10 << 10}, {t0.Add(59 * time.Second), 20 << 10}, {t0.Add(61 * time.Second), 30 << 10}, {t0.Add(119 * time.Second), 40 << 10}}
	g := gcLog{live: []int64{5, 6, 7}, at: []time.Time{t0.Add(30 * time.Second), t0.Add(90 * time.Second), t0.Add(150 * time.Second)}}
	require.Equal(t, "1m0s: 20/5, 2m0s: 40/6", timeline(rss, &g, t0, t0.Add(2*time.Minute), time.Minute))
}
