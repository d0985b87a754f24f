// Package javamap reproduces the iteration order of a java.util.HashMap with String keys.
//
// Java peers write header extFields and message properties by iterating a HashMap, so the order
// of keys on the wire is a function of String.hashCode and the table capacity. Writing keys in
// that same order makes the frames rocketsim encodes byte-for-byte those a Java peer writes,
// which is what the golden tests check and what a byte-comparing differential test needs.
package javamap

import (
	"slices"
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

// bucket is the table index Java's HashMap gives a key: hash ^ (hash >>> 16), masked.
func bucket(key string, capacity int) int {
	h := uint32(HashCode(key))
	return int((h ^ h>>16) & uint32(capacity-1))
}

// Capacity is the table size of a default-constructed HashMap after n insertions: 16, doubled
// whenever the size passes three quarters of it.
func Capacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// Order sorts keys in place into the order a default-constructed Java HashMap holding them
// iterates. Keys that share a bucket keep their relative order in the slice, as Java keeps
// insertion order within a bucket; callers that do not know the insertion order get a stable,
// deterministic result by passing keys sorted.
func Order(keys []string) {
	if len(keys) < 2 {
		return
	}
	capacity := Capacity(len(keys))
	var small [32]int
	idx := small[:0]
	if len(keys) > len(small) {
		idx = make([]int, 0, len(keys))
	}
	for _, k := range keys {
		idx = append(idx, bucket(k, capacity))
	}
	// insertion sort: stable, allocation-free, and fast for the dozen keys of a header
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// Keys returns the keys of m in Java HashMap iteration order, appended to buf. inserted is the
// order in which a Java peer would have put the keys (a typed header's fields in declaration
// order); it decides the order of keys that share a bucket. Keys of m missing from inserted are
// taken as inserted before the others, in name order.
func Keys(m map[string]string, inserted []string, buf []string) []string {
	start := len(buf)
	for k := range m {
		if !contains(inserted, k) {
			buf = append(buf, k)
		}
	}
	slices.Sort(buf[start:])
	for _, k := range inserted {
		if _, ok := m[k]; ok {
			buf = append(buf, k)
		}
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
