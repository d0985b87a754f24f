package remoting

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// Headers the fast path must take, so that the cost it saves is saved for what peers send:
// every JSON header in testdata/golden (Java and the official Go client) and our own.
func TestJSONHeaderFastPathTakesPeersHeaders(t *testing.T) {
	frames, err := golden.Read()
	require.NoError(t, err)
	n := 0
	for _, g := range frames {
		if g.SerializeType != "JSON" {
			continue
		}
		n++
		h := string(g.Header())
		fast, ok := decodeJSONHeaderFast(h, false)
		require.True(t, ok, "%s: fast path refused %s", g.Name, h)
		general, err := decodeJSONHeaderGeneral(h)
		require.NoError(t, err)
		require.Empty(t, cmp.Diff(general, fast), g.Name)
	}
	require.NotZero(t, n)
	ours, err := sendV2(SerializeJSON).Encode()
	require.NoError(t, err)
	_, ok := decodeJSONHeaderFast(string(ours[8:len(ours)-128]), false)
	require.True(t, ok, "our own send request")
}

// Headers outside the fast path's shape go to the general decoder, which keeps fastjson's
// leniency; the fast path must refuse them, not guess.
func TestJSONHeaderFastPathRefusesTheUnusual(t *testing.T) {
	for _, h := range []string{
		`{"code":"10"}`,                // a quoted number
		`{"code":1.0}`,                 // a fraction
		`{"code":01}`,                  // a leading zero
		`{"code":2147483648}`,          // beyond an int
		`{"code":null}`,                // null
		`{"code":1,"code":2}`,          // a repeated key
		`{"co\u0064e":1}`,              // an escaped key
		`{"extra":1}`,                  // an unknown key
		`{"extFields":null}`,           // null extFields
		`{"extFields":{"a":1}}`,        // a number where a string belongs
		"{\"remark\":\"\xff\"}",        // malformed UTF-8
		`{"remark":"a` + "\x01" + `"}`, // a raw control character
		`{"code":1,}`,                  // a trailing comma
		`{"code":1} x`,                 // data after the object
	} {
		_, ok := decodeJSONHeaderFast(h, false)
		require.False(t, ok, h)
	}
}

// Strings with escapes are the fast path's too: it hands them to the general decoder's string
// reader, surrogates (paired, or alone: U+FFFD, as Java's UTF-8 encoder writes one) included.
func TestJSONHeaderFastPathTakesEscapes(t *testing.T) {
	for _, h := range []string{
		`{"extFields":{"a":"\ud83d\ude00"}}`,
		`{"extFields":{"a":"\ud83d"}}`,
		`{"extFields":{"a":"x\ude00\ud83dy"}}`,
		`{"remark":"a\u0001b\u0002c\n"}`,
	} {
		fast, ok := decodeJSONHeaderFast(h, false)
		require.True(t, ok, h)
		general, err := decodeJSONHeaderGeneral(h)
		require.NoError(t, err)
		require.Empty(t, cmp.Diff(general, fast), h)
		require.Empty(t, cmp.Diff(stdlibHeader(t, []byte(h)), fast), h)
	}
}

// FuzzJSONHeaderFastPath: whatever the fast path accepts, the general decoder and
// encoding/json read alike.
func FuzzJSONHeaderFastPath(f *testing.F) {
	frames, _ := golden.Read()
	for _, g := range frames {
		if g.SerializeType == "JSON" {
			f.Add(g.Header())
		}
	}
	f.Add([]byte(`{"code":-12,"extFields":{"k":"a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\u20ac","":""},"flag":0,"language":"GO","opaque":2147483647,"remark":"x\u0000y","serializeTypeCurrentRPC":"JSON","version":-2147483648}`))
	f.Add([]byte(" {\r\n\t\"extFields\" : { } , \"remark\" : \"\xc3\xa9\" } "))
	f.Add([]byte(`{"extFields":{"a":"1","a":"2"}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"remark":"\ud83d\ude00\ud83d\u0041\udc00"}`))
	f.Add([]byte(`{"extFields":{"PROPERTIES":"TAGS\u0001A\u0002KEYS\u0001\u00C9\u20AC\u0002","\u0041":"\/\"\\"}}`))
	f.Fuzz(func(t *testing.T, header []byte) {
		h := string(header)
		fast, ok := decodeJSONHeaderFast(h, false)
		if !ok {
			return
		}
		general, err := decodeJSONHeaderGeneral(h)
		if err != nil {
			t.Fatalf("fast path took a header the general decoder refuses (%v): %q", err, h)
		}
		if diff := cmp.Diff(general, fast); diff != "" {
			t.Fatalf("fast path and general decoder differ on %q:\n%s", h, diff)
		}
		if diff := cmp.Diff(stdlibHeader(t, header), fast); diff != "" {
			t.Fatalf("fast path and encoding/json differ on %q:\n%s", h, diff)
		}
	})
}

// stdlibHeader decodes a header of the fast path's shape with encoding/json.
func stdlibHeader(t *testing.T, header []byte) *Command {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(header, &members); err != nil {
		t.Fatalf("encoding/json refuses %q: %v", header, err)
	}
	c := &Command{}
	read := func(key string, into any) {
		if raw, ok := members[key]; ok {
			if err := json.Unmarshal(raw, into); err != nil {
				t.Fatalf("encoding/json: %s of %q: %v", key, header, err)
			}
		}
	}
	read("code", &c.Code)
	read("flag", &c.Flag)
	read("opaque", &c.Opaque)
	read("version", &c.Version)
	read("remark", &c.Remark)
	read("extFields", &c.ExtFields)
	if raw, ok := members["language"]; ok {
		var lang string
		if err := json.Unmarshal(raw, &lang); err != nil {
			t.Fatalf("encoding/json: language of %q: %v", header, err)
		}
		c.Language = ParseLanguage(lang)
	}
	return c
}

// FuzzJSONHeaderListPath: the fast path reading extFields as a list (for HandleInlineList)
// takes the headers it takes with a map, and the list, made a map (Command.Header) and read
// key by key (Command.Lookup), is the general decoder's map.
func FuzzJSONHeaderListPath(f *testing.F) {
	frames, _ := golden.Read()
	for _, g := range frames {
		if g.SerializeType == "JSON" {
			f.Add(g.Header())
		}
	}
	f.Add([]byte(`{"code":310,"extFields":{"a":"pg","b":"T","a":"again","e":"\u0001x\u0002"},"flag":0,"language":"GO","opaque":7,"version":407}`))
	f.Add([]byte(`{"extFields":{}}`))
	f.Add([]byte(`{"extFields":{"k":"1","k":"2","k":"3"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, header []byte) {
		h := string(header)
		list, ok := decodeJSONHeaderFast(h, true)
		_, mapOK := decodeJSONHeaderFast(h, false)
		if ok != mapOK {
			t.Fatalf("fast path with a list took it %v, with a map %v: %q", ok, mapOK, h)
		}
		if !ok {
			return
		}
		general, err := decodeJSONHeaderGeneral(h)
		if err != nil {
			t.Fatalf("fast path took a header the general decoder refuses (%v): %q", err, h)
		}
		if list.ExtFields != nil {
			t.Fatalf("a list header has a map: %q", h)
		}
		for k, v := range general.ExtFields {
			if got, ok := list.Lookup(k); !ok || got != v {
				t.Fatalf("Lookup(%q) = %q, %v; the general decoder read %q in %q", k, got, ok, v, h)
			}
		}
		for _, f := range list.Fields {
			if _, ok := general.ExtFields[f.Key]; !ok {
				t.Fatalf("the list has %q, the general decoder did not read it in %q", f.Key, h)
			}
		}
		list.Header()
		if diff := cmp.Diff(general, list); diff != "" {
			t.Fatalf("list made a map and general decoder differ on %q:\n%s", h, diff)
		}
	})
}
