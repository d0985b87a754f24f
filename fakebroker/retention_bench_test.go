package fakebroker

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
)

// rssBytes is the process's resident set, from /proc/self/statm (0 where there is none).
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkStoreLongRun stores b.N messages of 1 KiB, each with a unique key and a key, over
// 8 queues of a broker with the default store limit, as a long load run does, and reports the
// process's RSS: where it stood after the first tenth of the run (rss-early-MiB), its highest
// (rss-max-MiB) and at the end (rss-end-MiB), and the heap beside the records per message kept
// (B/kept-msg). With retention the RSS stays flat however long the run:
//
//	go test -run '^$' -bench StoreLongRun -benchtime 20000000x ./fakebroker/
func BenchmarkStoreLongRun(b *testing.B) {
	br := New(WithLogger(testkit.Quiet))
	host := parseHost(brokerAddr)
	body := []byte(strings.Repeat("x", 1024))
	var early, peak int64
	sample := max(b.N/100, 1)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := range b.N {
		m := &protocol.MessageExt{}
		m.Topic, m.QueueID, m.Body = "Load", int32(i%8), body
		m.Properties = map[string]string{"UNIQ_KEY": fmt.Sprintf("%032X", i), "KEYS": "key-" + strconv.Itoa(i)}
		m.BornHost, m.BornTimestamp = host, time.Now().UnixMilli()
		if _, err := br.put([]*protocol.MessageExt{m}); err != nil {
			b.Fatal(err)
		}
		if i%sample == 0 {
			rss := rssBytes()
			peak = max(peak, rss)
			if i <= b.N/10 {
				early = rss
			}
		}
	}
	b.StopTimer()
	end := rssBytes()
	b.ReportMetric(float64(early)/(1<<20), "rss-early-MiB")
	b.ReportMetric(float64(max(peak, end))/(1<<20), "rss-max-MiB")
	b.ReportMetric(float64(end)/(1<<20), "rss-end-MiB")
	s := br.store
	s.mu.RLock()
	kept, segments := int64(0), int64(0)
	for _, g := range s.segments {
		kept += int64(len(g.starts))
		segments += int64(cap(g.buf))
	}
	s.mu.RUnlock()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(int64(ms.HeapAlloc)-segments)/float64(max(kept, 1)), "B/kept-msg")
	runtime.KeepAlive(br)
	b.ReportMetric(float64(kept), "kept-msgs")
}
