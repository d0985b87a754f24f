package fakebroker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestHeartbeatAndUnregister(t *testing.T) {
	type step struct {
		name  string
		hb    *protocol.HeartbeatData                 // a heartbeat, or
		unreg *protocol.UnregisterClientRequestHeader // an unregister
		want  []ClientInfo                            // ClientID, ProducerGroups, ConsumerGroups only
	}
	steps := []step{
		{name: "producer heartbeat",
			hb: &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{
				{GroupName: "pg"}, {GroupName: "CLIENT_INNER_PRODUCER"}}},
			want: []ClientInfo{{ClientID: clientID, ProducerGroups: []string{"CLIENT_INNER_PRODUCER", "pg"}}}},
		{name: "consumer joins on the same connection",
			hb: &protocol.HeartbeatData{ClientID: clientID,
				ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}, {GroupName: "CLIENT_INNER_PRODUCER"}},
				ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}},
			want: []ClientInfo{{ClientID: clientID, ProducerGroups: []string{"CLIENT_INNER_PRODUCER", "pg"}, ConsumerGroups: []string{"cg"}}}},
		{name: "unregister a producer group",
			unreg: &protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "pg"},
			want:  []ClientInfo{{ClientID: clientID, ProducerGroups: []string{"CLIENT_INNER_PRODUCER"}, ConsumerGroups: []string{"cg"}}}},
		{name: "unregister the consumer group",
			unreg: &protocol.UnregisterClientRequestHeader{ClientID: clientID, ConsumerGroup: "cg"},
			want:  []ClientInfo{{ClientID: clientID, ProducerGroups: []string{"CLIENT_INNER_PRODUCER"}}}},
		{name: "unregister an unknown group",
			unreg: &protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "nope"},
			want:  []ClientInfo{{ClientID: clientID, ProducerGroups: []string{"CLIENT_INNER_PRODUCER"}}}},
		{name: "unregister the last group",
			unreg: &protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "CLIENT_INNER_PRODUCER"},
			want:  nil},
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		for _, s := range steps {
			var resp *remoting.Command
			if s.hb != nil {
				resp = heartbeat(t, r.client, s.hb)
				require.Nil(t, resp.ExtFields, "%s: Java answers a heartbeat without extFields", s.name)
			} else {
				resp = r.invoke(protocol.RequestWithHeader(remoting.CodeUnregisterClient, *s.unreg, nil))
				require.Equal(t, remoting.Success, resp.Code, s.name)
				require.Equal(t, map[string]string{}, resp.ExtFields, "%s: Java answers {}", s.name)
			}
			var got []ClientInfo
			for _, c := range r.b.Clients() {
				got = append(got, ClientInfo{ClientID: c.ClientID, ProducerGroups: c.ProducerGroups, ConsumerGroups: c.ConsumerGroups})
			}
			require.Equal(t, s.want, got, s.name)
		}
	})
}

func TestHeartbeatRecordsLanguageVersionAndTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		req := remoting.NewRequest(remoting.CodeHeartBeat, nil,
			(&protocol.HeartbeatData{ClientID: "go@1", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}}).Encode())
		req.Language, req.Version = remoting.LanguageGo, 317
		require.Equal(t, remoting.Success, r.invoke(req).Code)
		c := r.b.Clients()[0]
		require.Equal(t, "GO", c.Language)
		require.Equal(t, int32(317), c.Version)
		require.Equal(t, time.Now(), c.LastHeartbeat)
		require.Contains(t, c.Addr, "127.0.0.1:")
	})
}

// Registrations are per connection: another connection of the same client id is another row,
// and unregistering on one connection leaves the other.
func TestClientTableIsKeyedByConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		other := r.newClient()
		hb := &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}}
		heartbeat(t, r.client, hb)
		heartbeat(t, other, hb)
		require.Len(t, r.b.Clients(), 2)
		resp := invokeOn(t, other, protocol.RequestWithHeader(remoting.CodeUnregisterClient,
			protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "pg"}, nil))
		require.Equal(t, remoting.Success, resp.Code)
		require.Len(t, r.b.Clients(), 1)
	})
}

func TestClosedConnectionLeavesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID,
			ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}},
			ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		require.Len(t, r.b.Clients(), 1)
		require.NoError(t, r.client.Close())
		synctest.Wait()
		require.Empty(t, r.b.Clients())
		require.Empty(t, r.b.ConsumerIDs("cg"))
	})
}

func TestClientExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID,
			ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}},
			ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		// The client stays connected and busy (no idle close) but stops heartbeating.
		conn, err := r.client.Conn(context.Background(), brokerAddr)
		require.NoError(t, err)
		keepBusy := func() {
			resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetMaxOffset,
				protocol.GetMaxOffsetRequestHeader{Topic: "T", QueueID: 0}, nil))
			require.Equal(t, remoting.Success, resp.Code)
		}
		for time.Since(start) < 120*time.Second {
			time.Sleep(30 * time.Second)
			keepBusy()
		}
		// At 120 s the entry is exactly 120 s old: not "more than 120 s" yet.
		synctest.Wait()
		require.Len(t, r.b.Clients(), 1)
		// The scan runs every 10 s from 10 s after start: at 130 s it drops the entry and
		// closes the connection.
		time.Sleep(9 * time.Second)
		synctest.Wait()
		require.Len(t, r.b.Clients(), 1)
		time.Sleep(time.Second)
		synctest.Wait()
		require.Empty(t, r.b.Clients())
		select {
		case <-conn.Done():
		default:
			t.Fatal("the broker did not close the expired client's connection")
		}
	})
}

func TestClientExpiryIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithClientExpiry(5*time.Second), WithClientScanInterval(time.Second, time.Second))
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
		time.Sleep(5 * time.Second)
		synctest.Wait()
		require.Len(t, r.b.Clients(), 1)
		// Heartbeats keep it.
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
		time.Sleep(5 * time.Second)
		synctest.Wait()
		require.Len(t, r.b.Clients(), 1)
		time.Sleep(time.Second)
		synctest.Wait()
		require.Empty(t, r.b.Clients())
	})
}

// A consumer heartbeat creates the group's retry topic (registered oneway) and pushes
// NOTIFY_CONSUMER_IDS_CHANGED to the group's members, the new one included, before answering.
func TestConsumerHeartbeatCreatesRetryTopicAndNotifies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		notified := make(chan string, 10)
		handler := func(_ context.Context, req *remoting.Request) *remoting.Command {
			require.True(t, req.Command.IsOneway())
			notified <- req.Command.ExtFields["consumerGroup"]
			return nil
		}
		first := r.newClient()
		first.Handle(remoting.CodeNotifyConsumerIDsChanged, handler)
		heartbeat(t, first, &protocol.HeartbeatData{ClientID: "c1", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		require.Equal(t, "cg", <-notified)

		tc, ok := r.b.Topic("%RETRY%cg")
		require.True(t, ok)
		require.Equal(t, int32(1), tc.ReadQueueNums)
		require.Equal(t, int32(6), tc.Perm)
		e := r.ns.await(t, remoting.CodeRegisterBroker, 2)
		require.True(t, e.Oneway)
		require.Contains(t, regBody(t, e).TopicConfigSerializeWrapper.TopicConfigTable, "%RETRY%cg")

		// The same heartbeat again changes nothing: no notification.
		heartbeat(t, first, &protocol.HeartbeatData{ClientID: "c1", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		// A second member: both are told.
		second := r.newClient()
		second.Handle(remoting.CodeNotifyConsumerIDsChanged, handler)
		heartbeat(t, second, &protocol.HeartbeatData{ClientID: "c2", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		synctest.Wait()
		require.Len(t, notified, 2)
		require.Equal(t, []string{"c1", "c2"}, r.b.ConsumerIDs("cg"))
		<-notified
		<-notified

		// A subscription change notifies too; a member leaving notifies those left.
		heartbeat(t, second, &protocol.HeartbeatData{ClientID: "c2", ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T", "U")}})
		synctest.Wait()
		require.Len(t, notified, 2)
		<-notified
		<-notified
		require.NoError(t, second.Close())
		synctest.Wait()
		require.Len(t, notified, 1)
		require.Equal(t, []string{"c1"}, r.b.ConsumerIDs("cg"))
	})
}

func TestHeartbeatBadBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		resp := r.invoke(remoting.NewRequest(remoting.CodeHeartBeat, nil, nil))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, `java.lang.NullPointerException: Cannot read the array length because "bytes" is null, java.base/java.lang.String.<init>(String.java:1387)`, resp.Remark)
		require.Nil(t, resp.ExtFields)
		resp = r.invoke(remoting.NewRequest(remoting.CodeHeartBeat, nil, []byte("not json")))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Empty(t, r.b.Clients())
	})
}
