// Package golden loads the frames captured from real RocketMQ 4.9.7 peers (testdata/golden) for
// the tests and fuzz seeds of every package that decodes them.
package golden

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Frame is one line of testdata/golden/frames.jsonl.
type Frame struct {
	Case          string          `json:"case"`
	From          string          `json:"from"`
	To            string          `json:"to"`
	Kind          string          `json:"kind"` // request, response or oneway
	Code          int32           `json:"code"`
	Opaque        int32           `json:"opaque"`
	Flag          int32           `json:"flag"`
	SerializeType string          `json:"serializeType"` // JSON or ROCKETMQ
	HeaderJSON    json.RawMessage `json:"headerJSON"`
	HeaderDecoded json.RawMessage `json:"headerDecoded"`
	BodyLen       int             `json:"bodyLen"`
	Hex           string          `json:"hex"`

	// Bytes is the whole frame, length word included.
	Bytes []byte `json:"-"`
	// Line is the 1-based line number in frames.jsonl.
	Line int `json:"-"`
}

// Name identifies the frame in test names: case/line.
func (f Frame) Name() string { return fmt.Sprintf("%s/%s-%d", f.Case, f.Kind, f.Line) }

// Header returns the frame's header bytes (after the two length words).
func (f Frame) Header() []byte {
	hl := int(f.Bytes[5])<<16 | int(f.Bytes[6])<<8 | int(f.Bytes[7])
	return f.Bytes[8 : 8+hl]
}

// Body returns the frame's body bytes.
func (f Frame) Body() []byte {
	hl := int(f.Bytes[5])<<16 | int(f.Bytes[6])<<8 | int(f.Bytes[7])
	return f.Bytes[8+hl:]
}

// Path is the absolute path of frames.jsonl.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "golden", "frames.jsonl")
}

// Load reads every golden frame; it fails the test when the file is missing or malformed.
func Load(tb testing.TB) []Frame {
	tb.Helper()
	frames, err := Read()
	if err != nil {
		tb.Fatalf("golden frames: %v", err)
	}
	return frames
}

// Read reads every golden frame.
func Read() ([]Frame, error) {
	data, err := os.ReadFile(Path())
	if err != nil {
		return nil, err
	}
	var frames []Frame
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 1<<22)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var f Frame
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if f.Bytes, err = hex.DecodeString(f.Hex); err != nil {
			return nil, fmt.Errorf("line %d: hex: %w", line, err)
		}
		f.Line = line
		frames = append(frames, f)
	}
	return frames, sc.Err()
}

// Bodies returns the non-empty bodies of frames whose code and kind match (kind "" matches any),
// for seeding fuzz targets and table tests of body decoders.
func Bodies(tb testing.TB, code int32, kind string) [][]byte {
	var out [][]byte
	for _, f := range Load(tb) {
		if f.Code == code && (kind == "" || f.Kind == kind) && len(f.Body()) > 0 {
			out = append(out, f.Body())
		}
	}
	return out
}
