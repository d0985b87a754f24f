package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// statsData asks for VIEW_BROKER_STATS_DATA and returns its windows, or nil and the remark of
// a failed answer.
func (r *rig) statsData(name, key string) (*protocol.BrokerStatsData, string) {
	r.t.Helper()
	resp := r.invoke(protocol.RequestWithHeader(remoting.CodeViewBrokerStatsData,
		protocol.ViewBrokerStatsDataRequestHeader{StatsName: name, StatsKey: key}, nil))
	require.Nil(r.t, resp.ExtFields, "Java's createResponseCommand(null)")
	if resp.Code != remoting.Success {
		require.Equal(r.t, remoting.SystemError, resp.Code)
		return nil, resp.Remark
	}
	require.Empty(r.t, resp.Remark)
	d, err := protocol.DecodeBrokerStatsData(resp.Body)
	require.NoError(r.t, err)
	return d, ""
}

// mustStats is statsData for a statistic that must exist.
func (r *rig) mustStats(name, key string) *protocol.BrokerStatsData {
	r.t.Helper()
	d, remark := r.statsData(name, key)
	require.NotNil(r.t, d, remark)
	return d
}

func (r *rig) requireNoStats(name, key string) {
	r.t.Helper()
	_, remark := r.statsData(name, key)
	require.Equal(r.t, "The stats <"+name+"> <"+key+"> not exist", remark)
}

// elapse lets d of virtual time pass and the samplers run.
func elapse(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// Three sends, then each window as it fills: the minute's after the first 10 s sample, the
// hour's after 10 min, the day's after an hour; the minute window forgets them after 70 s.
func TestStatsWindowsFillAsSampled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		r.requireNoStats(protocol.StatsTopicPutNums, "T")
		elapse(time.Second) // after the samplers' first run at start
		for i := range 3 {
			r.send(remoting.CodeSendMessageV2, "T", 0, "m"+itoa(i), nil)
		}
		stored := 0
		for _, m := range r.b.Messages("T") {
			stored += int(m.StoreSize)
		}
		require.Equal(t, &protocol.BrokerStatsData{}, r.mustStats(protocol.StatsTopicPutNums, "T"),
			"counted, not yet sampled")

		elapse(10 * time.Second)
		require.Equal(t, &protocol.BrokerStatsData{StatsMinute: protocol.BrokerStatsItem{Sum: 3, Tps: 0.3, Avgpt: 1}},
			r.mustStats(protocol.StatsTopicPutNums, "T"))
		size := r.mustStats(protocol.StatsTopicPutSize, "T").StatsMinute
		require.Equal(t, int64(stored), size.Sum, "the stored bytes")
		require.InDelta(t, float64(stored)/3, size.Avgpt, 1e-9)
		require.Equal(t, protocol.BrokerStatsItem{Sum: 3, Tps: 0.3},
			r.mustStats(protocol.StatsBrokerPutNums, DefaultCluster).StatsMinute, "the broker's total counts no calls")

		elapse(60 * time.Second)
		require.Equal(t, protocol.BrokerStatsItem{}, r.mustStats(protocol.StatsTopicPutNums, "T").StatsMinute,
			"7 samples: the sends fell out of the minute")
		elapse(10*time.Minute - 71*time.Second)
		require.Equal(t, protocol.BrokerStatsItem{Sum: 3, Tps: 0.005, Avgpt: 1}, r.mustStats(protocol.StatsTopicPutNums, "T").StatsHour)
		require.Zero(t, r.mustStats(protocol.StatsTopicPutNums, "T").StatsDay)
		elapse(50 * time.Minute)
		require.Equal(t, protocol.BrokerStatsItem{Sum: 3, Tps: 3.0 / 3600, Avgpt: 1}, r.mustStats(protocol.StatsTopicPutNums, "T").StatsDay)

		// A batch is one call of two messages.
		body, err := protocol.EncodeBatch([]*protocol.Message{protocol.NewMessage("B", []byte("a")), protocol.NewMessage("B", []byte("b"))})
		require.NoError(t, err)
		h := sendHeader("B", 0, nil)
		h.Batch = true
		resp := r.invoke(sendReq(t, remoting.CodeSendBatchMessage, h, body))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		elapse(10 * time.Second)
		require.Equal(t, protocol.BrokerStatsItem{Sum: 2, Tps: 0.2, Avgpt: 2}, r.mustStats(protocol.StatsTopicPutNums, "B").StatsMinute)

		// A restarted broker starts afresh, as a new JVM.
		r.restart()
		r.requireNoStats(protocol.StatsTopicPutNums, "T")
	})
}

func TestStatsThatDoNotExist(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 2))
		r.send(remoting.CodeSendMessageV2, "T", 0, "m", nil)
		r.requireNoStats(protocol.StatsTopicPutNums, "U")
		r.requireNoStats("NO_SUCH_STATS", "T")
		r.requireNoStats(protocol.StatsGroupGetNums, "T")
		for _, tc := range []struct {
			ext  map[string]string
			want string
		}{
			{nil, "The stats <null> <null> not exist"},
			{map[string]string{"statsName": protocol.StatsTopicPutNums}, "The stats <TOPIC_PUT_NUMS> <null> not exist"},
			{map[string]string{"statsKey": "T"}, "The stats <null> <T> not exist"},
		} {
			resp := r.invoke(remoting.NewRequest(remoting.CodeViewBrokerStatsData, tc.ext, nil))
			require.Equal(t, remoting.SystemError, resp.Code)
			require.Equal(t, tc.want, resp.Remark)
		}
	})
}

// A pull that finds messages counts them by topic@group, their bytes, the broker's total and
// its time by queueId@topic@group; one that finds none counts nothing.
func TestStatsOfPulls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t)
		// The samplers' first round (at the broker's start) before anything counts: after the
		// counts it would make the minute 20 s long instead of 10 s (tps 0.1, not 0.2).
		synctest.Wait()
		r.send(remoting.CodeSendMessageV2, "T", 1, "m0", nil)
		r.send(remoting.CodeSendMessageV2, "T", 1, "m1", nil)
		h := pullHeader("cg", "T", 1, 0)
		h.SysFlag = 0
		require.Equal(t, remoting.Success, r.pull(h).Code)
		h.QueueOffset = 2
		require.Equal(t, remoting.PullNotFound, r.pull(h).Code)
		elapse(10 * time.Second)
		require.Equal(t, protocol.BrokerStatsItem{Sum: 2, Tps: 0.2, Avgpt: 2}, r.mustStats(protocol.StatsGroupGetNums, "T@cg").StatsMinute)
		stored := 0
		for _, m := range r.b.Messages("T") {
			stored += int(m.StoreSize)
		}
		require.Equal(t, int64(stored), r.mustStats(protocol.StatsGroupGetSize, "T@cg").StatsMinute.Sum)
		require.Equal(t, int64(2), r.mustStats(protocol.StatsBrokerGetNums, DefaultCluster).StatsMinute.Sum)
		require.Equal(t, protocol.BrokerStatsItem{}, r.mustStats(protocol.StatsGroupGetLatency, "1@T@cg").StatsMinute,
			"one pull of 0 ms")

		// consumerProgress's consumeTps is the group's found messages per second over the minute.
		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetConsumeStats, protocol.GetConsumeStatsRequestHeader{ConsumerGroup: "cg", Topic: "T"}, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		cs, err := protocol.DecodeConsumeStats(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 0.2, cs.ConsumeTps)
	})
}

// A send-back counts by the topic it came from and the group; waiting for its delay it counts
// in the delay topic and its queue, not in the broker's total. A delayed send counts the same
// way, and nothing more when it falls due.
func TestStatsOfSendBacksAndDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := consumerRig(t)
		r.send(remoting.CodeSendMessageV2, "T", 1, "m", nil)
		orig := r.b.Messages("T")[0]
		resp := r.sendBack(protocol.ConsumerSendMsgBackRequestHeader{Offset: orig.CommitLogOffset, Group: "cg",
			OriginMsgID: orig.MsgID, OriginTopic: "T"}, 407)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		r.send(remoting.CodeSendMessageV2, "T", 1, "later", map[string]string{"DELAY": "1"})
		elapse(10 * time.Second)

		minute := func(name, key string) int64 { t.Helper(); return r.mustStats(name, key).StatsMinute.Sum }
		require.Equal(t, int64(1), minute(protocol.StatsSendBackPutNums, "T@cg"))
		require.Equal(t, int64(2), minute(protocol.StatsTopicPutNums, protocol.ScheduleTopic), "the send-back and the delayed send")
		require.Equal(t, int64(1), minute(protocol.StatsQueuePutNums, protocol.ScheduleTopic+"@2"), "the send-back's level 3")
		require.Equal(t, int64(1), minute(protocol.StatsQueuePutNums, protocol.ScheduleTopic+"@0"), "the delayed send's level 1")
		require.Equal(t, int64(2), minute(protocol.StatsBrokerPutNums, DefaultCluster), "two sends; the send-back is not counted")
		require.Len(t, r.b.Messages("T"), 2, "the delayed message fell due (after 1 s)")
		require.Equal(t, int64(1), minute(protocol.StatsTopicPutNums, "T"), "falling due is not counted")
	})
}

// Deleting a topic or a group forgets its statistics only with autoDeleteUnusedStats.
func TestStatsDeletedWithTheirTopicOrGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := pullRig(t, WithTopic("U", 1))
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T", "U")}})
		r.send(remoting.CodeSendMessageV2, "T", 0, "m", nil)
		r.send(remoting.CodeSendMessageV2, "U", 0, "m", nil)
		h := pullHeader("cg", "T", 0, 0)
		h.SysFlag = 0
		require.Equal(t, remoting.Success, r.pull(h).Code)
		h.Topic = "U"
		require.Equal(t, remoting.Success, r.pull(h).Code)
		h.Topic = "T"

		require.Equal(t, remoting.Success, r.invoke(deleteTopicReq("U")).Code)
		r.mustStats(protocol.StatsTopicPutNums, "U")

		r.updateBrokerConfig("autoDeleteUnusedStats=true")
		require.Equal(t, remoting.Success, r.invoke(deleteTopicReq("T")).Code)
		r.requireNoStats(protocol.StatsTopicPutNums, "T")
		r.requireNoStats(protocol.StatsGroupGetNums, "T@cg")
		r.requireNoStats(protocol.StatsGroupGetLatency, "0@T@cg")
		r.mustStats(protocol.StatsTopicPutNums, "U")
		r.mustStats(protocol.StatsBrokerPutNums, DefaultCluster)

		r.mustStats(protocol.StatsGroupGetNums, "U@cg")
		resp := r.invoke(protocol.RequestWithHeader(remoting.CodeDeleteSubscriptionGroup,
			protocol.DeleteSubscriptionGroupRequestHeader{GroupName: "cg"}, nil))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		r.requireNoStats(protocol.StatsGroupGetNums, "U@cg")
		r.requireNoStats(protocol.StatsGroupGetLatency, "0@U@cg")
		r.mustStats(protocol.StatsTopicPutNums, "U")
	})
}

// WithStatsSampling sets each window's period; 0 leaves a window empty.
func TestStatsSamplingIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1), WithStatsSampling(time.Second, 0, 0))
		elapse(time.Millisecond)
		r.send(remoting.CodeSendMessageV2, "T", 0, "m", nil)
		elapse(time.Second)
		require.Equal(t, protocol.BrokerStatsItem{Sum: 1, Tps: 1, Avgpt: 1}, r.mustStats(protocol.StatsTopicPutNums, "T").StatsMinute)
		elapse(2 * time.Hour)
		d := r.mustStats(protocol.StatsTopicPutNums, "T")
		require.Zero(t, d.StatsMinute.Sum, "7 samples of 1 s have passed")
		require.Zero(t, d.StatsHour)
		require.Zero(t, d.StatsDay)
	})
}
