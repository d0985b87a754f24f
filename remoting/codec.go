package remoting

import (
	"errors"
	"io"
)

// DefaultMaxFrameSize is Java's com.rocketmq.remoting.frameMaxLength default: 16 MiB.
const DefaultMaxFrameSize = 16 << 20

// ErrFrameTooLarge is returned for a frame whose length word exceeds the configured limit.
var ErrFrameTooLarge = errors.New("remoting: frame too large")

// ErrMalformedFrame is wrapped by every decoding error other than ErrFrameTooLarge.
var ErrMalformedFrame = errors.New("remoting: malformed frame")

// AppendFrame appends the whole frame (length word included) to dst.
func (c *Command) AppendFrame(dst []byte) ([]byte, error) { panic("TODO") }

// DecodeFrame decodes one whole frame, length word included. maxFrame <= 0 means DefaultMaxFrameSize.
func DecodeFrame(frame []byte, maxFrame int) (*Command, error) { panic("TODO") }

// FrameReader reads commands from a stream.
type FrameReader struct{}

// NewFrameReader reads frames from r, rejecting frames over maxFrame (<= 0: DefaultMaxFrameSize).
func NewFrameReader(r io.Reader, maxFrame int) *FrameReader { panic("TODO") }

// ReadCommand reads the next command. It never allocates more than what has actually arrived.
func (fr *FrameReader) ReadCommand() (*Command, error) { panic("TODO") }
