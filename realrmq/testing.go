package realrmq

import (
	"context"
	"errors"
	"os"
	"testing"
)

// RequireEnv is the environment variable that turns Start's skip into a failure: set it to 1
// where real servers must run (CI on machines with Java and Maven).
const RequireEnv = "ROCKETSIM_REQUIRE_REAL"

// Start starts a cluster for a test (New, then Cluster.Start) and stops it when the test ends.
// When this machine cannot run real RocketMQ (no java, no mvn, Maven fails) the test is skipped
// with the reason, or fails when ROCKETSIM_REQUIRE_REAL=1. The JVMs' logs go to a t.TempDir()
// folder; if the test failed, their tails are logged before the cluster stops.
//
// Starting the JVMs takes seconds: where the tests of a package allow it, they share one
// cluster through Shared instead.
func Start(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	logDir := t.TempDir() // registered first, so removed after the logs are printed
	opts = append([]Option{WithLogDir(logDir)}, opts...)
	c, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		SkipUnavailable(t, err)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("real RocketMQ logs:\n%s", c.LogTail(40))
		}
		// t.Context is already cancelled here; Close needs none.
		if err := c.Close(); err != nil {
			t.Errorf("realrmq: %v", err)
		}
	})
	return c
}

// SkipUnavailable skips t when err says real RocketMQ cannot run on this machine (it wraps
// ErrUnavailable), unless ROCKETSIM_REQUIRE_REAL=1, in which case t fails. Other errors are
// left to the caller.
func SkipUnavailable(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnavailable) {
		return
	}
	if Required() {
		t.Fatalf("%v (%s=1 requires real RocketMQ)", err, RequireEnv)
	}
	t.Skipf("skipping: %v (set %s=1 to fail instead)", err, RequireEnv)
}

// Required reports whether ROCKETSIM_REQUIRE_REAL=1.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Available reports why real RocketMQ cannot run here (a non-nil error wrapping
// ErrUnavailable), resolving the classpath if needed. It is for TestMain, which has no t.
func Available(ctx context.Context, version string) error {
	if _, err := javaBinary(); err != nil {
		return err
	}
	_, err := Classpath(ctx, version)
	return err
}
