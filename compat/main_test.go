package compat

import (
	"testing"

	"github.com/apache/rocketmq-client-go/v2/rlog"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/compat/internal/officialleaks"
)

func TestMain(m *testing.M) {
	// The official client logs through a process-wide logrus logger at info level.
	rlog.SetLogLevel("error")
	goleak.VerifyTestMain(cleanAfterRun{m}, officialleaks.Options()...)
}

// cleanAfterRun removes what the tests built for the whole run (the Java peer's classes) and
// stops the real cluster the proxy tests share, once every test is done, before goleak looks
// for leftover goroutines.
type cleanAfterRun struct{ m *testing.M }

func (c cleanAfterRun) Run() int {
	defer javaPeerCleanup()
	return realCluster.Run(c.m)
}
