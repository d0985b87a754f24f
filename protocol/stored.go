package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// A stored message is the broker's commit-log record, and what a PULL_MESSAGE answer carries,
// one after another (Java CommitLog's encoder; MessageDecoder.decodes reads it):
//
//	int32 totalSize | int32 magic | int32 bodyCRC | int32 queueId | int32 flag |
//	int64 queueOffset | int64 commitLogOffset | int32 sysFlag | int64 bornTimestamp |
//	bornHost (4 or 16 bytes, int32 port) | int64 storeTimestamp | storeHost (likewise) |
//	int32 reconsumeTimes | int64 preparedTransactionOffset | int32 bodyLen | body |
//	int8 topicLen | topic | int16 propertiesLen | properties
//
// The host lengths follow the sysFlag bits SysFlagBornHostV6 and SysFlagStoreHostV6.
const (
	// StoredMagic is the magic of a 4.x record (Java MESSAGE_MAGIC_CODE, -626843481).
	StoredMagic uint32 = 0xDAA320A7
	// StoredMagicV2 marks a 5.x record whose topic length is an int16 (MESSAGE_MAGIC_CODE_V2,
	// written for topics over 127 bytes). 4.9.7 never writes it; DecodeStoredMessages reads
	// it so that pulls from a 5.x broker decode too.
	StoredMagicV2 uint32 = 0xDAA320AB

	storedSysFlagAt = 4 + 4 + 4 + 4 + 4 + 8 + 8
	// storedMinLen is the smallest record: IPv4 hosts, empty body, topic and properties.
	storedMinLen = storedSysFlagAt + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 1 + 2
)

// MaxStoredTopicLength is the longest topic a 4.x record can hold: its length is a signed byte.
const MaxStoredTopicLength = 127

func hostIs6(addr netip.AddrPort) bool { return addr.Addr().Unmap().Is6() }

func appendHost(dst []byte, addr netip.AddrPort) []byte {
	dst = appendAddr(dst, addr.Addr())
	return binary.BigEndian.AppendUint32(dst, uint32(addr.Port()))
}

// EncodeStoredMessage returns m in the stored encoding; see AppendStoredMessage.
func EncodeStoredMessage(m *MessageExt) ([]byte, error) {
	size, err := StoredMessageSize(m)
	if err != nil {
		return nil, err
	}
	return AppendStoredMessage(make([]byte, 0, size), m)
}

// StoredMessageSize is the length of m's stored encoding (its totalSize), or the error
// AppendStoredMessage would give: a store that lays records out in fixed-size segments, as the
// broker's commit-log files are, decides where a record goes before writing it.
func StoredMessageSize(m *MessageExt) (int, error) {
	if len(m.Topic) > MaxStoredTopicLength {
		return 0, fmt.Errorf("protocol: topic of %d bytes does not fit a stored message (max %d)", len(m.Topic), MaxStoredTopicLength)
	}
	hosts := 16
	if hostIs6(m.BornHost) {
		hosts += 12
	}
	if hostIs6(m.StoreHost) {
		hosts += 12
	}
	propsLen := len(m.RawProperties)
	if m.RawProperties == "" {
		propsLen = encodedPropertiesLen(m.Properties)
	}
	if propsLen > MaxPropertiesLength {
		return 0, fmt.Errorf("protocol: message properties of %d bytes exceed %d", propsLen, MaxPropertiesLength)
	}
	return storedMinLen + hosts - 16 + len(m.Body) + len(m.Topic) + propsLen, nil
}

// AppendStoredMessage appends m in the stored encoding to dst. The encoder derives what the
// bytes must agree on: totalSize (m.StoreSize is not read), the host bits of the sysFlag
// (from the addresses) and the offset id's inputs are m's own. BodyCRC is written as given,
// except that 0 means "compute it" (UtilAll.crc32 of the body, as the broker does on put).
// Properties go in Java's order, or as RawProperties says when it is set. An unset host is
// written as 0.0.0.0:0.
func AppendStoredMessage(dst []byte, m *MessageExt) ([]byte, error) {
	if len(m.Topic) > MaxStoredTopicLength {
		return dst, fmt.Errorf("protocol: topic of %d bytes does not fit a stored message (max %d)", len(m.Topic), MaxStoredTopicLength)
	}
	sysFlag := m.SysFlag &^ (SysFlagBornHostV6 | SysFlagStoreHostV6)
	if hostIs6(m.BornHost) {
		sysFlag |= SysFlagBornHostV6
	}
	if hostIs6(m.StoreHost) {
		sysFlag |= SysFlagStoreHostV6
	}
	crc := m.BodyCRC
	if crc == 0 {
		crc = BodyCRC32(m.Body)
	}
	be := binary.BigEndian
	start := len(dst)
	dst = be.AppendUint32(dst, 0) // totalSize, known at the end
	dst = be.AppendUint32(dst, StoredMagic)
	dst = be.AppendUint32(dst, uint32(crc))
	dst = be.AppendUint32(dst, uint32(m.QueueID))
	dst = be.AppendUint32(dst, uint32(m.Flag))
	dst = be.AppendUint64(dst, uint64(m.QueueOffset))
	dst = be.AppendUint64(dst, uint64(m.CommitLogOffset))
	dst = be.AppendUint32(dst, uint32(sysFlag))
	dst = be.AppendUint64(dst, uint64(m.BornTimestamp))
	dst = appendHost(dst, m.BornHost)
	dst = be.AppendUint64(dst, uint64(m.StoreTimestamp))
	dst = appendHost(dst, m.StoreHost)
	dst = be.AppendUint32(dst, uint32(m.ReconsumeTimes))
	dst = be.AppendUint64(dst, uint64(m.PreparedTransactionOffset))
	dst = be.AppendUint32(dst, uint32(len(m.Body)))
	dst = append(dst, m.Body...)
	dst = append(dst, byte(len(m.Topic)))
	dst = append(dst, m.Topic...)
	propsLenAt := len(dst)
	dst = be.AppendUint16(dst, 0)
	if m.RawProperties != "" {
		dst = append(dst, m.RawProperties...)
	} else {
		dst = AppendProperties(dst, m.Properties)
	}
	propsLen := len(dst) - propsLenAt - 2
	if propsLen > MaxPropertiesLength {
		return dst[:start], fmt.Errorf("protocol: message properties of %d bytes exceed %d", propsLen, MaxPropertiesLength)
	}
	be.PutUint16(dst[propsLenAt:], uint16(propsLen))
	be.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst, nil
}

// ErrStoredMessageCorrupt is wrapped by every DecodeStoredMessages error.
var ErrStoredMessageCorrupt = errors.New("protocol: corrupt stored message")

// DecodeStoredMessages reads the records of a pull answer. It is stricter than Java's decodes,
// which ignores the magic and totalSize and stops quietly at the first record it cannot read:
// here each record must carry a known magic and end exactly where its totalSize says, and a
// bad record is an error, so that a broken encoder shows. Every length is checked against the
// bytes that remain before it is used. Bodies alias data and stay as stored (compressed
// when SysFlag says so; see MessageExt.UncompressedBody); Java's consumer decode inflates them.
func DecodeStoredMessages(data []byte) ([]*MessageExt, error) {
	count := 0
	for p := 0; p < len(data); count++ {
		if len(data)-p < 4 {
			return nil, fmt.Errorf("%w: %d stray bytes after record %d", ErrStoredMessageCorrupt, len(data)-p, count)
		}
		size := int64(int32(binary.BigEndian.Uint32(data[p:])))
		if size < storedMinLen || size > int64(len(data)-p) {
			return nil, fmt.Errorf("%w: record %d claims %d bytes, %d left", ErrStoredMessageCorrupt, count, size, len(data)-p)
		}
		p += int(size)
	}
	// One allocation for all the messages, and one for the pointers: the count is bounded by
	// the bytes present, not by anything a record claims.
	slab := make([]MessageExt, count)
	msgs := make([]*MessageExt, count)
	for i, p := 0, 0; i < count; i++ {
		size := int(binary.BigEndian.Uint32(data[p:]))
		if err := decodeStoredMessage(&slab[i], data[p:p+size]); err != nil {
			return nil, fmt.Errorf("%w: record %d: %v", ErrStoredMessageCorrupt, i, err)
		}
		msgs[i] = &slab[i]
		p += size
	}
	return msgs, nil
}

// storedReader walks one record; after the first short read it reads zeros and keeps the error.
type storedReader struct {
	b   []byte
	p   int
	err error
}

func (r *storedReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.p {
		r.err = fmt.Errorf("field of %d bytes at offset %d runs past the record's %d bytes", n, r.p, len(r.b))
		return nil
	}
	v := r.b[r.p : r.p+n : r.p+n]
	r.p += n
	return v
}

func (r *storedReader) i32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *storedReader) i64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *storedReader) host(v6 bool) netip.AddrPort {
	n := 4
	if v6 {
		n = 16
	}
	ipBytes := r.take(n)
	port := r.i32()
	if r.err != nil {
		return netip.AddrPort{}
	}
	if port < 0 || port > 0xFFFF {
		r.err = fmt.Errorf("host port %d out of range", port)
		return netip.AddrPort{}
	}
	ip, _ := netip.AddrFromSlice(ipBytes)
	return netip.AddrPortFrom(ip, uint16(port))
}

func decodeStoredMessage(m *MessageExt, b []byte) error {
	_, err := decodeStoredRecord(m, b)
	return err
}

// StoredRecordProperties returns the properties string of one stored record as its writer wrote
// it: in its order, a name given twice kept twice. PropertyNames of it is the insertion order
// that makes EncodeProperties write a broker's string again byte for byte, which a broker needs
// when it re-stores a record with a property changed (a transaction check's copy).
func StoredRecordProperties(record []byte) (string, error) {
	var m MessageExt
	props, err := decodeStoredRecord(&m, record)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrStoredMessageCorrupt, err)
	}
	return props, nil
}

// decodeStoredRecord decodes one record into m and returns its properties string.
func decodeStoredRecord(m *MessageExt, b []byte) (string, error) {
	r := &storedReader{b: b}
	m.StoreSize = r.i32()
	magic := uint32(r.i32())
	if magic != StoredMagic && magic != StoredMagicV2 {
		return "", fmt.Errorf("magic %#x, want %#x", magic, StoredMagic)
	}
	m.BodyCRC = r.i32()
	m.QueueID = r.i32()
	m.Flag = r.i32()
	m.QueueOffset = r.i64()
	m.CommitLogOffset = r.i64()
	m.SysFlag = r.i32()
	m.BornTimestamp = r.i64()
	m.BornHost = r.host(m.SysFlag&SysFlagBornHostV6 != 0)
	m.StoreTimestamp = r.i64()
	m.StoreHost = r.host(m.SysFlag&SysFlagStoreHostV6 != 0)
	m.ReconsumeTimes = r.i32()
	m.PreparedTransactionOffset = r.i64()
	if body := r.take(int(r.i32())); len(body) > 0 {
		m.Body = body
	}
	var topicLen int
	if magic == StoredMagicV2 {
		if tl := r.take(2); tl != nil {
			topicLen = int(int16(binary.BigEndian.Uint16(tl)))
		}
	} else if tl := r.take(1); tl != nil {
		topicLen = int(int8(tl[0]))
	}
	// The topic and the properties sit two bytes apart: one string holds both.
	topicAt := r.p
	r.take(topicLen)
	propsLen := 0
	if pl := r.take(2); pl != nil {
		propsLen = int(int16(binary.BigEndian.Uint16(pl)))
	}
	r.take(propsLen)
	if r.err != nil {
		return "", r.err
	}
	if r.p != len(b) {
		return "", fmt.Errorf("%d bytes after the properties", len(b)-r.p)
	}
	tail := string(b[topicAt:])
	m.Topic = tail[:topicLen]
	props := tail[topicLen+2:]
	if propsLen > 0 {
		m.Properties = DecodeProperties(props)
	}
	m.MsgID = CreateOffsetMsgID(m.StoreHost, m.CommitLogOffset)
	return props, nil
}
