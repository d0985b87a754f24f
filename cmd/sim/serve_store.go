package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/fault"
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

// storeFlags are serve's flags for what the servers keep of the traffic: the brokers' message
// stores and every server's request history, the two things a long run fills up to a bound.
type storeFlags struct {
	limit, segment byteSize
	history        *int
}

func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	f := &storeFlags{limit: fakebroker.DefaultStoreLimit, segment: fakebroker.DefaultStoreSegmentSize}
	fs.Var(&f.limit, "store-limit", "bytes of messages each broker keeps (e.g. 256MiB); past it the oldest are dropped, "+
		"queues' min offsets move on and pulls below them are answered PULL_OFFSET_MOVED, as when a real broker deletes "+
		"its oldest commit-log files (0: keep every message)")
	fs.Var(&f.segment, "store-segment", "bytes of a commit-log segment, the unit -store-limit drops (e.g. 1MiB; never more than -store-limit)")
	f.history = fs.Int("history", fault.DefaultMaxEntries, "requests each server (the name server and each broker) keeps in its request history "+
		"(GET /v1/history), the oldest dropped first")
	return f
}

func (f *storeFlags) options() ([]fakecluster.Option, error) {
	if f.segment < 1 {
		return nil, fmt.Errorf("-store-segment must be at least 1 byte")
	}
	if *f.history < 1 {
		return nil, fmt.Errorf("-history must be at least 1")
	}
	hist := fault.WithMaxEntries(*f.history)
	return []fakecluster.Option{
		fakecluster.WithBrokerOptions(fakebroker.WithStoreLimit(int64(f.limit)), fakebroker.WithStoreSegmentSize(int(f.segment)),
			fakebroker.WithHistoryOptions(hist)),
		fakecluster.WithNameServerOptions(fakenamesrv.WithHistoryOptions(hist)),
	}, nil
}
