//go:build !unix

package remoting

import "net"

// directSocket is the read loop's own use of a socket (direct_unix.go); elsewhere there is
// none, and the writer goroutine writes every frame.
type directSocket struct{}

func newDirectSocket(net.Conn, func()) *directSocket { return nil }

func (*directSocket) tryWrite([]byte) int { return 0 }

func (*directSocket) Read([]byte) (int, error) { return 0, nil }
