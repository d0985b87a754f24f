package protocol

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
)

// DefaultCompressLevel is the Java producer's zlib level (system property
// rocketmq.message.compressLevel, default 5); the official Go client uses 5 as well.
const DefaultCompressLevel = 5

// DefaultCompressOver is the body size from which the Java producer compresses
// (compressMsgBodyOverHowmuch): a body of exactly this many bytes is compressed.
const DefaultCompressOver = 4096

var (
	// ErrDecompressedTooLarge is returned when a compressed body inflates beyond the caller's
	// limit: a decompression bomb costs the limit, not what it would inflate to.
	ErrDecompressedTooLarge = errors.New("protocol: decompressed body exceeds the limit")
	// ErrUnsupportedCompression is returned for LZ4 and ZSTD bodies, which no 4.x client
	// sends by default and the standard library cannot read.
	ErrUnsupportedCompression = errors.New("protocol: unsupported compression type")
)

// Writers are pooled per level because a flate compressor is several hundred KiB of state,
// and a load run compresses every body over 4 KiB.
var zlibWriters [10 + 1]sync.Pool // index level+1: -1 (zlib's default) .. 9

// Compress returns data zlib-compressed at level, the format of Java's ZlibCompressor and
// UtilAll.compress: a java.util.zip.Deflater with the zlib wrapper (header, deflate, Adler-32).
// Java accepts levels -1..9 and so does this. The header is Java's for every level, but Go's
// deflate chooses other matches than the zlib library inside the JVM, so the compressed bytes
// differ from Java's while inflating to the same body.
func Compress(data []byte, level int) ([]byte, error) {
	if level < -1 || level > 9 {
		return nil, fmt.Errorf("protocol: compression level %d out of range -1..9", level)
	}
	out := bytes.NewBuffer(make([]byte, 0, len(data)/4+64))
	pool := &zlibWriters[level+1]
	w, _ := pool.Get().(*zlib.Writer)
	if w == nil {
		var err error
		if w, err = zlib.NewWriterLevel(out, level); err != nil {
			return nil, err
		}
	} else {
		w.Reset(out)
	}
	defer pool.Put(w)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// inflater pairs a zlib reader with the source it reads, so both are reused together.
type inflater struct {
	src bytes.Reader
	zr  io.ReadCloser
}

var inflaters = sync.Pool{New: func() any { return new(inflater) }}

// Decompress inflates a zlib stream, failing with ErrDecompressedTooLarge once the output
// would pass limit bytes. Memory grows with what actually inflates, never with a size the
// input claims, and never past limit+1 bytes. Bytes after the end of the stream are ignored,
// as Java's InflaterInputStream ignores them.
func Decompress(data []byte, limit int) ([]byte, error) {
	in := inflaters.Get().(*inflater)
	defer inflaters.Put(in)
	in.src.Reset(data)
	var err error
	if in.zr == nil {
		in.zr, err = zlib.NewReader(&in.src)
	} else {
		err = in.zr.(zlib.Resetter).Reset(&in.src, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("protocol: not a zlib stream: %w", err)
	}
	// Message bodies compress a few times over; start there and double, capped one byte past
	// the limit so that reaching it proves the stream too large.
	limit = min(max(limit, 0), math.MaxInt-1)
	ceiling := limit + 1
	out := make([]byte, 0, min(ceiling, max(512, 4*len(data))))
	for {
		if len(out) >= ceiling {
			return nil, ErrDecompressedTooLarge
		}
		if len(out) == cap(out) {
			out = slices.Grow(out, min(cap(out), ceiling-len(out)))
		}
		n, err := in.zr.Read(out[len(out):min(cap(out), ceiling)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("protocol: corrupt zlib stream: %w", err)
		}
	}
	if len(out) > limit {
		return nil, ErrDecompressedTooLarge
	}
	return out, nil
}

// UncompressedBody returns body as the application sent it: inflated when sysFlag marks it
// compressed (Java's decode does this for consumers), as is otherwise.
func UncompressedBody(body []byte, sysFlag int32, limit int) ([]byte, error) {
	if !IsCompressed(sysFlag) {
		return body, nil
	}
	t, err := CompressionTypeOf(sysFlag)
	if err != nil {
		return nil, err
	}
	if t != CompressionZLIB {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedCompression, t)
	}
	return Decompress(body, limit)
}
