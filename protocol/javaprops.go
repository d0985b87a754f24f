package protocol

import (
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Java properties text: the body of UPDATE_BROKER_CONFIG (25) and of GET_BROKER_CONFIG's answer
// (26), written by MixAll.properties2String and read by MixAll.string2Properties, that is
// java.util.Properties.load.

// ErrMalformedUnicodeEscape is Properties.load's complaint about a \u not followed by four hex
// digits; a 4.9.7 broker answers such an UPDATE_BROKER_CONFIG body with SYSTEM_ERROR
// "string2Properties error".
var ErrMalformedUnicodeEscape = errors.New(`protocol: malformed \uxxxx encoding in properties text`)

// EncodeJavaProperties writes props one "key=value" line each, in the iteration order of the
// Properties object (a ConcurrentHashMap of capacity 8) that properties2String walks, so that
// ordinary keys and values come out as Java writes them. Java does not escape anything, which
// loses what Properties.load treats specially; here backslashes, line breaks, separators in a
// key, a value's leading blanks and non-ASCII characters (as \uXXXX) are escaped as
// Properties.store would, so the text reads back as props on either side.
func EncodeJavaProperties(props map[string]string) []byte {
	keys := javaPropertiesOrder(javaStringKeys(props))
	var b []byte
	for _, k := range keys {
		b = appendPropertiesText(b, k, true)
		b = append(b, '=')
		b = appendPropertiesText(b, props[k], false)
		b = append(b, '\n')
	}
	return b
}

func appendPropertiesText(b []byte, s string, key bool) []byte {
	for i, r := range s {
		switch {
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r == ' ' && (key || i == 0):
			b = append(b, '\\', ' ')
		case key && (r == '=' || r == ':' || i == 0 && (r == '#' || r == '!')):
			b = append(b, '\\', byte(r))
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		default:
			for _, u := range utf16.Encode([]rune{r}) {
				b = append(b, '\\', 'u', fjHexDigits[u>>12], fjHexDigits[u>>8&15], fjHexDigits[u>>4&15], fjHexDigits[u&15])
			}
		}
	}
	return b
}

// DecodeJavaProperties reads properties text as Properties.load does: "#" and "!" comment
// lines, blank lines, a key ending at the first unescaped '=', ':' or blank, continuation lines
// (an odd number of backslashes at the end), and the escapes \t \n \r \f \uXXXX and \c for any
// other c. A key given twice keeps its last value.
//
// Java reads the bytes as ISO-8859-1; here they are read as UTF-8, so the text a broker writes
// (UTF-8) reads as that text where Java would read mojibake. Bytes that are not UTF-8 read as
// U+FFFD.
func DecodeJavaProperties(data []byte) (map[string]string, error) {
	props := map[string]string{}
	text := strings.ToValidUTF8(string(data), "\uFFFD")
	for line := range logicalPropertiesLines(text) {
		key, value := splitPropertiesLine(line)
		k, err := unescapeProperties(key)
		if err != nil {
			return nil, err
		}
		v, err := unescapeProperties(value)
		if err != nil {
			return nil, err
		}
		props[k] = v
	}
	return props, nil
}

func isPropertiesBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// logicalPropertiesLines yields the logical lines of text as Properties.LineReader reads them:
// leading blanks and comment lines dropped, continuation lines joined without the backslash
// and without the next line's leading blanks.
func logicalPropertiesLines(text string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		var line []byte
		skipBlank := true      // at the start of a natural line
		appendedBegin := false // that natural line continues the logical one
		precedingBackslash := false
		for i := 0; i < len(text); i++ {
			c := text[i]
			if skipBlank {
				if isPropertiesBlank(c) {
					continue
				}
				if !appendedBegin && (c == '\r' || c == '\n') {
					continue
				}
				skipBlank, appendedBegin = false, false
			}
			if len(line) == 0 && (c == '#' || c == '!') {
				for i+1 < len(text) && text[i+1] != '\n' && text[i+1] != '\r' {
					i++
				}
				skipBlank = true
				continue
			}
			if c != '\n' && c != '\r' {
				line = append(line, c)
				precedingBackslash = c == '\\' && !precedingBackslash
				continue
			}
			if len(line) == 0 {
				skipBlank = true
				continue
			}
			if precedingBackslash {
				line = line[:len(line)-1]
				skipBlank, appendedBegin, precedingBackslash = true, true, false
				if c == '\r' && i+1 < len(text) && text[i+1] == '\n' {
					i++
				}
				continue
			}
			if !yield(string(line)) {
				return
			}
			line, skipBlank = line[:0], true
		}
		if len(line) > 0 {
			if precedingBackslash {
				line = line[:len(line)-1]
			}
			yield(string(line))
		}
	}
}

// splitPropertiesLine cuts a logical line into its raw key and value as Properties.load does.
func splitPropertiesLine(line string) (key, value string) {
	keyLen, valueStart := 0, len(line)
	hasSep, precedingBackslash := false, false
	for keyLen < len(line) {
		c := line[keyLen]
		if (c == '=' || c == ':') && !precedingBackslash {
			valueStart, hasSep = keyLen+1, true
			break
		}
		if isPropertiesBlank(c) && !precedingBackslash {
			valueStart = keyLen + 1
			break
		}
		precedingBackslash = c == '\\' && !precedingBackslash
		keyLen++
	}
	for valueStart < len(line) {
		c := line[valueStart]
		if !isPropertiesBlank(c) {
			if hasSep || c != '=' && c != ':' {
				break
			}
			hasSep = true
		}
		valueStart++
	}
	return line[:keyLen], line[valueStart:]
}

// unescapeProperties is Properties.loadConvert. \uXXXX escapes give UTF-16 units; a surrogate
// pair becomes its character and a lone surrogate U+FFFD, as Go strings cannot hold it.
func unescapeProperties(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	var high rune // a high surrogate waiting for its low half
	flush := func() {
		if high != 0 {
			b.WriteRune(utf8.RuneError)
			high = 0
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			flush()
			b.WriteByte(c)
			i++
			continue
		}
		c = s[i+1]
		i += 2
		if c != 'u' {
			flush()
			switch c {
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case 'n':
				c = '\n'
			case 'f':
				c = '\f'
			}
			b.WriteByte(c)
			continue
		}
		if i+4 > len(s) {
			return "", ErrMalformedUnicodeEscape
		}
		var u rune
		for _, h := range []byte(s[i : i+4]) {
			switch {
			case h >= '0' && h <= '9':
				u = u<<4 | rune(h-'0')
			case h >= 'a' && h <= 'f':
				u = u<<4 | rune(h-'a'+10)
			case h >= 'A' && h <= 'F':
				u = u<<4 | rune(h-'A'+10)
			default:
				return "", ErrMalformedUnicodeEscape
			}
		}
		i += 4
		switch {
		case utf16.IsSurrogate(u) && u < 0xDC00:
			flush()
			high = u
		case utf16.IsSurrogate(u) && high != 0:
			b.WriteRune(utf16.DecodeRune(high, u))
			high = 0
		default:
			flush()
			b.WriteRune(u) // a lone low surrogate is written as U+FFFD
		}
	}
	flush()
	return b.String(), nil
}
