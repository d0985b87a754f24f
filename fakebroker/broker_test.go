package fakebroker

import (
	"context"
	"encoding/binary"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestUnknownCodeIsNotSupported(t *testing.T) {
	for _, st := range []remoting.SerializeType{remoting.SerializeJSON, remoting.SerializeRocketMQ} {
		t.Run(st.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				for _, code := range []int32{9999, remoting.CodeGetRouteInfoByTopic} {
					req := remoting.NewRequest(code, map[string]string{"x": "y"}, nil)
					req.SerializeType = st
					resp := r.invoke(req)
					require.Equal(t, remoting.RequestCodeNotSupported, resp.Code)
					require.Equal(t, " request type "+itoa(int(code))+" not supported", resp.Remark)
					require.Nil(t, resp.ExtFields)
					require.Equal(t, st, resp.SerializeType, "the broker's default processor keeps the request's type")
				}
			})
		})
	}
}

func TestStartTwiceAndStopTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		require.ErrorIs(t, r.b.Start(), ErrRunning)
		require.Equal(t, brokerAddr, r.b.Addr())
		require.Equal(t, brokerAddr, r.b.ListenAddr())
		require.NoError(t, r.b.Shutdown(context.Background()))
		require.NoError(t, r.b.Shutdown(context.Background()))
		r.b.Crash()
		require.False(t, r.b.Running())
	})
}

// A crash drops every connection and registers nothing; a restart comes back on the same
// address with the messages, topics and consumer offsets, and an empty client table.
func TestCrashAndRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
		first := r.send(remoting.CodeSendMessageV2, "T", 0, "before", nil)
		r.send(remoting.CodeSendMessageV2, "Auto", 0, "auto-created", nil)
		update := protocol.RequestWithHeader(remoting.CodeUpdateConsumerOffset,
			protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 0, CommitOffset: 1}, nil)
		require.Equal(t, remoting.Success, r.invoke(update).Code)
		conn, err := r.client.Conn(context.Background(), brokerAddr)
		require.NoError(t, err)

		r.b.Crash()
		<-conn.Done()
		synctest.Wait()
		require.Empty(t, r.ns.hist.Requests(remoting.CodeUnregisterBroker))
		require.Empty(t, r.b.Clients())
		_, err = r.mem.Dial(context.Background(), "tcp", brokerAddr)
		require.Error(t, err, "the listener is gone")
		// The name server saw the broker's connection close.
		nsConns := r.ns.srv.Conns()
		require.Empty(t, nsConns)

		require.NoError(t, r.b.Start())
		r.ns.await(t, remoting.CodeRegisterBroker, 3) // start, auto-create, restart
		require.Equal(t, brokerAddr, r.b.Addr())
		second := r.send(remoting.CodeSendMessageV2, "T", 0, "after", nil)
		require.Equal(t, first.QueueOffset+1, second.QueueOffset)
		require.Len(t, r.b.Messages("T"), 2)
		_, ok := r.b.Topic("Auto")
		require.True(t, ok)
		off, ok := r.b.ConsumerOffset("cg", "T", 0)
		require.True(t, ok)
		require.Equal(t, int64(1), off)
	})
}

func TestFaultsAndHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		busy := r.b.Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError,
			ResponseCode: remoting.SystemBusy, Remark: "[REJECTREQUEST]system busy, start flow control for a while", Times: 1})
		resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 0, nil), []byte("x")))
		require.Equal(t, remoting.SystemBusy, resp.Code)
		require.Empty(t, r.b.Messages("T"))
		r.send(remoting.CodeSendMessageV2, "T", 0, "x", nil)
		require.Equal(t, 1, busy.Fired())
		sends := r.b.History().Requests(remoting.CodeSendMessageV2)
		require.Len(t, sends, 2)
		require.Equal(t, fault.ActionError, sends[0].Fault)
		require.Equal(t, "T", sends[1].Topic)
		require.Equal(t, remoting.Success, sends[1].ResponseCode)

		// A slow broker: the send waits, then is stored.
		r.b.Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionDelay, Delay: 2 * time.Second, Times: 1})
		start := time.Now()
		r.send(remoting.CodeSendMessageV2, "T", 0, "slow", nil)
		require.Equal(t, 2*time.Second, time.Since(start))
		require.Len(t, r.b.Messages("T"), 2)
	})
}

// WithFaultSeed makes a fault with a probability repeatable: the same seed harms the same
// requests of the same sequence, another seed others.
func TestFaultSeed(t *testing.T) {
	harmed := func(seed uint64) []bool {
		var out []bool
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, WithTopic("T", 1), WithFaultSeed(seed))
			r.b.Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError,
				ResponseCode: remoting.SystemBusy, Probability: 0.5})
			for range 16 {
				resp := r.invoke(sendReq(t, remoting.CodeSendMessageV2, sendHeader("T", 0, nil), []byte("x")))
				out = append(out, resp.Code == remoting.SystemBusy)
			}
		})
		return out
	}
	seven := harmed(7)
	require.Contains(t, seven, true)
	require.Contains(t, seven, false)
	require.Equal(t, seven, harmed(7))
	require.NotEqual(t, seven, harmed(8))
}

// WithHistoryOptions bounds what the history keeps: here the latest 2 requests, 3 bytes of each
// body.
func TestHistoryOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1), WithHistoryOptions(fault.WithMaxEntries(2), fault.WithMaxBody(3)))
		for _, body := range []string{"first", "second", "third"} {
			r.send(remoting.CodeSendMessageV2, "T", 0, body, nil)
		}
		kept := r.b.History().Entries()
		require.Len(t, kept, 2)
		require.Equal(t, []byte("sec"), kept[0].Body)
		require.Equal(t, len("second"), kept[0].BodySize)
		require.Equal(t, []byte("thi"), kept[1].Body)
	})
}

// Real sockets: the broker listens on a free TCP port and registers over TCP.
func TestOverTCP(t *testing.T) {
	ns := newStubNS(t, nil, "127.0.0.1:0")
	b := New(WithLogger(testkit.Quiet), WithNameServers(ns.addr), WithTopic("T", 2))
	require.NoError(t, b.Start())
	ns.await(t, remoting.CodeRegisterBroker, 1)

	c := remotingtest.NewClient(t, nil)
	resp := remotingtest.Invoke(t, c, b.Addr(), sendReq(t, remoting.CodeSendMessage, sendHeader("T", 1, nil), []byte("tcp")))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	msgs := b.Messages("T")
	require.Len(t, msgs, 1)
	require.Equal(t, b.Addr(), msgs[0].StoreHost)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.Shutdown(ctx))
	ns.await(t, remoting.CodeUnregisterBroker, 1)
}

// Hostile input: frames that are not frames close only their own connection; the broker goes
// on serving everybody else.
func TestHostileFrames(t *testing.T) {
	lengthWord := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	cases := []struct {
		name string
		data []byte
	}{
		{"huge length", lengthWord(1 << 30)},
		{"negative length", lengthWord(0xFFFFFFF0)},
		{"too short", append(lengthWord(2), 0, 0)},
		{"header longer than frame", append(lengthWord(8), 0, 0, 0, 100, 1, 2, 3, 4)},
		{"header not JSON", append(append(lengthWord(4+5), 0, 0, 0, 5), []byte("{{{{{")...)},
		{"unknown serialize type", append(append(lengthWord(4+2), 7, 0, 0, 2), []byte("{}")...)},
		{"truncated binary header", append(append(lengthWord(4+3), 1, 0, 0, 3), 0, 10, 0)},
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		for _, tc := range cases {
			c, err := r.mem.Dial(context.Background(), "tcp", brokerAddr)
			require.NoError(t, err)
			_, _ = c.Write(tc.data)
			// The broker closes the connection: reading ends.
			buf := make([]byte, 64)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
			// Everybody else is still served.
			r.send(remoting.CodeSendMessageV2, "T", 0, tc.name, nil)
		}
		require.Len(t, r.b.Messages("T"), len(cases))
	})
}

// Connection churn: clients that connect, heartbeat, hold pulls and vanish in a loop leave no
// trace, and the broker keeps serving.
func TestConnectionChurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 4))
		for i := range 50 {
			c := r.newClient()
			heartbeat(t, c, &protocol.HeartbeatData{ClientID: "churn" + itoa(i),
				ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}},
				ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, _ = remotingtest.InvokeWithin(t, c, brokerAddr, protocol.RequestWithHeader(remoting.CodePullMessage, pullHeader("cg", "T", int32(i%4), 0), nil), time.Minute)
			}()
			synctest.Wait()
			require.NoError(t, c.Close())
			<-done
		}
		synctest.Wait()
		require.Empty(t, r.b.Clients())
		require.Zero(t, r.b.HeldPulls())
		r.send(remoting.CodeSendMessageV2, "T", 0, "still here", nil)
	})
}

func TestMissingFieldsNameTheField(t *testing.T) {
	// Every code the broker serves, sent with an empty header: answered (never a hang, never a
	// crash), errors naming what is missing.
	codes := []int32{
		remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage, remoting.CodePullMessage,
		remoting.CodeQueryConsumerOffset, remoting.CodeUpdateConsumerOffset, remoting.CodeSearchOffsetByTimestamp,
		remoting.CodeGetMaxOffset, remoting.CodeGetMinOffset, remoting.CodeHeartBeat, remoting.CodeUnregisterClient,
		remoting.CodeGetConsumerListByGroup, remoting.CodeUpdateAndCreateTopic,
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		for _, code := range codes {
			resp := r.invoke(remoting.NewRequest(code, map[string]string{}, nil))
			switch code {
			case remoting.CodeUnregisterClient:
				require.Equal(t, remoting.Success, resp.Code) // Java: nothing to remove, code 0
			case remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage, remoting.CodeUpdateAndCreateTopic:
				require.Equal(t, remoting.SystemError, resp.Code, remoting.RequestCodeName(code))
				if code == remoting.CodeUpdateAndCreateTopic {
					require.Contains(t, resp.Remark, "topicFilterType = [null] value invalid")
				} else {
					require.Equal(t, "The specified topic is blank.", resp.Remark)
				}
			default:
				require.Equal(t, remoting.SystemError, resp.Code, remoting.RequestCodeName(code))
				require.Contains(t, resp.Remark, "java.lang.NullPointerException", remoting.RequestCodeName(code))
			}
		}
	})
}

func TestVIPChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithVIPChannel(true))
		vip := r.newClient()
		resp := remotingtest.Invoke(t, vip, "127.0.0.1:10909", remoting.NewRequest(9999, nil, nil)) // the VIP port serves requests
		require.Equal(t, remoting.RequestCodeNotSupported, resp.Code)

		// Crash and restart bring the VIP port back too.
		r.b.Crash()
		require.NoError(t, r.b.Start())
		remotingtest.Invoke(t, r.newClient(), "127.0.0.1:10909", remoting.NewRequest(9999, nil, nil))

		// A VIP port someone else holds fails the start.
		remotingtest.Listen(t, r.mem, "127.0.0.1:20909") // taken
		b := New(append(baseOptions(r.mem, nsAddr), WithName("broker-b"), WithListenAddr("127.0.0.1:20911"), WithVIPChannel(true))...)
		require.ErrorContains(t, b.Start(), "VIP channel")
	})
}

// What the broker's limits refused is counted over crashes and restarts, as the admin API
// shows a broker's history, not only its current server's.
func TestLimitsCountedOverRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithRemotingOptions(remoting.WithMaxHeaderSize(128)))
		oversized := func() {
			nc, err := r.mem.Dial(context.Background(), "tcp", brokerAddr)
			require.NoError(t, err)
			defer nc.Close()
			frame, err := remoting.NewRequest(remoting.CodeHeartBeat, map[string]string{"pad": string(make([]byte, 200))}, nil).Encode()
			require.NoError(t, err)
			_, err = nc.Write(frame)
			require.NoError(t, err)
			_, err = nc.Read(make([]byte, 1))
			require.Error(t, err, "closed")
		}
		oversized()
		settings, counted := r.b.Limits()
		require.Equal(t, 128, settings.MaxHeaderSize)
		require.EqualValues(t, 1, counted.HeadersTooLarge)

		r.b.Crash()
		_, counted = r.b.Limits()
		require.EqualValues(t, 1, counted.HeadersTooLarge)
		require.Zero(t, counted.Connections, "a stopped broker has none")
		require.NoError(t, r.b.Start())
		oversized()
		_, counted = r.b.Limits()
		require.EqualValues(t, 2, counted.HeadersTooLarge)

		settings, counted = New(WithRemotingOptions(remoting.WithMaxConnections(7))).Limits()
		require.Equal(t, 7, settings.MaxConnections, "the options' settings before the first start")
		require.Zero(t, counted)
	})
}
