package fakebroker

import (
	"context"
	"maps"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// askProducers sends GET_PRODUCER_CONNECTION_LIST over the rig's client.
func (r *rig) askProducers(group string) *remoting.Command {
	r.t.Helper()
	return r.invoke(protocol.RequestWithHeader(remoting.CodeGetProducerConnectionList,
		protocol.GetProducerConnectionListRequestHeader{ProducerGroup: group}, nil))
}

// askConsumers sends GET_CONSUMER_CONNECTION_LIST over the rig's client.
func (r *rig) askConsumers(group string) *remoting.Command {
	r.t.Helper()
	return r.invoke(protocol.RequestWithHeader(remoting.CodeGetConsumerConnectionList,
		protocol.GetConsumerConnectionListRequestHeader{ConsumerGroup: group}, nil))
}

// producerConns requires a successful 204 and returns its connections.
func (r *rig) producerConns(group string) []protocol.Connection {
	r.t.Helper()
	resp := r.askProducers(group)
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	require.Empty(r.t, resp.Remark)
	require.Nil(r.t, resp.ExtFields, "Java answers without extFields")
	pc, err := protocol.DecodeProducerConnection(resp.Body)
	require.NoError(r.t, err)
	return pc.ConnectionSet
}

// consumerConns requires a successful 203 and returns its body.
func (r *rig) consumerConns(group string) *protocol.ConsumerConnection {
	r.t.Helper()
	resp := r.askConsumers(group)
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	require.Empty(r.t, resp.Remark)
	require.Nil(r.t, resp.ExtFields, "Java answers without extFields")
	cc, err := protocol.DecodeConsumerConnection(resp.Body)
	require.NoError(r.t, err)
	return cc
}

// requireNoGroup requires the answers to a group the broker does not have.
func (r *rig) requireNoGroup(producerGroup, consumerGroup string) {
	r.t.Helper()
	resp := r.askProducers(producerGroup)
	require.Equal(r.t, remoting.SystemError, resp.Code)
	require.Equal(r.t, "the producer group["+producerGroup+"] not exist", resp.Remark)
	require.Nil(r.t, resp.ExtFields)
	require.Empty(r.t, resp.Body)
	resp = r.askConsumers(consumerGroup)
	require.Equal(r.t, remoting.ConsumerNotOnline, resp.Code)
	require.Equal(r.t, "the consumer group["+consumerGroup+"] not online", resp.Remark)
	require.Nil(r.t, resp.ExtFields)
	require.Empty(r.t, resp.Body)
}

// localAddr is the address the broker sees c's connection come from.
func localAddr(t *testing.T, c *remoting.Client) string {
	t.Helper()
	conn, err := c.Conn(context.Background(), brokerAddr)
	require.NoError(t, err)
	return conn.LocalAddr()
}

func TestConnectionsAfterHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.requireNoGroup("pg", "cg")

		cd := consumerData("cg", "T", "U")
		cd.ConsumeFromWhere = protocol.ConsumeFromFirstOffset
		cd.SubscriptionDataSet[1] = protocol.SubscriptionData{Topic: "U", SubString: "a || b", TagsSet: []string{"a", "b"},
			CodeSet: []int32{97, 98}, SubVersion: 7, ExpressionType: protocol.ExpressionTypeTag}
		hb := remoting.NewRequest(remoting.CodeHeartBeat, nil, (&protocol.HeartbeatData{ClientID: clientID,
			ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}, ConsumerDataSet: []protocol.ConsumerData{cd}}).Encode())
		hb.Language, hb.Version = remoting.LanguageGo, 317
		require.Equal(t, remoting.Success, r.invoke(hb).Code)

		want := protocol.Connection{ClientID: clientID, ClientAddr: localAddr(t, r.client), Language: "GO", Version: 317}
		require.Equal(t, []protocol.Connection{want}, r.producerConns("pg"))
		got := r.consumerConns("cg")
		if d := cmp.Diff(&protocol.ConsumerConnection{
			ConnectionSet:     []protocol.Connection{want},
			SubscriptionTable: map[string]protocol.SubscriptionData{"T": cd.SubscriptionDataSet[0], "U": cd.SubscriptionDataSet[1]},
			ConsumeType:       protocol.ConsumePassively, MessageModel: protocol.Clustering,
			ConsumeFromWhere: protocol.ConsumeFromFirstOffset,
		}, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("consumer connection (-want +got):\n%s", d)
		}
		// A producer group is not a consumer group, nor the other way round.
		r.requireNoGroup("cg", "pg")

		// A later heartbeat's consume settings and subscriptions replace the group's.
		cd = consumerData("cg", "V")
		cd.ConsumeType, cd.MessageModel = protocol.ConsumeActively, protocol.Broadcasting
		heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ConsumerDataSet: []protocol.ConsumerData{cd}})
		got = r.consumerConns("cg")
		require.Equal(t, protocol.ConsumeActively, got.ConsumeType)
		require.Equal(t, protocol.Broadcasting, got.MessageModel)
		require.Equal(t, []string{"V"}, slices.Sorted(maps.Keys(got.SubscriptionTable)))
	})
}

// Registrations are per connection: every connection of a client id is listed, each with its
// own address.
func TestConnectionsOfOneClientID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		clients := []*remoting.Client{r.client, r.newClient(), r.newClient()}
		var want []protocol.Connection
		for _, c := range clients {
			heartbeat(t, c, &protocol.HeartbeatData{ClientID: clientID,
				ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
			want = append(want, protocol.Connection{ClientID: clientID, ClientAddr: localAddr(t, c), Language: "JAVA", Version: remoting.CurrentVersion})
		}
		require.Equal(t, want, r.producerConns("pg"), "in the order the connections were opened")
		require.Equal(t, want, r.consumerConns("cg").ConnectionSet)

		// The second connection unregisters; the others stay.
		resp := invokeOn(t, clients[1], protocol.RequestWithHeader(remoting.CodeUnregisterClient,
			protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "pg", ConsumerGroup: "cg"}, nil))
		require.Equal(t, remoting.Success, resp.Code)
		want = []protocol.Connection{want[0], want[2]}
		require.Equal(t, want, r.producerConns("pg"))
		require.Equal(t, want, r.consumerConns("cg").ConnectionSet)
	})
}

// How a group leaves the table differs: UNREGISTER_CLIENT of its last member removes either
// kind, a closed or expired connection removes a consumer group but leaves its producer group
// in ProducerManager's table, listed without connections.
func TestConnectionsWhenClientsLeave(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		leave func(r *rig, c *remoting.Client)
		// keepsProducerGroup: 204 answers an empty list instead of "not exist".
		keepsProducerGroup bool
	}{
		{name: "unregister", leave: func(r *rig, c *remoting.Client) {
			resp := invokeOn(r.t, c, protocol.RequestWithHeader(remoting.CodeUnregisterClient,
				protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "pg", ConsumerGroup: "cg"}, nil))
			require.Equal(r.t, remoting.Success, resp.Code)
		}},
		{name: "close", keepsProducerGroup: true, leave: func(r *rig, c *remoting.Client) {
			require.NoError(r.t, c.Close())
			synctest.Wait()
		}},
		{name: "expire", keepsProducerGroup: true,
			opts: []Option{WithClientExpiry(5 * time.Second), WithClientScanInterval(time.Second, time.Second)},
			leave: func(r *rig, _ *remoting.Client) {
				time.Sleep(6 * time.Second)
				synctest.Wait()
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tc.opts...)
				c := r.newClient()
				heartbeat(t, c, &protocol.HeartbeatData{ClientID: clientID,
					ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}, ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
				require.Len(t, r.producerConns("pg"), 1)
				require.Len(t, r.consumerConns("cg").ConnectionSet, 1)

				tc.leave(r, c)
				require.Empty(t, r.b.Clients())
				if !tc.keepsProducerGroup {
					r.requireNoGroup("pg", "cg")
					return
				}
				resp := r.askProducers("pg")
				require.Equal(t, remoting.Success, resp.Code, resp.Remark)
				require.Equal(t, `{"connectionSet":[]}`, string(resp.Body))
				r.requireNoGroup("nobody", "cg")

				// A new member brings the group back to life; its unregistering then removes it.
				heartbeat(t, r.client, &protocol.HeartbeatData{ClientID: clientID, ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
				require.Len(t, r.producerConns("pg"), 1)
				resp = r.invoke(protocol.RequestWithHeader(remoting.CodeUnregisterClient,
					protocol.UnregisterClientRequestHeader{ClientID: clientID, ProducerGroup: "pg"}, nil))
				require.Equal(t, remoting.Success, resp.Code)
				r.requireNoGroup("pg", "cg")
			})
		})
	}
}

// Without the group field Java looks null up in a ConcurrentHashMap and throws.
func TestConnectionsWithoutGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		for _, code := range []int32{remoting.CodeGetProducerConnectionList, remoting.CodeGetConsumerConnectionList} {
			for _, ext := range []map[string]string{nil, {}} {
				resp := r.invoke(remoting.NewRequest(code, ext, nil))
				require.Equal(t, remoting.SystemError, resp.Code, code)
				require.Equal(t, `java.lang.NullPointerException: Cannot invoke "Object.hashCode()" because "key" is null, `+
					`java.base/java.util.concurrent.ConcurrentHashMap.get(ConcurrentHashMap.java:936)`, resp.Remark)
				require.Nil(t, resp.ExtFields)
			}
		}
	})
}

// allProducers requires a successful GET_ALL_PRODUCER_INFO and returns its body, raw and decoded.
func (r *rig) allProducers() (string, map[string][]protocol.ProducerInfo) {
	r.t.Helper()
	resp := r.invoke(protocol.RequestWithHeader(remoting.CodeGetAllProducerInfo, protocol.GetAllProducerInfoRequestHeader{}, nil))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	require.Empty(r.t, resp.Remark)
	require.Nil(r.t, resp.ExtFields, "Java answers without extFields")
	info, err := protocol.DecodeProducerTableInfo(resp.Body)
	require.NoError(r.t, err)
	return string(resp.Body), info.Data
}

// GET_ALL_PRODUCER_INFO lists every producer group that has a connection, each connection as
// its last heartbeat left it; a group whose connections all closed is not listed (though 204
// still answers it), and consumer groups never are.
func TestGetAllProducerInfo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		raw, _ := r.allProducers()
		require.Equal(t, `{"data":{}}`, raw)

		first, second, third := r.client, r.newClient(), r.newClient()
		heartbeat(t, first, &protocol.HeartbeatData{ClientID: "c1", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}},
			ConsumerDataSet: []protocol.ConsumerData{consumerData("cg", "T")}})
		joined := time.Now().UnixMilli()
		time.Sleep(time.Second)
		hb := remoting.NewRequest(remoting.CodeHeartBeat, nil, (&protocol.HeartbeatData{ClientID: "c2",
			ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}, {GroupName: "pg2"}}}).Encode())
		hb.Language, hb.Version = remoting.LanguageGo, 317
		require.Equal(t, remoting.Success, invokeOn(t, second, hb).Code)
		heartbeat(t, third, &protocol.HeartbeatData{ClientID: "c3", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg3"}}})
		later := time.Now().UnixMilli()

		one := protocol.ProducerInfo{ClientID: "c1", RemoteIP: "/" + localAddr(t, first), Language: "JAVA",
			Version: remoting.CurrentVersion, LastUpdateTimestamp: joined}
		two := protocol.ProducerInfo{ClientID: "c2", RemoteIP: "/" + localAddr(t, second), Language: "GO", Version: 317,
			LastUpdateTimestamp: later}
		three := protocol.ProducerInfo{ClientID: "c3", RemoteIP: "/" + localAddr(t, third), Language: "JAVA",
			Version: remoting.CurrentVersion, LastUpdateTimestamp: later}
		_, got := r.allProducers()
		require.Equal(t, map[string][]protocol.ProducerInfo{"pg": {one, two}, "pg2": {two}, "pg3": {three}}, got)

		// A heartbeat refreshes its connections' times.
		time.Sleep(time.Second)
		heartbeat(t, first, &protocol.HeartbeatData{ClientID: "c1", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg"}}})
		one.LastUpdateTimestamp = time.Now().UnixMilli()
		_, got = r.allProducers()
		require.Equal(t, []protocol.ProducerInfo{one, two}, got["pg"])

		// The second connection closes: pg2 stays in the table without connections, unlisted.
		require.NoError(t, second.Close())
		synctest.Wait()
		_, got = r.allProducers()
		require.Equal(t, map[string][]protocol.ProducerInfo{"pg": {one}, "pg3": {three}}, got)
		resp := r.askProducers("pg2")
		require.Equal(t, remoting.Success, resp.Code, "204 still knows the group")
	})
}
