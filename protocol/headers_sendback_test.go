package protocol

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func sendBackHeaderCases() []headerCase {
	return []headerCase{
		{
			name: "ConsumerSendMsgBackRequestHeader",
			header: ConsumerSendMsgBackRequestHeader{
				Offset: 4096, Group: "cg", DelayLevel: 3, OriginMsgID: "C0A8000100002A9F0000000000001000",
				OriginTopic: "T", UnitMode: true, MaxReconsumeTimes: ptr(int32(16)), BrokerName: "broker-a",
			},
			ext: map[string]string{
				"offset": "4096", "group": "cg", "delayLevel": "3", "originMsgId": "C0A8000100002A9F0000000000001000",
				"originTopic": "T", "unitMode": "true", "maxReconsumeTimes": "16", "bname": "broker-a",
			},
			decode:   dec(DecodeConsumerSendMsgBackRequestHeader),
			required: []string{"offset", "group", "delayLevel"},
			numeric:  []string{"offset", "delayLevel", "maxReconsumeTimes"},
		},
		{
			name:     "ConsumerSendMsgBackRequestHeader/nulls",
			header:   ConsumerSendMsgBackRequestHeader{Offset: 0, Group: "cg", DelayLevel: -1},
			ext:      map[string]string{"offset": "0", "group": "cg", "delayLevel": "-1", "unitMode": "false"},
			decode:   dec(DecodeConsumerSendMsgBackRequestHeader),
			required: []string{"offset", "group", "delayLevel"},
			numeric:  []string{"offset", "delayLevel"},
		},
		{
			name:     "ViewMessageRequestHeader",
			header:   ViewMessageRequestHeader{Offset: 1 << 40},
			ext:      map[string]string{"offset": "1099511627776"},
			decode:   dec(DecodeViewMessageRequestHeader),
			required: []string{"offset"},
			numeric:  []string{"offset"},
		},
	}
}

func TestSendBackHeaders(t *testing.T) {
	for _, tc := range sendBackHeaderCases() {
		t.Run(tc.name, func(t *testing.T) {
			require.Empty(t, cmp.Diff(tc.ext, tc.header.ToExt()), "ToExt")
			got, err := tc.decode(tc.ext)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.header, got), "decode")
			for key := range tc.ext {
				require.Contains(t, tc.header.HeaderFields(), key)
				ext := maps.Clone(tc.ext)
				delete(ext, key)
				_, err := tc.decode(ext)
				if !slices.Contains(tc.required, key) {
					require.NoError(t, err, "%s is optional", key)
					continue
				}
				var he *HeaderError
				require.ErrorAs(t, err, &he, key)
				require.Equal(t, FieldMissing, he.Kind)
				require.Equal(t, "the custom field <"+key+"> is null", err.Error())
			}
			for _, key := range tc.numeric {
				ext := maps.Clone(tc.ext)
				ext[key] = "x"
				_, err := tc.decode(ext)
				var he *HeaderError
				require.ErrorAs(t, err, &he, key)
				require.Equal(t, FieldMalformed, he.Kind)
				require.Equal(t, key, he.Field)
			}
		})
	}
}

// The send-back header is a plain reflective header (not FastCodesHeader), extending
// RpcRequestHeader: its fields come in the HashSet order of the Java class's fields.
func TestSendBackHeaderFieldOrder(t *testing.T) {
	h := ConsumerSendMsgBackRequestHeader{}
	require.False(t, h.FastHeader())
	require.ElementsMatch(t, []string{"offset", "group", "delayLevel", "originMsgId", "originTopic",
		"unitMode", "maxReconsumeTimes", "bname"}, h.HeaderFields())
}

func FuzzDecodeSendBackHeaders(f *testing.F) {
	cases := sendBackHeaderCases()
	for _, tc := range cases {
		f.Add(extToFuzzBytes(tc.ext))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ext := fuzzBytesToExt(data)
		for _, tc := range cases {
			h, err := tc.decode(ext)
			var he *HeaderError
			if err != nil && !errors.As(err, &he) {
				t.Fatalf("%s: error %v is not a HeaderError", tc.name, err)
			}
			checkStable(t, h, tc.decode)
		}
	})
}
