package protocol

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// ErrDecompressedTooLarge is returned when a compressed body inflates beyond the caller's
// limit: a decompression bomb costs the limit, not what it claims.
var ErrDecompressedTooLarge = errors.New("protocol: decompressed body exceeds the limit")

// Compress returns data zlib-compressed at level (Java UtilAll.compress: a Deflater with the
// zlib wrapper; level 5 by default in the producer).
func Compress(data []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/2 + 64)
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decompress inflates a zlib stream, failing with ErrDecompressedTooLarge past limit bytes.
func Decompress(data []byte, limit int) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("protocol: not a zlib stream: %w", err)
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("protocol: corrupt zlib stream: %w", err)
	}
	if len(out) > limit {
		return nil, ErrDecompressedTooLarge
	}
	return out, nil
}
