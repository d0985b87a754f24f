package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/remoting"
)

// Fuzz inputs are extFields maps flattened to key NUL value NUL ...: every byte string is a
// map, so the fuzzer never wastes an input on syntax.

func extToFuzzBytes(ext map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range ext {
			if !yield(k) {
				return
			}
		}
	}) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(ext[k])
		b.WriteByte(0)
	}
	return b.Bytes()
}

func fuzzBytesToExt(data []byte) map[string]string {
	ext := map[string]string{}
	parts := bytes.Split(data, []byte{0})
	for i := 0; i+1 < len(parts); i += 2 {
		ext[string(parts[i])] = string(parts[i+1])
	}
	return ext
}

// seedHeaders adds the extFields of every golden frame and every table case.
func seedHeaders(f *testing.F, add func(ext map[string]string)) {
	for _, fr := range golden.Load(f) {
		raw := fr.HeaderJSON
		if fr.SerializeType != "JSON" {
			raw = fr.HeaderDecoded
		}
		var top struct {
			ExtFields map[string]string `json:"extFields"`
		}
		if err := json.Unmarshal(raw, &top); err != nil {
			f.Fatalf("%s: %v", fr.Name(), err)
		}
		if top.ExtFields != nil {
			add(top.ExtFields)
		}
	}
	for _, tc := range headerCases() {
		add(tc.ext)
	}
}

// checkStable requires decode(encode(h)) == h for whatever h a decoder returned, error or not:
// the decoders keep every field that parsed and the encoders write every required field, so
// only a checkFields failure may come back.
func checkStable(t *testing.T, h Header, decode decoder) {
	t.Helper()
	again, err := decode(h.ToExt())
	var he *HeaderError
	if err != nil && (!errors.As(err, &he) || he.Kind != FieldInvalid) {
		t.Fatalf("re-decoding %#v: %v", h, err)
	}
	if diff := cmp.Diff(h, again); diff != "" {
		t.Fatalf("decode(encode(h)) != h (-h +again):\n%s", diff)
	}
}

func FuzzDecodeSendHeader(f *testing.F) {
	seedHeaders(f, func(ext map[string]string) {
		for _, code := range []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage,
			remoting.CodeSendReplyMessage, remoting.CodeSendReplyMessageV2} {
			f.Add(code, extToFuzzBytes(ext))
		}
	})
	f.Fuzz(func(t *testing.T, code int32, data []byte) {
		ext := fuzzBytesToExt(data)
		h, err := DecodeSendMessageRequest(code, ext)
		var he *HeaderError
		if err != nil && !errors.As(err, &he) {
			return // not a send code
		}
		wire, err := h.HeaderFor(code)
		if err != nil {
			t.Fatalf("decoded code %d but cannot encode it: %v", code, err)
		}
		again, err := DecodeSendMessageRequest(code, wire.ToExt())
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if diff := cmp.Diff(h, again); diff != "" {
			t.Fatalf("decode(encode(h)) != h:\n%s", diff)
		}
	})
}

func FuzzDecodeSendResponseHeader(f *testing.F) {
	seedHeaders(f, func(ext map[string]string) { f.Add(extToFuzzBytes(ext)) })
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _ := DecodeSendMessageResponseHeader(fuzzBytesToExt(data))
		checkStable(t, h, dec(DecodeSendMessageResponseHeader))
	})
}

func FuzzDecodeRouteHeader(f *testing.F) {
	seedHeaders(f, func(ext map[string]string) { f.Add(extToFuzzBytes(ext)) })
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _ := DecodeGetRouteInfoRequestHeader(fuzzBytesToExt(data))
		checkStable(t, h, dec(DecodeGetRouteInfoRequestHeader))
	})
}

func FuzzDecodeRegisterBrokerHeader(f *testing.F) {
	seedHeaders(f, func(ext map[string]string) { f.Add(extToFuzzBytes(ext)) })
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _ := DecodeRegisterBrokerRequestHeader(fuzzBytesToExt(data))
		checkStable(t, h, dec(DecodeRegisterBrokerRequestHeader))
	})
}

// FuzzDecodeHeaders runs every header decoder on each input.
func FuzzDecodeHeaders(f *testing.F) {
	seedHeaders(f, func(ext map[string]string) { f.Add(extToFuzzBytes(ext)) })
	cases := headerCases()
	f.Fuzz(func(t *testing.T, data []byte) {
		ext := fuzzBytesToExt(data)
		for _, tc := range cases {
			h, _ := tc.decode(ext)
			checkStable(t, h, tc.decode)
		}
	})
}
