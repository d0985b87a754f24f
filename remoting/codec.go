package remoting

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unsafe"

	"github.com/rocketsim/rocketsim/internal/fjson"
	"github.com/rocketsim/rocketsim/internal/javamap"
)

// DefaultMaxFrameSize is Java's com.rocketmq.remoting.frameMaxLength default: 16 MiB.
const DefaultMaxFrameSize = 16 << 20

// ErrFrameTooLarge is returned for a frame whose length word exceeds the configured limit.
var ErrFrameTooLarge = errors.New("remoting: frame too large")

// ErrMalformedFrame is wrapped by every decoding error other than ErrFrameTooLarge.
var ErrMalformedFrame = errors.New("remoting: malformed frame")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedFrame, fmt.Sprintf(format, args...))
}

// maxHeaderLength is the largest header the 24 bits of the header-length word can describe.
const maxHeaderLength = 1<<24 - 1

// AppendFrame appends the whole frame (length word included) to dst, with the header encoded in
// c.SerializeType.
func (c *Command) AppendFrame(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	switch c.SerializeType {
	case SerializeJSON:
		dst = c.appendJSONHeader(dst)
	case SerializeRocketMQ:
		var err error
		if dst, err = c.appendBinaryHeader(dst); err != nil {
			return dst[:start], err
		}
	default:
		return dst[:start], fmt.Errorf("remoting: cannot encode serialize type %d", c.SerializeType)
	}
	headerLen := len(dst) - start - 8
	if headerLen > maxHeaderLength {
		return dst[:start], fmt.Errorf("remoting: header of %d bytes exceeds the 16 MiB header limit", headerLen)
	}
	dst = append(dst, c.Body...)
	total := len(dst) - start - 4
	if int64(total) > int64(^uint32(0)>>1) {
		return dst[:start], fmt.Errorf("remoting: frame of %d bytes is too large to encode", total)
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(total))
	binary.BigEndian.PutUint32(dst[start+4:], uint32(c.SerializeType)<<24|uint32(headerLen))
	return dst, nil
}

// Encode returns the whole frame, length word included.
func (c *Command) Encode() ([]byte, error) {
	return c.AppendFrame(make([]byte, 0, 256+len(c.Body)))
}

// DecodeFrame decodes one whole frame, length word included. maxFrame <= 0 means
// DefaultMaxFrameSize. The command's Body aliases frame.
func DecodeFrame(frame []byte, maxFrame int) (*Command, error) {
	if len(frame) < 4 {
		return nil, malformed("frame of %d bytes has no length word", len(frame))
	}
	length, err := checkLength(binary.BigEndian.Uint32(frame), maxFrame)
	if err != nil {
		return nil, err
	}
	if length != len(frame)-4 {
		return nil, malformed("length word says %d bytes, frame has %d", length, len(frame)-4)
	}
	return decodeContent(frame[4:], false, false)
}

func checkLength(word uint32, maxFrame int) (int, error) {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	if word > uint32(maxFrame) {
		return 0, fmt.Errorf("%w: length word %d exceeds the limit of %d bytes", ErrFrameTooLarge, word, maxFrame)
	}
	if word < 4 {
		return 0, malformed("length word %d leaves no room for the header-length word", word)
	}
	return int(word), nil
}

// decodeContent decodes what follows the length word: header-length word, header, body. owned
// says that content is the decoder's alone (a frame read into its own buffer), never written
// again by anyone; otherwise the header's strings are copied out of it. asList leaves a JSON
// header's extFields in Fields when the fast path reads it (see Command.Header).
func decodeContent(content []byte, owned, asList bool) (*Command, error) {
	word := binary.BigEndian.Uint32(content)
	st := SerializeType(word >> 24)
	headerLen := int(word & maxHeaderLength)
	if headerLen > len(content)-4 {
		return nil, malformed("header length %d exceeds the %d bytes left in the frame", headerLen, len(content)-4)
	}
	header := headerText(content, headerLen, owned)
	var (
		c   *Command
		err error
	)
	switch st {
	case SerializeJSON:
		c, err = decodeJSONHeader(header, asList)
	case SerializeRocketMQ:
		c, err = decodeBinaryHeader(header)
	default:
		return nil, malformed("unknown serialize type %d", st)
	}
	if err != nil {
		return nil, err
	}
	c.SerializeType = st
	if body := content[4+headerLen:]; len(body) > 0 {
		c.Body = body
	}
	return c, nil
}

// inPlaceFrame is the largest frame whose header strings are read in place, as substrings of
// the frame's own bytes, instead of from a copy of the header.
const inPlaceFrame = 4 << 10

// headerText returns the header of content (a frame's bytes after the length word) as one
// string whose substrings become the remark, keys and values. The header of a small frame that
// the decoder owns is read in place: the strings then keep the whole frame alive, which for a
// small frame costs less than a copy of its header on every request. A bigger frame's header is
// copied, so that a header value kept (by a history, say) does not pin a big body. The body
// follows the header, so a handler writing to it cannot change them.
func headerText(content []byte, headerLen int, owned bool) string {
	h := content[4 : 4+headerLen]
	if owned && len(content) <= inPlaceFrame && headerLen > 0 {
		return unsafe.String(&h[0], len(h))
	}
	return string(h)
}

// FrameReader reads commands from a stream, one frame at a time.
type FrameReader struct {
	r         *bufio.Reader
	maxFrame  int
	maxHeader int // 0: the format's own bound

	// asList: commands may come with their extFields in Fields (see Command.Header). Only a
	// server's connections read so, and make the map before anyone that wants it sees one.
	asList bool
}

// readBufferSize is each connection's read buffer. Small frames (sends, heartbeats) batch up in
// it; bigger ones are read straight into their own buffer, so a larger size buys nothing but
// memory on idle connections (64 KiB made an idle connection cost ~68 KB of heap).
const readBufferSize = 4 << 10

// NewFrameReader reads frames from r, rejecting frames over maxFrame (<= 0: DefaultMaxFrameSize).
func NewFrameReader(r io.Reader, maxFrame int) *FrameReader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufferSize)
	}
	return &FrameReader{r: br, maxFrame: maxFrame}
}

// eagerAllocation is the largest frame read into a buffer of its claimed size at once; bigger
// frames grow their buffer as bytes arrive, so a lying length word costs nothing.
const eagerAllocation = 64 << 10

// ReadCommand reads the next command. io.EOF means the stream ended cleanly between frames;
// a stream cut inside a frame gives io.ErrUnexpectedEOF.
func (fr *FrameReader) ReadCommand() (*Command, error) {
	var lenWord [4]byte
	if _, err := io.ReadFull(fr.r, lenWord[:]); err != nil {
		return nil, err
	}
	length, err := checkLength(binary.BigEndian.Uint32(lenWord[:]), fr.maxFrame)
	if err != nil {
		return nil, err
	}
	var content []byte
	if length <= eagerAllocation {
		content = make([]byte, length)
		if _, err := io.ReadFull(fr.r, content); err != nil {
			return nil, unexpectedEOF(err)
		}
	} else {
		content, err = readGrowing(fr.r, length)
		if err != nil {
			return nil, err
		}
	}
	if fr.maxHeader > 0 && len(content) >= 4 {
		if h := int(binary.BigEndian.Uint32(content) & maxHeaderLength); h > fr.maxHeader {
			return nil, fmt.Errorf("%w: header of %d bytes exceeds the limit of %d bytes", ErrHeaderTooLarge, h, fr.maxHeader)
		}
	}
	return decodeContent(content, true, fr.asList)
}

// whollyBuffered reports whether the next frame is entirely in the read buffer already.
func (fr *FrameReader) whollyBuffered() bool {
	n := fr.r.Buffered()
	if n < 4 {
		return false
	}
	word, _ := fr.r.Peek(4)
	return uint64(binary.BigEndian.Uint32(word))+4 <= uint64(n)
}

// readGrowing reads exactly n bytes, doubling its buffer as data arrives instead of trusting n.
func readGrowing(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, eagerAllocation)
	for len(buf) < n {
		if len(buf) == cap(buf) {
			next := min(2*cap(buf), n)
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < n {
			return nil, unexpectedEOF(err)
		}
	}
	return buf, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ---- ROCKETMQ binary header ----
//
// int16 code | int8 language | int16 version | int32 opaque | int32 flag |
// int32 remarkLen | remark | int32 extLen | { int16 keyLen | key | int32 valueLen | value }*

const binaryFixedLen = 2 + 1 + 2 + 4 + 4

func (c *Command) appendBinaryHeader(dst []byte) ([]byte, error) {
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(c.Code)))
	dst = append(dst, byte(c.Language))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(c.Version)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Opaque))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Flag))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Remark)))
	dst = append(dst, c.Remark...)
	extLenAt := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	var err error
	if c.ExtFields == nil && c.Fields != nil {
		// A FastCodesHeader writes its fields in declaration order, then any others (an
		// answer's MSG_REGION, say) in HashMap order, as from the map below; other headers
		// write all of them in HashMap order.
		rest := !c.FastHeader
		if c.FastHeader {
			for _, f := range c.Fields {
				if !contains(c.HeaderFields, f.Key) {
					rest = true
					continue
				}
				if dst, err = appendBinaryField(dst, f.Key, f.Value); err != nil {
					return dst, err
				}
			}
		}
		if rest {
			var buf [24]int
			for _, i := range c.fieldOrder(buf[:0], true) {
				if c.FastHeader && contains(c.HeaderFields, c.Fields[i].Key) {
					continue
				}
				if dst, err = appendBinaryField(dst, c.Fields[i].Key, c.Fields[i].Value); err != nil {
					return dst, err
				}
			}
		}
		binary.BigEndian.PutUint32(dst[extLenAt:], uint32(len(dst)-extLenAt-4))
		return dst, nil
	}
	if c.FastHeader {
		for _, k := range c.HeaderFields {
			if v, ok := c.ExtFields[k]; ok {
				if dst, err = appendBinaryField(dst, k, v); err != nil {
					return dst, err
				}
			}
		}
	}
	var keyBuf [24]string
	for _, k := range c.orderedKeys(keyBuf[:0]) {
		if c.FastHeader && contains(c.HeaderFields, k) {
			continue
		}
		if dst, err = appendBinaryField(dst, k, c.ExtFields[k]); err != nil {
			return dst, err
		}
	}
	binary.BigEndian.PutUint32(dst[extLenAt:], uint32(len(dst)-extLenAt-4))
	return dst, nil
}

func appendBinaryField(dst []byte, k, v string) ([]byte, error) {
	if len(k) > 1<<15-1 {
		return dst, fmt.Errorf("remoting: extField key of %d bytes does not fit a binary header", len(k))
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
	dst = append(dst, k...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
	return append(dst, v...), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// fieldOrder returns the indexes of Fields in list order or, with hashed, in the order a Java
// HashMap that had them put in list order iterates them.
func (c *Command) fieldOrder(buf []int, hashed bool) []int {
	for i := range c.Fields {
		buf = append(buf, i)
	}
	if hashed {
		javamap.OrderIndexes(buf, func(i int) string { return c.Fields[i].Key })
	}
	return buf
}

// orderedKeys returns the extField keys in the order a Java peer's HashMap iterates them.
func (c *Command) orderedKeys(buf []string) []string {
	return javamap.Keys(c.ExtFields, c.HeaderFields, buf)
}

func decodeBinaryHeader(s string) (*Command, error) {
	if len(s) < binaryFixedLen+4 {
		return nil, malformed("binary header of %d bytes is shorter than its fixed part", len(s))
	}
	// Remark, keys and values are substrings of s: a header costs no allocation per field. h
	// is s seen as bytes, for reading the numbers; it is never written.
	h := unsafe.Slice(unsafe.StringData(s), len(s))
	c := &Command{
		Code:     int32(int16(binary.BigEndian.Uint16(h))),
		Language: LanguageCode(h[2]),
		Version:  int32(int16(binary.BigEndian.Uint16(h[3:]))),
		Opaque:   int32(binary.BigEndian.Uint32(h[5:])),
		Flag:     int32(binary.BigEndian.Uint32(h[9:])),
	}
	p := binaryFixedLen
	remarkLen := int(int32(binary.BigEndian.Uint32(h[p:])))
	p += 4
	if remarkLen < 0 || remarkLen > len(h)-p {
		return nil, malformed("binary header remark length %d exceeds the %d bytes left", remarkLen, len(h)-p)
	}
	c.Remark = s[p : p+remarkLen]
	p += remarkLen
	if len(h)-p < 4 {
		return nil, malformed("binary header ends before its extFields length")
	}
	extLen := int(int32(binary.BigEndian.Uint32(h[p:])))
	p += 4
	if extLen < 0 || extLen > len(h)-p {
		return nil, malformed("binary header extFields length %d exceeds the %d bytes left", extLen, len(h)-p)
	}
	if extLen > 0 {
		end := p + extLen
		c.ExtFields = make(map[string]string, 8)
		for p < end {
			if end-p < 2 {
				return nil, malformed("binary header extField key length cut short")
			}
			kl := int(int16(binary.BigEndian.Uint16(h[p:])))
			p += 2
			if kl < 0 || kl > end-p {
				return nil, malformed("binary header extField key length %d exceeds the %d bytes left", kl, end-p)
			}
			k := s[p : p+kl]
			p += kl
			if end-p < 4 {
				return nil, malformed("binary header extField %q value length cut short", k)
			}
			vl := int(int32(binary.BigEndian.Uint32(h[p:])))
			p += 4
			if vl < 0 || vl > end-p {
				return nil, malformed("binary header extField %q value length %d exceeds the %d bytes left", k, vl, end-p)
			}
			c.ExtFields[k] = s[p : p+vl]
			p += vl
		}
	}
	if p != len(h) {
		return nil, malformed("binary header has %d bytes after its extFields", len(h)-p)
	}
	return c, nil
}

// ---- JSON header ----
//
// Java writes the header with fastjson: top-level keys sorted, extFields in HashMap order,
// null fields left out. We write the same bytes, and read any key order, unknown keys and the
// official Go client's shape ("remark":"" and "extFields":{} always present).

func (c *Command) appendJSONHeader(dst []byte) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(c.Code), 10)
	if c.ExtFields != nil {
		dst = append(dst, `,"extFields":{`...)
		var keyBuf [24]string
		for i, k := range c.orderedKeys(keyBuf[:0]) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, c.ExtFields[k])
		}
		dst = append(dst, '}')
	} else if c.Fields != nil {
		dst = append(dst, `,"extFields":{`...)
		var buf [24]int
		for n, i := range c.fieldOrder(buf[:0], true) {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, c.Fields[i].Key)
			dst = append(dst, ':')
			dst = appendJSONString(dst, c.Fields[i].Value)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendInt(dst, int64(c.Flag), 10)
	dst = append(dst, `,"language":"`...)
	dst = append(dst, c.Language.String()...)
	dst = append(dst, `","opaque":`...)
	dst = strconv.AppendInt(dst, int64(c.Opaque), 10)
	if c.Remark != "" {
		dst = append(dst, `,"remark":`...)
		dst = appendJSONString(dst, c.Remark)
	}
	dst = append(dst, `,"serializeTypeCurrentRPC":"JSON","version":`...)
	dst = strconv.AppendInt(dst, int64(c.Version), 10)
	return append(dst, '}')
}

const hexDigits = "0123456789ABCDEF"

// appendJSONString writes s as fastjson does by default: quotes, backslashes and control
// characters escaped, everything else (non-ASCII included) as UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func decodeJSONHeader(h string, asList bool) (*Command, error) {
	if c, ok := decodeJSONHeaderFast(h, asList); ok {
		return c, nil
	}
	return decodeJSONHeaderGeneral(h)
}

// decodeJSONHeaderGeneral reads any header fastjson-era peers may send, and says what is wrong
// with one that is malformed.
func decodeJSONHeaderGeneral(h string) (*Command, error) {
	r := fjson.NewStrictStringReader(h)
	if r.Peek() != '{' {
		return nil, malformed("JSON header: %v", r.Errorf("expected an object"))
	}
	c := &Command{}
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "code":
			c.Code, err = r.Int32()
		case "flag":
			c.Flag, err = r.Int32()
		case "opaque":
			c.Opaque, err = r.Int32()
		case "version":
			c.Version, err = r.Int32()
		case "language":
			var v string
			var ok bool
			if v, ok, err = r.Scalar(); ok {
				c.Language = ParseLanguage(v)
			}
		case "remark":
			c.Remark, err = r.Str()
		case "extFields":
			err = readExtFields(r, c)
		default:
			err = r.Skip()
		}
		return err
	})
	if err == nil {
		err = r.End()
	}
	if err != nil {
		return nil, malformed("JSON header: %v", err)
	}
	return c, nil
}
