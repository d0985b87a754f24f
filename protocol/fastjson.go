package protocol

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// This file holds the two halves of speaking fastjson (1.2.69, the version RocketMQ 4.9.7 ships):
// a lenient reader for what fastjson writes and peers send, and a writer that reproduces
// fastjson's bytes (field order, string escaping, Java map iteration order) so that bodies we
// produce are byte-identical to what a Java peer would send in the same state.

// fjMaxDepth bounds nesting so hostile input cannot exhaust the stack; RocketMQ bodies nest
// about five levels deep.
const fjMaxDepth = 100

var errFJEnd = errors.New("unexpected end of input")

// fjReader is a streaming reader over one JSON text as fastjson writes or accepts it: keys may
// be unquoted (fastjson writes Map<Long,V> keys as bare numbers) or single-quoted, numbers may
// come quoted, null stands for "absent", unknown fields are skipped, and a trailing comma is
// tolerated. It allocates only for the strings it returns.
type fjReader struct {
	src   []byte
	pos   int
	depth int
}

// fjDecode runs top over data and insists that nothing but whitespace follows.
func fjDecode(data []byte, what string, top func(r *fjReader) error) error {
	r := &fjReader{src: data}
	r.ws()
	if r.pos == len(r.src) {
		return fmt.Errorf("decode %s: empty body", what)
	}
	if r.consumeLiteral("null") {
		return fmt.Errorf("decode %s: body is null", what)
	}
	if r.peek() != '{' {
		return fmt.Errorf("decode %s: %w", what, r.errorf("expected an object"))
	}
	if err := top(r); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	r.ws()
	if r.pos != len(r.src) {
		return fmt.Errorf("decode %s: %w", what, r.errorf("unexpected data after the value"))
	}
	return nil
}

func (r *fjReader) errorf(format string, args ...any) error {
	if r.pos >= len(r.src) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errFJEnd)
	}
	return fmt.Errorf("%s at offset %d (%q)", fmt.Sprintf(format, args...), r.pos, r.src[r.pos])
}

// ws skips the whitespace fastjson skips, which includes form feed and backspace.
func (r *fjReader) ws() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\b':
			r.pos++
		default:
			return
		}
	}
}

func (r *fjReader) peek() byte {
	if r.pos < len(r.src) {
		return r.src[r.pos]
	}
	return 0
}

// consumeLiteral consumes word (after whitespace) when it is there as a whole token.
func (r *fjReader) consumeLiteral(word string) bool {
	r.ws()
	end := r.pos + len(word)
	if end > len(r.src) || string(r.src[r.pos:end]) != word {
		return false
	}
	if end < len(r.src) && fjIsBareChar(r.src[end]) {
		return false
	}
	r.pos = end
	return true
}

func (r *fjReader) enter() error {
	r.depth++
	if r.depth > fjMaxDepth {
		return r.errorf("nesting deeper than %d", fjMaxDepth)
	}
	return nil
}

// object reads an object, calling field with the parser positioned at each member's value;
// field must consume that value (skip it when the key is unknown). null counts as an empty
// object, as a missing field would.
func (r *fjReader) object(field func(key string) error) error {
	if r.consumeLiteral("null") {
		return nil
	}
	r.ws()
	if r.peek() != '{' {
		return r.errorf("expected an object")
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.pos++
	for {
		r.ws()
		if r.peek() == '}' {
			r.pos++
			r.depth--
			return nil
		}
		key, err := r.key()
		if err != nil {
			return err
		}
		r.ws()
		if r.peek() != ':' {
			return r.errorf("expected ':' after key %q", key)
		}
		r.pos++
		if err := field(key); err != nil {
			return err
		}
		r.ws()
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
		default:
			return r.errorf("expected ',' or '}' in object")
		}
	}
}

// array reads an array, calling item with the parser positioned at each element. null counts
// as an empty array.
func (r *fjReader) array(item func() error) error {
	if r.consumeLiteral("null") {
		return nil
	}
	r.ws()
	if r.peek() != '[' {
		return r.errorf("expected an array")
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.pos++
	for {
		r.ws()
		if r.peek() == ']' {
			r.pos++
			r.depth--
			return nil
		}
		if err := item(); err != nil {
			return err
		}
		r.ws()
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
		default:
			return r.errorf("expected ',' or ']' in array")
		}
	}
}

// key reads an object key: a quoted string, a bare token (fastjson's unquoted numeric keys), or
// a whole object or array (fastjson writes bean-valued map keys that way; their text is
// returned so callers can skip them).
func (r *fjReader) key() (string, error) {
	r.ws()
	switch c := r.peek(); {
	case c == '"' || c == '\'':
		return r.quoted()
	case c == '{' || c == '[':
		start := r.pos
		if err := r.skip(); err != nil {
			return "", err
		}
		return string(r.src[start:r.pos]), nil
	case fjIsBareChar(c):
		return r.bare(), nil
	default:
		return "", r.errorf("expected an object key")
	}
}

func fjIsBareChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c == '-' || c == '+' || c == '.'
}

func (r *fjReader) bare() string {
	start := r.pos
	for r.pos < len(r.src) && fjIsBareChar(r.src[r.pos]) {
		r.pos++
	}
	return string(r.src[start:r.pos])
}

// quoted reads a string in double or single quotes with fastjson's escapes: the JSON set plus
// \' \v and \xHH. Lone surrogates become U+FFFD, as Java's UTF-8 encoder would make them.
func (r *fjReader) quoted() (string, error) {
	quote := r.src[r.pos]
	r.pos++
	start := r.pos
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		if c == quote {
			s := string(r.src[start:r.pos])
			r.pos++
			return s, nil
		}
		if c == '\\' {
			return r.quotedEscaped(quote, start)
		}
		r.pos++
	}
	return "", r.errorf("unterminated string")
}

func (r *fjReader) quotedEscaped(quote byte, start int) (string, error) {
	out := append([]byte(nil), r.src[start:r.pos]...)
	var pending []uint16 // UTF-16 units from \u escapes, joined so surrogate pairs combine
	flush := func() {
		if len(pending) > 0 {
			for _, ru := range utf16.Decode(pending) {
				out = utf8.AppendRune(out, ru)
			}
			pending = pending[:0]
		}
	}
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		if c == quote {
			flush()
			r.pos++
			return string(out), nil
		}
		if c != '\\' {
			flush()
			out = append(out, c)
			r.pos++
			continue
		}
		if r.pos+1 >= len(r.src) {
			break
		}
		esc := r.src[r.pos+1]
		r.pos += 2
		if esc == 'u' {
			v, ok := fjHexValue(r.src, r.pos, 4)
			if !ok {
				r.pos -= 2
				return "", r.errorf("bad \\u escape")
			}
			pending = append(pending, uint16(v))
			r.pos += 4
			continue
		}
		flush()
		switch esc {
		case '"', '\\', '/', '\'':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, ok := fjHexValue(r.src, r.pos, 2)
			if !ok {
				r.pos -= 2
				return "", r.errorf("bad \\x escape")
			}
			out = utf8.AppendRune(out, rune(v))
			r.pos += 2
		default:
			r.pos -= 2
			return "", r.errorf("unknown escape")
		}
	}
	return "", r.errorf("unterminated string")
}

func fjHexValue(src []byte, at, n int) (uint32, bool) {
	if at+n > len(src) {
		return 0, false
	}
	var v uint32
	for _, c := range src[at : at+n] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint32(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// str reads a string field. Like fastjson, it takes a number or boolean as its literal text and
// null as "".
func (r *fjReader) str() (string, error) {
	r.ws()
	switch c := r.peek(); {
	case c == '"' || c == '\'':
		return r.quoted()
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	case fjIsBareChar(c):
		switch word := r.bare(); word {
		case "null":
			return "", nil
		case "true", "false":
			return word, nil
		default:
			return "", r.errorf("unexpected %q where a string belongs", word)
		}
	default:
		return "", r.errorf("expected a string")
	}
}

// number reads a JSON number literal and returns its text.
func (r *fjReader) number() (string, error) {
	start := r.pos
	if r.peek() == '-' {
		r.pos++
	}
	digits := r.pos
	for r.pos < len(r.src) && (r.src[r.pos] >= '0' && r.src[r.pos] <= '9' ||
		r.src[r.pos] == '.' || r.src[r.pos] == 'e' || r.src[r.pos] == 'E' ||
		r.src[r.pos] == '+' || r.src[r.pos] == '-') {
		r.pos++
	}
	if r.pos == digits {
		return "", r.errorf("expected a number")
	}
	return string(r.src[start:r.pos]), nil
}

// int64 reads an integer field as fastjson does: a number (a fraction is cut off), a string
// holding one, or a boolean (1 or 0); null reads as 0.
func (r *fjReader) int64() (int64, error) {
	r.ws()
	at := r.pos
	var text string
	var err error
	switch c := r.peek(); {
	case c == '"' || c == '\'':
		text, err = r.quoted()
	case c == '-' || c >= '0' && c <= '9':
		text, err = r.number()
	case r.consumeLiteral("null"):
		return 0, nil
	case r.consumeLiteral("true"):
		return 1, nil
	case r.consumeLiteral("false"):
		return 0, nil
	default:
		return 0, r.errorf("expected an integer")
	}
	if err != nil {
		return 0, err
	}
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && f > -(1<<63) && f < 1<<63 {
		return int64(f), nil
	}
	r.pos = at
	return 0, r.errorf("bad integer %q", text)
}

func (r *fjReader) int32() (int32, error) {
	at := r.pos
	v, err := r.int64()
	if err != nil {
		return 0, err
	}
	if v < -1<<31 || v > 1<<31-1 {
		r.pos = at
		r.ws()
		return 0, r.errorf("integer %d out of int range", v)
	}
	return int32(v), nil
}

// boolean reads true/false, their quoted forms, or 1/0 as fastjson does; null reads as false.
func (r *fjReader) boolean() (bool, error) {
	r.ws()
	at := r.pos
	text, err := r.str()
	if err != nil {
		return false, err
	}
	switch text {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	r.pos = at
	return false, r.errorf("bad boolean %q", text)
}

// stringList reads an array of strings (a Java List or Set of String).
func (r *fjReader) stringList() ([]string, error) {
	var out []string
	if r.consumeLiteral("null") {
		return nil, nil
	}
	r.ws()
	if r.peek() == '[' {
		out = []string{}
	}
	err := r.array(func() error {
		s, err := r.str()
		out = append(out, s)
		return err
	})
	return out, err
}

// skip consumes any one value.
func (r *fjReader) skip() error {
	r.ws()
	switch c := r.peek(); {
	case c == '{':
		return r.object(func(string) error { return r.skip() })
	case c == '[':
		return r.array(r.skip)
	case c == '"' || c == '\'':
		_, err := r.quoted()
		return err
	case c == '-' || c >= '0' && c <= '9':
		_, err := r.number()
		return err
	case fjIsBareChar(c):
		switch word := r.bare(); word {
		case "null", "true", "false", "undefined":
			return nil
		default:
			return r.errorf("unexpected %q", word)
		}
	default:
		return r.errorf("expected a value")
	}
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
