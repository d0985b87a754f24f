//go:build !linux

package scenarios

import (
	"errors"
	"fmt"
)

// socketKeepAlive reads a socket's SO_KEEPALIVE through /proc, which only Linux has.
func socketKeepAlive(string) (bool, error) {
	return false, fmt.Errorf("reading a socket's options: %w on this OS", errors.ErrUnsupported)
}
