package scenarios

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
)

// backendFromEnv picks the backend named by ROCKETSIM_BACKEND (default: the fakes).
func backendFromEnv(t *testing.T) Backend {
	switch name := os.Getenv("ROCKETSIM_BACKEND"); name {
	case "", "fake":
		return fakeBackend{}
	case "real":
		r := newRealBackend()
		r.prepare(t)
		t.Cleanup(func() { r.close(t) })
		return r
	default:
		t.Fatalf("ROCKETSIM_BACKEND=%q: unknown backend (known: fake, real)", name)
		return nil
	}
}

// TestFeatures runs every feature in ../features, scenarios in random order, each as a subtest.
// A line that matches no step stops it before any scenario runs, with the steps nearest to it.
// GODOG_TAGS filters scenarios (godog's tag expression), for example "@exact-time". A backend
// with real time (ROCKETSIM_BACKEND=real) leaves out the scenarios tagged with one of
// leftOut's reasons, and says how many per reason. On the fakes, @tcp scenarios (about
// sockets) run without a bubble, on a cluster over loopback TCP.
func TestFeatures(t *testing.T) {
	backend := backendFromEnv(t)
	tags := os.Getenv("GODOG_TAGS")
	var skipped []string
	if !backend.Virtual() {
		skipped = slices.Sorted(maps.Keys(leftOut))
		for _, tag := range skipped {
			tags += " && ~" + tag
		}
		tags = strings.Trim(tags, " &")
	}
	start := time.Now()
	lines, err := readFeatures(nil, "../features")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backend %s: %s", backend.Name(), scenarioCounts(lines, skipped))
	if undefined := undefinedLines(compile((&World{}).steps()), lines); len(undefined) > 0 {
		t.Fatalf("%d lines of the features match no step:\n%s", len(undefined), strings.Join(undefined, "\n"))
	}
	stats := &suiteStats{}
	suite := godog.TestSuite{
		Name:                "rocketsim",
		ScenarioInitializer: initializeScenario(t, backend, stats),
		Options: &godog.Options{
			Format:    "progress",
			Output:    colors.Uncolored(os.Stdout),
			Paths:     []string{"../features"},
			Tags:      tags,
			Strict:    true,
			Randomize: -1,
			TestingT:  t,
		},
	}
	if backend.Virtual() {
		// Each scenario on the fakes has a bubble and a cluster of its own: they run side by
		// side, one per core (real servers are shared, one scenario at a time).
		suite.Options.Concurrency = runtime.GOMAXPROCS(0)
	}
	if suite.Run() != 0 {
		t.Error("the feature suite failed")
	}
	wall := time.Since(start).Round(time.Millisecond)
	if backend.Virtual() {
		t.Logf("backend %s: %d scenarios in %v of wall time, %v of simulated time in their bubbles",
			backend.Name(), stats.ran(), wall, stats.simulated)
	} else {
		t.Logf("backend %s: scenarios in %v of wall time (tags %q)", backend.Name(), wall, tags)
	}
	t.Logf("backend %s: %s", backend.Name(), stats.summary())
	for _, f := range stats.failedScenarios() {
		t.Logf("failed: %s", f)
	}
}

// scenarioCounts says how many scenarios the backend runs and how many it leaves out, per tag
// in skipped (with leftOut's reason), counted from the features as godog runs them (one per
// example of an outline).
func scenarioCounts(lines []featureLine, skipped []string) string {
	seen := map[string]bool{}
	out := map[string]int{}
	total := 0
	for _, l := range lines {
		if seen[l.pickle] {
			continue
		}
		seen[l.pickle] = true
		total++
		for _, tag := range skipped {
			if slices.Contains(l.tags, tag) {
				out[tag]++
				break
			}
		}
	}
	left := 0
	var why []string
	for _, tag := range skipped {
		if out[tag] > 0 {
			left += out[tag]
			why = append(why, fmt.Sprintf("%d %s (%s)", out[tag], tag, leftOut[tag]))
		}
	}
	s := fmt.Sprintf("%d of %d scenarios run, %d left out", total-left, total, left)
	if len(why) > 0 {
		s += ": " + strings.Join(why, "; ")
	}
	return s
}
