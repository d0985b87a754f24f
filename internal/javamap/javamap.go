// Package javamap reproduces the iteration order of a java.util.HashMap with String keys.
//
// Java peers write header extFields and message properties by iterating a HashMap, so the order
// of keys on the wire is a function of String.hashCode and the table capacity. Writing keys in
// that same order makes the frames rocketsim encodes byte-for-byte those a Java peer writes,
// which is what the golden tests check and what a byte-comparing differential test needs.
package javamap

import (
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// HashCode is Java's String.hashCode: s[0]*31^(n-1) + ... over UTF-16 code units, in int32.
func HashCode(s string) int32 {
	var h int32
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			h = 31*h + int32(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// LongHashCode is Java's Long.hashCode.
func LongHashCode(v int64) int32 { return int32(v ^ int64(uint64(v)>>32)) }

// Bucket is the index HashMap and ConcurrentHashMap give a hash code in a table of size n (a
// power of two): the hash spread by h ^ (h >>> 16), masked.
func Bucket(h int32, n int) int {
	u := uint32(h)
	return int((u ^ u>>16) & uint32(n-1))
}

// TableSizeFor is HashMap.tableSizeFor: the smallest power of two >= c (at least 1).
func TableSizeFor(c int) int {
	n := 1
	for n < c && n < 1<<30 {
		n <<= 1
	}
	return n
}

// HashMapTableSize is the table size of new HashMap<>(initialCapacity) after count puts: it
// doubles whenever the size passes three quarters of the table. The no-argument constructor
// is initialCapacity 16.
func HashMapTableSize(initialCapacity, count int) int {
	n := TableSizeFor(initialCapacity)
	for count > n/4*3 && n < 1<<30 {
		n <<= 1
	}
	return n
}

// HashMapCloneTableSize is the table size of HashMap.clone() of a map with count entries:
// the clone is presized from its count rather than copying the original table.
func HashMapCloneTableSize(count int) int {
	return TableSizeFor(int(float32(count)/0.75 + 1))
}

// ConcurrentHashMapTableSize is the table size of new ConcurrentHashMap<>(initialCapacity)
// (0: the no-argument constructor) after count puts. Unlike HashMap it sizes for
// initialCapacity/0.75 up front and doubles as soon as the count reaches three quarters.
func ConcurrentHashMapTableSize(initialCapacity, count int) int {
	n := 16
	if initialCapacity > 0 {
		n = TableSizeFor(int(1 + float64(initialCapacity)/0.75))
	}
	for count >= n-n/4 && n < 1<<30 {
		n <<= 1
	}
	return n
}

// Compare is Java's String.compareTo: it orders by UTF-16 code units, which differs from Go's
// byte order for characters above U+FFFF against those in U+E000..U+FFFF.
func Compare(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			var bufA, bufB [2]uint16
			ua, ub := utf16.AppendRune(bufA[:0], ra), utf16.AppendRune(bufB[:0], rb)
			for i := range min(len(ua), len(ub)) {
				if ua[i] != ub[i] {
					return int(ua[i]) - int(ub[i])
				}
			}
			return len(ua) - len(ub)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// Order sorts keys in place into the order a default-constructed Java HashMap holding them
// iterates. Keys that share a bucket keep their relative order in the slice, as Java keeps
// insertion order within a bucket.
func Order(keys []string) { OrderInTable(keys, HashMapTableSize(16, len(keys))) }

// OrderInTable sorts keys stably by their bucket in a hash table of size n.
func OrderInTable(keys []string, n int) {
	sortByBucket(len(keys), n, func(i int) string { return keys[i] }, func(i, j int) {
		keys[i], keys[j] = keys[j], keys[i]
	})
}

// OrderIndexes is Order for items that are not strings: it sorts idx, the indexes of items put
// in that order, into the iteration order of a HashMap of default capacity holding key(i) of
// each.
func OrderIndexes(idx []int, key func(int) string) {
	sortByBucket(len(idx), HashMapTableSize(16, len(idx)), func(i int) string { return key(idx[i]) }, func(i, j int) {
		idx[i], idx[j] = idx[j], idx[i]
	})
}

// sortByBucket sorts count items, by the bucket of their key in a table of n buckets, keeping
// the order of items that share one.
func sortByBucket(count, n int, key func(int) string, swap func(i, j int)) {
	if count < 2 {
		return
	}
	var small [32]int
	bucket := small[:0]
	if count > len(small) {
		bucket = make([]int, 0, count)
	}
	for i := range count {
		bucket = append(bucket, Bucket(HashCode(key(i)), n))
	}
	// insertion sort: stable, allocation-free, and fast for the dozen keys of a header
	for i := 1; i < count; i++ {
		for j := i; j > 0 && bucket[j] < bucket[j-1]; j-- {
			bucket[j], bucket[j-1] = bucket[j-1], bucket[j]
			swap(j, j-1)
		}
	}
}

// Keys returns the keys of m in Java HashMap iteration order, appended to buf. inserted is the
// order in which a Java peer would have put the keys (a typed header's fields in declaration
// order); it decides the order of keys that share a bucket. Keys of m missing from inserted are
// taken as inserted before the others, in name order.
func Keys(m map[string]string, inserted []string, buf []string) []string {
	start := len(buf)
	// Each key of inserted is looked up once: on a hot path (every answer a fake writes) the
	// typed header's keys are most of the map, often all of it.
	for _, k := range inserted {
		if _, ok := m[k]; ok {
			buf = append(buf, k)
		}
	}
	if found := len(buf) - start; found < len(m) {
		for k := range m {
			if !contains(inserted, k) {
				buf = append(buf, k)
			}
		}
		// The keys inserted leaves out go first, in name order: sorted where they are, then
		// moved in front of the others by reversing both runs and then the whole.
		others := buf[start+found:]
		slices.Sort(others)
		slices.Reverse(buf[start : start+found])
		slices.Reverse(others)
		slices.Reverse(buf[start:])
	}
	Order(buf[start:])
	return buf
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
