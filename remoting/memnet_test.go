package remoting

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMemNetworkListenAddresses(t *testing.T) {
	n := NewMemNetwork()
	cases := []struct {
		listen string
		want   string // "" = error
	}{
		{"broker-a:10911", "broker-a:10911"},
		{"broker-a:10911", ""}, // in use
		{"broker-a:0", "broker-a:20001"},
		{"broker-a:0", "broker-a:20002"},
		{":0", "127.0.0.1:20003"},
		{"127.0.0.1:9876", "127.0.0.1:9876"},
		{"no-port", ""},
		{"host:99999", ""},
	}
	for _, tc := range cases {
		l, err := n.Listen(tc.listen)
		if tc.want == "" {
			require.Error(t, err, tc.listen)
			continue
		}
		require.NoError(t, err, tc.listen)
		defer l.Close()
		require.Equal(t, tc.want, l.Addr().String())
	}
	_, err := n.Listen("broker-a:10911")
	require.ErrorIs(t, err, syscall.EADDRINUSE)
}

func TestMemNetworkDialAcceptExchange(t *testing.T) {
	n := NewMemNetwork()
	l, err := n.Listen("srv:1")
	require.NoError(t, err)
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		require.NoError(t, err)
		accepted <- c
	}()
	client, err := n.Dial(t.Context(), "tcp", "srv:1")
	require.NoError(t, err)
	server := <-accepted
	defer client.Close()
	defer server.Close()

	require.Equal(t, "srv:1", client.RemoteAddr().String())
	require.Equal(t, client.LocalAddr().String(), server.RemoteAddr().String())
	host, _, err := net.SplitHostPort(client.LocalAddr().String())
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host, "dialers look like loopback peers")

	_, err = client.Write([]byte("ping"))
	require.NoError(t, err)
	buf := make([]byte, 16)
	k, err := server.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "ping", string(buf[:k]))
}

func TestMemNetworkRefusesAtOnce(t *testing.T) {
	n := NewMemNetwork()
	_, err := n.Dial(t.Context(), "tcp", "nobody:1")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	require.Equal(t, "dial", op.Op)
}

func TestMemListenerClose(t *testing.T) {
	n := NewMemNetwork()
	l, err := n.Listen("srv:1")
	require.NoError(t, err)
	// Dialed but never accepted: reset when the listener closes.
	pending, err := n.Dial(t.Context(), "tcp", "srv:1")
	require.NoError(t, err)
	defer pending.Close()

	srvEnd, err := l.Accept()
	require.NoError(t, err)
	defer srvEnd.Close()
	acceptErr := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		acceptErr <- err
	}()
	require.NoError(t, l.Close())
	require.ErrorIs(t, <-acceptErr, net.ErrClosed)
	require.NoError(t, l.Close(), "closing twice is fine")

	_, err = n.Dial(t.Context(), "tcp", "srv:1")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	l2, err := n.Listen("srv:1")
	require.NoError(t, err, "the address is free again")
	require.NoError(t, l2.Close())
}

func TestMemListenerCloseResetsBacklog(t *testing.T) {
	n := NewMemNetwork()
	l, err := n.Listen("srv:1")
	require.NoError(t, err)
	c, err := n.Dial(t.Context(), "tcp", "srv:1")
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, l.Close())
	_, err = c.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)
	_, err = c.Write([]byte("x"))
	require.ErrorIs(t, err, syscall.EPIPE)
}

func memPair(t *testing.T, n *MemNetwork) (client, server net.Conn) {
	t.Helper()
	l, err := n.Listen("pair:0")
	require.NoError(t, err)
	defer l.Close()
	client, err = n.Dial(t.Context(), "tcp", l.Addr().String())
	require.NoError(t, err)
	server, err = l.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return client, server
}

func TestMemConnCloseSemantics(t *testing.T) {
	n := NewMemNetwork()
	client, server := memPair(t, n)
	_, err := client.Write([]byte("last words"))
	require.NoError(t, err)
	require.NoError(t, client.Close())

	got, err := io.ReadAll(server)
	require.NoError(t, err, "the peer reads what was buffered, then EOF")
	require.Equal(t, "last words", string(got))
	_, err = server.Write([]byte("anyone?"))
	require.ErrorIs(t, err, syscall.EPIPE)

	_, err = client.Read(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = client.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)
	require.NoError(t, client.Close())
}

func TestMemConnCloseUnblocksReadAndWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := NewMemNetwork()
		n.SetBufferSize(8)
		client, server := memPair(t, n)
		readErr := make(chan error, 1)
		go func() {
			_, err := server.Read(make([]byte, 1))
			readErr <- err
		}()
		writeErr := make(chan error, 1)
		go func() {
			_, err := server.Write(make([]byte, 100)) // more than the buffer: blocks
			writeErr <- err
		}()
		synctest.Wait()
		require.NoError(t, server.Close())
		require.ErrorIs(t, <-readErr, net.ErrClosed)
		require.ErrorIs(t, <-writeErr, net.ErrClosed)
		_ = client
	})
}

func TestMemConnDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := NewMemNetwork()
		client, server := memPair(t, n)
		start := time.Now()
		require.NoError(t, server.SetReadDeadline(start.Add(5*time.Second)))
		_, err := server.Read(make([]byte, 1))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.Equal(t, 5*time.Second, time.Since(start))

		// Still expired until reset.
		_, err = server.Read(make([]byte, 1))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.NoError(t, server.SetReadDeadline(time.Time{}))
		go func() {
			time.Sleep(time.Minute)
			_, _ = client.Write([]byte("late"))
		}()
		buf := make([]byte, 8)
		k, err := server.Read(buf)
		require.NoError(t, err)
		require.Equal(t, "late", string(buf[:k]))

		// A deadline moved while a read waits applies to that read.
		start = time.Now()
		require.NoError(t, server.SetReadDeadline(start.Add(time.Hour)))
		go func() {
			time.Sleep(time.Second)
			_ = server.SetReadDeadline(time.Now().Add(time.Second))
		}()
		_, err = server.Read(buf)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.Equal(t, 2*time.Second, time.Since(start))

		// Writes: a full buffer and a deadline.
		n.SetBufferSize(4)
		c2, _ := memPair(t, n)
		require.NoError(t, c2.SetWriteDeadline(time.Now().Add(time.Second)))
		k, err = c2.Write([]byte("0123456789"))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.Equal(t, 4, k, "what fitted was written")

		require.NoError(t, c2.SetDeadline(time.Now().Add(-time.Second)))
		_, err = c2.Read(buf)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	})
}

func TestMemConnBackPressureAndBulkTransfer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := NewMemNetwork()
		n.SetBufferSize(1 << 10)
		client, server := memPair(t, n)
		data := make([]byte, 3<<20)
		_, _ = rand.Read(data)
		wrote := make(chan error, 1)
		go func() {
			_, err := client.Write(data)
			wrote <- err
		}()
		synctest.Wait()
		select {
		case <-wrote:
			t.Fatal("a write bigger than the buffer finished with nobody reading")
		default:
		}
		got := make([]byte, 0, len(data))
		buf := make([]byte, 777) // odd size: reads and writes interleave at odd offsets
		for len(got) < len(data) {
			k, err := server.Read(buf)
			require.NoError(t, err)
			got = append(got, buf[:k]...)
		}
		require.NoError(t, <-wrote)
		require.True(t, bytes.Equal(data, got))
	})
}

func TestMemNetworkBlackHole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := NewMemNetwork()
		l, err := n.Listen("srv:1")
		require.NoError(t, err)
		defer l.Close()
		n.SetBlackHole("srv:1", true)
		ctx, cancel := context.WithTimeout(t.Context(), 7*time.Second)
		defer cancel()
		start := time.Now()
		_, err = n.Dial(ctx, "tcp", "srv:1")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 7*time.Second, time.Since(start))

		n.SetBlackHole("srv:1", false)
		c, err := n.Dial(t.Context(), "tcp", "srv:1")
		require.NoError(t, err)
		require.NoError(t, c.Close())
	})
}
