package remoting

import (
	"unicode/utf8"

	"github.com/rocketsim/rocketsim/internal/fjson"
)

// decodeJSONHeaderFast decodes the header shape every peer we know writes: one flat object of
// code, flag, opaque, version (plain integers), language, remark and serializeTypeCurrentRPC
// (strings), and extFields (an object of strings), each key once. It is the JSON header's
// share of a request's cost cut by half: no callbacks, no map growth, no scan ahead for sizing.
//
// ok is false for anything outside that shape (null, numbers where strings belong, unknown or
// repeated keys, escaped keys, UTF-16 surrogates, malformed UTF-8, any syntax error); the
// caller then hands the header to decodeJSONHeader, which decides what it means. Whatever this
// accepts, decodeJSONHeader decodes to the same command (FuzzJSONHeaderFastPath).
//
// With asList the extFields are left in Fields, in the order read (a repeated key twice, the
// last one counting), instead of a map: see Command.Header.
func decodeJSONHeaderFast(h string, asList bool) (c *Command, ok bool) {
	p := jsonScan{s: h}
	if !p.byte('{') {
		return nil, false
	}
	c = &Command{}
	var seen uint8
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			key, ok := p.rawKey()
			if !ok || !p.byte(':') {
				return nil, false
			}
			var bit uint8
			switch key {
			case "code":
				bit = 1 << 0
				c.Code, ok = p.int32()
			case "flag":
				bit = 1 << 1
				c.Flag, ok = p.int32()
			case "opaque":
				bit = 1 << 2
				c.Opaque, ok = p.int32()
			case "version":
				bit = 1 << 3
				c.Version, ok = p.int32()
			case "language":
				bit = 1 << 4
				var v string
				if v, ok = p.str(); ok {
					c.Language = ParseLanguage(v)
				}
			case "remark":
				bit = 1 << 5
				c.Remark, ok = p.str()
			case "extFields":
				bit = 1 << 6
				if asList {
					c.Fields, ok = p.strList()
				} else {
					c.ExtFields, ok = p.strMap()
				}
			case "serializeTypeCurrentRPC":
				bit = 1 << 7
				_, ok = p.str()
			default:
				return nil, false
			}
			if !ok || seen&bit != 0 {
				return nil, false
			}
			seen |= bit
			if p.byte(',') {
				continue
			}
			if !p.byte('}') {
				return nil, false
			}
			break
		}
	}
	p.ws()
	if p.i != len(h) {
		return nil, false
	}
	return c, true
}

// jsonScan reads standard JSON from s at i; every method reports false rather than an error,
// since what it cannot read goes to the general decoder.
type jsonScan struct {
	s string
	i int
}

func (p *jsonScan) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end. Headers as peers write them
// have no whitespace, so the next byte is checked before any loop.
func (p *jsonScan) peek() byte {
	if p.i < len(p.s) && p.s[p.i] > ' ' {
		return p.s[p.i]
	}
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// byte consumes b (after whitespace) when it comes next.
func (p *jsonScan) byte(b byte) bool {
	if p.peek() != b {
		return false
	}
	p.i++
	return true
}

// rawKey reads a key without escapes: every key of the shape is plain ASCII.
func (p *jsonScan) rawKey() (string, bool) {
	if p.peek() != '"' {
		return "", false
	}
	start := p.i + 1
	for i := start; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '"':
			p.i = i + 1
			return p.s[start:i], true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// int32 reads an integer written plainly (no fraction, exponent, quotes or leading zeros) that
// fits a Java int.
func (p *jsonScan) int32() (int32, bool) {
	p.ws()
	i, neg := p.i, false
	if i < len(p.s) && p.s[i] == '-' {
		neg = true
		i++
	}
	start := i
	var v int64
	for i < len(p.s) && p.s[i] >= '0' && p.s[i] <= '9' && i-start < 11 {
		v = v*10 + int64(p.s[i]-'0')
		i++
	}
	n := i - start
	if n == 0 || n > 10 || n > 1 && p.s[start] == '0' {
		return 0, false
	}
	if i < len(p.s) {
		if c := p.s[i]; c == '.' || c == 'e' || c == 'E' || c >= '0' && c <= '9' {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v < -1<<31 || v > 1<<31-1 {
		return 0, false
	}
	p.i = i
	return int32(v), true
}

// str reads a string. One without escapes is a substring of the header, as the general
// decoder's are; one with escapes costs one allocation.
func (p *jsonScan) str() (string, bool) {
	if p.peek() != '"' {
		return "", false
	}
	s := p.s
	start := p.i + 1
	escaped, high := false, false
	i := start
	for ; i < len(s); i++ {
		c := s[i]
		if !strStop[c] {
			continue
		}
		if c == '"' {
			break
		}
		switch {
		case c == '\\':
			escaped = true
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		default:
			high = true
		}
	}
	if i >= len(s) {
		return "", false
	}
	raw := s[start:i]
	p.i = i + 1
	// Java turns malformed UTF-8 into U+FFFD; the general decoder does that.
	if high && !utf8.ValidString(raw) {
		return "", false
	}
	if !escaped {
		return raw, true
	}
	// One pass over the string's bytes, which the scan above has delimited and checked.
	v, err := fjson.StrictUnescape(raw)
	if err != nil {
		return "", false
	}
	return v, true
}

// strStop marks the bytes str's scan stops at: the closing quote, a backslash, a control
// character (refused) and the first byte of a multi-byte character (checked as UTF-8 after).
var strStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// maxPendingFields is how many extFields strMap holds before it knows the map's size: a send
// request has 13 or 14.
const maxPendingFields = 24

// strMap reads an object of strings. Its members are gathered first, so that the map is made
// at its final size.
func (p *jsonScan) strMap() (map[string]string, bool) {
	var pending [maxPendingFields]Field
	list, ok := p.fields(pending[:0])
	if !ok {
		return nil, false
	}
	m := make(map[string]string, len(list))
	for _, f := range list {
		m[f.Key] = f.Value // a repeated key: the last one wins, as in the general decoder
	}
	return m, true
}

// strList reads an object of strings into a list, in the order read: one allocation, where a
// map of a send header's dozen fields is a table of groups to hash them into.
func (p *jsonScan) strList() ([]Field, bool) {
	var pending [maxPendingFields]Field
	list, ok := p.fields(pending[:0])
	if !ok {
		return nil, false
	}
	return append(make([]Field, 0, len(list)), list...), true
}

// fields appends the members of an object of strings to list, in the order read (the
// callers pass a buffer on their stack, so that a usual header costs no allocation here).
func (p *jsonScan) fields(list []Field) ([]Field, bool) {
	if !p.byte('{') {
		return nil, false
	}
	if p.peek() == '}' {
		p.i++
		return list, true
	}
	for {
		k, ok := p.str()
		if !ok || !p.byte(':') {
			return nil, false
		}
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		list = append(list, Field{k, v})
		if p.byte(',') {
			continue
		}
		if !p.byte('}') {
			return nil, false
		}
		return list, true
	}
}
