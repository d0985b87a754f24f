package remoting

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/internal/golden"
)

func addGoldenSeeds(f *testing.F) {
	frames, err := golden.Read()
	if err != nil {
		f.Fatal(err)
	}
	for _, g := range frames {
		f.Add(g.Bytes)
	}
}

// FuzzDecodeFrame: no input panics, and whatever decodes re-encodes to a frame that decodes to
// the same command.
func FuzzDecodeFrame(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		c, err := DecodeFrame(frame, 1<<20)
		if err != nil {
			return
		}
		out, err := c.Encode()
		if err != nil {
			return // e.g. a JSON code beyond int16 cannot be written in a binary header
		}
		back, err := DecodeFrame(out, 0)
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v\n%x", err, out)
		}
		if diff := cmp.Diff(c, back, cmpEmptyMapIsNil); diff != "" {
			t.Fatalf("round trip changed the command:\n%s", diff)
		}
	})
}

// FuzzJSONHeader and FuzzBinaryHeader aim the fuzzer at one header decoder each.
func FuzzJSONHeader(f *testing.F) {
	frames, _ := golden.Read()
	for _, g := range frames {
		if g.SerializeType == "JSON" {
			f.Add(g.Header())
		}
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		_, _ = DecodeFrame(frameOf(SerializeJSON, header, nil), 0)
	})
}

func FuzzBinaryHeader(f *testing.F) {
	frames, _ := golden.Read()
	for _, g := range frames {
		if g.SerializeType == "ROCKETMQ" {
			f.Add(g.Header())
		}
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		_, _ = DecodeFrame(frameOf(SerializeRocketMQ, header, nil), 0)
	})
}

// FuzzFrameReader feeds arbitrary streams: the reader must end with an error or EOF, never
// panic, and never hand back more frames than the stream could hold.
func FuzzFrameReader(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, stream []byte) {
		fr := NewFrameReader(bytes.NewReader(stream), 1<<20)
		for n := 0; ; n++ {
			if _, err := fr.ReadCommand(); err != nil {
				return
			}
			if 8*n > len(stream) {
				t.Fatalf("%d frames out of %d bytes", n, len(stream))
			}
		}
	})
}
