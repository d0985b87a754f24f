package fault

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

// TestActions sends one SEND_MESSAGE_V2 through each action and checks what the client got,
// how long it waited (virtual time, so exact), whether the send was stored, and what the
// history recorded.
func TestActions(t *testing.T) {
	type outcome struct {
		resp    *remoting.Command
		err     error
		elapsed time.Duration
	}
	cases := []struct {
		name   string
		rule   Rule
		check  func(t *testing.T, got outcome)
		stored bool
		entry  Entry // the fields of the history entry that matter
	}{
		{
			name: "delay lets the handler answer late",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionDelay, Delay: 2 * time.Second},
			check: func(t *testing.T, got outcome) {
				require.NoError(t, got.err)
				require.Equal(t, remoting.Success, got.resp.Code)
				require.Equal(t, 2*time.Second, got.elapsed)
			},
			stored: true,
			entry:  Entry{Fault: ActionDelay, Answered: true, ResponseCode: remoting.Success, Latency: 2 * time.Second},
		},
		{
			name: "drop leaves the client to time out",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionDrop},
			check: func(t *testing.T, got outcome) {
				require.ErrorIs(t, got.err, remoting.ErrTimeout)
				require.Equal(t, 3*time.Second, got.elapsed)
			},
			entry: Entry{Fault: ActionDrop},
		},
		{
			name: "error answers code and remark",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionError,
				ResponseCode: remoting.SystemBusy, Remark: "[PC_SYNCHRONIZED]broker busy"},
			check: func(t *testing.T, got outcome) {
				require.NoError(t, got.err)
				require.Equal(t, remoting.SystemBusy, got.resp.Code)
				require.Equal(t, "[PC_SYNCHRONIZED]broker busy", got.resp.Remark)
				require.Zero(t, got.elapsed)
			},
			entry: Entry{Fault: ActionError, Answered: true, ResponseCode: remoting.SystemBusy, Remark: "[PC_SYNCHRONIZED]broker busy"},
		},
		{
			name: "error without a code answers SYSTEM_ERROR",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionError},
			check: func(t *testing.T, got outcome) {
				require.NoError(t, got.err)
				require.Equal(t, remoting.SystemError, got.resp.Code)
			},
			entry: Entry{Fault: ActionError, Answered: true, ResponseCode: remoting.SystemError},
		},
		{
			name: "error after a delay is a slow refusal",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionError, Delay: time.Second, ResponseCode: remoting.FlowControl},
			check: func(t *testing.T, got outcome) {
				require.NoError(t, got.err)
				require.Equal(t, remoting.FlowControl, got.resp.Code)
				require.Equal(t, time.Second, got.elapsed)
			},
			entry: Entry{Fault: ActionError, Answered: true, ResponseCode: remoting.FlowControl, Latency: time.Second},
		},
		{
			name: "close fails the request at once",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionClose},
			check: func(t *testing.T, got outcome) {
				require.ErrorIs(t, got.err, remoting.ErrConnectionClosed)
				require.Zero(t, got.elapsed)
			},
			entry: Entry{Fault: ActionClose},
		},
		{
			name: "corrupt stores the send and the client rejects the frame",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionCorrupt},
			check: func(t *testing.T, got outcome) {
				require.ErrorIs(t, got.err, remoting.ErrConnectionClosed)
				require.ErrorIs(t, got.err, remoting.ErrMalformedFrame)
				require.Zero(t, got.elapsed)
			},
			stored: true,
			entry:  Entry{Fault: ActionCorrupt, ResponseCode: remoting.Success},
		},
		{
			name: "override stores the send and answers another code with the handler's header",
			rule: Rule{Code: remoting.CodeSendMessageV2, Action: ActionOverride, ResponseCode: remoting.FlushDiskTimeout},
			check: func(t *testing.T, got outcome) {
				require.NoError(t, got.err)
				require.Equal(t, remoting.FlushDiskTimeout, got.resp.Code)
				require.NotEmpty(t, got.resp.ExtFields, "the handler's header is kept")
			},
			stored: true,
			entry:  Entry{Fault: ActionOverride, Answered: true, ResponseCode: remoting.FlushDiskTimeout},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				h := r.inj.Add(tc.rule)
				c := r.client()
				start := time.Now()
				resp, err := r.invoke(c, sendV2("orders", "GID_orders"))
				tc.check(t, outcome{resp, err, time.Since(start)})
				synctest.Wait() // a dropped or failed request may still be finishing on the server
				require.Equal(t, 1, h.Fired())
				if tc.stored {
					require.Equal(t, []string{"orders"}, r.storedTopics())
				} else {
					require.Empty(t, r.storedTopics())
				}
				e := r.onlyEntry()
				require.Equal(t, tc.entry.Fault, e.Fault)
				require.Equal(t, tc.entry.Answered, e.Answered)
				require.Equal(t, tc.entry.ResponseCode, e.ResponseCode)
				require.Equal(t, tc.entry.Remark, e.Remark)
				require.Equal(t, tc.entry.Latency, e.Latency)
			})
		})
	}
}

func TestCloseLeavesOtherConnectionsAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Topic: "orders", Action: ActionClose, Times: 1})
		victim, bystander := r.client(), r.client()
		_, err := r.invoke(bystander, heartbeat())
		require.NoError(t, err)
		before, err := bystander.Conn(t.Context(), r.addr)
		require.NoError(t, err)

		_, err = r.invoke(victim, sendV2("orders", "GID"))
		require.ErrorIs(t, err, remoting.ErrConnectionClosed)

		resp, err := r.invoke(bystander, sendV2("audit", "GID"))
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code)
		after, err := bystander.Conn(t.Context(), r.addr)
		require.NoError(t, err)
		require.Same(t, before, after, "the other client kept its connection")

		_, err = r.invoke(victim, sendV2("orders", "GID"))
		require.NoError(t, err, "the one-shot rule is spent; the victim reconnects")
	})
}

func TestDelayHoldsOnlyItsOwnRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Action: ActionDelay, Delay: 10 * time.Second})
		c := r.client()
		start := time.Now()
		slow := make(chan time.Duration, 1)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c.InvokeAsync(ctx, r.addr, sendV2("orders", "GID"), func(_ *remoting.Command, err error) {
			require.NoError(t, err)
			slow <- time.Since(start)
		})
		synctest.Wait()
		_, err := r.invoke(c, heartbeat())
		require.NoError(t, err)
		require.Zero(t, time.Since(start), "a heartbeat on the same connection is not held up")
		require.Equal(t, 10*time.Second, <-slow)
	})
}

func TestDelayEndsWhenTheConnectionCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Action: ActionDelay, Delay: time.Hour})
		c := r.client()
		failed := make(chan error, 1)
		c.InvokeAsync(t.Context(), r.addr, sendV2("orders", "GID"), func(_ *remoting.Command, err error) { failed <- err })
		time.Sleep(5 * time.Second)
		require.True(t, c.CloseConn(r.addr))
		require.ErrorIs(t, <-failed, remoting.ErrConnectionClosed)
		synctest.Wait()
		require.Equal(t, []string{"orders"}, r.storedTopics(),
			"the handler ran when the client went away, as a real broker still processes the request")
		e := r.onlyEntry()
		require.Equal(t, 5*time.Second, e.Latency)
		require.False(t, e.Answered)
	})
}

func TestOnewayRequests(t *testing.T) {
	cases := []struct {
		name   string
		rule   Rule
		fired  int
		stored bool
	}{
		{"error passes oneway by", Rule{Action: ActionError}, 0, true},
		{"corrupt passes oneway by", Rule{Action: ActionCorrupt}, 0, true},
		{"override passes oneway by", Rule{Action: ActionOverride, ResponseCode: remoting.FlushDiskTimeout}, 0, true},
		{"drop drops", Rule{Action: ActionDrop}, 1, false},
		{"delay delays", Rule{Action: ActionDelay, Delay: time.Second}, 1, true},
		{"close closes", Rule{Action: ActionClose}, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				h := r.inj.Add(tc.rule)
				c := r.client()
				start := time.Now()
				require.NoError(t, c.InvokeOneway(t.Context(), r.addr, sendV2("orders", "GID")))
				synctest.Wait()
				if tc.rule.Delay > 0 {
					require.Empty(t, r.storedTopics())
					time.Sleep(tc.rule.Delay)
					synctest.Wait()
				}
				require.Equal(t, tc.fired, h.Fired())
				require.Equal(t, tc.stored, len(r.storedTopics()) == 1)
				e := r.onlyEntry()
				require.True(t, e.Oneway)
				require.False(t, e.Answered)
				require.Equal(t, tc.rule.Delay, e.Latency)
				require.Equal(t, tc.rule.Delay, time.Since(start))
			})
		})
	}
}

func TestTimes(t *testing.T) {
	for _, times := range []int{1, 3, 0} {
		t.Run("times="+itoa(times), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				h := r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Action: ActionError, ResponseCode: remoting.SystemBusy, Times: times})
				c := r.client()
				var busy int
				for range 5 {
					resp, err := r.invoke(c, sendV2("orders", "GID"))
					require.NoError(t, err)
					if resp.Code == remoting.SystemBusy {
						busy++
					}
				}
				want := times
				if times == 0 {
					want = 5
				}
				require.Equal(t, want, busy)
				require.Equal(t, want, h.Fired())
				require.Equal(t, times == 0, len(r.inj.Rules()) == 1, "only a kept rule is still in force")
				require.Len(t, r.storedTopics(), 5-want)
			})
		})
	}
}

func TestRulesAreTriedInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		first := r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Action: ActionError, ResponseCode: remoting.SystemBusy, Times: 2})
		second := r.inj.Add(Rule{Action: ActionError, ResponseCode: remoting.FlowControl})
		c := r.client()
		var codes []int32
		for range 3 {
			resp, err := r.invoke(c, sendV2("orders", "GID"))
			require.NoError(t, err)
			codes = append(codes, resp.Code)
		}
		resp, err := r.invoke(c, heartbeat())
		require.NoError(t, err)
		codes = append(codes, resp.Code)
		require.Equal(t, []int32{remoting.SystemBusy, remoting.SystemBusy, remoting.FlowControl, remoting.FlowControl}, codes)
		require.Equal(t, 2, first.Fired())
		require.Equal(t, 2, second.Fired())

		second.Remove()
		resp, err = r.invoke(c, heartbeat())
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, 2, second.Fired(), "a retired rule keeps its count")
		second.Remove() // removing twice is harmless

		r.inj.Add(Rule{Action: ActionDrop})
		r.inj.Clear()
		require.Empty(t, r.inj.Rules())
		_, err = r.invoke(c, heartbeat())
		require.NoError(t, err)
	})
}

func TestProbabilityIsSeeded(t *testing.T) {
	// pattern says, request by request, which ones a 30 % rule harmed, under seed.
	pattern := func(t *testing.T, seed uint64) []bool {
		var got []bool
		synctest.Test(t, func(t *testing.T) {
			r := newRigWith(t, NewInjector(seed), NewHistory())
			r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Action: ActionError, ResponseCode: remoting.SystemBusy, Probability: 0.3})
			c := r.client()
			for range 100 {
				resp, err := r.invoke(c, sendV2("orders", "GID"))
				require.NoError(t, err)
				got = append(got, resp.Code == remoting.SystemBusy)
			}
		})
		return got
	}
	count := func(p []bool) (n int) {
		for _, b := range p {
			if b {
				n++
			}
		}
		return n
	}
	a, b, other := pattern(t, 42), pattern(t, 42), pattern(t, 7)
	require.Equal(t, a, b, "same seed, same faults")
	require.NotEqual(t, a, other)
	require.InDelta(t, 30, count(a), 15)
}

func TestRequestEscapingItsRollGoesToTheNextRule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		coin := r.inj.Add(Rule{Action: ActionError, ResponseCode: remoting.SystemBusy, Probability: 0.5})
		rest := r.inj.Add(Rule{Action: ActionError, ResponseCode: remoting.FlowControl})
		c := r.client()
		for range 50 {
			resp, err := r.invoke(c, sendV2("orders", "GID"))
			require.NoError(t, err)
			require.Contains(t, []int32{remoting.SystemBusy, remoting.FlowControl}, resp.Code)
		}
		require.Equal(t, 50, coin.Fired()+rest.Fired())
		require.NotZero(t, coin.Fired())
		require.NotZero(t, rest.Fired())
	})
}

// TestPlan runs a plan of two back-to-back windows: refuse sends from 10 s to 15 s, then
// delay them by 1 s until 20 s; afterwards sends are served normally again.
func TestPlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		handles := r.inj.Schedule(
			Rule{Code: remoting.CodeSendMessageV2, Action: ActionError, ResponseCode: remoting.SystemBusy, From: 10 * time.Second, For: 5 * time.Second},
			Rule{Code: remoting.CodeSendMessageV2, Action: ActionDelay, Delay: time.Second, From: 15 * time.Second, For: 5 * time.Second},
		)
		c := r.client()
		// at sends one request at the given offset from start and says what happened.
		at := func(offset time.Duration) (code int32, took time.Duration) {
			time.Sleep(time.Until(start.Add(offset)))
			sent := time.Now()
			resp, err := r.invoke(c, sendV2("orders", "GID"))
			require.NoError(t, err)
			return resp.Code, time.Since(sent)
		}
		steps := []struct {
			offset time.Duration
			code   int32
			took   time.Duration
		}{
			{0, remoting.Success, 0},
			{10*time.Second - time.Nanosecond, remoting.Success, 0},
			{10 * time.Second, remoting.SystemBusy, 0},
			{15*time.Second - time.Nanosecond, remoting.SystemBusy, 0},
			{15 * time.Second, remoting.Success, time.Second},
			{20*time.Second - time.Nanosecond, remoting.Success, time.Second},
			{21 * time.Second, remoting.Success, 0},
		}
		for _, s := range steps {
			code, took := at(s.offset)
			require.Equal(t, s.code, code, "at %v", s.offset)
			require.Equal(t, s.took, took, "at %v", s.offset)
		}
		require.Equal(t, 2, handles[0].Fired())
		require.Equal(t, 2, handles[1].Fired())
		require.Empty(t, r.inj.Rules(), "both windows are over")
	})
}

func TestRulesListsPendingWindows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inj := NewInjector(1)
		later := inj.Add(Rule{Action: ActionDrop, From: time.Minute, For: time.Second})
		require.Equal(t, []*Handle{later}, inj.Rules())
		require.Equal(t, Rule{Action: ActionDrop, From: time.Minute, For: time.Second}, later.Rule())
		time.Sleep(time.Minute + time.Second)
		require.Empty(t, inj.Rules())
	})
}

func TestFilters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		byTopic := r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Topic: "orders", Action: ActionError, ResponseCode: remoting.TopicNotExist})
		byGroup := r.inj.Add(Rule{Group: "GID_pay", Action: ActionError, ResponseCode: remoting.NoPermission})
		c := r.client()
		cases := []struct {
			req  *remoting.Command
			code int32
		}{
			{sendV2("orders", "GID_other"), remoting.TopicNotExist},
			{sendV2("audit", "GID_other"), remoting.Success},
			{sendV2("audit", "GID_pay"), remoting.NoPermission},
			{heartbeatOf(t, "GID_pay"), remoting.NoPermission},
			{heartbeatOf(t, "GID_other"), remoting.Success},
			{remoting.NewRequest(remoting.CodeGetRouteInfoByTopic, map[string]string{"topic": "orders"}, nil), remoting.Success},
		}
		for _, tc := range cases {
			resp, err := r.invoke(c, tc.req)
			require.NoError(t, err)
			require.Equal(t, tc.code, resp.Code, "%v", tc.req)
		}
		require.Equal(t, 1, byTopic.Fired())
		require.Equal(t, 2, byGroup.Fired())
	})
}

func TestAddPanicsOnAnInvalidRule(t *testing.T) {
	inj := NewInjector(1)
	require.Panics(t, func() { inj.Add(Rule{Action: "explode"}) })
	require.Panics(t, func() {
		inj.Schedule(Rule{Action: ActionDrop}, Rule{Action: ActionDelay})
	})
	require.Empty(t, inj.Rules(), "a plan with a bad rule adds nothing")
}

func TestCorruptFrameIsMalformed(t *testing.T) {
	_, err := remoting.DecodeFrame(corruptFrame, 0)
	require.ErrorIs(t, err, remoting.ErrMalformedFrame)
}

func TestTimesHoldUnderConcurrentRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		h := r.inj.Add(Rule{Code: remoting.CodeSendMessageV2, Action: ActionError, ResponseCode: remoting.SystemBusy, Times: 10})
		clients := []*remoting.Client{r.client(), r.client(), r.client()}
		codes := make(chan int32, 60)
		for i := range 60 {
			go func() {
				resp, err := r.invoke(clients[i%len(clients)], sendV2("orders", "GID"))
				require.NoError(t, err)
				codes <- resp.Code
			}()
		}
		busy := 0
		for range 60 {
			if <-codes == remoting.SystemBusy {
				busy++
			}
		}
		require.Equal(t, 10, busy)
		require.Equal(t, 10, h.Fired())
		require.Len(t, r.storedTopics(), 50)
		require.Len(t, r.hist.Entries(), 60)
	})
}

// TestOverTCP checks the actions whose effect depends on the network (a real socket closing,
// a damaged frame crossing it) on loopback TCP, outside any bubble.
func TestOverTCP(t *testing.T) {
	srv := remotingtest.NewServer()
	inj, hist := NewInjector(1), NewHistory()
	Install(srv, hist, inj)
	srv.Handle(remoting.CodeSendMessageV2, remotingtest.Succeed)
	addr := remotingtest.Serve(t, nil, "127.0.0.1:0", srv)
	c := remotingtest.NewClient(t, nil)
	invoke := func() (*remoting.Command, error) {
		return remotingtest.InvokeWithin(t, c, addr, sendV2("orders", "GID"), 5*time.Second)
	}

	inj.Add(Rule{Action: ActionCorrupt, Times: 1})
	_, err := invoke()
	require.ErrorIs(t, err, remoting.ErrMalformedFrame)

	inj.Add(Rule{Action: ActionClose, Times: 1})
	_, err = invoke()
	require.ErrorIs(t, err, remoting.ErrConnectionClosed)

	resp, err := invoke()
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	// Each entry is recorded as its request ends, not necessarily before its peer noticed: the
	// close's before the client saw the connection end, the last one's before its answer arrived.
	_, err = hist.WaitFor(t.Context(), func(e Entry) bool { return e.Fault == ActionClose })
	require.NoError(t, err, "the close is recorded")
	_, err = hist.WaitFor(t.Context(), func(e Entry) bool { return e.Fault == "" })
	require.NoError(t, err, "the last request is recorded")
	var faults []Action
	for _, e := range hist.Entries() {
		faults = append(faults, e.Fault)
	}
	require.ElementsMatch(t, []Action{ActionCorrupt, ActionClose, ""}, faults)
}

// Every change made from Go reaches the watchers, in order; a Clear of an empty injector and
// a rule that retires by itself are not changes; a stopped watcher hears nothing more.
func TestWatchSeesEveryChange(t *testing.T) {
	inj := NewInjector(1)
	var got, other []Change
	stop := inj.Watch(func(c Change) { got = append(got, c) })
	stopOther := inj.Watch(func(c Change) { other = append(other, c) })
	inj.Clear() // nothing to clear
	drop := Rule{Action: ActionDrop, Times: 1}
	h := inj.Add(drop)
	delay := Rule{Action: ActionDelay, Delay: time.Second, From: time.Minute}
	inj.Schedule(delay, drop)
	h.Remove()
	h.Remove() // already retired: no change
	inj.Clear()
	want := []Change{
		{Kind: ChangeAdded, Rule: drop},
		{Kind: ChangeAdded, Rule: delay}, {Kind: ChangeAdded, Rule: drop},
		{Kind: ChangeRemoved, Rule: drop},
		{Kind: ChangeCleared},
	}
	require.Equal(t, want, got)
	require.Equal(t, want, other)
	stop()
	inj.Add(drop)
	require.Len(t, got, len(want), "a stopped watcher hears nothing more")
	require.Len(t, other, len(want)+1)
	stopOther()
}
