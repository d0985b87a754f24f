package acl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// addressMatcher is Java's RemoteAddressStrategy: whether a peer's host (without its port) is
// white-listed.
type addressMatcher func(host string) bool

// parseAddressMatcher is RemoteAddressStrategyFactory.getRemoteAddressStrategy: blank matches
// nothing, "*" (or "*.*.*.*") everything, "1.2.3.{4,5}" and "a,b" a set, "1.2.3.*" and
// "1.2.3.10-20" a range in one octet, anything else one address.
func parseAddressMatcher(spec string) (addressMatcher, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return func(string) bool { return false }, nil
	case spec == "*" || spec == "*.*.*.*" || spec == "*:*:*:*:*:*:*:*":
		return func(string) bool { return true }, nil
	case strings.HasSuffix(spec, "}"):
		sep := "."
		if strings.Contains(spec, ":") {
			sep = ":"
		}
		parts := splitNonEmpty(spec, sep)
		last := parts[len(parts)-1]
		if !strings.HasPrefix(last, "{") || (sep == "." && len(parts) < 4) {
			return nil, fmt.Errorf("%w: %s", errBadAddress, spec)
		}
		head := spec[:strings.Index(spec, "{")]
		var addrs []string
		for _, p := range splitNonEmpty(last[1:len(last)-1], ",") {
			addrs = append(addrs, head+p)
		}
		return addressSet(addrs)
	case strings.Contains(spec, ","):
		return addressSet(splitNonEmpty(spec, ","))
	case strings.ContainsAny(spec, "*-"):
		return addressRange(spec)
	}
	want, err := netip.ParseAddr(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: netaddress is %s", errBadAddress, spec)
	}
	return func(host string) bool {
		got, err := netip.ParseAddr(host)
		return err == nil && got.Unmap() == want.Unmap()
	}, nil
}

func addressSet(list []string) (addressMatcher, error) {
	set := map[netip.Addr]bool{}
	for _, s := range list {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%w: netaddress is %s", errBadAddress, s)
		}
		set[a] = true
	}
	return func(host string) bool {
		a, err := netip.ParseAddr(host)
		return err == nil && set[a]
	}, nil
}

// addressRange is RangeRemoteAddressStrategy for IPv4: the first octet (from the second on)
// that is "*" or "a-b" is the range, the octets before it must be equal, and, as in Java, the
// octets after it are not looked at.
func addressRange(spec string) (addressMatcher, error) {
	if strings.Contains(spec, ":") {
		return nil, fmt.Errorf("%w: IPv6 ranges are not supported by rocketsim: %s", errBadAddress, spec)
	}
	parts := splitNonEmpty(spec, ".")
	if len(parts) != 4 {
		return nil, fmt.Errorf("%w: netaddress is %s", errBadAddress, spec)
	}
	for index := 1; index <= 3; index++ {
		value := strings.TrimSpace(parts[index])
		start, end := 0, 0
		switch {
		case value == "*":
			start, end = 0, 255
		case strings.Contains(value, "-"):
			bounds := splitNonEmpty(value, "-")
			var err1, err2 error
			if strings.HasPrefix(value, "-") || len(bounds) != 2 {
				return nil, fmt.Errorf("%w: range %s", errBadAddress, value)
			}
			start, err1 = strconv.Atoi(bounds[0])
			end, err2 = strconv.Atoi(bounds[1])
			if err1 != nil || err2 != nil || start < 0 || end > 255 || start > end {
				return nil, fmt.Errorf("%w: range %s", errBadAddress, value)
			}
		}
		if end <= 0 {
			continue
		}
		head := ""
		for _, p := range parts[:index] {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 || n > 255 {
				return nil, fmt.Errorf("%w: netaddress is %s", errBadAddress, spec)
			}
			head += strings.TrimSpace(p) + "."
		}
		return func(host string) bool {
			a, err := netip.ParseAddr(host)
			if err != nil || !a.Is4() || !strings.HasPrefix(host, head) {
				return false
			}
			octets := strings.Split(host, ".")
			n, err := strconv.Atoi(octets[index])
			return err == nil && n >= start && n <= end
		}, nil
	}
	return nil, fmt.Errorf("%w: netaddress is %s", errBadAddress, spec)
}

func splitNonEmpty(s, sep string) []string {
	var out []string
	for p := range strings.SplitSeq(s, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
