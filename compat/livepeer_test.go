package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

// livePeer is a JVM the test talks to while it runs: its lines are read as they come (a test
// waits for a line, not for the JVM to exit), and commands go to its stdin.
type livePeer struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  lockedBuffer
	logRoot string
	cancel  context.CancelFunc
	read    chan struct{} // closed once stdout ended

	mu      sync.Mutex
	lines   []peerLine
	changed chan struct{} // closed and replaced at every new line
	bad     error         // a line that is not JSON
}

// startLive starts `java rocketsim.JavaPeer nameServer args...` with stdin open; the JVM is
// killed and reaped when the test ends, if finish did not end it.
func (p *javaPeer) startLive(tb testing.TB, jvmFlags []string, nameServer string, args ...string) *livePeer {
	tb.Helper()
	r := &livePeer{logRoot: tb.TempDir(), read: make(chan struct{}), changed: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), javaRunTimeout)
	r.cancel = cancel
	argv := slices.Concat(javaJVMFlags, jvmFlags, []string{
		"-Drocketmq.client.logRoot=" + r.logRoot,
		"-Drocketmq.client.logLevel=WARN",
		"-cp", p.classpath, "rocketsim.JavaPeer", nameServer,
	}, args)
	r.cmd = exec.CommandContext(ctx, p.java, argv...)
	r.cmd.Stderr = &r.stderr
	r.cmd.WaitDelay = 5 * time.Second
	var err error
	r.stdin, err = r.cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, err := r.cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, r.cmd.Start())
	go r.readLines(stdout)
	tb.Cleanup(func() {
		cancel()
		<-r.read
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Wait()
		}
	})
	return r
}

func (r *livePeer) readLines(stdout io.Reader) {
	defer close(r.read)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l peerLine
		err := json.Unmarshal(sc.Bytes(), &l)
		r.mu.Lock()
		if err != nil && r.bad == nil {
			r.bad = fmt.Errorf("peer line %q: %w", sc.Text(), err)
		}
		if err == nil {
			r.lines = append(r.lines, l)
		}
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
	}
}

// snapshot returns the lines so far; a line the peer marked as failed, or one that is not
// JSON, fails the test.
func (r *livePeer) snapshot(tb testing.TB) ([]peerLine, chan struct{}) {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NoError(tb, r.bad)
	for _, l := range r.lines {
		require.Empty(tb, l.Error, "peer %s failed", l.Op)
	}
	return slices.Clone(r.lines), r.changed
}

// await returns the lines once cond holds for them, checking at every new line; it fails the
// test when the JVM exits first or waitDeadline passes.
func (r *livePeer) await(tb testing.TB, what string, cond func([]peerLine) bool) []peerLine {
	tb.Helper()
	return r.awaitWithin(tb, waitDeadline, what, cond)
}

// awaitWithin is await with a deadline of its own.
func (r *livePeer) awaitWithin(tb testing.TB, within time.Duration, what string, cond func([]peerLine) bool) []peerLine {
	tb.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		lines, changed := r.snapshot(tb)
		if cond(lines) {
			return lines
		}
		select {
		case <-changed:
		case <-r.read:
			lines, _ = r.snapshot(tb)
			if cond(lines) {
				return lines
			}
			r.fail(tb, "the java peer exited while waiting for "+what)
		case <-deadline.C:
			r.fail(tb, "timed out waiting for "+what)
		}
	}
}

// send writes one command line to the peer's stdin.
func (r *livePeer) send(tb testing.TB, command string) {
	tb.Helper()
	_, err := io.WriteString(r.stdin, command+"\n")
	require.NoError(tb, err)
}

// finish tells the peer to shut down, waits for its exit and requires a clean one.
func (r *livePeer) finish(tb testing.TB) []peerLine {
	tb.Helper()
	r.send(tb, "quit")
	require.NoError(tb, r.stdin.Close())
	<-r.read
	err := r.cmd.Wait()
	if err != nil {
		r.fail(tb, fmt.Sprintf("java peer exited: %v", err))
	}
	lines, _ := r.snapshot(tb)
	return lines
}

func (r *livePeer) fail(tb testing.TB, msg string) {
	tb.Helper()
	tb.Fatalf("%s\n%s", msg, r.dump())
}

// dump is what the peer printed so far, its stderr and its client log, for a failure.
func (r *livePeer) dump() string {
	r.mu.Lock()
	var out bytes.Buffer
	for _, l := range r.lines {
		b, _ := json.Marshal(l)
		out.Write(b)
		out.WriteByte('\n')
	}
	r.mu.Unlock()
	pr := peerRun{logRoot: r.logRoot}
	return fmt.Sprintf("java peer lines:\n%s\nstderr:\n%s\nclient log:\n%s", out.String(), r.stderr.String(), pr.clientLog())
}

// lockedBuffer is stderr written by exec's copying goroutine and read by a failing test while
// the JVM still runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// explain is dump with the brokers' lock tables of group and their lock requests.
func (r *livePeer) explain(c cluster, group string) string {
	var b strings.Builder
	for _, br := range c.Brokers() {
		fmt.Fprintf(&b, "%s locks: %v\n", br.Name(), br.QueueLocks(group))
		for _, e := range br.History().Entries() {
			if e.Code == remoting.CodeLockBatchMQ || e.Code == remoting.CodeUnlockBatchMQ || e.Code == remoting.CodeGetConsumerListByGroup {
				fmt.Fprintf(&b, "  %v code %d from %s: %d %s\n", e.Time.Format("15:04:05.000"), e.Code, e.Peer, e.ResponseCode, string(e.Body))
			}
		}
	}
	return b.String() + r.dump()
}
