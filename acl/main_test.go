package acl

import (
	"testing"

	"go.uber.org/goleak"
)

// The watcher runs on its caller's goroutine; the tests that start one must stop it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
