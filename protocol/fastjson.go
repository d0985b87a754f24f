package protocol

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rocketsim/rocketsim/internal/fjson"
	"github.com/rocketsim/rocketsim/internal/javamap"
)

// This file is where protocol speaks fastjson (1.2.69, the version RocketMQ 4.9.7 ships).
// Bodies are read with internal/fjson, the reader remoting headers share; they are written by
// fjWriter, which reproduces fastjson's bytes (field order, string escaping, Java map iteration
// order) so that bodies we produce are byte-identical to what a Java peer would send in the
// same state.

// fjReader is an fjson.Reader in fastjson's dialect that the body decoders hang their field
// readers on (r.brokerData(), r.consumerData(), ...).
type fjReader struct {
	*fjson.Reader
	// src is only for route_test.go, which reads one value of writer output with
	// (&fjReader{src: b}).str().
	src []byte
}

func (r *fjReader) str() (string, error) { return fjson.NewReader(r.src).Str() }

// fjDecode runs top over data and insists that nothing but whitespace follows.
func fjDecode(data []byte, what string, top func(r *fjReader) error) error {
	r := &fjReader{Reader: fjson.NewReader(data)}
	if r.End() == nil {
		return fmt.Errorf("decode %s: empty body", what)
	}
	if r.Literal("null") {
		return fmt.Errorf("decode %s: body is null", what)
	}
	if r.Peek() != '{' {
		return fmt.Errorf("decode %s: %w", what, r.Errorf("expected an object"))
	}
	if err := top(r); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	if err := r.End(); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// fjWriter writes JSON byte-for-byte as fastjson does with RocketMQ's features. Two escaping
// modes exist because the name server answers new clients with BrowserCompatible on (see
// TopicRouteData.Encode) and everyone else with fastjson's defaults.
type fjWriter struct {
	buf []byte
	// browserCompatible turns on fastjson's BrowserCompatible feature: '/' is escaped, every
	// UTF-16 unit from U+007F up is written as \uXXXX, and non-string map keys are quoted.
	browserCompatible bool
}

func (w *fjWriter) raw(s string) { w.buf = append(w.buf, s...) }

func (w *fjWriter) byte(c byte) { w.buf = append(w.buf, c) }

// comma writes the separator before every element but the first.
func (w *fjWriter) comma(i int) {
	if i > 0 {
		w.buf = append(w.buf, ',')
	}
}

const fjHexDigits = "0123456789ABCDEF"

func (w *fjWriter) unicodeEscape(u uint16) {
	w.buf = append(w.buf, '\\', 'u', fjHexDigits[u>>12&15], fjHexDigits[u>>8&15],
		fjHexDigits[u>>4&15], fjHexDigits[u&15])
}

// string writes s quoted. Go strings hold UTF-8; a byte sequence that is not valid UTF-8 is
// written as U+FFFD, which is what a Java peer would have made of those bytes.
func (w *fjWriter) string(s string) {
	w.buf = append(w.buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				w.buf = append(w.buf, '\\', c)
			case c == '/' && w.browserCompatible:
				w.buf = append(w.buf, '\\', '/')
			case c == '\b':
				w.buf = append(w.buf, '\\', 'b')
			case c == '\t':
				w.buf = append(w.buf, '\\', 't')
			case c == '\n':
				w.buf = append(w.buf, '\\', 'n')
			case c == '\f':
				w.buf = append(w.buf, '\\', 'f')
			case c == '\r':
				w.buf = append(w.buf, '\\', 'r')
			case c < 0x20 || c == 0x7F:
				w.unicodeEscape(uint16(c))
			default:
				w.buf = append(w.buf, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case w.browserCompatible:
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				w.unicodeEscape(uint16(hi))
				w.unicodeEscape(uint16(lo))
			} else {
				w.unicodeEscape(uint16(r))
			}
		case r < 0xA0 || r == 0x2028 || r == 0x2029:
			// fastjson's default writer escapes the C1 controls and the JavaScript line
			// separators even without BrowserCompatible.
			w.unicodeEscape(uint16(r))
		default:
			w.buf = utf8.AppendRune(w.buf, r)
		}
	}
	w.buf = append(w.buf, '"')
}

// field writes a bean property name; fastjson writes those from precomputed ASCII.
func (w *fjWriter) field(i int, name string) {
	w.comma(i)
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"', ':')
}

// mapKey writes a String map key, escaped like any string.
func (w *fjWriter) mapKey(i int, key string) {
	w.comma(i)
	w.string(key)
	w.buf = append(w.buf, ':')
}

// longKey writes a Long map key: bare, as fastjson writes non-string keys by default (this is
// what makes old route bodies invalid JSON), or quoted under BrowserCompatible.
func (w *fjWriter) longKey(i int, key int64) {
	w.comma(i)
	if w.browserCompatible {
		w.buf = append(w.buf, '"')
		w.buf = strconv.AppendInt(w.buf, key, 10)
		w.buf = append(w.buf, '"')
	} else {
		w.buf = strconv.AppendInt(w.buf, key, 10)
	}
	w.buf = append(w.buf, ':')
}

func (w *fjWriter) int(v int64) { w.buf = strconv.AppendInt(w.buf, v, 10) }

// long writes a Java long value; BrowserCompatible quotes those JavaScript cannot hold exactly.
func (w *fjWriter) long(v int64) {
	const maxSafe = 1<<53 - 1
	if w.browserCompatible && (v > maxSafe || v < -maxSafe) {
		w.buf = append(w.buf, '"')
		w.buf = strconv.AppendInt(w.buf, v, 10)
		w.buf = append(w.buf, '"')
		return
	}
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

func (w *fjWriter) bool(v bool) { w.buf = strconv.AppendBool(w.buf, v) }

func (w *fjWriter) stringList(list []string) {
	w.byte('[')
	for i, s := range list {
		w.comma(i)
		w.string(s)
	}
	w.byte(']')
}

// Java collection order. fastjson writes a HashMap, HashSet or ConcurrentHashMap in its
// iteration order: by bucket (the spread hash masked by the table size), then by insertion
// order within a bucket. We reproduce the bucket order; within a bucket, where we do not know
// the insertion order, the caller's order (or Java string order for Go maps) stands in.

// javaStringKeys returns the keys of m in Java string order.
func javaStringKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, javamap.Compare)
	return keys
}

// JavaHashMapOrder returns a copy of keys in the order a java.util.HashMap (or HashSet) created
// with the given initial capacity (16 for the no-argument constructor) iterates them after
// they were put in the order given. Fakes use it to list what a Java server keeps in hash maps
// (brokers of a route, topics of a topic list) in the order the Java server would.
func JavaHashMapOrder(keys []string, initialCapacity int) []string {
	out := slices.Clone(keys)
	javamap.OrderInTable(out, javamap.HashMapTableSize(initialCapacity, len(out)))
	return out
}

// javaLongKeysHashOrder orders Long map keys as a HashMap with a table of size n iterates them;
// keys in one bucket keep ascending order.
func javaLongKeysHashOrder(m map[int64]string, n int) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.SortStableFunc(keys, func(a, b int64) int {
		return javamap.Bucket(javamap.LongHashCode(a), n) - javamap.Bucket(javamap.LongHashCode(b), n)
	})
	return keys
}
