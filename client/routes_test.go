package client

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestRouteChangeMovesSendsWithinOnePoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithBrokers(2), fakecluster.WithTopicOn("T", 4, "broker-a"), fakecluster.WithAutoCreateTopic(false))
		p1 := r.started(WithInstanceName("shared"))
		p2 := r.started(WithInstanceName("shared"), WithGroup("pg2"))
		require.Equal(t, "broker-a", send(t, p1, "T", "x").Queue.BrokerName)

		ctx := context.Background()
		require.NoError(t, r.c.CreateTopic(ctx, "T", 4, "broker-b"))
		require.NoError(t, r.c.DeleteTopic(ctx, "T", "broker-a"))

		time.Sleep(DefaultPollNameServerInterval)
		synctest.Wait()
		for range 8 {
			require.Equal(t, "broker-b", send(t, p1, "T", "x").Queue.BrokerName)
		}
		// The new route was pushed to every producer of the instance, even one that never sent
		// to the topic.
		require.Equal(t, []MessageQueue{{"T", "broker-b", 0}, {"T", "broker-b", 1}, {"T", "broker-b", 2}, {"T", "broker-b", 3}}, p2.PublishInfo()["T"])
		require.Equal(t, []string{"broker-b"}, brokersOf(p1.Snapshot().Routes["T"]))
	})
}

func TestPollIntervalIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithBrokers(2), fakecluster.WithTopicOn("T", 4, "broker-a"))
		p := r.started(WithPollNameServerInterval(5 * time.Second))
		send(t, p, "T", "x")
		before := len(r.c.NameServer().History().Requests(remoting.CodeGetRouteInfoByTopic))
		polls := p.Snapshot().RoutePolls
		time.Sleep(20 * time.Second)
		synctest.Wait()
		after := len(r.c.NameServer().History().Requests(remoting.CodeGetRouteInfoByTopic))
		// Four polls, each for T and TBW102, and the snapshot counts them.
		require.Equal(t, 8, after-before)
		require.Equal(t, int64(4), p.Snapshot().RoutePolls-polls)
	})
}

func TestTopicGoneKeepsOldRoute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4), fakecluster.WithAutoCreateTopic(false))
		p := r.started()
		send(t, p, "T", "x")
		require.NoError(t, r.c.DeleteTopic(context.Background(), "T"))
		time.Sleep(DefaultPollNameServerInterval)
		synctest.Wait()
		require.Len(t, p.PublishInfo()["T"], 4, "Java keeps using the cached route when the name server has none")
		require.Contains(t, p.Snapshot().Routes, "T")
	})
}

// A broker that stops registering expires on the name server; the next poll drops it from the
// routes, the next heartbeat task from the address table, and it gets no more heartbeats.
func TestOfflineBrokerIsCleanedAndGetsNoMoreHeartbeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		p := r.started()
		send(t, p, "T", "x")
		time.Sleep(firstHeartbeat)
		synctest.Wait()
		require.Equal(t, 1, r.requests("broker-b", remoting.CodeHeartBeat))
		require.ElementsMatch(t, []string{"broker-a", "broker-b"}, slices.Collect(mapsKeys(p.Snapshot().BrokerAddrs)))

		require.NoError(t, r.c.SilenceBroker(context.Background(), "broker-b", true))
		// Expiry (120 s, scanned every 10 s), one poll and one heartbeat period.
		time.Sleep(130*time.Second + DefaultPollNameServerInterval + DefaultHeartbeatInterval)
		synctest.Wait()
		snap := p.Snapshot()
		require.Equal(t, []string{"broker-a"}, slices.Collect(mapsKeys(snap.BrokerAddrs)))
		for topic, route := range snap.Routes {
			require.NotContains(t, brokersOf(route), "broker-b", topic)
		}
		hb := r.requests("broker-b", remoting.CodeHeartBeat)
		rounds := snap.HeartbeatRounds
		time.Sleep(5 * DefaultHeartbeatInterval)
		synctest.Wait()
		require.Equal(t, hb, r.requests("broker-b", remoting.CodeHeartBeat), "no heartbeat to a broker no route mentions")
		require.Equal(t, rounds+5, p.Snapshot().HeartbeatRounds)
		require.Greater(t, r.requests("broker-a", remoting.CodeHeartBeat), 5)
	})
}

// Java's route round rethrows the first RemotingException and ends; a refusal (an answer code)
// is only logged. With a hung name server the heartbeat task, which waits for the round on the
// one scheduler goroutine, is late by one API timeout, not one per topic.
func TestRouteRoundEndsAtFirstNameServerFailure(t *testing.T) {
	topics := []string{"T1", "T2", "T3", "T4", "T5"}
	tests := []struct {
		name string
		rule fault.Rule
		// wantQueries is how many route queries the first round makes (the five topics and
		// TBW102 when it runs to the end).
		wantQueries int
		wantFirstHB time.Duration
	}{
		{
			name:        "hung name server ends the round",
			rule:        fault.Rule{Code: remoting.CodeGetRouteInfoByTopic, Action: fault.ActionDrop},
			wantQueries: 1,
			wantFirstHB: firstRoutePoll + DefaultMQClientAPITimeout,
		},
		{
			name:        "a refused topic does not",
			rule:        fault.Rule{Code: remoting.CodeGetRouteInfoByTopic, Topic: "T1", Action: fault.ActionError, ResponseCode: remoting.TopicNotExist},
			wantQueries: len(topics) + 1,
			wantFirstHB: firstHeartbeat,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				opts := []fakecluster.Option{fakecluster.WithAutoCreateTopic(false)}
				for _, topic := range topics {
					opts = append(opts, fakecluster.WithTopic(topic, 4))
				}
				r := newRig(t, opts...)
				start := time.Now()
				p := r.started()
				for _, topic := range topics {
					send(t, p, topic, "x")
				}
				nsHistory := r.c.NameServer().History()
				before := len(nsHistory.Requests(remoting.CodeGetRouteInfoByTopic))
				r.c.NameServer().Faults().Add(tc.rule)

				time.Sleep(firstHeartbeat + time.Duration(len(topics)+1)*DefaultMQClientAPITimeout)
				synctest.Wait()
				require.Equal(t, tc.wantQueries, len(nsHistory.Requests(remoting.CodeGetRouteInfoByTopic))-before)
				hbs := r.broker("broker-a").History().Requests(remoting.CodeHeartBeat)
				require.NotEmpty(t, hbs)
				require.Equal(t, tc.wantFirstHB, hbs[0].Time.Sub(start), "when the first heartbeat task ran")
			})
		})
	}
}

func TestHeartbeatsListEveryGroupAndGoEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started(WithHeartbeatInterval(10*time.Second), WithInstanceName("i"))
		send(t, p, "T", "x")
		time.Sleep(firstHeartbeat + 30*time.Second)
		synctest.Wait()
		hbs := r.broker("broker-a").History().Requests(remoting.CodeHeartBeat)
		require.Len(t, hbs, 4)
		require.ElementsMatch(t, []string{"pg", InnerProducerGroup}, hbs[0].Groups)
		require.Equal(t, int64(4), p.Snapshot().HeartbeatRounds)
		require.Equal(t, map[string]map[string]int32{"broker-a": {r.broker("broker-a").Addr(): remoting.CurrentVersion}}, p.Snapshot().BrokerVersions)
	})
}

func TestNameServerListFromHTTP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		ep := fakenamesrv.NewAddrEndpoint("127.0.0.1:1") // nothing listens there yet
		srv := fakenamesrv.NewAddrServer(ep)
		require.NoError(t, srv.Start(remotingtest.Listen(t, r.mem, "nsaddr.test:8080")))
		defer srv.Close()

		p, err := NewProducer(WithGroup("pg"), WithManager(r.m), WithDialer(r.mem.Dial), WithClientIP(testIP),
			WithHTTPClient(memHTTPClient(r.mem)),
			WithNameServerDomain("nsaddr.test", DefaultNameServerSubgroup, DefaultNameServerFetchInterval, DefaultNameServerFetchDelay))
		require.NoError(t, err)
		require.NoError(t, p.Start())
		defer p.Shutdown()
		require.Equal(t, 1, ep.Requests(), "fetched once at start")
		ns, _ := p.Snapshot().NameServers, 0
		require.Equal(t, []string{"127.0.0.1:1"}, ns)

		ep.Set(r.c.NameServerAddr())
		time.Sleep(DefaultNameServerFetchDelay)
		synctest.Wait()
		require.Equal(t, 2, ep.Requests())
		require.Equal(t, []string{r.c.NameServerAddr()}, p.Snapshot().NameServers)
		send(t, p, "T", "x")
		require.Equal(t, r.c.NameServerAddr(), p.Snapshot().ChosenNameServer)

		time.Sleep(DefaultNameServerFetchInterval)
		synctest.Wait()
		require.Equal(t, 3, ep.Requests(), "then every 2 minutes")
	})
}

// TopAddressing.clearNewLine trims the answer first and then cuts it before its first '\r', or
// failing that its first '\n'.
func TestNameServerAnswerTrimmedThenCut(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		want   []string
	}{
		{"one line", "10.0.0.1:9876;10.0.0.2:9876", []string{"10.0.0.1:9876", "10.0.0.2:9876"}},
		{"blank lines ahead", "  \r\n\n\t10.0.0.1:9876;10.0.0.2:9876\n", []string{"10.0.0.1:9876", "10.0.0.2:9876"}},
		{"second line dropped", "10.0.0.1:9876\n10.0.0.2:9876\n", []string{"10.0.0.1:9876"}},
		{"lone carriage return", "10.0.0.1:9876\r10.0.0.2:9876", []string{"10.0.0.1:9876"}},
		{"carriage return before newline", "10.0.0.1:9876\r\n10.0.0.2:9876\r\n", []string{"10.0.0.1:9876"}},
		// Java looks for '\r' first: a later '\r' wins over an earlier '\n'.
		{"carriage return wins", "10.0.0.1:9876;10.0.0.2:9876\n10.0.0.3:9876\r\n10.0.0.4:9876", []string{"10.0.0.1:9876", "10.0.0.2:9876\n10.0.0.3:9876"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := remoting.NewMemNetwork()
				l, err := mem.Listen("nsaddr.test:8080")
				require.NoError(t, err)
				srv := fakenamesrv.NewAddrServer(fakenamesrv.NewAddrEndpoint(tc.answer))
				require.NoError(t, srv.Start(l))
				defer srv.Close()
				p, err := NewProducer(WithGroup("pg"), WithManager(NewManager()), WithDialer(mem.Dial), WithClientIP(testIP),
					WithHTTPClient(memHTTPClient(mem)),
					WithNameServerDomain("nsaddr.test", DefaultNameServerSubgroup, DefaultNameServerFetchInterval, DefaultNameServerFetchDelay))
				require.NoError(t, err)
				require.NoError(t, p.Start())
				defer p.Shutdown()
				require.ElementsMatch(t, tc.want, p.Snapshot().NameServers)
			})
		})
	}
}

func TestNameServerURL(t *testing.T) {
	tests := []struct{ domain, sub, unit, want string }{
		{"jmenv.tbsite.net", "nsaddr", "", "http://jmenv.tbsite.net:8080/rocketmq/nsaddr"},
		{"127.0.0.1:9000", "nsaddr", "", "http://127.0.0.1:9000/rocketmq/nsaddr"},
		{"host", "nsaddr", "u1", "http://host:8080/rocketmq/nsaddr-u1?nofix=1"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, nameServerURL(tc.domain, tc.sub, tc.unit))
	}
}

func TestParseNameServers(t *testing.T) {
	require.Equal(t, []string{"a:1", "b:2"}, parseNameServers(" a:1; b:2 ;"))
	require.Equal(t, []string{"a:1"}, parseNameServers("http://x/y/a:1"))
	require.Nil(t, parseNameServers(""))
}

func TestNameServerFromEnv(t *testing.T) {
	t.Setenv("NAMESRV_ADDR", "10.0.0.1:9876;10.0.0.2:9876")
	p, err := NewProducer(WithManager(NewManager()))
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.1:9876", "10.0.0.2:9876"}, p.cfg.nameServers)
}

// A dead name server is skipped: the first request that fails un-chooses it, the next one
// picks the live one.
func TestNameServerFailover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		dead := "10.9.9.9:9876"
		r.mem.SetBlackHole(dead, true)
		p := r.started(WithNameServers(dead, r.c.NameServerAddr()), WithMQClientAPITimeout(time.Second))
		for range 3 {
			_, _ = p.Send(background, NewMessage("T", []byte("x")))
		}
		res, err := p.Send(background, NewMessage("T", []byte("x")))
		require.NoError(t, err)
		require.Equal(t, "broker-a", res.Queue.BrokerName)
		require.Equal(t, r.c.NameServerAddr(), p.Snapshot().ChosenNameServer)
	})
}

func TestAsyncCallbackFiresExactlyOnce(t *testing.T) {
	tests := []struct {
		name    string
		rule    *fault.Rule
		opts    []Option
		wantErr func(t *testing.T, err error)
		elapsed time.Duration
	}{
		{name: "success"},
		{
			name: "broker error is not retried",
			rule: &fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError, ResponseCode: remoting.NoPermission, Remark: "no"},
			wantErr: func(t *testing.T, err error) {
				require.ErrorIs(t, err, ErrNoPermission)
			},
		},
		{
			name: "timeout",
			rule: &fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDrop},
			wantErr: func(t *testing.T, err error) {
				require.ErrorIs(t, err, context.DeadlineExceeded)
			},
			elapsed: DefaultSendTimeout,
		},
		{
			name: "connection loss",
			rule: &fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionClose},
			wantErr: func(t *testing.T, err error) {
				require.ErrorIs(t, err, remoting.ErrConnectionClosed)
				var re *RemotingError
				require.ErrorAs(t, err, &re)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster2Brokers()...)
				if tc.rule != nil {
					r.broker("broker-a").Faults().Add(*tc.rule)
					r.broker("broker-b").Faults().Add(*tc.rule)
				}
				p := r.started(tc.opts...)
				var calls atomic.Int32
				var gotErr error
				var got *SendResult
				start := time.Now()
				var end time.Time
				p.SendAsync(background, NewMessage("T", []byte("x")), func(res *SendResult, err error) {
					calls.Add(1)
					got, gotErr, end = res, err, time.Now()
				})
				time.Sleep(time.Minute) // long after any deadline
				synctest.Wait()
				require.Equal(t, int32(1), calls.Load())
				if tc.wantErr == nil {
					require.NoError(t, gotErr)
					require.Equal(t, SendOK, got.Status)
					require.Len(t, r.c.Messages("T"), 1)
					return
				}
				require.Error(t, gotErr)
				require.Nil(t, got)
				tc.wantErr(t, gotErr)
				if tc.elapsed > 0 {
					require.Equal(t, tc.elapsed, end.Sub(start), "the callback fires at the deadline")
				}
			})
		})
	}
}

// Network failures are retried on another broker; the callback still fires once.
func TestAsyncRetriesNetworkFailureOnAnotherBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster2Brokers()...)
		r.broker("broker-a").Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionClose})
		p := r.started()
		var calls atomic.Int32
		for range 8 {
			p.SendAsync(background, NewMessage("T", []byte("x")), func(res *SendResult, err error) {
				calls.Add(1)
				if err == nil && res.Queue.BrokerName == "broker-b" {
					return
				}
				t.Errorf("want a result from broker-b, got %v, %v", res, err)
			})
			synctest.Wait()
		}
		require.Equal(t, int32(8), calls.Load())
		require.Len(t, r.c.Messages("T"), 8)
	})
}

func TestAsyncOnStoppedProducer(t *testing.T) {
	p, err := NewProducer(WithGroup("pg"), WithManager(NewManager()), WithNameServers("127.0.0.1:1"))
	require.NoError(t, err)
	done := make(chan error, 2)
	p.SendAsync(background, NewMessage("T", []byte("x")), func(_ *SendResult, err error) { done <- err })
	require.ErrorIs(t, <-done, ErrNotRunning)
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !yield(k) {
				return
			}
		}
	}
}

// A connect gives up at the instance's connect timeout, whatever the send's budget: 3 s by
// default as in Java, or what WithConnectTimeout says.
func TestConnectTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []Option
		want time.Duration
	}{
		{name: "default", want: remoting.DefaultConnectTimeout},
		{name: "configured", opts: []Option{WithConnectTimeout(700 * time.Millisecond)}, want: 700 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster.WithTopic("T", 4))
				p := r.started(append(tt.opts, WithSendTimeout(10*time.Second), WithRetries(0))...)
				_, err := p.Send(background, NewMessage("T", []byte("x")))
				require.NoError(t, err)
				b := brokerOf(t, r.c, "broker-a")
				addr := b.Addr()
				b.Crash()
				r.mem.SetBlackHole(addr, true)
				synctest.Wait() // the producer has read the crash's close
				start := time.Now()
				_, err = p.SendToQueue(background, NewMessage("T", []byte("x")), MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0})
				var ce *remoting.ConnectError
				require.ErrorAs(t, err, &ce)
				require.Equal(t, tt.want, time.Since(start))
			})
		})
	}
}

// The snapshot lists the connections the instance holds, until it has read their close.
func TestSnapshotConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, fakecluster.WithTopic("T", 4))
		p := r.started()
		_, err := p.SendToQueue(background, NewMessage("T", []byte("x")), MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0})
		require.NoError(t, err)
		b := brokerOf(t, r.c, "broker-a")
		require.Contains(t, p.Snapshot().Connections, b.Addr())
		require.Contains(t, p.Snapshot().Connections, r.c.NameServerAddr())
		b.Crash()
		synctest.Wait()
		require.NotContains(t, p.Snapshot().Connections, b.Addr())
		require.Contains(t, p.Snapshot().Connections, r.c.NameServerAddr())
	})
}
