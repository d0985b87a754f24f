package client

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/protocol"
)

func route(brokers ...string) *protocol.TopicRouteData {
	r := &protocol.TopicRouteData{}
	for _, b := range brokers {
		r.QueueDatas = append(r.QueueDatas, protocol.QueueData{BrokerName: b, ReadQueueNums: 2, WriteQueueNums: 2, Perm: protocol.PermRead | protocol.PermWrite})
		r.BrokerDatas = append(r.BrokerDatas, protocol.BrokerData{Cluster: "c", BrokerName: b, BrokerAddrs: map[int64]string{0: b + ":10911"}})
	}
	return r
}

func TestPublishInfoFromRoute(t *testing.T) {
	r := route("broker-b", "broker-a", "slave-only", "read-only")
	r.BrokerDatas[2].BrokerAddrs = map[int64]string{1: "slave:10911"}
	r.QueueDatas[3].Perm = protocol.PermRead
	p := newPublishInfo("T", r)
	require.Equal(t, []MessageQueue{
		{"T", "broker-a", 0}, {"T", "broker-a", 1}, {"T", "broker-b", 0}, {"T", "broker-b", 1},
	}, p.queues, "writable queues of brokers with a master, in broker-name order")
	require.False(t, p.orderTopic)
	require.Equal(t, "broker-b", r.QueueDatas[0].BrokerName, "the route itself is left unsorted")
}

func TestPublishInfoForOrderedTopic(t *testing.T) {
	r := route("broker-a")
	r.OrderTopicConf = "broker-x:2;broker-a:1"
	p := newPublishInfo("T", r)
	require.True(t, p.orderTopic)
	require.Equal(t, []MessageQueue{{"T", "broker-x", 0}, {"T", "broker-x", 1}, {"T", "broker-a", 0}}, p.queues)
}

func TestSelectQueueRoundRobinAvoidingLastBroker(t *testing.T) {
	p := newPublishInfo("T", route("broker-a", "broker-b"))
	seen := map[MessageQueue]int{}
	for range 400 {
		seen[p.selectQueue("")]++
	}
	require.Len(t, seen, 4)
	for mq, n := range seen {
		require.Equal(t, 100, n, "round robin gives %v its share", mq)
	}
	for range 50 {
		require.Equal(t, "broker-b", p.selectQueue("broker-a").BrokerName)
	}
	only := newPublishInfo("T", route("broker-a"))
	require.Equal(t, "broker-a", only.selectQueue("broker-a").BrokerName, "with one broker the last one is still used")
}

func TestSelectQueueAvoidingFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		faults := newLatencyFaults(DefaultLatencyTable)
		p := newPublishInfo("T", route("broker-a", "broker-b"))
		faults.record("broker-a", 0, true)
		for range 20 {
			require.Equal(t, "broker-b", p.selectQueueAvoidingFaults("", faults).BrokerName)
		}
		// last broker avoided while another is available
		for range 20 {
			require.Equal(t, "broker-b", p.selectQueueAvoidingFaults("broker-a", faults).BrokerName)
		}
		faults.record("broker-b", 0, true)
		mq := p.selectQueueAvoidingFaults("broker-b", faults)
		require.Contains(t, []string{"broker-a", "broker-b"}, mq.BrokerName, "with every broker benched one is still chosen")
		require.Less(t, mq.QueueID, 2)
		time.Sleep(10 * time.Minute)
		require.Equal(t, "broker-a", p.selectQueueAvoidingFaults("broker-b", faults).BrokerName, "benched brokers come back")
	})
}
