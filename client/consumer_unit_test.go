package client

import (
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/protocol"
)

func msgAt(off int64, body string) *MessageExt {
	m := &MessageExt{QueueOffset: off}
	m.Body = []byte(body)
	return m
}

func TestProcessQueueKeepsJavasAccounting(t *testing.T) {
	pq := newProcessQueue()
	last := msgAt(7, "seven")
	last.Properties = map[string]string{protocol.PropertyMaxOffset: "20"}
	require.True(t, pq.putMessage([]*MessageExt{msgAt(5, "five"), msgAt(6, "six"), last}), "the first put dispatches")
	require.False(t, pq.putMessage([]*MessageExt{msgAt(6, "six")}), "a known offset counts once, and a turn is on its way")
	require.Equal(t, int64(3), pq.msgCount.Load())
	require.Equal(t, int64(len("five")+len("six")+len("seven")), pq.msgSize.Load())
	require.Equal(t, int64(13), pq.msgAccCnt.Load(), "MAX_OFFSET minus the last offset")
	require.Equal(t, int64(2), pq.maxSpan())

	require.Equal(t, int64(5), pq.removeMessage([]*MessageExt{msgAt(6, "six")}), "the first still cached")
	require.Equal(t, int64(8), pq.removeMessage([]*MessageExt{msgAt(5, "five"), msgAt(7, "seven")}), "one past the highest pulled")
	require.Equal(t, int64(-1), pq.removeMessage(nil), "nothing cached")
	require.Zero(t, pq.msgCount.Load())
	require.Zero(t, pq.msgSize.Load())

	// Orderly: take, put back, commit.
	pq.putMessage([]*MessageExt{msgAt(10, "a"), msgAt(11, "b"), msgAt(12, "c")})
	batch := pq.takeMessages(2)
	require.Equal(t, []string{"a", "b"}, bodies(batch))
	pq.makeMessageToConsumeAgain(batch[1:])
	require.Equal(t, []string{"b", "c"}, bodies(pq.takeMessages(5)))
	require.Equal(t, int64(13), pq.commit(), "one past the batch")
	require.Equal(t, int64(-1), pq.commit())
	require.Empty(t, pq.takeMessages(1), "empty: the turn ends")
	pq.putMessage([]*MessageExt{msgAt(13, "d")})
	pq.takeMessages(1)
	pq.rollback()
	require.True(t, pq.hasTempMessage())
	info := pq.info(13)
	require.Equal(t, int32(1), info.CachedMsgCount)
	require.Equal(t, int64(13), info.CachedMsgMinOffset)
	pq.clear()
	require.False(t, pq.hasTempMessage())
}

func TestProcessQueueExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pq := newProcessQueue()
		require.False(t, pq.isPullExpired(DefaultPullExpiry))
		time.Sleep(DefaultPullExpiry + time.Millisecond)
		require.True(t, pq.isPullExpired(DefaultPullExpiry))
		pq.markLocked()
		require.True(t, pq.isLocked())
		time.Sleep(DefaultRebalanceLockExpiry)
		require.False(t, pq.isLockExpired(DefaultRebalanceLockExpiry), "expired only once older than the expiry")
		time.Sleep(time.Millisecond)
		require.True(t, pq.isLockExpired(DefaultRebalanceLockExpiry))

		m := msgAt(1, "x")
		pq.putMessage([]*MessageExt{m})
		_, ok := pq.expiredFirst(time.Minute)
		require.False(t, ok, "not being consumed")
		pq.markConsumeStart([]*MessageExt{m}, time.Now())
		time.Sleep(time.Minute)
		_, ok = pq.expiredFirst(time.Minute)
		require.False(t, ok)
		time.Sleep(time.Millisecond)
		got, ok := pq.expiredFirst(time.Minute)
		require.True(t, ok)
		require.Same(t, m, got)
		pq.removeIfFirst(m)
		require.False(t, pq.hasTempMessage())
	})
}

func TestSubscriptionExpressions(t *testing.T) {
	for _, tc := range []struct {
		expr, sub string
		tags      []string
	}{
		{"", "*", []string{}},
		{"*", "*", []string{}},
		{"TagA", "TagA", []string{"TagA"}},
		{"TagA || TagB", "TagA || TagB", []string{"TagA", "TagB"}},
		{" TagA||TagB ||  || TagA", " TagA||TagB ||  || TagA", []string{"TagA", "TagB"}},
	} {
		sd := buildSubscription("T", tc.expr)
		require.Equal(t, tc.sub, sd.SubString, tc.expr)
		require.Equal(t, tc.tags, sd.TagsSet, tc.expr)
		require.Equal(t, protocol.ExpressionTypeTag, sd.ExpressionType)
		require.Len(t, sd.CodeSet, len(tc.tags))
		for i, tag := range tc.tags {
			require.Equal(t, javamap.HashCode(tag), sd.CodeSet[i])
		}
	}
	sd := buildSubscription("T", "A || B")
	tagged := func(tag string) *MessageExt {
		m := &MessageExt{}
		if tag != "" {
			m.SetTags(tag)
		}
		return m
	}
	require.True(t, tagMatches(&sd, tagged("A")))
	require.False(t, tagMatches(&sd, tagged("C")))
	require.False(t, tagMatches(&sd, tagged("")), "a message without a tag never matches a tag list")
	all := buildSubscription("T", "*")
	require.True(t, tagMatches(&all, tagged("")))
}

func TestSchedulerRunsTasksInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := startScheduler()
		var order []string
		start := time.Now()
		s.after(2*time.Second, func() { order = append(order, "two") })
		s.after(time.Second, func() { order = append(order, "one") })
		var ticks []time.Duration
		s.every(500*time.Millisecond, time.Second, func() { ticks = append(ticks, time.Since(start)) })
		time.Sleep(3 * time.Second)
		synctest.Wait()
		require.Equal(t, []string{"one", "two"}, order)
		require.Equal(t, []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 2500 * time.Millisecond}, ticks)
		s.stop()
		require.False(t, s.after(time.Second, func() { t.Error("ran after stop") }))
		s.stop() // twice is fine
	})
}

func TestExecutorDropsAndAwaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var ran []int
		e := newExecutor(1, 1, math.MaxInt, func(i int) {
			<-release
			ran = append(ran, i)
		})
		for i := range 3 {
			require.True(t, e.submit(i))
		}
		e.shutdown()
		require.False(t, e.awaitTermination(time.Second), "the first task still waits")
		e.drop()
		close(release)
		require.True(t, e.awaitTermination(-1))
		require.Equal(t, []int{0}, ran, "the queued tasks were dropped")
		require.False(t, e.submit(9))
	})
}
