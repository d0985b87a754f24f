package protocol

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"
)

// CreateOffsetMsgID returns the id a broker gives a stored message (Java
// MessageDecoder.createMessageId): the store host's address and port and the message's
// commit-log offset, in upper-case hex: 32 characters for IPv4, 56 for IPv6.
func CreateOffsetMsgID(storeHost netip.AddrPort, commitLogOffset int64) string {
	ip := storeHost.Addr().Unmap()
	b := make([]byte, 0, 28)
	b = append(b, ip.AsSlice()...)
	b = binary.BigEndian.AppendUint32(b, uint32(storeHost.Port()))
	b = binary.BigEndian.AppendUint64(b, uint64(commitLogOffset))
	return strings.ToUpper(hex.EncodeToString(b))
}

// DecodeOffsetMsgID reads back what CreateOffsetMsgID wrote.
func DecodeOffsetMsgID(id string) (netip.AddrPort, int64, error) {
	b, err := hex.DecodeString(id)
	if err != nil || (len(b) != 16 && len(b) != 28) {
		return netip.AddrPort{}, 0, fmt.Errorf("protocol: %q is not an offset message id", id)
	}
	ipLen := len(b) - 12
	ip, _ := netip.AddrFromSlice(b[:ipLen])
	port := binary.BigEndian.Uint32(b[ipLen:])
	if port > 0xFFFF {
		return netip.AddrPort{}, 0, fmt.Errorf("protocol: offset message id %q has port %d", id, port)
	}
	return netip.AddrPortFrom(ip, uint16(port)), int64(binary.BigEndian.Uint64(b[ipLen+4:])), nil
}

// UniqIDGenerator makes client-side message ids (UNIQ_KEY) as Java's MessageClientIDSetter:
// a fixed prefix of the client's IP, PID (16 bits) and class-loader hash, then the
// milliseconds since the start of the current month (local time) and a 16-bit counter.
type UniqIDGenerator struct {
	prefix string
	now    func() time.Time

	mu         sync.Mutex
	counter    uint16
	monthStart time.Time
	nextMonth  time.Time
}

// NewUniqIDGenerator returns a generator for the given client IP; salt stands in for Java's
// class-loader hash (any value that tells processes with the same PID apart).
func NewUniqIDGenerator(ip netip.Addr, salt int32) *UniqIDGenerator {
	ip = ip.Unmap()
	b := make([]byte, 0, 22)
	b = append(b, ip.AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, uint16(os.Getpid()))
	b = binary.BigEndian.AppendUint32(b, uint32(salt))
	return &UniqIDGenerator{prefix: strings.ToUpper(hex.EncodeToString(b)), now: time.Now}
}

// Next returns a new id.
func (g *UniqIDGenerator) Next() string {
	g.mu.Lock()
	now := g.now()
	if !now.Before(g.nextMonth) {
		y, m, _ := now.Date()
		g.monthStart = time.Date(y, m, 1, 0, 0, 0, 0, now.Location())
		g.nextMonth = g.monthStart.AddDate(0, 1, 0)
	}
	elapsed := max(now.Sub(g.monthStart).Milliseconds(), 0)
	g.counter++
	counter := g.counter
	g.mu.Unlock()
	var b [6]byte
	binary.BigEndian.PutUint32(b[:], uint32(elapsed))
	binary.BigEndian.PutUint16(b[4:], counter)
	return g.prefix + strings.ToUpper(hex.EncodeToString(b[:]))
}

// UniqIDInfo is what a client-side message id tells.
type UniqIDInfo struct {
	IP           netip.Addr
	PID          uint16
	SinceMonthMs int32
	Counter      uint16
	MixedCase    bool // the official Go client writes the time and counter in lower case
}

// ParseUniqID reads a UNIQ_KEY written by Java (32 or 56 hex characters) or by the official
// Go client (same layout, partly lower case).
func ParseUniqID(id string) (UniqIDInfo, error) {
	b, err := hex.DecodeString(id)
	if err != nil || (len(b) != 16 && len(b) != 28) {
		return UniqIDInfo{}, fmt.Errorf("protocol: %q is not a client message id", id)
	}
	ipLen := len(b) - 12
	ip, _ := netip.AddrFromSlice(b[:ipLen])
	return UniqIDInfo{
		IP:           ip,
		PID:          binary.BigEndian.Uint16(b[ipLen:]),
		SinceMonthMs: int32(binary.BigEndian.Uint32(b[ipLen+6:])),
		Counter:      binary.BigEndian.Uint16(b[ipLen+10:]),
		MixedCase:    id != strings.ToUpper(id),
	}, nil
}
