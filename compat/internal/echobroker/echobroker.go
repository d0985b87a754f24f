// Package echobroker is the machine's ceiling for benchmarks: a loopback TCP server that
// answers every request frame with a canned SEND_MESSAGE success and does nothing else, so that
// a client's throughput against it is (almost) the client's own cost.
package echobroker

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/rocketsim/rocketsim/remoting"
)

// Start starts the server on a free loopback port and returns its address; it stops with tb.
// Every answer carries the request's opaque and header encoding, a fixed msgId, queue 0 and
// offset 0; oneway frames get nothing.
func Start(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[conn] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(conn)
			}()
		}
	}()
	tb.Cleanup(func() {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Error(err)
		}
		mu.Lock()
		for conn := range conns {
			_ = conn.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

var canned = map[string]string{
	"msgId":       "7F00000100002A9F0000000000000000",
	"queueId":     "0",
	"queueOffset": "0",
}

func serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	br := bufio.NewReaderSize(conn, 64<<10)
	bw := bufio.NewWriterSize(conn, 64<<10)
	fr := remoting.NewFrameReader(br, 0)
	var frame []byte
	for {
		req, err := fr.ReadCommand()
		if err != nil {
			return
		}
		if !req.IsOneway() {
			resp := remoting.NewResponse(req, remoting.Success, "")
			resp.ExtFields = canned
			if frame, err = resp.AppendFrame(frame[:0]); err != nil {
				return
			}
			if _, err := bw.Write(frame); err != nil {
				return
			}
		}
		// Answers batch up while more requests are already buffered.
		if br.Buffered() == 0 && bw.Flush() != nil {
			return
		}
	}
}
