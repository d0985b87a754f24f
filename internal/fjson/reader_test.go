package fjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// read builds a tree of what a Reader sees: map[string]any (a repeated key keeps its last
// value), []any, string, json.Number, bool and nil, so results compare with encoding/json's.
func read(r *Reader) (any, error) {
	switch c := r.Peek(); {
	case c == '{':
		m := map[string]any{}
		err := r.Object(func(key string) error {
			v, err := read(r)
			m[key] = v
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := r.Array(func() error {
			v, err := read(r)
			a = append(a, v)
			return err
		})
		return a, err
	case isNumberStart(c):
		s, err := r.Str()
		return json.Number(s), err
	case r.isQuote(c):
		return r.Str()
	default:
		s, ok, err := r.Scalar()
		if !ok {
			return nil, err
		}
		return s == "true", err
	}
}

// readAll reads one whole JSON text.
func readAll(r *Reader) (any, error) {
	v, err := read(r)
	if err == nil {
		err = r.End()
	}
	return v, err
}

type dialect struct {
	name string
	new  func([]byte) *Reader
}

var dialects = []dialect{{"fastjson", NewReader}, {"strict", NewStrictReader}}

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     any
		strict   string // the strict dialect's error, or "" when it reads want too
	}{
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
			map[string]any{"a": json.Number("1"), "b": []any{true, false, nil}, "c": map[string]any{"d": "e"}}, ""},
		{"empty containers", ` { } `, map[string]any{}, ""},
		{"repeated key keeps the last", `{"a":1,"a":2}`, map[string]any{"a": json.Number("2")}, ""},
		{"whitespace", "\t{\r\n\"a\" :\n[ 1 , 2 ] }\n", map[string]any{"a": []any{json.Number("1"), json.Number("2")}}, ""},
		{"fastjson's whitespace", "{\f\"a\"\b:1}", map[string]any{"a": json.Number("1")},
			`expected a string key at offset 1 ('\f')`},
		{"bare keys", `{0:"x",-1:"y",a_b$.c:1}`,
			map[string]any{"0": "x", "-1": "y", "a_b$.c": json.Number("1")}, "expected a string key at offset 1 ('0')"},
		{"single quotes", `{'a':'b"c'}`, map[string]any{"a": `b"c`}, `expected a string key at offset 1 ('\'')`},
		{"object as key", `{{"a":1}:2,[1]:3}`, map[string]any{`{"a":1}`: json.Number("2"), "[1]": json.Number("3")},
			"expected a string key at offset 1 ('{')"},
		{"trailing commas", `{"a":[1,],}`, map[string]any{"a": []any{json.Number("1")}}, "expected a string at offset 8 (']')"},
		{"numbers keep their text", `[-0,1.50,2e+10,-3E-2,01,1.]`,
			[]any{json.Number("-0"), json.Number("1.50"), json.Number("2e+10"), json.Number("-3E-2"), json.Number("01"), json.Number("1.")}, ""},
		{"fastjson leaves number text alone", `[1e,2-3]`, []any{json.Number("1e"), json.Number("2-3")},
			`bad number "1e" at offset 1 ('1')`},
		{"number range", `[1e999]`, []any{json.Number("1e999")}, `bad number "1e999" at offset 1 ('1')`},
	} {
		for _, d := range dialects {
			t.Run(tc.name+"/"+d.name, func(t *testing.T) {
				got, err := readAll(d.new([]byte(tc.in)))
				if d.name == "strict" && tc.strict != "" {
					require.EqualError(t, err, tc.strict)
					return
				}
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
			})
		}
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		strict   string // the strict dialect's error, or "" when it reads want too
	}{
		{`"plain"`, "plain", ""},
		{`""`, "", ""},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t", ""},
		{`"a\u0001b\u00e9\u20AC"`, "a\x01bé€", ""},
		{`"\ud83d\ude00"`, "😀", ""},
		{`"\uD83D\uDE00x"`, "😀x", ""},
		{`"\ud83d"`, "\uFFFD", ""},
		{`"\ude00\ud83d"`, "\uFFFD\uFFFD", ""},
		{`"\ud83d\u0041"`, "\uFFFDA", ""},                          // the A after a lone high surrogate is kept
		{`"\ud800\ud800\udc00"`, "\uFFFD\U00010000", ""},           // a high surrogate pairs with what follows it
		{`"\ud83dx\ude00"`, "\uFFFDx\uFFFD", ""},                   // halves apart are no pair
		{"\"raw \xff bytes \xe9\"", "raw \uFFFD bytes \uFFFD", ""}, // as Java's String holds malformed UTF-8
		{`'single'`, "single", `expected a string at offset 0 ('\'')`},
		{`'it\'s "q"'`, `it's "q"`, `expected a string at offset 0 ('\'')`},
		{`"\'"`, "'", `unknown escape at offset 1 ('\\')`},
		{`"\v\x41\xe9"`, "\vAé", `unknown escape at offset 1 ('\\')`},
		{"\"tab\there\"", "tab\there", `control character in string at offset 4 ('\t')`},
		{"\"a\\n\x01\"", "a\n\x01", `control character in string at offset 4 ('\x01')`},
		{`12`, "12", ""},
		{`-1.5e3`, "-1.5e3", ""},
		{`true`, "true", ""},
		{`null`, "", ""},
	} {
		for _, d := range dialects {
			got, err := d.new([]byte(tc.in)).Str()
			if d.name == "strict" && tc.strict != "" {
				require.EqualError(t, err, tc.strict, "%s %s", d.name, tc.in)
				continue
			}
			require.NoError(t, err, "%s %s", d.name, tc.in)
			require.Equal(t, tc.want, got, "%s %s", d.name, tc.in)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`{"a":1`, "expected ',' or '}' in object: unexpected end of input"},
		{`{"a" 1}`, `expected ':' after key "a" at offset 5 ('1')`},
		{`{"a":1 "b":2}`, "expected ',' or '}' in object at offset 7 ('\"')"},
		{`[1 2]`, "expected ',' or ']' in array at offset 3 ('2')"},
		{`{:1}`, "expected an object key at offset 1 (':')"},
		{`{"a":}`, "expected a string at offset 5 ('}')"},
		{`{"a":nope}`, `unexpected "nope" where a string belongs at offset 9 ('}')`},
		{`{"a":"x`, "unterminated string: unexpected end of input"},
		{`{"a":"x\`, `unterminated string at offset 7 ('\\')`},
		{`{"a":"\u12"}`, `bad \u escape at offset 6 ('\\')`},
		{`{"a":"\x4g"}`, `bad \x escape at offset 6 ('\\')`},
		{`{"a":"\q"}`, `unknown escape at offset 6 ('\\')`},
		{`{"a":-}`, "expected a number at offset 6 ('}')"},
		{`{"a":1} x`, "unexpected data after the value at offset 8 ('x')"},
	} {
		_, err := readAll(NewReader([]byte(tc.in)))
		require.EqualError(t, err, tc.want, tc.in)
	}
}

func TestTypedFields(t *testing.T) {
	type result struct {
		v   any
		err string
	}
	ints := []struct {
		in       string
		fastjson result
		strict   result
	}{
		{`42`, result{int64(42), ""}, result{int64(42), ""}},
		{`"-7"`, result{int64(-7), ""}, result{int64(-7), ""}},
		{`null`, result{int64(0), ""}, result{int64(0), ""}},
		{`1.9`, result{int64(1), ""}, result{nil, `bad integer "1.9" at offset 0 ('1')`}},
		{`"2e3"`, result{int64(2000), ""}, result{nil, `bad integer "2e3" at offset 0 ('"')`}},
		{`true`, result{int64(1), ""}, result{nil, "expected an integer at offset 0 ('t')"}},
		{`false`, result{int64(0), ""}, result{nil, "expected an integer at offset 0 ('f')"}},
		{`"x"`, result{nil, `bad integer "x" at offset 0 ('"')`}, result{nil, `bad integer "x" at offset 0 ('"')`}},
		{`1e30`, result{nil, `bad integer "1e30" at offset 0 ('1')`}, result{nil, `bad integer "1e30" at offset 0 ('1')`}},
		{`[]`, result{nil, "expected an integer at offset 0 ('[')"}, result{nil, "expected an integer at offset 0 ('[')"}},
	}
	for _, tc := range ints {
		for _, d := range dialects {
			want := tc.fastjson
			if d.name == "strict" {
				want = tc.strict
			}
			v, err := d.new([]byte(tc.in)).Int64()
			if want.err != "" {
				require.EqualError(t, err, want.err, "%s %s", d.name, tc.in)
				continue
			}
			require.NoError(t, err, "%s %s", d.name, tc.in)
			require.Equal(t, want.v, v, "%s %s", d.name, tc.in)
		}
	}

	for in, want := range map[string]result{
		`2147483647`:  {int32(2147483647), ""},
		`-2147483648`: {int32(-2147483648), ""},
		` 2147483648`: {nil, "integer 2147483648 out of int range at offset 1 ('2')"},
	} {
		for _, d := range dialects {
			v, err := d.new([]byte(in)).Int32()
			if want.err != "" {
				require.EqualError(t, err, want.err, in)
				continue
			}
			require.NoError(t, err)
			require.Equal(t, want.v, v)
		}
	}

	for in, want := range map[string]result{
		`true`: {true, ""}, `"true"`: {true, ""}, `1`: {true, ""}, `"1"`: {true, ""},
		`false`: {false, ""}, `0`: {false, ""}, `null`: {false, ""}, `""`: {false, ""},
		`"yes"`: {nil, `bad boolean "yes" at offset 0 ('"')`},
	} {
		v, err := NewReader([]byte(in)).Bool()
		if want.err != "" {
			require.EqualError(t, err, want.err, in)
			continue
		}
		require.NoError(t, err, in)
		require.Equal(t, want.v, v, in)
	}

	for in, want := range map[string][]string{
		`null`: nil, `[]`: {}, `["a",1,null,true]`: {"a", "1", "", "true"},
	} {
		l, err := NewReader([]byte(in)).StringList()
		require.NoError(t, err, in)
		require.Equal(t, want, l, in)
	}

	for in, want := range map[string]struct {
		v  string
		ok bool
	}{`"x"`: {"x", true}, `""`: {"", true}, `3`: {"3", true}, `false`: {"false", true}, `null`: {"", false}} {
		v, ok, err := NewStrictReader([]byte(in)).Scalar()
		require.NoError(t, err, in)
		require.Equal(t, want.v, v, in)
		require.Equal(t, want.ok, ok, in)
	}
}

func TestNullContainers(t *testing.T) {
	for _, d := range dialects {
		r := d.new([]byte(`null`))
		require.NoError(t, r.Object(func(string) error { return errors.New("no member expected") }))
		r = d.new([]byte(` null `))
		require.NoError(t, r.Array(func() error { return errors.New("no element expected") }))
		require.NoError(t, r.End())
	}
}

func TestSkip(t *testing.T) {
	const tricky = `{"a":[1,{"b":null}],"c":"\u00e9","d":-2.5,"e":true,"f":{}}`
	for _, d := range dialects {
		r := d.new([]byte(tricky))
		require.NoError(t, r.Skip(), d.name)
		require.NoError(t, r.End(), d.name)
	}
	r := NewReader([]byte(`[undefined,'x',{k:1},]`))
	require.NoError(t, r.Skip())
	require.EqualError(t, NewStrictReader([]byte(`undefined`)).Skip(), `unexpected "undefined": unexpected end of input`)
	require.EqualError(t, NewReader([]byte(`nil`)).Skip(), `unexpected "nil": unexpected end of input`)
}

func TestLiteralIsAWholeToken(t *testing.T) {
	r := NewReader([]byte(` nullable`))
	require.False(t, r.Literal("null"))
	require.Equal(t, byte('n'), r.Peek())
	require.True(t, NewReader([]byte(`null,`)).Literal("null"))
}

func TestNestingLimit(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	for _, tc := range []struct {
		d     dialect
		limit int
	}{{dialects[0], MaxDepth}, {dialects[1], strictMaxDepth}} {
		require.NoError(t, tc.d.new(nested(tc.limit)).Skip(), tc.d.name)
		err := tc.d.new(nested(tc.limit + 1)).Skip()
		require.ErrorContains(t, err, "nesting deeper than", tc.d.name)
	}
	// A container closed at the limit frees its level for the next one.
	wide := "[" + strings.Repeat(string(nested(MaxDepth-1))+",", 3) + "1]"
	require.NoError(t, NewReader([]byte(wide)).Skip())
}

// Strings without escapes are substrings of the reader's one copy of the input, and an escaped
// string costs one allocation.
func TestAllocations(t *testing.T) {
	plain := []byte(`{"topic":"T","queueId":"3","props":"KEYS\u0001k\u0002TAGS\u0001t","flag":0}`)
	allocs := testing.AllocsPerRun(100, func() {
		r := NewStrictReader(plain)
		_ = r.Object(func(string) error { _, err := r.Str(); return err })
	})
	require.Equal(t, 2.0, allocs, "the copy of the input and the escaped string")
}

func TestStrictIsAFastjsonSubset(t *testing.T) {
	for _, in := range []string{`{"a":[1,"b",null,{"c":true}],"d":"\ud83d\ude00"}`, `"x"`, `[]`, `-1e5`} {
		sv, err := readAll(NewStrictReader([]byte(in)))
		require.NoError(t, err, in)
		fv, err := readAll(NewReader([]byte(in)))
		require.NoError(t, err, in)
		require.Equal(t, sv, fv, in)
	}
}

// FuzzReader checks that no input panics or hangs either dialect, that every error names an
// offset or the end of input, that whatever the strict dialect accepts the fastjson dialect
// accepts with the same result, and that on standard JSON the strict dialect agrees with
// encoding/json.
func FuzzReader(f *testing.F) {
	for _, g := range golden.Load(f) {
		if g.SerializeType == "JSON" {
			f.Add(g.Header())
		}
		if body := g.Body(); len(body) > 0 {
			f.Add(body)
		}
	}
	f.Add([]byte(`{brokerDatas:[{brokerAddrs:{0:'x',-1:"y"}}],x:{{"a":1}:[undefined]},}`))
	f.Add([]byte(`{"s":"\uD83D\uDE00\x41\v\'\u2028","n":[-1.5e3,"7",true,null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkErr := func(err error) {
			if err != nil && !strings.Contains(err.Error(), " at offset ") && !errors.Is(err, errEnd) {
				t.Fatalf("error without a position: %v", err)
			}
		}
		fv, ferr := readAll(NewReader(data))
		checkErr(ferr)
		sv, serr := readAll(NewStrictReader(data))
		checkErr(serr)
		// Skip takes what read takes; only the fastjson dialect's Skip takes undefined too.
		for _, d := range dialects {
			r := d.new(data)
			err := r.Skip()
			if err == nil {
				err = r.End()
			}
			checkErr(err)
			readErr := ferr
			if d.name == "strict" {
				readErr = serr
				if (err == nil) != (readErr == nil) {
					t.Fatalf("strict Skip says %v, read says %v", err, readErr)
				}
			}
			if readErr == nil && err != nil {
				t.Fatalf("%s Skip rejects what read takes: %v", d.name, err)
			}
		}
		if serr == nil {
			require.NoError(t, ferr, "the strict dialect accepts %q", data)
			require.Equal(t, sv, fv)
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		require.NoError(t, dec.Decode(&want))
		if serr != nil {
			if msg := serr.Error(); !strings.Contains(msg, "nesting deeper than") && !strings.Contains(msg, "bad number") {
				t.Fatalf("strict rejects standard JSON %q: %v", data, serr)
			}
			return
		}
		require.Equal(t, want, sv)
	})
}

// StrictUnescape makes of a delimited string what StrictString makes of it with its quotes, and
// refuses what StrictString refuses.
func FuzzStrictUnescape(f *testing.F) {
	for _, s := range []string{`a\u0001b\u0002`, `\"\\\/\b\f\n\r\t`, `\u00e9\u20AC`, `\ud83d\ude00`, `\ud83d`, `\udc00x`,
		`\x41`, `\'`, `\u12`, `\`, `plain`, `\q`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 }) {
			return // the caller's scan refuses these
		}
		// No unescaped quote: every quote follows an odd run of backslashes.
		for i := 0; i < len(raw); i++ {
			if raw[i] == '"' {
				n := 0
				for k := i - 1; k >= 0 && raw[k] == '\\'; k-- {
					n++
				}
				if n%2 == 0 {
					return
				}
			}
		}
		want, _, wantErr := StrictString(`"`+raw+`"`, 0)
		got, err := StrictUnescape(raw)
		if (err == nil) != (wantErr == nil) || err == nil && got != want {
			t.Fatalf("StrictUnescape(%q) = %q, %v; StrictString: %q, %v", raw, got, err, want, wantErr)
		}
	})
}
