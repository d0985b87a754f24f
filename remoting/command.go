// Package remoting speaks the Apache RocketMQ 4.x remoting protocol: the frame codec (JSON and
// ROCKETMQ binary headers), the Command every peer exchanges, the request and response codes, and
// a multiplexed transport (Client and Server) shared by the rocketsim client and both fakes.
//
// Nothing in this package knows about producers, brokers or name servers; protocol/ gives the
// typed headers and bodies that travel inside a Command.
package remoting

import (
	"fmt"
	"strconv"
)

// SerializeType says how a frame's header is encoded. It travels in the high byte of the
// header-length word. An answer made by NewResponse keeps the request's, as Java's processors'
// answers do; the transport's own answers (unknown codes, panics) are JSON, as Java's are.
type SerializeType uint8

const (
	SerializeJSON     SerializeType = 0 // fastjson object, what Java and the official Go client send by default
	SerializeRocketMQ SerializeType = 1 // compact binary header (Java: -Drocketmq.serialize.type=ROCKETMQ)
)

func (s SerializeType) String() string {
	switch s {
	case SerializeJSON:
		return "JSON"
	case SerializeRocketMQ:
		return "ROCKETMQ"
	}
	return "SerializeType(" + strconv.Itoa(int(s)) + ")"
}

// Flag bits of a Command.
const (
	FlagResponse int32 = 1 << 0 // set on responses; requests have it clear
	FlagOneway   int32 = 1 << 1 // a oneway request: the peer must not answer
)

// CurrentVersion is the version ordinal rocketsim writes into the commands it creates: the
// ordinal of MQVersion.V4_9_7, so peers treat us like a 4.9.7 Java client or server.
const CurrentVersion int32 = 407

// Command is one request or response: the unit of the remoting protocol.
//
// ExtFields carries the typed request/response header flattened to strings (see protocol/). The
// codec writes its keys in the order a Java HashMap iterates them, so that frames we encode are
// byte-for-byte those a Java peer would write.
type Command struct {
	Code      int32
	Language  LanguageCode
	Version   int32
	Opaque    int32
	Flag      int32
	Remark    string
	ExtFields map[string]string
	Body      []byte

	// SerializeType is the header encoding the command arrived in, or is to be sent in. A server
	// writes an answer in the answer's SerializeType: NewResponse copies the request's, as Java
	// does for a processor's answer; Java's exception and late answers go out in JSON.
	SerializeType SerializeType

	// HeaderFields lists the typed header's fields in the order Java puts them into its
	// extFields HashMap (the order of its reflective field cache), which decides the order of
	// keys sharing a hash bucket. protocol/ sets it; nil is fine for everything but byte-exact
	// comparisons.
	HeaderFields []string

	// FastHeader makes the binary codec write HeaderFields first, in order, then the other
	// extFields, as Java does for headers that implement FastCodesHeader (the send request V2
	// and the send response). JSON headers ignore it.
	FastHeader bool

	// Fields is the header as a list, used when ExtFields is nil: a typed header's fields in
	// HeaderFields order, for the requests a client sends by the million (protocol's
	// RequestWithFields) and the answers a fake broker writes as many, which then cost no map.
	// Fields not among HeaderFields (an answer's MSG_REGION and TRACE_ON) go first, in name
	// order. So listed, the codec writes them exactly as it would write the same fields from
	// ExtFields. A command read from the wire has ExtFields only, except a request served by
	// a handler registered with Server.HandleInlineList, which may carry its header here, in
	// the order read (see Header).
	Fields []Field
}

// Field is one extField of Command.Fields.
type Field struct{ Key, Value string }

// NewRequest returns a request with the given code and header fields, as rocketsim's peers
// send it: language JAVA, version CurrentVersion, JSON header. The transport assigns the opaque.
func NewRequest(code int32, ext map[string]string, body []byte) *Command {
	return &Command{Code: code, Language: LanguageJava, Version: CurrentVersion, ExtFields: ext, Body: body}
}

// NewResponse returns the answer to req with the given response code and remark: same opaque,
// same serialize type, response flag set.
func NewResponse(req *Command, code int32, remark string) *Command {
	return &Command{
		Code:          code,
		Language:      LanguageJava,
		Version:       CurrentVersion,
		Opaque:        req.Opaque,
		Flag:          FlagResponse,
		Remark:        remark,
		SerializeType: req.SerializeType,
	}
}

// IsResponse reports whether the response flag bit is set.
func (c *Command) IsResponse() bool { return c.Flag&FlagResponse != 0 }

// IsOneway reports whether the oneway flag bit is set.
func (c *Command) IsOneway() bool { return c.Flag&FlagOneway != 0 }

// Ext returns the extField named key, or "" when absent.
func (c *Command) Ext(key string) string {
	v, _ := c.Lookup(key)
	return v
}

// Lookup returns the extField named key and whether it is there, from ExtFields or, when that
// is nil, from Fields (where the last of a repeated key counts, as it would in the map).
func (c *Command) Lookup(key string) (string, bool) {
	if c.ExtFields == nil {
		for i := len(c.Fields) - 1; i >= 0; i-- {
			if c.Fields[i].Key == key {
				return c.Fields[i].Value, true
			}
		}
		return "", false
	}
	v, ok := c.ExtFields[key]
	return v, ok
}

// Header returns ExtFields, first making it from Fields when the command carries its header
// as a list only (and then dropping the list). Like any write to a command, it is for the
// goroutine that has the command alone.
func (c *Command) Header() map[string]string {
	if c.ExtFields == nil && c.Fields != nil {
		c.ExtFields = c.fieldMap()
		c.Fields = nil
	}
	return c.ExtFields
}

// SetExt sets an extField, allocating the map if needed (and moving Fields into it).
func (c *Command) SetExt(key, value string) {
	if c.ExtFields == nil {
		c.ExtFields = c.fieldMap()
		c.Fields = nil
	}
	c.ExtFields[key] = value
}

// fieldMap returns Fields as a new map.
func (c *Command) fieldMap() map[string]string {
	m := make(map[string]string, max(len(c.Fields), 8))
	for _, f := range c.Fields {
		m[f.Key] = f.Value
	}
	return m
}

func (c *Command) String() string {
	kind := "request"
	switch {
	case c.IsResponse():
		kind = "response"
	case c.IsOneway():
		kind = "oneway"
	}
	return fmt.Sprintf("%s{code=%d opaque=%d flag=%d lang=%s version=%d remark=%q ext=%v body=%dB}",
		kind, c.Code, c.Opaque, c.Flag, c.Language, c.Version, c.Remark, c.extForDisplay(), len(c.Body))
}

func (c *Command) extForDisplay() map[string]string {
	if c.ExtFields == nil && c.Fields != nil {
		return c.fieldMap()
	}
	return c.ExtFields
}
