package client

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/rocketsim/rocketsim/protocol"
)

// MessageQueue names one queue of a topic on one broker.
type MessageQueue struct {
	Topic      string
	BrokerName string
	QueueID    int
}

// publishInfo is what a producer knows of where a topic can be written: Java's
// TopicPublishInfo. It is immutable once built; a route change replaces it whole.
type publishInfo struct {
	topic      string
	orderTopic bool
	queues     []MessageQueue
	route      *protocol.TopicRouteData

	// next is the round-robin position. Java keeps one per thread (ThreadLocalIndex) starting at a
	// random value; goroutines have no thread identity, so one shared counter with a random start
	// spreads sends the same way across concurrent senders.
	next *atomic.Uint32
}

// newPublishInfo builds the publish info of topic from its route, as Java's
// topicRouteData2TopicPublishInfo: an ordered topic takes its queues from orderTopicConf;
// otherwise every writable queue of every broker that has a master, brokers in name order.
func newPublishInfo(topic string, route *protocol.TopicRouteData) *publishInfo {
	p := &publishInfo{topic: topic, route: route, next: newRoundRobin()}
	if route == nil {
		return p
	}
	if route.OrderTopicConf != "" {
		conf, err := protocol.ParseOrderTopicConf(route.OrderTopicConf)
		if err == nil {
			for _, q := range conf {
				for id := range int(q.QueueNums) {
					p.queues = append(p.queues, MessageQueue{Topic: topic, BrokerName: q.BrokerName, QueueID: id})
				}
			}
			p.orderTopic = true
			return p
		}
	}
	qds := slices.Clone(route.QueueDatas)
	slices.SortStableFunc(qds, func(a, b protocol.QueueData) int { return cmp.Compare(a.BrokerName, b.BrokerName) })
	for _, qd := range qds {
		if !protocol.IsWriteable(qd.Perm) || !hasMaster(route, qd.BrokerName) {
			continue
		}
		for id := range int(qd.WriteQueueNums) {
			p.queues = append(p.queues, MessageQueue{Topic: topic, BrokerName: qd.BrokerName, QueueID: id})
		}
	}
	return p
}

func newRoundRobin() *atomic.Uint32 {
	var c atomic.Uint32
	c.Store(rand.Uint32())
	return &c
}

func hasMaster(route *protocol.TopicRouteData, brokerName string) bool {
	for i := range route.BrokerDatas {
		if route.BrokerDatas[i].BrokerName == brokerName {
			_, ok := route.BrokerDatas[i].MasterAddr()
			return ok
		}
	}
	return false
}

func (p *publishInfo) nextIndex() int { return int(p.next.Add(1) & 0x7fffffff) }

// selectQueue picks the next queue round-robin, avoiding lastBroker (the broker of the failed
// previous attempt) when another broker has a queue.
func (p *publishInfo) selectQueue(lastBroker string) MessageQueue {
	n := len(p.queues)
	if lastBroker != "" {
		for range n {
			mq := p.queues[p.nextIndex()%n]
			if mq.BrokerName != lastBroker {
				return mq
			}
		}
	}
	return p.queues[p.nextIndex()%n]
}

// selectQueueAvoidingFaults is the selection with latency fault tolerance on. It first looks for
// a queue on an available broker other than lastBroker, then on any available broker; Java 4.x
// ignores lastBroker here (issues #2204, #2358), which retries a failed send on the broker that
// just failed it — we keep Java's order of preference but honour lastBroker, as Java 5.1.4 does.
// With no broker available it takes the least bad one, then any queue.
func (p *publishInfo) selectQueueAvoidingFaults(lastBroker string, faults *latencyFaults) MessageQueue {
	n := len(p.queues)
	start := p.nextIndex()
	for _, avoidLast := range []bool{true, false} {
		for i := range n {
			mq := p.queues[(start+i)%n]
			if avoidLast && mq.BrokerName == lastBroker {
				continue
			}
			if faults.isAvailable(mq.BrokerName) {
				return mq
			}
		}
	}
	if broker := faults.pickOneAtLeast(); broker != "" {
		if writeQueues := p.writeQueueNums(broker); writeQueues > 0 {
			// Java overwrites a shared MessageQueue object here; we return a fresh value instead.
			return MessageQueue{Topic: p.topic, BrokerName: broker, QueueID: p.nextIndex() % writeQueues}
		}
		faults.remove(broker)
	}
	return p.selectQueue("")
}

// writeQueueNums is the number of write queues broker has for the topic, 0 when none.
func (p *publishInfo) writeQueueNums(broker string) int {
	if p.route == nil {
		return 0
	}
	for _, qd := range p.route.QueueDatas {
		if qd.BrokerName == broker {
			return int(qd.WriteQueueNums)
		}
	}
	return 0
}
