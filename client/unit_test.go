package client

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

func TestNameServerListChangeDetection(t *testing.T) {
	n := newNameServers([]string{"a:1", "b:2", "c:3"})
	require.ElementsMatch(t, []string{"a:1", "b:2", "c:3"}, n.list)
	require.False(t, n.update([]string{"c:3", "a:1", "b:2"}), "same set, other order: unchanged")
	require.False(t, n.update(nil), "an empty answer never clears the list")
	n.chosen = "b:2"
	require.True(t, n.update([]string{"a:1", "d:4", "c:3"}))
	require.Empty(t, n.chosen, "the chosen address left the list")
	require.ElementsMatch(t, []string{"a:1", "c:3", "d:4"}, n.list)

	shuffled := false
	for range 50 {
		m := newNameServers([]string{"a", "b", "c", "d", "e"})
		if m.list[0] != "a" || m.list[4] != "e" {
			shuffled = true
			break
		}
	}
	require.True(t, shuffled, "a new list is shuffled")
}

func TestVIPAddr(t *testing.T) {
	require.Equal(t, "127.0.0.1:10909", vipAddr("127.0.0.1:10911"))
	require.Equal(t, "bad", vipAddr("bad"))
}

func TestStateNames(t *testing.T) {
	for s, want := range map[State]string{StateCreateJust: "CREATE_JUST", StateRunning: "RUNNING",
		StateShutdownAlready: "SHUTDOWN_ALREADY", StateStartFailed: "START_FAILED"} {
		require.Equal(t, want, s.String())
	}
	for s, want := range map[SendStatus]string{SendOK: "SEND_OK", FlushDiskTimeout: "FLUSH_DISK_TIMEOUT",
		FlushSlaveTimeout: "FLUSH_SLAVE_TIMEOUT", SlaveNotAvailable: "SLAVE_NOT_AVAILABLE"} {
		require.Equal(t, want, s.String())
	}
}

func TestStatusMapping(t *testing.T) {
	for code, want := range map[int32]SendStatus{0: SendOK, 10: FlushDiskTimeout, 12: FlushSlaveTimeout, 11: SlaveNotAvailable} {
		got, ok := statusOf(code)
		require.True(t, ok)
		require.Equal(t, want, got)
	}
	for _, code := range []int32{1, 2, 13, 14, 16, 17, 215} {
		_, ok := statusOf(code)
		require.False(t, ok, code)
	}
}

func TestPIDInstanceNamesAreUniqueAtOneInstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		seen := map[string]bool{}
		for range 100 {
			n := pidInstanceName()
			require.False(t, seen[n], n)
			seen[n] = true
		}
	})
}

func TestSetGroupOnlyBeforeStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		p := r.started()
		p.SetGroup("other")
		require.Equal(t, "pg", p.Group())
		s, ok := r.m.Snapshot(p.ClientID())
		require.True(t, ok)
		require.Equal(t, []string{InnerProducerGroup, "pg"}, s.ProducerGroups)
		require.Equal(t, StateRunning, s.State)
	})
}

// Sends from many goroutines while routes are refreshed every second and heartbeats go out:
// run with -race.
func TestConcurrentSendsDuringRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started(WithPollNameServerInterval(time.Second), WithHeartbeatInterval(time.Second))
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					if g%2 == 0 {
						_, err := p.Send(context.Background(), NewMessage("T", []byte("x")))
						require.NoError(t, err)
					} else {
						done := make(chan error, 1)
						p.SendAsync(context.Background(), NewMessage("T", []byte("x")), func(_ *SendResult, err error) { done <- err })
						require.NoError(t, <-done)
					}
					if i%5 == 0 {
						time.Sleep(700 * time.Millisecond)
						_ = p.Snapshot()
						_ = p.PublishInfo()
					}
				}
			})
		}
		wg.Wait()
		require.Len(t, r.c.Messages("T"), 160)
	})
}

func TestProcessResponse(t *testing.T) {
	p := &Producer{cfg: defaultConfig()}
	p.cfg.namespace = "ns"
	mq := MessageQueue{Topic: "ns%T", BrokerName: "broker-a", QueueID: 1}
	resp := remoting.NewResponse(remoting.NewRequest(remoting.CodeSendMessageV2, nil, nil), remoting.FlushDiskTimeout, "")
	resp.ExtFields = map[string]string{"msgId": "OFFSETID", "queueId": "2", "queueOffset": "7", "TRACE_ON": "false", "MSG_REGION": "r1", "transactionId": "tx"}
	res, err := p.processResponse(resp, "127.0.0.1:10911", mq, "UNIQ")
	require.NoError(t, err)
	require.Equal(t, &SendResult{Status: FlushDiskTimeout, MsgID: "UNIQ", OffsetMsgID: "OFFSETID",
		Queue: MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 2}, QueueOffset: 7,
		TransactionID: "tx", RegionID: "r1", TraceOn: false}, res)

	resp.Code, resp.Remark = remoting.SystemBusy, "busy"
	_, err = p.processResponse(resp, "127.0.0.1:10911", mq, "UNIQ")
	require.ErrorIs(t, err, ErrSystemBusy)
	require.EqualError(t, err, "CODE: 2  DESC: busy BROKER: 127.0.0.1:10911\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/")
}
