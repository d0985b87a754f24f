package protocol

import (
	"bytes"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoldenCompressedBody(t *testing.T) {
	s := goldenSendCase(t, "java-compressed-send")
	require.Equal(t, []byte{0x78, 0x5e}, s.body[:2], "a zlib header: deflate, 32 KiB window, level class 1 (levels 2..5)")
	require.Len(t, s.body, 78)
	body, err := Decompress(s.body, 1<<20)
	require.NoError(t, err)
	require.Len(t, body, 6018)
	require.GreaterOrEqual(t, len(body), DefaultCompressOver, "the producer compressed it for its size")
	require.Equal(t, "golden-compressed-body-0123456789 golden-", string(body[:41]))

	again, err := Compress(body, DefaultCompressLevel)
	require.NoError(t, err)
	require.Equal(t, s.body[:2], again[:2], "the same zlib header as Java's at level 5")
	back, err := Decompress(again, len(body))
	require.NoError(t, err)
	require.Equal(t, body, back)
	if !bytes.Equal(again, s.body) {
		// Java's Deflater is the zlib C library; Go's compress/flate is its own deflate
		// implementation with other match-finding heuristics, so equal input and level give
		// another, equally valid stream (81 bytes against Java's 78 here).
		t.Logf("level 5 recompression: %d bytes from Go, %d from Java; both inflate to the body", len(again), len(s.body))
	}
	_, err = Decompress(s.body, len(body)-1)
	require.ErrorIs(t, err, ErrDecompressedTooLarge)
}

// The headers were printed by Java 4.9.7's ZlibCompressor for a 6018-byte body at each level.
func TestCompressHeadersMatchJava(t *testing.T) {
	javaHeader := map[int][2]byte{
		0: {0x78, 0x01}, 1: {0x78, 0x01}, 2: {0x78, 0x5e}, 3: {0x78, 0x5e}, 4: {0x78, 0x5e},
		5: {0x78, 0x5e}, 6: {0x78, 0x9c}, -1: {0x78, 0x9c}, 7: {0x78, 0xda}, 8: {0x78, 0xda}, 9: {0x78, 0xda},
	}
	body := bytes.Repeat([]byte("golden-compressed-body-0123456789 "), 177)
	for level, want := range javaHeader {
		out, err := Compress(body, level)
		require.NoError(t, err, level)
		require.Equal(t, want[:], out[:2], "level %d", level)
		back, err := Decompress(out, len(body))
		require.NoError(t, err)
		require.Equal(t, body, back)
	}
	for _, level := range []int{-2, 10} {
		_, err := Compress(body, level)
		require.Error(t, err, "Java's Deflater refuses level %d", level)
	}
}

func TestCompressDecompressLimits(t *testing.T) {
	body := bytes.Repeat([]byte("abc"), 1000)
	z, err := Compress(body, 5)
	require.NoError(t, err)
	for _, limit := range []int{len(body), len(body) + 1, 1 << 30} {
		out, err := Decompress(z, limit)
		require.NoError(t, err, limit)
		require.Equal(t, body, out)
	}
	for _, limit := range []int{-1, 0, 1, len(body) - 1} {
		_, err := Decompress(z, limit)
		require.ErrorIs(t, err, ErrDecompressedTooLarge, limit)
	}
	empty, err := Compress(nil, 5)
	require.NoError(t, err)
	out, err := Decompress(empty, 0)
	require.NoError(t, err)
	require.Empty(t, out)
}

func TestCompressDecompressBombIsBounded(t *testing.T) {
	const limit = 4 << 20
	bomb, err := Compress(make([]byte, 32<<20), 1)
	require.NoError(t, err)
	require.Less(t, len(bomb), 64<<10, "32 MiB of zeros compress to a few dozen KiB")

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = Decompress(bomb, limit)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrDecompressedTooLarge)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(3*limit), "memory follows the limit, not the bomb")
}

func TestCompressDecompressRejectsCorruptStreams(t *testing.T) {
	z, err := Compress([]byte("hello, hello, hello"), 5)
	require.NoError(t, err)
	badChecksum := bytes.Clone(z)
	badChecksum[len(badChecksum)-1] ^= 1
	cases := map[string][]byte{
		"not zlib":     []byte("not zlib at all"),
		"empty":        nil,
		"raw deflate":  z[2 : len(z)-4],
		"truncated":    z[:len(z)-6],
		"bad checksum": badChecksum,
	}
	for name, data := range cases {
		_, err := Decompress(data, 1<<20)
		require.Error(t, err, name)
		require.NotErrorIs(t, err, ErrDecompressedTooLarge, name)
	}
	// Java's InflaterInputStream stops at the end of the stream; so does Decompress.
	out, err := Decompress(append(bytes.Clone(z), "trailing"...), 1<<20)
	require.NoError(t, err)
	require.Equal(t, "hello, hello, hello", string(out))
	// The pooled reader recovers from a corrupt stream.
	out, err = Decompress(z, 1<<20)
	require.NoError(t, err)
	require.Equal(t, "hello, hello, hello", string(out))
}

func TestCompressUncompressedBody(t *testing.T) {
	plain := []byte("plain body")
	z, err := Compress(plain, 5)
	require.NoError(t, err)
	cases := []struct {
		body    []byte
		sysFlag int32
		want    []byte
		err     error
	}{
		{plain, 0, plain, nil},
		{plain, SysFlagCompressionZLIB, plain, nil}, // type bits without the compressed bit
		{z, SysFlagCompressed, plain, nil},
		{z, SysFlagCompressed | SysFlagCompressionZLIB, plain, nil},
		{z, SysFlagCompressed | SysFlagCompressionLZ4, nil, ErrUnsupportedCompression},
		{z, SysFlagCompressed | SysFlagCompressionZSTD, nil, ErrUnsupportedCompression},
	}
	for _, c := range cases {
		got, err := UncompressedBody(c.body, c.sysFlag, 1<<20)
		if c.err != nil {
			require.ErrorIs(t, err, c.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	_, err = UncompressedBody(z, SysFlagCompressed|0x400, 1<<20)
	require.Error(t, err)
}

func TestCompressConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte(i)}, 10000+i)
			for range 20 {
				z, err := Compress(body, i%10)
				if err != nil {
					t.Error(err)
					return
				}
				out, err := Decompress(z, len(body))
				if err != nil || !bytes.Equal(out, body) {
					t.Errorf("round trip at level %d: %v", i%10, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkDecompressGolden(b *testing.B) {
	s := goldenSendCase(b, "java-compressed-send")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decompress(s.body, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
