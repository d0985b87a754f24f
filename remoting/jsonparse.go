package remoting

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser reads the small JSON objects of remoting headers. It is hand-written rather than
// encoding/json because headers are on every request's path, because strings without escapes
// can be substrings of one copy of the header, and because it must accept what fastjson-era
// peers send: numbers or booleans where Java expects strings, nulls, and unknown keys.
type jsonParser struct {
	src []byte
	s   string // the same bytes as src, one allocation shared by all unescaped strings
	i   int
}

// maxJSONDepth bounds nesting in values we skip, so hostile input cannot exhaust the stack.
const maxJSONDepth = 64

var errJSONEnd = errors.New("unexpected end of input")

func (p *jsonParser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) expect(b byte) error {
	p.space()
	if p.i >= len(p.src) {
		return errJSONEnd
	}
	if p.src[p.i] != b {
		return fmt.Errorf("expected %q at offset %d, found %q", b, p.i, p.src[p.i])
	}
	p.i++
	return nil
}

// object parses {"key": value, ...}, calling field for each key with the parser positioned at
// the value; field must consume it.
func (p *jsonParser) object(field func(key string) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	p.space()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.space()
		key, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		p.space()
		if err := field(key); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.src) {
			return errJSONEnd
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return fmt.Errorf("expected ',' or '}' at offset %d, found %q", p.i, p.src[p.i])
		}
	}
}

func (p *jsonParser) extFields(c *Command) error {
	if p.literal("null") {
		return nil
	}
	c.ExtFields = make(map[string]string, 8)
	return p.object(func(key string) error {
		v, ok, err := p.scalar()
		if ok {
			c.ExtFields[key] = v
		}
		return err
	})
}

// scalar reads a string, number or boolean as its text; null gives ok == false.
func (p *jsonParser) scalar() (v string, ok bool, err error) {
	if p.i >= len(p.src) {
		return "", false, errJSONEnd
	}
	switch b := p.src[p.i]; {
	case b == '"':
		v, err = p.str()
		return v, err == nil, err
	case b == '-' || (b >= '0' && b <= '9'):
		v, err = p.number()
		return v, err == nil, err
	case p.literal("true"):
		return "true", true, nil
	case p.literal("false"):
		return "false", true, nil
	case p.literal("null"):
		return "", false, nil
	default:
		return "", false, fmt.Errorf("expected a string, number or boolean at offset %d, found %q", p.i, b)
	}
}

func (p *jsonParser) int32() (int32, error) {
	v, ok, err := p.scalar()
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("not a 32-bit integer: %q", v)
	}
	return int32(n), nil
}

func (p *jsonParser) literal(word string) bool {
	if len(p.src)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) number() (string, error) {
	start := p.i
	for p.i < len(p.src) {
		switch b := p.src[p.i]; {
		case b >= '0' && b <= '9', b == '-', b == '+', b == '.', b == 'e', b == 'E':
			p.i++
			continue
		}
		break
	}
	text := p.s[start:p.i]
	if _, err := strconv.ParseFloat(text, 64); err != nil {
		return "", fmt.Errorf("bad number %q at offset %d", text, start)
	}
	return text, nil
}

// str reads a quoted string. Without escapes it is a substring of the shared copy.
func (p *jsonParser) str() (string, error) {
	if p.i >= len(p.src) {
		return "", errJSONEnd
	}
	if p.src[p.i] != '"' {
		return "", fmt.Errorf("expected a string at offset %d, found %q", p.i, p.src[p.i])
	}
	p.i++
	start := p.i
	for p.i < len(p.src) {
		switch b := p.src[p.i]; {
		case b == '"':
			v := p.s[start:p.i]
			p.i++
			return v, nil
		case b == '\\':
			return p.escapedStr(start)
		case b < 0x20:
			return "", fmt.Errorf("control character 0x%02x in string at offset %d", b, p.i)
		}
		p.i++
	}
	return "", errJSONEnd
}

func (p *jsonParser) escapedStr(start int) (string, error) {
	buf := make([]byte, 0, p.i-start+16)
	buf = append(buf, p.src[start:p.i]...)
	for p.i < len(p.src) {
		b := p.src[p.i]
		switch {
		case b == '"':
			p.i++
			return string(buf), nil
		case b < 0x20:
			return "", fmt.Errorf("control character 0x%02x in string at offset %d", b, p.i)
		case b != '\\':
			buf = append(buf, b)
			p.i++
			continue
		}
		if p.i+1 >= len(p.src) {
			return "", errJSONEnd
		}
		esc := p.src[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				lo := rune(-1)
				if p.i+1 < len(p.src) && p.src[p.i] == '\\' && p.src[p.i+1] == 'u' {
					p.i += 2
					if lo, err = p.hex4(); err != nil {
						return "", err
					}
				}
				r = utf16.DecodeRune(r, lo)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", fmt.Errorf("bad escape \\%c at offset %d", esc, p.i-1)
		}
	}
	return "", errJSONEnd
}

func (p *jsonParser) hex4() (rune, error) {
	if len(p.src)-p.i < 4 {
		return 0, errJSONEnd
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, fmt.Errorf("bad \\u escape at offset %d", p.i)
	}
	p.i += 4
	return rune(n), nil
}

// skip consumes one value of any kind.
func (p *jsonParser) skip(depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("nesting deeper than %d", maxJSONDepth)
	}
	if p.i >= len(p.src) {
		return errJSONEnd
	}
	switch p.src[p.i] {
	case '{':
		return p.object(func(string) error { p.space(); return p.skip(depth + 1) })
	case '[':
		p.i++
		p.space()
		if p.i < len(p.src) && p.src[p.i] == ']' {
			p.i++
			return nil
		}
		for {
			p.space()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.space()
			if p.i >= len(p.src) {
				return errJSONEnd
			}
			if p.src[p.i] == ']' {
				p.i++
				return nil
			}
			if p.src[p.i] != ',' {
				return fmt.Errorf("expected ',' or ']' at offset %d", p.i)
			}
			p.i++
		}
	default:
		_, _, err := p.scalar()
		return err
	}
}
