package protocol

import (
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
)

// goldenResponseMsgIDs returns the offset ids of the capture's send responses, by case; a
// batch's response lists one per message, comma-joined.
func goldenResponseMsgIDs(tb testing.TB) map[string][]string {
	out := map[string][]string{}
	for _, f := range golden.Load(tb) {
		if f.Kind != "response" || !strings.HasSuffix(f.Case, "-send") {
			continue
		}
		if id := goldenExtFields(tb, f)["msgId"]; id != "" {
			out[f.Case] = append(out[f.Case], strings.Split(id, ",")...)
		}
	}
	return out
}

func TestGoldenOffsetMsgIDs(t *testing.T) {
	broker := netip.MustParseAddrPort("127.0.0.1:20911")
	byCase := goldenResponseMsgIDs(t)
	require.Len(t, byCase["java-batch-send"], 3)
	n := 0
	for name, ids := range byCase {
		var last int64 = -1
		for _, id := range ids {
			host, offset, err := DecodeOffsetMsgID(id)
			require.NoError(t, err, "%s %s", name, id)
			require.Equal(t, broker, host, id)
			require.Greater(t, offset, last, "a batch's messages follow one another in the commit log")
			last = offset
			require.Equal(t, id, CreateOffsetMsgID(host, offset))
			n++
		}
	}
	require.Equal(t, 8, n, "every send but the oneway one was answered")
	_, offset, err := DecodeOffsetMsgID("7F000001000051AF0000000000008462")
	require.NoError(t, err)
	require.Equal(t, int64(0x8462), offset)
}

func TestOffsetMsgIDs(t *testing.T) {
	cases := []struct {
		host   string
		offset int64
		want   string // printed by Java 4.9.7's MessageDecoder.createMessageId
	}{
		{"127.0.0.1:20911", 0x8462, "7F000001000051AF0000000000008462"},
		{"[fd00::1]:10911", 1 << 40, "FD00000000000000000000000000000100002A9F0000010000000000"},
		{"[::ffff:127.0.0.1]:20911", 0x8462, "7F000001000051AF0000000000008462"}, // Java sees an IPv4 address
		{"192.0.2.1:1", -1, "C000020100000001FFFFFFFFFFFFFFFF"},
	}
	for _, c := range cases {
		host := netip.MustParseAddrPort(c.host)
		require.Equal(t, c.want, CreateOffsetMsgID(host, c.offset))
		require.Equal(t, "x"+c.want, string(AppendOffsetMsgID([]byte("x"), host, c.offset)))
		back, offset, err := DecodeOffsetMsgID(strings.ToLower(c.want))
		require.NoError(t, err)
		require.Equal(t, netip.AddrPortFrom(host.Addr().Unmap(), host.Port()), back)
		require.Equal(t, c.offset, offset)
	}
	require.Len(t, CreateOffsetMsgID(netip.AddrPort{}, 1), 32, "an unknown host still gives an id of the usual shape")
	for _, bad := range []string{"", "XYZ", "7F000001000051AF000000000000846", "7F000001000051AF000000000000846G",
		"7F000001000151AF0000000000008462" /* port 0x151AF */} {
		_, _, err := DecodeOffsetMsgID(bad)
		require.Error(t, err, bad)
	}
}

func TestGoldenUniqMsgIDs(t *testing.T) {
	var javaCounters []uint16
	for _, s := range goldenSends(t) {
		if s.frame.Code == 320 {
			msgs, err := DecodeBatch(s.topic, s.body)
			require.NoError(t, err)
			for _, m := range msgs {
				u, err := ParseUniqID(m.UniqKey())
				require.NoError(t, err)
				javaCounters = append(javaCounters, u.Counter)
			}
			continue
		}
		id := DecodeProperties(s.properties)[PropertyUniqClientMessageID]
		u, err := ParseUniqID(id)
		require.NoError(t, err, id)
		born := time.UnixMilli(s.bornTimestamp).UTC() // the capture ran in UTC
		made := u.Time(born.Add(time.Second))
		if s.java {
			// The capture host's first non-internal address was the IPv6 ULA fd00::2
			// (UtilAll.getIP prefers any address outside 10/8, 172.16/12, 192.168/16 and
			// the IPv6 local kinds, in interface order).
			require.Len(t, id, 56)
			require.Equal(t, netip.MustParseAddr("fd00::2"), u.IP)
			require.False(t, u.LowerCase)
			require.NotZero(t, u.ClassLoaderHash)
			require.WithinDuration(t, born, made, 2*time.Millisecond, "Java's ids keep milliseconds")
			if s.frame.Case != "java-binary-sync-send" { // another JVM
				require.Equal(t, uint16(0x16FA), u.PID)
				javaCounters = append(javaCounters, u.Counter)
			}
		} else {
			require.Len(t, id, 32)
			require.Equal(t, netip.MustParseAddr("192.0.2.2"), u.IP)
			require.True(t, u.LowerCase, "the official Go client writes the time and counter in lower case")
			require.Zero(t, u.ClassLoaderHash)
			require.Zero(t, u.MonthMillis%1000, "the official Go client keeps whole seconds")
			require.Equal(t, uint16(1), u.Counter, "its counter is incremented before use")
			require.False(t, made.After(born))
			require.WithinDuration(t, born, made, time.Second)
		}
	}
	// Java's counter starts at 0; the batch took 3..5 before the compressed send.
	require.ElementsMatch(t, []uint16{0, 1, 2, 3, 4, 5, 6}, javaCounters)
}

func fixedClock(t *time.Time) func() time.Time { return func() time.Time { return *t } }

func TestUniqMsgIDGeneratorReproducesJava(t *testing.T) {
	now := time.UnixMilli(1795587237631).UTC() // the golden java-sync-send's bornTimestamp
	g := NewUniqIDGenerator(UniqIDPrefix{IP: netip.MustParseAddr("fd00::2"), PID: 0x16FA, ClassLoaderHash: 0x30946E09}, fixedClock(&now))
	require.Equal(t, "FD00000000000000000000000000000216FA30946E09", g.Prefix())
	require.Equal(t, DecodeProperties(goldenSendCase(t, "java-sync-send").properties)[PropertyUniqClientMessageID], g.Next(),
		"the same prefix, clock and counter give the captured id")
	require.Equal(t, "FD00000000000000000000000000000216FA30946E097CEEFEFF0001", g.Next())

	v4 := NewUniqIDGenerator(UniqIDPrefix{IP: netip.MustParseAddr("::ffff:192.0.2.2"), PID: 0x17AE, ClassLoaderHash: -1}, fixedClock(&now))
	require.Equal(t, "C000020217AEFFFFFFFF7CEEFEFF0000", v4.Next())
}

func TestUniqMsgIDGeneratorMonthsAndClockSteps(t *testing.T) {
	shanghai := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 11, 30, 23, 59, 59, 999e6, shanghai)
	g := NewUniqIDGenerator(UniqIDPrefix{IP: netip.MustParseAddr("192.0.2.2"), PID: 1}, fixedClock(&now))
	next := func() UniqID {
		u, err := ParseUniqID(g.Next())
		require.NoError(t, err)
		return u
	}
	require.Equal(t, uint32(30*24*3600*1000-1), next().MonthMillis, "counted from the 1st in the clock's zone, past 2^31")

	now = time.Date(2026, 12, 1, 0, 0, 0, 5e6, shanghai)
	require.Equal(t, uint32(5), next().MonthMillis, "a new month starts from 0")

	now = now.Add(-500 * time.Millisecond)
	require.Equal(t, uint32(0), next().MonthMillis, "a small step back (NTP) reads as 0")

	now = now.Add(-time.Hour)
	require.Equal(t, uint32(1<<32-3600*1000+5-500), next().MonthMillis, "a large step back shows, as in Java")

	g.counter.Store(0xFFFF)
	require.Equal(t, uint16(0xFFFF), next().Counter)
	require.Equal(t, uint16(0), next().Counter, "the counter wraps")
}

func TestUniqMsgIDGeneratorConcurrent(t *testing.T) {
	g := NewUniqIDGenerator(NewUniqIDPrefix(netip.MustParseAddr("192.0.2.2")), nil)
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ids := make([]string, 0, 1000)
			for range 1000 {
				ids = append(ids, g.Next())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				require.False(t, seen[id], id)
				seen[id] = true
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, 8000)
}

func TestUniqMsgIDPrefix(t *testing.T) {
	p := NewUniqIDPrefix(netip.MustParseAddr("::ffff:192.0.2.2"))
	require.Equal(t, netip.MustParseAddr("192.0.2.2"), p.IP)
	require.Equal(t, uint16(os.Getpid()), p.PID)
	fake := NewUniqIDPrefix(netip.Addr{})
	require.True(t, fake.IP.Is4(), "without an address Java makes one up from the clock")
	id := NewUniqIDGenerator(fake, nil).Next()
	require.Len(t, id, 32)
	require.Equal(t, strings.ToUpper(id), id)
}

func TestParseUniqMsgIDRejects(t *testing.T) {
	for _, bad := range []string{"", "C000020217AE000000007CEF5A48000", "C000020217AE000000007CEF5A48000G", strings.Repeat("0", 40)} {
		_, err := ParseUniqID(bad)
		require.Error(t, err, bad)
	}
}

func TestUniqMsgIDTimeAcrossMonths(t *testing.T) {
	// Java's getNearlyTimeFromID: an elapsed time later than now belongs to the month before.
	u := UniqID{MonthMillis: uint32(20 * 24 * time.Hour / time.Millisecond)}
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	require.Equal(t, time.Date(2026, 2, 21, 0, 0, 0, 0, time.UTC), u.Time(now))
	require.Equal(t, time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC), u.Time(now.AddDate(0, 0, 20)))
}

func TestUniqMsgIDHotPathAllocations(t *testing.T) {
	g := NewUniqIDGenerator(NewUniqIDPrefix(netip.MustParseAddr("fd00::2")), nil)
	buf := make([]byte, 0, 56)
	require.Zero(t, testing.AllocsPerRun(100, func() { buf = g.AppendNext(buf[:0]) }))
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = g.Next() }))
}

// idBytes keeps the benchmark's ids in use, so that making them cannot be optimised away.
var idBytes atomic.Int64

func BenchmarkUniqIDNext(b *testing.B) {
	g := NewUniqIDGenerator(NewUniqIDPrefix(netip.MustParseAddr("192.0.2.2")), nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n += len(g.Next())
		}
		idBytes.Add(int64(n))
	})
}
