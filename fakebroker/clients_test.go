package fakebroker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
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

// notifications collects the NOTIFY_CONSUMER_IDS_CHANGED a client receives, by group.
type notifications struct{ got chan *remoting.Command }

func (r *rig) notifiedClient() (*remoting.Client, *notifications) {
	n := &notifications{got: make(chan *remoting.Command, 16)}
	c := r.newClient()
	c.Handle(remoting.CodeNotifyConsumerIDsChanged, func(_ context.Context, req *remoting.Request) *remoting.Command {
		n.got <- req.Command
		return nil
	})
	return c, n
}

// take returns the groups of the notifications received so far, once the broker is idle.
func (n *notifications) take() []string {
	synctest.Wait()
	var groups []string
	for {
		select {
		case c := <-n.got:
			groups = append(groups, c.ExtFields[protocol.FieldConsumerGroup])
		default:
			return groups
		}
	}
}

// Java's ConsumerManager and DefaultConsumerIdsChangeListener: a group's members are told when
// a heartbeat changes its members or topics or an unregister removes one (unless the group's
// notifyConsumerIdsChangedEnable is off) and when a connection closes; an expired member is
// dropped silently; notifyConsumerIdsChangedEnable off on the broker silences everything.
func TestNotifyConsumerIDsChanged(t *testing.T) {
	hb := func(t *testing.T, c *remoting.Client, id, group string) {
		heartbeat(t, c, &protocol.HeartbeatData{ClientID: id, ConsumerDataSet: []protocol.ConsumerData{consumerData(group, "T")}})
	}
	t.Run("the request", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			c, n := r.notifiedClient()
			hb(t, c, "c1", "cg")
			synctest.Wait()
			req := <-n.got
			require.True(t, req.IsOneway())
			require.Equal(t, map[string]string{"consumerGroup": "cg"}, req.ExtFields)
			require.Equal(t, remoting.LanguageJava, req.Language)
			require.Equal(t, remoting.CurrentVersion, req.Version)
		})
	})
	t.Run("join, unregister, close", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			c1, n1 := r.notifiedClient()
			c2, n2 := r.notifiedClient()
			hb(t, c1, "c1", "cg")
			require.Equal(t, []string{"cg"}, n1.take())
			hb(t, c2, "c2", "cg")
			require.Equal(t, []string{"cg"}, n1.take())
			require.Equal(t, []string{"cg"}, n2.take())
			resp := invokeOn(t, c2, protocol.RequestWithHeader(remoting.CodeUnregisterClient,
				protocol.UnregisterClientRequestHeader{ClientID: "c2", ConsumerGroup: "cg"}, nil))
			require.Equal(t, remoting.Success, resp.Code)
			require.Equal(t, []string{"cg"}, n1.take())
			require.Empty(t, n2.take(), "the member that left is not told")
			hb(t, c2, "c2", "cg")
			n1.take()
			n2.take()
			require.NoError(t, c2.Close())
			require.Equal(t, []string{"cg"}, n1.take())
		})
	})
	t.Run("expiry is silent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, WithClientExpiry(time.Minute))
			c1, n1 := r.notifiedClient()
			c2, _ := r.notifiedClient()
			hb(t, c1, "c1", "cg")
			hb(t, c2, "c2", "cg")
			n1.take()
			for range 8 { // c1 keeps heartbeating, c2 stops
				time.Sleep(10 * time.Second)
				hb(t, c1, "c1", "cg")
			}
			require.Equal(t, []string{"c1"}, r.b.ConsumerIDs("cg"))
			require.Empty(t, n1.take())
		})
	})
	t.Run("the group's switch", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			quiet := protocol.NewSubscriptionGroupConfig("cg")
			quiet.NotifyConsumerIDsChangedEnable = false
			r.b.UpdateSubscriptionGroup(quiet)
			c1, n1 := r.notifiedClient()
			c2, _ := r.notifiedClient()
			hb(t, c1, "c1", "cg")
			hb(t, c2, "c2", "cg")
			invokeOn(t, c2, protocol.RequestWithHeader(remoting.CodeUnregisterClient,
				protocol.UnregisterClientRequestHeader{ClientID: "c2", ConsumerGroup: "cg"}, nil))
			require.Empty(t, n1.take())
			hb(t, c2, "c2", "cg")
			require.NoError(t, c2.Close())
			require.Equal(t, []string{"cg"}, n1.take(), "a closed connection notifies all the same")
		})
	})
	t.Run("the broker's switch, live", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, WithNotifyConsumerIDsChanged(false))
			c1, n1 := r.notifiedClient()
			c2, _ := r.notifiedClient()
			hb(t, c1, "c1", "cg")
			hb(t, c2, "c2", "cg")
			require.NoError(t, c2.Close())
			require.Empty(t, n1.take())
			r.updateBrokerConfig("notifyConsumerIdsChangedEnable=true")
			hb(t, r.client, "c3", "cg")
			require.Equal(t, []string{"cg"}, n1.take())
		})
	})
	t.Run("a fault rule drops it", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			r.b.Faults().Add(fault.Rule{Code: remoting.CodeNotifyConsumerIDsChanged, Action: fault.ActionDrop, Times: 1})
			c1, n1 := r.notifiedClient()
			hb(t, c1, "c1", "cg")
			require.Empty(t, n1.take())
			hb(t, r.client, "c2", "cg")
			require.Equal(t, []string{"cg"}, n1.take())
		})
	})
}
