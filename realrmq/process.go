package realrmq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// process is one server JVM. Its stdout and stderr go to logPath.
type process struct {
	name    string // "namesrv" or the broker name, for messages
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited and its log is closed
	waitErr error         // the exit status; read after done
	// stopping is set before stop or kill signals the process, so that its exit is not
	// taken for a crash.
	stopping atomic.Bool
}

// startProcess starts java with args, its output appended to logPath. The process is not
// tied to any context: it lives until stop. onExit, if not nil, runs once it has exited.
func startProcess(name, java string, args, env []string, dir, logPath string, onExit func(*process)) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("realrmq: start %s: %w", name, err)
	}
	p := &process{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
		if onExit != nil {
			onExit(p)
		}
	}()
	return p, nil
}

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// stop sends SIGTERM (both servers have a shutdown hook that stops cleanly: the broker
// unregisters from the name servers and flushes its store), waits up to grace, then SIGKILL.
func (p *process) stop(grace time.Duration) error {
	p.stopping.Store(true)
	if done, _ := p.exited(); done {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("realrmq: stop %s: %w", p.name, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("realrmq: %s did not stop within %v of SIGTERM; killed", p.name, grace)
}

// kill ends the process at once (SIGKILL) and waits for it: a crash.
func (p *process) kill() {
	p.stopping.Store(true)
	_ = p.cmd.Process.Kill()
	<-p.done
}

// logTail returns the last n lines of the process's log.
func (p *process) logTail(n int) string {
	b, err := readTail(p.logPath, 64<<10)
	if err != nil {
		return fmt.Sprintf("(log %s: %v)", p.logPath, err)
	}
	return tail(string(b), n)
}

// readTail reads at most max bytes from the end of a file.
func readTail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		if _, err := f.Seek(st.Size()-max, io.SeekStart); err != nil {
			return nil, err
		}
	}
	b, err := io.ReadAll(f)
	if st.Size() > max {
		// Drop the partial first line.
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return b, err
}

// ---- ports ----

// Ports are taken below Linux's ephemeral range (32768–60999 by default), so that the kernel
// does not hand one to an outgoing connection between our check and the JVM's bind, and
// remembered for the life of the process so that two clusters never pick the same ones.
const (
	portLow  = 11000
	portHigh = 32000
)

var usedPorts struct {
	mu sync.Mutex
	m  map[int]bool
}

// freePorts returns a port p such that p+off is free on every interface for every off in
// offsets (the servers bind 0.0.0.0).
func freePorts(offsets ...int) (int, error) {
	usedPorts.mu.Lock()
	defer usedPorts.mu.Unlock()
	if usedPorts.m == nil {
		usedPorts.m = map[int]bool{}
	}
	for range 200 {
		p := portLow + 4 + rand.IntN(portHigh-portLow-8)
		if portsFree(p, offsets) {
			for _, off := range offsets {
				usedPorts.m[p+off] = true
			}
			return p, nil
		}
	}
	return 0, errors.New("realrmq: no free loopback ports found")
}

func portsFree(p int, offsets []int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for _, off := range offsets {
		if usedPorts.m[p+off] {
			return false
		}
		l, err := net.Listen("tcp", ":"+strconv.Itoa(p+off))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}

// ---- waiting ----

// poll calls check with a growing pause (10 ms to 500 ms) until it reports done, returns an
// error, or ctx ends. It is for external processes, which offer no event to wait on.
func poll(ctx context.Context, check func() (bool, error)) error {
	pause := 10 * time.Millisecond
	for {
		done, err := check()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(pause*2, 500*time.Millisecond)
	}
}

// dialable reports whether something accepts TCP connections on addr.
func dialable(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
