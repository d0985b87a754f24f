package protocol

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/remoting"
)

// decodedFrame is a golden frame as typed values: the header and body it carries.
type decodedFrame struct {
	header Header // nil for commands without a custom header
	body   any    // a typed body, or []byte for bodies that are opaque here
}

// requestOf pairs each response with the request it answers (same case, same opaque).
func requestOf(frames []golden.Frame) map[int]golden.Frame {
	out := make(map[int]golden.Frame)
	for i, f := range frames {
		if f.Kind != "response" {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if frames[j].Kind != "response" && frames[j].Opaque == f.Opaque && frames[j].To == f.From {
				out[i] = frames[j]
				break
			}
		}
	}
	return out
}

// decodeTyped turns a golden command into its typed header and body, as a fake or our client
// reads it. requestCode and requestVersion are those of the request a response answers.
func decodeTyped(t *testing.T, c *remoting.Command, requestCode, requestVersion int32) decodedFrame {
	t.Helper()
	var (
		d   decodedFrame
		err error
	)
	if !c.IsResponse() {
		switch c.Code {
		case remoting.CodeGetRouteInfoByTopic:
			d.header, err = DecodeGetRouteInfoRequestHeader(c.ExtFields)
		case remoting.CodeSendMessage:
			d.header, err = DecodeSendMessageRequestHeader(c.ExtFields)
			d.body = c.Body
		case remoting.CodeSendMessageV2:
			d.header, err = DecodeSendMessageRequestHeaderV2(c.ExtFields)
			d.body = c.Body
		case remoting.CodeSendBatchMessage:
			var h SendMessageRequestHeaderV2
			h, err = DecodeSendMessageRequestHeaderV2(c.ExtFields)
			require.NoError(t, err)
			d.header = h
			d.body, err = DecodeBatch(h.Topic, c.Body)
		case remoting.CodeHeartBeat:
			d.body, err = DecodeHeartbeatData(c.Body)
		case remoting.CodeUnregisterClient:
			d.header, err = DecodeUnregisterClientRequestHeader(c.ExtFields)
		case remoting.CodeRegisterBroker:
			var h RegisterBrokerRequestHeader
			h, err = DecodeRegisterBrokerRequestHeader(c.ExtFields)
			require.NoError(t, err)
			d.header = h
			require.Equal(t, BodyCRC32(c.Body), h.BodyCRC32, "bodyCrc32 is the CRC of the body")
			d.body, err = DecodeRegisterBrokerBody(c.Body, h.Compressed)
		case remoting.CodeUnregisterBroker:
			d.header, err = DecodeUnRegisterBrokerRequestHeader(c.ExtFields)
		default:
			t.Fatalf("no typed view of request code %d", c.Code)
		}
		require.NoError(t, err)
		return d
	}
	switch requestCode {
	case remoting.CodeGetRouteInfoByTopic:
		if c.Code == remoting.Success {
			d.body, err = DecodeTopicRouteData(c.Body)
		}
	case remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage:
		d.header, err = DecodeSendMessageResponseHeader(c.ExtFields)
	case remoting.CodeRegisterBroker:
		d.header, err = DecodeRegisterBrokerResponseHeader(c.ExtFields)
	case remoting.CodeUnregisterClient:
		// Java answers with an empty UnregisterClientResponseHeader: extFields {} and no fields.
		require.Empty(t, c.ExtFields)
	case remoting.CodeHeartBeat, remoting.CodeUnregisterBroker:
		require.Empty(t, c.ExtFields)
	default:
		t.Fatalf("no typed view of the answer to code %d", requestCode)
	}
	require.NoError(t, err)
	_ = requestVersion
	return d
}

// encodeTyped builds the command a Java peer would send for the typed header and body.
func encodeTyped(t *testing.T, orig *remoting.Command, d decodedFrame, requestVersion int32, standardRoute bool) *remoting.Command {
	t.Helper()
	c := &remoting.Command{
		Code: orig.Code, Language: orig.Language, Version: orig.Version, Opaque: orig.Opaque,
		Flag: orig.Flag, Remark: orig.Remark, SerializeType: orig.SerializeType,
	}
	if orig.ExtFields != nil {
		// Java sends "extFields":{} when the command has a custom header, even an empty one.
		c.ExtFields = map[string]string{}
	}
	if d.header != nil {
		if resp, ok := d.header.(SendMessageResponseHeader); ok {
			// The broker puts MSG_REGION and TRACE_ON in before the header fields.
			c.ExtFields = map[string]string{}
			SetHeader(c, resp)
		} else {
			SetHeader(c, d.header)
		}
	}
	switch b := d.body.(type) {
	case nil:
	case []byte:
		c.Body = b
	case *TopicRouteData:
		c.Body = b.Encode(standardRoute)
	case *HeartbeatData:
		c.Body = b.Encode()
	case []*Message:
		var err error
		c.Body, err = EncodeBatch(b)
		require.NoError(t, err)
	case *RegisterBrokerBody:
		h := d.header.(RegisterBrokerRequestHeader)
		var err error
		c.Body, err = b.Encode(h.Compressed)
		require.NoError(t, err)
	default:
		t.Fatalf("cannot encode %T", b)
	}
	_ = requestVersion
	return c
}

// TestGoldenFramesThroughTypedViews: every frame captured from a real peer decodes into the
// typed header and body it carries, and those re-encode to the very bytes a Java peer sent, or,
// for the official Go client (whose JSON layout differs), to a frame that decodes equal.
func TestGoldenFramesThroughTypedViews(t *testing.T) {
	frames := golden.Load(t)
	requests := requestOf(frames)
	for i, f := range frames {
		t.Run(f.Name(), func(t *testing.T) {
			c, err := remoting.DecodeFrame(f.Bytes, 0)
			require.NoError(t, err)
			reqCode, reqVersion := c.Code, c.Version
			standard := false
			if c.IsResponse() {
				req, ok := requests[i]
				require.True(t, ok, "response without its request")
				reqCode = req.Code
				rc, err := remoting.DecodeFrame(req.Bytes, 0)
				require.NoError(t, err)
				reqVersion = rc.Version
				route, _ := DecodeGetRouteInfoRequestHeader(rc.ExtFields)
				standard = WantsStandardRouteJSON(rc.Version, route.StandardJSONOnly())
			}
			typed := decodeTyped(t, c, reqCode, reqVersion)
			out, err := encodeTyped(t, c, typed, reqVersion, standard).Encode()
			require.NoError(t, err)
			if !strings.HasPrefix(f.From, "go-client") {
				require.Equal(t, f.Hex, hex.EncodeToString(out), "re-encoded frame differs from the capture")
				return
			}
			back, err := remoting.DecodeFrame(out, 0)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(c.ExtFields, back.ExtFields))
			require.Equal(t, c.Code, back.Code)
			require.Equal(t, c.Opaque, back.Opaque)
			if len(c.Body) > 0 && json.Valid(c.Body) {
				var a, b any
				require.NoError(t, json.Unmarshal(c.Body, &a))
				require.NoError(t, json.Unmarshal(back.Body, &b))
				require.Empty(t, cmp.Diff(a, b))
			} else {
				require.Equal(t, c.Body, back.Body)
			}
		})
	}
}
