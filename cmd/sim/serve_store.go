package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
)

// byteSize is a flag of bytes: a number, optionally with KiB, MiB or GiB.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(v string) error {
	units := []struct {
		suffix string
		scale  int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	scale := int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, scale = n, u.scale
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/scale {
		return fmt.Errorf("want bytes, e.g. 268435456 or 256MiB")
	}
	*b = byteSize(n * scale)
	return nil
}

// storeFlags are serve's flags for the brokers' message stores.
type storeFlags struct {
	limit byteSize
}

func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	f := &storeFlags{limit: fakebroker.DefaultStoreLimit}
	fs.Var(&f.limit, "store-limit", "bytes of messages each broker keeps (e.g. 256MiB); past it the oldest are dropped, "+
		"queues' min offsets move on and pulls below them are answered PULL_OFFSET_MOVED, as when a real broker deletes "+
		"its oldest commit-log files (0: keep every message)")
	return f
}

func (f *storeFlags) options() []fakecluster.Option {
	return []fakecluster.Option{fakecluster.WithBrokerOptions(fakebroker.WithStoreLimit(int64(f.limit)))}
}
