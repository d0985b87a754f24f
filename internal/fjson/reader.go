// Package fjson reads the JSON that fastjson (1.2.69, the version RocketMQ 4.9.7 ships) writes
// and accepts. It is the one JSON decoder of rocketsim's protocol code: remoting headers and
// protocol bodies both go through it. Writing fastjson's bytes is protocol's business (fjWriter)
// because that depends on the Java types being written.
//
// A Reader streams over one JSON text; callers pull the value they expect at each point
// (Object, Array, Str, Int32, ...), so no intermediate tree is built and unknown fields are
// skipped without being decoded.
//
// Two dialects share all of the code. NewReader accepts what fastjson accepts, which Java
// peers rely on for bodies: keys that are bare tokens (fastjson writes Map<Long,V> keys as
// bare numbers), single quotes, fastjson's extra escapes, trailing commas. NewStrictReader
// accepts standard JSON syntax only, which is what remoting headers have always been held to.
// Everything the strict dialect accepts, the fastjson dialect accepts with the same result.
package fjson

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// MaxDepth bounds nesting so hostile input cannot exhaust the stack; RocketMQ bodies nest
	// about five levels deep.
	MaxDepth = 100
	// strictMaxDepth keeps the limit remoting headers always had: 65 levels inside the
	// header object.
	strictMaxDepth = 66
)

var errEnd = errors.New("unexpected end of input")

// Reader reads one JSON text. Strings without escapes are substrings of a single copy of the
// input, made once, so reading a header or body allocates little more than the values it
// returns; a string kept from the result keeps that copy alive.
type Reader struct {
	s        string
	pos      int
	depth    int
	maxDepth int
	strict   bool
}

// NewReader returns a Reader of data in fastjson's dialect.
func NewReader(data []byte) *Reader {
	return &Reader{s: string(data), maxDepth: MaxDepth}
}

// NewStrictReader returns a Reader of data that holds it to standard JSON syntax: keys and
// strings in double quotes, only JSON's escapes, no raw control characters in strings, no
// trailing commas, whitespace limited to space, tab, CR and LF, numbers that parse as a
// float64, and integers (Int32, Int64) written as integers, not as fractions or booleans.
// Values keep fastjson's leniency: a number or boolean reads as a string, null as absent.
func NewStrictReader(data []byte) *Reader { return NewStrictStringReader(string(data)) }

// CountAhead returns how many times c occurs in the input not yet read, up to the first end
// byte: a cheap estimate for sizing what is about to be decoded (the ':' of a flat object's
// members before its '}', say).
func (r *Reader) CountAhead(c, end byte) int {
	rest := r.s[r.pos:]
	if i := strings.IndexByte(rest, end); i >= 0 {
		rest = rest[:i]
	}
	return strings.Count(rest, string(c))
}

// NewStrictStringReader is NewStrictReader of a string, which it reads without a copy.
func NewStrictStringReader(s string) *Reader {
	return &Reader{s: s, maxDepth: strictMaxDepth, strict: true}
}

// Errorf returns an error naming the current offset and byte, or the end of input.
func (r *Reader) Errorf(format string, args ...any) error {
	if r.pos >= len(r.s) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errEnd)
	}
	return fmt.Errorf("%s at offset %d (%q)", fmt.Sprintf(format, args...), r.pos, r.s[r.pos])
}

// ws skips whitespace. fastjson's includes form feed and backspace.
func (r *Reader) ws() {
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		if c > ' ' {
			return
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '\f', '\b':
			if r.strict {
				return
			}
		default:
			return
		}
		r.pos++
	}
}

func (r *Reader) peek() byte {
	if r.pos < len(r.s) {
		return r.s[r.pos]
	}
	return 0
}

// Peek skips whitespace and returns the next byte without consuming it, or 0 at the end.
func (r *Reader) Peek() byte {
	r.ws()
	return r.peek()
}

// End skips whitespace and reports an error unless that reaches the end of the input.
func (r *Reader) End() error {
	r.ws()
	if r.pos != len(r.s) {
		return r.Errorf("unexpected data after the value")
	}
	return nil
}

// Literal consumes word (after whitespace) when it is there as a whole token.
func (r *Reader) Literal(word string) bool {
	r.ws()
	end := r.pos + len(word)
	if end > len(r.s) || r.s[r.pos:end] != word {
		return false
	}
	if end < len(r.s) && isBareChar(r.s[end]) {
		return false
	}
	r.pos = end
	return true
}

func (r *Reader) enter() error {
	r.depth++
	if r.depth > r.maxDepth {
		return r.Errorf("nesting deeper than %d", r.maxDepth)
	}
	return nil
}

// isQuote: fastjson also takes single-quoted strings.
func (r *Reader) isQuote(c byte) bool {
	return c == '"' || c == '\'' && !r.strict
}

func isNumberStart(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

// Object reads an object, calling field with the reader positioned at each member's value;
// field must consume that value (Skip it when the key is unknown). null counts as an empty
// object, as a missing field would.
func (r *Reader) Object(field func(key string) error) error {
	return r.container('{', '}', "object", func() error {
		key, err := r.key()
		if err != nil {
			return err
		}
		if r.Peek() != ':' {
			return r.Errorf("expected ':' after key %q", key)
		}
		r.pos++
		return field(key)
	})
}

// Array reads an array, calling item with the reader positioned at each element. null counts
// as an empty array.
func (r *Reader) Array(item func() error) error {
	return r.container('[', ']', "array", item)
}

// container holds what objects and arrays share, so that both treat null, nesting and
// trailing commas alike.
func (r *Reader) container(open, close byte, kind string, member func() error) error {
	if r.Literal("null") {
		return nil
	}
	if r.peek() != open {
		return r.Errorf("expected an %s", kind)
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.pos++
	if r.Peek() != close {
		for {
			if err := member(); err != nil {
				return err
			}
			c := r.Peek()
			if c == ',' {
				r.pos++
				if r.Peek() != close || r.strict { // fastjson lets a trailing comma pass
					continue
				}
			} else if c != close {
				return r.Errorf("expected ',' or '%c' in %s", close, kind)
			}
			break
		}
	}
	r.pos++
	r.depth--
	return nil
}

// key reads an object key: a quoted string, a bare token (fastjson's unquoted numeric keys), or
// a whole object or array (fastjson writes bean-valued map keys that way; their text is
// returned so callers can skip them).
func (r *Reader) key() (string, error) {
	switch c := r.Peek(); {
	case r.isQuote(c):
		return r.quoted()
	case r.strict:
		return "", r.Errorf("expected a string key")
	case c == '{' || c == '[':
		start := r.pos
		if err := r.Skip(); err != nil {
			return "", err
		}
		return r.s[start:r.pos], nil
	case isBareChar(c):
		return r.bare(), nil
	default:
		return "", r.Errorf("expected an object key")
	}
}

func isBareChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c == '-' || c == '+' || c == '.'
}

func (r *Reader) bare() string {
	start := r.pos
	for r.pos < len(r.s) && isBareChar(r.s[r.pos]) {
		r.pos++
	}
	return r.s[start:r.pos]
}

// stringStop marks the bytes a string scan must stop at (quotes, backslash, control
// characters), so that ordinary bytes cost one table lookup each; strings are most of a header.
var stringStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\''], t['\\'] = true, true, true
	return t
}()

// quoted reads the string that starts at the current byte, a quote.
func (r *Reader) quoted() (string, error) {
	s := r.s
	quote := s[r.pos]
	start := r.pos + 1
	for i := start; i < len(s); i++ {
		c := s[i]
		if !stringStop[c] {
			continue
		}
		switch {
		case c == quote:
			r.pos = i + 1
			return javaString(s[start:i]), nil
		case c == '\\':
			r.pos = i
			str, err := r.unescape(quote, start)
			return javaString(str), err
		case c < 0x20 && r.strict:
			r.pos = i
			return "", r.Errorf("control character in string")
		}
	}
	r.pos = len(s)
	return "", r.Errorf("unterminated string")
}

// StrictString reads the JSON string whose opening double quote is s[at] as a strict Reader
// reads one (escapes, surrogate pairs and malformed UTF-8 as Java has them), and returns it with
// the index just past its closing quote. It lets a specialised scanner leave strings with
// escapes to the one unescaper.
func StrictString(s string, at int) (string, int, error) {
	r := Reader{s: s, pos: at, maxDepth: strictMaxDepth, strict: true}
	if at >= len(s) || s[at] != '"' {
		return "", at, r.Errorf("want a string")
	}
	str, err := r.quoted()
	return str, r.pos, err
}

// javaString is s as Java holds it: the servers decode a body's bytes as UTF-8 into a String
// before parsing it, which turns every malformed byte into U+FFFD. Without this two keys that
// differ only in malformed bytes would be two keys here and one once written back.
func javaString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // utf8.RuneError, U+FFFD, for each malformed byte
		i += n
	}
	return b.String()
}

// unescape finishes a string that has escapes, from its first backslash at r.pos. It takes
// JSON's escapes and, outside the strict dialect, fastjson's \' \v and \xHH too. A UTF-16
// surrogate that is not half of a pair becomes U+FFFD, as it would in Java's UTF-8 encoder.
func (r *Reader) unescape(quote byte, start int) (string, error) {
	s := r.s
	var b strings.Builder // its String does not copy, so the result costs one allocation
	b.Grow(escapedLen(s, quote, start, r.pos))
	i := r.pos
	lit := start // start of the run of bytes not yet copied
	fail := func(at int, msg string) (string, error) {
		r.pos = at
		return "", r.Errorf("%s", msg)
	}
	for i < len(s) {
		c := s[i]
		if !stringStop[c] {
			i++
			continue
		}
		if c != '\\' {
			switch {
			case c == quote:
				b.WriteString(s[lit:i])
				r.pos = i + 1
				return b.String(), nil
			case c < 0x20 && r.strict:
				return fail(i, "control character in string")
			}
			i++
			continue
		}
		b.WriteString(s[lit:i])
		next, msg := appendEscape(&b, s, i, r.strict)
		if msg != "" {
			return fail(i, msg)
		}
		i, lit = next, next
	}
	return fail(i, "unterminated string")
}

// StrictUnescape is what a strict Reader makes of a string with escapes, for a scanner that
// has delimited the string itself: raw is the bytes between its quotes, valid UTF-8 without
// control characters or an unescaped quote, as the scanner checked. One pass from backslash to
// backslash and one allocation, where StrictString would look for the string's end again.
func StrictUnescape(raw string) (string, error) {
	var b strings.Builder
	b.Grow(len(raw)) // unescaping never lengthens a string
	lit := 0
	for {
		j := strings.IndexByte(raw[lit:], '\\')
		if j < 0 {
			b.WriteString(raw[lit:])
			return b.String(), nil
		}
		i := lit + j
		b.WriteString(raw[lit:i])
		next, msg := appendEscape(&b, raw, i, true)
		if msg != "" {
			r := Reader{s: raw, pos: i, strict: true}
			return "", r.Errorf("%s", msg)
		}
		lit = next
	}
}

// appendEscape writes what the escape at s[i] (a backslash) stands for and returns the index
// after it, or says what is wrong with it.
func appendEscape(b *strings.Builder, s string, i int, strict bool) (next int, msg string) {
	if i+1 >= len(s) {
		return i, "unterminated string"
	}
	switch esc := s[i+1]; esc {
	case '"', '\\', '/':
		b.WriteByte(esc)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		u, ok := hexValue(s, i+2, 4)
		if !ok {
			return i, "bad \\u escape"
		}
		ru := rune(u)
		if utf16.IsSurrogate(ru) {
			ru = utf8.RuneError
			if lo, ok := lowSurrogate(s, i+6); ok && u < 0xDC00 {
				ru = utf16.DecodeRune(rune(u), lo)
				i += 6
			}
		}
		b.WriteRune(ru)
		i += 4
	case '\'', 'v', 'x':
		if strict {
			return i, "unknown escape"
		}
		switch esc {
		case '\'':
			b.WriteByte('\'')
		case 'v':
			b.WriteByte('\v')
		default:
			v, ok := hexValue(s, i+2, 2)
			if !ok {
				return i, "bad \\x escape"
			}
			b.WriteRune(rune(v))
			i += 2
		}
	default:
		return i, "unknown escape"
	}
	return i + 2, ""
}

// escapedLen bounds the unescaped length of the string that starts at start and has its first
// backslash at first, so that unescape allocates once: unescaping never lengthens a string,
// so its escaped length will do.
func escapedLen(s string, quote byte, start, first int) int {
	end := first
	for {
		q := strings.IndexByte(s[end:], quote)
		if q < 0 {
			return len(s) - start
		}
		end += q
		backslashes := 0
		for k := end - 1; k >= first && s[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return end - start
		}
		end++
	}
}

// lowSurrogate reads a \uXXXX escape holding a low surrogate at s[at:].
func lowSurrogate(s string, at int) (rune, bool) {
	if at+6 > len(s) || s[at] != '\\' || s[at+1] != 'u' {
		return 0, false
	}
	lo, ok := hexValue(s, at+2, 4)
	return rune(lo), ok && lo >= 0xDC00 && lo < 0xE000
}

func hexValue(s string, at, n int) (uint32, bool) {
	if at+n > len(s) {
		return 0, false
	}
	var v uint32
	for i := at; i < at+n; i++ {
		switch c := s[i]; {
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

// number reads a number literal and returns its text. Only the strict dialect checks its form
// (see checkedNumber); fastjson's callers parse the text and judge it then.
func (r *Reader) number() (string, error) {
	start := r.pos
	if r.peek() == '-' {
		r.pos++
	}
	digits := r.pos
	for r.pos < len(r.s) {
		if c := r.s[r.pos]; !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			break
		}
		r.pos++
	}
	if r.pos == digits {
		return "", r.Errorf("expected a number")
	}
	return r.s[start:r.pos], nil
}

func (r *Reader) checkedNumber() (string, error) {
	at := r.pos
	text, err := r.number()
	if err == nil && r.strict {
		if _, perr := strconv.ParseFloat(text, 64); perr != nil {
			r.pos = at
			return "", r.Errorf("bad number %q", text)
		}
	}
	return text, err
}

// Scalar reads a string, number or boolean as its text; null gives ok == false.
func (r *Reader) Scalar() (s string, ok bool, err error) {
	switch c := r.Peek(); {
	case r.isQuote(c):
		s, err = r.quoted()
		return s, err == nil, err
	case isNumberStart(c):
		s, err = r.checkedNumber()
		return s, err == nil, err
	case isBareChar(c):
		switch word := r.bare(); word {
		case "null":
			return "", false, nil
		case "true", "false":
			return word, true, nil
		default:
			return "", false, r.Errorf("unexpected %q where a string belongs", word)
		}
	default:
		return "", false, r.Errorf("expected a string")
	}
}

// Str reads a string field. Like fastjson, it takes a number or boolean as its literal text and
// null as "".
func (r *Reader) Str() (string, error) {
	s, _, err := r.Scalar()
	return s, err
}

// Int64 reads an integer field as fastjson does: a number (a fraction is cut off), a string
// holding one, or a boolean (1 or 0); null reads as 0. The strict dialect takes only integers,
// quoted or not, and null.
func (r *Reader) Int64() (int64, error) {
	c := r.Peek()
	at := r.pos
	var text string
	var err error
	switch {
	case r.isQuote(c):
		text, err = r.quoted()
	case isNumberStart(c):
		text, err = r.number()
	case r.Literal("null"):
		return 0, nil
	case !r.strict && r.Literal("true"):
		return 1, nil
	case !r.strict && r.Literal("false"):
		return 0, nil
	default:
		return 0, r.Errorf("expected an integer")
	}
	if err != nil {
		return 0, err
	}
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, nil
	}
	if !r.strict {
		if f, err := strconv.ParseFloat(text, 64); err == nil && f > -(1<<63) && f < 1<<63 {
			return int64(f), nil
		}
	}
	r.pos = at
	return 0, r.Errorf("bad integer %q", text)
}

// Int32 is Int64 for a Java int.
func (r *Reader) Int32() (int32, error) {
	at := r.pos
	v, err := r.Int64()
	if err != nil {
		return 0, err
	}
	if v < -1<<31 || v > 1<<31-1 {
		r.pos = at
		r.ws()
		return 0, r.Errorf("integer %d out of int range", v)
	}
	return int32(v), nil
}

// Bool reads true/false, their quoted forms, or 1/0 as fastjson does; null reads as false.
func (r *Reader) Bool() (bool, error) {
	r.ws()
	at := r.pos
	text, err := r.Str()
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
	return false, r.Errorf("bad boolean %q", text)
}

// StringList reads an array of strings (a Java List or Set of String); null reads as nil and
// [] as an empty, non-nil slice.
func (r *Reader) StringList() ([]string, error) {
	if r.Literal("null") {
		return nil, nil
	}
	var out []string
	if r.peek() == '[' {
		out = []string{}
	}
	err := r.Array(func() error {
		s, err := r.Str()
		out = append(out, s)
		return err
	})
	return out, err
}

// Skip consumes any one value.
func (r *Reader) Skip() error {
	switch c := r.Peek(); {
	case c == '{':
		return r.Object(func(string) error { return r.Skip() })
	case c == '[':
		return r.Array(r.Skip)
	case r.isQuote(c):
		_, err := r.quoted()
		return err
	case isNumberStart(c):
		_, err := r.checkedNumber()
		return err
	case isBareChar(c):
		word := r.bare()
		switch {
		case word == "null" || word == "true" || word == "false":
			return nil
		case word == "undefined" && !r.strict:
			return nil
		}
		return r.Errorf("unexpected %q", word)
	default:
		return r.Errorf("expected a value")
	}
}
