package acl

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The cases below are 4.9.7's own: acl/src/test/java/org/apache/rocketmq/acl/common/AclUtilsTest
// (expandIPTest, v6ipProcessTest) and acl/src/test/java/org/apache/rocketmq/acl/plain/
// RemoteAddressStrategyTest (netaddressStrategyFactoryTest, oneNetaddressStrategyTest,
// multipleNetaddressStrategyTest, rangeNetaddressStrategyTest and the exception tests), at tag
// rocketmq-all-4.9.7.

func TestExpandIPAsJava(t *testing.T) {
	for _, c := range []struct {
		in   string
		part int
		want string
	}{
		{"::", 8, "0000:0000:0000:0000:0000:0000:0000:0000"},
		{"::1", 8, "0000:0000:0000:0000:0000:0000:0000:0001"},
		{"3::", 8, "0003:0000:0000:0000:0000:0000:0000:0000"},
		{"2::2", 8, "0002:0000:0000:0000:0000:0000:0000:0002"},
		{"4::aac4:92", 8, "0004:0000:0000:0000:0000:0000:AAC4:0092"},
		{"ab23:56:901a::cc6:765:bb:9011", 8, "AB23:0056:901A:0000:0CC6:0765:00BB:9011"},
		{"ab23:56:901a:1:cc6:765:bb:9011", 8, "AB23:0056:901A:0001:0CC6:0765:00BB:9011"},
		{"5::7:6", 6, "0005:0000:0000:0000:0007:0006"},
	} {
		require.Equal(t, c.want, expandIP(c.in, c.part), c.in)
	}
	for in, want := range map[string]string{ // v6ipProcessTest
		"5::7:6:1-200:*": "0005:0000:0000:0000:0007:0006",
		"5::7:6:1-200":   "0005:0000:0000:0000:0000:0007:0006",
		"5::7:6:*":       "0005:0000:0000:0000:0000:0007:0006",
		"5:7:6:*":        "0005:0007:0006",
	} {
		require.Equal(t, want, v6Head(in), in)
	}
}

// Every white address form netaddressStrategyFactoryTest builds, IPv6 ones included, loads.
func TestWhiteAddressFormsLoadAsJava(t *testing.T) {
	for _, spec := range []string{"*", "*.*.*.*", "127.0.0.1", "127.0.0.1,127.0.0.2,127.0.0.3", "127.0.0.{1,2,3}",
		"127.0.0.1-200", "127.0.0.*", "127.0.1-20.*", "", "*:*:*:*:*:*:*:*",
		"1050:0000:0000:0000:0005:0600:300c:326b",
		"1050::0005:0600:300c:3261,1050::0005:0600:300c:3262,1050::0005:0600:300c:3263",
		"1050::0005:0600:300c:3261:{1,2,3}", "1050::0005:0600:300c:3261:1-200",
		"1050:0005:0600:300c:3261:*", "1050::0005:0600:300c:3261:1-20:*"} {
		_, err := parseAddressMatcher(spec)
		require.NoError(t, err, spec)
	}
	// The first statement of each exception test, the one Java's test proves throws.
	for _, spec := range []string{"256.0.0.1", "127.0.0.1,2,3}", "127.0.0.2-1", "127.0.0.-1-200", "127.0.0.0-256"} {
		_, err := parseAddressMatcher(spec)
		require.Error(t, err, spec)
	}
}

func TestWhiteAddressMatchesAsJava(t *testing.T) {
	match := func(spec, host string) bool {
		m, err := parseAddressMatcher(spec)
		require.NoError(t, err, spec)
		return m(host)
	}
	// oneNetaddressStrategyTest, IPv6 part.
	require.True(t, match("::1", "::1"))
	require.True(t, match("::1", "0000:0000:0000:0000:0000:0000:0000:0001"))
	require.False(t, match("::1", "::2"))
	require.False(t, match("::1", ""))
	// multipleIPv6NetaddressStrategyTest, for both ways of writing the set.
	for _, spec := range []string{"1050::0005:0600:300c:1,1050::0005:0600:300c:2,1050::0005:0600:300c:3",
		"1050::0005:0600:300c:{1,2,3}"} {
		for host, want := range map[string]bool{
			"1050:0000:0000:0000:0005:0600:300c:1": true, "1050:0000:0000:0000:0005:0600:300c:2": true,
			"1050:0000:0000:0000:0005:0600:300c:3": true, "1050:0000:0000:0000:0005:0600:300c:4": false,
			"1050:0000:0000:0000:0005:0600:300c:0": false,
		} {
			require.Equal(t, want, match(spec, host), "%s against %s", host, spec)
		}
	}
	require.True(t, match("192.100-150.*.*", "192.130.0.2"))
	// rangeNetaddressStrategyTest, IPv6 part: head+hex(i) for i from -10 to 65635, hex as Java's
	// Integer.toHexString writes negatives.
	for _, c := range []struct {
		spec, head string
		start, end int
		in         bool
	}{
		{"1050::0005:0600:300c:1-200", "1050::0005:0600:300c:", 1, 0x200, true},
		{"1050::0005:0600:300c:*", "1050::0005:0600:300c:", 0, 0xffff, true},
		{"1050::0005:0600:3001:*", "1050::0005:0600:300c:", 0, 0xffff, false},
		{"1050::0005:0600:300c:1-200:*", "1050::0005:0600:300c:1:", 0, 0xffff, true},
		{"1050::0005:0600:300c:1-200:*", "1050::0005:0600:300c:201:", 0, 0xffff, false},
	} {
		m, err := parseAddressMatcher(c.spec)
		require.NoError(t, err, c.spec)
		for i := -10; i < 65536+100; i++ {
			host := c.head + strconv.FormatUint(uint64(uint32(int32(i))), 16)
			want := c.in && i >= c.start && i <= c.end
			if m(host) != want {
				t.Fatalf("%s against %s: got %v, want %v", host, c.spec, !want, want)
			}
		}
	}
}
