package protocol

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/internal/fjson"
	"github.com/rocketsim/rocketsim/internal/javamap"
)

// TopicFilterType is Java's TopicFilterType enum, sent by name.
type TopicFilterType string

const (
	SingleTag TopicFilterType = "SINGLE_TAG"
	MultiTag  TopicFilterType = "MULTI_TAG"
)

// TopicConfig is a broker's configuration of one topic.
type TopicConfig struct {
	TopicName       string
	ReadQueueNums   int32
	WriteQueueNums  int32
	Perm            int32
	TopicFilterType TopicFilterType // "" stands for Java's null and is left out of JSON
	TopicSysFlag    int32
	Order           bool
}

// NewTopicConfig returns a TopicConfig with Java's defaults: 16 read and write queues,
// read+write permission, SINGLE_TAG.
func NewTopicConfig(topic string) TopicConfig {
	return TopicConfig{
		TopicName:       topic,
		ReadQueueNums:   16,
		WriteQueueNums:  16,
		Perm:            PermRead | PermWrite,
		TopicFilterType: SingleTag,
	}
}

// DataVersion versions a broker's topic table; the name server skips registrations whose
// version it has already seen. 4.9.7 has only these two fields (stateVersion came with 5.x).
type DataVersion struct {
	Timestamp int64
	Counter   int64
}

// TopicConfigSerializeWrapper is a broker's whole topic table with its version.
type TopicConfigSerializeWrapper struct {
	TopicConfigTable map[string]TopicConfig
	DataVersion      DataVersion
}

// RegisterBrokerBody is the body of REGISTER_BROKER (103).
type RegisterBrokerBody struct {
	TopicConfigSerializeWrapper TopicConfigSerializeWrapper
	FilterServerList            []string
}

// topicConfigManagerCapacity is the initial capacity of the broker's topic table
// (TopicConfigManager's ConcurrentHashMap), which decides the order it is serialized in.
const topicConfigManagerCapacity = 1024

// MaxInflatedRegisterBrokerBody bounds what DecodeRegisterBrokerBody inflates from a compressed
// body. A topic costs about 40 bytes in that form, so this is room for some 800 000 topics.
const MaxInflatedRegisterBrokerBody = 32 << 20

// Encode writes the body as the 4.9.7 broker does for the header field compressed.
//
// Plain (compressed=false, the default broker setting): fastjson JSON, topics in the iteration
// order of the broker's ConcurrentHashMap(1024), which makes the bytes equal to a real broker's
// with the same topics (topics sharing a hash bucket follow Java string order, where Java would
// follow insertion order).
//
// Compressed: not zlib of that JSON but a zlib stream (Deflater BEST_COMPRESSION, zlib header)
// of a binary layout: int32 length + DataVersion JSON, int32 topic count, then per topic int32
// length + "name read write perm filterType" (space-separated; topicSysFlag and order are not
// carried), then int32 length + the filter server list as JSON. Java's deflater may pick other
// bytes than Go's for the same input, so compressed bodies are equal after inflating only. It
// fails for topics that form cannot carry (no name, a space in the name, no filter type).
func (b *RegisterBrokerBody) Encode(compressed bool) ([]byte, error) {
	if !compressed {
		return b.encodeJSON(), nil
	}
	return b.encodeCompressed()
}

func (b *RegisterBrokerBody) encodeJSON() []byte {
	w := &fjWriter{}
	w.raw(`{"filterServerList":`)
	w.stringList(b.FilterServerList)
	w.raw(`,"topicConfigSerializeWrapper":`)
	w.topicConfigSerializeWrapper(&b.TopicConfigSerializeWrapper)
	w.byte('}')
	return w.buf
}

// Encode writes the wrapper as Java's TopicConfigManager.encode does: the body of
// GET_ALL_TOPIC_CONFIG (21), and the broker's topics.json.
func (wr *TopicConfigSerializeWrapper) Encode() []byte {
	w := &fjWriter{}
	w.topicConfigSerializeWrapper(wr)
	return w.buf
}

// DecodeTopicConfigSerializeWrapper reads the body of GET_ALL_TOPIC_CONFIG.
func DecodeTopicConfigSerializeWrapper(data []byte) (*TopicConfigSerializeWrapper, error) {
	wr := &TopicConfigSerializeWrapper{TopicConfigTable: map[string]TopicConfig{}}
	if err := fjDecode(data, "TopicConfigSerializeWrapper", func(r *fjReader) error {
		return r.topicConfigSerializeWrapper(wr)
	}); err != nil {
		return nil, err
	}
	return wr, nil
}

func (w *fjWriter) topicConfigSerializeWrapper(wr *TopicConfigSerializeWrapper) {
	w.raw(`{"dataVersion":`)
	w.dataVersion(wr.DataVersion)
	w.raw(`,"topicConfigTable":{`)
	for i, name := range topicTableOrder(wr.TopicConfigTable, topicConfigManagerCapacity) {
		w.mapKey(i, name)
		w.topicConfig(wr.TopicConfigTable[name])
	}
	w.raw(`}}`)
}

// topicTableOrder lists the topics in the iteration order of a Java ConcurrentHashMap with the
// given initial capacity (0: default constructor) holding them.
func topicTableOrder(table map[string]TopicConfig, initialCapacity int) []string {
	names := javaStringKeys(table)
	javamap.OrderInTable(names, javamap.ConcurrentHashMapTableSize(initialCapacity, len(names)))
	return names
}

func (w *fjWriter) dataVersion(v DataVersion) {
	w.raw(`{"counter":`)
	w.long(v.Counter)
	w.raw(`,"timestamp":`)
	w.long(v.Timestamp)
	w.byte('}')
}

func (w *fjWriter) topicConfig(t TopicConfig) {
	w.raw(`{"order":`)
	w.bool(t.Order)
	w.raw(`,"perm":`)
	w.int(int64(t.Perm))
	w.raw(`,"readQueueNums":`)
	w.int(int64(t.ReadQueueNums))
	if t.TopicFilterType != "" {
		w.raw(`,"topicFilterType":`)
		w.string(string(t.TopicFilterType))
	}
	w.raw(`,"topicName":`)
	w.string(t.TopicName)
	w.raw(`,"topicSysFlag":`)
	w.int(int64(t.TopicSysFlag))
	w.raw(`,"writeQueueNums":`)
	w.int(int64(t.WriteQueueNums))
	w.byte('}')
}

func (b *RegisterBrokerBody) encodeCompressed() ([]byte, error) {
	var raw []byte
	appendChunk := func(chunk []byte) {
		raw = binary.BigEndian.AppendUint32(raw, uint32(len(chunk)))
		raw = append(raw, chunk...)
	}
	w := &fjWriter{}
	w.dataVersion(b.TopicConfigSerializeWrapper.DataVersion)
	appendChunk(w.buf)

	table := b.TopicConfigSerializeWrapper.TopicConfigTable
	// Java copies the table into a fresh default ConcurrentHashMap before writing it.
	names := topicTableOrder(table, 0)
	raw = binary.BigEndian.AppendUint32(raw, uint32(len(names)))
	for _, name := range names {
		t := table[name]
		if t.TopicName == "" || strings.ContainsRune(t.TopicName, ' ') {
			return nil, fmt.Errorf("register broker body: topic name %q cannot be compressed", t.TopicName)
		}
		if t.TopicFilterType != SingleTag && t.TopicFilterType != MultiTag {
			return nil, fmt.Errorf("register broker body: topic %q: filter type %q cannot be compressed", t.TopicName, t.TopicFilterType)
		}
		line := fmt.Sprintf("%s %d %d %d %s", t.TopicName, t.ReadQueueNums, t.WriteQueueNums, t.Perm, t.TopicFilterType)
		appendChunk([]byte(line))
	}

	w = &fjWriter{}
	w.stringList(b.FilterServerList)
	appendChunk(w.buf)

	var out bytes.Buffer
	zw, err := zlib.NewWriterLevel(&out, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// DecodeRegisterBrokerBody reads a REGISTER_BROKER body; compressed is the request header's
// field. Fields missing from JSON get Java's defaults (a TopicConfig's 16/16/RW/SINGLE_TAG),
// except that a missing dataVersion reads as zero where Java would take the current time.
func DecodeRegisterBrokerBody(data []byte, compressed bool) (*RegisterBrokerBody, error) {
	if compressed {
		return decodeCompressedRegisterBrokerBody(data)
	}
	b := &RegisterBrokerBody{}
	b.TopicConfigSerializeWrapper.TopicConfigTable = map[string]TopicConfig{}
	err := fjDecode(data, "RegisterBrokerBody", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "filterServerList":
				b.FilterServerList, err = r.StringList()
			case "topicConfigSerializeWrapper":
				err = r.topicConfigSerializeWrapper(&b.TopicConfigSerializeWrapper)
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (r *fjReader) topicConfigSerializeWrapper(wr *TopicConfigSerializeWrapper) error {
	return r.Object(func(key string) error {
		switch key {
		case "dataVersion":
			return r.dataVersion(&wr.DataVersion)
		case "topicConfigTable":
			return r.Object(func(name string) error {
				t, err := r.topicConfig()
				wr.TopicConfigTable[name] = t
				return err
			})
		default:
			return r.Skip()
		}
	})
}

func (r *fjReader) dataVersion(v *DataVersion) error {
	return r.Object(func(key string) error {
		var err error
		switch key {
		case "counter":
			v.Counter, err = r.Int64()
		case "timestamp":
			v.Timestamp, err = r.Int64()
		default:
			err = r.Skip()
		}
		return err
	})
}

func (r *fjReader) topicConfig() (TopicConfig, error) {
	t := NewTopicConfig("")
	err := r.Object(func(key string) error {
		var err error
		var s string
		switch key {
		case "topicName":
			t.TopicName, err = r.Str()
		case "readQueueNums":
			t.ReadQueueNums, err = r.Int32()
		case "writeQueueNums":
			t.WriteQueueNums, err = r.Int32()
		case "perm":
			t.Perm, err = r.Int32()
		case "topicFilterType":
			s, err = r.enum([]string{string(SingleTag), string(MultiTag)})
			if s != "" {
				// null or "" keeps Java's field default: a null here would be left out when
				// written and read back as SINGLE_TAG, so the body would not re-encode stably.
				t.TopicFilterType = TopicFilterType(s)
			}
		case "topicSysFlag":
			t.TopicSysFlag, err = r.Int32()
		case "order":
			t.Order, err = r.Bool()
		default:
			err = r.Skip()
		}
		return err
	})
	return t, err
}

// inflatedReader reads the compressed layout without trusting its length words: it allocates
// little more than it has actually inflated, and stops at MaxInflatedRegisterBrokerBody.
type inflatedReader struct {
	r     io.Reader
	total int
}

var errInflatedTooLarge = fmt.Errorf("inflates to more than %d bytes", MaxInflatedRegisterBrokerBody)

func (ir *inflatedReader) chunk(n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("negative length %d", n)
	}
	if ir.total+n > MaxInflatedRegisterBrokerBody {
		return nil, errInflatedTooLarge
	}
	ir.total += n
	if n <= 64<<10 {
		buf := make([]byte, n)
		if _, err := io.ReadFull(ir.r, buf); err != nil {
			return nil, inflateEOF(err)
		}
		return buf, nil
	}
	// A large length word is believed only as far as data arrives to back it.
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, ir.r, int64(n)); err != nil {
		return nil, inflateEOF(err)
	}
	return buf.Bytes(), nil
}

func inflateEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (ir *inflatedReader) int32() (int, error) {
	b, err := ir.chunk(4)
	if err != nil {
		return 0, err
	}
	return int(int32(binary.BigEndian.Uint32(b))), nil
}

func (ir *inflatedReader) lengthPrefixed() ([]byte, error) {
	n, err := ir.int32()
	if err != nil {
		return nil, err
	}
	return ir.chunk(n)
}

func decodeCompressedRegisterBrokerBody(data []byte) (*RegisterBrokerBody, error) {
	fail := func(err error) (*RegisterBrokerBody, error) {
		return nil, fmt.Errorf("decode compressed RegisterBrokerBody: %w", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return fail(err)
	}
	ir := &inflatedReader{r: zr}
	b := &RegisterBrokerBody{}
	wr := &b.TopicConfigSerializeWrapper
	wr.TopicConfigTable = map[string]TopicConfig{}

	versionJSON, err := ir.lengthPrefixed()
	if err != nil {
		return fail(fmt.Errorf("data version: %w", err))
	}
	if err := fjDecode(versionJSON, "DataVersion", func(r *fjReader) error { return r.dataVersion(&wr.DataVersion) }); err != nil {
		return fail(err)
	}
	count, err := ir.int32()
	if err != nil {
		return fail(fmt.Errorf("topic count: %w", err))
	}
	for i := range count {
		line, err := ir.lengthPrefixed()
		if err != nil {
			return fail(fmt.Errorf("topic %d of %d: %w", i, count, err))
		}
		t, err := parseCompressedTopicConfig(string(line))
		if err != nil {
			return fail(err)
		}
		wr.TopicConfigTable[t.TopicName] = t
	}
	filterJSON, err := ir.lengthPrefixed()
	if err != nil {
		return fail(fmt.Errorf("filter server list: %w", err))
	}
	// Java logs a bad filter server list and registers the broker without one.
	if list, err := fjson.NewReader(filterJSON).StringList(); err == nil {
		b.FilterServerList = list
	}
	return b, nil
}

// parseCompressedTopicConfig reads "name read write perm filterType". Java's TopicConfig.decode
// leaves a malformed line's name null, and the following table put then fails the whole
// registration; so does this.
func parseCompressedTopicConfig(line string) (TopicConfig, error) {
	parts := splitLikeJava(line, " ")
	if len(parts) != 5 || parts[0] == "" {
		return TopicConfig{}, fmt.Errorf("topic config %q is not \"name read write perm filterType\"", line)
	}
	t := NewTopicConfig(parts[0])
	for i, dst := range []*int32{&t.ReadQueueNums, &t.WriteQueueNums, &t.Perm} {
		v, err := strconv.ParseInt(parts[i+1], 10, 32)
		if err != nil {
			return TopicConfig{}, fmt.Errorf("topic config %q: bad number %q", line, parts[i+1])
		}
		*dst = int32(v)
	}
	switch ft := TopicFilterType(parts[4]); ft {
	case SingleTag, MultiTag:
		t.TopicFilterType = ft
	default:
		return TopicConfig{}, fmt.Errorf("topic config %q: unknown filter type %q", line, parts[4])
	}
	return t, nil
}

// BodyCRC32 is the bodyCrc32 header field of REGISTER_BROKER: Java's UtilAll.crc32, the IEEE
// CRC-32 with the top bit cleared so it fits a non-negative int. The name server rejects a
// registration whose non-zero bodyCrc32 differs from the body's.
func BodyCRC32(body []byte) int32 {
	return int32(crc32.ChecksumIEEE(body) & 0x7FFFFFFF)
}
