package scenarios

import (
	"os"
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
	default:
		t.Fatalf("ROCKETSIM_BACKEND=%q: unknown backend (known: fake)", name)
		return nil
	}
}

// TestFeatures runs every feature in ../features, scenarios in random order, each as a subtest.
// GODOG_TAGS filters scenarios (godog's tag expression), for example "@fake-only".
func TestFeatures(t *testing.T) {
	backend := backendFromEnv(t)
	tags := os.Getenv("GODOG_TAGS")
	if !backend.Virtual() {
		tags = strings.Trim(tags+" && ~@fake-only", " &")
	}
	stats := &suiteStats{}
	start := time.Now()
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
	if suite.Run() != 0 {
		t.Error("the feature suite failed")
	}
	t.Logf("backend %s: %d scenarios in %v of wall time, %v of simulated time",
		backend.Name(), stats.scenarios, time.Since(start).Round(time.Millisecond), stats.simulated)
}
