package protocol

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/netip"
)

// StoredMagic is the magic code of a 4.x commit-log message (Java MESSAGE_MAGIC_CODE,
// -626843481 as a Java int).
const StoredMagic uint32 = 0xDAA320A7

// BodyCRC is the CRC a broker stores with a body (Java UtilAll.crc32: CRC-32, top bit cleared).
func BodyCRC(body []byte) int32 { return int32(crc32.ChecksumIEEE(body) & 0x7FFFFFFF) }

func hostLen(addr netip.AddrPort) int {
	if addr.Addr().Unmap().Is4() {
		return 8
	}
	return 20
}

func appendHost(dst []byte, addr netip.AddrPort) []byte {
	dst = append(dst, addr.Addr().Unmap().AsSlice()...)
	return binary.BigEndian.AppendUint32(dst, uint32(addr.Port()))
}

// AppendStoredMessage appends m in the commit-log encoding a PULL_MESSAGE answer carries
// (Java CommitLog's format as MessageDecoder.decode reads it). The host flags in SysFlag are
// set from the addresses; StoreSize and BodyCRC are computed.
func AppendStoredMessage(dst []byte, m *MessageExt) ([]byte, error) {
	props := EncodeProperties(m.Properties)
	if err := CheckPropertiesLength(props); err != nil {
		return dst, err
	}
	if len(m.Topic) > 127 {
		return dst, fmt.Errorf("protocol: topic of %d bytes does not fit a stored message", len(m.Topic))
	}
	sysFlag := m.SysFlag &^ (SysFlagBornHostV6 | SysFlagStoreHostV6)
	if hostLen(m.BornHost) == 20 {
		sysFlag |= SysFlagBornHostV6
	}
	if hostLen(m.StoreHost) == 20 {
		sysFlag |= SysFlagStoreHostV6
	}
	size := 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + hostLen(m.BornHost) + 8 + hostLen(m.StoreHost) + 4 + 8 +
		4 + len(m.Body) + 1 + len(m.Topic) + 2 + len(props)
	be := binary.BigEndian
	dst = be.AppendUint32(dst, uint32(size))
	dst = be.AppendUint32(dst, StoredMagic)
	dst = be.AppendUint32(dst, uint32(BodyCRC(m.Body)))
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
	dst = be.AppendUint16(dst, uint16(len(props)))
	return append(dst, props...), nil
}

// storedReader walks a stored message, refusing to read past its end.
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
		r.err = fmt.Errorf("protocol: stored message field of %d bytes at offset %d runs past its end (%d bytes)", n, r.p, len(r.b))
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
	ipb := r.take(n)
	port := r.i32()
	if r.err != nil {
		return netip.AddrPort{}
	}
	ip, _ := netip.AddrFromSlice(ipb)
	return netip.AddrPortFrom(ip, uint16(port))
}

// DecodeStoredMessages reads the concatenated stored messages of a pull answer.
func DecodeStoredMessages(data []byte) ([]*MessageExt, error) {
	var out []*MessageExt
	for p := 0; p < len(data); {
		if len(data)-p < 4 {
			return nil, fmt.Errorf("protocol: %d stray bytes after %d stored messages", len(data)-p, len(out))
		}
		size := int(int32(binary.BigEndian.Uint32(data[p:])))
		if size < 4 || size > len(data)-p {
			return nil, fmt.Errorf("protocol: stored message %d claims %d bytes, %d left", len(out), size, len(data)-p)
		}
		m, err := decodeStoredMessage(data[p : p+size])
		if err != nil {
			return nil, fmt.Errorf("stored message %d: %w", len(out), err)
		}
		out = append(out, m)
		p += size
	}
	return out, nil
}

func decodeStoredMessage(b []byte) (*MessageExt, error) {
	r := &storedReader{b: b}
	m := &MessageExt{StoreSize: r.i32()}
	if magic := uint32(r.i32()); r.err == nil && magic != StoredMagic {
		return nil, fmt.Errorf("protocol: stored message magic %#x, want %#x", magic, StoredMagic)
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
	if tl := r.take(1); tl != nil {
		m.Topic = string(r.take(int(tl[0])))
	}
	if pl := r.take(2); pl != nil {
		m.Properties = DecodeProperties(string(r.take(int(binary.BigEndian.Uint16(pl)))))
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.p != len(b) {
		return nil, fmt.Errorf("protocol: stored message has %d bytes after its properties", len(b)-r.p)
	}
	m.MsgID = CreateOffsetMsgID(m.StoreHost, m.CommitLogOffset)
	return m, nil
}
