package client

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
)

const seeFAQ = "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

func TestSharedInstanceRejectsDuplicateGroupUntilRenamed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p1 := r.started(WithInstanceName("shared"))
		p2 := r.producer(WithInstanceName("shared"))

		err := p2.Start()
		require.EqualError(t, err, "The producer group[pg] has been created before, specify another name please."+seeFAQ)
		require.ErrorIs(t, err, ErrGroupExists)
		var ce *ClientError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, -1, ce.Code)
		require.Equal(t, StateCreateJust, p2.State(), "only the duplicate-group failure goes back to CREATE_JUST")

		p2.SetGroup("pg2")
		require.NoError(t, p2.Start())
		require.Equal(t, StateRunning, p2.State())
		require.Equal(t, testIP+"@shared", p1.ClientID())
		require.Equal(t, p1.ClientID(), p2.ClientID())
		require.Equal(t, []string{p1.ClientID()}, r.m.ClientIDs(), "one instance, shared")
		require.Equal(t, []string{InnerProducerGroup, "pg", "pg2"}, p1.Snapshot().ProducerGroups)

		// Both groups reach the brokers in one client's heartbeats.
		send(t, p1, "T", "x")
		send(t, p2, "T", "y")
		time.Sleep(firstHeartbeat) // the first heartbeat task
		synctest.Wait()
		rows := r.c.ClientRows()
		require.NotEmpty(t, rows)
		for _, row := range rows {
			require.Equal(t, p1.ClientID(), row.ClientID)
		}
	})
}

func TestDefaultInstanceNameGivesEveryProducerItsOwnInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		p1, p2 := r.started(), r.started()
		require.NotEqual(t, p1.ClientID(), p2.ClientID(), "Java 4.9+ renames DEFAULT to PID#nanoTime")
		require.True(t, strings.HasPrefix(p1.ClientID(), testIP+"@"), p1.ClientID())
		require.Contains(t, p1.ClientID(), "#")
		require.Len(t, r.m.ClientIDs(), 2)
	})
}

func TestUnitNameJoinsClientID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		p := r.started(WithInstanceName("i"), WithUnitName("u1"))
		require.Equal(t, testIP+"@i@u1", p.ClientID())
	})
}

func TestStartTwiceFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		p := r.started()
		err := p.Start()
		require.EqualError(t, err, "The producer service state not OK, maybe started once, RUNNING"+seeFAQ)
		require.ErrorIs(t, err, ErrNotRunning)
		require.Equal(t, StateRunning, p.State())

		p.Shutdown()
		require.Equal(t, StateShutdownAlready, p.State())
		require.EqualError(t, p.Start(), "The producer service state not OK, maybe started once, SHUTDOWN_ALREADY"+seeFAQ)
		_, err = p.Send(background, NewMessage("T", []byte("x")))
		require.EqualError(t, err, "The producer service state not OK, SHUTDOWN_ALREADY"+seeFAQ)
		p.Shutdown() // a no-op
	})
}

func TestFailedStartIsFinal(t *testing.T) {
	const moreInfo = "\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/"
	tests := []struct {
		group, want string
	}{
		{"", "the specified group is blank" + moreInfo},
		{"  ", "the specified group is blank" + moreInfo},
		{"DEFAULT_PRODUCER", "producerGroup can not equal DEFAULT_PRODUCER, please specify another one." + moreInfo},
		{"bad group", "the specified group[bad group] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$" + moreInfo},
		{strings.Repeat("g", 256), "the specified group is longer than group max length 255." + moreInfo},
	}
	for _, tc := range tests {
		t.Run(tc.group, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				p := r.producer(WithGroup(tc.group))
				err := p.Start()
				require.EqualError(t, err, tc.want)
				var ce *ClientError
				require.ErrorAs(t, err, &ce)
				require.Equal(t, -1, ce.Code)
				require.Equal(t, StateStartFailed, p.State())

				p.SetGroup("fine")
				require.EqualError(t, p.Start(), "The producer service state not OK, maybe started once, START_FAILED"+seeFAQ)
				_, err = p.Send(background, NewMessage("T", []byte("x")))
				require.EqualError(t, err, "The producer service state not OK, START_FAILED"+seeFAQ)
				require.Empty(t, r.m.ClientIDs(), "no instance was made")
			})
		})
	}
}

func TestNoGroupMeansDefaultProducer(t *testing.T) {
	p, err := NewProducer(WithManager(NewManager()), WithNameServers("127.0.0.1:1"))
	require.NoError(t, err)
	require.ErrorContains(t, p.Start(), "producerGroup can not equal DEFAULT_PRODUCER")
}

func TestShutdownUnregistersAndStopsTheInstanceWithItsLastProducer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p1 := r.started(WithInstanceName("shared"))
		p2 := r.started(WithInstanceName("shared"), WithGroup("pg2"))
		send(t, p1, "T", "x") // learns both brokers
		time.Sleep(firstHeartbeat)
		synctest.Wait()
		id := p1.ClientID()
		require.Len(t, r.c.Clients(), 2)

		p1.Shutdown()
		synctest.Wait()
		for _, b := range []string{"broker-a", "broker-b"} {
			reqs := r.broker(b).History().Requests(remoting.CodeUnregisterClient)
			require.Len(t, reqs, 1, b)
			require.Equal(t, id, reqs[0].ExtFields["clientID"])
			require.Equal(t, "pg", reqs[0].ExtFields["producerGroup"])
		}
		require.Equal(t, []string{id}, r.m.ClientIDs(), "pg2 still uses the instance")
		send(t, p2, "T", "still works")

		p2.Shutdown()
		synctest.Wait()
		for _, b := range []string{"broker-a", "broker-b"} {
			var groups []string
			for _, e := range r.broker(b).History().Requests(remoting.CodeUnregisterClient) {
				groups = append(groups, e.ExtFields["producerGroup"])
			}
			require.Equal(t, []string{"pg", "pg2", InnerProducerGroup}, groups, b)
		}
		require.Empty(t, r.m.ClientIDs())
		require.Empty(t, r.c.Clients(), "connections closed")
		require.Equal(t, StateShutdownAlready, p2.Snapshot().State)
	})
}

// A thousand producers start and stop; none leaves a goroutine or an instance behind.
func TestStartShutdownCyclesLeakNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble is the leak check: synctest.Test fails when a goroutine started in it is
		// still blocked after the test and its cleanups (the cluster's) are done, and goleak
		// checks the package at exit. runtime.NumGoroutine counts the whole process, where
		// other tests' connections wind down on their own schedule, so it is not used.
		r := newRig(t)
		for i := range 1000 {
			p, err := NewProducer(r.options(WithInstanceName("cycle"))...)
			require.NoError(t, err)
			require.NoError(t, p.Start())
			if i%100 == 0 {
				send(t, p, "T", "x")
			}
			p.Shutdown()
		}
		synctest.Wait()
		require.Empty(t, r.m.ClientIDs())
	})
}

func TestErrorsMatchWithIsAndAs(t *testing.T) {
	be := &BrokerError{Code: 17, Remark: "topic[T] not exist, apply first please!", BrokerAddr: "127.0.0.1:10911"}
	require.ErrorIs(t, be, ErrTopicNotExist)
	require.NotErrorIs(t, be, ErrNoPermission)
	require.Equal(t, "CODE: 17  DESC: topic[T] not exist, apply first please! BROKER: 127.0.0.1:10911"+
		"\nFor more information, please visit the url, http://rocketmq.apache.org/docs/faq/", be.Error())
	wrapped := clientError(17, "Send [3] times, still failed", be)
	var got *BrokerError
	require.True(t, errors.As(wrapped, &got))
	require.Equal(t, int32(17), got.Code)
	require.Equal(t, 17, responseCodeOf(be))
}
