package remoting

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// extKeyOrder returns the extField keys of a frame's header in the order they travel.
func extKeyOrder(t *testing.T, f golden.Frame) []string {
	t.Helper()
	h := f.Header()
	if f.SerializeType == "JSON" {
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(h, &top))
		raw, ok := top["extFields"]
		if !ok {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		var keys []string
		_, _ = dec.Token()
		for dec.More() {
			tok, err := dec.Token()
			require.NoError(t, err)
			keys = append(keys, tok.(string))
			_, err = dec.Token()
			require.NoError(t, err)
		}
		return keys
	}
	p := binaryFixedLen
	p += 4 + int(binary.BigEndian.Uint32(h[p:]))
	end := p + 4 + int(binary.BigEndian.Uint32(h[p:]))
	p += 4
	var keys []string
	for p < end {
		kl := int(binary.BigEndian.Uint16(h[p:]))
		keys = append(keys, string(h[p+2:p+2+kl]))
		p += 2 + kl
		p += 4 + int(binary.BigEndian.Uint32(h[p:]))
	}
	return keys
}

func TestGoldenFramesDecode(t *testing.T) {
	frames := golden.Load(t)
	require.Len(t, frames, 70)
	for _, f := range frames {
		t.Run(f.Name(), func(t *testing.T) {
			c, err := DecodeFrame(f.Bytes, 0)
			require.NoError(t, err)
			require.Equal(t, f.Code, c.Code)
			require.Equal(t, f.Opaque, c.Opaque)
			require.Equal(t, f.Flag, c.Flag)
			require.Equal(t, f.SerializeType, c.SerializeType.String())
			require.Len(t, c.Body, f.BodyLen)
			require.Equal(t, f.Kind == "response", c.IsResponse())
			require.Equal(t, f.Kind == "oneway", c.IsOneway())

			var want struct {
				Language  any               `json:"language"`
				Version   int32             `json:"version"`
				Remark    string            `json:"remark"`
				ExtFields map[string]string `json:"extFields"`
			}
			hdr := f.HeaderJSON
			if f.SerializeType == "ROCKETMQ" {
				hdr = f.HeaderDecoded
			}
			require.NoError(t, json.Unmarshal(hdr, &want))
			require.Equal(t, want.Version, c.Version)
			require.Equal(t, want.Remark, c.Remark)
			if diff := cmp.Diff(want.ExtFields, c.ExtFields, cmpEmptyMapIsNil); diff != "" {
				t.Fatalf("extFields (-captured +decoded):\n%s", diff)
			}
			switch lang := want.Language.(type) {
			case string:
				require.Equal(t, lang, c.Language.String())
			case float64:
				require.Equal(t, LanguageCode(lang), c.Language)
			}
		})
	}
}

var cmpEmptyMapIsNil = cmp.FilterValues(func(a, b map[string]string) bool { return len(a) == 0 && len(b) == 0 },
	cmp.Comparer(func(a, b map[string]string) bool { return true }))

// Every frame written by a Java peer re-encodes to the very same bytes once the codec is told
// the order its keys were put into Java's HashMap (protocol/ knows that order per header type;
// internal/javamap proves the HashMap order itself). Frames written by the official Go client
// re-encode to an equivalent Java-shaped header: equal after parsing.
func TestGoldenFramesReencode(t *testing.T) {
	for _, f := range golden.Load(t) {
		t.Run(f.Name(), func(t *testing.T) {
			c, err := DecodeFrame(f.Bytes, 0)
			require.NoError(t, err)
			c.HeaderFields = extKeyOrder(t, f)
			c.FastHeader = true
			out, err := c.Encode()
			require.NoError(t, err)
			if strings.HasPrefix(f.From, "java") || strings.HasPrefix(f.From, "namesrv") || strings.HasPrefix(f.From, "broker") {
				require.Equal(t, f.Hex, hexString(out))
				return
			}
			back, err := DecodeFrame(out, 0)
			require.NoError(t, err)
			back.HeaderFields, back.FastHeader = nil, false
			c.HeaderFields, c.FastHeader = nil, false
			require.Equal(t, c, back)
			var got, want map[string]any
			require.NoError(t, json.Unmarshal(out[8:8+len(out)-8-len(c.Body)], &got))
			require.NoError(t, json.Unmarshal(f.Header(), &want))
			delete(got, "serializeTypeCurrentRPC")
			if want["remark"] == "" {
				delete(want, "remark") // the Go client writes an empty remark; Java omits it
			}
			require.Empty(t, cmp.Diff(want, got))
		})
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0xF])
	}
	return string(out)
}

func TestEncodeWritesJavaHashMapOrderWithoutHints(t *testing.T) {
	c := NewResponse(&Command{Opaque: 8}, Success, "")
	c.ExtFields = map[string]string{"msgId": "X", "queueId": "0", "queueOffset": "0", "MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}
	out, err := c.Encode()
	require.NoError(t, err)
	require.Contains(t, string(out), `{"code":0,"extFields":{"queueId":"0","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"X","queueOffset":"0"},"flag":1,"language":"JAVA","opaque":8,"serializeTypeCurrentRPC":"JSON","version":407}`)
}

func TestRoundTripBothSerializations(t *testing.T) {
	cases := []*Command{
		{Code: CodeSendMessageV2, Opaque: 1, ExtFields: map[string]string{"a": "g", "i": "KEYS\x01k\x02TAGS\x01t"}, Body: []byte("hello")},
		{Code: CodeHeartBeat, Opaque: 2, Flag: FlagOneway, Body: []byte(`{"clientID":"x"}`)},
		{Code: SystemError, Opaque: -7, Flag: FlagResponse, Remark: "quote \" backslash \\ newline \n tab \t ctrl \x01 unicode é 😀"},
		{Code: CodeGetRouteInfoByTopic, ExtFields: map[string]string{}, Language: LanguageGo, Version: 317},
		{Code: 12345, Opaque: 1 << 30, ExtFields: map[string]string{"": "", "k": ""}},
	}
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		for i, c := range cases {
			c.SerializeType = st
			out, err := c.Encode()
			require.NoError(t, err, "case %d", i)
			back, err := DecodeFrame(out, 0)
			require.NoError(t, err, "case %d", i)
			require.Empty(t, cmp.Diff(c, back, cmpEmptyMapIsNil), "case %d %s", i, st)
		}
	}
}

func TestJSONHeaderLeniency(t *testing.T) {
	cases := map[string]struct {
		header string
		want   Command
	}{
		"any key order and unknown keys": {
			`{"version":1,"unknown":{"x":[1,{"y":null}]},"opaque":3,"code":105,"flag":0,"language":"GO","extFields":{"topic":"T"}}`,
			Command{Code: 105, Version: 1, Opaque: 3, Language: LanguageGo, ExtFields: map[string]string{"topic": "T"}},
		},
		"numbers and booleans as extField values": {
			`{"code":10,"extFields":{"queueId":3,"batch":false,"nothing":null}}`,
			Command{Code: 10, ExtFields: map[string]string{"queueId": "3", "batch": "false"}},
		},
		"whitespace and escapes": {
			"{ \"code\" : 1 ,\n \"remark\" : \"a\\u0001b\\ud83d\\ude00\\/\" }",
			Command{Code: 1, Remark: "a\x01b😀/"},
		},
		"unknown language": {`{"code":1,"language":"COBOL"}`, Command{Code: 1, Language: LanguageOther}},
		"null extFields":   {`{"code":1,"extFields":null}`, Command{Code: 1}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := DecodeFrame(frameOf(SerializeJSON, []byte(tc.header), nil), 0)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(&tc.want, c, cmpEmptyMapIsNil))
		})
	}
}

// frameOf builds a frame around a raw header, whatever it holds.
func frameOf(st SerializeType, header, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+len(body)))
	out = binary.BigEndian.AppendUint32(out, uint32(st)<<24|uint32(len(header)))
	out = append(out, header...)
	return append(out, body...)
}

func TestHostileFramesAreRejected(t *testing.T) {
	validBinary, err := (&Command{Code: 1, Remark: "r", ExtFields: map[string]string{"k": "v"}, SerializeType: SerializeRocketMQ}).Encode()
	require.NoError(t, err)
	binHeader := validBinary[8:]
	lie := func(at int, v uint32, width int) []byte {
		h := bytes.Clone(binHeader)
		if width == 2 {
			binary.BigEndian.PutUint16(h[at:], uint16(v))
		} else {
			binary.BigEndian.PutUint32(h[at:], v)
		}
		return frameOf(SerializeRocketMQ, h, nil)
	}
	remarkAt := binaryFixedLen
	extAt := remarkAt + 4 + 1
	cases := map[string]struct {
		frame []byte
		want  error
	}{
		"no length word":                  {[]byte{0, 0}, ErrMalformedFrame},
		"length below header word":        {[]byte{0, 0, 0, 2, 0, 0}, ErrMalformedFrame},
		"length over limit":               {binary.BigEndian.AppendUint32(nil, DefaultMaxFrameSize+1), ErrFrameTooLarge},
		"negative length":                 {[]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, ErrFrameTooLarge},
		"length disagrees with frame":     {append(frameOf(SerializeJSON, []byte(`{"code":1}`), nil), 0), ErrMalformedFrame},
		"header length beyond frame":      {[]byte{0, 0, 0, 8, 0, 0, 0, 9, '{', '}', ' ', ' '}, ErrMalformedFrame},
		"unknown serialize type":          {frameOf(7, []byte(`{}`), nil), ErrMalformedFrame},
		"junk JSON":                       {frameOf(SerializeJSON, []byte(`{"code":`), nil), ErrMalformedFrame},
		"JSON not an object":              {frameOf(SerializeJSON, []byte(`[1,2]`), nil), ErrMalformedFrame},
		"JSON trailing bytes":             {frameOf(SerializeJSON, []byte(`{"code":1}x`), nil), ErrMalformedFrame},
		"JSON code not a number":          {frameOf(SerializeJSON, []byte(`{"code":"abc"}`), nil), ErrMalformedFrame},
		"JSON code overflows int32":       {frameOf(SerializeJSON, []byte(`{"code":99999999999}`), nil), ErrMalformedFrame},
		"JSON deep nesting":               {frameOf(SerializeJSON, []byte(`{"x":`+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+`}`), nil), ErrMalformedFrame},
		"JSON raw control char":           {frameOf(SerializeJSON, []byte("{\"remark\":\"a\x01\"}"), nil), ErrMalformedFrame},
		"binary header too short":         {frameOf(SerializeRocketMQ, []byte{0, 1, 0}, nil), ErrMalformedFrame},
		"binary remark length lies":       {lie(remarkAt, 1000, 4), ErrMalformedFrame},
		"binary negative remark length":   {lie(remarkAt, 0xffffffff, 4), ErrMalformedFrame},
		"binary ext length lies":          {lie(extAt, 1000, 4), ErrMalformedFrame},
		"binary key length lies":          {lie(extAt+4, 1000, 2), ErrMalformedFrame},
		"binary value length lies":        {lie(extAt+4+2+1, 1000, 4), ErrMalformedFrame},
		"binary trailing bytes in header": {frameOf(SerializeRocketMQ, append(bytes.Clone(binHeader), 9), nil), ErrMalformedFrame},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeFrame(tc.frame, 0)
			require.ErrorIs(t, err, tc.want)
			if name != "length disagrees with frame" { // on a stream the extra byte is the next frame's
				_, err = NewFrameReader(bytes.NewReader(tc.frame), 0).ReadCommand()
				require.Error(t, err)
			}
		})
	}
}

func TestFrameReaderStream(t *testing.T) {
	var stream []byte
	var want []*Command
	for i := range 50 {
		c := &Command{Code: int32(i), Opaque: int32(i), Body: bytes.Repeat([]byte{byte(i)}, i*1000), SerializeType: SerializeType(i % 2)}
		if i%3 == 0 {
			c.ExtFields = map[string]string{"i": strings.Repeat("x", i)}
		}
		var err error
		stream, err = c.AppendFrame(stream)
		require.NoError(t, err)
		if len(c.Body) == 0 {
			c.Body = nil
		}
		want = append(want, c)
	}
	// one byte per Read: the reader must reassemble frames split anywhere
	fr := NewFrameReader(&oneByteReader{r: bytes.NewReader(stream)}, 0)
	for _, w := range want {
		got, err := fr.ReadCommand()
		require.NoError(t, err)
		require.Empty(t, cmp.Diff(w, got, cmpEmptyMapIsNil))
	}
	_, err := fr.ReadCommand()
	require.ErrorIs(t, err, io.EOF)
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestFrameReaderCutInsideFrame(t *testing.T) {
	full, err := (&Command{Code: 1, Body: make([]byte, 100)}).Encode()
	require.NoError(t, err)
	for _, cut := range []int{2, 6, 20, len(full) - 1} {
		_, err := NewFrameReader(bytes.NewReader(full[:cut]), 0).ReadCommand()
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut at %d", cut)
	}
}

// A length word that claims 16 MiB followed by a trickle of bytes must not make the reader
// allocate 16 MiB: memory follows what arrived, not what was promised.
func TestFrameReaderDoesNotTrustLengthWord(t *testing.T) {
	claim := binary.BigEndian.AppendUint32(nil, DefaultMaxFrameSize)
	claim = append(claim, 0, 0, 0, 2, '{', '}')
	claim = append(claim, make([]byte, 1000)...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 20 {
		_, err := NewFrameReader(bytes.NewReader(claim), 0).ReadCommand()
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	}
	runtime.ReadMemStats(&after)
	perRead := (after.TotalAlloc - before.TotalAlloc) / 20
	require.Less(t, perRead, uint64(512<<10), "allocated %d bytes per hostile frame", perRead)
}

func TestFrameLimitIsConfigurable(t *testing.T) {
	c := &Command{Code: 1, Body: make([]byte, 2000)}
	out, err := c.Encode()
	require.NoError(t, err)
	_, err = NewFrameReader(bytes.NewReader(out), 1000).ReadCommand()
	require.ErrorIs(t, err, ErrFrameTooLarge)
	_, err = DecodeFrame(out, 1000)
	require.ErrorIs(t, err, ErrFrameTooLarge)
	got, err := DecodeFrame(out, 4000)
	require.NoError(t, err)
	require.Len(t, got.Body, 2000)
}

func TestEncodeRejectsUnencodable(t *testing.T) {
	_, err := (&Command{SerializeType: 9}).Encode()
	require.Error(t, err)
	_, err = (&Command{SerializeType: SerializeRocketMQ, ExtFields: map[string]string{strings.Repeat("k", 1<<15): "v"}}).Encode()
	require.Error(t, err)
}

func TestErrorsNameTheProblem(t *testing.T) {
	_, err := DecodeFrame(frameOf(SerializeRocketMQ, []byte{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0x41}, nil), 0)
	require.True(t, errors.Is(err, ErrMalformedFrame))
	require.Contains(t, err.Error(), "remark length 3")
}

// Header strings are substrings of one header text; whether that text is the frame's own
// bytes or a copy, nothing written afterwards into the caller's buffer or a body may show in them.
func TestDecodedHeaderIsNotChangedByLaterWrites(t *testing.T) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		for _, bodyLen := range []int{16, 2 * inPlaceFrame} { // read in place, and copied
			req := NewRequest(CodeSendMessageV2, map[string]string{"a": "group", "b": "topic"}, bytes.Repeat([]byte("x"), bodyLen))
			req.Remark = "remark"
			req.SerializeType = st
			frame, err := req.Encode()
			require.NoError(t, err)
			want := map[string]string{"a": "group", "b": "topic"}

			fromFrame, err := DecodeFrame(frame, 0)
			require.NoError(t, err)
			clear(frame) // the caller's buffer, reused
			require.Equal(t, want, fromFrame.ExtFields, "DecodeFrame, %v, body %d", st, bodyLen)
			require.Equal(t, "remark", fromFrame.Remark)

			frame, err = req.Encode()
			require.NoError(t, err)
			read, err := NewFrameReader(bytes.NewReader(frame), 0).ReadCommand()
			require.NoError(t, err)
			for i := range read.Body { // a handler writing to its body
				read.Body[i] = '!'
			}
			read.Body = append(read.Body, "more"...)
			require.Equal(t, want, read.ExtFields, "ReadCommand, %v, body %d", st, bodyLen)
			require.Equal(t, "remark", read.Remark)
		}
	}
}

// Fields encode as the same fields in ExtFields with HeaderFields giving the insertion order:
// JSON and plain binary headers in HashMap order, a FastCodesHeader's binary one in list order.
func TestFieldsEncodeAsExtFields(t *testing.T) {
	// Names whose HashMap order differs from the order they are put in.
	fields := []Field{
		{"producerGroup", "GID_orders"}, {"topic", "orders"}, {"queueId", "3"},
		{"bornTimestamp", "1795587237631"}, {"flag", "0"}, {"properties", "WAIT\x01true\x02"},
		{"reconsumeTimes", "0"}, {"unitMode", "false"}, {"batch", "false"},
	}
	var order []string
	ext := map[string]string{}
	for _, f := range fields {
		order = append(order, f.Key)
		ext[f.Key] = f.Value
	}
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		for _, fast := range []bool{false, true} {
			withMap := &Command{Code: CodeSendMessage, ExtFields: ext, HeaderFields: order, FastHeader: fast, SerializeType: st}
			withList := &Command{Code: CodeSendMessage, Fields: fields, HeaderFields: order, FastHeader: fast, SerializeType: st}
			want, err := withMap.Encode()
			require.NoError(t, err)
			got, err := withList.Encode()
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "%v, fast %v", st, fast)
			back, err := DecodeFrame(got, 0)
			require.NoError(t, err)
			require.Equal(t, ext, back.ExtFields)
		}
	}
	require.Contains(t, (&Command{Fields: fields}).String(), "topic:orders")
}

// A header listed in Fields as Command.Fields says (the keys that are not HeaderFields first,
// in name order, then the HeaderFields in their order) is written byte for byte as the same
// header in ExtFields, in both encodings, with FastHeader or without: keys drawn at random
// from a small pool, so that many share a HashMap bucket.
func TestFieldsWithExtrasEncodeAsExtFields(t *testing.T) {
	pool := []string{"a", "b", "c", "q", "r", "MSG_REGION", "TRACE_ON", "msgId", "queueId", "queueOffset", "transactionId", "Aa", "BB", "x1", "y0"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		keys := slices.Clone(pool)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		keys = keys[:rng.IntN(len(keys))+1]
		header := keys[:rng.IntN(len(keys)+1)] // HeaderFields, in this order
		extras := slices.Sorted(slices.Values(keys[len(header):]))
		ext := map[string]string{}
		var fields []Field
		for _, k := range append(slices.Clone(extras), header...) {
			ext[k] = "v" + k
			fields = append(fields, Field{k, "v" + k})
		}
		declared := slices.Clone(header)
		if rng.IntN(2) == 0 {
			declared = append(declared, "notSent") // a declared field left out
		}
		for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
			for _, fast := range []bool{false, true} {
				withMap := &Command{Code: 0, Flag: FlagResponse, SerializeType: st, HeaderFields: declared, FastHeader: fast, ExtFields: ext}
				withList := &Command{Code: 0, Flag: FlagResponse, SerializeType: st, HeaderFields: declared, FastHeader: fast, Fields: fields}
				a, err := withMap.Encode()
				require.NoError(t, err)
				b, err := withList.Encode()
				require.NoError(t, err)
				require.Equal(t, a, b, "%s fast=%v header %v extras %v", st, fast, header, extras)
			}
		}
	}
}
