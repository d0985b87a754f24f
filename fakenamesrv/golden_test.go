package fakenamesrv

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/remoting"
)

// goldenPeer replays frames captured from real peers on a raw connection to the fake.
type goldenPeer struct {
	t    *testing.T
	conn net.Conn
}

func (r *rig) goldenPeer() *goldenPeer {
	c, err := r.mem.Dial(context.Background(), "tcp", r.addr)
	require.NoError(r.t, err)
	r.t.Cleanup(func() { _ = c.Close() })
	return &goldenPeer{t: r.t, conn: c}
}

// send writes the frame as captured; for a request it returns the fake's answer, whole frame.
func (p *goldenPeer) send(f golden.Frame) []byte {
	p.t.Helper()
	_, err := p.conn.Write(f.Bytes)
	require.NoError(p.t, err)
	if f.Kind == "oneway" {
		synctest.Wait()
		return nil
	}
	var word [4]byte
	_, err = io.ReadFull(p.conn, word[:])
	require.NoError(p.t, err, f.Name())
	rest := make([]byte, binary.BigEndian.Uint32(word[:]))
	_, err = io.ReadFull(p.conn, rest)
	require.NoError(p.t, err)
	return append(word[:], rest...)
}

type goldenFrames struct {
	all       []golden.Frame
	responses map[answerKey]golden.Frame
}

// answerKey pairs a response with its request, as the capture did.
type answerKey struct {
	Case   string
	Opaque int32
}

func loadGolden(t *testing.T) goldenFrames {
	g := goldenFrames{all: golden.Load(t), responses: map[answerKey]golden.Frame{}}
	for _, f := range g.all {
		if f.Kind == "response" {
			g.responses[answerKey{f.Case, f.Opaque}] = f
		}
	}
	return g
}

// requests returns the requests (and oneways) to the name server whose case matches, in
// capture order.
func (g goldenFrames) requests(match func(c string) bool) []golden.Frame {
	var out []golden.Frame
	for _, f := range g.all {
		if f.Kind != "response" && f.To == "namesrv-4.9.7" && match(f.Case) {
			out = append(out, f)
		}
	}
	return out
}

// replay sends each request and requires the fake's answer to be the real name server's,
// byte for byte.
func (g goldenFrames) replay(t *testing.T, p *goldenPeer, frames []golden.Frame) {
	t.Helper()
	require.NotEmpty(t, frames)
	for _, f := range frames {
		got := p.send(f)
		if f.Kind == "oneway" {
			continue
		}
		want, ok := g.responses[answerKey{f.Case, f.Opaque}]
		require.True(t, ok, "no captured answer to %s", f.Name())
		if !slices.Equal(want.Bytes, got) {
			wantCmd, _ := remoting.DecodeFrame(want.Bytes, 0)
			gotCmd, _ := remoting.DecodeFrame(got, 0)
			t.Fatalf("%s: answer differs from the real name server's\nwant %v\n got %v\nwant %s\n got %s",
				f.Name(), wantCmd, gotCmd, hex.EncodeToString(want.Bytes), hex.EncodeToString(got))
		}
	}
}

// TestGoldenFrames replays what real clients and a real broker sent a real 4.9.7 name server
// and requires the fake to answer every request exactly as it did: the route queries before
// the topics existed (17 with Java's remark, JSON and ROCKETMQ-binary headers), the broker's
// registrations (periodic and oneway), and the route queries after them, whose bodies are
// standard JSON for the Java client (version 407) and plain fastjson for the Go client (317).
func TestGoldenFrames(t *testing.T) {
	g := loadGolden(t)
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		notExist := g.requests(func(c string) bool { return strings.HasSuffix(c, "-route-topic-not-exist") })
		require.Len(t, notExist, 6)
		g.replay(t, r.goldenPeer(), notExist)

		registrations := g.requests(func(c string) bool { return strings.HasPrefix(c, "broker-register-broker") })
		require.Len(t, registrations, 6)
		g.replay(t, r.goldenPeer(), registrations)
		b, ok := r.ns.Broker("127.0.0.1:20911")
		require.True(t, ok)
		require.Equal(t, BrokerInfo{Cluster: "DefaultCluster", Name: "broker-a", Addr: "127.0.0.1:20911", Online: true,
			LastUpdate: b.LastUpdate, DataVersion: b.DataVersion, HAServerAddr: "192.0.2.2:20912", ConnID: b.ConnID}, b)
		require.Subset(t, r.ns.Topics(), []string{"TBW102", "GoldenTopic", "GoldenBinTopic", "GoldenGoTopic"})

		routes := g.requests(func(c string) bool { return strings.HasSuffix(c, "-route") })
		require.Len(t, routes, 6)
		g.replay(t, r.goldenPeer(), routes)
	})
}

// TestGoldenBrokerRestart replays a broker's shutdown (UNREGISTER_BROKER) and restart.
func TestGoldenBrokerRestart(t *testing.T) {
	g := loadGolden(t)
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		frames := g.requests(func(c string) bool { return strings.HasPrefix(c, "broker-restart-") })
		require.Len(t, frames, 3)
		var regs, unreg []golden.Frame
		for _, f := range frames {
			if f.Code == remoting.CodeRegisterBroker {
				regs = append(regs, f)
			} else {
				unreg = append(unreg, f)
			}
		}
		// The old process's periodic registration, its unregistration on SIGTERM, then the new
		// process's first registration on a connection of its own.
		old := r.goldenPeer()
		g.replay(t, old, regs[:1])
		require.Contains(t, r.ns.Topics(), "DefaultCluster")
		g.replay(t, old, unreg)
		require.Empty(t, r.ns.Brokers())
		require.Empty(t, r.ns.Topics())
		g.replay(t, r.goldenPeer(), regs[1:])
		require.Equal(t, []string{"127.0.0.1:30911"}, onlineAddrs(r.ns))
	})
}
