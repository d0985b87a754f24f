//go:build !linux

package proxy

import (
	"errors"
	"fmt"
)

// hole would be a TCP port that swallows connection attempts; only Linux's behaviour with a
// full accept queue (the SYN dropped, not refused) is relied on, elsewhere the proxy has none.
type hole struct{}

func openHole(addr string) (*hole, error) {
	return nil, fmt.Errorf("proxy: a black hole at %s on TCP needs Linux: %w", addr, errors.ErrUnsupported)
}

func (*hole) close() error { return nil }
