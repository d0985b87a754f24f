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
	case strings.ContainsAny(spec, "*-") && strings.Contains(spec, ":"):
		return addressRangeV6(spec)
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

// addressRangeV6 is RangeRemoteAddressStrategy for IPv6 as 4.9.7 reads it: "*" only as the
// last character, a "a-b" (hex) group after the last colon, or after the one before it when a
// "*" follows. The first group (from the second of the colon-split pieces on) that is "*" or a
// range is the range; everything before it, expanded by AclUtils.v6ipProcess to the groups it
// stands for, is the head a peer's fully expanded address must start with. Groups after the
// range are not looked at. The pieces are counted as Java counts them: after dropping the empty
// ones a "::" leaves, so the range Java checks is the one its string arithmetic finds.
func addressRangeV6(spec string) (addressMatcher, error) {
	bad := fmt.Errorf("%w: netaddress is %s", errBadAddress, spec)
	// AclUtils.IPv6AddressCheck.
	star, minus := strings.Index(spec, "*"), strings.Index(spec, "-")
	if star > -1 && star != len(spec)-1 {
		return nil, bad
	}
	if minus > -1 {
		last := strings.LastIndex(spec, ":")
		limit := last
		if star > -1 {
			limit = strings.LastIndex(spec[:last], ":")
		}
		if minus <= limit {
			return nil, bad
		}
	}
	parts := splitNonEmpty(spec, ":")
	start, end := 0, 0
	for index := 1; index < len(parts); index++ {
		value := strings.TrimSpace(parts[index])
		switch {
		case value == "*":
			start, end = 0, 0xffff
		case strings.Contains(value, "-"):
			bounds := splitNonEmpty(value, "-")
			if strings.HasPrefix(value, "-") || len(bounds) < 2 {
				return nil, fmt.Errorf("%w: range %s", errBadAddress, value)
			}
			s, err1 := strconv.ParseInt(bounds[0], 16, 32)
			e, err2 := strconv.ParseInt(bounds[1], 16, 32)
			if err1 != nil || err2 != nil || s < 0 || e > 0xffff || s > e {
				return nil, fmt.Errorf("%w: range %s", errBadAddress, value)
			}
			start, end = int(s), int(e)
		}
		if end <= 0 {
			continue
		}
		// AclUtils.verify(netaddress, index-1): the groups before the range, counted in the
		// expanded address, must be hex numbers.
		groups := splitNonEmpty(expandIP(spec, 8), ":")
		if len(groups) < index-1 {
			return nil, bad
		}
		for _, g := range groups[:index-1] {
			if n, err := strconv.ParseInt(g, 16, 32); err != nil || n < 0 || n > 0xffff {
				return nil, bad
			}
		}
		head := v6Head(spec)
		at := len(splitNonEmpty(head, ":"))
		return func(host string) bool {
			a, err := netip.ParseAddr(host)
			if err != nil || !a.Is6() || a.Is4In6() {
				return false
			}
			full := strings.ToUpper(a.WithZone("").StringExpanded())
			if !strings.HasPrefix(full, head) || 5*at+4 > len(full) {
				return false
			}
			n, err := strconv.ParseInt(full[5*at:5*at+4], 16, 32)
			return err == nil && int(n) >= start && int(n) <= end
		}, nil
	}
	// Java accepts such a spec and then fails on every request it is asked to match (its head
	// is null); refusing it at load says so sooner.
	return nil, bad
}

// v6Head is AclUtils.v6ipProcess: the part of an IPv6 range before its range group, expanded to
// the number of groups it has to fill (8 less the range and a trailing "*").
func v6Head(spec string) string {
	star, minus := strings.Contains(spec, "*"), strings.Contains(spec, "-")
	last := strings.LastIndex(spec, ":")
	switch {
	case star && minus:
		return expandIP(spec[:strings.LastIndex(spec[:last], ":")], 6)
	case !star && !minus:
		return expandIP(spec, 8)
	}
	return expandIP(spec[:last], 7)
}

// expandIP is AclUtils.expandIP: upper case, "::" widened to the zero groups that make part
// groups, and every group padded to four digits.
func expandIP(addr string, part int) string {
	addr = strings.ToUpper(addr)
	if pad := part - strings.Count(addr, ":"); pad > 0 {
		addr = strings.ReplaceAll(addr, "::", strings.Repeat(":", pad+1))
	}
	groups := strings.Split(addr, ":")
	for i, g := range groups {
		if len(g) < 4 {
			groups[i] = strings.Repeat("0", 4-len(g)) + g
		}
	}
	return strings.Join(groups, ":")
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
