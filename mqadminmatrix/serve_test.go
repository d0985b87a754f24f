package mqadminmatrix

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// simServe is a `sim serve` process: the fake side of the matrix, as operators run it.
type simServe struct {
	NameSrv string `json:"namesrv"`
	Brokers []struct {
		Name string `json:"name"`
		Addr string `json:"addr"`
	} `json:"brokers"`
}

// broker returns the address of the broker of that name; the test fails when there is none.
func (s *simServe) broker(t *testing.T, name string) string {
	t.Helper()
	i := slices.IndexFunc(s.Brokers, func(b struct {
		Name string `json:"name"`
		Addr string `json:"addr"`
	}) bool {
		return b.Name == name
	})
	if i < 0 {
		t.Fatalf("sim serve has no broker %s: %+v", name, s.Brokers)
	}
	return s.Brokers[i].Addr
}

// startSimServe builds cmd/sim and runs `sim serve` on free loopback ports with the given
// flags (after the name server's and the log level), waits for its ready line and stops it
// (SIGINT, the clean stop) when the test ends.
func startSimServe(t *testing.T, flags ...string) *simServe {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sim")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sim").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/sim: %v\n%s", err, out)
	}
	args := append([]string{"serve", "-namesrv", "127.0.0.1:0", "-log-level", "error"}, flags...)
	c := exec.Command(bin, args...)
	// The fake's name server lists rocketmqHome among its settings only with ROCKETMQ_HOME set,
	// as the real side's does not either (realrmq passes it as a property).
	c.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "ROCKETMQ_HOME=") })
	var stderr strings.Builder
	c.Stderr = &stderr
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// stderr is read only once the process has exited (done closed): its copier has ended.
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = c.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = c.Process.Signal(os.Interrupt)
		select {
		case <-done:
			if waitErr != nil {
				t.Errorf("sim serve stopped with %v; stderr:\n%s", waitErr, stderr.String())
			}
		case <-time.After(20 * time.Second): // its own graceful stop is bounded by 10 s
			_ = c.Process.Kill()
			<-done
			t.Errorf("sim serve did not stop on SIGINT; stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = c.Process.Kill()
		<-done
		t.Fatalf("no ready line from sim serve: %v; stderr:\n%s", err, stderr.String())
	}
	var s simServe
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		t.Fatalf("sim serve's ready line %q: %v", line, err)
	}
	return &s
}
