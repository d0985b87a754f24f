package protocol

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"sync/atomic"
	"time"
)

// Two ids name a message. The broker's offset id says where it is stored: the store host and
// the commit-log offset (Java MessageDecoder.createMessageId). The producer's unique id
// (UNIQ_KEY, what SendResult.msgId shows) says who made it and when (Java
// MessageClientIDSetter). Both are upper-case hex in Java; the official Go client writes part
// of its unique ids in lower case.

const hexDigits = "0123456789ABCDEF"

func appendHex(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xF])
	}
	return dst
}

// decodeHex reads hex of either case into dst, which must be exactly half as long as s.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := hexValue(s[2*i])
		lo, ok2 := hexValue(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// appendAddr appends the 4 or 16 bytes Java's InetAddress.getAddress gives: IPv4-mapped IPv6
// addresses are IPv4 in Java, and an invalid address stands in as 0.0.0.0.
func appendAddr(dst []byte, ip netip.Addr) []byte {
	ip = ip.Unmap()
	switch {
	case ip.Is4():
		a := ip.As4()
		return append(dst, a[:]...)
	case ip.Is6():
		a := ip.As16()
		return append(dst, a[:]...)
	}
	return append(dst, 0, 0, 0, 0)
}

// CreateOffsetMsgID returns the id a broker gives a stored message: the store host's address
// (4 or 16 bytes) and port (4 bytes) and the commit-log offset (8 bytes), in upper-case hex:
// 32 characters for IPv4, 56 for IPv6.
func CreateOffsetMsgID(storeHost netip.AddrPort, commitLogOffset int64) string {
	var buf [56]byte
	return string(AppendOffsetMsgID(buf[:0], storeHost, commitLogOffset))
}

// AppendOffsetMsgID appends CreateOffsetMsgID(storeHost, commitLogOffset) to dst.
func AppendOffsetMsgID(dst []byte, storeHost netip.AddrPort, commitLogOffset int64) []byte {
	var raw [28]byte
	b := appendAddr(raw[:0], storeHost.Addr())
	b = binary.BigEndian.AppendUint32(b, uint32(storeHost.Port()))
	b = binary.BigEndian.AppendUint64(b, uint64(commitLogOffset))
	return appendHex(dst, b)
}

// DecodeOffsetMsgID reads back what CreateOffsetMsgID wrote (either case).
func DecodeOffsetMsgID(id string) (storeHost netip.AddrPort, commitLogOffset int64, err error) {
	var raw [28]byte
	var b []byte
	switch len(id) {
	case 32:
		b = raw[:16]
	case 56:
		b = raw[:28]
	default:
		return netip.AddrPort{}, 0, fmt.Errorf("protocol: offset message id %q is neither 32 nor 56 hex characters", id)
	}
	if !decodeHex(b, id) {
		return netip.AddrPort{}, 0, fmt.Errorf("protocol: offset message id %q is not hex", id)
	}
	ipLen := len(b) - 12
	ip, _ := netip.AddrFromSlice(b[:ipLen])
	port := binary.BigEndian.Uint32(b[ipLen:])
	if port > 0xFFFF {
		return netip.AddrPort{}, 0, fmt.Errorf("protocol: offset message id %q has port %d", id, port)
	}
	return netip.AddrPortFrom(ip, uint16(port)), int64(binary.BigEndian.Uint64(b[ipLen+4:])), nil
}

// UniqIDPrefix is the fixed part of a process's unique ids.
type UniqIDPrefix struct {
	IP  netip.Addr // 4 bytes for IPv4, 16 for IPv6
	PID uint16     // Java writes the PID as a short
	// ClassLoaderHash is the identity hash of the class loader in Java, in effect a random
	// number per JVM; the official Go client writes 0.
	ClassLoaderHash int32
}

// NewUniqIDPrefix returns the prefix for this process on ip: its PID, and a random stand-in
// for the class-loader hash, which keeps apart processes that share an address and a PID
// (PID 1 in every container). An invalid ip is replaced as Java replaces an address it cannot
// find: by the low four bytes of the current time in milliseconds.
func NewUniqIDPrefix(ip netip.Addr) UniqIDPrefix {
	if !ip.IsValid() {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(time.Now().UnixMilli()))
		ip = netip.AddrFrom4(b)
	}
	return UniqIDPrefix{IP: ip.Unmap(), PID: uint16(os.Getpid()), ClassLoaderHash: rand.Int32()}
}

func (p UniqIDPrefix) appendHex(dst []byte) []byte {
	var raw [22]byte
	b := appendAddr(raw[:0], p.IP)
	b = binary.BigEndian.AppendUint16(b, p.PID)
	b = binary.BigEndian.AppendUint32(b, uint32(p.ClassLoaderHash))
	return appendHex(dst, b)
}

// UniqIDGenerator makes unique ids as Java's MessageClientIDSetter.createUniqID: the prefix,
// then the milliseconds since the start of the current month (in the clock's location; Java
// uses the JVM's default time zone) as an int, then a 16-bit counter that starts at 0 and
// wraps. It is safe for concurrent use.
type UniqIDGenerator struct {
	prefix    [44]byte
	prefixLen int
	now       func() time.Time
	counter   atomic.Uint32
	month     atomic.Pointer[monthWindow]
}

// monthWindow is the month the elapsed time counts from, in Unix milliseconds.
type monthWindow struct{ start, next int64 }

// NewUniqIDGenerator returns a generator writing prefix and reading the time from now
// (time.Now when nil): tests inject a clock and a fixed prefix to get known ids.
func NewUniqIDGenerator(prefix UniqIDPrefix, now func() time.Time) *UniqIDGenerator {
	if now == nil {
		now = time.Now
	}
	g := &UniqIDGenerator{now: now}
	g.prefixLen = len(prefix.appendHex(g.prefix[:0]))
	return g
}

// Prefix returns the fixed hex prefix every id of g starts with.
func (g *UniqIDGenerator) Prefix() string { return string(g.prefix[:g.prefixLen]) }

// Next returns a new id: 32 hex characters with an IPv4 prefix, 56 with IPv6.
func (g *UniqIDGenerator) Next() string {
	var buf [56]byte
	return string(g.AppendNext(buf[:0]))
}

// AppendNext appends a new id to dst.
func (g *UniqIDGenerator) AppendNext(dst []byte) []byte {
	now := g.now()
	ms := now.UnixMilli()
	w := g.month.Load()
	// Like Java the window only moves forward: a clock set back shows as a negative time.
	for w == nil || ms >= w.next {
		y, m, _ := now.Date()
		start := time.Date(y, m, 1, 0, 0, 0, 0, now.Location())
		fresh := &monthWindow{start: start.UnixMilli(), next: start.AddDate(0, 1, 0).UnixMilli()}
		if g.month.CompareAndSwap(w, fresh) {
			w = fresh
			break
		}
		w = g.month.Load()
	}
	// Java keeps this in an int: it wraps past 2^31 ms (24.8 days), and the four bytes
	// written are the same as the unsigned count's.
	elapsed := int32(ms - w.start)
	if elapsed < 0 && elapsed > -1_000_000 {
		elapsed = 0 // Java's allowance for an NTP step back
	}
	count := uint16(g.counter.Add(1) - 1)
	dst = append(dst, g.prefix[:g.prefixLen]...)
	var tail [6]byte
	binary.BigEndian.PutUint32(tail[:], uint32(elapsed))
	binary.BigEndian.PutUint16(tail[4:], count)
	return appendHex(dst, tail[:])
}

// UniqID is what a unique id tells.
type UniqID struct {
	UniqIDPrefix
	// MonthMillis is the time since the start of the month the id was made in, in ms. Java
	// computes an int, which passes 2^31 late on the 25th day, so the four bytes are read
	// without a sign, as Java's getNearlyTimeFromID reads them. A clock set back by more
	// than Java's allowance shows as a value near 2^32. The official Go client writes whole
	// seconds times 1000.
	MonthMillis uint32
	Counter     uint16
	// LowerCase is set when the id has lower-case hex digits, as the official Go client
	// writes the time and counter; Java writes upper case only.
	LowerCase bool
}

// ParseUniqID reads a unique id of 32 (IPv4) or 56 (IPv6) hex characters, of either case.
func ParseUniqID(id string) (UniqID, error) {
	var raw [28]byte
	var b []byte
	switch len(id) {
	case 32:
		b = raw[:16]
	case 56:
		b = raw[:28]
	default:
		return UniqID{}, fmt.Errorf("protocol: unique message id %q is neither 32 nor 56 hex characters", id)
	}
	if !decodeHex(b, id) {
		return UniqID{}, fmt.Errorf("protocol: unique message id %q is not hex", id)
	}
	ipLen := len(b) - 12
	ip, _ := netip.AddrFromSlice(b[:ipLen])
	u := UniqID{
		UniqIDPrefix: UniqIDPrefix{
			IP:              ip,
			PID:             binary.BigEndian.Uint16(b[ipLen:]),
			ClassLoaderHash: int32(binary.BigEndian.Uint32(b[ipLen+2:])),
		},
		MonthMillis: binary.BigEndian.Uint32(b[ipLen+6:]),
		Counter:     binary.BigEndian.Uint16(b[ipLen+10:]),
	}
	for i := 0; i < len(id); i++ {
		if id[i] >= 'a' && id[i] <= 'f' {
			u.LowerCase = true
			break
		}
	}
	return u, nil
}

// Time returns when the id was made, as Java's getNearlyTimeFromID reckons it at time now: in
// the current month of now's location, or the month before when that would lie after now.
// Java moves to the month before already when the two are equal; here an id made at now
// stays in the current month.
func (u UniqID) Time(now time.Time) time.Time {
	y, m, _ := now.Date()
	start := time.Date(y, m, 1, 0, 0, 0, 0, now.Location())
	span := time.Duration(u.MonthMillis) * time.Millisecond
	if start.Add(span).After(now) {
		start = start.AddDate(0, -1, 0)
	}
	return start.Add(span)
}
