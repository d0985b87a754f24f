package fakebroker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// consumerRig is a rig with topic T (4 queues) and consumer group cg subscribed to T and its
// retry topic, as a Java push consumer subscribes.
func consumerRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	// No client expiry: the tests wait for hours of delay without heartbeats.
	r := newRig(t, append([]Option{WithTopic("T", 4), WithClientScanInterval(0, 0)}, opts...)...)
	heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID,
		ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T", "%RETRY%cg")}})
	return r
}

// peek pulls a queue from offset 0 without suspending and returns what the consumer sees.
func (r *rig) peek(topic string, queue int32) []*protocol.MessageExt {
	r.t.Helper()
	// A heartbeat first, as a client sends every 30 s: after hours of waiting the connection
	// may have been closed as idle.
	heartbeat(r.t, r.client, &protocol.HeartbeatData{ClientID: clientID,
		ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T", "%RETRY%cg")}})
	h := pullHeader("cg", topic, queue, 0)
	h.SysFlag = 0
	resp := r.invoke(protocol.RequestWithHeader(remoting.CodePullMessage, h, nil))
	if resp.Code == remoting.PullNotFound {
		return nil
	}
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	msgs, err := protocol.DecodeStoredMessages(resp.Body)
	require.NoError(r.t, err)
	return msgs
}

func TestDelayLevels(t *testing.T) {
	cases := []struct {
		name      string
		delay     string
		levels    string // WithMessageDelayLevel, "" for the default
		wantLevel int    // 0: not delayed
		wait      time.Duration
	}{
		{name: "level 1", delay: "1", wantLevel: 1, wait: time.Second},
		{name: "level 3", delay: "3", wantLevel: 3, wait: 10 * time.Second},
		{name: "level 18", delay: "18", wantLevel: 18, wait: 2 * time.Hour},
		{name: "over the highest level", delay: "40", wantLevel: 18, wait: 2 * time.Hour},
		{name: "level 0", delay: "0"},
		{name: "negative level", delay: "-2"},
		{name: "configured levels", delay: "2", levels: "2s 90s 1d", wantLevel: 2, wait: 90 * time.Second},
		{name: "over the configured levels", delay: "9", levels: "2s 90s 1d", wantLevel: 3, wait: 24 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var opts []Option
				if tc.levels != "" {
					opts = append(opts, WithMessageDelayLevel(tc.levels))
				}
				r := consumerRig(t, opts...)
				start := time.Now()
				h := r.send(remoting.CodeSendMessageV2, "T", 2, "later",
					map[string]string{"DELAY": tc.delay, "UNIQ_KEY": "U1", "WAIT": "true", "TAGS": "TagA"})
				require.Equal(t, int32(2), h.QueueID, "the answer names the requested queue")
				require.Equal(t, int64(0), h.QueueOffset)

				if tc.wantLevel == 0 {
					require.Empty(t, r.b.Messages(protocol.ScheduleTopic))
					require.Len(t, r.peek("T", 2), 1, "not delayed")
					require.NotContains(t, r.b.Messages("T")[0].Properties, "WAIT")
					return
				}
				sched := r.b.Messages(protocol.ScheduleTopic)
				require.Len(t, sched, 1)
				require.Equal(t, int32(tc.wantLevel-1), sched[0].QueueID)
				require.Equal(t, "T", sched[0].Properties["REAL_TOPIC"])
				require.Equal(t, "2", sched[0].Properties["REAL_QID"])
				require.Equal(t, itoa(tc.wantLevel), sched[0].Properties["DELAY"])
				require.Equal(t, "true", sched[0].Properties["WAIT"], "the delay path stores WAIT")
				require.Equal(t, sched[0].OffsetMsgID, h.MsgID)
				delayed := r.b.DelayedMessages()
				require.Len(t, delayed, 1)
				require.Equal(t, tc.wantLevel, delayed[0].Level)
				require.Equal(t, start.Add(tc.wait), delayed[0].DeliverAt, "tagsCode: the deliver time")

				time.Sleep(tc.wait - time.Millisecond)
				synctest.Wait()
				require.Empty(t, r.peek("T", 2), "invisible before its delay")
				require.Empty(t, r.b.Messages("T"))

				time.Sleep(time.Millisecond)
				synctest.Wait()
				got := r.peek("T", 2)
				require.Len(t, got, 1, "visible after its delay")
				m := got[0]
				require.Equal(t, "T", m.Topic)
				require.Equal(t, int32(2), m.QueueID)
				require.Equal(t, int64(0), m.QueueOffset)
				require.Equal(t, "later", string(m.Body))
				require.Equal(t, "U1", m.UniqKey())
				require.Equal(t, "TagA", m.Tags())
				require.Equal(t, start.Add(tc.wait).UnixMilli(), m.StoreTimestamp)
				require.Equal(t, int64(1_700_000_000_000), m.BornTimestamp)
				// messageTimeup stores the properties as they were in the schedule topic.
				require.Equal(t, sched[0].Properties, m.Properties)
				require.Empty(t, r.b.DelayedMessages())
			})
		})
	}
}

// A level's messages are delivered in their queue's order, each when due.
func TestDelayedDeliveryOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := consumerRig(t)
		start := time.Now()
		for i := range 5 {
			r.send(remoting.CodeSendMessageV2, "T", 0, "m"+itoa(i), map[string]string{"DELAY": "2"})
			time.Sleep(time.Second)
		}
		// Sent at 5.5 s with level 1: due at 6.5 s, between m1 (6 s) and m2 (7 s).
		time.Sleep(time.Until(start.Add(5500 * time.Millisecond)))
		r.send(remoting.CodeSendMessageV2, "T", 0, "fast", map[string]string{"DELAY": "1"})
		time.Sleep(time.Until(start.Add(7 * time.Second)))
		synctest.Wait()
		var bodies []string
		for _, m := range r.peek("T", 0) {
			bodies = append(bodies, string(m.Body))
		}
		require.Equal(t, []string{"m0", "m1", "fast", "m2"}, bodies, "m3 falls due at 8 s, m4 at 9 s")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		require.Len(t, r.peek("T", 0), 6)
	})
}

// Shutdown stops the timers as Crash does; the message waits for the next Start.
func TestDelayedMessageWaitsForStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := consumerRig(t)
		r.send(remoting.CodeSendMessageV2, "T", 1, "later", map[string]string{"DELAY": "2"}) // 5 s
		require.NoError(t, r.b.Shutdown(t.Context()))
		time.Sleep(time.Hour)
		synctest.Wait()
		require.Empty(t, r.b.Messages("T"))
		require.Len(t, r.b.DelayedMessages(), 1)
		require.NoError(t, r.b.Start())
		synctest.Wait()
		require.Len(t, r.b.Messages("T"), 1)
		require.Empty(t, r.b.DelayedMessages())
	})
}

func TestMessageDelayLevelOption(t *testing.T) {
	cases := []struct {
		spec    string
		want    []time.Duration
		wantErr bool
	}{
		{spec: "", want: []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
			time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute, 6 * time.Minute,
			7 * time.Minute, 8 * time.Minute, 9 * time.Minute, 10 * time.Minute, 20 * time.Minute,
			30 * time.Minute, time.Hour, 2 * time.Hour}},
		{spec: "1s 2m 3h 4d", want: []time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour, 96 * time.Hour}},
		{spec: "5s  ", want: []time.Duration{5 * time.Second}}, // Java's split drops trailing empties
		{spec: "5s  10s", wantErr: true},                       // but not inner ones
		{spec: " 5s", wantErr: true},
		{spec: "5x", wantErr: true},
		{spec: "s", wantErr: true},
		{spec: "1.5s", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			b := New(WithLogger(testkit.Quiet), WithMessageDelayLevel(tc.spec))
			if tc.wantErr {
				require.ErrorIs(t, b.Start(), errDelayLevels)
				require.False(t, b.Running())
				return
			}
			require.NoError(t, b.delays.err)
			require.Equal(t, tc.want, b.delays.levels)
		})
	}
}
