package soak

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// peerProcessEnv, set in the environment of this test binary, makes it the hostile peers'
// process instead of running tests (see TestMain): the soak starts the peers in a process of
// their own, as they would be on another machine, so that they share neither the scheduler nor
// the garbage collector of the good producer and consumer whose latency the soak measures.
const peerProcessEnv = "ROCKETSIM_SOAK_PEER_PROCESS"

// peerPlan is what the soak tells the peers' process, as JSON in peerProcessEnv.
type peerPlan struct {
	Addrs []string   `json:"addrs"`
	Peers int        `json:"peers"`
	Kinds []peerKind `json:"kinds"`
}

// peerReport is what the peers' process says on its way out, as one JSON line on stdout.
type peerReport struct {
	Dials          [peerKinds]int64 `json:"dials"`
	ClosedByServer [peerKinds]int64 `json:"closedByServer"`
	DialFailures   int64            `json:"dialFailures"`
	BytesSent      int64            `json:"bytesSent"`
}

// runPeerProcess is the peers' process: it runs plan's peers until its stdin ends (the soak
// closes it, or dies) or it gets SIGINT or SIGTERM, then writes its report to out.
func runPeerProcess(planJSON string, in io.Reader, out io.Writer) int {
	var plan peerPlan
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil || len(plan.Kinds) == 0 {
		fmt.Fprintf(os.Stderr, "%s: bad plan %q: %v\n", peerProcessEnv, planJSON, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, in)
		stop()
	}()
	h := startHostile(ctx, plan.Addrs, plan.Peers, plan.Kinds)
	<-ctx.Done()
	h.wait()
	var r peerReport
	for k := range peerKinds {
		r.Dials[k] = h.stats.dials[k].Load()
		r.ClosedByServer[k] = h.stats.closedByServer[k].Load()
	}
	r.DialFailures, r.BytesSent = h.stats.dialFailures.Load(), h.stats.bytesSent.Load()
	if err := json.NewEncoder(out).Encode(r); err != nil {
		return 1
	}
	return 0
}

// peerProcess is the hostile peers' process, started by the soak.
type peerProcess struct {
	pid    int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	report chan peerReport
}

// startPeers runs n peers of kinds against addrs in a process of their own: this test binary
// again, which TestMain turns into the peers' process. They run until stop.
func startPeers(t *testing.T, addrs []string, n int, kinds []peerKind) *peerProcess {
	t.Helper()
	plan, err := json.Marshal(peerPlan{Addrs: addrs, Peers: n, Kinds: kinds})
	require.NoError(t, err)
	p := &peerProcess{report: make(chan peerReport, 1)}
	p.cmd = exec.Command(os.Args[0])
	p.cmd.Env = append(os.Environ(), peerProcessEnv+"="+string(plan))
	p.cmd.Stderr = os.Stderr
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	p.pid = p.cmd.Process.Pid
	go func() {
		var r peerReport
		_ = json.NewDecoder(stdout).Decode(&r) // a zero report if the process died
		p.report <- r
	}()
	t.Cleanup(func() {
		// Stopped already, or the test failed before: the process must not outlive it.
		_ = p.stdin.Close()
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
	return p
}

// stop tells the peers to stop, by closing their process's stdin, and returns their report.
func (p *peerProcess) stop(t *testing.T) peerReport {
	t.Helper()
	require.NoError(t, p.stdin.Close())
	var r peerReport
	select {
	case r = <-p.report:
	case <-time.After(30 * time.Second):
		require.FailNow(t, "the peers' process did not stop within 30 s of its stdin closing")
	}
	require.NoError(t, p.cmd.Wait(), "the peers' process")
	return r
}

// peerKind is one way a hostile peer misbehaves.
type peerKind int

const (
	// junk writes random bytes, a frame's length word first, and reads until the server closes.
	junk peerKind = iota
	// halfOpen connects and says nothing, holding the connection until the server closes it.
	halfOpen
	// trickle announces a frame and sends it one byte per trickleEvery, never finishing.
	trickle
	// oversize announces a frame of 2 GiB and sends the first 64 KiB of it.
	oversize
	// floodNoRead pipelines well-formed requests and never reads an answer.
	floodNoRead
	peerKinds
)

var peerKindNames = [peerKinds]string{"junk", "half-open", "trickle", "oversize", "flood-no-read"}

const (
	// trickleEvery is how often a trickling peer sends its next byte.
	trickleEvery = time.Second
	// redialDelay is how soon a peer comes back after the server closed it: a thousand peers
	// make a thousand new connections a second, hostile without turning the soak into a
	// measure of the test machine's own CPU.
	redialDelay = time.Second
)

// hostileStats counts what the hostile peers did and what the servers did to them.
type hostileStats struct {
	dials          [peerKinds]atomic.Int64
	dialFailures   atomic.Int64
	closedByServer [peerKinds]atomic.Int64 // the server closed (a read or write failed before we stopped)
	bytesSent      atomic.Int64
}

// hostile runs n peers, spread over the kinds and over addrs, until ctx ends; each redials after
// the server closes it. Wait returns when every peer has stopped.
type hostile struct {
	stats hostileStats
	wg    sync.WaitGroup
}

func startHostile(ctx context.Context, addrs []string, n int, kinds []peerKind) *hostile {
	h := &hostile{}
	for i := range n {
		kind := kinds[i%len(kinds)]
		addr := addrs[(i/len(kinds))%len(addrs)]
		h.wg.Go(func() { h.peer(ctx, kind, addr, uint64(i)) })
	}
	return h
}

func (h *hostile) wait() { h.wg.Wait() }

func (h *hostile) peer(ctx context.Context, kind peerKind, addr string, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x50a4))
	var d net.Dialer
	for ctx.Err() == nil {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() == nil {
				h.stats.dialFailures.Add(1)
				sleep(ctx, 100*time.Millisecond) // refused (a connection limit): try again soon
			}
			continue
		}
		h.stats.dials[kind].Add(1)
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		err = h.misbehave(ctx, kind, conn, rng)
		stop()
		conn.Close()
		if ctx.Err() == nil && err != nil {
			h.stats.closedByServer[kind].Add(1)
			sleep(ctx, redialDelay)
		}
	}
}

// misbehave returns when the connection fails (the server closed it) or ctx ends.
func (h *hostile) misbehave(ctx context.Context, kind peerKind, conn net.Conn, rng *rand.Rand) error {
	write := func(b []byte) error {
		n, err := conn.Write(b)
		h.stats.bytesSent.Add(int64(n))
		return err
	}
	switch kind {
	case junk:
		// A slice of random bytes made once: a thousand peers filling fresh buffers byte by
		// byte took the test process's CPU from the good client the soak measures.
		n := 1 + rng.IntN(8192)
		at := rng.IntN(len(junkBytes) - n)
		if err := write(junkBytes[at : at+n]); err != nil {
			return err
		}
		_, err := io.Copy(io.Discard, conn)
		if err == nil {
			err = io.EOF
		}
		return err
	case halfOpen:
		_, err := io.Copy(io.Discard, conn)
		if err == nil {
			err = io.EOF
		}
		return err
	case trickle:
		frame := routeFrame(rng.Int32())
		for i := 0; ctx.Err() == nil; i = (i + 1) % (len(frame) - 1) { // never the last byte
			if err := write(frame[i : i+1]); err != nil {
				return err
			}
			if !sleep(ctx, trickleEvery) {
				return nil
			}
		}
		return nil
	case oversize:
		if err := write(oversizeFrame); err != nil {
			return err
		}
		_, err := io.Copy(io.Discard, conn)
		if err == nil {
			err = io.EOF
		}
		return err
	case floodNoRead:
		// Frames by the 64 KiB, encoded once: the peer's CPU goes to the server, not to itself.
		var batch []byte
		for opaque := int32(1); len(batch) < 64<<10; opaque++ {
			batch = append(batch, routeFrame(opaque)...)
		}
		for ctx.Err() == nil {
			if err := write(batch); err != nil {
				return err
			}
		}
		return nil
	}
	return errors.New("unknown peer kind")
}

var (
	// junkBytes are what junk peers send, each from a random offset.
	junkBytes = func() []byte {
		rng := rand.New(rand.NewPCG(0x50a4, 0x7a4c))
		b := make([]byte, 64<<10)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}()
	// oversizeFrame announces a frame of 2 GiB (with a 16 MiB header) and carries its first
	// 64 KiB.
	oversizeFrame = func() []byte {
		b := make([]byte, 8+64<<10)
		binary.BigEndian.PutUint32(b[:4], 1<<31-1)
		binary.BigEndian.PutUint32(b[4:], 1<<24-1)
		return b
	}()
)

// routeFrame is a well-formed GET_ROUTEINFO_BY_TOPIC request, as a client would send it.
func routeFrame(opaque int32) []byte {
	cmd := protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic, protocol.GetRouteInfoRequestHeader{Topic: "Soak"}, nil)
	cmd.Opaque = opaque
	b, err := cmd.Encode()
	if err != nil {
		panic(err) // a fixed, valid command
	}
	return b
}

// sleep waits d or until ctx ends, and says whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
