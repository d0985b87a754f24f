package protocol

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/remoting"
)

func fullSendHeader() SendMessageRequestHeader {
	return SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: 3, SysFlag: 1, BornTimestamp: 1795587237631, Flag: 9,
		Properties: "WAIT\x01true\x02TAGS\x01A", ReconsumeTimes: ptr(int32(2)), UnitMode: true,
		Batch: true, MaxReconsumeTimes: ptr(int32(16)), BrokerName: "broker-a",
	}
}

// Java's createSendMessageRequestHeaderV2 maps each v1 field to one letter; bname becomes n.
func TestSendHeaderV1V2Names(t *testing.T) {
	letterOf := map[string]string{
		"producerGroup": "a", "topic": "b", "defaultTopic": "c", "defaultTopicQueueNums": "d",
		"queueId": "e", "sysFlag": "f", "bornTimestamp": "g", "flag": "h", "properties": "i",
		"reconsumeTimes": "j", "unitMode": "k", "maxReconsumeTimes": "l", "batch": "m", "bname": "n",
	}
	v1 := fullSendHeader()
	v1Ext, v2Ext := v1.ToExt(), v1.V2().ToExt()
	require.Len(t, v2Ext, len(v1Ext))
	for name, value := range v1Ext {
		require.Equal(t, value, v2Ext[letterOf[name]], name)
	}
	require.Equal(t, v1, v1.V2().V1())
}

func TestDecodeSendMessageRequestByCode(t *testing.T) {
	v1 := fullSendHeader()
	for _, tc := range []struct {
		code int32
		ext  map[string]string
	}{
		{remoting.CodeSendMessage, v1.ToExt()},
		{remoting.CodeSendMessageV2, v1.V2().ToExt()},
		{remoting.CodeSendBatchMessage, v1.V2().ToExt()},
	} {
		got, err := DecodeSendMessageRequest(tc.code, tc.ext)
		require.NoError(t, err, tc.code)
		require.Empty(t, cmp.Diff(v1, got), tc.code)

		h, err := v1.HeaderFor(tc.code)
		require.NoError(t, err)
		require.Equal(t, tc.ext, h.ToExt())
	}

	_, err := DecodeSendMessageRequest(remoting.CodeSendMessageV2, v1.ToExt())
	require.EqualError(t, err, "the custom field <a> is null", "long names are not read for 310")

	_, err = DecodeSendMessageRequest(remoting.CodePullMessage, v1.ToExt())
	require.Error(t, err)
	_, err = v1.HeaderFor(remoting.CodePullMessage)
	require.Error(t, err)
}

// The Java client turns tracing off only for the exact text "false".
func TestSendResponseTraceOn(t *testing.T) {
	base := map[string]string{"msgId": "X", "queueId": "0", "queueOffset": "0"}
	for value, want := range map[string]bool{"true": true, "false": false, "FALSE": true, "": true} {
		ext := map[string]string{"TRACE_ON": value}
		for k, v := range base {
			ext[k] = v
		}
		h, err := DecodeSendMessageResponseHeader(ext)
		require.NoError(t, err)
		require.Equal(t, want, *h.TraceOn, "%q", value)
	}
	h, err := DecodeSendMessageResponseHeader(base)
	require.NoError(t, err)
	require.Nil(t, h.TraceOn)
	require.Empty(t, h.MsgRegion)
	require.Equal(t, base, h.ToExt())
}

func TestSendHeaderFieldOrders(t *testing.T) {
	require.Equal(t, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"},
		SendMessageRequestHeaderV2{}.HeaderFields(), "SendMessageRequestHeaderV2.encode order")
	require.True(t, SendMessageRequestHeaderV2{}.FastHeader())
	require.False(t, SendMessageRequestHeader{}.FastHeader())
	require.True(t, SendMessageResponseHeader{}.FastHeader())
}

var sinkExt map[string]string
var sinkHeader SendMessageRequestHeader

func BenchmarkSendHeaderV2Encode(b *testing.B) {
	h := fullSendHeader().V2()
	b.ReportAllocs()
	for b.Loop() {
		sinkExt = h.ToExt()
	}
}

func BenchmarkSendHeaderV2Decode(b *testing.B) {
	ext := fullSendHeader().V2().ToExt()
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			sinkHeader, err = DecodeSendMessageRequest(remoting.CodeSendMessageV2, ext)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	// The header as a server's HandleInlineList handler gets it: the list read, in wire order.
	cmd := &remoting.Command{Code: remoting.CodeSendMessageV2}
	for _, k := range javamap.Keys(ext, SendMessageRequestHeaderV2{}.HeaderFields(), nil) {
		cmd.Fields = append(cmd.Fields, remoting.Field{Key: k, Value: ext[k]})
	}
	b.Run("list", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			sinkHeader, err = DecodeSendMessageRequestOf(cmd)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// DecodeSendMessageRequestOf reads a header given as a list as DecodeSendMessageRequest reads
// the same header as a map, the last of a repeated key counting.
func TestDecodeSendMessageRequestOfList(t *testing.T) {
	for _, code := range []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2} {
		ext := fullSendHeader().ToExt()
		if code == remoting.CodeSendMessageV2 {
			ext = fullSendHeader().V2().ToExt()
		}
		cmd := &remoting.Command{Code: code}
		for k, v := range ext {
			cmd.Fields = append(cmd.Fields, remoting.Field{Key: k, Value: "stale"}, remoting.Field{Key: k, Value: v})
		}
		want, err := DecodeSendMessageRequest(code, ext)
		require.NoError(t, err)
		got, err := DecodeSendMessageRequestOf(cmd)
		require.NoError(t, err)
		require.Equal(t, want, got)
		delete(ext, FieldTopic)
		delete(ext, FieldV2Topic)
		cmd.Fields = slices.DeleteFunc(cmd.Fields, func(f remoting.Field) bool { return f.Key == FieldTopic || f.Key == FieldV2Topic })
		_, want2 := DecodeSendMessageRequest(code, ext)
		_, got2 := DecodeSendMessageRequestOf(cmd)
		require.Error(t, want2)
		require.Equal(t, want2, got2, "a missing field is the same error")
	}
}

// A send request built without a map (RequestWithFields) is the same frame, byte for byte, as
// one built with it, in both encodings, whichever optional fields are present; and it reads
// the same through Ext, and after SetExt turns it into a map.
func TestRequestWithFieldsEncodesAsRequestWithHeader(t *testing.T) {
	full := fullSendHeader()
	bare := SendMessageRequestHeader{ProducerGroup: "GID_orders", Topic: "orders", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4}
	client := full
	client.MaxReconsumeTimes, client.UnitMode, client.Batch = nil, false, false
	for name, h := range map[string]SendMessageRequestHeader{"full": full, "bare": bare, "client": client} {
		for _, st := range []remoting.SerializeType{remoting.SerializeJSON, remoting.SerializeRocketMQ} {
			withMap := RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("body"))
			withList := RequestWithFields(remoting.CodeSendMessageV2, h.V2(), []byte("body"))
			require.Nil(t, withList.ExtFields)
			withMap.SerializeType, withList.SerializeType = st, st
			want, err := withMap.Encode()
			require.NoError(t, err)
			got, err := withList.Encode()
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "%s, %v", name, st)

			for k, v := range withMap.ExtFields {
				require.Equal(t, v, withList.Ext(k), k)
			}
			require.Empty(t, withList.Ext("absent"))
			withList.SetExt("extra", "x")
			withMap.SetExt("extra", "x")
			require.Equal(t, withMap.ExtFields, withList.ExtFields)
		}
	}
}
